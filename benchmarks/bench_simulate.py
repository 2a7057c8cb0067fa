"""Replications per second of the demo line over one week: twinbench's engine vs SimPy.

Both models simulate the same week (the order book's first week, FIFO, failures from the
spec's physics, no maintenance windows) and their KPI distributions are compared: means
with 95% Welch intervals of the difference and a two-sample Kolmogorov-Smirnov test.
Target (issue 5): at least 20x the SimPy model's replications per second.

usage: python benchmarks/bench_simulate.py [--reps 200] [--simpy-reps 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from simpy_line import simulate_simpy

from twinbench.data.plant import load_plant
from twinbench.twin.simulation import simulate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--simpy-reps", type=int, default=30)
    args = ap.parse_args()
    plant = load_plant()
    orders = plant.orders
    t0 = orders["release"].min().normalize()
    simulate(plant.spec, orders, t0=t0, replications=2, seed=0)  # compile (cached on disk)
    t = time.perf_counter()
    res = simulate(plant.spec, orders, t0=t0, replications=args.reps, seed=1)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    ref = pd.DataFrame([simulate_simpy(plant.spec, orders, t0, 168.0, seed=1000 + r)
                        for r in range(args.simpy_reps)])
    simpy_s = time.perf_counter() - t
    ours_rate, simpy_rate = args.reps / ours_s, args.simpy_reps / simpy_s
    print(f"demo line, one week ({res.options['units']} units, {res.options['operations']} "
          "operations per replication)")
    print(f"twinbench engine: {args.reps} replications in {ours_s:.2f} s = "
          f"{ours_rate:,.1f} per s")
    print(f"SimPy model:      {args.simpy_reps} replications in {simpy_s:.2f} s = "
          f"{simpy_rate:,.2f} per s")
    print(f"speed-up: {ours_rate / simpy_rate:,.1f}x (target >= 20x)")
    print(f"{'KPI':<12} {'engine mean':>12} {'SimPy mean':>12} {'diff 95% CI':>24} {'KS p':>6}")
    for kpi in ("throughput", "flow_time", "wip"):
        a, b = res.ds[kpi].values, ref[kpi].to_numpy()
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        half = stats.t.ppf(0.975, dof) * np.sqrt(va + vb)
        d = a.mean() - b.mean()
        ks = stats.ks_2samp(a, b).pvalue
        print(f"{kpi:<12} {a.mean():>12.3f} {b.mean():>12.3f} "
              f"{f'[{d - half:.3f}, {d + half:.3f}]':>24} {ks:>6.2f}")


if __name__ == "__main__":
    main()
