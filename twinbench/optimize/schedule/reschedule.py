"""Rescheduling from the current state: the approved plan meets the shop floor.

At hour ``now`` (working clock) of an approved :class:`~twinbench.optimize.schedule.solve.
Schedule`, something happens: a machine breaks down, a rush order lands, material for an
order arrives late. :func:`reschedule` keeps what cannot move and replans the rest:

* operations already done or in progress stay where they are (an operation in progress on
  a machine that breaks down is interrupted and resumes after the repair: its start stays,
  its end moves by the repair time);
* operations starting inside the frozen window ``[now, now + freeze)`` stay too, unless
  they can no longer run as approved: their machine is down during them, an interrupted
  operation now runs into them, their job's previous step now ends too late, or an
  earlier step of their job is replanned (what stays of a job is a prefix of its route);
* everything else is the *remaining problem*: machines are free after their last fixed
  operation (set up for its family), a job's next step waits for its last fixed step, no
  operation starts before ``now``, breakdowns are unavailable windows, late materials move
  releases, rush orders are new jobs.

Stability: plans of the remaining problem are built, each checked by the independent
checker: the approved sequence right-shifted (*repair*), the annealer started from it
(*repair + annealer*), a plan from scratch (:func:`~twinbench.optimize.schedule.solve.
solve_schedule`) and the annealer from the repair once more with every operation moved from
the approved plan charged ``max_loss / n`` of the repair's objective; each must pass the
checker on the remaining problem and, joined with what stays, on the whole plan
(:func:`whole_plan_violations`). An operation *moved* when its machine changed or its start
shifted by more than ``tol`` hours. The objective is traded against that deviation: the
plan chosen moves the fewest operations among those whose objective is within ``max_loss``
of the best one (or, with a ``stability`` price, minimises ``objective + stability x
moved``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.check import (
    MAINT,
    check_schedule,
    objective_value,
    schedule_kpis,
)
from twinbench.optimize.schedule.decode import (
    COLUMNS,
    SEQUENCE,
    decode,
    maintenance_of,
    new_plan,
    plan_rows,
    priority,
    timing,
)
from twinbench.optimize.schedule.problem import ScheduleInputError, ScheduleProblem
from twinbench.optimize.schedule.reschedule_fixed import (
    _fixed_free,
    _fixed_rows,
    _held_machines,
    _release_holds,
    _with,
)
from twinbench.optimize.schedule.search import improve
from twinbench.optimize.schedule.solve import Schedule, _finish_table, solve_schedule

__all__ = ["RescheduleFailed", "Rescheduled", "add_jobs", "moved_operations", "reschedule",
           "whole_plan_violations"]


#: why a candidate plan has no timing: its machine orders cannot be followed
_CIRCLE = ("its machine orders wait in a circle (a machine held by a full buffer until "
           "work that waits for that machine)")


class RescheduleFailed(RuntimeError):
    """No candidate plan of the remaining work passes the independent check; the message
    names each candidate's first violation."""


