"""Crews and finite buffers in the week scheduler: hand-checked examples for the decoder,
the MIP and the independent checker; infeasibility names crews by their plant names; the
demo plant (no crews, no buffers) plans as before."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import pandas as pd
import pyomo.environ as pyo
import pytest

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.schedule import solve_schedule
from twinbench.optimize.schedule.check import check_schedule, objective_value, schedule_kpis
from twinbench.optimize.schedule.dispatch import dispatch, heuristic_schedule
from twinbench.optimize.schedule.model import build_model
from twinbench.optimize.schedule.problem import ScheduleProblem, problem_from_plant
from twinbench.optimize.schedule.search import retime
from twinbench.optimize.solvers import solve_model
from twinbench.spec import spec_from_dict


def station(durations, operators=1, machines=("P1", "P2"), families=None, **kw):
    """Single-operation jobs J0, J1, ... on any of ``machines``, all run by crew 'press'."""
    n = len(durations)
    jobs = pd.DataFrame({"release": 0.0, "due": 0.0, "weight": 1.0,
                         "family": families or ["A"] * n}, index=[f"J{i}" for i in range(n)])
    ops = pd.DataFrame({"job": jobs.index, "step": 0, "station": "PRESS"})
    modes = pd.DataFrame([(i, m, float(d), 1.0) for i, d in enumerate(durations)
                          for m in machines], columns=["op", "machine", "duration", "power"])
    kw.setdefault("horizon", 100.0)
    return ScheduleProblem(jobs, ops, modes, list(machines), crews={"press": list(machines)},
                           crew_size={"press": operators}, **kw)


def flow(buffer):
    """J0: 4 units, 0.25 h each on FAST (F1), then 1 h each on SLOW (S1), moved unit by unit;
    J1: 0.5 h on F1, released at 0.9 h. ``buffer`` units fit in front of SLOW (None:
    unlimited)."""
    jobs = pd.DataFrame({"release": [0.0, 0.9], "due": 0.0, "weight": [10.0, 1.0],
                         "family": "A", "quantity": [4, 1], "transfers": [4, 1]},
                        index=["J0", "J1"])
    ops = pd.DataFrame({"job": ["J0", "J0", "J1"], "step": [0, 1, 0],
                        "station": ["FAST", "SLOW", "FAST"]})
    modes = pd.DataFrame({"op": [0, 1, 2], "machine": ["F1", "S1", "F1"],
                          "duration": [1.0, 4.0, 0.5], "power": 1.0})
    return ScheduleProblem(jobs, ops, modes, ["F1", "S1"], horizon=50.0,
                           buffers={} if buffer is None else {"SLOW": buffer})


def by_job(table):
    """``{(job, step): (machine, start, end)}`` of a schedule table's operations."""
    return {(r.job, int(r.step)): (r.machine, float(r.start), float(r.end))
            for r in table.itertuples(index=False) if r.job != "MAINT"}


# (a) one operator for two machines: one lot after the other; two operators: in parallel
@pytest.mark.parametrize("operators, makespan", [(1, 5.0), (2, 3.0)])
def test_operators_limit_parallel_machines(operators, makespan):
    p = station([3, 2], operators)
    d = dispatch(p, "MWKR")
    assert float(d["end"].max()) == pytest.approx(makespan)  # the decoder
    assert check_schedule(p, d) == []
    s = solve_schedule(p, "makespan", time_limit=30, method="mip")  # the MIP
    assert s.status == "optimal"
    assert s.makespan == pytest.approx(makespan)
    assert s.lower_bound == pytest.approx(makespan)
    assert s.violations() == []
    if operators == 1:  # never both machines at once
        t = s.table.sort_values("start")
        assert t["start"].iloc[1] >= t["end"].iloc[0] - 1e-6


