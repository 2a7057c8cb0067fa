"""Scenarios per minute for a 200-scenario batch of the demo plant, by executor.

The batch is a Latin hypercube over demand level, supplier S2's delay and the energy price;
each scenario is the whole chain at default settings (edits, demand, supply plan on the
training worlds, material arrivals, the week's schedule, the line in every evaluation
world, KPIs stored). Runs it into fresh folders on each executor asked for: in one process,
on 2 local worker processes, on a 2-worker Dask LocalCluster; prints scenarios per minute,
the scaling ratio against one process (target: 2 workers at least 1.8x one) and checks the
executors give the same numbers.

usage: python benchmarks/bench_scenarios.py [--n 200] [--executors 1,2,dask]
       [--schedule-time-limit S]  (default: the chain's, 10 s)
       [--schedule-method anneal]  (no clock: the same numbers on every executor)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from twinbench.pipeline.chain import ChainSettings
from twinbench.scenarios import Scenario, scenarios_from_dict
from twinbench.scenarios.batch import run_batch
from twinbench.scenarios.runner import prepare_context


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--executors", default="1,2,dask",
                    help="comma-separated: 1 (one process), 2 (two processes), dask")
    ap.add_argument("--schedule-time-limit", type=float, default=None,
                    help="time limit of each scenario's week schedule [s] (default: the "
                         "chain's)")
    ap.add_argument("--schedule-method", default=None, choices=("auto", "anneal"),
                    help="the chain's schedule_method (anneal: a fixed number of moves, "
                         "reproducible across executors and loads)")
    args = ap.parse_args()
    asked = set(args.executors.split(","))
    if "1" not in asked:
        ap.error("--executors must include 1: the ratios are against one process")
    executors = [(label, kw) for key, label, kw in (
        ("1", "1 process", {"workers": 1}), ("2", "2 processes", {"workers": 2}),
        ("dask", "Dask LocalCluster, 2 workers", {"dask": 2})) if key in asked]
    settings = ChainSettings()
    if args.schedule_time_limit is not None:
        settings = dataclasses.replace(settings, schedule_time_limit=args.schedule_time_limit)
    if args.schedule_method is not None:
        settings = dataclasses.replace(settings, schedule_method=args.schedule_method)
    limit = ("a fixed number of moves (anneal)" if settings.schedule_method == "anneal"
             else f"time limit {settings.schedule_time_limit:g} s")
    print(f"schedule {limit} per scenario; load average at start "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    ctx = prepare_context(settings=settings)
    sweep = {"seed": 1, "sweeps": [{
        "name": "lhs", "method": "lhs", "n": args.n - 1,
        "parameters": {"demand": [0.8, 1.3], "delay": [0, 21], "energy": [0.8, 1.6]},
        "edits": [{"kind": "demand_change", "factor": "{demand}"},
                  {"kind": "supplier_delay", "supplier": "S2", "delay": "{delay} d"},
                  {"kind": "energy_price", "factor": "{energy}"}]}]}
    batch = [Scenario(name="base", seed=1), *scenarios_from_dict(sweep, ctx.plant.spec)]
    rates, results = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, kw in executors:
            out = Path(tmp) / label.replace(" ", "_").replace(",", "")
            t0 = time.perf_counter()
            if "dask" in kw:
                from distributed import Client, LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, Client(cluster) as c:
                    t0 = time.perf_counter()  # cluster start-up not charged
                    rep = run_batch(batch, ctx, out, scheduler=c)
            else:
                rep = run_batch(batch, ctx, out, workers=kw["workers"])
            wall = time.perf_counter() - t0
            rates[label] = 60 * len(rep.computed) / wall
            results[label] = {n: rep.store.load(i)["kpi_samples"].values
                              for n, i in list(rep.ids.items())[:20]}
            print(f"{label:<30s} {len(rep.computed)} scenarios in {wall:6.1f} s: "
                  f"{rates[label]:6.1f} per minute ({len(rep.failed)} failed; load average "
                  f"after: {os.getloadavg()[0]:.1f})", flush=True)
    ref = rates["1 process"]
    for label, r in rates.items():
        verdict = "" if label == "1 process" else (
            f"; target >= 1.8x: {'met' if r / ref >= 1.8 else 'missed'}")
        print(f"scaling {label:<30s} {r / ref:4.2f}x of one process{verdict}")
    first = results["1 process"]
    # NaN where a KPI has no value (the same samples on every executor) counts as equal
    same = all(np.array_equal(first[n], res[n], equal_nan=True)
               for res in results.values() for n in first)
    print(f"same numbers on every executor (first 20 scenarios): {same}")


if __name__ == "__main__":
    main()
