"""Rescheduling the demo week from the current state: what is running or frozen stays, the
rest passes the checker, and stability buys a plan that moves fewer operations than one
from scratch for (almost) the same objective."""

from __future__ import annotations

import pandas as pd
import pytest

from twinbench.data.plant import load_plant
from twinbench.optimize.schedule import solve_schedule
from twinbench.optimize.schedule.check import MAINT
from twinbench.optimize.schedule.problem import ScheduleInputError, problem_from_plant
from twinbench.optimize.schedule.reschedule import reschedule

NOW, FREEZE = 20.0, 4.0


@pytest.fixture(scope="module")
def week():
    plant = load_plant()
    rel = pd.to_datetime(plant.orders["release"])
    orders = plant.orders[rel < rel.min().normalize() + pd.Timedelta(days=7)]
    return plant.spec, orders.reset_index(drop=True)


@pytest.fixture(scope="module")
def approved(week):
    spec, orders = week
    # the dispatching plan (seeded, no time limit): the same approved plan on any machine
    return solve_schedule(problem_from_plant(spec, orders), "balanced", method="heuristic",
                          seed=0, duals=False)


@pytest.fixture(scope="module")
def broken(approved):
    """A machine busy at NOW breaks down for 6 h."""
    t = approved.table
    running = t[(t["start"] < NOW) & (t["end"] > NOW) & (t["job"] != MAINT)]
    assert len(running), "the demo week should have work in progress at hour 20"
    mc = running["machine"].iat[0]
    bd = pd.DataFrame({"machine": [mc], "start": [NOW], "end": [NOW + 6.0]})
    return mc, reschedule(approved, NOW, freeze=FREEZE, breakdowns=bd, time_limit=6)


def _key(t: pd.DataFrame) -> pd.DataFrame:
    return t[t["job"] != MAINT].set_index(["job", "step"])


def test_running_and_frozen_operations_stay_and_the_rest_passes_the_checker(approved, broken):
    mc, res = broken
    a, r = _key(approved.table), _key(res.table)
    running = a[(a["start"] < NOW) & (a["end"] > NOW)]
    # frozen work stays unless the breakdown reaches it: on the broken machine, or in a
    # job with work on it (the interrupted step now ends later: its successors may move)
    touched = set(a[a["machine"] == mc].index.get_level_values("job"))
    frozen = a[(a["start"] >= NOW) & (a["start"] < NOW + FREEZE)
               & ~a.index.get_level_values("job").isin(touched)]
    assert len(running) and len(frozen)
    for idx in list(running.index) + list(frozen.index):
        assert r.at[idx, "machine"] == a.at[idx, "machine"]
        assert r.at[idx, "start"] == pytest.approx(a.at[idx, "start"])
    # the interrupted operation resumes after the 6 h repair
    hit = running[running["machine"] == mc].index[0]
    assert r.at[hit, "end"] == pytest.approx(a.at[hit, "end"] + 6.0)
    assert res.violations() == []
    new = res.table[res.table["state"] == "replanned"]
    assert (new["start"] >= NOW - 1e-9).all()
    on = new[new["machine"] == mc]
    assert not ((on["start"] < NOW + 6.0) & (on["end"] > NOW)).any()
    assert set(res.table["state"]) >= {"done", "in progress", "frozen", "replanned"}
    assert len(r) == len(a)  # every operation still planned once


def test_stability_moves_fewer_operations_than_from_scratch_for_the_same_objective(broken):
    _, res = broken
    c = res.candidates.set_index("name")
    chosen = c[c["chosen"]].iloc[0]
    scratch = c.loc["from scratch"]
    assert bool(scratch["valid"])
    assert chosen["moved"] < scratch["moved"]
    assert chosen["objective"] <= 1.02 * scratch["objective"] + 1e-6
    assert res.n_moved == chosen["moved"]


def test_rush_order_and_late_material(week, approved):
    spec, orders = week
    rush = orders.iloc[[0]].copy()
    rush["order_id"] = "RUSH1"
    rush["due"] = pd.Timestamp(approved.problem.t0) + pd.Timedelta(days=2)
    extra = problem_from_plant(spec, rush, t0=approved.problem.t0)
    # an order not started by the end of the frozen window: its material can still be late
    first = approved.table[approved.table["job"] != MAINT].groupby("job")["start"].min()
    late_job = first[first > NOW + FREEZE].index[0]
    res = reschedule(approved, NOW, freeze=FREEZE, rush=extra,
                     late_materials={late_job: 45.0}, time_limit=5)
    assert res.violations() == []
    assert (res.table["job"] == "RUSH1").sum() == extra.n_ops
    t = res.table
    assert (t.loc[t["job"] == late_job, "start"] >= 45.0 - 1e-9).all()
    with pytest.raises(ScheduleInputError, match="already exist"):
        reschedule(approved, NOW, rush=problem_from_plant(spec, orders.iloc[[0]],
                                                          t0=approved.problem.t0))
    with pytest.raises(ScheduleInputError, match="unknown machine"):
        reschedule(approved, NOW, breakdowns=pd.DataFrame(
            {"machine": ["NOPE"], "start": [1.0], "end": [2.0]}))


