"""The supply model on the demo plant: inputs from the twin, a plan that passes the checker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twinbench.data.plant import load_plant
from twinbench.optimize.supply import solve_supply, value_of_stochastic_solution
from twinbench.optimize.supply.check import check_supply_plan
from twinbench.optimize.supply.inputs import supply_problem
from twinbench.optimize.supply.policy import protection_sd, safety_stocks
from twinbench.twin.demand import forecast_demand
from twinbench.viz.supply import flow_figure, plan_figure


@pytest.fixture(scope="module")
def demo():
    plant = load_plant()
    return plant, forecast_demand(plant.demand, plant.drivers)


def test_inputs_follow_calendar_twin_and_forecast(demo):
    plant, fc = demo
    prob = supply_problem(plant, fc.ds, weeks=20, scenarios=400, seed=5)
    hours = prob.station_hours
    # two shifts x 5 days = 80 h per machine; availability below one; Good Friday
    # (2026-04-03) takes a day out of the week of 2026-03-30, Easter Monday one of the next
    laser = hours.sel(station="LASER")
    assert 0.9 * 160 < float(laser.isel(period=0)) < 160
    easter = laser.sel(period=pd.Timestamp("2026-03-30")) / laser.isel(period=0)
    assert float(easter) == pytest.approx(0.8)
    # scenario medians follow the forecast's median where it exists
    med = prob.demand.sum("region").median("scenario")
    fmed = fc.ds["interval"].sel(quantile=0.5).isel(week=slice(0, 13))
    ratio = med.isel(period=slice(0, 13)).values / fmed.values
    assert np.abs(ratio - 1).max() < 0.12
    # about 1 - reliability of deliveries fail, plus outages
    miss = 1 - prob.supply.mean(("scenario", "period"))
    rel = {s.name: s.reliability for s in plant.spec.suppliers}
    for s, m in zip(miss["supplier"].values, miss.values, strict=True):
        assert 1 - rel[s] < m < 1 - rel[s] + 0.05


def test_demo_plan_is_sound(demo):
    plant, fc = demo
    prob = supply_problem(plant, fc.ds, weeks=13, scenarios=6, seed=2)
    plan = solve_supply(prob)
    assert plan.status == "optimal"
    assert check_supply_plan(prob, plan.ds) == []
    # the plan pays for what it buys: cost parts add up to the objective
    assert sum(plan.costs.values()) == pytest.approx(plan.objective, rel=1e-6)
    # shadow prices: an hour of a binding station is worth something, never negative
    assert float(plan.ds["station_hour_value"].min()) >= -1e-6
    for v in ("buy", "make", "deliver", "station_hour_value"):
        assert "units" in plan.ds[v].attrs
    vss = value_of_stochastic_solution(prob, rp=plan)
    assert vss["RP"] == plan.objective
    assert vss["VSS"] >= -1e-6 * abs(plan.objective)
    fig = flow_figure(plan.ds, plant.spec, prob.network)
    labels = fig.data[0].node.label
    assert {"PLANT", "DC-EAST", "region east", "supplier S1"} <= set(labels)
    assert len(plan_figure(plan.ds, "BRK-A").data) == 8
    with pytest.raises(ValueError, match="unknown product 'X'"):
        plan_figure(plan.ds, "X")


def test_safety_stocks_follow_the_textbook_formula(demo):
    plant, fc = demo
    table = safety_stocks(plant.spec, fc.ds, service_level=0.95, lead_time_variance=False)
    row = table.set_index("item").loc["CAB-L"]
    iv = fc.ds["interval"].sel(product="CAB-L").isel(week=0).values
    sd = (iv[2] - iv[0]) / (2 * 1.6448536269514722)
    assert row["safety_stock"] == pytest.approx(1.6448536269514722 * sd)
    # electronics: supplier S4, 35 d lead + 1 week review = 6 weeks; used once per cabinet
    el = table[(table["item"] == "electronics")].iloc[0]
    assert el["protection_weeks"] == 6
    sd_el = np.sqrt(sum(sd_p**2 for sd_p in table.set_index("item").loc[
        ["CAB-S", "CAB-L"], "sd_weekly"]))
    assert el["safety_stock"] == pytest.approx(1.6448536269514722 * sd_el * np.sqrt(6))
    # correlated errors need more
    more = safety_stocks(plant.spec, fc.ds, rho=0.8, lead_time_variance=False)
    assert (more["safety_stock"] >= table["safety_stock"] - 1e-9).all()
    # and the default covers the suppliers' lead-time variance too: never less
    full = safety_stocks(plant.spec, fc.ds, service_level=0.95)
    assert (full["safety_stock"] >= table["safety_stock"] - 1e-9).all()
    assert (full["safety_stock"] > table["safety_stock"] + 1e-6).any()
    assert protection_sd(1.0, 3, rho=1.0) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="service_level must be in"):
        safety_stocks(plant.spec, fc.ds, service_level=1.2)
