"""Supply-chain planning: hand-checked small instances and the independent checker.

Every case is small enough to solve by hand (or by enumeration in the test), so each
expected number below comes from the arithmetic in its comment, not from the solver.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.data.plant import load_plant
from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.supply import SupplyProblem, solve_supply, value_of_stochastic_solution
from twinbench.optimize.supply.benders import solve_supply_benders
from twinbench.optimize.supply.check import check_supply_plan
from twinbench.optimize.supply.inputs import supply_problem
from twinbench.optimize.supply.matrix import build_supply_lp
from twinbench.optimize.supply.network import network_from_dict
from twinbench.optimize.supply.policy import combined_safety_stock, safety_stocks
from twinbench.optimize.supply.problem import arrival_shares
from twinbench.spec import LineSpec, SpecError
from twinbench.twin.demand import forecast_demand


def tiny_spec(price: float = 100.0, material_price: float = 10.0, hold_mat: float = 0.0,
              lead: str = "0 d", capacity: float = 1e6) -> LineSpec:
    """One station ``S`` (one machine, 1 h per unit), one product ``A`` made of one ``m``."""
    return LineSpec.model_validate({
        "name": "tiny",
        "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4, "hazard_base": 1e-4}],
        "stations": [{"name": "S", "machines": 1, "machine_type": "mt",
                      "idle_power": 0, "busy_power": 1}],
        "products": [{"name": "A", "family": "F", "price": price, "bom": {"m": 1.0},
                      "routing": [{"station": "S", "time": {"mean": 1.0}}]}],
        "materials": [{"name": "m", "holding_cost": hold_mat}],
        "suppliers": [{"name": "V", "prices": {"m": material_price}, "lead_time": lead,
                       "reliability": 1.0, "capacity": capacity}],
        "calendar": {"shifts": [{"name": "day", "start": "06:00", "end": "14:00"}]},
        "energy": {"base_price": 0.1},
    })


def tiny_network(spec: LineSpec, dcs: dict | None = None, lanes: list | None = None,
                 regions: dict | None = None, hold_fg: float = 0.0,
                 backorder_cost: float = 0.5) -> object:
    dcs = dcs or {"D": {"capacity": 1e6}}
    regions = regions or {"r": {"share": 1.0, "backorder_cost": backorder_cost}}
    if lanes is None:
        lanes = [{"from": "PLANT", "to": d, "rate": 0.0} for d in dcs]
        lanes += [{"from": d, "to": r, "rate": 0.0} for d in dcs for r in regions]
    return network_from_dict({
        "plant": "PLANT",
        "products": {"A": {"unit_weight": 1.0, "holding_cost": hold_fg}},
        "regions": regions, "dcs": dcs, "lanes": lanes, "spot_price_factor": 1.5,
    }, spec)


def tiny_problem(spec: LineSpec, net, demand: np.ndarray, hours: list[float],
                 supply: np.ndarray | None = None, probability: np.ndarray | None = None,
                 initial_stock: float = 0.0) -> SupplyProblem:
    """``demand`` dims (scenario, region, period) for the one product ``A``."""
    demand = np.atleast_3d(demand)
    n_w, _, n_t = demand.shape
    periods = pd.date_range("2026-01-05", periods=n_t, freq="7D")
    scen = [f"w{i}" for i in range(n_w)]
    dem = xr.DataArray(demand[:, None], dims=("scenario", "product", "region", "period"),
                       coords={"scenario": scen, "product": ["A"],
                               "region": list(net.regions), "period": periods})
    sup = xr.DataArray(np.ones((n_w, 1, n_t)) if supply is None else supply,
                       dims=("scenario", "supplier", "period"),
                       coords={"scenario": scen, "supplier": ["V"], "period": periods})
    pi = np.full(n_w, 1.0 / n_w) if probability is None else probability
    hrs = xr.DataArray(np.array([hours], dtype=float), dims=("station", "period"),
                       coords={"station": ["S"], "period": periods})
    return SupplyProblem(spec, net, periods, dem,
                         xr.DataArray(pi, dims="scenario", coords={"scenario": scen}), sup,
                         hrs, {"m": initial_stock}, {})


# -- two nodes, two periods ----------------------------------------------------------------


def test_two_period_capacity_is_met_by_building_ahead():
    # demand 10 then 30, 20 units of capacity per period, holding 2 EUR/unit/week:
    # make 20 + 20, carry 10 units one week. Cost = 40 x 10 (material) + 10 x 2 = 420.
    # One more hour in week 2 saves the week's holding of one unit: shadow price 2 EUR/h;
    # one more hour in week 1 saves nothing.
    spec = tiny_spec()
    net = tiny_network(spec, hold_fg=2.0, backorder_cost=5.0)
    prob = tiny_problem(spec, net, np.array([[[10.0, 30.0]]]), [20.0, 20.0])
    plan = solve_supply(prob)
    assert plan.status == "optimal"
    make = plan.ds["make"].sel(scenario="w0", product="A").values
    np.testing.assert_allclose(make, [20, 20], atol=1e-6)
    np.testing.assert_allclose(plan.ds["fg_stock"].sel(scenario="w0").values.ravel(),
                               [10, 0], atol=1e-6)
    assert plan.objective == pytest.approx(420.0, abs=1e-6)
    assert plan.costs["purchase"] == pytest.approx(400.0)
    assert plan.costs["holding"] == pytest.approx(20.0)
    np.testing.assert_allclose(plan.ds["station_hour_value"].sel(station="S").values,
                               [0.0, 2.0], atol=1e-6)
    assert plan.ds["fill_rate"].item() == pytest.approx(1.0)
    assert "station_capacity" in set(plan.binding["group"])
    assert check_supply_plan(prob, plan.ds) == []


def test_build_ahead_or_backorder_whichever_is_cheaper():
    # three weeks, demand 0, 30, 10, 20 units of capacity a week; week 2 is 10 short.
    # Either build 10 ahead in week 1 and hold them a week (h per unit), or deliver 10
    # one week late (backorder 0.05 x 100 = 5 EUR per unit-week). Material: 40 x 10 = 400.
    spec = tiny_spec()
    for hold, cost, short, fg in ((6.0, 450.0, [0, 10, 0], [0, 0, 0]),
                                  (4.0, 440.0, [0, 0, 0], [10, 0, 0])):
        net = tiny_network(spec, hold_fg=hold, backorder_cost=0.05)
        prob = tiny_problem(spec, net, np.array([[[0.0, 30.0, 10.0]]]), [20.0] * 3)
        plan = solve_supply(prob)
        assert plan.objective == pytest.approx(cost, abs=1e-6)
        np.testing.assert_allclose(plan.ds["short"].values.ravel(), short, atol=1e-6)
        np.testing.assert_allclose(plan.ds["fg_stock"].values.ravel(), fg, atol=1e-6)
        assert check_supply_plan(prob, plan.ds) == []


def test_lead_time_and_spot_purchases():
    # lead time 7 d = one week: week-1 demand can only come from a spot buy placed...
    # spot buys arrive next week too, so week 1 is served from initial stock (5 units)
    # and 5 units are backordered (5 EUR each) into week 2; week 2 needs 5 + 10 = 15
    # units, bought in week 1 at 10 EUR. Cost = 150 + 25 + 0.
    spec = tiny_spec(lead="7 d")
    net = tiny_network(spec, backorder_cost=0.05)
    prob = tiny_problem(spec, net, np.array([[[10.0, 10.0]]]), [100.0, 100.0],
                        initial_stock=5.0)
    plan = solve_supply(prob)
    assert plan.objective == pytest.approx(175.0, abs=1e-6)
    buy = plan.ds["buy"].sel(supplier="V", material="m").values
    np.testing.assert_allclose(buy, [15, 0], atol=1e-6)
    assert check_supply_plan(prob, plan.ds) == []


# -- newsvendor ----------------------------------------------------------------------------


def test_newsvendor_critical_fractile():
    # one week, demand 10, 20, ..., 100 equally likely; material bought before demand is
    # known at c = 10, leftovers held at h = 2 (as material or made up); a unit short
    # costs the price at the end (100) plus the week's backorder cost (0.5 x 100):
    # u = 150. Underage cost of not buying a unit = u - c = 140, overage = c + h = 12:
    # critical fractile 140 / 152 = 0.921 -> the smallest demand level with F >= 0.921
    # is 100 (F(90) = 0.9).
    # With u = 60 (price 40, backorder 0.5): fractile (60 - 10) / (60 + 2) = 0.806 -> 90.
    demands = np.arange(10.0, 101.0, 10.0)
    for price, expected in ((100.0, 100.0), (40.0, 90.0)):
        spec = tiny_spec(price=price, hold_mat=2.0)
        net = tiny_network(spec, backorder_cost=0.5, hold_fg=2.0)
        prob = tiny_problem(spec, net, demands[:, None, None], [1e4])
        plan = solve_supply(prob)
        q = float(plan.ds["buy"].sel(supplier="V", material="m").item())
        assert q == pytest.approx(expected, abs=1e-6)
        # the expected cost at q, by hand
        over = np.clip(q - demands, 0, None).mean()
        under = np.clip(demands - q, 0, None).mean()
        cost = 10 * q + 2 * over + 1.5 * price * under
        assert plan.objective == pytest.approx(cost, rel=1e-9)
        assert check_supply_plan(prob, plan.ds) == []


def test_value_of_stochastic_solution_is_positive_for_skewed_demand():
    # newsvendor again: the mean-demand plan buys 55, the stochastic one 100;
    # VSS = EEV - RP > 0 and RP <= EEV
    demands = np.arange(10.0, 101.0, 10.0)
    spec = tiny_spec(price=100.0, hold_mat=2.0)
    net = tiny_network(spec, backorder_cost=0.5, hold_fg=2.0)
    prob = tiny_problem(spec, net, demands[:, None, None], [1e4])
    vss = value_of_stochastic_solution(prob)
    eev = 10 * 55 + 2 * np.clip(55 - demands, 0, None).mean() \
        + 150 * np.clip(demands - 55, 0, None).mean()
    assert vss["EEV"] == pytest.approx(eev, rel=1e-9)
    assert vss["VSS"] == pytest.approx(eev - vss["RP"], rel=1e-9)
    assert vss["VSS"] > 100


def test_lost_sales_mode():
    # lost sales at 0.3 x price 100 = 30 EUR per unit; capacity 20 per week, demand 30
    # each week: 10 units lost each week (cost 300 each), 40 made (400): 1000. (Holding
    # costs 1 EUR, so nothing is made ahead to be lost later instead.)
    spec = tiny_spec()
    net = tiny_network(spec, regions={"r": {"share": 1.0, "lost_sale_cost": 0.3}},
                       hold_fg=1.0)
    prob = tiny_problem(spec, net, np.array([[[30.0, 30.0]]]), [20.0, 20.0])
    plan = solve_supply(prob, shortage="lost_sales")
    assert plan.objective == pytest.approx(1000.0, abs=1e-6)
    np.testing.assert_allclose(plan.ds["short"].values.ravel(), [10, 10], atol=1e-6)
    assert plan.ds["fill_rate"].item() == pytest.approx(40 / 60)
    assert check_supply_plan(prob, plan.ds) == []


def test_supplier_disruption_scenario_buys_ahead():
    # two equally likely scenarios: the supplier delivers nothing in week 2 in one of them.
    # Lead time 0, holding material 1 EUR/week, spot buys (15 EUR) arrive a week later.
    # Buying week 2's 10 units in week 1 costs 200 + 10 (holding). Buying 10 + 10 costs
    # 200 when the supplier delivers and 100 + 150 (a spot buy in week 1) when not:
    # expected 225. So the plan buys 20 in week 1: 210.
    spec = tiny_spec(hold_mat=1.0)
    net = tiny_network(spec, hold_fg=1.0)  # holding as material or made up: the same
    supply = np.array([[[1.0, 1.0]], [[1.0, 0.0]]])
    prob = tiny_problem(spec, net, np.array([[[10.0, 10.0]], [[10.0, 10.0]]]),
                        [100.0, 100.0], supply=supply)
    plan = solve_supply(prob)
    np.testing.assert_allclose(plan.ds["buy"].values.ravel(), [20, 0], atol=1e-6)
    assert plan.objective == pytest.approx(210.0, abs=1e-6)
    assert check_supply_plan(prob, plan.ds) == []


# -- facility location ---------------------------------------------------------------------


def test_facility_location_matches_enumeration():
    spec = tiny_spec()
    dcs = {"D1": {"capacity": 60, "fixed_cost": 100},
           "D2": {"capacity": 50, "fixed_cost": 70},
           "D3": {"capacity": 80, "fixed_cost": 140}}
    regions = {"r1": {"share": 0.5}, "r2": {"share": 0.3}, "r3": {"share": 0.2}}
    rates = {("D1", "r1"): 0.5, ("D1", "r2"): 2.0, ("D1", "r3"): 3.0,
             ("D2", "r1"): 2.5, ("D2", "r2"): 0.4, ("D2", "r3"): 1.0,
             ("D3", "r1"): 1.0, ("D3", "r2"): 1.5, ("D3", "r3"): 0.3}
    lanes = [{"from": "PLANT", "to": d, "rate": 0.1 * (i + 1)} for i, d in enumerate(dcs)]
    lanes += [{"from": d, "to": r, "rate": v} for (d, r), v in rates.items()]
    net = tiny_network(spec, dcs=dcs, lanes=lanes, regions=regions)
    demand = 100.0 * np.array([0.5, 0.3, 0.2])[None, :, None] * np.ones((1, 3, 2))
    prob = tiny_problem(spec, net, demand, [500.0, 500.0])
    best = solve_supply(prob, design=True, shortage="none")
    costs = {}
    for pattern in itertools.product([False, True], repeat=3):
        chosen = dict(zip(dcs, pattern, strict=True))
        try:
            costs[pattern] = solve_supply(prob, shortage="none", dcs_open=chosen).objective
        except Infeasible:
            costs[pattern] = np.inf
    # capacities: no single DC can carry 100 units a week; some pairs can
    assert np.isinf(costs[(True, False, False)]) and np.isinf(costs[(False, False, False)])
    pattern = min(costs, key=costs.get)
    assert best.objective == pytest.approx(costs[pattern], rel=1e-7)
    np.testing.assert_allclose(best.ds["open"].values, np.array(pattern, dtype=float))
    assert check_supply_plan(prob, best.ds) == []


# -- the checker catches violations --------------------------------------------------------


def test_checker_catches_planted_violations():
    spec = tiny_spec()
    net = tiny_network(spec, hold_fg=2.0, backorder_cost=5.0)
    prob = tiny_problem(spec, net, np.array([[[10.0, 30.0]]]), [20.0, 20.0])
    plan = solve_supply(prob)
    assert check_supply_plan(prob, plan.ds) == []
    more = plan.ds.copy(deep=True)
    more["make"][0, 0, 1] += 5.0  # 25 units in 20 hours, finished goods appear from nowhere
    problems = check_supply_plan(prob, more)
    assert any(p.startswith("station S hours") for p in problems)
    assert any(p.startswith("finished-goods balance of A") for p in problems)
    leak = plan.ds.copy(deep=True)
    leak["deliver"][0, 0, 0, 0, 1] -= 3.0  # 3 units vanish on the way
    problems = check_supply_plan(prob, leak)
    assert any("demand balance" in p for p in problems)
    assert any("finished-goods balance" in p for p in problems)


# -- infeasibility and bad input -----------------------------------------------------------


def test_infeasible_plan_names_the_conflict():
    # every unit in its week, 45 units of demand, 2 x 20 hours at S: station hours and
    # demand conflict; lanes and DCs are not part of it
    spec = tiny_spec()
    net = tiny_network(spec)
    prob = tiny_problem(spec, net, np.array([[[10.0, 35.0]]]), [20.0, 20.0])
    with pytest.raises(Infeasible) as err:
        solve_supply(prob, shortage="none")
    assert sorted(err.value.groups) == ["demand of A in r (every unit in its period)",
                                        "station S hours per period"]
    assert "station S hours" in str(err.value)


def test_infeasible_scenario_is_named():
    spec = tiny_spec()
    net = tiny_network(spec)
    prob = tiny_problem(spec, net, np.array([[[10.0, 10.0]], [[10.0, 35.0]]]), [20.0, 20.0])
    with pytest.raises(Infeasible) as err:
        solve_supply(prob, shortage="none")
    assert err.value.scenario == "w1"


def test_closed_dc_conflicts_with_its_only_region():
    spec = tiny_spec()
    dcs = {"D1": {"capacity": 1e6}, "D2": {"capacity": 1e6}}
    regions = {"r1": {"share": 0.5}, "r2": {"share": 0.5}}
    lanes = [{"from": "PLANT", "to": "D1"}, {"from": "PLANT", "to": "D2"},
             {"from": "D1", "to": "r1"}, {"from": "D2", "to": "r2"}]
    lanes = [{**ln, "rate": 0.0} for ln in lanes]
    net = tiny_network(spec, dcs=dcs, lanes=lanes, regions=regions)
    prob = tiny_problem(spec, net, np.full((1, 2, 2), 5.0), [100.0, 100.0])
    with pytest.raises(Infeasible) as err:
        solve_supply(prob, shortage="none", dcs_open={"D2": False})
    assert "DC D2 throughput" in err.value.groups
    assert any(g.startswith("demand of A in r2") for g in err.value.groups)


def test_bad_network_and_options_are_explained():
    spec = tiny_spec()
    with pytest.raises(SpecError) as err:
        tiny_network(spec, regions={"r": {"share": 0.7}})
    assert "region shares must sum to 1, found 0.7000" in str(err.value)
    with pytest.raises(SpecError) as err:
        tiny_network(spec, lanes=[{"from": "PLANT", "to": "D", "rate": 0.0},
                                  {"from": "D", "to": "nowhere", "rate": 0.0}])
    assert "unknown node 'nowhere'" in str(err.value)
    net = tiny_network(spec)
    prob = tiny_problem(spec, net, np.array([[[1.0, 1.0]]]), [5.0, 5.0])
    with pytest.raises(ValueError, match=r"unknown shortage mode 'lost'.*'lost_sales'"):
        solve_supply(prob, shortage="lost")
    with pytest.raises(ValueError, match=r"unknown DC.*'X'.*allowed: \['D'\]"):
        solve_supply(prob, dcs_open={"X": True})
    with pytest.raises(RuntimeError, match="solver 'no_such_solver' is not available"):
        solve_supply(prob, solver="no_such_solver")


# -- lead times in days, spot buys, terminal value, fill rate on time ---------------------


def test_arrival_shares_split_by_the_day_of_arrival():
    # ordered at the start of week t, 10 d later is day 3 of week t + 1: usable 4/7 of it
    assert arrival_shares(0.0) == [(0, 1.0)]
    assert arrival_shares(7.0) == [(1, 1.0)]
    assert arrival_shares(14.0) == [(2, 1.0)]
    (k1, a), (k2, b) = arrival_shares(10.0)
    assert (k1, k2) == (1, 2)
    assert (a, b) == (pytest.approx(4 / 7), pytest.approx(3 / 7))
    (k1, a), (k2, b) = arrival_shares(3.0)
    assert (k1, k2, a) == (0, 1, pytest.approx(4 / 7))
    with pytest.raises(ValueError, match="lead time must be >= 0 d"):
        arrival_shares(-1.0)


def test_ten_and_fourteen_day_lead_times_arrive_differently():
    # demand 0, 4, 3; material 10 EUR, spot 15 EUR (arrives next week), backorders dear.
    # 10 d (S1): 7 units ordered in week 0 arrive 4 in week 1 (day 10 = day 3 of week 1,
    # 4/7) and 3 in week 2: cost 70. 14 d (S2): week 0's order arrives in week 2 only, so
    # week 1's 4 units are spot buys placed in week 0 (60) and 3 are bought (30): 90.
    # (Rounded up to whole weeks, as before, 10 d cost 90 too.)
    for lead, cost, buy, spot in (("10 d", 70.0, 7.0, 0.0), ("14 d", 90.0, 3.0, 4.0)):
        spec = tiny_spec(lead=lead)
        net = tiny_network(spec, backorder_cost=1.0)
        prob = tiny_problem(spec, net, np.array([[[0.0, 4.0, 3.0]]]), [100.0] * 3)
        plan = solve_supply(prob)
        assert plan.objective == pytest.approx(cost, abs=1e-6)
        np.testing.assert_allclose(plan.ds["buy"].values.ravel(), [buy, 0, 0], atol=1e-6)
        np.testing.assert_allclose(plan.ds["spot"].values.ravel(), [spot, 0, 0], atol=1e-6)
        assert check_supply_plan(prob, plan.ds) == []


def test_zero_day_lead_time_arrives_in_the_order_week():
    # 0 d: week 0's 5 units are bought in week 0 (50 EUR); 3 d: day 3 of week 0, so 4/7
    # of an order placed in week 0 serves week 0 and 3/7 week 1: demand 4, 3 -> buy 7 (70)
    for lead, demand, buy in (("0 d", [5.0, 0.0], [5, 0]), ("3 d", [4.0, 3.0], [7, 0])):
        spec = tiny_spec(lead=lead)
        net = tiny_network(spec, backorder_cost=1.0)
        prob = tiny_problem(spec, net, np.array([[demand]]), [100.0] * 2)
        plan = solve_supply(prob)
        np.testing.assert_allclose(plan.ds["buy"].values.ravel(), buy, atol=1e-6)
        assert plan.objective == pytest.approx(10.0 * sum(buy), abs=1e-6)
        assert check_supply_plan(prob, plan.ds) == []


def test_spot_capacity_and_lead_time():
    # supplier lead 7 d, 5 units in stock, demand 10 in week 0; a unit late costs
    # 0.5 x 100 = 50 EUR a week; spot 15 EUR. Spot arriving the same week (0 d), unlimited:
    # 5 spot = 75. At most 2 a week: 2 spot (30) + 3 late (150) + 3 bought (30) = 210.
    # Defaults (unlimited, next week): 5 late (250) + 5 bought in week 0 (50) = 300.
    spec = tiny_spec(lead="7 d")
    net = tiny_network(spec, backorder_cost=0.5)
    base = tiny_problem(spec, net, np.array([[[10.0, 0.0]]]), [100.0, 100.0],
                        initial_stock=5.0)
    assert base.spot_cap("m") == np.inf and base.spot_lead_days() == 7.0
    for cap, lead, cost, spot in ((None, 0.0, 75.0, 5.0), (2.0, 0.0, 210.0, 2.0),
                                  (None, None, 300.0, 0.0)):
        prob = dataclasses.replace(base, spot_capacity=cap, spot_lead_time=lead)
        plan = solve_supply(prob)
        assert plan.objective == pytest.approx(cost, abs=1e-6)
        assert float(plan.ds["spot"].sum()) == pytest.approx(spot, abs=1e-6)
        assert check_supply_plan(prob, plan.ds) == []
    over = plan.ds.copy(deep=True)
    over["spot"][0, 0, 0] = 3.0
    capped = dataclasses.replace(base, spot_capacity={"m": 2.0})
    assert any(p.startswith("spot capacity of m") for p in check_supply_plan(capped, over))


def test_terminal_value_of_stock_and_of_orders_under_way():
    # 20 units in stock, demand 10 in one week: 10 left, worth 0.5 x 10 EUR each: -50.
    spec = tiny_spec()
    net = tiny_network(spec)
    prob = tiny_problem(spec, net, np.array([[[10.0]]]), [100.0], initial_stock=20.0)
    plan = solve_supply(dataclasses.replace(prob, terminal_value=0.5))
    assert plan.objective == pytest.approx(-50.0, abs=1e-6)
    assert plan.costs["terminal"] == pytest.approx(-50.0, abs=1e-6)
    assert solve_supply(prob).costs["terminal"] == 0.0
    # lead 10 d, demand 4 in week 1: worthless leftovers -> 4 spot buys (60 EUR); with
    # terminal value 0.5 -> buy 7 in week 0 (4 arrive in week 1, 3 after the horizon,
    # worth 0.5 x 10 x 3 = 15): 70 - 15 = 55
    spec = tiny_spec(lead="10 d")
    net = tiny_network(spec, backorder_cost=1.0)
    prob = tiny_problem(spec, net, np.array([[[0.0, 4.0]]]), [100.0, 100.0])
    assert solve_supply(prob).objective == pytest.approx(60.0, abs=1e-6)
    plan = solve_supply(dataclasses.replace(prob, terminal_value=0.5))
    assert plan.objective == pytest.approx(55.0, abs=1e-6)
    np.testing.assert_allclose(plan.ds["buy"].values.ravel(), [7, 0], atol=1e-6)
    assert sum(plan.costs.values()) == pytest.approx(plan.objective)


def test_fill_rate_on_time_counts_demand_served_in_its_week():
    # demand 0, 30, 10 with 20 units a week, backorders cheaper than holding: 10 of week
    # 1's 30 are a week late. On time: 20 + 10 of 40 = 0.75; by the end: all of it.
    spec = tiny_spec()
    net = tiny_network(spec, hold_fg=6.0, backorder_cost=0.05)
    prob = tiny_problem(spec, net, np.array([[[0.0, 30.0, 10.0]]]), [20.0] * 3)
    plan = solve_supply(prob)
    assert plan.ds["fill_rate"].item() == pytest.approx(1.0)
    assert plan.ds["fill_rate_on_time"].item() == pytest.approx(0.75)
    assert plan.ds["fill_rate_on_time"].attrs["units"] == "1"


def test_safety_stock_with_lead_time_variance_by_hand():
    # sd of weekly demand 10 (90% interval 100 -+ 1.645 x 10), mean 100; lead 14 d = 2
    # weeks with cv 0.2 -> sigma_L = 0.4 week; review 1 week -> L = 3 weeks.
    # SS = 1.645 x sqrt(3 x 10^2 + 100^2 x 0.4^2) = 1.645 x 43.589 = 71.6975
    z = 1.6448536269514722
    assert combined_safety_stock(z, 3.0, 10.0, 100.0, 0.4) == pytest.approx(
        z * np.sqrt(1900.0))
    spec = tiny_spec(lead="14 d")
    weeks = pd.date_range("2026-01-05", periods=2, freq="7D")
    iv = np.array([100 - z * 10, 100.0, 100 + z * 10])
    fc = xr.Dataset({"mean": (("product", "week"), [[100.0, 100.0]]),
                     "interval": (("product", "week", "quantile"), [[iv, iv]])},
                    coords={"product": ["A"], "week": weeks, "quantile": [0.05, 0.5, 0.95]})
    table = safety_stocks(spec, fc, lead_time_variance=True).set_index("item")
    assert table.loc["m", "sd_lead_time"] == pytest.approx(0.4)
    assert table.loc["m", "safety_stock"] == pytest.approx(z * np.sqrt(1900.0))
    assert table.loc["m", "safety_stock"] == pytest.approx(71.6975, abs=1e-3)
    assert table.loc["m", "reorder_point"] == pytest.approx(300 + z * np.sqrt(1900.0))
    assert table.loc["A", "safety_stock"] == pytest.approx(z * 10.0)  # no lead time
    assert safety_stocks(spec, fc).set_index("item").equals(table)  # the default
    plain = safety_stocks(spec, fc, lead_time_variance=False).set_index("item")
    assert plain.loc["m", "safety_stock"] == pytest.approx(z * 10.0 * np.sqrt(3))


def two_supplier_problem(terminal_value: float = 0.0, spot_capacity: float | None = None,
                         shortage_hours: float = 30.0) -> SupplyProblem:
    """Two suppliers of ``m`` (V: 10 d, cheaper, capacity 25/week; U: 14 d), two
    scenarios (V misses week 3 in one), six weeks, tight station hours."""
    spec = LineSpec.model_validate({
        "name": "tiny2",
        "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4, "hazard_base": 1e-4}],
        "stations": [{"name": "S", "machines": 1, "machine_type": "mt",
                      "idle_power": 0, "busy_power": 1}],
        "products": [{"name": "A", "family": "F", "price": 100.0, "bom": {"m": 1.0},
                      "scrap_rate": 0.05,
                      "routing": [{"station": "S", "time": {"mean": 1.0}}]}],
        "materials": [{"name": "m", "holding_cost": 0.3}],
        "suppliers": [{"name": "V", "prices": {"m": 10.0}, "lead_time": "10 d",
                       "reliability": 0.9, "capacity": 25.0},
                      {"name": "U", "prices": {"m": 12.0}, "lead_time": "14 d",
                       "reliability": 1.0, "capacity": 1e6}],
        "calendar": {"shifts": [{"name": "day", "start": "06:00", "end": "14:00"}]},
        "energy": {"base_price": 0.1},
    })
    net = tiny_network(spec, hold_fg=0.5, backorder_cost=0.1)
    n_t = 6
    periods = pd.date_range("2026-01-05", periods=n_t, freq="7D")
    demand = np.array([[20, 25, 30, 35, 25, 20], [15, 30, 40, 30, 30, 25]], float)
    dem = xr.DataArray(demand[:, None, None, :], dims=("scenario", "product", "region",
                                                       "period"),
                       coords={"scenario": ["w0", "w1"], "product": ["A"], "region": ["r"],
                               "period": periods})
    share = np.ones((2, 2, n_t))
    share[1, 0, 3] = 0.0
    sup = xr.DataArray(share, dims=("scenario", "supplier", "period"),
                       coords={"scenario": ["w0", "w1"], "supplier": ["V", "U"],
                               "period": periods})
    hrs = xr.DataArray(np.full((1, n_t), shortage_hours), dims=("station", "period"),
                       coords={"station": ["S"], "period": periods})
    pi = xr.DataArray([0.6, 0.4], dims="scenario", coords={"scenario": ["w0", "w1"]})
    return SupplyProblem(spec, net, periods, dem, pi, sup, hrs, {"m": 40.0}, {"A": 5.0},
                         spot_capacity=spot_capacity, terminal_value=terminal_value)


@pytest.mark.parametrize("shortage", ["backorder", "lost_sales"])
@pytest.mark.parametrize("tv,spot_cap", [(0.0, None), (0.4, 8.0)])
def test_matrix_and_pyomo_paths_give_the_same_plan(shortage, tv, spot_cap):
    prob = two_supplier_problem(terminal_value=tv, spot_capacity=spot_cap)
    fast = solve_supply(prob, shortage=shortage, method="matrix")
    ref = solve_supply(prob, shortage=shortage, method="pyomo")
    assert fast.options["method"] == "matrix" and ref.options["method"] == "pyomo"
    assert fast.objective == pytest.approx(ref.objective, rel=1e-6)
    for part, v in ref.costs.items():
        assert fast.costs[part] == pytest.approx(v, rel=1e-6, abs=1e-6)
    assert sum(fast.costs.values()) == pytest.approx(fast.objective, rel=1e-9)
    np.testing.assert_allclose(fast.ds["station_hour_value"], ref.ds["station_hour_value"],
                               atol=1e-6)
    np.testing.assert_allclose(fast.ds["demand_value"], ref.ds["demand_value"], atol=1e-6)
    assert set(fast.binding["group"]) == set(ref.binding["group"])
    np.testing.assert_allclose(fast.ds["fill_rate_on_time"], ref.ds["fill_rate_on_time"],
                               atol=1e-6)
    assert check_supply_plan(prob, fast.ds) == []
    assert check_supply_plan(prob, ref.ds) == []
    # the same plan evaluated with its purchases fixed, on both paths
    ev_f = solve_supply(prob, shortage=shortage, fix_first_stage=fast.ds, method="matrix")
    ev_r = solve_supply(prob, shortage=shortage, fix_first_stage=fast.ds, method="pyomo")
    ev_a = solve_supply(prob, shortage=shortage, fix_first_stage=fast.ds)
    assert ev_a.options["method"] == "benders"  # fixed purchases: independent scenarios
    assert ev_a.options["benders"]["iterations"] == 0
    assert ev_f.objective == pytest.approx(ev_r.objective, rel=1e-6)
    assert ev_a.objective == pytest.approx(ev_r.objective, rel=1e-9)
    assert ev_f.objective == pytest.approx(fast.objective, rel=1e-6)


@pytest.mark.parametrize("shortage", ["backorder", "lost_sales"])
@pytest.mark.parametrize("tv,spot_cap", [(0.0, None), (0.4, 8.0)])
def test_benders_reaches_the_optimum(shortage, tv, spot_cap):
    """Benders' plan costs the optimum (its cost parts may be another optimum's) and,
    its purchases held fixed, costs the same on the extensive form."""
    prob = two_supplier_problem(terminal_value=tv, spot_capacity=spot_cap)
    dec = solve_supply(prob, shortage=shortage, method="benders")
    ref = solve_supply(prob, shortage=shortage, method="pyomo")
    assert dec.status == "optimal" and dec.options["method"] == "benders"
    assert dec.objective == pytest.approx(ref.objective, rel=1e-6)
    assert sum(dec.costs.values()) == pytest.approx(dec.objective, rel=1e-9)
    assert check_supply_plan(prob, dec.ds) == []
    ev = solve_supply(prob, shortage=shortage, fix_first_stage=dec.ds, method="matrix")
    assert ev.objective == pytest.approx(dec.objective, rel=1e-9)


def test_benders_matches_the_extensive_form_on_the_demo():
    """Demo plant, 8 weeks x 6 worlds: the decomposition's plan costs what the extensive
    form's does (to its 1e-6 gap), its bounds bracket that optimum, and the plan passes
    the independent checker."""
    plant = load_plant()
    fc = forecast_demand(plant.demand, plant.drivers)
    prob = supply_problem(plant, fc.ds, weeks=8, scenarios=6, seed=3)
    ext = solve_supply(prob, method="matrix")
    dec = solve_supply(prob, method="benders")
    b = dec.options["benders"]
    assert dec.objective == pytest.approx(ext.objective, rel=2e-6)
    assert b["lower_bound"] <= ext.objective * (1 + 1e-7)
    assert b["upper_bound"] >= ext.objective * (1 - 1e-7)
    assert b["iterations"] > 1 and b["gap"] <= 1e-6
    assert check_supply_plan(prob, dec.ds) == []


def test_matrix_path_options():
    prob = two_supplier_problem()
    with pytest.raises(ValueError, match="unknown method 'fast'"):
        solve_supply(prob, method="fast")
    with pytest.raises(ValueError, match="method 'matrix' needs an LP"):
        solve_supply(prob, design=True, method="matrix")
    with pytest.raises(ValueError, match="method 'benders' needs complete recourse"):
        solve_supply(prob, shortage="none", method="benders")
    none = solve_supply(prob, shortage="none")
    assert solve_supply(prob, shortage="none", fix_first_stage=none.ds
                        ).options["method"] == "matrix"  # no complete recourse
    assert solve_supply(prob, design=True).options["method"] == "pyomo"


@pytest.mark.parametrize("rel_gap", [1e-4, 1e-6])
def test_benders_stops_within_the_stated_gap_of_the_extensive_optimum(rel_gap):
    """Demo plant, 13 weeks x 8 worlds: stopped at ``rel_gap``, the decomposition's plan
    costs the extensive form's optimum to within that gap, its bounds bracket it, and the
    same holds without the expected-value start and without dropping inactive cuts."""
    plant = load_plant()
    fc = forecast_demand(plant.demand, plant.drivers)
    prob = supply_problem(plant, fc.ds, weeks=13, scenarios=8, seed=4)
    ext = solve_supply(prob, method="matrix")
    dec = solve_supply(prob, method="benders", rel_gap=rel_gap)
    b = dec.options["benders"]
    assert dec.status == "optimal" and b["gap"] <= rel_gap and b["tol"] == rel_gap
    assert abs(dec.objective - ext.objective) <= rel_gap * abs(ext.objective)
    assert b["lower_bound"] <= ext.objective * (1 + 1e-7)
    assert b["upper_bound"] >= ext.objective * (1 - 1e-7)
    assert len(b["history"]) == b["iterations"] and b["master_seconds"] > 0
    assert check_supply_plan(prob, dec.ds) == []
    lp = build_supply_lp(prob)
    plain, f = solve_supply_benders(lp, tol=rel_gap, start="zero", drop_after=0)
    assert plain.status == "optimal" and f["master_rows"] == f["cuts"]
    assert abs(plain.objective - ext.objective) <= rel_gap * abs(ext.objective)
    with pytest.raises(ValueError, match="unknown start"):
        solve_supply_benders(lp, start="mean")


@pytest.mark.parametrize("stabilise", ["trust", "inout"])
def test_benders_stabilisations_bracket_the_optimum(stabilise):
    """Trust region (Lagrangian lower bound of the boxed master) and in-out separation:
    both stop at the optimum with bounds that bracket it."""
    prob = two_supplier_problem(terminal_value=0.4, spot_capacity=8.0)
    ref = solve_supply(prob, method="matrix")
    lp = build_supply_lp(prob)
    sol, f = solve_supply_benders(lp, tol=1e-7, stabilise=stabilise, radius=0.01)
    assert sol.status == "optimal" and f["stabilise"] == stabilise
    assert sol.objective == pytest.approx(ref.objective, rel=1e-6)
    assert f["lower_bound"] <= ref.objective * (1 + 1e-7) <= f["upper_bound"] * (1 + 2e-7)
    with pytest.raises(ValueError, match="unknown stabilise"):
        solve_supply_benders(lp, stabilise="level")
