"""Real data intake: each bad-data case gives a clear error or a stated, reported repair.

Every case starts from 20 days of the demo plant (hourly from midnight) and is compared,
through :func:`twinbench.twin.calibrate.prepare`, with what that hourly data give: the
repair must give the same arrays (float tolerance), a refusal must say what was expected,
what was found and the fix. No sampling here.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.spec import spec_from_dict
from twinbench.twin.calibrate import CalibrationData, prepare
from twinbench.twin.exposure import HazardDesign
from twinbench.twin.intake import IntakeError, IntakeWarning, to_twin_grid

DAYS = 20


@pytest.fixture(scope="module")
def hourly(demo_plant) -> tuple[xr.Dataset, pd.DataFrame]:
    tele = demo_plant.telemetry.isel(time=slice(0, DAYS * 24)).copy(deep=True)
    end = pd.Timestamp(tele["time"].values[-1])
    ev = demo_plant.events
    return tele, ev[ev["start"] <= end].reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(demo_spec, hourly) -> CalibrationData:
    tele, ev = hourly
    return prepare(demo_spec, tele, ev)


def assert_same(a: CalibrationData, b: CalibrationData) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape, f.name
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, err_msg=f.name)
        elif isinstance(x, pd.DatetimeIndex | list):
            assert list(x) == list(y), f.name
        elif isinstance(x, int):
            assert x == y, f.name
        elif isinstance(x, HazardDesign):
            assert_same(x, y)
        elif isinstance(x, pd.DataFrame) and f.name == "events":
            pd.testing.assert_frame_equal(x, y)


def quarter_hourly(tele: xr.Dataset, jitter_min: float = 0.0, seed: int = 0) -> xr.Dataset:
    """Four samples an hour whose mean is the hourly value (offsets +d, -d, +e, -e)."""
    rng = np.random.default_rng(seed)
    t = pd.DatetimeIndex(tele["time"].values)
    offsets = [pd.Timedelta(minutes=15 * k) for k in range(4)]
    times = np.concatenate([(t + o).values for o in offsets])
    if jitter_min:
        times = times + (rng.uniform(0, jitter_min * 60, len(times)) * 1e6).astype(
            "timedelta64[us]")
    out = {}
    for name, da in tele.data_vars.items():
        v = da.transpose("machine", "time").values
        d = 0.01 * np.abs(v)
        parts = [v + d, v - d, v + 0.5 * d, v - 0.5 * d]
        out[name] = (("machine", "time"), np.concatenate(parts, axis=1), da.attrs)
    ds = xr.Dataset(out, coords={"machine": tele["machine"].values, "time": times})
    return ds.sortby("time")


def test_hourly_from_midnight_is_used_as_is(demo_spec, hourly):
    tele, _ = hourly
    grid, report = to_twin_grid(demo_spec, tele)
    assert grid is tele
    assert report.empty and report.sampling == "hourly"
    assert "used as is" in str(report)


def test_quarter_hourly_gives_the_hourly_calibration_data(demo_spec, hourly, reference):
    tele, ev = hourly
    q = quarter_hourly(tele)
    assert q.sizes["time"] == 4 * tele.sizes["time"]
    data = prepare(demo_spec, q, ev)
    assert_same(reference, data)
    rep = data.intake
    assert rep.sampling == "sub-hourly" and rep.step == pytest.approx(0.25)
    assert rep.rules["load"] == "mean of the samples in the hour"
    assert rep.hours == DAYS * 24 and rep.samples == 4 * DAYS * 24
    assert "binned to 480 hours" in str(rep)


def test_jittered_timestamps_give_the_hourly_calibration_data(demo_spec, hourly, reference):
    tele, ev = hourly
    data = prepare(demo_spec, quarter_hourly(tele, jitter_min=10.0, seed=3), ev)
    assert_same(reference, data)
    assert data.intake.sampling == "irregular"


def test_an_hour_without_samples_stays_missing(demo_spec, hourly):
    tele, _ = hourly
    q = quarter_hourly(tele)
    t = pd.DatetimeIndex(q["time"].values)
    q = q.isel(time=~((t >= "2025-01-03 05:00") & (t < "2025-01-03 06:00")))
    grid, report = to_twin_grid(demo_spec, q)
    hour = grid.sel(time="2025-01-03 05:00")
    assert np.isnan(hour["load"].values).all() and np.isnan(hour["wear"].values).all()
    assert report.empty_hours["load"] >= len(demo_spec.machines)


def test_state_variables_binned_by_their_maximum(demo_spec, hourly):
    tele, _ = hourly
    q = quarter_hourly(tele)
    alarm = np.zeros((q.sizes["machine"], q.sizes["time"]))
    alarm[0, 5] = 1.0  # one alarm sample in the second hour of the first machine
    q["alarm"] = (("machine", "time"), alarm)
    grid, report = to_twin_grid(demo_spec, q)
    assert float(grid["alarm"][0, 1]) == 1.0 and float(grid["alarm"].sum()) == 1.0
    assert "maximum" in report.rules["alarm"]


def test_daily_data_are_refused_with_the_fix(demo_spec, hourly):
    tele, _ = hourly
    daily = tele.resample(time="1D").mean()
    with pytest.raises(IntakeError, match=r"coarser than hourly.*every 24 h.*raw sensor"):
        to_twin_grid(demo_spec, daily)


def test_first_partial_day_is_cut_and_reported(demo_spec, hourly, reference):
    tele, ev = hourly
    late = tele.isel(time=slice(7, None))  # starts 07:00
    data = prepare(demo_spec, late, ev)
    assert data.hours[0] == pd.Timestamp("2025-01-02")
    assert len(data.hours) == (DAYS - 1) * 24
    assert data.intake.trimmed == (17, 0)
    assert "partial days cut: 17 time stamp(s) before 2025-01-02" in str(data.intake)
    np.testing.assert_allclose(data.log_load, reference.log_load[:, 24:])


def test_wear_in_percent_with_limit_100_matches_fractions(demo_spec, hourly, reference):
    tele, ev = hourly
    raw = copy.deepcopy(demo_spec.model_dump(mode="json"))
    for mt in raw["machine_types"]:
        mt["wear_limit"] = 100.0
    spec100 = spec_from_dict(raw)
    pct = tele.copy(deep=True)
    pct["wear"] = pct["wear"] * 100.0
    data = prepare(spec100, pct, ev)
    assert_same(reference, data)
    assert set(data.intake.wear_limits.values()) == {100.0}
    assert "wear divided by its type's wear_limit (100)" in str(data.intake)
    assert not data.intake.suspicious_wear


def test_wear_far_above_the_limit_is_reported(demo_spec, hourly):
    tele, _ = hourly
    pct = tele.copy(deep=True)
    pct["wear"] = pct["wear"] * 100.0  # percent, but the spec's limit is 1
    _, report = to_twin_grid(demo_spec, pct)
    assert set(report.suspicious_wear) == {m for m in demo_spec.machines
                                           if float(pct["wear"].sel(machine=m).max()) > 3}
    assert report.suspicious_wear
    assert "suspicious wear" in str(report) and "wear_limit" in str(report)


@pytest.mark.parametrize("var", ["load", "temperature", "wear"])
def test_a_missing_variable_is_named(demo_spec, hourly, var):
    tele, _ = hourly
    with pytest.raises(IntakeError, match=rf"lacks the variable\(s\) \['{var}'\]"):
        to_twin_grid(demo_spec, tele.drop_vars(var))


def test_a_machine_without_readings_is_named_with_the_fix(demo_spec, hourly):
    tele, _ = hourly
    blank = tele.copy(deep=True)
    blank["temperature"].loc[{"machine": "PRESS1"}] = np.nan
    with pytest.raises(IntakeError, match=r"'temperature' is missing.*\['PRESS1'\].*Remove"):
        to_twin_grid(demo_spec, blank)
    with pytest.raises(IntakeError, match=r"\['WELD2'\] of the spec have no telemetry"):
        to_twin_grid(demo_spec, tele.drop_sel(machine="WELD2"))


def test_a_failure_far_from_a_wear_reading_is_counted_and_reported(demo_spec, hourly,
                                                                   reference):
    tele, ev = hourly
    fail = ev[ev["kind"] == "failure"].iloc[0]
    h = int((fail["start"] - pd.Timestamp(tele["time"].values[0])) / pd.Timedelta(hours=1))
    gap = tele.copy(deep=True)
    i = list(gap["machine"].values).index(fail["machine"])
    gap["wear"][i, h - 10:h + 3] = np.nan  # no reading from 10 h before to 3 h after
    with pytest.warns(IntakeWarning, match=rf"1 failure\(s\) with no wear reading.*"
                                           rf"latent wear.*{fail['machine']}"):
        data = prepare(demo_spec, gap, ev)
    # still counted by the failure likelihood (at the model's latent wear), not dropped
    assert data.hazard.fail_count.sum() == reference.hazard.fail_count.sum()
    assert len(data.fail_wear) == len(reference.fail_wear)
    assert np.isnan(data.fail_wear).sum() == 1
    assert data.intake.unused_failures.empty
    row = data.intake.failures_without_reading.iloc[0]
    assert row["machine"] == fail["machine"] and row["time"] == fail["start"]
    assert row["hours_to_reading"] == 3.0  # the reading at h + 3 is the nearest


def test_a_type_that_never_ran_is_flagged_not_nan(demo_spec, hourly):
    tele, ev = hourly
    idle = tele.copy(deep=True)
    idle["load"].loc[{"machine": "TEST1"}] = 0.0
    with pytest.warns(IntakeWarning, match=r"\['test_rig'\] never ran.*prior"):
        data = prepare(demo_spec, idle, ev)
    assert data.intake.types_without_running == ["test_rig"]
    assert np.isfinite(data.log_load_centre).all() and np.isfinite(data.inv_temp_centre).all()


def test_a_type_that_never_ran_gets_a_finite_forecast(demo_spec, hourly):
    """Prior draws stand in for a posterior (no sampling): the forecast is not NaN."""
    import warnings

    import pymc as pm

    from twinbench.twin.calibrate import CalibratedTwin, build_model
    from twinbench.twin.rul import forecast_failures

    tele, ev = hourly
    idle = tele.copy(deep=True)
    idle["load"].loc[{"machine": "TEST1"}] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare(demo_spec, idle, ev)
        with build_model(data):
            draws = pm.sample_prior_predictive(draws=50, random_seed=1).prior
    diag = pd.DataFrame({"parameter": ["none"], "r_hat": [np.nan], "ess_bulk": [np.nan],
                         "ess_tail": [np.nan]})
    twin = CalibratedTwin(draws, diag, data, demo_spec, {"chains": 1})
    risk = forecast_failures(twin, horizon=48)
    assert np.isfinite(risk["failure_probability"].sel(machine="TEST1")).all()
    assert np.isfinite(risk["wear"].sel(machine="TEST1")).all()
