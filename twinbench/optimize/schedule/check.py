"""Independent feasibility check and KPIs of a schedule.

Written apart from the optimizer: it reads only the :class:`ScheduleProblem` and a
schedule table, so a bug in the model cannot hide itself. Any plan from any source (the
MIP, the heuristic, a planner's spreadsheet) can be checked.

A schedule table has one row per operation and per maintenance task: ``job`` (``MAINT``
for maintenance), ``op`` (the operation's row in ``problem.ops``, or the maintenance task's
name), ``step``, ``machine``, ``start`` and ``end`` of processing [h, working clock] and
``setup`` [h] (the setup done just before ``start``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["DEADLINE_PENALTY", "MAINT", "check_schedule", "deadline_excess", "done_at",
           "objective_value", "schedule_kpis"]

MAINT = "MAINT"
#: objective units charged per hour past a hard deadline by the heuristics: far above any
#: objective, so a plan that meets every deadline always beats one that does not
DEADLINE_PENALTY = 1e6


def done_at(start: float, end: float, x: float, pause: tuple[float, float] | None,
             ) -> float:
    """Hour a share ``x`` [1] of an operation's work is done [h]: at its own rate from
    ``start``, standing still ``pause = (at, hours)`` when that comes first."""
    if pause is None:
        return start + x * (end - start)
    at, hours = pause
    t = start + x * (end - start - hours)
    return t + hours if t > at else t


def check_schedule(problem: ScheduleProblem, table: pd.DataFrame, tol: float = 1e-5,
                   paused: Mapping[int, tuple[float, float]] | None = None) -> list[str]:
    """Every violated rule, in the plant's terms (empty list: the schedule is feasible).

    Checks: each operation scheduled once on an eligible machine for its duration; job
    releases; routing precedence (with lot streaming); one thing at a time per machine, with the
    sequence-dependent setup between consecutive operations (and from the machine's
    initial family); no work in a machine's blocked intervals; every maintenance task once,
    on its machine, inside its window; nothing ends after the horizon; a machine held by a
    full buffer starts nothing new until the lot's next step has taken all but the
    buffer's units plus one; no crew has more machines setting up or processing than
    operators on duty (both rules: :mod:`twinbench.optimize.schedule.resources`).

    Parameters
    ----------
    paused
        ``{op: (at, hours)}`` [h, h]: operations that stood still for ``hours`` from hour
        ``at`` (interrupted by a repair, or waiting for their previous step's units) and
        ran at their own rate before and after; they last their duration plus the pause,
        and lot streaming counts their work at that rate around the pause. Rescheduling
        passes the operations a disruption caught in progress.
    """
    paused = dict(paused or {})
    out: list[str] = []
    need = {"job", "op", "machine", "start", "end"}
    if need - set(table.columns):
        return [f"schedule lacks column(s) {sorted(need - set(table.columns))!r}"]
    ops_t = table[table["job"] != MAINT].copy()
    ops_t["op"] = ops_t["op"].astype(int)
    mt_t = table[table["job"] == MAINT]
    modes = problem.mode_table()
    fam = problem.family_of_op()
    label = {i: f"{j} step {k}" for i, (j, k) in
             enumerate(zip(problem.ops["job"], problem.ops["step"], strict=True))}
    # each operation once, eligible machine, duration
    counts = ops_t["op"].value_counts()
    missing = sorted(set(range(problem.n_ops)) - set(counts.index))
    for o in missing[:20]:
        out.append(f"operation {label[o]} is not scheduled")
    for o in counts.index[counts > 1]:
        out.append(f"operation {label.get(o, o)} is scheduled {counts[o]} times")
    stray = sorted(set(counts.index) - set(range(problem.n_ops)))
    for o in stray[:20]:
        out.append(f"unknown operation {o!r} in the schedule")
    start = {}
    end = {}
    for r in ops_t.itertuples(index=False):
        o = int(r.op)
        if o not in modes:
            continue
        start[o], end[o] = float(r.start), float(r.end)
        if r.machine not in modes[o]:
            out.append(f"{label[o]} runs on {r.machine}, which is not eligible (eligible: "
                       f"{sorted(modes[o])})")
        elif abs((r.end - r.start) - paused.get(o, (0.0, 0.0))[1] - modes[o][r.machine]) > (
                tol * max(1.0, modes[o][r.machine])):
            stood = (f" (with {paused[o][1]:.4f} h standing still)" if o in paused else "")
            out.append(f"{label[o]} on {r.machine} lasts {r.end - r.start:.4f} h{stood}, its "
                       f"duration is {modes[o][r.machine]:.4f} h")
        rel = float(problem.jobs.at[problem.ops.at[o, "job"], "release"])
        if r.start < rel - tol:
            out.append(f"{label[o]} starts at {r.start:.3f} h, before its release {rel:.3f} h")
        if r.end > problem.horizon + tol:
            out.append(f"{label[o]} ends at {r.end:.3f} h, after the horizon "
                       f"{problem.horizon:.3f} h")
    # routing precedence, with lot streaming: the next step starts once the first transfer
    # batch is done and ends at the earliest one batch's time after this step ends
    nxt = problem.next_op()
    share = problem.transfer_share()
    for o in range(problem.n_ops):
        n = int(nxt[o])
        if n < 0 or o not in end or n not in start:
            continue
        lag_s = done_at(start[o], end[o], share[o], paused.get(o))
        run_n = end[n] - start[n] - paused.get(n, (0.0, 0.0))[1]
        lag_e = end[o] + share[o] * run_n
        if start[n] < lag_s - tol:
            out.append(f"{label[n]} starts at {start[n]:.3f} h before {label[o]} "
                       + ("ends" if share[o] == 1 else "has its first transfer batch done")
                       + f" at {lag_s:.3f} h")
        elif end[n] < lag_e - tol:
            out.append(f"{label[n]} ends at {end[n]:.3f} h, before the last transfer batch "
                       f"from {label[o]} could be through ({lag_e:.3f} h)")
    # hard deadlines
    for j, dl in problem.deadlines().dropna().items():
        done = [end[o] for o in np.flatnonzero(problem.ops["job"].to_numpy() == j) if o in end]
        if done and max(done) > dl + tol:
            out.append(f"{j} finishes at {max(done):.3f} h, after its deadline {dl:.3f} h")
    # maintenance tasks
    tasks = problem.maintenance.set_index("task") if len(problem.maintenance) else None
    seen = mt_t["op"].value_counts() if len(mt_t) else pd.Series(dtype=int)
    if tasks is not None:
        for task, r in tasks.iterrows():
            if seen.get(task, 0) != 1:
                out.append(f"maintenance {task} on {r['machine']} is scheduled "
                           f"{seen.get(task, 0)} times (expected once)")
    for r in mt_t.itertuples(index=False):
        if tasks is None or r.op not in tasks.index:
            out.append(f"unknown maintenance task {r.op!r}")
            continue
        t = tasks.loc[r.op]
        if r.machine != t["machine"]:
            out.append(f"maintenance {r.op} is on {r.machine}, expected {t['machine']}")
        if abs((r.end - r.start) - t["duration"]) > tol:
            out.append(f"maintenance {r.op} lasts {r.end - r.start:.3f} h, expected "
                       f"{t['duration']:.3f} h")
        if r.start < t["earliest"] - tol or r.end > t["deadline"] + tol:
            out.append(f"maintenance {r.op} runs {r.start:.3f}-{r.end:.3f} h, outside its "
                       f"window {t['earliest']:.3f}-{t['deadline']:.3f} h")
    held = _held_until(problem, start, end, paused)
    crew_of = {mc: c for c, mcs in problem.crews.items() for mc in mcs}
    busy: dict[str, list[tuple[float, float, str]]] = {c: [] for c in problem.crews}
    # machines: no overlap, setups, blocks, holds
    for m, grp in table.groupby("machine"):
        g = grp.sort_values(["start", "end"])
        s, e = g["start"].to_numpy(float), g["end"].to_numpy(float)
        is_op = (g["job"] != MAINT).to_numpy()
        f_prev = problem.initial_family.get(m)
        ready = float(problem.machine_ready.get(m, 0.0))
        end_prev = e_prev = ready
        name_prev = f"the machine is ready at {ready:.3f} h"
        if len(s) and s[0] < ready - tol:
            out.append(f"{m}: work starts at {s[0]:.3f} h, before the machine is ready at "
                       f"{ready:.3f} h")
        for i in range(len(g)):
            name = label[int(g["op"].iat[i])] if is_op[i] else f"maintenance {g['op'].iat[i]}"
            if i and s[i] < e[i - 1] - tol:
                out.append(f"{m}: {name} starts at {s[i]:.3f} h while the previous job "
                           f"runs until {e[i - 1]:.3f} h")
            if is_op[i]:
                f = fam[int(g["op"].iat[i])]
                su = problem.setup_time(m, f_prev, f)
                if s[i] < end_prev - tol and s[i] >= e_prev - tol:
                    out.append(f"{m}: {name} starts at {s[i]:.3f} h while {name_prev} is still "
                               f"on the machine until {end_prev:.3f} h (the buffer in front "
                               "of its next station is full)")
                elif su > 0 and s[i] < end_prev + su - tol:
                    out.append(f"{m}: {name} starts at {s[i]:.3f} h, but the setup from "
                               f"{f_prev} to {f} ({su:.3f} h) after {name_prev} needs until "
                               f"{end_prev + su:.3f} h")
                o = int(g["op"].iat[i])
                if m in crew_of and e[i] - (s[i] - su) > tol:
                    busy[crew_of[m]].append((s[i] - su, e[i], f"{m} {label[o]}"))
                f_prev, end_prev, name_prev = f, max(e[i], held.get(o, e[i])), name
                e_prev = e[i]
        if len(problem.blocks):
            for b in problem.blocks[problem.blocks["machine"] == m].itertuples(index=False):
                hit = (s < b.end - tol) & (e > b.start + tol)
                for i in np.flatnonzero(hit):
                    name = (label[int(g["op"].iat[i])] if is_op[i]
                            else f"maintenance {g['op'].iat[i]}")
                    out.append(f"{m}: {name} ({s[i]:.3f}-{e[i]:.3f} h) overlaps the "
                               f"unavailable window {b.start:.3f}-{b.end:.3f} h")
    for c, iv in busy.items():
        out += _crew_overload(problem, c, iv, tol)
    return out


def _held_until(problem: ScheduleProblem, start: dict[int, float],
                end: dict[int, float], paused: Mapping[int, tuple[float, float]],
                ) -> dict[int, float]:
    """Operations whose machine a full buffer holds past their end: ``{op: hour}`` [h]
    when the lot's next step has taken all but ``B + 1`` of its ``q`` units (a next step
    that stands still takes none meanwhile: ``paused`` as :func:`check_schedule`)."""
    out: dict[int, float] = {}
    if not problem.buffers or "quantity" not in problem.jobs:
        return out
    nxt = problem.next_op()
    st = problem.ops["station"].to_numpy()
    qty = problem.jobs["quantity"]
    for o in range(problem.n_ops):
        n = int(nxt[o])
        if n < 0 or o not in end or n not in start:
            continue
        cap = problem.buffers.get(str(st[n]))
        q = float(qty.at[problem.ops.at[o, "job"]])
        if cap is not None and q > cap:
            out[o] = max(end[o], done_at(start[n], end[n], (q - cap - 1) / q, paused.get(n)))
    return out


def _at(problem: ScheduleProblem, t: float) -> str:
    """Working-clock hour ``t`` [h] as the plant reads it."""
    if problem.t0 is None:
        return f"{t:.3f} h"
    return f"{problem.to_wall(np.array([t]))[0]:%a %H:%M} ({t:.3f} h)"


def _crew_overload(problem: ScheduleProblem, crew: str, iv: list[tuple[float, float, str]],
                   tol: float) -> list[str]:
    """Instants where more of ``crew``'s machines set up or process than it has operators
    on duty (``iv``: their ``start, end`` [h] and names), one line per distinct overload."""
    t = problem.crew_shifts
    seg = t[t["crew"] == crew] if len(t) else t
    size = int(problem.crew_size.get(crew, 0))
    points = sorted({a for a, _, _ in iv} | {float(x) for x in seg.get("start", [])})
    out, seen = [], set()
    for p in points:
        run = [name for a, b, name in iv if a <= p + tol and b > p + tol]
        if not run:
            continue
        on = seg[(seg["start"] <= p + tol) & (seg["end"] > p + tol)] if len(seg) else seg
        k = int(on["operators"].iat[0]) if len(on) else size
        shift = f" on the {on['shift'].iat[0]} shift" if len(on) and on["shift"].iat[0] else ""
        if len(run) > k and tuple(run) not in seen:
            seen.add(tuple(run))
            out.append(f"at {_at(problem, p)} crew {crew!r} has {k} operator"
                       f"{'' if k == 1 else 's'} on duty{shift} but {len(run)} machines "
                       f"running ({', '.join(run)})")
    return out[:20]


def schedule_kpis(problem: ScheduleProblem, table: pd.DataFrame) -> dict[str, float]:
    """KPIs of a schedule.

    Returns
    -------
    dict with ``makespan`` [h], ``weighted_tardiness`` [h], ``weighted_flow`` (sum of
    weighted completion times) [h], ``total_tardiness`` [h],
    ``tardy_jobs`` [1], ``max_tardiness`` [h], ``setup_hours`` [h], ``energy`` [kWh],
    ``energy_cost`` [EUR], ``maintenance_hours`` [h], ``utilisation`` [1] (processing
    hours over machines x makespan).
    """
    ops_t = table[table["job"] != MAINT]
    mt_t = table[table["job"] == MAINT]
    last = ops_t.groupby("job")["end"].max()
    jobs = problem.jobs.loc[last.index]
    tard = np.clip(last.to_numpy(float) - jobs["due"].to_numpy(float), 0, None)
    power = problem.power_table()
    energy = cost = 0.0
    for r in ops_t.itertuples(index=False):
        kwh = power.get((int(r.op), r.machine), 0.0) * (r.end - r.start)
        energy += kwh
        cost += kwh * problem.energy_price(float(r.start), float(r.end))
    makespan = float(table["end"].max()) if len(table) else 0.0
    busy = float((ops_t["end"] - ops_t["start"]).sum())
    return {"makespan": makespan,
            "weighted_tardiness": float(np.sum(tard * jobs["weight"].to_numpy(float))),
            "weighted_flow": float(np.sum(last.to_numpy(float) * jobs["weight"].to_numpy(float))),
            "total_tardiness": float(tard.sum()), "tardy_jobs": float((tard > 1e-6).sum()),
            "max_tardiness": float(tard.max()) if len(tard) else 0.0,
            "setup_hours": float(ops_t["setup"].sum()) if "setup" in ops_t else 0.0,
            "energy": energy, "energy_cost": cost,
            "maintenance_hours": float((mt_t["end"] - mt_t["start"]).sum()),
            "utilisation": busy / max(makespan * len(problem.machines), 1e-9)}


def objective_value(kpis: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Weighted objective of a plan's KPIs (:func:`schedule_kpis`).

    Parameters
    ----------
    kpis
        ``makespan`` [h], ``weighted_tardiness`` [h], ``weighted_flow`` [h] and
        ``energy_cost`` [EUR].
    weights
        ``makespan`` [1/h], ``tardiness`` (weighted) [1/h], ``flow`` (weighted completion
        times) [1/h], ``cost`` (energy) [1/EUR]; absent keys weigh 0.

    Returns
    -------
    float
        The weighted sum [1].
    """
    return (weights.get("makespan", 0.0) * kpis["makespan"]
            + weights.get("tardiness", 0.0) * kpis["weighted_tardiness"]
            + weights.get("flow", 0.0) * kpis["weighted_flow"]
            + weights.get("cost", 0.0) * kpis["energy_cost"])


def deadline_excess(problem: ScheduleProblem, table: pd.DataFrame) -> float:
    """Hours past the hard deadlines, summed over jobs [h] (0: every deadline met)."""
    dl = problem.deadlines().dropna()
    if not len(dl):
        return 0.0
    ops = table[table["job"] != MAINT]
    last = ops.groupby("job")["end"].max()
    return float(np.clip(last.reindex(dl.index).to_numpy(float) - dl.to_numpy(), 0.0,
                         None).sum())
