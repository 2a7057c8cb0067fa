"""Wall time to load the demo plant and to check its telemetry (median of 5 runs)."""

from __future__ import annotations

import statistics
import time

from twinbench.data.plant import DEMO_DIR, load_plant
from twinbench.data.quality import check_file


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` [s]."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    plant = load_plant()
    rows = plant.telemetry.sizes["machine"] * plant.telemetry.sizes["time"]
    t_load = timed(load_plant)
    t_quality = timed(lambda: check_file(DEMO_DIR / "telemetry.parquet"))
    print(f"telemetry: {rows} machine-hours x {len(plant.telemetry.data_vars)} variables")
    print(f"load_plant (spec, telemetry, tables)   {t_load:6.3f} s")
    print(f"check_file (all quality checks)        {t_quality:6.3f} s "
          f"({rows / t_quality / 1e3:.0f} k machine-hours/s)")


if __name__ == "__main__":
    main()