@dataclass
class Rescheduled:
    """The replanned schedule and what changed.

    Attributes
    ----------
    table
        The whole plan (``job, op, step, machine, start, end, setup`` [h] and wall times
        when known; ``op`` indexes ``problem.ops``) with ``state``: ``done``, ``in
        progress``, ``frozen`` (kept as approved) or ``replanned``; ``interrupted`` work in
        progress stands still for ``pause`` [h] from ``pause_at`` [h] (a repair of its
        machine, or its previous step's units held up by one).
    plan
        The schedule of the remaining problem (its ``problem`` is that sub-problem, its
        ``violations()`` the independent check).
    problem
        The disrupted whole problem (the approved one plus rush orders, with the
        breakdowns as unavailable windows).
    moved
        One row per operation of the approved plan that moved: ``job, op, step,
        machine_before, machine_after, start_before, start_after, shift`` [h].
    candidates
        ``name, objective, moved, valid, why, score, chosen`` of each plan considered
        (why: the first rule an invalid one breaks; score:
        moved operations when the objective is within ``max_loss``, else inf; or objective
        plus ``stability`` per moved operation).
    stability
        The trade-off used: ``max_loss`` [1] or the ``stability`` price [objective units
        per moved operation].
    seconds
        Wall time [s].
    fixed
        The rows kept from the approved plan (``state`` done, in progress or frozen).
    breakdowns
        The breakdowns (``machine, start, end, reason`` [h]).
    base
        The whole problem without the breakdowns (what :meth:`violations` checks against).
    """

    table: pd.DataFrame
    plan: Schedule
    problem: ScheduleProblem
    moved: pd.DataFrame
    candidates: pd.DataFrame
    stability: float
    seconds: float
    fixed: pd.DataFrame = field(default_factory=pd.DataFrame)
    breakdowns: pd.DataFrame = field(default_factory=pd.DataFrame)
    base: ScheduleProblem | None = None

    @property
    def n_moved(self) -> int:
        """Operations of the approved plan that moved."""
        return len(self.moved)

    def violations(self) -> list[str]:
        """What the independent checker finds wrong (empty: none): in the replanned part
        (its own problem: nothing before ``now``, releases after late materials) and in the
        whole plan, what stays and what was replanned together
        (:func:`whole_plan_violations`)."""
        # breakdowns are checked apart: interrupted work may span one
        whole = self.base if self.base is not None else self.problem
        return self.plan.violations() + whole_plan_violations(whole, self.table,
                                                              self.breakdowns)


def add_jobs(problem: ScheduleProblem, extra: ScheduleProblem) -> ScheduleProblem:
    """``problem`` with the jobs of ``extra`` (same machines and clock) appended, e.g. a
    rush order built with :func:`~twinbench.optimize.schedule.problem.problem_from_plant`
    and the same ``t0``."""
    clash = sorted(set(problem.jobs.index) & set(extra.jobs.index))
    if clash:
        raise ScheduleInputError(f"rush order id(s) {clash[:5]!r} already exist in the plan: "
                                 "give new orders new ids")
    unknown = sorted(set(extra.modes["machine"]) - set(problem.machines))
    if unknown:
        raise ScheduleInputError(f"rush order uses machine(s) {unknown!r} the plant does not "
                                 f"have; allowed: {problem.machines!r}")
    cols = list(problem.jobs.columns)
    jobs = pd.concat([problem.jobs, extra.jobs.reindex(columns=cols)])
    ops = pd.concat([problem.ops, extra.ops], ignore_index=True)
    modes = extra.modes.copy()
    modes["op"] = modes["op"].astype(int) + problem.n_ops
    modes = pd.concat([problem.modes, modes], ignore_index=True)
    return _with(problem, jobs=jobs, ops=ops, modes=modes)


def _check_inputs(problem: ScheduleProblem, now: float, freeze: float,
                  breakdowns: pd.DataFrame | None,
                  late: Mapping[str, float] | None) -> pd.DataFrame:
    """Checked breakdowns as blocks (``machine, start, end, reason``)."""
    if not np.isfinite(now) or now < 0:
        raise ScheduleInputError(f"now must be a working-clock hour >= 0, found {now!r}")
    if freeze < 0:
        raise ScheduleInputError(f"freeze must be >= 0 h, found {freeze!r}")
    bd = pd.DataFrame(columns=["machine", "start", "end", "reason"])
    if breakdowns is not None and len(breakdowns):
        missing = {"machine", "start", "end"} - set(breakdowns.columns)
        if missing:
            raise ScheduleInputError(f"breakdowns lack column(s) {sorted(missing)!r}; expected "
                                     "machine, start, end [h, working clock]")
        bad = sorted(set(breakdowns["machine"]) - set(problem.machines))
        if bad:
            raise ScheduleInputError(f"breakdown names unknown machine(s) {bad!r}; allowed: "
                                     f"{problem.machines!r}")
        if (breakdowns["end"] <= breakdowns["start"]).any():
            raise ScheduleInputError("a breakdown ends before it starts: give end > start [h]")
        bd = pd.DataFrame({"machine": breakdowns["machine"].astype(str).to_numpy(),
                           "start": breakdowns["start"].astype(float).to_numpy(),
                           "end": breakdowns["end"].astype(float).to_numpy(),
                           "reason": breakdowns["reason"].to_numpy() if "reason" in breakdowns
                           else "breakdown"})
    bad = sorted(set(late or {}) - set(problem.jobs.index))
    if bad:
        raise ScheduleInputError(f"late material for unknown order(s) {bad[:5]!r}; the plan "
                                 f"has {len(problem.jobs)} orders")
    return bd


