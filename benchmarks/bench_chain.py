"""One whole-chain what-if at default settings, on one core: seconds per stage.

The demo plant's chain (demand -> supply plan on 10 training worlds, evaluated on 30
others -> material arrivals -> the week's schedule -> the line in every evaluation world)
for the base and for "S2 two weeks late"; prints the seconds per stage, the total (target:
at most 20 s for one what-if), and the supply plan's in-sample against out-of-sample cost
(the optimism of judging a plan on the worlds it was fitted to).

usage: python benchmarks/bench_chain.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import time

from twinbench.scenarios import scenarios_from_dict
from twinbench.scenarios.runner import evaluate, prepare_context


def main() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    t0 = time.perf_counter()
    ctx = prepare_context()
    print(f"prepare (load plant, demand forecast; once per plant): "
          f"{time.perf_counter() - t0:.1f} s")
    base, late = scenarios_from_dict(
        [{"name": "base"}, {"name": "s2-late", "edits": [
            {"kind": "supplier_delay", "supplier": "S2", "delay": "14 d"}]}], ctx.plant.spec)
    for sc in (base, late):
        t0 = time.perf_counter()
        res = evaluate(sc, ctx)
        total = time.perf_counter() - t0
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items())
        print(f"{sc.name:<8s} {total:5.1f} s ({stages}); target <= 20 s: "
              f"{'met' if total <= 20 else 'missed'}")
        fig = res.ds["plan_figure"].to_series()
        ins, out = fig["supply cost in sample"], fig["supply cost out of sample"]
        print(f"         supply cost in sample {ins:,.0f} EUR, out of sample {out:,.0f} EUR "
              f"({(out - ins) / ins:+.1%})")


if __name__ == "__main__":
    main()
