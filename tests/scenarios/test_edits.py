"""Planner edits (supplier capacity/price/reliability, lead time, spot price, DC status) and
the plan-window check of weeks and dates; expectations worked out by hand from the demo."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.optimize.supply.network import load_network
from twinbench.scenarios import Scenario, ScenarioError, scenarios_from_dict
from twinbench.scenarios.edit_checks import check_edits, check_horizon, plan_window
from twinbench.scenarios.edits import (
    DcStatus,
    DemandChange,
    LeadTime,
    MachineDown,
    NewOrder,
    SpotPrice,
    SupplierCapacity,
    SupplierDelay,
    SupplierLoss,
    SupplierPrice,
    SupplierReliability,
)

# 13 weekly periods from Monday 2026-01-05: weeks 0-12, last day Sunday 2026-04-05
PERIODS = pd.date_range("2026-01-05", periods=13, freq="7D")
WINDOW = "weeks 0-12 (2026-01-05 to 2026-04-05)"


@pytest.fixture
def spec_dict(demo_spec):
    return copy.deepcopy(demo_spec.model_dump(mode="json"))


@pytest.fixture(scope="module")
def network(demo_plant):
    return load_network(demo_plant.root / "network.yaml", demo_plant.spec)


def _supplier(spec: dict, name: str) -> dict:
    return next(s for s in spec["suppliers"] if s["name"] == name)


def _problems(edits: list, spec, network=None) -> dict[str, str]:
    return dict(check_edits(edits, spec, network))


# -- the demo's suppliers (plant.yaml): S1 10 d, 40000/week, 0.97, steel 1.10 / 2.40 EUR;
#    S2 14 d; S3 7 d (powder 6.50 EUR); S4 35 d ------------------------------------------
def test_supplier_capacity_absolute_and_factor(spec_dict):
    out = SupplierCapacity(supplier="S1", capacity=25000).apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(out, "S1")["capacity"] == 25000
    out = SupplierCapacity(supplier="S1", factor=0.5).apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(out, "S1")["capacity"] == pytest.approx(20000)   # 40000 x 0.5
    assert _supplier(out, "S2")["capacity"] == _supplier(spec_dict, "S2")["capacity"]


def test_supplier_capacity_needs_exactly_one_value(demo_spec):
    for edit in ({"kind": "supplier_capacity", "supplier": "S1"},
                 {"kind": "supplier_capacity", "supplier": "S1", "capacity": 1, "factor": 2}):
        with pytest.raises(ScenarioError) as err:
            scenarios_from_dict([{"name": "a", "edits": [edit]}], demo_spec)
        (loc, msg), = err.value.problems
        assert loc.startswith("scenarios[0].edits[0] (supplier_capacity)")
        assert "exactly one of capacity [unit/week] or factor" in msg
    with pytest.raises(ScenarioError, match=r"capacity"):
        scenarios_from_dict([{"name": "a", "edits": [
            {"kind": "supplier_capacity", "supplier": "S1", "capacity": -5}]}], demo_spec)


def test_supplier_price_one_material_or_all(spec_dict):
    out = SupplierPrice(supplier="S1", factor=1.5, material="steel_tube").apply_spec(
        copy.deepcopy(spec_dict))
    assert _supplier(out, "S1")["prices"] == pytest.approx(
        {"steel_sheet": 1.10, "steel_tube": 3.60})                       # 2.40 x 1.5
    out = SupplierPrice(supplier="S1", factor=2).apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(out, "S1")["prices"] == pytest.approx(
        {"steel_sheet": 2.20, "steel_tube": 4.80})
    assert _supplier(out, "S2")["prices"] == _supplier(spec_dict, "S2")["prices"]


def test_supplier_price_material_must_be_sold_by_the_supplier(demo_spec):
    p = _problems([SupplierPrice(supplier="S1", factor=2, material="powder"),
                   SupplierPrice(supplier="S1", factor=2, material="gold")], demo_spec)
    assert p["edits[0] (supplier_price).material"] == (
        "supplier 'S1' does not sell 'powder'; allowed: ['all', 'steel_sheet', 'steel_tube']")
    assert p["edits[1] (supplier_price).material"].startswith("unknown material 'gold'")
    assert "'powder'" in p["edits[1] (supplier_price).material"]


def test_supplier_reliability(spec_dict, demo_spec):
    out = SupplierReliability(supplier="S2", reliability="60 %").apply_spec(spec_dict)
    assert _supplier(out, "S2")["reliability"] == pytest.approx(0.6)
    with pytest.raises(ScenarioError, match=r"reliability"):
        scenarios_from_dict([{"name": "a", "edits": [
            {"kind": "supplier_reliability", "supplier": "S2", "reliability": 1.2}]}],
            demo_spec)


def test_unknown_supplier_names_edit_field_and_allowed(demo_spec):
    edits = [SupplierCapacity(supplier="S9", factor=2), SupplierPrice(supplier="S9", factor=2),
             SupplierReliability(supplier="S9", reliability=0.5),
             LeadTime(supplier="S9", lead_time="3 d")]
    p = _problems(edits, demo_spec)
    for i, kind in enumerate(["supplier_capacity", "supplier_price", "supplier_reliability",
                              "lead_time"]):
        assert p[f"edits[{i}] ({kind}).supplier"] == (
            "unknown supplier 'S9'; allowed: ['S1', 'S2', 'S3', 'S4']")


# -- lead times and delays ------------------------------------------------------------
def test_delay_zero_is_no_change_and_minus_two_days_is_48_h_earlier(spec_dict, demo_spec):
    same = SupplierDelay(supplier="S2", delay="0 d").apply_spec(copy.deepcopy(spec_dict))
    assert same == spec_dict
    early = SupplierDelay(supplier="S2", delay="-2 d").apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(early, "S2")["lead_time"] == 14 * 24 - 48                 # 288 h
    sc = Scenario(name="early", edits=[SupplierDelay(supplier="S2", delay="-2 d")])
    assert {s.name: s.lead_time for s in sc.apply_spec(demo_spec).suppliers}["S2"] == 288
    assert _problems(sc.edits, demo_spec) == {}


def test_delay_may_not_make_the_lead_time_zero_or_negative(spec_dict, demo_spec):
    # S3 has 7 d = 168 h: 7 d earlier would be 0 h
    bad = SupplierDelay(supplier="S3", delay="-7 d")
    p = _problems([bad], demo_spec)
    assert p["edits[0] (supplier_delay).delay"] == (
        "supplier 'S3': lead time 168 h would become 0 h; it must stay above 0 h "
        "(deliveries can come less than 168 h earlier)")
    with pytest.raises(ValueError, match="supplier_delay: supplier 'S3': lead time 168 h"):
        bad.apply_spec(spec_dict)
    # two edits add up: -4 d then -4 d on S3 leaves -24 h
    p = _problems([SupplierDelay(supplier="S3", delay="-4 d"),
                   LeadTime(supplier="S3", change="-4 d")], demo_spec)
    assert list(p) == ["edits[1] (lead_time).change"]
    assert "lead time 72 h would become -24 h" in p["edits[1] (lead_time).change"]


def test_lead_time_new_value_or_change(spec_dict):
    out = LeadTime(supplier="S4", lead_time="20 d").apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(out, "S4")["lead_time"] == 480
    out = LeadTime(supplier="S4", change="-5 d").apply_spec(copy.deepcopy(spec_dict))
    assert _supplier(out, "S4")["lead_time"] == 35 * 24 - 120                   # 720 h
    assert LeadTime(supplier="S4", change=0).apply_spec(copy.deepcopy(spec_dict)) == spec_dict


def test_lead_time_refuses_zero_and_two_values(demo_spec):
    items = [{"kind": "lead_time", "supplier": "S1", "lead_time": "0 h"},
             {"kind": "lead_time", "supplier": "S1", "lead_time": "2 d", "change": "1 d"},
             {"kind": "lead_time", "supplier": "S1"}]
    with pytest.raises(ScenarioError) as err:
        scenarios_from_dict([{"name": f"a{i}", "edits": [e]} for i, e in enumerate(items)],
                            demo_spec)
    p = dict(err.value.problems)
    assert "greater than 0" in p["scenarios[0].edits[0] (lead_time).lead_time"]
    assert "exactly one of lead_time" in p["scenarios[1].edits[0] (lead_time)"]
    assert "exactly one of lead_time" in p["scenarios[2].edits[0] (lead_time)"]


# -- network: spot price and DCs ------------------------------------------------------
def test_spot_price_scales_the_network_factor(network):
    net = network.model_copy(update={"spot_price_factor": 1.5})
    assert SpotPrice(factor=2).apply_network(net).spot_price_factor == pytest.approx(3.0)
    assert net.spot_price_factor == 1.5                                  # not changed
    sc = Scenario(name="spot", edits=[SpotPrice(factor=2), SpotPrice(factor=0.5)])
    assert sc.apply_network(net).spot_price_factor == pytest.approx(1.5)
    assert Scenario(name="none").apply_network(net) is net


def test_spot_price_below_contract_price_is_refused(network):
    net = network.model_copy(update={"spot_price_factor": 1.6})
    sc = Scenario(name="cheap", edits=[SpotPrice(factor=0.5)])
    with pytest.raises(ScenarioError) as err:
        sc.check_network(net)
    (loc, msg), = err.value.problems
    assert loc == "edits[0] (spot_price).factor"
    assert msg.startswith("spot_price_factor 1.6 x 0.5 = 0.8 is below 1")
    assert "smallest factor allowed is 0.625" in msg                        # 1 / 1.6
    with pytest.raises(ValueError, match="spot_price"):
        SpotPrice(factor=0.5).apply_network(net)


def test_dc_status_merges_later_edits_win():
    sc = Scenario(name="dc", edits=[DcStatus(dc="DC-WEST", open=False),
                                    DcStatus(dc="DC-EAST", open=True),
                                    DcStatus(dc="DC-WEST", open=True)])
    assert sc.dcs_open() == {"DC-WEST": True, "DC-EAST": True}
    assert Scenario(name="none").dcs_open() == {}


def test_unknown_dc_is_checked_where_the_network_is_known(demo_spec, network):
    edits = [DcStatus(dc="DC-NORTH", open=True)]
    assert _problems(edits, demo_spec) == {}                             # no network: later
    p = _problems(edits, demo_spec, network)
    assert p == {"edits[0] (dc_status).dc": "unknown dc 'DC-NORTH'; allowed: "
                                            "['DC-EAST', 'DC-SOUTH', 'DC-WEST']"}
    with pytest.raises(ScenarioError, match=r"edits\[0\] \(dc_status\)\.dc: unknown dc"):
        Scenario(name="x", edits=edits).check_network(network)


class _Stop(Exception):
    pass


def _fake_supply_stage(monkeypatch, network, seen: dict):
    """Pipeline._supply with the problem, worlds and solver replaced by recorders."""
    import twinbench.optimize.supply.inputs as inputs
    import twinbench.optimize.supply.solve as solve
    import twinbench.pipeline.chain as chain

    def fresh_problem(*args, **kw) -> SimpleNamespace:
        prob = SimpleNamespace(periods=PERIODS, network=network)
        prob.with_scenarios = lambda *a: prob
        return prob

    delivered = xr.DataArray(np.ones((1, 4, len(PERIODS))), dims=("world", "supplier", "period"),
                             coords={"supplier": ["S1", "S2", "S3", "S4"], "period": PERIODS})
    worlds = SimpleNamespace(delivered=delivered)
    worlds.with_delivered = lambda d: worlds
    worlds.select = lambda which: worlds
    worlds.as_scenarios = lambda: ()

    def fake_solve(p, **kw):
        seen.update(network=p.network, **kw)
        raise _Stop

    monkeypatch.setattr(inputs, "supply_problem", fresh_problem)
    monkeypatch.setattr(chain, "draw_worlds", lambda *a, **k: worlds)
    monkeypatch.setattr(solve, "solve_supply", fake_solve)
    pipe = SimpleNamespace(base_demand=None, failures=None,
                           state=SimpleNamespace(stock={}, fg_stock={}))
    return lambda sc, plant: chain.Pipeline._supply(
        chain._Run(pipe, sc, plant, chain.ChainSettings(), 0),
        SimpleNamespace(demand=None, worlds=None, supply_problem=None))


def test_supply_stage_passes_network_and_dcs_to_the_solver(monkeypatch, demo_plant, network):
    seen: dict = {}
    run = _fake_supply_stage(monkeypatch, network, seen)
    sc = Scenario(name="dc", edits=[DcStatus(dc="DC-WEST", open=False), SpotPrice(factor=2)])
    with pytest.raises(_Stop):
        run(sc, demo_plant)
    assert seen["dcs_open"] == {"DC-WEST": False}
    assert seen["network"].spot_price_factor == pytest.approx(2 * network.spot_price_factor)
    seen.clear()
    with pytest.raises(_Stop):
        run(Scenario(name="base"), demo_plant)
    assert seen["dcs_open"] is None and seen["network"] is network


def test_supply_stage_refuses_edits_outside_the_window_or_network(monkeypatch, demo_plant,
                                                                  network):
    seen: dict = {}
    run = _fake_supply_stage(monkeypatch, network, seen)
    with pytest.raises(ScenarioError, match=r"first_week 60 is outside the plan window: "
                                            r"weeks 0-12 \(2026-01-05 to 2026-04-05\)"):
        run(Scenario(name="late", edits=[SupplierLoss(supplier="S4", first_week=60)]),
            demo_plant)
    with pytest.raises(ScenarioError, match=r"unknown dc 'DC-X'"):
        run(Scenario(name="dc", edits=[DcStatus(dc="DC-X", open=True)]), demo_plant)
    assert seen == {}                                                    # never solved


# -- the plan window ------------------------------------------------------------------
def test_plan_window_text():
    start, end, text = plan_window(PERIODS)
    assert (start, end) == (pd.Timestamp("2026-01-05"), pd.Timestamp("2026-04-06"))
    assert text == WINDOW


def test_edits_inside_the_window_pass():
    sc = Scenario(name="ok", edits=[
        DemandChange(factor=1.2, first_week=0, last_week=12),
        SupplierLoss(supplier="S4", first_week=5, weeks=8),              # weeks 5-12
        MachineDown(machine="WELD2", start="2026-04-05 23:00", duration="1 h"),
        NewOrder(order_id="N1", product="CAB-L", quantity=5, release="2026-01-05 00:00",
                 due="2026-04-05 18:00"),
        SupplierDelay(supplier="S2", delay="14 d")])
    sc.check_horizon(PERIODS)
    assert check_horizon(sc.edits, PERIODS) == []


def test_edits_outside_the_window_name_edit_field_value_and_window():
    sc = Scenario(name="late", edits=[
        SupplierDelay(supplier="S2", delay="1 d"),
        DemandChange(factor=1.2, first_week=2, last_week=13),
        SupplierLoss(supplier="S4", first_week=60),
        SupplierLoss(supplier="S1", first_week=10, weeks=4),             # weeks 10-13
        MachineDown(machine="WELD2", start="2026-04-06 00:00", duration="1 h"),
        NewOrder(order_id="N1", product="CAB-L", quantity=5, release="2026-01-04 22:00",
                 due="2026-05-01 00:00")])
    with pytest.raises(ScenarioError) as err:
        sc.check_horizon(PERIODS)
    assert dict(err.value.problems) == {
        "edits[1] (demand_change).last_week":
            f"last_week 13 is outside the plan window: {WINDOW}",
        "edits[2] (supplier_loss).first_week":
            f"first_week 60 is outside the plan window: {WINDOW}",
        "edits[3] (supplier_loss).weeks":
            f"weeks 4 (weeks 10-13) is outside the plan window: {WINDOW}",
        "edits[4] (machine_down).start":
            f"start 2026-04-06 00:00 is outside the plan window: {WINDOW}",
        "edits[5] (new_order).release":
            f"release 2026-01-04 22:00 is outside the plan window: {WINDOW}",
        "edits[5] (new_order).due":
            f"due 2026-05-01 00:00 is outside the plan window: {WINDOW}"}
    assert "scenario 'late'" in str(err.value)
    assert f"edits[2] (supplier_loss).first_week: first_week 60 is outside the plan " \
           f"window: {WINDOW}" in str(err.value)


def test_new_kinds_load_from_a_scenario_file(demo_spec):
    sc, = scenarios_from_dict({"scenarios": [{"name": "planner", "edits": [
        {"kind": "supplier_capacity", "supplier": "S3", "capacity": 2500},
        {"kind": "supplier_price", "supplier": "S2", "factor": 1.1, "material": "steel_sheet"},
        {"kind": "supplier_reliability", "supplier": "S2", "reliability": 0.9},
        {"kind": "lead_time", "supplier": "S4", "change": "-1 week"},
        {"kind": "spot_price", "factor": 1.25},
        {"kind": "dc_status", "dc": "DC-SOUTH", "open": False},
        {"kind": "supplier_delay", "supplier": "S1", "delay": "-2 d"}]}]}, demo_spec)
    spec = sc.apply_spec(demo_spec)
    s = {x.name: x for x in spec.suppliers}
    assert s["S3"].capacity == 2500
    assert s["S2"].prices["steel_sheet"] == pytest.approx(1.045)             # 0.95 x 1.1
    assert s["S2"].reliability == 0.9
    assert s["S4"].lead_time == 35 * 24 - 168                                # 672 h
    assert s["S1"].lead_time == 10 * 24 - 48                                 # 192 h
    assert sc.dcs_open() == {"DC-SOUTH": False}