def plant_spec(per_shift=None, buffer=None, operators=1):
    """Two stations PRESS (2 machines, crew 'press') -> PAINT; shifts early 06-14, late
    14-22 on weekdays; ``per_shift`` operators of the crew, ``buffer`` in front of PAINT."""
    d = {
        "name": "crewline",
        "machine_types": [{"name": "t", "wear_rate_ref": "0.001 1/h",
                           "hazard_base": "0.0001 1/h"}],
        "stations": [{"name": "PRESS", "machines": 2, "machine_type": "t",
                      "idle_power": "1 kW", "busy_power": "10 kW"},
                     {"name": "PAINT", "machine_type": "t", "idle_power": "1 kW",
                      "busy_power": "10 kW"}],
        "products": [{"name": "P", "family": "F",
                      "routing": [{"station": "PRESS", "time": {"mean": "1 h"}}]},
                     {"name": "Q", "family": "F",
                      "routing": [{"station": "PRESS", "time": {"mean": "0.25 h"}},
                                  {"station": "PAINT", "time": {"mean": "1 h"}}]}],
        "calendar": {"shifts": [{"name": "early", "start": "06:00", "end": "14:00"},
                                {"name": "late", "start": "14:00", "end": "22:00"}]},
        "energy": {"base_price": "0.2 EUR/kWh"},
        "crews": [{"name": "press", "stations": ["PRESS"], "operators": operators,
                   "per_shift": per_shift or {}}],
    }
    if buffer is not None:
        d["buffers"] = [{"station": "PAINT", "capacity": buffer}]
    return spec_from_dict(d)


# (b) no operator on the late shift: nothing runs then
def test_no_operator_on_the_late_shift_stops_the_press():
    # 6 units x 1 h released Monday 10:00: 4 h of the early shift are left, the late shift
    # has no operator, and a lot is not interrupted (like a machine block): it runs
    # Tuesday 06:00-12:00 (with an operator on the late shift: Monday 10:00-16:00)
    orders = pd.DataFrame({"order_id": ["O1"], "product": ["P"], "quantity": [6],
                           "release": [pd.Timestamp("2026-01-12 10:00")],
                           "due": [pd.Timestamp("2026-01-13 12:00")]})
    p = problem_from_plant(plant_spec({"late": 0}), orders, t0="2026-01-12")
    late = p.crew_shifts[p.crew_shifts["shift"] == "late"]
    assert (late["operators"] == 0).all() and len(late) >= 5
    assert late["start"].iloc[0] == pytest.approx(8.0)  # Monday 14:00 on the working clock
    assert late["end"].iloc[0] == pytest.approx(16.0)
    s = solve_schedule(p, "tardiness", time_limit=30)
    row = s.table.iloc[0]
    assert row["start_time"] == pd.Timestamp("2026-01-13 06:00")
    assert row["end_time"] == pd.Timestamp("2026-01-13 12:00")
    assert s.violations() == []
    d = dispatch(p, "EDD")
    assert float(d["start"].iloc[0]) == pytest.approx(16.0)  # the decoder alike
    assert float(d["end"].iloc[0]) == pytest.approx(22.0)
    free = problem_from_plant(plant_spec(), orders, t0="2026-01-12")
    assert solve_schedule(free, "tardiness", time_limit=30).table["end_time"].iloc[0] == (
        pd.Timestamp("2026-01-12 16:00"))


# (c) no buffer between a fast and a slow station: the fast machine is held
@pytest.mark.parametrize("buffer, j1_start", [(0, 3.25), (1, 2.25), (None, 1.0)])
def test_full_buffer_holds_the_upstream_machine(buffer, j1_start):
    # J0 on F1 0-1 h; its units start on S1 at 0.25, 1.25, 2.25, 3.25 h. With no buffer
    # the 4th unit leaves F1 only at 3.25 h (= 0.25 + (4 - 0 - 1) x 1 h), with 1 place at
    # 2.25 h; unlimited: F1 is free at 1 h. J1 (weight 1) waits on F1 until then.
    p = flow(buffer)
    s = solve_schedule(p, "flow", time_limit=30, method="mip")
    for table in (dispatch(p, "MWKR"), s.table):
        t = by_job(table)
        assert t["J0", 0][1:] == pytest.approx((0.0, 1.0))
        assert t["J0", 1][1:] == pytest.approx((0.25, 4.25))
        assert t["J1", 0][1] == pytest.approx(j1_start)
        assert check_schedule(p, table) == []
    # the MIP alone (no warm start) finds the same plan and proves it
    assert s.lower_bound == pytest.approx(10 * 4.25 + j1_start + 0.5)
    m, _ = build_model(p, {"flow": 1.0})
    assert solve_model(m, "appsi_highs", 30).status == "optimal"
    assert [pyo.value(m.s[i]) for i in range(3)] == pytest.approx([0.0, 0.25, j1_start])


