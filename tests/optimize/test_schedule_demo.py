"""Scheduling the demo plant's first week: every plan passes the independent checker,
maintenance lands before its deadline, the rolling horizon agrees with one model, and the
plan is replayed in the twin's simulation."""

from __future__ import annotations

import pandas as pd
import pytest

from twinbench.data.plant import load_plant
from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.schedule import solve_schedule
from twinbench.optimize.schedule.check import MAINT, check_schedule
from twinbench.optimize.schedule.problem import problem_from_plant
from twinbench.pipeline.week import first_week
from twinbench.twin.simulation import simulate
from twinbench.viz.schedule import schedule_gantt


@pytest.fixture(scope="module")
def week():
    plant = load_plant()
    return plant.spec, first_week(plant.orders)


@pytest.fixture(scope="module")
def problem(week):
    spec, orders = week
    maint = pd.DataFrame({"machine": ["PRESS1", "PAINT2"],
                          "due": pd.to_datetime(["2026-01-07 12:00", "2026-01-08 18:00"]),
                          "reason": ["RUL 10% quantile", "RUL 10% quantile"]})
    down = pd.DataFrame({"machine": ["WELD1"], "start": [pd.Timestamp("2026-01-06 06:00")],
                         "end": [pd.Timestamp("2026-01-06 22:00")], "reason": ["repair"]})
    return problem_from_plant(spec, orders, maintenance=maint, downtime=down)


@pytest.fixture(scope="module")
def plan(problem):
    return solve_schedule(problem, "balanced", time_limit=20, seed=0)


def test_week_plan_is_feasible_and_places_maintenance(problem, plan):
    assert problem.n_ops > 100
    assert plan.violations() == []
    mt = plan.table[plan.table["job"] == MAINT].set_index("machine")
    assert set(mt.index) == {"PRESS1", "PAINT2"}
    due = problem.maintenance.set_index("machine")["deadline"]
    assert (mt["end"] <= due.loc[mt.index] + 1e-6).all()
    # nothing on WELD1 during its repair day (wall clock)
    w = plan.table[plan.table["machine"] == "WELD1"]
    a, b = pd.Timestamp("2026-01-06 06:00"), pd.Timestamp("2026-01-06 22:00")
    assert not ((w["start_time"] < b) & (w["end_time"] > a)).any()
    assert plan.status in ("optimal", "maxTimeLimit", "heuristic")
    assert plan.options["input_hash"] and plan.options["solver"] == "appsi_highs"
    assert {"constraint", "kind", "shadow_price"} <= set(plan.binding.columns)
    fig = schedule_gantt(plan)
    assert len(fig.data) >= 3


def test_rolling_horizon_gives_a_checked_plan_close_to_one_model(problem, plan):
    rolled = solve_schedule(problem, "balanced", time_limit=20, method="rolling",
                            window_ops=40, seed=0)
    assert rolled.method == "rolling" and rolled.options["windows"] >= 3
    assert check_schedule(problem, rolled.table, tol=1e-4) == []
    # windows see less at once: allowed to be worse, but not wildly
    assert rolled.objective <= 1.5 * plan.objective + 1.0


def test_plan_is_replayed_in_the_twin(week, plan):
    spec, orders = week
    res = simulate(spec, orders, horizon=24 * 21, schedule=plan.for_simulation(),
                   replications=20, seed=1)
    ot = res.on_time()
    assert set(ot["order"]) == set(orders["order_id"])
    assert ot["p_on_time"].between(0, 1).all()
    # every unit was made: the replay neither deadlocks nor loses work
    line = res.summary()
    done = line[(line["station"] == "") & (line["kpi"] == "units_finished")]["mean"].iloc[0]
    scrapped = line[(line["station"] == "") & (line["kpi"] == "units_scrapped")]["mean"].iloc[0]
    assert done + scrapped == pytest.approx(orders["quantity"].sum())
    # a plan that ignores a machine being down in the twin finishes later there
    res_down = simulate(spec, orders, horizon=24 * 21, schedule=plan.for_simulation(),
                        replications=20, seed=1, downtime=pd.DataFrame({
                            "machine": ["LASER1", "LASER2"],
                            "start": [pd.Timestamp("2026-01-05 06:00")] * 2,
                            "end": [pd.Timestamp("2026-01-07 06:00")] * 2}))
    assert res_down.on_time()["p_on_time"].mean() <= ot["p_on_time"].mean()


def test_hard_deadline_that_cannot_be_met_is_diagnosed(week):
    spec, orders = week
    orders = orders.head(3).copy()
    # the first order must ship 2 h after its release: its lot alone takes longer
    orders["deadline"] = [pd.Timestamp(orders["release"].iloc[0]) + pd.Timedelta(hours=2),
                          pd.NaT, pd.NaT]
    problem = problem_from_plant(spec, orders)
    with pytest.raises(Infeasible) as err:
        solve_schedule(problem, "tardiness", time_limit=20)
    job = orders["order_id"].iloc[0]
    assert any(g.startswith(f"deadline of {job}") for g in err.value.groups)
    others = set(orders["order_id"]) - {job}
    assert not any(o in g for g in err.value.groups for o in others)


def test_an_annealed_plan_is_the_same_on_a_slower_machine(week, monkeypatch):
    import time

    problem = problem_from_plant(*week)

    # the clock running 1000x fast stands for a machine (or a load) 1000x slower: a
    # search limited by wall time gets less far; dispatching and annealing for a fixed
    # number of moves (the chain's schedule_method='anneal') give the same plan
    a = solve_schedule(problem, "balanced", method="anneal", seed=0, duals=False)
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: 1000.0 * real())
    b = solve_schedule(problem, "balanced", method="anneal", seed=0, duals=False)
    monkeypatch.undo()
    cols = ["job", "op", "machine", "start", "end"]
    pd.testing.assert_frame_equal(a.table[cols], b.table[cols])
    assert a.stage == "annealer" and a.violations() == []  # the annealer moved the plan
