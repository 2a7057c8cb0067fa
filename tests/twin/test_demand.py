"""Demand forecasts: backtest on the demo plant, known truth, clear errors, reproducibility.

Rules checked on the demo data (8 rolling origins, 4 weeks apart, 13-week horizon, i.e.
104 scored weeks per product):

* the chosen model of every product has a lower MASE than the seasonal-naive baseline;
* its 90 % intervals cover between 80 % and 97 % of the backtest outcomes (a calibrated
  interval covers 90 %; with 104 correlated points the sampling spread is several points);
* the forecast mean is within 6 % of the generator's true expected demand in every horizon
  week (``data/truth.json`` holds the demo's true parameters).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.data.plant import DEMO_DIR as DEMO
from twinbench.twin.demand import (
    BASELINE,
    CANDIDATES,
    backtest,
    coverage_band,
    forecast_demand,
)

ORIGINS = 8


@pytest.fixture(scope="module")
def demo_bt(demo_plant) -> pd.DataFrame:
    return backtest(demo_plant.demand, demo_plant.drivers, horizon=13, origins=ORIGINS, step=4)


@pytest.fixture(scope="module")
def demo_fc(demo_plant, demo_bt):
    return forecast_demand(demo_plant.demand, demo_plant.drivers, backtest_result=demo_bt)


def test_backtest_chosen_model_beats_naive_and_is_calibrated(demo_plant, demo_bt,
                                                             demo_fc) -> None:
    products = list(pd.unique(demo_plant.demand["product"]))
    assert set(zip(demo_bt["product"], demo_bt["model"], strict=True)) == {
        (p, m) for p in products for m in CANDIDATES}
    assert (demo_bt["n"] == ORIGINS * 13).all()
    assert (demo_bt["failed"] == 0).all()
    table = demo_bt.set_index(["product", "model"])
    lo, hi = coverage_band(0.9)
    assert (lo, hi) == (0.75, 0.99)
    for p in products:
        chosen = demo_fc.chosen[p]
        rows = table.loc[p]
        # the selection rule, recomputed from the table
        ok = rows[rows["coverage"].between(lo, hi)]
        assert chosen == (ok if len(ok) else rows)["mase"].idxmin()
        assert chosen != BASELINE
        assert rows.loc[chosen, "mase"] < rows.loc[BASELINE, "mase"], p
        assert lo <= rows.loc[chosen, "coverage"] <= hi, (p, rows.loc[chosen, "coverage"])
        assert 0 < rows.loc[chosen, "width"] < rows.loc[BASELINE, "width"]
        assert demo_fc.converged[p]
    assert list(demo_fc.ds["model"].values) == [demo_fc.chosen[p] for p in products]
    # pooled over the products (5 x 104 scored weeks; weeks of one origin are correlated,
    # so the band is wider than a binomial one): the chosen models' 90 % intervals cover
    # close to 90 % with the drivers forecast, not read from the future
    pooled = np.mean([table.loc[(p, demo_fc.chosen[p]), "coverage"] for p in products])
    assert 0.85 <= pooled <= 0.96, pooled
    # the nested check: chosen on origins that end before the last, judged on the last
    claimed = demo_fc.claimed.set_index("product")
    assert list(claimed.index) == products and (claimed["n_last"] == 13).all()
    for p in products:
        rows = table.loc[p]
        assert claimed.loc[p, "mase_last"] == rows.loc[claimed.loc[p, "chosen_early"],
                                                       "mase_last"]
        assert (rows["n_select"] > 0).all() and (rows["n_select"] < rows["n"]).all()


def test_forecast_dataset_structure(demo_plant, demo_fc) -> None:
    ds = demo_fc.ds
    assert ds["mean"].dims == ("product", "week")
    assert ds["interval"].dims == ("product", "week", "quantile")
    assert ds.sizes == {"product": 5, "week": 13, "quantile": 3}
    assert list(ds["product"].values) == ["CAB-S", "CAB-L", "BRK-A", "BRK-B", "FRM-1"]
    np.testing.assert_allclose(ds["quantile"].values, [0.05, 0.5, 0.95])
    assert ds["mean"].attrs["units"] == ds["interval"].attrs["units"] == "unit/week"
    last = demo_plant.demand["week"].max()
    assert last == pd.Timestamp("2025-12-29")
    expected = pd.date_range(last + pd.Timedelta(weeks=1), periods=13, freq="W-MON")
    assert pd.DatetimeIndex(ds["week"].values).equals(pd.DatetimeIndex(expected))
    q = ds["interval"]
    assert np.isfinite(q).all() and (q >= 0).all()
    q05, q50, q95 = (q.sel(quantile=v) for v in (0.05, 0.5, 0.95))
    assert (q05 <= q50).all() and (q50 <= q95).all() and (q05 < q95).all()
    assert (ds["mean"] > q05).all() and (ds["mean"] < q95).all()
    assert ds.attrs["level"] == 0.9 and ds.attrs["horizon"] == 13


def test_forecast_matches_demo_truth(demo_plant, demo_fc) -> None:
    """Expected demand of the demo generator (trend x season x promo x index, x E[noise])."""
    truth = json.loads((DEMO / "truth.json").read_text())["demand"]
    weeks = pd.DatetimeIndex(demo_fc.ds["week"].values)
    drv = demo_plant.drivers.set_index("week").loc[weeks]
    t = np.arange(1, 14)  # weeks after the last history week
    season = np.sin(2 * np.pi * (weeks.day_of_year.to_numpy() - 80) / 365.25)
    for p, tr in truth.items():
        expected = (tr["base"] * (1 + tr["trend_per_year"] * t / 52)
                    * (1 + tr["season_amplitude"] * season)
                    * (1 + tr["promo_lift"] * drv["promo"].to_numpy())
                    * (drv["construction_index"].to_numpy() / 100) ** tr["index_elasticity"]
                    * np.exp(0.06**2 / 2))
        mean = demo_fc.ds["mean"].sel(product=p).values
        np.testing.assert_allclose(mean, expected, rtol=0.06, err_msg=p)


def test_synthetic_seasonal_series_recovered() -> None:
    """Pure annual season + Poisson noise, seed 2024: true weekly mean
    ``400 * (1 + 0.25 sin(2 pi doy / 365.25))`` [unit/week]; the driver is unrelated noise.
    Poisson noise is 5 % per week; the forecast mean must be within 3 % of the truth on
    average over the 13 weeks and within 6 % in every week (a seasonal-naive mean would be
    about 4 % off on average)."""
    rng = np.random.default_rng(2024)
    weeks = pd.date_range("2022-01-03", periods=156 + 13, freq="W-MON")
    truth = 400 * (1 + 0.25 * np.sin(2 * np.pi * weeks.day_of_year.to_numpy() / 365.25))
    demand = pd.DataFrame({"week": weeks[:156], "product": "P1",
                           "quantity": rng.poisson(truth[:156])})
    drivers = pd.DataFrame({"week": weeks, "unrelated": rng.normal(size=len(weeks))})
    bt = backtest(demand, drivers, origins=6)
    fc = forecast_demand(demand, drivers, backtest_result=bt)
    rel = fc.ds["mean"].sel(product="P1").values / truth[156:] - 1
    assert np.abs(rel).mean() < 0.03, rel
    assert np.abs(rel).max() < 0.06, rel
    iv = fc.ds["interval"].sel(product="P1").values
    assert ((truth[156:] > iv[:, 0]) & (truth[156:] < iv[:, 2])).all()


def test_seasonal_naive_hand_checked() -> None:
    """A series repeating one 52-week pattern exactly: forecast = the pattern, zero width."""
    weeks = pd.date_range("2023-01-02", periods=156 + 4, freq="W-MON")
    pattern = np.arange(52) % 7 + 10.0
    demand = pd.DataFrame({"week": weeks[:156], "product": "X",
                           "quantity": np.tile(pattern, 3)})
    drivers = pd.DataFrame({"week": weeks})
    fc = forecast_demand(demand, drivers, horizon=4, models=["seasonal_naive"])
    np.testing.assert_array_equal(fc.ds["mean"].sel(product="X"), pattern[:4])
    for qv in (0.05, 0.5, 0.95):
        np.testing.assert_array_equal(fc.ds["interval"].sel(product="X", quantile=qv),
                                      pattern[:4])
    assert fc.backtest.loc[0, "mase"] == 0.0 and fc.backtest.loc[0, "coverage"] == 1.0


def test_selection_rule_skips_badly_covered_model(demo_plant) -> None:
    """Lowest MASE wins only among models with coverage in [0.75, 0.99]; else lowest MASE."""
    products = list(pd.unique(demo_plant.demand["product"]))
    rows = []
    for i, p in enumerate(products):
        cov_sarimax = 0.60 if i % 2 == 0 else 0.90  # even: sarimax out of band
        cov_ets = 0.50 if i == 4 else 0.88  # last: nothing in band -> lowest MASE
        rows += [{"product": p, "model": "sarimax_exog", "mase": 0.5, "coverage": cov_sarimax,
                  "n": 10},
                 {"product": p, "model": "ets", "mase": 0.8, "coverage": cov_ets, "n": 10}]
    fc = forecast_demand(demo_plant.demand, demo_plant.drivers, models=("sarimax_exog", "ets"),
                         backtest_result=pd.DataFrame(rows))
    assert fc.chosen == {"CAB-S": "ets", "CAB-L": "sarimax_exog", "BRK-A": "ets",
                         "BRK-B": "sarimax_exog", "FRM-1": "sarimax_exog"}


def test_bad_inputs_are_explained(demo_plant) -> None:
    demand, drivers = demo_plant.demand, demo_plant.drivers
    with pytest.raises(ValueError, match="drivers do not cover 3 week") as info:
        forecast_demand(demand, drivers.iloc[:-3], backtest_result=pd.DataFrame())
    text = str(info.value)
    assert "2026-03-16" in text and "13-week horizon" in text and "add future rows" in text

    gap = drivers.drop(index=40)
    with pytest.raises(ValueError, match="drivers do not cover 1 week") as info:
        backtest(demand, gap)
    assert str(drivers.loc[40, "week"].date()) in str(info.value)

    holes = drivers.copy()
    holes.loc[100, "construction_index"] = np.nan
    with pytest.raises(ValueError, match=r"gaps\) in column\(s\) \['construction_index'\]"):
        forecast_demand(demand, holes)

    short = demand[demand["week"] >= demand["week"].max() - pd.Timedelta(weeks=89)]
    with pytest.raises(ValueError, match="'CAB-S' has 90 weeks") as info:
        forecast_demand(short, drivers)
    assert "at least 104 weeks" in str(info.value)

    for call in (backtest, forecast_demand):
        with pytest.raises(ValueError, match="unknown model name") as info:
            call(demand, drivers, models=("sarimax_exog", "prophet"))
        assert "'prophet'" in str(info.value)
        assert "['sarimax_exog', 'ets', 'seasonal_naive']" in str(info.value)

    missing_week = demand.drop(index=demand.index[(demand["product"] == "BRK-B")][10])
    with pytest.raises(ValueError, match="product 'BRK-B' has gaps"):
        backtest(missing_week, drivers)

    with pytest.raises(ValueError, match="level must be a probability"):
        forecast_demand(demand, drivers, level=90)

    one = pd.DataFrame({"product": "CAB-S", "model": list(CANDIDATES), "mase": 1.0,
                        "coverage": 0.9, "n": 1, "level": 0.9, "horizon": 13})
    with pytest.raises(ValueError, match=r"no rows for .*\('CAB-L', 'sarimax_exog'\)"):
        forecast_demand(demand, drivers, backtest_result=one)
    stale = pd.merge(one.drop(columns="product"),
                     pd.DataFrame({"product": pd.unique(demand["product"])}), how="cross")
    stale["level"] = 0.8
    with pytest.raises(ValueError, match=r"computed with level=\[0.8\].*level=0.9"):
        forecast_demand(demand, drivers, backtest_result=stale)


def test_reproducible(demo_plant, demo_bt, demo_fc) -> None:
    again = forecast_demand(demo_plant.demand, demo_plant.drivers, backtest_result=demo_bt)
    xr.testing.assert_identical(again.ds, demo_fc.ds)
    bt1 = backtest(demo_plant.demand, demo_plant.drivers, origins=2, models=("sarimax_exog",))
    bt2 = backtest(demo_plant.demand, demo_plant.drivers, origins=2, models=("sarimax_exog",))
    pd.testing.assert_frame_equal(bt1, bt2)