# (d) the checker names a crew over-subscription and an over-filled buffer
def test_checker_flags_crew_and_buffer_violations():
    p = station([3, 2], operators=1)
    both = pd.DataFrame({"job": ["J0", "J1"], "op": [0, 1], "step": 0,
                         "machine": ["P1", "P2"], "start": [0.0, 1.0], "end": [3.0, 3.0],
                         "setup": 0.0})
    bad = check_schedule(p, both)
    assert bad == ["at 1.000 h crew 'press' has 1 operator on duty but 2 machines running "
                   "(P1 J0 step 0, P2 J1 step 0)"]
    assert check_schedule(p, both.assign(start=[0.0, 3.0], end=[3.0, 5.0])) == []
    f = flow(0)
    early = pd.DataFrame({"job": ["J0", "J0", "J1"], "op": [0, 1, 2], "step": [0, 1, 0],
                          "machine": ["F1", "S1", "F1"], "start": [0.0, 0.25, 1.0],
                          "end": [1.0, 4.25, 1.5], "setup": 0.0})
    bad = check_schedule(f, early)
    assert len(bad) == 1 and bad[0].startswith("F1: J1 step 0 starts at 1.000 h while J0 step 0 "
                                               "is still on the machine until 3.250 h")
    assert check_schedule(flow(None), early) == []


def test_checker_names_the_shift_on_the_wall_clock():
    orders = pd.DataFrame({"order_id": ["O1", "O2"], "product": ["P", "P"],
                           "quantity": [2, 2], "release": [pd.Timestamp("2026-01-12 06:00")] * 2,
                           "due": [pd.Timestamp("2026-01-13 12:00")] * 2})
    p = problem_from_plant(plant_spec({"late": 1}, operators=2), orders, t0="2026-01-12")
    plan = pd.DataFrame({"job": ["O1", "O2"], "op": [0, 1], "step": 0,
                         "machine": ["PRESS1", "PRESS2"], "start": [9.0, 9.0],
                         "end": [11.0, 11.0], "setup": 0.0})
    assert check_schedule(p, plan) == [
        "at Mon 15:00 (9.000 h) crew 'press' has 1 operator on duty on the late shift but 2 "
        "machines running (PRESS1 O1 step 0, PRESS2 O2 step 0)"]
    assert check_schedule(p, plan.assign(start=[2.0, 2.0], end=[4.0, 4.0])) == []


# (e) the MIP and the decoder agree, and the checker passes the plan from solve
def brute_force(p):
    """Least makespan over every machine choice and order, timed by the decoder."""
    best = float("inf")
    n = p.n_ops
    for assign in itertools.product(p.machines, repeat=n):
        for order in itertools.permutations(range(n)):
            pos = {o: k for k, o in enumerate(order)}
            table = pd.DataFrame({"job": p.ops["job"], "op": range(n), "step": 0,
                                  "machine": list(assign), "start": [pos[o] for o in range(n)],
                                  "end": 0.0, "setup": 0.0})
            t = retime(p, table)
            if t is not None:
                best = min(best, float(t["end"].max()))
    return best


def test_mip_and_decoder_agree_with_crews_and_setups():
    # one operator for two machines, families A/B with 1 h changeovers (the operator does
    # them too): 2 + 2 + 1 h of work and one changeover to B, all one after the other
    setup = {m: {("A", "B"): 1.0, ("B", "A"): 1.0} for m in ("P1", "P2")}
    p = station([2, 2, 1], 1, families=["A", "B", "A"], setup=setup,
                initial_family={"P1": "A", "P2": "A"})
    assert brute_force(p) == pytest.approx(6.0)
    s = solve_schedule(p, "makespan", time_limit=30, method="mip")
    assert s.makespan == pytest.approx(6.0) and s.status == "optimal"
    assert s.violations() == []
    again = retime(p, s.table)
    assert float(again["end"].max()) == pytest.approx(s.makespan)
    # two operators: the B lot on its own machine, 1 h changeover + 2 h, beside 2 + 1 h A
    p2 = station([2, 2, 1], 2, families=["A", "B", "A"], setup=setup,
                 initial_family={"P1": "A", "P2": "A"})
    assert brute_force(p2) == pytest.approx(3.0)
    assert solve_schedule(p2, "makespan", time_limit=30, method="mip").makespan == (
        pytest.approx(3.0))


