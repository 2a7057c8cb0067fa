"""A fast constructive schedule: dispatching rules on an active schedule generator.

Used as the optimizer's warm start and upper bound, and as the fallback plan when the
solver finds nothing in its time limit. Maintenance tasks are placed first, as late as
their window allows; then operations are dispatched one at a time (Giffler-Thompson: among
the operations that could start before the earliest possible completion, the rule picks
one; it goes to the eligible machine where it completes first). Several rules and seeded
random tie-breaks are tried; the best by the objective is kept.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from twinbench.optimize.schedule_check import MAINT, schedule_kpis
from twinbench.optimize.schedule_problem import ScheduleProblem

__all__ = ["RULES", "dispatch", "heuristic_schedule", "objective_value"]

RULES = ("MWKR", "EDD", "SLACK", "SPT")


def objective_value(kpis: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Weighted objective: ``makespan`` [h], ``tardiness`` (weighted) [h], ``flow``
    (weighted completion times) [h], ``cost`` (energy) [EUR]."""
    return (weights.get("makespan", 0.0) * kpis["makespan"]
            + weights.get("tardiness", 0.0) * kpis["weighted_tardiness"]
            + weights.get("flow", 0.0) * kpis["weighted_flow"]
            + weights.get("cost", 0.0) * kpis["energy_cost"])


def _fit(fixed: list[tuple[float, float]], t: float, d: float) -> float:
    """Earliest start >= t of a job of length d avoiding the sorted ``fixed`` intervals."""
    for a, b in fixed:
        if t + d <= a + 1e-9:
            return t
        if t < b:
            t = b
    return t


def _place_maintenance(problem: ScheduleProblem, fixed: dict[str, list]) -> list[tuple] | None:
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


def dispatch(problem: ScheduleProblem, rule: str = "MWKR", noise: float = 0.0,
             seed: int = 0) -> pd.DataFrame | None:
    """One dispatching pass; None when maintenance cannot be placed in its window.

    Parameters
    ----------
    rule
        ``MWKR`` (most work remaining), ``EDD`` (earliest due date), ``SLACK`` (least slack:
        due minus remaining work), ``SPT`` (shortest processing time).
    noise
        Relative random perturbation of the rule's priorities (0: pure rule).
    seed
        Seed of that perturbation.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; allowed: {RULES!r}")
    rng = np.random.default_rng(seed)
    fixed: dict[str, list[tuple[float, float]]] = {m: [] for m in problem.machines}
    for b in problem.blocks.itertuples(index=False):
        fixed[b.machine].append((float(b.start), float(b.end)))
    for m in fixed:
        if problem.machine_ready.get(m, 0.0) > 0:
            fixed[m].append((-np.inf, float(problem.machine_ready[m])))
        fixed[m].sort()
    rows = _place_maintenance(problem, fixed)
    if rows is None:
        return None
    modes = problem.mode_table()
    fam = problem.family_of_op()
    jobs = problem.jobs
    job_ops: dict[str, list[int]] = {}
    for i, j in enumerate(problem.ops["job"]):
        job_ops.setdefault(j, []).append(i)
    mean_d = {o: float(np.mean(list(ms.values()))) for o, ms in modes.items()}
    remaining = {j: sum(mean_d[o] for o in ops) for j, ops in job_ops.items()}
    ready = {j: float(jobs.at[j, "release"]) for j in job_ops}
    prev_end = dict.fromkeys(job_ops, -np.inf)  # end of the job's previous step
    share = problem.transfer_share()
    pos = dict.fromkeys(job_ops, 0)
    free = {m: float(problem.machine_ready.get(m, 0.0)) for m in problem.machines}
    last_f = {m: problem.initial_family.get(m) for m in problem.machines}
    jitter = {j: 1.0 + noise * rng.standard_normal() for j in job_ops}
    active = [j for j in job_ops if job_ops[j]]
    while active:
        best_c = np.inf
        cand = []
        for j in active:
            o = job_ops[j][pos[j]]
            bs, bc, bm, bsu = np.inf, np.inf, None, 0.0
            for m, d in modes[o].items():
                su = problem.setup_time(m, last_f[m], fam[o])
                t = max(ready[j], prev_end[j] - d * (1 - share[o]), free[m] + su)
                s = _fit(fixed[m], t, d)
                if s + d < bc - 1e-12:
                    bs, bc, bm, bsu = s, s + d, m, su
            cand.append((j, o, bs, bc, bm, bsu))
            best_c = min(best_c, bc)
        eligible = [c for c in cand if c[2] < best_c - 1e-9] or [min(cand, key=lambda c: c[3])]

        def key(c, rule=rule):
            j, o = c[0], c[1]
            if rule == "MWKR":
                v = -remaining[j]
            elif rule == "EDD":
                v = float(jobs.at[j, "due"])
            elif rule == "SLACK":
                v = float(jobs.at[j, "due"]) - remaining[j] - c[2]
            else:
                v = mean_d[o]
            return (v * jitter[j] if v >= 0 else v / jitter[j], c[2])

        j, o, s, c, m, su = min(eligible, key=key)
        rows.append((j, o, int(problem.ops.at[o, "step"]), m, s, c, su))
        free[m] = c
        last_f[m] = fam[o]
        ready[j] = s + (c - s) * share[o]
        prev_end[j] = c
        remaining[j] -= mean_d[o]
        pos[j] += 1
        if pos[j] == len(job_ops[j]):
            active.remove(j)
    table = pd.DataFrame(rows, columns=["job", "op", "step", "machine", "start", "end",
                                        "setup"])
    return table.sort_values(["machine", "start"], ignore_index=True)


def heuristic_schedule(problem: ScheduleProblem, weights: Mapping[str, float] | None = None,
                       restarts: int = 8, seed: int = 0) -> pd.DataFrame | None:
    """Best of every rule plus ``restarts`` randomized passes (seeded), by ``weights``
    (default: makespan). None when maintenance cannot be placed in its window."""
    weights = dict(weights or {"makespan": 1.0})
    best, best_v = None, np.inf
    trials = [(r, 0.0, 0) for r in RULES]
    trials += [(RULES[i % len(RULES)], 0.15, seed * 1000 + i) for i in range(restarts)]
    for rule, noise, s in trials:
        table = dispatch(problem, rule, noise, s)
        if table is None:
            return None
        v = objective_value(schedule_kpis(problem, table), weights)
        if v < best_v - 1e-9:
            best, best_v = table, v
    return best
