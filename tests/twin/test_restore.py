"""Maintenance effects estimated by the twin, and used in its failure forecast (issue 19).

The shared simulated plant's generator records the true wear just before and after each
event (``true_wear_before``, ``true_wear_after``). The twin estimates both on its latent
wear path; the 90 % interval of each event's restore fraction ``1 - after / before`` must
hold the true one for at least 75 % of the events (90 % expected; events in short
segments have few readings), and the intervals must be informative (median width under
0.3, where the prior's is about 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twinbench.twin.restore import restore_draws, restore_summary
from twinbench.twin.rul import forecast_failures


@pytest.fixture(scope="module")
def events(sim_plant) -> pd.DataFrame:
    twin = sim_plant.twin
    ev = twin.data.hazard.events.copy()
    q = twin.posterior["event_restore"].quantile([0.05, 0.5, 0.95], dim=("chain", "draw"))
    ev["q05"], ev["q50"], ev["q95"] = (q.sel(quantile=p).values for p in (0.05, 0.5, 0.95))
    true = sim_plant.history_events.rename(columns={"start": "time"})
    true["true"] = 1 - true["true_wear_after"] / true["true_wear_before"]
    return ev.merge(true[["machine", "time", "true"]], on=["machine", "time"], how="left")


def test_each_events_restore_is_recovered(events, demo_spec):
    assert len(events) > 20 and events["true"].notna().all()
    inside = (events["q05"] <= events["true"]) & (events["true"] <= events["q95"])
    assert inside.mean() >= 0.75, events[~inside].to_string()
    known = events[events["identified"]]
    assert len(known) >= 0.8 * len(events)
    assert (known["q95"] - known["q05"]).median() < 0.3
    # both kinds are there and told apart: maintenance removes the type's share (0.9 or
    # 0.95 in this spec), a repair all of it
    spec = {(j, "maintenance"): mt.maintenance_restore
            for j, mt in enumerate(demo_spec.machine_types)}
    spec.update({(j, "failure"): mt.repair_restore
                 for j, mt in enumerate(demo_spec.machine_types)})
    err = known["q50"] - [spec[k] for k in zip(known["type"], known["kind"], strict=True)]
    assert set(known["kind"]) == {"maintenance", "failure"}
    assert err.abs().median() < 0.02, known.assign(err=err).to_string()


def test_summary_per_type_names_the_spec_value(sim_plant, demo_spec):
    table = restore_summary(sim_plant.twin)
    assert set(table["kind"]) == {"maintenance", "failure"}
    assert (table["lower"] <= table["mean"]).all() and (table["mean"] <= table["upper"]).all()
    spec = {mt.name: mt.maintenance_restore for mt in demo_spec.machine_types}
    maint = table[table["kind"] == "maintenance"]
    assert maint["spec"].tolist() == [spec[t] for t in maint["machine_type"]]
    ev = sim_plant.twin.data.hazard.events
    assert maint["events"].sum() == (ev["identified"] & (ev["kind"] == "maintenance")).sum()
    assert table.attrs["left_out"] == (~ev["identified"]).sum()


def test_planned_maintenance_cuts_wear_by_the_estimated_effect(sim_plant, demo_spec):
    twin = sim_plant.twin
    base = forecast_failures(twin, horizon=10 * 24, seed=1, max_draws=200)
    worn = str(base["wear"].sel(quantile=0.5).isel(time=0).idxmax("machine").values)
    start = pd.Timestamp(base["time"].values[0])
    at = start + pd.Timedelta(hours=30)
    cut = forecast_failures(twin, horizon=10 * 24, seed=1, max_draws=200,
                            maintenance={worn: at})
    assert "past maintenance event(s) of its type" in cut.attrs["maintenance_effect"]
    # other machines are untouched
    others = [m for m in twin.data.machines if m != worn]
    np.testing.assert_array_equal(cut["failure_probability"].sel(machine=others),
                                  base["failure_probability"].sel(machine=others))
    # before the stop the same; after it the wear is (1 - r) of what it was, r drawn from
    # the twin's estimates of past maintenance (about 0.9 here)
    w0 = base["wear"].sel(machine=worn, quantile=0.5)
    w1 = cut["wear"].sel(machine=worn, quantile=0.5)
    t_m = 30
    np.testing.assert_allclose(w1[:t_m], w0[:t_m])
    dur = int(np.ceil(demo_spec.physics_of(worn).maintenance_duration))
    assert float(w1[t_m + dur - 1]) == pytest.approx(0.1 * float(w0[t_m - 1]), abs=0.03)
    # down for the maintenance: no wear and no risk accrue then
    p1 = cut["failure_probability"].sel(machine=worn).values
    np.testing.assert_allclose(p1[t_m:t_m + dur], p1[t_m - 1])
    assert p1[-1] < base["failure_probability"].sel(machine=worn).values[-1]


def test_bad_maintenance_is_refused_with_the_fix(sim_plant):
    twin = sim_plant.twin
    with pytest.raises(ValueError, match=r"unknown machine 'NOPE'"):
        forecast_failures(twin, horizon=48, maintenance={"NOPE": "2025-09-01"})
    with pytest.raises(ValueError, match=r"outside the horizon.*plan it inside"):
        forecast_failures(twin, horizon=48, maintenance={twin.data.machines[0]: "2031-01-01"})
    with pytest.raises(ValueError, match=r"unknown kind of event 'overhaul'"):
        restore_draws(twin, twin.data.machines[0], "overhaul", 5, np.random.default_rng(0))