def test_solve_with_crews_and_buffer_on_a_small_plant():
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(6)],
                           "product": ["P", "Q", "Q", "P", "Q", "P"],
                           "quantity": [6, 8, 4, 5, 6, 3],
                           "release": [pd.Timestamp("2026-01-12 06:00")] * 6,
                           "due": [pd.Timestamp("2026-01-13 10:00")] * 6})
    spec = plant_spec({"late": 1}, buffer=0, operators=2)
    p = problem_from_plant(spec, orders, t0="2026-01-12")
    assert p.buffers == {"PAINT": 0}
    s = solve_schedule(p, "tardiness", time_limit=30, seed=0)
    assert s.violations() == []
    heur = heuristic_schedule(p, s.weights)
    assert heur is not None and check_schedule(p, heur) == []
    assert s.objective <= objective_value(schedule_kpis(p, heur), s.weights) + 1e-6
    # the operator slots keep an operator through a shift change: no bound is claimed
    assert "shift change" in s.options.get("bound_note", "")
    rolled = solve_schedule(p, "tardiness", time_limit=30, method="rolling", window_ops=4)
    assert rolled.options["windows"] >= 2
    assert check_schedule(p, rolled.table, tol=1e-4) == []


# infeasibility in plant terms
def test_a_deadline_the_crew_cannot_meet_names_the_crew():
    # 6 h of pressing released Monday 10:00, deadline Monday 20:00: possible with an
    # operator on the late shift, not without one
    orders = pd.DataFrame({"order_id": ["O1"], "product": ["P"], "quantity": [6],
                           "release": [pd.Timestamp("2026-01-12 10:00")],
                           "due": [pd.Timestamp("2026-01-12 20:00")],
                           "deadline": [pd.Timestamp("2026-01-12 20:00")]})
    ok = problem_from_plant(plant_spec(), orders, t0="2026-01-12", horizon=24 * 3)
    assert solve_schedule(ok, "tardiness", time_limit=30).violations() == []
    p = problem_from_plant(plant_spec({"late": 0}), orders, t0="2026-01-12", horizon=24 * 3)
    with pytest.raises(Infeasible) as err:
        solve_schedule(p, "tardiness", time_limit=30)
    groups = err.value.groups
    assert any(g.startswith("deadline of O1") for g in groups)
    assert "crew 'press' (0 operators on the late shift, 2026-01-12 14:00 to 2026-01-12 22:00)" in (
        groups)
    assert len(groups) <= 3, groups  # deadline, release, the crew's late shift


# (f) the demo plant (no crews; buffers not modelled by default) plans as before
#: dispatching plans of the demo week before crews and buffers were modelled (sha256 of
#: job, op, machine, start, end rounded to 1e-6 h; makespan [h]), from the code of the
#: commit before them
BEFORE = {"MWKR": ("b1716bb62077", 80.316667), "EDD": ("01567e7cf580", 81.35),
          "SLACK": ("48a083260ac5", 89.316667), "SPT": ("0792a57e4c1b", 85.98)}


def test_demo_plant_without_buffers_plans_as_before():
    from twinbench.data.plant import load_plant
    from twinbench.pipeline.week import first_week

    plant = load_plant()
    orders = first_week(plant.orders)
    maint = pd.DataFrame({"machine": ["PRESS1", "PAINT2"],
                          "due": pd.to_datetime(["2026-01-07 12:00", "2026-01-08 18:00"]),
                          "reason": ["RUL 10% quantile", "RUL 10% quantile"]})
    down = pd.DataFrame({"machine": ["WELD1"], "start": [pd.Timestamp("2026-01-06 06:00")],
                         "end": [pd.Timestamp("2026-01-06 22:00")], "reason": ["repair"]})
    assert problem_from_plant(plant.spec, orders).buffers == {  # the default: modelled
        "PRESS": 60, "WELD": 40, "PAINT": 80, "ASSY": 30, "TEST": 20}
    # with buffers taken as unlimited, the plans made before crews and buffers existed
    p = problem_from_plant(plant.spec, orders, maintenance=maint, downtime=down,
                           buffers=False)
    assert p.crews == {} and p.buffers == {} and len(p.crew_shifts) == 0
    for rule, (digest, makespan) in BEFORE.items():
        t = dispatch(p, rule)
        key = t[["job", "op", "machine", "start", "end"]].round(6).to_csv(index=False)
        assert hashlib.sha256(key.encode()).hexdigest()[:12] == digest, rule
        assert float(t["end"].max()) == pytest.approx(makespan)
    # with the plant's buffers modelled the dispatching plan differs and still passes
    pb = problem_from_plant(plant.spec, orders, maintenance=maint, downtime=down)
    t = dispatch(pb, "MWKR")
    assert check_schedule(pb, t) == []
    assert check_schedule(p, t) == []  # it holds the plant's rules without buffers too


