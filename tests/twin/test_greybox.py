"""Grey-box wear forecast: rolling-origin backtest against the drift-naive baseline.

Scoring rule (the same as for demand): over weekly origins in the 60 new days, with
horizons of 1-14 days, the forecast's mean absolute error is below the drift-naive
baseline's (relative MAE < 1, i.e. MASE against that baseline) and the 90% intervals cover
80-97% of the measured outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.twin.greybox import backtest_wear, greybox_forecast


@pytest.fixture(scope="module")
def backtest(sim_plant):
    full = xr.concat([sim_plant.history, sim_plant.new], "time")
    events = pd.concat([sim_plant.history_events, sim_plant.new_events], ignore_index=True)
    start = pd.Timestamp(sim_plant.new["time"].values[0])
    origins = list(pd.date_range(start, periods=7, freq="7D"))
    return backtest_wear(sim_plant.twin, full, events, origins, horizon_days=14)


def test_backtest_beats_naive_and_covers(backtest):
    assert len(backtest) > 300
    rel = (backtest["forecast"] - backtest["actual"]).abs().mean() / (
        backtest["naive"] - backtest["actual"]).abs().mean()
    assert rel < 0.9, rel
    cov = backtest["covered"].mean()
    assert 0.80 <= cov <= 0.97, cov


def test_forecast_shapes_units_and_rul(sim_plant):
    fc = greybox_forecast(sim_plant.twin, sim_plant.history, sim_plant.history_events,
                          horizon_days=10, n_paths=200, wear_limit=0.05)
    assert fc["wear"].dims == ("machine", "day", "quantile")
    assert all("units" in fc[v].attrs for v in fc.data_vars)
    w = fc["wear"].values
    assert (np.diff(w, axis=2) >= 0).all()  # quantiles ordered
    # RUL to a wear limit of 0.05 agrees with the wear paths
    rul = fc["rul_quantile"]
    above = fc["origin_wear"] >= 0.05
    assert (rul.where(above, 0.0) == 0).all()
    end = fc["wear"].isel(day=-1)
    surely = (end.sel(quantile=0.05) > 0.05) & ~above
    assert surely.any()
    assert (rul.sel(quantile=0.95).where(surely, 1.0) <= 10).all()
    never = end.sel(quantile=0.95) < 0.05
    assert np.isinf(rul.sel(quantile=0.05).where(never, np.inf)).all()
    # same seed, same forecast
    again = greybox_forecast(sim_plant.twin, sim_plant.history, sim_plant.history_events,
                             horizon_days=10, n_paths=200, wear_limit=0.05)
    np.testing.assert_array_equal(fc["wear"].values, again["wear"].values)
    with pytest.raises(ValueError, match="unknown machines"):
        greybox_forecast(sim_plant.twin, sim_plant.history, sim_plant.history_events,
                         wear_limit={"LASER9": 0.5})
