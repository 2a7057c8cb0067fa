"""Wall time to calibrate the demo plant's twin, by sampler, and to refresh forecasts.

Calibrates all 12 machines on the year of demo telemetry with each NUTS implementation
(nutpie first, so that PyMC's compilation is not charged to it and vice versa: each
sampler compiles its own model), prints wall time, compile time, the smallest bulk ESS,
ESS per second, R-hat and divergences side by side, and how far apart the two posteriors'
means are (in posterior sd). Then times the forecasts refreshed from the nutpie posterior:
failure probability/RUL over 4 weeks and the grey-box wear forecast over 14 days.
Targets (issue 19): calibration of the demo plant with 4 chains, converged, under 30 s on
2 cores; forecast refresh under 2 s. Each line says whether the fit converged (at least
4 chains, R-hat < 1.01, bulk ESS > 100 per chain, no divergences) and, if not, why.

usage: python benchmarks/bench_calibrate.py [--skip-pymc]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from twinbench.data.plant import load_plant
from twinbench.data.quality import check_file
from twinbench.twin.calibrate import calibrate
from twinbench.twin.greybox import greybox_forecast
from twinbench.twin.rul import forecast_failures


def main() -> None:
    plant = load_plant()
    clean = check_file(plant.root / "telemetry.parquet").mask(plant.telemetry)
    samplers = ["nutpie"] if "--skip-pymc" in sys.argv else ["nutpie", "pymc"]
    twins = {}
    print(f"{'sampler':<8} {'wall s':>8} {'compile s':>10} {'min ESS':>8} {'ESS/s':>7} "
          f"{'max R-hat':>9} {'div':>4}")
    for name in samplers:
        t0 = time.perf_counter()
        tw = calibrate(plant.spec, clean, plant.events, sampler=name, seed=1)
        wall = time.perf_counter() - t0
        twins[name] = tw
        d = tw.diagnostics
        print(f"{name:<8} {wall:8.1f} {tw.options['compile_seconds']:10.1f} "
              f"{d['ess_bulk'].min():8.0f} {d['ess_bulk'].min() / wall:7.1f} "
              f"{d['r_hat'].max():9.3f} {tw.divergences:4d}   {tw.options['chains']} chains x "
              f"{tw.options['draws']} draws (+{tw.options['tune']} tune): "
              + ("converged" if tw.converged else "NOT converged: "
                 + "; ".join(tw.convergence_problems)), flush=True)
    if len(twins) == 2:
        worst = 0.0
        for var in ("load_exponent", "activation_energy", "machine_wear_rate",
                    "hazard_base", "hazard_wear"):
            a, b = twins["nutpie"].posterior[var], twins["pymc"].posterior[var]
            sd = np.sqrt((a.var(("chain", "draw")) + b.var(("chain", "draw"))) / 2)
            gap = abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / sd
            worst = max(worst, float(gap.max()))
        print(f"largest difference of posterior means, nutpie vs pymc: {worst:.2f} sd")
    tw = twins["nutpie"]
    t0 = time.perf_counter()
    forecast_failures(tw, horizon=28 * 24)
    t1 = time.perf_counter()
    greybox_forecast(tw, clean, plant.events, horizon_days=14)
    t2 = time.perf_counter()
    print(f"refresh: failure probability + RUL, 4 weeks   {t1 - t0:6.2f} s")
    print(f"refresh: grey-box wear forecast, 14 days      {t2 - t1:6.2f} s")
    print(f"refresh: total                                {t2 - t0:6.2f} s")


if __name__ == "__main__":
    main()
