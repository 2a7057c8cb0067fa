"""Scenarios: typed edits, clear errors naming the edit and the field, content ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.data.plant import load_plant
from twinbench.scenarios import Scenario, ScenarioError, load_scenarios, scenarios_from_dict
from twinbench.scenarios.edits import (
    AddMachines,
    AddShift,
    BufferChange,
    DemandChange,
    EnergyPrice,
    MachineDown,
    NewOrder,
    ProcessingTime,
    SupplierDelay,
    SupplierLoss,
)


@pytest.fixture(scope="module")
def plant():
    return load_plant()


def test_bad_file_names_edit_and_field(plant, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
seed: 3
scenarios:
  - name: a
    edits:
      - {kind: machine_down, machine: WELD9, start: 2026-01-06 06:00, duration: 16 h}
  - name: b
    edits:
      - {kind: supplier_delay, supplier: S2, delay: 2 kg}
  - name: c
    edits:
      - {kind: energy_price, factor: 1.2}
      - {kind: teleport, x: 1}
  - name: d
    edits: [{kind: add_shift, name: night, start: "22:00", end: "06:00", dayz: [Mon]}]
  - name: e
    edits: [{machine: WELD1}]
  - name: a
    edits: [{kind: add_machines, station: WELD, count: -3}]
""")
    with pytest.raises(ScenarioError) as err:
        load_scenarios(path, plant.spec)
    locs = dict(err.value.problems)
    assert "unknown machine 'WELD9'" in locs["scenarios[0].edits[0] (machine_down).machine"]
    assert "expected a time unit" in locs["scenarios[1].edits[0] (supplier_delay).delay"]
    assert "unknown kind 'teleport'" in locs["scenarios[2].edits[1]"]
    assert "check the spelling" in locs["scenarios[3].edits[0] (add_shift).dayz"]
    assert "missing field 'kind'" in locs["scenarios[4].edits[0]"]
    assert "would leave none" in locs["scenarios[5].edits[0] (add_machines).count"]
    assert "duplicate name 'a'" in locs["scenarios[5].name"]
    assert str(path) in str(err.value) and "invalid scenarios" in str(err.value)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_scenarios(tmp_path / "nope.yaml", plant.spec)
    with pytest.raises(ScenarioError, match="'scenarios' and/or 'sweeps' list"):
        scenarios_from_dict("hello", plant.spec)


@pytest.mark.parametrize(("shift", "adds"), [
    # the demo line works Mon-Fri 06:00-22:00 (early 06-14, late 14-22)
    (("x", "14:00", "22:00", ["Fri"]), False),  # the late shift already
    (("x", "08:00", "12:00", ["Mon", "Wed"]), False),  # inside the early shift
    (("x", "20:00", "23:00", ["Mon"]), True),  # one hour after the late shift
    (("x", "06:00", "14:00", ["Sat"]), True),
    (("x", "22:00", "06:00", ["Sun"]), True),  # Sunday night into Monday 06:00
])
def test_added_shift_must_add_working_time(plant, shift, adds):
    from twinbench.scenarios.edit_checks import check_edits

    name, start, end, days = shift
    probs = check_edits([AddShift(name=name, start=start, end=end, days=days)], plant.spec)
    assert (not probs) == adds, probs
    if not adds:
        assert "adds no working time" in probs[0][1] and "already cover" in probs[0][1]
    # a second shift covered only by the first added one is refused too
    night = AddShift(name="n1", start="22:00", end="06:00", days=["Mon"])
    again = AddShift(name="n2", start="23:00", end="05:00", days=["Mon"])
    probs = check_edits([night, again], plant.spec)
    assert [loc for loc, _ in probs] == ["edits[1] (add_shift)"] and "n1" in probs[0][1]


def test_shift_week_minutes_hand_checked():
    from twinbench.spec.calendar import Shift

    s = Shift(name="n", start="22:00", end="06:00", days=["Sun"])
    m = s.week_minutes()
    assert len(m) == 8 * 60 and 6 * 1440 + 22 * 60 in m and 0 in m and 6 * 60 - 1 in m
    assert 6 * 60 not in m  # Monday 06:00 is the end, not in the shift