# (g) what holds a plan back names the crew and the full buffer
def test_binding_constraints_name_crew_and_buffer():
    from twinbench.optimize.schedule.binding import binding_constraints

    p = station([3, 2], operators=1)
    # J0 can run on P1 only, J1 on P2 only: the machines do not hold the plan back, the
    # one operator does (makespan 5 h instead of 3 h)
    p = dataclasses.replace(p, modes=p.modes[p.modes["machine"]
                                            == p.modes["op"].map({0: "P1", 1: "P2"})])
    s = solve_schedule(p, "makespan", time_limit=30, method="mip")
    assert s.makespan == pytest.approx(5.0)
    b = binding_constraints(p, s.table, {"makespan": 1.0})
    crew = b[b["kind"] == "crew"]
    # the second lot waits for the operator of the first: 1 h of makespan per hour
    assert len(crew) == 1 and crew["shadow_price"].iloc[0] == pytest.approx(1.0)
    first, second = s.table.sort_values("start")["job"]
    assert crew["constraint"].iloc[0] == (
        f"crew press: {second} step 0 waits for the operator of {first} step 0")
    p2 = flow(0)
    s2 = solve_schedule(p2, "flow", time_limit=30, method="mip")
    b2 = binding_constraints(p2, s2.table, {"flow": 1.0})
    held = b2[b2["kind"] == "buffer"]
    # J1 (weight 1) waits on F1 while F1 holds J0's last unit: a later take by SLOW
    # delays J1 hour for hour
    assert held["constraint"].tolist() == [
        "buffer in front of SLOW full: FAST holds J0 step 0 until SLOW takes it"]
    assert held["shadow_price"].iloc[0] == pytest.approx(1.0)


# (h) rescheduling keeps a full buffer's hold on a machine whose work stays
def test_reschedule_keeps_the_hold_of_a_full_buffer():
    from twinbench.optimize.schedule.reschedule import reschedule

    # flow(0): J0 on F1 0-1 h (in progress at 0.1 h, it stays); its step on SLOW (S1) was to
    # start at 0.25 h, but S1 breaks down 0.1-2.1 h, so it starts at 2.1 h. With no place in
    # front of SLOW, F1 holds J0's last unit until S1 takes it: 2.1 + (4 - 0 - 1) x 1 h =
    # 5.1 h; only then can J1 start on F1 (it was planned at 3.25 h)
    approved = solve_schedule(flow(0), "flow", time_limit=30, method="mip")
    assert by_job(approved.table)["J1", 0][1] == pytest.approx(3.25)
    bd = pd.DataFrame({"machine": ["S1"], "start": [0.1], "end": [2.1]})
    res = reschedule(approved, 0.1, breakdowns=bd, time_limit=10)
    t = by_job(res.table)
    assert t["J0", 0][1:] == pytest.approx((0.0, 1.0))
    assert t["J0", 1][1:] == pytest.approx((2.1, 6.1))
    assert t["J1", 0][1:] == pytest.approx((5.1, 5.6))
    assert res.violations() == []


# (i) ... and on a machine whose work and its next step both stay
def test_reschedule_keeps_the_hold_when_the_next_step_stays_too():
    from twinbench.optimize.schedule.reschedule import reschedule

    # flow(0) again: at 0.5 h both steps of J0 are in progress (F1 0-1 h, S1 0.25-4.25 h)
    # and stay. F1 is held by J0's last unit until 0.25 + (4 - 0 - 1) x 1 h = 3.25 h, so
    # after F1 breaks down 1.5-2.0 h, J1 still cannot start before 3.25 h (the end of the
    # repair, 2.0 h, would put a unit on F1 while J0's is still on it)
    approved = solve_schedule(flow(0), "flow", time_limit=30, method="mip")
    bd = pd.DataFrame({"machine": ["F1"], "start": [1.5], "end": [2.0]})
    res = reschedule(approved, 0.5, breakdowns=bd, time_limit=10)
    t = by_job(res.table)
    assert t["J0", 1][1:] == pytest.approx((0.25, 4.25))
    assert t["J1", 0][1:] == pytest.approx((3.25, 3.75))
    assert res.violations() == []


