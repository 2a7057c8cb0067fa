"""The live residual monitor raises, day by day, the flags the twin's batch monitoring
functions give on the residuals so far (its reference band is computed once, so a day
costs the same on day 300 as on day 30)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.live.alerts import ResidualMonitor
from twinbench.twin.monitor import anomaly_flags, drift_alerts


@pytest.mark.parametrize("drift", [0.0, 0.002, -0.003])
def test_daily_flags_equal_the_batch_functions_on_the_series_so_far(drift):
    rng = np.random.default_rng(7)
    mon = ResidualMonitor(warmup=20)
    t0, w, raised = pd.Timestamp("2026-01-01"), 0.0, 0
    for h in range(24 * 90):
        t = t0 + pd.Timedelta(hours=h)
        w += 0.001 + (drift / 24 if h > 24 * 50 else 0.0) + rng.normal(0, 0.0005)
        wear = w + rng.normal(0, 0.01) if rng.random() > 0.02 else np.nan
        if rng.random() < 0.003:
            wear = w + 0.5  # a wild reading: an anomaly
        n_before = len(mon.residuals.get("M1", []))
        got = mon.add("M1", t, wear, 0.001, False)
        series = mon.residuals.get("M1", [])
        if len(series) == n_before or len(series) <= mon.warmup:
            assert got == []
            continue
        res = xr.DataArray([v for _, v in series], dims="day",
                           coords={"day": [d for d, _ in series]})
        ref = res.isel(day=slice(0, mon.warmup))
        want = []
        z = anomaly_flags(res.isel(day=[-1]), ref, k=mon.k)
        if bool(z["anomaly"].values[-1]):
            want.append(("anomaly", float(z["z"].values[-1])))
        d = drift_alerts(res, ref, window=mon.window, width=mon.width)
        if bool(d["drift"].values[-1]):
            want.append(("drift", float(d["rolling"].values[-1])))
        assert [k for k, _ in got] == [k for k, _ in want], (t, got, want)
        assert [v for _, v in got] == pytest.approx([v for _, v in want], rel=1e-9)
        raised += len(got)
    assert raised > 0  # the stream raised flags to compare
