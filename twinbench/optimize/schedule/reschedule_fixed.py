"""What stays when an approved plan is rescheduled at hour ``now``
(:func:`~twinbench.optimize.schedule.reschedule.reschedule`): the rows done, in progress
and frozen; the work in progress a breakdown stops (a repair, or its previous step's units
held up) as pauses; and the machines a full buffer holds after fixed work, until its next
step takes the units.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.check import MAINT, done_at
from twinbench.optimize.schedule.problem import ScheduleProblem


def _with(p: ScheduleProblem, **kw: object) -> ScheduleProblem:
    """A copy of ``p`` with some fields replaced (validated again); every other field,
    crews and buffers included, kept."""
    return replace(p, **kw)


def _fixed_rows(problem: ScheduleProblem, table: pd.DataFrame, now: float, freeze: float,
                bd: pd.DataFrame) -> pd.DataFrame:
    """Rows of the approved ``table`` that stay, with ``state``, ends moved by repairs and
    ``interrupted`` (an operation in progress that a breakdown stops and resumes).

    Frozen rows are released (replanned) when they can no longer run as approved: their
    machine is down during them, an interrupted operation now runs into them, or their
    job's previous step now ends too late for them; and a job's fixed rows always form a
    prefix of its routing (once a step is replanned, so are its later steps).
    """
    t = table.copy()
    running = (t["start"] < now - 1e-9) & (t["end"] > now + 1e-9)
    done = t["end"] <= now + 1e-9
    frozen = (~done & ~running & (t["start"] < now + freeze - 1e-9))
    t["state"] = np.where(done, "done", np.where(running, "in progress",
                                                 np.where(frozen, "frozen", "")))
    t["interrupted"] = False
    t["pause_at"], t["pause"] = np.nan, 0.0
    c_end, c_int = t.columns.get_loc("end"), t.columns.get_loc("interrupted")
    c_at, c_p = t.columns.get_loc("pause_at"), t.columns.get_loc("pause")
    for b in bd.itertuples(index=False):
        on = t["machine"] == b.machine
        hit = on & (t["start"] < b.end) & (t["end"] > b.start)
        # frozen work on a machine that is down during it cannot run as approved
        t.loc[hit & (t["state"] == "frozen"), "state"] = ""
        for i in np.flatnonzero((hit & (t["state"] == "in progress")).to_numpy()):
            s, e = float(t["start"].iat[i]), float(t["end"].iat[i])
            stop = max(float(b.start), s, now)
            t.iat[i, c_end] = float(b.end) + max(0.0, e - stop)
            t.iat[i, c_int] = True
            # two repairs in one operation: one pause from the first, as long as both
            t.iat[i, c_at] = np.nanmin([t.iat[i, c_at], stop])
            t.iat[i, c_p] += float(t.iat[i, c_end]) - e
    _starve(problem, t, now)
    _release_conflicts(problem, t)
    return t[t["state"] != ""]


def _starve(problem: ScheduleProblem, t: pd.DataFrame, now: float) -> None:
    """Lengthen (in place) a step in progress whose previous step was interrupted: with lot
    streaming it takes each transfer batch when it arrives (the previous step's work done at
    its own rate around its pause) and it is free, one batch's time each.

    The wait is a pause (``interrupted``, ``pause_at`` = ``now``, ``pause`` [h]): the step
    stands still from ``now`` (the earliest it can run out of units; for its own next step
    the checker then counts the pause as soon as possible, never too early). Steps are
    taken in routing order, so a chain of such steps waits in turn.
    """
    is_op = (t["job"] != MAINT).to_numpy()
    if not (is_op & t["interrupted"].to_numpy(bool)).any():
        return
    nxt = problem.next_op()
    share = problem.transfer_share()
    row_of = {int(o): i for i, o in zip(np.flatnonzero(is_op), t.loc[is_op, "op"], strict=True)}
    c_end, c_int = t.columns.get_loc("end"), t.columns.get_loc("interrupted")
    c_at, c_p = t.columns.get_loc("pause_at"), t.columns.get_loc("pause")
    for o in sorted(row_of):  # a job's steps are consecutive, in routing order
        i, j = row_of[o], row_of.get(int(nxt[o]))
        if j is None or not t.iat[i, c_int] or t["state"].iat[j] != "in progress":
            continue
        s_n, e_n = float(t["start"].iat[j]), float(t.iat[j, c_end])
        run = e_n - s_n - float(t.iat[j, c_p])
        s_o, e_o, sh = float(t["start"].iat[i]), float(t.iat[i, c_end]), float(share[o])
        pause = _pause(t, t.index[i])
        need = s_n  # each transfer batch: when it arrives and the step is free, one batch
        for k in range(1, round(1.0 / sh) + 1):
            need = max(need, done_at(s_o, e_o, k * sh, pause)) + sh * run
        if need > e_n + 1e-9:
            t.iat[j, c_end] = need
            t.iat[j, c_int] = True
            t.iat[j, c_at] = np.nanmin([t.iat[j, c_at], now])
            t.iat[j, c_p] += need - e_n


def _release_conflicts(problem: ScheduleProblem, t: pd.DataFrame, tol: float = 1e-4) -> None:
    """Release (state ``""``) frozen rows of ``t`` that conflict with the fixed rows before
    them by more than ``tol`` [h] (the checker's tolerance), to a fixed point (in
    place)."""
    from twinbench.optimize.schedule.resources import hold_share

    fam = problem.family_of_op()
    nxt = problem.next_op()
    share = problem.transfer_share()
    hold = hold_share(problem)
    is_op = (t["job"] != MAINT).to_numpy()
    row_of = {int(o): i for i, o in zip(np.flatnonzero(is_op), t.loc[is_op, "op"], strict=True)}
    col = t.columns.get_loc("state")
    changed = True
    while changed:
        changed = False
        st = t["state"].to_numpy(object)
        fixed = st != ""
        # routing: the next step of a job waits for this one (lot streaming as the checker)
        for o, i in row_of.items():
            n = int(nxt[o])
            j = row_of.get(n)
            if j is None or st[j] != "frozen":
                continue
            if not fixed[i]:
                t.iat[j, col], changed = "", True  # prefix: an earlier step is replanned
                continue
            s_o, e_o = float(t["start"].iat[i]), float(t["end"].iat[i])
            s_n, e_n = float(t["start"].iat[j]), float(t["end"].iat[j])
            if (s_n < done_at(s_o, e_o, share[o], _pause(t, t.index[i])) - tol
                    or e_n < e_o + share[o] * (e_n - s_n) - tol):
                t.iat[j, col], changed = "", True
        # machines: a frozen row must start after the fixed row before it is free (a full
        # buffer can hold it: until its next step takes the units when that step stays;
        # a replanned next step may take them later, so the frozen row is replanned too)
        st = t["state"].to_numpy(object)
        free = _fixed_free(problem, t[st != ""])
        for m, g in t[st != ""].groupby("machine"):
            g = g.sort_values(["start", "end"])
            for a, b in zip(g.index[:-1], g.index[1:], strict=True):
                if t.at[b, "state"] != "frozen":
                    continue
                f_a = fam[int(t.at[a, "op"])] if t.at[a, "job"] != MAINT else None
                f_b = fam[int(t.at[b, "op"])] if t.at[b, "job"] != MAINT else None
                o_a = int(t.at[a, "op"]) if f_a is not None else -1
                n_a = row_of.get(int(nxt[o_a])) if o_a >= 0 and nxt[o_a] >= 0 else None
                open_hold = (o_a >= 0 and hold[o_a] >= 0 and n_a is not None
                             and st[n_a] == "")
                if open_hold or t.at[b, "start"] < (
                        float(free[a]) + problem.setup_time(m, f_a, f_b) - tol):
                    t.at[b, "state"], changed = "", True
                    break  # the machine's order changed: look again


def _fixed_free(problem: ScheduleProblem, fixed: pd.DataFrame) -> pd.Series:
    """Hour each fixed row's machine is free again [h], by row of ``fixed``: its end, or
    later while a full buffer holds it and its job's next step is fixed too
    (:func:`~twinbench.optimize.schedule.resources.hold_share`; a replanned next step is
    :func:`_held_machines`' part)."""
    from twinbench.optimize.schedule.resources import hold_share

    free = fixed["end"].astype(float).copy()
    is_op = fixed["job"] != MAINT
    if not is_op.any():
        return free
    hold = hold_share(problem)
    nxt = problem.next_op()
    row = dict(zip(fixed.loc[is_op, "op"].astype(int), fixed.index[is_op], strict=True))
    for o, i in row.items():
        j = row.get(int(nxt[o])) if hold[o] >= 0 else None
        if j is not None:
            free[i] = max(free[i], done_at(float(fixed.at[j, "start"]),
                                           float(fixed.at[j, "end"]), hold[o], _pause(fixed, j)))
    return free


def _pause(t: pd.DataFrame, i: object) -> tuple[float, float] | None:
    """``(pause_at, pause)`` [h] of row ``i`` of a fixed table, None when it runs through."""
    p = float(t.at[i, "pause"]) if "pause" in t else 0.0
    return (float(t.at[i, "pause_at"]), p) if p > 0 else None


def _held_machines(whole: ScheduleProblem, fixed: pd.DataFrame, keep: np.ndarray,
                   ) -> list[tuple[str, float, int, float]]:
    """Fixed operations a full buffer can hold after they end, their successor replanned:
    ``(machine, end [h], successor's index in the remaining problem, hold share [1])``
    (:func:`~twinbench.optimize.schedule.resources.hold_share`)."""
    from twinbench.optimize.schedule.resources import hold_share

    hold = hold_share(whole)
    nxt = whole.next_op()
    pos = {int(o): k for k, o in enumerate(keep)}
    out = []
    for r in fixed[fixed["job"] != MAINT].itertuples(index=False):
        o = int(r.op)
        if hold[o] >= 0 and int(nxt[o]) in pos:
            out.append((str(r.machine), float(r.end), pos[int(nxt[o])], float(hold[o])))
    return out


def _release_holds(sub: ScheduleProblem, table: pd.DataFrame,
                   held: list[tuple[str, float, int, float]], rounds: int = 20,
                   ) -> pd.DataFrame | None:
    """``table`` (a plan of the remaining problem) re-timed so that a machine held by a
    fixed operation takes its next work only when free: the successor's start plus its
    held share of the successor's duration, then its setup. The hold is added as a block on
    the machine and the plan re-timed by the decoder (same machine orders), to a fixed
    point (re-timing can delay a successor, which lengthens its hold).

    The orders can wait in a circle: the held machine's next work feeds, through its
    job, work that comes before the successor on the successor's machine (work the
    approved plan ran before the fixed operation, now delayed past it). Then the
    successors go first on their machines, which only the fixed work feeds, and the plan
    is re-timed again. None when neither order reaches a fixed point in ``rounds``."""
    from twinbench.optimize.schedule.search import retime

    out = _hold_fixed_point(sub, table, held, rounds)
    if out is not None:
        return out
    first = table.copy()
    is_op = (first["job"] != MAINT).to_numpy()
    succ = is_op & first["op"].isin([n for _, _, n, _ in held]).to_numpy()
    first.loc[succ, "start"] -= 1e6  # before every other operation, in their own order
    first = retime(sub, first)
    return None if first is None else _hold_fixed_point(sub, first, held, rounds)


def _hold_fixed_point(sub: ScheduleProblem, table: pd.DataFrame,
                      held: list[tuple[str, float, int, float]], rounds: int,
                      ) -> pd.DataFrame | None:
    """The holds of :func:`_release_holds` with ``table``'s machine orders (None: no fixed
    point in ``rounds``, or the orders cannot be followed)."""
    from twinbench.optimize.schedule.search import retime

    fam = sub.family_of_op()
    t = table
    extra: dict[tuple[str, float], float] = {}
    for _ in range(rounds):
        ops = t[t["job"] != MAINT]
        row = dict(zip(ops["op"].astype(int), range(len(ops)), strict=True))
        grew = False
        for mc, end, n, share in held:
            i = row.get(n)
            if i is None:
                continue
            s_n, e_n = float(ops["start"].iat[i]), float(ops["end"].iat[i])
            free = s_n + share * (e_n - s_n)
            on = ops[ops["machine"] == mc]
            if len(on):  # the next work's setup starts when the machine is free
                first = int(on["op"].iat[int(np.argmin(on["start"].to_numpy(float)))])
                free += sub.setup_time(mc, sub.initial_family.get(mc), fam[first])
            if free > extra.get((mc, end), end) + 1e-9:
                extra[mc, end] = free
                grew = True
        if not grew:
            return t
        blocks = pd.DataFrame([(mc, end, free, "held by a full buffer")
                               for (mc, end), free in extra.items()],
                              columns=["machine", "start", "end", "reason"])
        with_holds = _with(sub, blocks=pd.concat([b for b in (sub.blocks, blocks) if len(b)],
                                                 ignore_index=True))
        t = retime(with_holds, table)
        if t is None:
            return None
    return None
