"""Failure probability and remaining useful life from the posterior (hazard physics)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twinbench.twin.rul import forecast_failures


def test_constant_hazard_matches_the_exponential_law(sim_plant):
    twin = sim_plant.twin
    post = twin.posterior.copy()
    post["hazard_wear"] = post["hazard_wear"] * 0.0
    post["log_hazard_base"] = post["log_hazard_base"] * 0.0 + np.log(1e-3)
    flat = dataclasses.replace(twin, posterior=post)
    fc = forecast_failures(flat, horizon=28 * 24, seed=3)
    run_h = float(fc["running"].sum())
    expected = 1 - np.exp(-1e-3 * run_h)
    np.testing.assert_allclose(fc["failure_probability"].isel(time=-1).values, expected,
                               rtol=1e-9)
    # the RUL draws follow the same law: share of failures inside the horizon
    share = np.isfinite(fc["rul"].values).mean()
    n = fc["rul"].size
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_probability_rises_with_time_and_wear(sim_plant):
    fc = forecast_failures(sim_plant.twin, horizon=14 * 24, seed=1)
    p = fc["failure_probability"].values
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p, axis=1) >= -1e-12).all()
    assert fc["rul"].attrs["units"] == "h" and fc["failure_probability"].attrs["units"] == "1"
    wear_now = sim_plant.twin.posterior["wear_now"].mean(("chain", "draw")).values
    hz = sim_plant.twin.posterior["hazard_wear"].mean(("chain", "draw")).values
    # within one machine type, the more worn machine is more likely to fail
    types = sim_plant.twin.data.types
    for k in np.unique(types):
        idx = np.flatnonzero(types == k)
        if len(idx) > 1 and hz[k] > 1:
            order = idx[np.argsort(wear_now[idx])]
            assert p[order[-1], -1] > p[order[0], -1]
    q = fc["rul_quantile"].values
    assert (q[:, 1:] >= q[:, :-1]).all()


def test_unknown_machine_in_planned_load(sim_plant):
    with pytest.raises(ValueError, match="unknown machines"):
        forecast_failures(sim_plant.twin, load={"PRESS7": 0.5})
