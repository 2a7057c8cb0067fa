"""A small simulated plant shared by the twin tests: 300 days of the demo line's physics.

The first 240 days calibrate the twin; the last 60 days are "new" data for monitoring and
backtests. Simulated with a seed of its own, so no test sees the data it was tuned on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
import xarray as xr

from twinbench.data.demo import simulate_plant

HISTORY_DAYS = 240
NEW_DAYS = 60


@dataclass
class SimPlant:
    history: xr.Dataset
    history_events: pd.DataFrame
    new: xr.Dataset
    new_events: pd.DataFrame
    truth: dict
    twin: object


@pytest.fixture(scope="session")
def sim_plant(demo_spec) -> SimPlant:
    from twinbench.twin.calibrate import calibrate

    tele, events, truth = simulate_plant(demo_spec, seed=11, days=HISTORY_DAYS + NEW_DAYS)
    cut = pd.Timestamp("2025-01-01") + pd.Timedelta(days=HISTORY_DAYS)
    hist = tele.sel(time=slice(None, cut - pd.Timedelta(hours=1)))
    new = tele.sel(time=slice(cut, None))
    ev_h = events[events["start"] < cut].reset_index(drop=True)
    ev_n = events[events["start"] >= cut].reset_index(drop=True)
    twin = calibrate(demo_spec, hist, ev_h, draws=400, tune=400, seed=5)
    return SimPlant(hist, ev_h, new, ev_n, truth, twin)
