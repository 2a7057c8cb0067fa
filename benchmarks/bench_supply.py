"""Solve time of the demo supply chain: 52 weekly periods x 50 demand/supplier scenarios.

Builds the two-stage stochastic problem from the demo plant (demand scenarios from the
demand forecast's distribution, supplier misses and outages, station hours from the
calendar and availability), then times model build and the HiGHS solve (interior point
with crossover, the default for stochastic LPs), checks the plan with the independent
checker, and prints the value of the stochastic solution (EV and EEV solves). Target
(issue 7): under 60 s on 2 cores. ``--simplex`` also times HiGHS's dual simplex on the same
model for comparison (minutes).

usage: python benchmarks/bench_supply.py [--weeks 52] [--scenarios 50] [--simplex]
"""

from __future__ import annotations

import argparse
import time

from twinbench.data.plant import load_plant
from twinbench.optimize.supply import solve_supply, value_of_stochastic_solution
from twinbench.optimize.supply.check import check_supply_plan
from twinbench.optimize.supply.inputs import supply_problem
from twinbench.twin.demand import forecast_demand


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--scenarios", type=int, default=50)
    ap.add_argument("--simplex", action="store_true")
    args = ap.parse_args()
    plant = load_plant()
    fc = forecast_demand(plant.demand, plant.drivers)
    t0 = time.perf_counter()
    prob = supply_problem(plant, fc.ds, weeks=args.weeks, scenarios=args.scenarios, seed=1)
    inputs_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = solve_supply(prob)
    wall = time.perf_counter() - t0
    problems = check_supply_plan(prob, plan.ds)
    print(f"problem: {args.weeks} weeks x {args.scenarios} scenarios, "
          f"{len(prob.products)} products, {len(prob.materials)} materials, "
          f"{len(prob.network.dcs)} DCs, {len(prob.regions)} regions")
    print(f"inputs {inputs_s:.2f} s | build {plan.options['build_seconds']:.1f} s | "
          f"solve {plan.options['solve_seconds']:.1f} s | total {wall:.1f} s "
          f"(target < 60 s) | status {plan.status} | checker: "
          f"{'ok' if not problems else f'{len(problems)} violation(s)'}")
    print(f"expected cost {plan.objective:,.0f} EUR: "
          + ", ".join(f"{k} {v:,.0f}" for k, v in plan.costs.items()))
    t0 = time.perf_counter()
    vss = value_of_stochastic_solution(prob, rp=plan)
    print(f"VSS: RP {vss['RP']:,.0f}  EV {vss['EV']:,.0f}  EEV {vss['EEV']:,.0f}  "
          f"VSS {vss['VSS']:,.0f} EUR ({100 * vss['VSS'] / vss['RP']:.1f}% of RP; "
          f"{time.perf_counter() - t0:.1f} s)")
    if args.simplex:
        t0 = time.perf_counter()
        simplex = solve_supply(prob, time_limit=1200, options={"solver": "simplex"})
        print(f"dual simplex: {time.perf_counter() - t0:.1f} s, objective "
              f"{simplex.objective:,.0f} (interior point {plan.objective:,.0f})")


if __name__ == "__main__":
    main()
