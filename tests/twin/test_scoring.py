"""Failure and RUL forecasts scored against what happened on held-out history.

The twin of the shared simulated plant is calibrated on its first 240 days; on the
following 60 days, forecasts are made every 2 days (rolling origin, data before the origin
only) for a 7-day horizon. The twin must beat both baselines -- a constant hazard per
machine and a Weibull in running hours per machine type -- on the Brier score of the
failure probability and on the concordance of its median RUL with the observed times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.twin.baselines import fit_weibull
from twinbench.twin.scoring import (
    concordance_index,
    forecast_outcomes,
    reliability_table,
    score_forecasts,
)


@pytest.fixture(scope="module")
def outcomes(sim_plant, demo_spec):
    tele = xr.concat([sim_plant.history, sim_plant.new], dim="time")
    events = pd.concat([sim_plant.history_events, sim_plant.new_events], ignore_index=True)
    cut = pd.Timestamp(sim_plant.new["time"].values[0])
    origins = list(pd.date_range(cut, periods=27, freq="2D"))
    return forecast_outcomes(demo_spec, sim_plant.twin, sim_plant.history,
                             sim_plant.history_events, tele, events, origins)


def test_twin_beats_both_baselines_on_held_out_history(outcomes):
    scores = score_forecasts(outcomes).set_index("method")
    print(scores.to_string())
    assert set(scores.index) == {"twin", "constant hazard", "Weibull per type"}
    assert scores.loc["twin", "failures"] >= 10  # enough outcomes to score
    for base in ("constant hazard", "Weibull per type"):
        assert scores.loc["twin", "brier"] < scores.loc[base, "brier"], base
        assert scores.loc["twin", "concordance"] > scores.loc[base, "concordance"], base
    assert scores.loc["twin", "concordance"] > 0.6
    # the twin's 90% RUL intervals cover most decided cases
    assert scores.loc["twin", "coverage90"] >= 0.7, scores.loc["twin"]


def test_reliability_table_is_consistent(outcomes):
    rel = reliability_table(outcomes)
    print(rel.to_string())
    per = rel.groupby("method")["n"].sum()
    assert (per == outcomes.groupby("method").size()).all()
    assert rel["mean_forecast"].between(0, 1).all()
    assert rel["observed_frequency"].between(0, 1).all()


def test_forecasts_read_no_event_after_their_origin(outcomes):
    # every outcome is in the future of its origin; every forecast is a probability
    assert (outcomes["time"] >= 0).all()
    assert outcomes["p_fail"].between(0, 1).all()
    assert (outcomes["rul_q05"] <= outcomes["rul_q95"]).all()


def test_concordance_by_hand():
    t = np.array([5.0, 10.0, 20.0, 30.0])
    e = np.array([True, True, False, True])
    # comparable pairs (the shorter time an observed failure): (0,1) (0,2) (0,3) (1,2)
    # (1,3); machine 2 is censored, so it starts no pair
    pred = np.array([1.0, 4.0, 3.0, 3.5])
    # (0,1) (0,2) (0,3) ordered right, (1,2) and (1,3) wrong: 3 of 5
    assert concordance_index(t, pred, e) == pytest.approx(3 / 5)
    assert concordance_index(t, t, e) == 1.0


def test_weibull_fit_recovers_known_parameters():
    rng = np.random.default_rng(5)
    life = 800.0 * rng.weibull(2.0, 3000)
    censor = rng.uniform(0, 2000, 3000)
    dur = np.minimum(life, censor)
    shape, scale = fit_weibull(dur, life <= censor)
    assert shape == pytest.approx(2.0, rel=0.06)
    assert scale == pytest.approx(800.0, rel=0.04)
    with pytest.raises(ValueError, match="at least one failure"):
        fit_weibull(dur, np.zeros(3000, dtype=bool))
