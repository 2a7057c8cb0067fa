"""A fast constructive schedule: dispatching rules on an active schedule generator.

Used as the optimizer's warm start and upper bound, and as the fallback plan when the
solver finds nothing in its time limit. Maintenance tasks are placed first, as late as
their window allows; then the operations are dispatched by the one decoder
(:func:`twinbench.optimize.schedule.decode.decode`: Giffler-Thompson, among the operations
that could start before the earliest possible completion the rule picks one; it goes to the
eligible machine where it completes first). Several rules and seeded random tie-breaks are
tried; the best by the objective is kept.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.check import (
    DEADLINE_PENALTY,
    MAINT,
    deadline_excess,
    objective_value,
    schedule_kpis,
)
from twinbench.optimize.schedule.decode import (
    COLUMNS,
    RULES,
    Timing,
    decode,
    new_plan,
    plan_rows,
    priority,
    timing,
)
from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["RULES", "dispatch", "heuristic_schedule"]


def _place_maintenance(problem: ScheduleProblem, fixed: dict[str, list]) -> list[tuple] | None:
    """Schedule table rows of the maintenance tasks, each as late as its window allows
    around the sorted ``fixed`` intervals [h] of its machine (which it joins); None when
    one does not fit."""
    rows = []
    for r in problem.maintenance.sort_values("deadline").itertuples(index=False):
        iv = fixed[r.machine]
        # latest start inside [earliest, deadline - duration] that avoids blocks
        s = r.deadline - r.duration
        ok = False
        while s >= r.earliest - 1e-9:
            clash = [(a, b) for a, b in iv if s < b and s + r.duration > a]
            if not clash:
                ok = True
                break
            s = min(a for a, _ in clash) - r.duration
        if not ok:
            return None
        iv.append((s, s + r.duration))
        iv.sort()
        rows.append((MAINT, r.task, -1, r.machine, s, s + r.duration, 0.0))
    return rows


def _maintenance_first(problem: ScheduleProblem) -> tuple[list[tuple] | None, Timing]:
    """The maintenance rows placed as late as their windows allow (None: one cannot be
    placed) and the problem's numbers with them (:func:`~.decode.timing`)."""
    fixed: dict[str, list[tuple[float, float]]] = {m: [] for m in problem.machines}
    for b in problem.blocks.itertuples(index=False):
        fixed[b.machine].append((float(b.start), float(b.end)))
    for m in fixed:
        if problem.machine_ready.get(m, 0.0) > 0:
            fixed[m].append((-np.inf, float(problem.machine_ready[m])))
        fixed[m].sort()
    rows = _place_maintenance(problem, fixed)
    placed = [(r[3], r[4], r[5]) for r in rows or []]
    return rows, timing(problem, placed)


def _dispatch(problem: ScheduleProblem, maint: list[tuple], tm: Timing, rule: str,
              noise: float, seed: int) -> pd.DataFrame | None:
    """One dispatching pass after the placed maintenance ``maint`` (None: it deadlocked,
    every machine left held by a full buffer, or a crew never has an operator)."""
    pr = priority(problem, noise, np.random.default_rng(seed))
    plan = new_plan(problem.n_ops, len(problem.machines))
    if not decode(tm, plan, RULES.index(rule), pr):
        return None
    table = pd.DataFrame(maint + plan_rows(problem, plan, plan.order), columns=COLUMNS)
    return table.sort_values(["machine", "start"], ignore_index=True)


def dispatch(problem: ScheduleProblem, rule: str = "MWKR", noise: float = 0.0,
             seed: int = 0) -> pd.DataFrame | None:
    """One dispatching pass; None when maintenance cannot be placed in its window (or the
    pass deadlocks on full buffers or a crew without operators).

    Parameters
    ----------
    problem
        The problem to schedule.
    rule
        ``MWKR`` (most work remaining), ``EDD`` (earliest due date), ``SLACK`` (least slack:
        due minus remaining work), ``SPT`` (shortest processing time).
    noise
        Relative random perturbation of the rule's priorities [1] (0: pure rule).
    seed
        Seed of that perturbation.

    Returns
    -------
    DataFrame or None
        The schedule table (``job, op, step, machine, start, end, setup`` [h]), sorted by
        machine and start.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; allowed: {RULES!r}")
    maint, tm = _maintenance_first(problem)
    if maint is None:
        return None
    return _dispatch(problem, maint, tm, rule, noise, seed)


def heuristic_schedule(problem: ScheduleProblem, weights: Mapping[str, float] | None = None,
                       restarts: int = 8, seed: int = 0) -> pd.DataFrame | None:
    """Best of every rule plus ``restarts`` randomized passes (seeded), by ``weights``
    (default: makespan). None when maintenance cannot be placed in its window (or every
    pass deadlocks)."""
    weights = dict(weights or {"makespan": 1.0})
    maint, tm = _maintenance_first(problem)
    if maint is None:
        return None
    best, best_v = None, np.inf
    trials = [(r, 0.0, 0) for r in RULES]
    trials += [(RULES[i % len(RULES)], 0.15, seed * 1000 + i) for i in range(restarts)]
    for rule, noise, s in trials:
        table = _dispatch(problem, maint, tm, rule, noise, s)
        if table is None:
            continue
        # a plan that meets the hard deadlines beats any that does not
        v = (objective_value(schedule_kpis(problem, table), weights)
             + DEADLINE_PENALTY * deadline_excess(problem, table))
        if v < best_v - 1e-9:
            best, best_v = table, v
    return best
