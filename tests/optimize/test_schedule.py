"""Production scheduling: hand-checked optima for setups, calendars, maintenance windows and
blocks; the checker catches planted violations; infeasibility names the conflict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.schedule import solve_schedule
from twinbench.optimize.schedule.check import MAINT, check_schedule, schedule_kpis
from twinbench.optimize.schedule.dispatch import heuristic_schedule
from twinbench.optimize.schedule.problem import (
    ScheduleInputError,
    ScheduleProblem,
    problem_from_plant,
)
from twinbench.spec import spec_from_dict


def one_machine(durations, families=None, release=None, due=None, deadline=None,
                machines=("M1",), **kw) -> ScheduleProblem:
    """Single-operation jobs J0, J1, ... on any of ``machines``."""
    n = len(durations)
    jobs = pd.DataFrame({"release": release or [0.0] * n, "due": due or [0.0] * n,
                         "weight": 1.0, "family": families or ["A"] * n},
                        index=[f"J{i}" for i in range(n)])
    if deadline is not None:
        jobs["deadline"] = deadline
    ops = pd.DataFrame({"job": jobs.index, "step": 0, "station": "S"})
    modes = pd.DataFrame([(i, m, float(d), 10.0) for i, d in enumerate(durations)
                          for m in machines], columns=["op", "machine", "duration", "power"])
    kw.setdefault("horizon", 100.0)
    return ScheduleProblem(jobs, ops, modes, list(machines), **kw)


def test_sequence_dependent_setups_batch_families():
    # A -> B or B -> A costs 2 h; the machine starts set up for A. Best: A, A, then B.
    p = one_machine([1, 1, 1], ["A", "B", "A"],
                    setup={"M1": {("A", "B"): 2.0, ("B", "A"): 2.0}}, initial_family={"M1": "A"})
    s = solve_schedule(p, "makespan", time_limit=30)
    assert s.status == "optimal"
    assert s.makespan == pytest.approx(5.0)
    order = s.table.sort_values("start")["job"].tolist()
    assert order[-1] == "J1"  # the B job last: one changeover only
    assert s.kpis["setup_hours"] == pytest.approx(2.0)
    assert not s.violations()


def test_weighted_tardiness_two_jobs():
    # J0 (3 h, due 3) and J1 (1 h, due 1): J1 first gives tardiness 1, the other order 3
    p = one_machine([3, 1], due=[3.0, 1.0])
    s = solve_schedule(p, {"tardiness": 1.0}, time_limit=30)
    assert s.objective == pytest.approx(1.0)
    assert s.table.sort_values("start")["job"].tolist() == ["J1", "J0"]
    assert s.kpis["tardy_jobs"] == 1
    # its binding constraints name the due date that costs
    assert (s.binding["kind"] == "due date").any()


def test_parallel_machines_split_the_work():
    p = one_machine([4, 4, 2, 2], machines=("M1", "M2"))
    s = solve_schedule(p, "makespan", time_limit=30)
    assert s.makespan == pytest.approx(6.0)
    assert set(s.table["machine"]) == {"M1", "M2"}


def test_maintenance_window_before_the_failure_risk_threshold():
    # a 3 h service must end by hour 4; jobs of 2 h cannot go before it
    maint = pd.DataFrame({"task": ["svc"], "machine": ["M1"], "duration": [3.0],
                          "earliest": [0.0], "deadline": [4.0], "reason": ["RUL"]})
    p = one_machine([2, 2], maintenance=maint)
    s = solve_schedule(p, "makespan", time_limit=30)
    assert s.makespan == pytest.approx(7.0)
    svc = s.table[s.table["job"] == MAINT].iloc[0]
    assert svc["end"] <= 4.0 + 1e-6
    assert not s.violations()


def test_machine_unavailability_is_never_overlapped():
    blocks = pd.DataFrame({"machine": ["M1"], "start": [2.0], "end": [5.0],
                           "reason": ["breakdown"]})
    p = one_machine([1, 3], blocks=blocks)
    s = solve_schedule(p, "makespan", time_limit=30)
    # the 1 h job fits before the stop, the 3 h job only after it
    assert s.makespan == pytest.approx(8.0)
    assert not s.violations()


def mini_spec():
    return spec_from_dict({
        "name": "mini",
        "machine_types": [{"name": "t", "wear_rate_ref": "0.001 1/h",
                           "hazard_base": "0.0001 1/h"}],
        "stations": [{"name": "CUT", "machine_type": "t", "idle_power": "1 kW",
                      "busy_power": "10 kW"}],
        "products": [{"name": "P", "family": "F",
                      "routing": [{"station": "CUT", "time": {"mean": "1 h"}}]}],
        "calendar": {"shifts": [{"name": "day", "start": "06:00", "end": "22:00"}]},
        "energy": {"base_price": "0.2 EUR/kWh",
                   "periods": [{"name": "peak", "start": "08:00", "end": "20:00",
                                "price": "0.4 EUR/kWh"}]},
    })


def test_shift_calendar_work_resumes_next_shift():
    # released Friday 20:00, 4 h of work, shifts 06-22 on weekdays: 2 h on Friday,
    # the rest on Monday 06:00-08:00
    orders = pd.DataFrame({"order_id": ["O1"], "product": ["P"], "quantity": [4],
                           "release": [pd.Timestamp("2026-01-09 20:00")],
                           "due": [pd.Timestamp("2026-01-12 12:00")]})
    spec = mini_spec()
    p = problem_from_plant(spec, orders, t0="2026-01-09")
    s = solve_schedule(p, "tardiness", time_limit=30)
    row = s.table.iloc[0]
    assert row["start_time"] == pd.Timestamp("2026-01-09 20:00")
    assert row["end_time"] == pd.Timestamp("2026-01-12 08:00")
    # energy: 2 h at 0.2 (Fri 20-22) + 2 h at 0.2 (Mon 06-08), 10 kW
    assert s.kpis["energy_cost"] == pytest.approx(10 * 4 * 0.2)


def test_energy_cost_moves_work_off_peak():
    # 2 h job released Monday 06:00, due Tuesday: off-peak 06-08 costs 0.2, peak 0.4
    orders = pd.DataFrame({"order_id": ["O1"], "product": ["P"], "quantity": [2],
                           "release": [pd.Timestamp("2026-01-12 07:00")],
                           "due": [pd.Timestamp("2026-01-13 22:00")]})
    p = problem_from_plant(mini_spec(), orders, t0="2026-01-12")
    s = solve_schedule(p, {"cost": 1.0}, time_limit=30)
    # at once (07:00) it would run 1 h off-peak and 1 h at peak: 10 x (0.2 + 0.4) = 6 EUR;
    # after the peak (20:00-22:00) it costs 10 x 2 x 0.2 = 4 EUR, in time for its due date
    assert s.table["start_time"].iloc[0] == pd.Timestamp("2026-01-12 20:00")
    assert s.kpis["energy_cost"] == pytest.approx(10 * 2 * 0.2)


def test_checker_catches_planted_violations():
    maint = pd.DataFrame({"task": ["svc"], "machine": ["M1"], "duration": [1.0],
                          "earliest": [0.0], "deadline": [10.0], "reason": ["RUL"]})
    blocks = pd.DataFrame({"machine": ["M1"], "start": [20.0], "end": [22.0], "reason": ["x"]})
    p = one_machine([2, 2], ["A", "B"], setup={"M1": {("A", "B"): 1.0}}, maintenance=maint,
                    blocks=blocks, release=[0.0, 1.0])
    good = solve_schedule(p, "makespan", time_limit=30).table
    assert check_schedule(p, good) == []

    j0 = good.index[good["job"] == "J0"][0]
    j1 = good.index[good["job"] == "J1"][0]
    mt = good.index[good["job"] == MAINT][0]
    t = good.copy()
    t.loc[j1, ["start", "end"]] = [0.5, 2.5]
    v = check_schedule(p, t)
    assert any("before its release" in x for x in v)
    t = good.copy()
    t.loc[j1, ["start", "end"]] = [t.loc[j0, "end"], t.loc[j0, "end"] + 2]  # no setup gap
    assert any("setup" in x or "previous job" in x for x in check_schedule(p, t))
    t = good.copy()
    t.loc[j0, "end"] = t.loc[j0, "start"] + 1.0
    assert any("lasts" in x for x in check_schedule(p, t))
    t = good.copy()
    t.loc[mt, ["start", "end"]] = [10.0, 11.0]
    assert any("outside its window" in x for x in check_schedule(p, t))
    t = good.copy()
    t.loc[j1, ["start", "end"]] = [19.0, 21.0]
    assert any("unavailable window" in x for x in check_schedule(p, t))
    t = good.drop(index=j0)
    assert any("not scheduled" in x for x in check_schedule(p, t))
    t = good.copy()
    t.loc[j0, "machine"] = "M9"
    assert any("not eligible" in x for x in check_schedule(p, t))


def test_infeasible_names_the_conflicting_constraints():
    blocks = pd.DataFrame({"machine": ["M1"], "start": [1.0], "end": [10.0],
                           "reason": ["breakdown"]})
    p = one_machine([3, 1], blocks=blocks, deadline=[4.0, np.nan])
    with pytest.raises(Infeasible) as err:
        solve_schedule(p, "makespan", time_limit=30)
    groups = err.value.groups
    assert any(g.startswith("deadline of J0") for g in groups)
    assert any("unavailable" in g for g in groups)
    assert not any("J1" in g for g in groups)  # J1 has nothing to do with it


def test_infeasible_maintenance_window():
    maint = pd.DataFrame({"task": ["svc"], "machine": ["M1"], "duration": [5.0],
                          "earliest": [0.0], "deadline": [4.0], "reason": ["RUL"]})
    p = one_machine([1], maintenance=maint)
    with pytest.raises(Infeasible) as err:
        solve_schedule(p, "makespan", time_limit=30)
    assert len(err.value.groups) == 1 and err.value.groups[0].startswith("maintenance svc")
    assert "relaxing any one" in str(err.value)


def test_bad_input_is_explained():
    with pytest.raises(ScheduleInputError, match="unknown machine"):
        one_machine([1], machines=("M1",), blocks=pd.DataFrame(
            {"machine": ["M7"], "start": [0.0], "end": [1.0], "reason": ["x"]}))
    with pytest.raises(ValueError, match="unknown objective 'fastest'"):
        solve_schedule(one_machine([1]), "fastest")
    with pytest.raises(ValueError, match="unknown method"):
        solve_schedule(one_machine([1]), method="magic")
    with pytest.raises(RuntimeError, match="not available"):
        solve_schedule(one_machine([1, 2]), solver="no_such_solver")
    orders = pd.DataFrame({"order_id": ["O1"], "product": ["NOPE"], "quantity": [1],
                           "release": ["2026-01-05"], "due": ["2026-01-06"]})
    with pytest.raises(ScheduleInputError, match="unknown product"):
        problem_from_plant(mini_spec(), orders)


def test_heuristic_is_feasible_and_time_limit_reports_gap():
    rng = np.random.default_rng(3)
    p = one_machine(list(rng.integers(1, 9, 14)), families=list(rng.choice(["A", "B", "C"], 14)),
                    machines=("M1", "M2"), due=list(rng.uniform(5, 30, 14)),
                    setup={m: {(a, b): 1.5 for a in "ABC" for b in "ABC" if a != b}
                           for m in ("M1", "M2")})
    h = heuristic_schedule(p, {"tardiness": 1.0})
    assert check_schedule(p, h) == []
    s = solve_schedule(p, "tardiness", time_limit=2)
    assert not s.violations()
    k = schedule_kpis(p, h)
    assert s.objective <= k["weighted_tardiness"] + 0.01 * k["weighted_flow"] + 1e-6
    assert s.status in ("optimal", "maxTimeLimit", "heuristic")
    if s.status == "optimal":
        assert s.gap == pytest.approx(0.0, abs=1e-6)
    else:
        assert math.isnan(s.gap) or s.gap >= 0
    assert s.options["input_hash"] and s.options["seed"] == 0


def test_annealing_moves_work_to_an_idle_machine():
    from twinbench.optimize.schedule.search import improve

    # four 1 h jobs all on M1 (makespan 4); M2 is eligible and idle: the best is 2 h
    p = one_machine([1, 1, 1, 1], machines=("M1", "M2"))
    start = pd.DataFrame({"job": p.jobs.index, "op": range(4), "step": 0, "machine": "M1",
                          "start": [0.0, 1.0, 2.0, 3.0], "end": [1.0, 2.0, 3.0, 4.0],
                          "setup": 0.0})
    assert check_schedule(p, start) == []
    better = improve(p, start, {"makespan": 1.0}, iterations=2000, seed=1)
    assert check_schedule(p, better) == []
    assert better["end"].max() == pytest.approx(2.0)
    assert better["machine"].value_counts().to_dict() == {"M1": 2, "M2": 2}


def test_annealing_keeps_a_plan_when_the_move_costs_more_energy_than_it_saves():
    from twinbench.optimize.schedule.search import improve

    # M2 is as fast but draws 100x the power: with energy priced high, stay on M1
    p = one_machine([1, 1], machines=("M1", "M2"),
                    tariff=pd.DataFrame({"start": [0.0], "end": [100.0], "price": [0.3]}))
    p.modes.loc[p.modes["machine"] == "M2", "power"] = 1000.0
    start = pd.DataFrame({"job": p.jobs.index, "op": [0, 1], "step": 0, "machine": "M1",
                          "start": [0.0, 1.0], "end": [1.0, 2.0], "setup": 0.0})
    w = {"makespan": 1.0, "cost": 1.0}
    kept = improve(p, start, w, iterations=2000, seed=1)
    assert set(kept["machine"]) == {"M1"}
    # priced low, the same move is worth it
    moved = improve(p, start, {"makespan": 1.0, "cost": 1e-6}, iterations=2000, seed=1)
    assert moved["end"].max() == pytest.approx(1.0)


def test_energy_is_priced_over_the_whole_operation_not_at_its_start():
    # one 4 h job, 10 kW, free to start in [0, 16]; prices 0.5 on [0, 2), 0.1 on [2, 3),
    # 1.0 afterwards. Priced at its start, [2, 3) would look cheapest (4 h x 0.1); priced
    # over its 4 h, starting at s in [0, 2] costs 10 x ((2 - s) 0.5 + 0.1 + (s + 1) 1.0)
    # = 21 + 5 s EUR, at s in [2, 3] 10 x ((3 - s) 0.1 + (s + 1) 1.0) = 31 + 9 (s - 2):
    # the optimum starts at 0 and costs 21 EUR, and the MIP's bound says so.
    p = one_machine([4], deadline=[20.0],
                    tariff=pd.DataFrame({"start": [0.0, 2.0, 3.0], "end": [2.0, 3.0, 100.0],
                                         "price": [0.5, 0.1, 1.0]}))
    s = solve_schedule(p, {"cost": 1.0}, time_limit=30)
    assert s.status == "optimal"
    assert s.table["start"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert s.kpis["energy_cost"] == pytest.approx(21.0)
    assert s.objective == pytest.approx(21.0)
    assert s.lower_bound == pytest.approx(21.0, rel=1e-4)
