"""Scheduling benchmark: twinbench (Pyomo + HiGHS, dispatching and annealing warm start)
against OR-Tools CP-SAT with the same time limit and threads on the same machine, on the
literature job shops (ft, la01-40, orb, Taillard ta01-30), Brandimarte's flexible job shops
(mk01-10) and the demo plant's week; and the Pyomo model's build time for about 10,000
operations. Every twinbench result names the stage that produced the plan (``dispatch``,
``annealer``, ``mip``) and where its lower bound comes from (``mip``: the solver's bound;
``loads``: machine and job loads).

    .venv/bin/python benchmarks/bench_schedule.py                  # ft, la01-20, orb, 60 s
    .venv/bin/python benchmarks/bench_schedule.py --set hard       # la21-40, ta01-30, 60 s
    .venv/bin/python benchmarks/bench_schedule.py --set fjsp       # mk01-10, 60 s
    .venv/bin/python benchmarks/bench_schedule.py --quick          # ft06 la01-05 ft10, 20 s
    .venv/bin/python benchmarks/bench_schedule.py --instances la21 ta01 mk01 --time-limit 10
    .venv/bin/python benchmarks/bench_schedule.py --build          # model build, 10,000 ops

Threads: CP-SAT gets ``--threads`` workers and HiGHS the same ``threads`` option (the
annealer and the dispatching rules run on one thread). The machine is shared: read the
ratio column, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from cpsat_jobshop import solve_cpsat
from cpsat_schedule import solve_cpsat_problem

from twinbench.optimize.schedule import build_jobshop_model, solve_schedule
from twinbench.optimize.schedule.flexible import fjsp_names, load_fjsp, problem_from_fjsp
from twinbench.optimize.schedule.jobshop import (
    jobshop_names,
    load_jobshop,
    problem_from_jobshop,
    random_jobshop,
)

SETS = {
    "classic": ["ft06", "ft10", "ft20"] + [f"la{i:02d}" for i in range(1, 21)]
    + [f"orb{i:02d}" for i in range(1, 11)],
    "hard": [f"la{i}" for i in range(21, 41)] + [f"ta{i:02d}" for i in range(1, 31)],
    "fjsp": [f"mk{i:02d}" for i in range(1, 11)],
}
QUICK = ["ft06", "la01", "la02", "la03", "la04", "la05", "ft10"]
SOURCE = {"mip": "mip", "machine and job loads": "loads", "none": "-"}


def _known(lower: int | None, upper: int | None) -> str:
    """The best known optimum, or its bounds ``lower-upper`` when open."""
    return f"{upper}" if lower == upper else f"{lower}-{upper}"


def literature(names: list[str], limit: float, threads: int) -> None:
    """Each instance with twinbench and with CP-SAT, ``limit`` [s] and ``threads`` each."""
    print(f"{'instance':9s} {'size':>6s} {'known':>9s} | {'twinbench':>9s} {'stage':>8s} "
          f"{'bound':>7s} {'from':>5s} {'s':>6s} | {'CP-SAT':>7s} {'bound':>7s} {'s':>6s} | "
          f"{'ratio':>6s} {'vs known':>8s}")
    over_cp, over_known = [], []
    for name in names:
        if name.startswith("mk"):
            inst = load_fjsp(name)
            problem = problem_from_fjsp(inst)
            cp = solve_cpsat_problem(problem, time_limit=limit, workers=threads, scale=1)
        else:
            inst = load_jobshop(name)
            problem = problem_from_jobshop(inst)
            cp = solve_cpsat(inst, time_limit=limit, workers=threads)
        tb = solve_schedule(problem, "makespan", time_limit=limit, method="mip", seed=0,
                            duals=False, options={"threads": threads})
        bad = tb.violations()
        ratio = tb.makespan / cp.makespan
        over_cp.append(ratio - 1)
        over_known.append(tb.makespan / inst.upper - 1)
        print(f"{name:9s} {inst.n_jobs:>3d}x{inst.n_machines:<2d} "
              f"{_known(inst.lower, inst.upper):>9s} | {tb.makespan:>9.0f} {tb.stage:>8s} "
              f"{tb.lower_bound:>7.0f} {SOURCE.get(tb.options['bound_source'], '?'):>5s} "
              f"{tb.seconds:>6.1f} | {cp.makespan:>7.0f} {cp.bound:>7.0f} {cp.seconds:>6.1f} | "
              f"{ratio:>6.3f} {tb.makespan / inst.upper - 1:>8.1%}"
              + ("  CHECK FAILED" if bad else ""), flush=True)
    print(f"mean makespan above CP-SAT: {100 * np.mean(over_cp):.2f}% (target <= 0 for job "
          f"shops, <= 2% for flexible ones); above the best known: "
          f"{100 * np.mean(over_known):.2f}%; instances: {len(names)}, time limit "
          f"{limit:.0f} s and {threads} thread(s) each")


def demo_week(limit: float) -> None:
    import pandas as pd
    from cpsat_schedule import solve_cpsat_problem

    from twinbench.data.plant import load_plant
    from twinbench.optimize.schedule import solve_schedule
    from twinbench.optimize.schedule.problem import problem_from_plant
    from twinbench.pipeline.week import first_week

    plant = load_plant()
    week = first_week(plant.orders)
    maint = pd.DataFrame({"machine": ["PRESS1", "PAINT2"],
                          "due": pd.to_datetime(["2026-01-07 12:00", "2026-01-08 18:00"])})
    down = pd.DataFrame({"machine": ["WELD1"], "start": [pd.Timestamp("2026-01-06 06:00")],
                         "end": [pd.Timestamp("2026-01-06 22:00")]})
    cases = {"demo week": problem_from_plant(plant.spec, week),
             "demo week + 2 services + a breakdown": problem_from_plant(
                 plant.spec, week, maintenance=maint, downtime=down)}
    for label, problem in cases.items():
        cp = solve_cpsat_problem(problem, time_limit=limit)
        for method in ("mip", "rolling"):
            s = solve_schedule(problem, "makespan", time_limit=limit, method=method)
            print(f"{label} ({problem.n_ops} operations, {len(problem.machines)} machines), "
                  f"{method}: makespan {s.makespan:.2f} working h, stage {s.stage}, bound "
                  f"{s.lower_bound:.2f} ({s.options['bound_source']}), status {s.status}, gap "
                  f"{s.gap:.1%}, {s.seconds:.1f} s, checker "
                  f"{'ok' if not s.violations() else 'FAIL'}; CP-SAT {cp.makespan:.2f} h "
                  f"(bound {cp.bound:.2f}, {cp.status}, {cp.seconds:.1f} s); ratio "
                  f"{s.makespan / cp.makespan:.3f}", flush=True)


def build(n_jobs: int, n_machines: int, radius: float) -> None:
    import pyomo.environ as pyo

    from twinbench.optimize.schedule.dispatch import dispatch
    from twinbench.optimize.schedule.jobshop import problem_from_jobshop
    from twinbench.optimize.schedule.model import build_model, time_windows

    inst = random_jobshop(n_jobs, n_machines, seed=0)
    problem = problem_from_jobshop(inst)
    t0 = time.perf_counter()
    plan = dispatch(problem, "MWKR")
    t1 = time.perf_counter()
    windows = time_windows(problem, float(plan["end"].max()), plan, radius)
    m, _ = build_model(problem, {"makespan": 1.0}, windows)
    t2 = time.perf_counter()
    n_var = sum(1 for _ in m.component_data_objects(pyo.Var))
    n_con = sum(1 for _ in m.component_data_objects(pyo.Constraint))
    print(f"build: {inst.n_operations} operations ({n_jobs} jobs x {n_machines} machines), "
          f"neighbourhood radius {radius:g} around the dispatching plan: model build "
          f"{t2 - t1:.2f} s (target < 10 s); the dispatching plan itself {t1 - t0:.2f} s; "
          f"{n_var} variables, {n_con} constraints")
    full = build_jobshop_model(random_jobshop(50, 20, seed=1))  # all pairs, 1,000 ops
    print(f"full model (every pair), 1,000 operations: "
          f"{sum(1 for _ in full.component_data_objects(pyo.Var))} variables")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="+",
                    help=f"from {jobshop_names()} and {fjsp_names()}")
    ap.add_argument("--set", choices=sorted(SETS), default="classic")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--threads", type=int, default=2, help="CP-SAT workers, HiGHS threads")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", action="store_true", help="only the model build benchmark")
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if a.build:
        build(500, 20, radius=100.0)
        return
    names = a.instances or (QUICK if a.quick else SETS[a.set])
    limit = a.time_limit or (20.0 if a.quick else 60.0)
    literature(names, limit, a.threads)
    if not a.no_demo:
        demo_week(limit)
    if not a.no_build:
        build(500, 20, radius=100.0)


if __name__ == "__main__":
    main()
