"""Wall time to backtest, fit and forecast the demand of every demo product.

Prints the time of the rolling-origin backtest (all candidate models, 8 origins, 13-week
horizon), of the final fit and forecast of the chosen models, and the chosen model of each
product with its backtest MASE and 90 % interval coverage next to the seasonal-naive
baseline. One run each: the fits are deterministic, the machine is noisy.
"""

from __future__ import annotations

import time

from twinbench.data.plant import load_plant
from twinbench.twin.demand import BASELINE, CANDIDATES, backtest, forecast_demand


def main() -> None:
    plant = load_plant()
    n_products = plant.demand["product"].nunique()
    n_weeks = plant.demand["week"].nunique()
    t0 = time.perf_counter()
    bt = backtest(plant.demand, plant.drivers, horizon=13, origins=8, step=4, level=0.9)
    t1 = time.perf_counter()
    fc = forecast_demand(plant.demand, plant.drivers, horizon=13, level=0.9, backtest_result=bt)
    t2 = time.perf_counter()
    fits = int((bt["origins"] - bt["failed"]).sum())
    print(f"demand: {n_products} products x {n_weeks} weeks; candidates {list(CANDIDATES)!r}")
    print(f"backtest ({fits} fits, 8 origins x 13 weeks)   {t1 - t0:7.3f} s")
    print(f"fit + forecast chosen models (13 weeks)   {t2 - t1:7.3f} s")
    print(f"total                                     {t2 - t0:7.3f} s")
    table = bt.set_index(["product", "model"])
    print(f"\n{'product':8} {'chosen':14} {'MASE':>6} {'cover':>6} {'width':>6}   "
          f"{'naive MASE':>10} {'naive cover':>11}")
    for p, m in fc.chosen.items():
        row, base = table.loc[(p, m)], table.loc[(p, BASELINE)]
        print(f"{p:8} {m:14} {row['mase']:6.3f} {row['coverage']:6.3f} {row['width']:6.3f}   "
              f"{base['mase']:10.3f} {base['coverage']:11.3f}")
    print("\nall candidates:")
    print(bt[["product", "model", "mase", "coverage", "width", "n", "converged"]]
          .to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
