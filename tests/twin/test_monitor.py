"""Monitoring finds injected faults in new telemetry and stays quiet on clean data."""

from __future__ import annotations

import numpy as np
import pytest

from twinbench.twin.monitor import anomaly_flags, drift_alerts, monitor_wear, wear_residuals
from twinbench.twin.wear import hourly_rate


@pytest.fixture(scope="module")
def reference(sim_plant):
    return wear_residuals(sim_plant.twin, sim_plant.history, sim_plant.history_events)


def test_reference_residuals_are_noise_sized(reference):
    # one-step residual of daily means: about sqrt(2) x the daily-mean noise (0.003)
    sd = float(reference.std())
    assert 0.002 < sd < 0.008
    assert abs(float(reference.mean())) < 0.001
    assert reference["day"].size > 200


def test_clean_new_data_raise_no_alert(sim_plant, reference):
    mon = monitor_wear(sim_plant.twin, sim_plant.new, sim_plant.new_events, reference)
    assert mon.alerts().empty, mon.alerts()
    assert mon.ds["residual"].attrs["units"] == "1"
    assert set(mon.ds.dims) == {"machine", "day"}


def test_injected_jump_and_acceleration_are_found(sim_plant, reference):
    bad = sim_plant.new.copy(deep=True)
    machines = list(bad["machine"].values)
    # a sudden +0.08 step of the wear reading of WELD2 on day 20 at 02:00
    i = machines.index("WELD2")
    bad["wear"][i, 20 * 24 + 2:] += 0.08
    # PRESS1 wears 60% faster than its physics from day 30 on
    j = machines.index("PRESS1")
    rate = hourly_rate(sim_plant.twin, sim_plant.new).sel(machine="PRESS1").values
    bad["wear"][j] += 0.6 * np.cumsum(np.where(np.arange(rate.size) >= 30 * 24, rate, 0.0))
    alerts = monitor_wear(sim_plant.twin, bad, sim_plant.new_events, reference).alerts()
    days = bad["time"].values[0].astype("datetime64[D]")
    jump = alerts[(alerts["machine"] == "WELD2") & (alerts["kind"] == "anomaly")]
    assert len(jump) == 1 and (jump["day"].iloc[0] - days).days == 20
    drift = alerts[(alerts["machine"] == "PRESS1") & (alerts["kind"] == "drift")]
    assert len(drift) >= 1
    first = (drift["day"].iloc[0] - days).days
    assert 30 < first <= 30 + 14, first  # found within the two-week window
    # nobody else is accused
    assert set(alerts["machine"]) == {"WELD2", "PRESS1"}


def test_generic_flags_on_a_plain_series():
    import xarray as xr

    rng = np.random.default_rng(0)
    ref = xr.DataArray(rng.normal(0, 1, 500), dims="day")
    new = xr.DataArray(rng.normal(0, 1, 200), dims="day")
    assert not bool(anomaly_flags(new, ref)["anomaly"].any())
    assert not bool(drift_alerts(new, ref)["drift"].any())
    new[50] = 9.0
    assert int(anomaly_flags(new, ref)["anomaly"].sum()) == 1
    new[100:] += 1.5
    drift = drift_alerts(new, ref)["drift"].values
    assert drift[120:].all() and not drift[:50].any()