def test_schedule_page_shows_before_after_and_what_moved(approved):
    from dashboards.pages.schedule import reschedule_view

    view = reschedule_view(approved, NOW, "WELD1", 4.0, time_limit=3)
    kinds = [type(o).__name__ for o in view.objects]
    assert kinds[0] == "Markdown" and "moved" in view.objects[0].object
    assert "passed" in view.objects[0].object
    gantts = view.objects[1].objects
    assert [g.object.layout.title.text for g in gantts] == ["Before (approved)",
                                                           "After (replanned)"]
    names = [o.name for o in view.objects[2:]]
    assert names == ["reschedule-candidates", "moved"]
    assert len(view.objects[3].value) > 0  # a breakdown on a busy welder moves work


def _two_machines():
    """J0: M1 4 h then M2 1 h, released at 18 h; J1: M1 1 h, released at 22 h."""
    from twinbench.optimize.schedule.problem import ScheduleProblem

    jobs = pd.DataFrame({"release": [18.0, 22.0], "due": [0.0, 0.0], "weight": 1.0,
                         "family": ["A", "A"]}, index=["J0", "J1"])
    ops = pd.DataFrame({"job": ["J0", "J0", "J1"], "step": [0, 1, 0], "station": "S"})
    modes = pd.DataFrame([(0, "M1", 4.0, 1.0), (1, "M2", 1.0, 1.0), (2, "M1", 1.0, 1.0)],
                         columns=["op", "machine", "duration", "power"])
    return ScheduleProblem(jobs, ops, modes, ["M1", "M2"], horizon=100.0)


def test_a_short_breakdown_releases_frozen_work_the_interrupted_operation_runs_into():
    # J0 step 0 runs 18-22 on M1 at hour 20; J0 step 1 (M2) and J1 (M1) are frozen at 22.
    # A 1 h breakdown of M1 at 20 pushes J0 step 0 to 23: both frozen operations would
    # clash with it (routing, machine) and must be replanned, not kept
    approved = solve_schedule(_two_machines(), "makespan", time_limit=5, duals=False)
    t = approved.table.set_index(["job", "step"])
    assert t.at[("J0", 1), "start"] == pytest.approx(22.0)
    assert t.at[("J1", 0), "start"] == pytest.approx(22.0)
    bd = pd.DataFrame({"machine": ["M1"], "start": [20.0], "end": [21.0]})
    res = reschedule(approved, 20.0, freeze=4.0, breakdowns=bd, time_limit=3)
    r = res.table.set_index(["job", "step"])
    assert r.at[("J0", 0), "state"] == "in progress"
    assert r.at[("J0", 0), "end"] == pytest.approx(23.0)
    assert r.at[("J0", 1), "state"] == r.at[("J1", 0), "state"] == "replanned"
    assert r.at[("J0", 1), "start"] >= 23.0 - 1e-9 and r.at[("J1", 0), "start"] >= 23.0 - 1e-9
    assert res.violations() == []
    # the whole-plan check sees a clash the remaining problem alone cannot
    bad = res.table.copy()
    row = (bad["job"] == "J1").to_numpy()
    bad.loc[row, ["start", "end"]] = [22.0, 23.0]
    from twinbench.optimize.schedule.reschedule import whole_plan_violations

    assert any("J1" in v for v in whole_plan_violations(res.base, bad, res.breakdowns))


def test_a_stability_price_trades_objective_against_moves(approved, broken):
    mc, _ = broken
    bd = pd.DataFrame({"machine": [mc], "start": [NOW], "end": [NOW + 6.0]})
    cheap = reschedule(approved, NOW, freeze=FREEZE, breakdowns=bd, stability=0.0,
                       time_limit=4)
    c = cheap.candidates[cheap.candidates["valid"]]
    # moving is free: the best objective wins
    assert c.loc[c["chosen"], "objective"].iat[0] == pytest.approx(c["objective"].min())
    dear = reschedule(approved, NOW, freeze=FREEZE, breakdowns=bd, stability=1e6,
                      time_limit=4)
    c = dear.candidates[dear.candidates["valid"]]
    # moving is dear: the fewest moves win
    assert c.loc[c["chosen"], "moved"].iat[0] == c["moved"].min()
    assert dear.stability == 1e6 and dear.violations() == []


def test_command_line_times_and_disruptions_are_parsed_or_explained(approved):
    from twinbench.optimize.schedule.reschedule_week import _split, parse_time

    p = approved.problem
    assert parse_time("20", p) == 20.0
    wall = pd.Timestamp(p.to_wall(pd.Series([20.0]).to_numpy())[0])
    assert parse_time(wall.isoformat(), p) == pytest.approx(20.0, abs=1e-6)
    with pytest.raises(ScheduleInputError, match="neither hours nor a timestamp"):
        parse_time("soon", p)
    with pytest.raises(ScheduleInputError, match="expected 3 comma-separated fields"):
        _split("WELD1,20", 3, "breakdown", "WELD1,20,28")


def test_the_annealer_charges_moves_away_from_a_reference_plan():
    from twinbench.optimize.schedule.dispatch import dispatch
    from twinbench.optimize.schedule.jobshop import problem_from_jobshop, random_jobshop
    from twinbench.optimize.schedule.reschedule import moved_operations
    from twinbench.optimize.schedule.search import improve

    p = problem_from_jobshop(random_jobshop(8, 4, seed=3))
    start = dispatch(p, "SPT")
    free = improve(p, start, {"makespan": 1.0}, seed=0, iterations=20_000)
    assert free["end"].max() < start["end"].max()  # moving is free: it improves
    assert len(moved_operations(start, free)) > 0
    # every move dearer than any makespan gain: the reference plan stays as it is
    kept = improve(p, start, {"makespan": 1.0}, seed=0, iterations=20_000, reference=start,
                   move_cost=1e6)
    assert len(moved_operations(start, kept)) == 0
