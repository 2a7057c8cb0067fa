"""Demand backtest without look-ahead; any frequency; intermittent demand.

* Poisoning every driver value after a backtest origin (forecast drivers) changes nothing;
  poisoning a driver declared known in advance does change the forecasts (the check can
  fail).
* :func:`season_length` reads the frequency of daily, weekly, monthly and quarterly
  grids and refuses an irregular one.
* Intermittent series are recognised (ADI > 1.32) and get TSB; Croston's and TSB's
  forecasts match hand computations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twinbench.twin.demand import backtest
from twinbench.twin.demand.backtest import driver_forecast
from twinbench.twin.demand.univariate import (
    demand_class,
    forecast_series,
    mase,
    season_length,
    smape,
)

HORIZON = 13


@pytest.fixture(scope="module")
def one_product(demo_plant):
    d = demo_plant.demand
    return d[d["product"] == "CAB-S"].reset_index(drop=True)


def _poisoned(drivers: pd.DataFrame, origin: pd.Timestamp, columns: list[str]) -> pd.DataFrame:
    bad = drivers.copy()
    after = pd.to_datetime(bad["week"]) >= origin
    for c in columns:
        bad.loc[after, c] = bad.loc[after, c] * 50 + 1000
    return bad


def test_poisoned_future_drivers_change_nothing(one_product, demo_plant):
    drivers = demo_plant.drivers
    weeks = pd.DatetimeIndex(sorted(one_product["week"]))
    origin = weeks[-HORIZON]
    cols = [c for c in drivers.columns if c != "week"]
    kw = {"horizon": HORIZON, "origins": 1, "models": ("sarimax_exog",)}
    clean = backtest(one_product, drivers, **kw)
    poisoned = backtest(one_product, _poisoned(drivers, origin, cols), **kw)
    pd.testing.assert_frame_equal(clean, poisoned)
    # a driver declared known in advance is read after the origin: poisoning it shows
    known = backtest(one_product, drivers, known_drivers=("promo",), **kw)
    known_bad = backtest(one_product, _poisoned(drivers, origin, ["promo"]),
                         known_drivers=("promo",), **kw)
    assert known["mase"].iloc[0] != known_bad["mase"].iloc[0]
    assert known["known_drivers"].iloc[0] == "promo"


def test_unknown_known_driver_is_named(one_product, demo_plant):
    with pytest.raises(ValueError, match=r"known_drivers names \['price'\].*promo"):
        backtest(one_product, demo_plant.drivers, horizon=HORIZON, origins=1,
                 models=("ets",), known_drivers=("price",))


def test_driver_forecast_reverts_to_the_mean():
    # an AR(1) around 100 (coefficient 0.8), long enough to estimate both well; the
    # forecast starts from the last value and decays towards the mean
    rng = np.random.default_rng(1)
    x = np.empty(3000)
    x[0] = 110.0
    for t in range(1, 3000):
        x[t] = 100 + 0.8 * (x[t - 1] - 100) + rng.normal(0, 1)
    f, v = (a[:, 0] for a in driver_forecast(x[:, None], 30))
    assert f[0] == pytest.approx(100 + 0.8 * (x[-1] - 100), abs=0.3)
    assert f[1] == pytest.approx(100 + 0.8 ** 2 * (x[-1] - 100), abs=0.3)
    assert abs(f[-1] - 100) < 0.3
    # the forecast variance grows towards the AR(1)'s stationary variance 1/(1-0.8^2)
    assert v[0] == pytest.approx(1.0, rel=0.1)
    assert v[1] == pytest.approx(1.0 + 0.8 ** 2, rel=0.1)
    assert v[-1] == pytest.approx(1 / (1 - 0.8 ** 2), rel=0.1)
    assert (np.diff(v) > 0).all()
    mean, var = driver_forecast(np.full((10, 1), 3.0), 4)
    assert (mean == 3.0).all() and (var == 0.0).all()


@pytest.mark.parametrize(("freq", "season"), [("D", 7), ("W-MON", 52), ("MS", 12),
                                               ("ME", 12), ("QS", 4), ("YS", 1), ("h", 24)])
def test_season_length_of_each_frequency(freq, season):
    idx = pd.date_range("2024-01-01", periods=30, freq=freq)
    assert season_length(idx) == season


def test_irregular_grid_is_refused():
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"])
    with pytest.raises(ValueError, match=r"not regular.*resample"):
        season_length(idx)
    with pytest.raises(ValueError, match="unsupported frequency"):
        season_length("5min")


def test_intermittent_demand_gets_tsb_and_matches_hand_values():
    y = np.array([0, 0, 3, 0, 0, 0, 2, 0, 0, 4, 0, 0], dtype=float)
    assert demand_class(y) == "intermittent"
    assert demand_class(np.arange(1.0, 20.0)) == "smooth"
    # Croston by hand, alpha 0.1: sizes 3, 2, 4 and intervals 3, 4, 3, SES from the first
    z = 3.0
    for v in (2.0, 4.0):
        z += 0.1 * (v - z)
    p = 3.0
    for v in (4.0, 3.0):
        p += 0.1 * (v - p)
    np.testing.assert_allclose(forecast_series(y, 3, method="croston"), z / p)
    # TSB: occurrence smoothed every period, size at demands
    q = 0.0
    for v in (y > 0).astype(float)[1:]:
        q += 0.1 * (v - q)
    np.testing.assert_allclose(forecast_series(y, 2, method="tsb"), q * z)
    np.testing.assert_allclose(forecast_series(y, 2), q * z)  # auto picks TSB


def test_seasonal_monthly_series_beats_naive():
    t = np.arange(72)
    y = 100 + 20 * np.sin(2 * np.pi * t / 12) + 0.5 * t
    y = y + np.random.default_rng(3).normal(0, 2, 72)
    train, test = y[:60], y[60:]
    m = season_length(pd.date_range("2019-01-01", periods=72, freq="MS"))
    auto = forecast_series(train, 12, m)
    naive = forecast_series(train, 12, m, method="naive")
    assert mase(test, auto, train, m) < 0.5 * mase(test, naive, train, m)
    assert smape(test, auto) < smape(test, naive)
    with pytest.raises(ValueError, match="unknown method 'arima'"):
        forecast_series(train, 3, m, method="arima")
    with pytest.raises(ValueError, match="non-finite"):
        forecast_series(np.array([1.0, np.nan, 2.0]), 3)


def test_forecast_driver_error_widens_the_demand_interval():
    """Demand driven strongly by an AR(1) driver that must be forecast: the interval
    holds the driver's forecast error (coverage near nominal); treating the forecast
    driver as known (no ``x_var``) would cover a small fraction only."""
    rng = np.random.default_rng(5)
    n = 260
    weeks = pd.date_range("2020-01-06", periods=n, freq="7D")
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.9 * x[t - 1] + rng.normal(0, 1)
    rows = []
    for j in range(4):
        q = np.round(np.exp(4 + 0.25 * x + rng.normal(0, 0.05, n))).astype(int)
        rows += [{"week": w, "product": f"P{j}", "quantity": int(v)}
                 for w, v in zip(weeks, q, strict=True)]
    bt = backtest(pd.DataFrame(rows), pd.DataFrame({"week": weeks, "driver": x}),
                  horizon=HORIZON, origins=10, step=13, models=("sarimax_exog",))
    # 10 origins share one driver path each: a loose band around 90 %; without the
    # driver's error the same backtest covers 12-19 %
    assert (bt["coverage"] > 0.65).all(), bt["coverage"].tolist()
    assert (bt["n"] == 10 * HORIZON).all()
