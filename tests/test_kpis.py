"""Headline KPIs of a supply plan on tiny hand-made results."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from twinbench.kpis import Bottleneck, bottleneck, mean_fill_rate


def _plan(fill, probability) -> xr.Dataset:
    return xr.Dataset({"fill_rate": (("scenario", "product"), fill),
                       "probability": ("scenario", probability)},
                      coords={"scenario": [0, 1], "product": ["A", "B"]})


def test_fill_rate_weights_scenarios_by_probability():
    # (0.25 * (1.0 + 0.5) + 0.75 * (0.8 + 0.6)) / 2 = (0.375 + 1.05) / 2
    ds = _plan([[1.0, 0.5], [0.8, 0.6]], [0.25, 0.75])
    assert mean_fill_rate(ds) == pytest.approx(0.7125)


def test_fill_rate_leaves_out_products_without_demand():
    # B has no demand in scenario 1: (0.25 * 1.0 + 0.25 * 0.5 + 0.75 * 0.8) / 1.25
    ds = _plan([[1.0, 0.5], [0.8, np.nan]], [0.25, 0.75])
    assert mean_fill_rate(ds) == pytest.approx(0.78)


def test_fill_rate_all_delivered_is_one():
    assert mean_fill_rate(_plan([[1.0, 1.0], [1.0, 1.0]], [0.5, 0.5])) == 1.0


def test_bottleneck_sums_hour_values_over_the_horizon():
    # CUT 1 + 2 = 3, WELD 0.5 + 4 = 4.5, PAINT 3 + 0 = 3 [EUR/h]
    ds = xr.Dataset({"station_hour_value": (("station", "period"),
                                            [[1.0, 2.0], [0.5, 4.0], [3.0, 0.0]])},
                    coords={"station": ["CUT", "WELD", "PAINT"], "period": [0, 1]})
    top = bottleneck(ds)
    assert top == Bottleneck("WELD", 4.5)
    assert isinstance(top.station, str) and isinstance(top.hour_value, float)


def test_bottleneck_tie_goes_to_the_first_station():
    ds = xr.Dataset({"station_hour_value": (("station", "period"), [[2.0, 1.0], [1.0, 2.0]])},
                    coords={"station": ["CUT", "WELD"]})
    assert bottleneck(ds).station == "CUT"


def test_missing_results_are_named():
    with pytest.raises(KeyError, match="station_hour_value"):
        bottleneck(_plan([[1.0, 1.0], [1.0, 1.0]], [0.5, 0.5]))
    with pytest.raises(KeyError, match="probability"):
        mean_fill_rate(xr.Dataset({"fill_rate": ("scenario", [1.0])}))