def whole_plan_violations(problem: ScheduleProblem, table: pd.DataFrame,
                          breakdowns: pd.DataFrame, tol: float = 1e-4) -> list[str]:
    """The independent check of a whole replanned ``table`` (fixed and replanned rows).

    ``problem`` is the disrupted problem without the breakdowns; an ``interrupted`` row
    lasts its duration plus its ``pause`` from ``pause_at`` [h] (a repair, or waiting for
    an interrupted previous step), and is the only work allowed to span a breakdown.
    Late materials are checked on the remaining problem (work already started had its
    material).
    """
    paused = {}
    if "pause" in table:
        p = table[(table["job"] != MAINT) & (table["pause"].fillna(0.0) > 0)]
        paused = {int(r.op): (float(r.pause_at), float(r.pause))
                  for r in p.itertuples(index=False)}
    last = float(table["end"].max()) if len(table) else 0.0
    check = _with(problem, horizon=max(problem.horizon, last))
    out = check_schedule(check, table, tol=tol, paused=paused)
    keep = ~table["interrupted"].fillna(False).astype(bool) if "interrupted" in table else (
        pd.Series(True, index=table.index))
    for b in breakdowns.itertuples(index=False):
        on = table[keep & (table["machine"] == b.machine) & (table["start"] < b.end - tol)
                   & (table["end"] > b.start + tol)]
        for r in on.itertuples(index=False):
            out.append(f"{r.job} {r.op} on {r.machine} runs {r.start:.3f}-{r.end:.3f} h, during "
                       f"the breakdown {b.start:.3f}-{b.end:.3f} h")
    return out


def _remaining(problem: ScheduleProblem, fixed: pd.DataFrame, now: float, bd: pd.DataFrame,
               late: Mapping[str, float] | None) -> tuple[ScheduleProblem, np.ndarray]:
    """The remaining problem after the ``fixed`` rows, and the whole problem's index of each
    of its operations."""
    fixed_ops = fixed[fixed["job"] != MAINT]
    fixed_idx = set(fixed_ops["op"].astype(int))
    keep = np.array([o for o in range(problem.n_ops) if o not in fixed_idx], dtype=np.int64)
    remap = {int(o): k for k, o in enumerate(keep)}
    ops = problem.ops.iloc[keep].reset_index(drop=True)
    modes = problem.modes[problem.modes["op"].isin(keep)].copy()
    modes["op"] = modes["op"].map(remap)
    jobs = problem.jobs.loc[list(dict.fromkeys(ops["job"]))].copy()
    rel = jobs["release"].astype(float).clip(lower=now)
    for j, r in (late or {}).items():
        if j in rel.index:
            rel[j] = max(rel[j], float(r))
    last_fixed = fixed_ops.groupby("job")["end"].max()
    rel = np.maximum(rel, last_fixed.reindex(rel.index).fillna(-np.inf))
    jobs["release"] = rel
    fam = problem.family_of_op()
    ready = {m: max(now, float(problem.machine_ready.get(m, 0.0))) for m in problem.machines}
    init = dict(problem.initial_family)
    free = _fixed_free(problem, fixed)
    for m, g in fixed.groupby("machine"):
        ready[m] = max(ready[m], float(free[g.index].max()))
        w = g[g["job"] != MAINT]
        if len(w):
            init[m] = fam[int(w.loc[w["end"].idxmax(), "op"])]
    mt = problem.maintenance
    if len(mt):
        placed = set(fixed.loc[fixed["job"] == MAINT, "op"])
        mt = mt[~mt["task"].isin(placed)].copy()
        mt["earliest"] = mt["earliest"].astype(float).clip(lower=now)
    blocks = pd.concat([b for b in (problem.blocks, bd) if len(b)] or [problem.blocks],
                       ignore_index=True)
    sub = _with(problem, jobs=jobs, ops=ops, modes=modes.reset_index(drop=True),
                initial_family=init, blocks=blocks, maintenance=mt.reset_index(drop=True),
                machine_ready=ready, name=f"{problem.name} after {now:.1f} h")
    return sub, keep