# (j) a step in progress runs out of units when the step before it is interrupted
def test_reschedule_waits_for_the_units_of_an_interrupted_step():
    from twinbench.optimize.schedule.reschedule import reschedule

    # flow(None): J0 on F1 0-1 h (4 units of 0.25 h), on S1 0.25-4.25 h (1 h a unit). F1
    # breaks down at 0.5 h (2 units done) until 2.5 h: F1 ends at 2.5 + 0.5 = 3.0 h, its
    # units reach S1 at 0.25, 0.5, 2.75, 3.0 h; S1 runs them 0.25-1.25, 1.25-2.25,
    # 2.75-3.75, 3.75-4.75 h: it stands still 0.5 h and ends at 4.75 h. J1 (planned on F1
    # at 1.0 h) follows J0 on F1: 3.0-3.5 h
    approved = solve_schedule(flow(None), "flow", time_limit=30, method="mip")
    assert by_job(approved.table)["J0", 1][1:] == pytest.approx((0.25, 4.25))
    bd = pd.DataFrame({"machine": ["F1"], "start": [0.5], "end": [2.5]})
    res = reschedule(approved, 0.5, breakdowns=bd, time_limit=10)
    t = by_job(res.table)
    assert t["J0", 0][1:] == pytest.approx((0.0, 3.0))
    assert t["J0", 1][1:] == pytest.approx((0.25, 4.75))
    assert t["J1", 0][1:] == pytest.approx((3.0, 3.5))
    s1 = res.table[(res.table["job"] == "J0") & (res.table["step"] == 1)].iloc[0]
    assert (s1["state"], s1["pause"]) == ("in progress", pytest.approx(0.5))
    assert res.violations() == []


# (k) a repair of the step a full buffer feeds holds the machine before it for as long
def test_a_repair_downstream_lengthens_the_hold_of_a_full_buffer():
    from twinbench.optimize.schedule.reschedule import reschedule

    # flow(0): J0 on F1 0-1 h, on S1 0.25-4.25 h (4 units of 1 h), J1 on F1 at 3.25 h
    # (frozen: inside 0.5 + 4 h). S1 breaks down 0.5-1.5 h with J0 on it: it stands still
    # 1 h and ends at 5.25 h. F1 is held until S1 has taken all but one unit: 3 units of
    # work plus the 1 h standing still, 0.25 + 3 + 1 = 4.25 h (not 0.25 + 3/4 x 5 = 4.0 h,
    # the lengthened step taken as running at one rate). J1 cannot run as approved: it is
    # replanned at 4.25-4.75 h
    approved = solve_schedule(flow(0), "flow", time_limit=30, method="mip")
    assert by_job(approved.table)["J1", 0][1] == pytest.approx(3.25)
    bd = pd.DataFrame({"machine": ["S1"], "start": [0.5], "end": [1.5]})
    res = reschedule(approved, 0.5, freeze=4.0, breakdowns=bd, time_limit=10)
    t = by_job(res.table)
    assert t["J0", 1][1:] == pytest.approx((0.25, 5.25))
    assert t["J1", 0][1:] == pytest.approx((4.25, 4.75))
    state = res.table.set_index(["job", "step"])["state"]
    assert (state["J0", 1], state["J1", 0]) == ("in progress", "replanned")
    assert res.violations() == []
    # the checker alike: J1 at 4.0 h would start while F1 still holds J0's last unit
    early = res.table.assign(start=lambda d: d["start"].where(d["job"] != "J1", 4.0),
                             end=lambda d: d["end"].where(d["job"] != "J1", 4.5))
    from twinbench.optimize.schedule.reschedule import whole_plan_violations
    bad = whole_plan_violations(approved.problem, early, bd)
    assert any("F1: J1 step 0 starts at 4.000 h" in b for b in bad), bad
