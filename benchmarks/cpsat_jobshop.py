"""OR-Tools CP-SAT on a job shop: the reference the scheduling benchmark compares against.

Benchmarks only; the package never imports it. Interval variables with one no-overlap
constraint per machine (and per machine with setups/blocks for the plant's problem is out
of scope here: literature job shops only), 2 workers, a fixed seed and a time limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from twinbench.optimize.schedule.jobshop import JobShop


@dataclass
class CpSatResult:
    """Best makespan, best bound, status and wall time [s] of a CP-SAT run."""

    makespan: float
    bound: float
    status: str
    seconds: float


def solve_cpsat(inst: JobShop, time_limit: float = 60.0, workers: int = 2,
                seed: int = 0) -> CpSatResult:
    """Minimise the makespan of ``inst`` with CP-SAT."""
    model = cp_model.CpModel()
    horizon = sum(d for job in inst.jobs for _, d in job)
    by_machine: dict[int, list] = {}
    ends = []
    for j, job in enumerate(inst.jobs):
        prev = None
        for k, (m, d) in enumerate(job):
            s = model.new_int_var(0, horizon, f"s{j}_{k}")
            e = model.new_int_var(0, horizon, f"e{j}_{k}")
            by_machine.setdefault(m, []).append(model.new_interval_var(s, d, e, f"i{j}_{k}"))
            if prev is not None:
                model.add(s >= prev)
            prev = e
        ends.append(prev)
    for ivs in by_machine.values():
        model.add_no_overlap(ivs)
    cmax = model.new_int_var(0, horizon, "cmax")
    model.add_max_equality(cmax, ends)
    model.minimize(cmax)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    t0 = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - t0
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return CpSatResult(solver.objective_value if ok else float("nan"),
                       solver.best_objective_bound, solver.status_name(status), seconds)