def _repair(sub: ScheduleProblem, approved: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The approved machine orders of the remaining operations, timed again (right shift);
    new operations join their fastest machine in order of release."""
    n = sub.n_ops
    modes = sub.mode_table()
    pos = {int(o): k for k, o in enumerate(keep)}
    ops_t = approved[approved["job"] != MAINT]
    where = {pos[int(o)]: (m, float(s)) for o, m, s in zip(ops_t["op"], ops_t["machine"],
                                                           ops_t["start"], strict=True)
             if int(o) in pos}
    rel = sub.jobs.loc[sub.ops["job"], "release"].to_numpy(float)
    key, mach = np.zeros(n), np.empty(n, dtype=object)
    for o in range(n):
        if o in where and where[o][0] in modes[o]:
            mach[o], key[o] = where[o]
        else:
            mach[o] = min(modes[o], key=modes[o].get)
            key[o] = rel[o] + 1e-6 * int(sub.ops["step"].iat[o])
    mt = approved[approved["job"] == MAINT]
    mt = mt[mt["op"].isin(set(sub.maintenance["task"]))] if len(sub.maintenance) else mt.iloc[:0]
    out = _sequenced(sub, mach, key, mt)
    if out is None:
        raise RuntimeError("internal error: the approved order has a cycle")
    return out


def _sequenced(sub: ScheduleProblem, mach: np.ndarray, key: np.ndarray,
               mt: pd.DataFrame) -> pd.DataFrame | None:
    """The plan of ``sub`` with each operation on machine ``mach`` in the order of ``key``
    on its machine, timed by the decoder, maintenance ``mt`` kept (None: a cycle)."""
    n, mi = sub.n_ops, {m: k for k, m in enumerate(sub.machines)}
    assign = np.array([mi[m] for m in mach], dtype=np.int64)
    mnext = np.full(n, -1, dtype=np.int64)
    mfirst = np.full(len(sub.machines), -1, dtype=np.int64)
    for k in range(len(sub.machines)):
        seq = [o for o in np.argsort(key, kind="stable") if assign[o] == k]
        if seq:
            mfirst[k] = seq[0]
            mnext[np.array(seq[:-1], dtype=np.int64)] = np.array(seq[1:], dtype=np.int64)
    plan = new_plan(n, len(sub.machines), assign, mnext, mfirst)
    if not decode(timing(sub, maintenance_of(mt)), plan, SEQUENCE, priority()):
        return None
    out = pd.DataFrame(plan_rows(sub, plan), columns=COLUMNS)
    return pd.concat([out, mt.reindex(columns=COLUMNS, fill_value=0.0)], ignore_index=True)


def moved_operations(before: pd.DataFrame, after: pd.DataFrame, tol: float = 0.05,
                     ) -> pd.DataFrame:
    """Operations in both tables (matched by ``job, step``) whose machine changed or whose
    start shifted by more than ``tol`` [h]."""
    cols = ["job", "step", "machine", "start"]
    b = before[before["job"] != MAINT][[*cols, "op"]]
    a = after[after["job"] != MAINT][cols]
    m = b.merge(a, on=["job", "step"], suffixes=("_before", "_after"))
    m["shift"] = m["start_after"] - m["start_before"]
    hit = (m["machine_before"] != m["machine_after"]) | (m["shift"].abs() > tol)
    return m[hit][["job", "op", "step", "machine_before", "machine_after", "start_before",
                   "start_after", "shift"]].reset_index(drop=True)


def reschedule(approved: Schedule, now: float, *, freeze: float = 0.0,
               breakdowns: pd.DataFrame | None = None,
               late_materials: Mapping[str, float] | None = None,
               rush: ScheduleProblem | None = None, max_loss: float = 0.02,
               stability: float | None = None, time_limit: float = 20.0, tol: float = 0.05,
               seed: int = 0) -> Rescheduled:
    """Replan ``approved`` from hour ``now`` after breakdowns, late materials, rush orders.

    Parameters
    ----------
    approved
        The approved schedule.
    now
        The current hour on the problem's working clock [h].
    freeze
        Length of the frozen window after ``now`` [h]: operations starting in it stay.
    breakdowns
        ``machine, start, end`` [h, working clock] (optional ``reason``): the machine is
        unavailable then.
    late_materials
        ``{order: hour the material arrives [h]}``: the order cannot start before.
    rush
        New orders on the same machines and clock (e.g. ``problem_from_plant(spec,
        rush_orders, t0=approved.problem.t0)``).
    max_loss
        Relative objective loss accepted for a plan that moves fewer operations [1]
        (default 2 %).
    stability
        Instead of ``max_loss``: objective units charged per moved operation.
    time_limit
        Wall-time limit [s] of the whole replanning.
    tol
        A start shifting by at most this much [h] does not count as moved.
    """
    tic = time.perf_counter()
    weights = dict(approved.weights)
    bd = _check_inputs(approved.problem, now, freeze, breakdowns, late_materials)
    whole = add_jobs(approved.problem, rush) if rush is not None else approved.problem
    fixed = _fixed_rows(whole, approved.table, now, freeze, bd)
    sub, keep = _remaining(whole, fixed, now, bd, late_materials)
    # the approved table indexes the whole problem's operations (rush ones are appended)
    approved_t = approved.table
    cands: list[tuple[str, pd.DataFrame | None]] = []
    if sub.n_ops:
        rep = _repair(sub, approved_t, keep)
        cands.append(("repair", rep))
        iters = min(200_000, 400 * sub.n_ops)
        ann = improve(sub, rep, weights, seed=seed, time_budget=0.2 * time_limit,
                      iterations=iters)
        cands.append(("repair + annealer", ann))
        # the annealer again, each operation moved from the approved plan charged a share
        # of the loss accepted: better plans that stay close to the approved one
        ref = approved.table[approved.table["job"] != MAINT]
        pos = {int(o): k for k, o in enumerate(keep)}
        ref = ref[ref["op"].astype(int).isin(pos)].assign(
            op=lambda d: d["op"].astype(int).map(pos))
        rep_obj = objective_value(schedule_kpis(sub, rep), weights)
        charge = max_loss * max(abs(rep_obj), 1e-9) / max(sub.n_ops, 1)
        stable = improve(sub, rep, weights, seed=seed + 1, time_budget=0.2 * time_limit,
                         iterations=iters, reference=ref, move_cost=charge, tol=tol)
        cands.append(("repair + annealer, moves charged", stable))
        # the plan from scratch gets what is left, less a margin for the checks
        left = time_limit - (time.perf_counter() - tic)
        scratch = solve_schedule(sub, weights, time_limit=max(1.0, 0.85 * left), seed=seed,
                                 duals=False)
        cands.append(("from scratch", scratch.table))
    held = _held_machines(whole, fixed, keep)
    if held:  # a fixed operation holds its machine until its replanned successor starts
        cands = [(name, None if t is None else _release_holds(sub, t, held))
                 for name, t in cands]
    rows, best = [], None
    for name, t in cands:
        why = [_CIRCLE] if t is None else check_schedule(sub, t, tol=1e-4)
        if not why:  # and together with what stays, as one plan
            full = _back(t, keep, sub)
            why = whole_plan_violations(whole, _joined(fixed, full), bd)
        if why:
            rows.append((name, np.nan, np.nan, False, why[0]))
            continue
        rows.append((name, objective_value(schedule_kpis(sub, t), weights),
                     len(moved_operations(approved_t, full, tol)), True, ""))
    cand = pd.DataFrame(rows, columns=["name", "objective", "moved", "valid", "why"])
    if stability is not None:
        cand["score"] = cand["objective"] + stability * cand["moved"]
    else:
        best_obj = cand.loc[cand["valid"], "objective"].min() if len(cand) else 0.0
        within = cand["objective"] <= best_obj + max_loss * abs(best_obj) + 1e-9
        cand["score"] = np.where(within, cand["moved"], np.inf)
    cand["chosen"] = False
    if sub.n_ops:
        ok = cand[cand["valid"]]
        if not len(ok):
            raise RescheduleFailed(
                f"no plan of the remaining work after {now:.2f} h passes the check: "
                + "; ".join(f"{r.name}: {r.why}" for r in cand.itertuples(index=False)))
        pick = ok.sort_values(["score", "objective"], kind="stable").index[0]
        cand.loc[pick, "chosen"] = True
        name = cand.at[pick, "name"]
        best = dict(cands)[name]
        plan = (scratch if name == "from scratch" and best is scratch.table else
                _as_schedule(sub, best, weights, name, tic))
    else:
        empty = pd.DataFrame(columns=COLUMNS)
        plan = _as_schedule(sub, empty, weights, "nothing left", tic)
        best = empty
    table = _joined(fixed, _back(plan.table, keep, sub))
    if whole.t0 is not None:
        table["start_time"] = whole.to_wall(table["start"].to_numpy(float)).round("s")
        table["end_time"] = whole.to_wall(table["end"].to_numpy(float)).round("s")
    table = table.sort_values(["machine", "start"], ignore_index=True)
    moved = moved_operations(approved_t, table, tol)
    base = whole
    if len(bd):  # the disrupted whole problem shows the breakdowns too
        whole = _with(whole, blocks=pd.concat([b for b in (whole.blocks, bd) if len(b)],
                                              ignore_index=True))
    return Rescheduled(table, plan, whole, moved, cand,
                       float(stability) if stability is not None else float(max_loss),
                       time.perf_counter() - tic, fixed, bd, base)


def _joined(fixed: pd.DataFrame, replanned: pd.DataFrame) -> pd.DataFrame:
    """The rows that stay and the replanned rows (``state`` ``replanned``) as one table."""
    full = replanned.copy()
    full["state"] = "replanned"
    full["interrupted"] = False
    full["pause_at"], full["pause"] = np.nan, 0.0
    cols = [c for c in full.columns if c in fixed.columns]
    return pd.concat([fixed.reindex(columns=cols), full[cols]], ignore_index=True)


def _back(table: pd.DataFrame, keep: np.ndarray, sub: ScheduleProblem) -> pd.DataFrame:
    """A remaining-problem table with ``op`` mapped back to the whole problem's index."""
    t = table.copy()
    is_op = t["job"] != MAINT
    t.loc[is_op, "op"] = [int(keep[int(o)]) for o in t.loc[is_op, "op"]]
    if "station" not in t and "station" in sub.ops:
        t["station"] = ""
    return t


def _as_schedule(sub: ScheduleProblem, table: pd.DataFrame, weights: dict[str, float],
                 how: str, tic: float) -> Schedule:
    """A :class:`Schedule` of the remaining problem for a repaired plan."""
    t = _finish_table(sub, table) if len(table) else table
    kpis = schedule_kpis(sub, t) if len(t) else {}
    obj = objective_value(kpis, weights) if kpis else 0.0
    return Schedule(t, kpis, obj, weights, "heuristic", np.nan, np.nan, "reschedule",
                    pd.DataFrame(columns=["constraint", "kind", "shadow_price"]),
                    time.perf_counter() - tic, sub, {"stage": how, "solver": "none"})