def test_scenario_id_is_content(plant):
    a = Scenario(name="a", edits=[SupplierDelay(supplier="S2", delay="14 d")], seed=1)
    b = Scenario(name="b", description="same change", edits=[
        SupplierDelay(supplier="S2", delay=336.0)], seed=1)
    c = Scenario(name="a", edits=[SupplierDelay(supplier="S2", delay="15 d")], seed=1)
    base = plant.spec.content_hash()
    assert a.scenario_id(base) == b.scenario_id(base)
    assert a.scenario_id(base) != c.scenario_id(base)
    assert a.scenario_id(base) != a.model_copy(update={"seed": 2}).scenario_id(base)
    assert a.scenario_id(base) != a.scenario_id("other plant")
    assert len(a.scenario_id(base)) == 16


def test_spec_edits_apply_and_revalidate(plant):
    sc = Scenario(name="x", edits=[
        SupplierDelay(supplier="S2", delay="14 d"),
        AddMachines(station="WELD", count=1),
        EnergyPrice(factor=1.5),
        AddShift(name="night", start="22:00", end="06:00"),
        BufferChange(station="ASSY", capacity=5),
        ProcessingTime(station="WELD", product="CAB-L", factor=0.5)])
    sc.check(plant.spec)
    spec = sc.apply_spec(plant.spec)
    s2 = {s.name: s for s in spec.suppliers}["S2"]
    assert s2.lead_time == pytest.approx(14 * 24 + 14 * 24)
    assert spec.station_map["WELD"].machine_ids[-1] == "WELD4"
    assert spec.energy.base_price == pytest.approx(0.21)
    assert [p.price for p in spec.energy.periods] == pytest.approx([0.15, 0.36])
    assert [s.name for s in spec.calendar.shifts][-1] == "night"
    assert spec.buffer_capacity("ASSY") == 5
    weld = next(st for st in spec.product_map["CAB-L"].routing if st.station == "WELD")
    assert weld.time.mean == pytest.approx(10 / 60)
    other = next(st for st in spec.product_map["CAB-S"].routing if st.station == "WELD")
    assert other.time.mean == pytest.approx(14 / 60)
    # the base is untouched
    assert len(plant.spec.station_map["WELD"].machine_ids) == 3


def test_orders_forecast_supply_and_downtime_edits(plant):
    sc = Scenario(name="x", edits=[
        NewOrder(order_id="RUSH1", product="CAB-L", quantity=40,
                 release="2026-01-05 06:00", due="2026-01-09 14:00", region="east"),
        DemandChange(product="BRK-A", factor=1.2, first_week=2, last_week=4),
        SupplierLoss(supplier="S4", first_week=3, weeks=2),
        MachineDown(machine="WELD2", start="2026-01-06 06:00", duration="16 h")])
    edited = sc.apply_plant(plant)
    assert len(edited.orders) == len(plant.orders) + 1
    assert edited.orders.iloc[-1]["order_id"] == "RUSH1"
    weeks = pd.date_range("2026-01-05", periods=13, freq="7D")
    ds = xr.Dataset({"mean": (("product", "week"), np.ones((2, 13))),
                     "interval": (("product", "week", "quantile"), np.ones((2, 13, 3)))},
                    coords={"product": ["BRK-A", "CAB-L"], "week": weeks,
                            "quantile": [0.05, 0.5, 0.95]})
    out = sc.apply_forecast(ds)
    np.testing.assert_allclose(out["mean"].sel(product="BRK-A").values,
                               [1, 1, 1.2, 1.2, 1.2] + [1] * 8)
    np.testing.assert_allclose(out["mean"].sel(product="CAB-L").values, 1.0)
    sup = xr.DataArray(np.ones((2, 2, 8)), dims=("scenario", "supplier", "period"),
                       coords={"supplier": ["S1", "S4"]})
    cut = sc.apply_supply(sup)
    np.testing.assert_allclose(cut.sel(supplier="S4").values[0], [1, 1, 1, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(cut.sel(supplier="S1").values, 1.0)
    down = sc.downtime(plant.spec)
    assert down.iloc[0]["machine"] == "WELD2"
    assert down.iloc[0]["end"] - down.iloc[0]["start"] == pd.Timedelta(hours=16)
    dup = Scenario(name="y", edits=[NewOrder(order_id="O0001", product="CAB-L", quantity=1,
                                             release="2026-01-05", due="2026-01-09")])
    with pytest.raises(ValueError, match="order id 'O0001' already exists"):
        dup.apply_plant(plant)
