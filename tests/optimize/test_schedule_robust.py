"""Robust solving: the diagnosis proves infeasibility before naming a conflict, the
annealer keeps hard deadlines, setup matrices that break the triangle inequality get no
false bound, and the rolling horizon revises earlier windows instead of giving up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from tests.optimize.test_schedule import one_machine  # the shared one-machine builder
from twinbench.optimize.diagnose import Infeasible, conflict_set, feasible
from twinbench.optimize.schedule import solve_schedule
from twinbench.optimize.schedule.check import check_schedule, deadline_excess
from twinbench.optimize.schedule.diagnose import diagnose_schedule
from twinbench.optimize.schedule.dispatch import dispatch, heuristic_schedule
from twinbench.optimize.schedule.jobshop import load_jobshop, problem_from_jobshop, random_jobshop
from twinbench.optimize.schedule.search import improve


def _toy() -> tuple[pyo.ConcreteModel, dict[str, list]]:
    """x >= 2 (A), x <= 1 (B), y <= 5 (C): A and B conflict, C is innocent."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(bounds=(0, 10))
    m.a = pyo.Constraint(expr=m.x >= 2)
    m.b = pyo.Constraint(expr=m.x <= 1)
    m.c = pyo.Constraint(expr=m.y <= 5)
    m.obj = pyo.Objective(expr=m.x + m.y)
    return m, {"C": [m.c], "A": [m.a], "B": [m.b]}


def test_deletion_filter_names_the_conflict_and_nothing_on_a_feasible_model():
    m, groups = _toy()
    d = conflict_set(m, groups, lambda mm: feasible(mm, "appsi_highs"))
    assert d.status == "infeasible" and sorted(d.groups) == ["A", "B"]
    m, groups = _toy()
    m.b.deactivate()  # now feasible: nothing conflicts
    d = conflict_set(m, {"C": [m.c], "A": [m.a]}, lambda mm: feasible(mm, "appsi_highs"))
    assert d.feasible and d.groups == [] and str(d).startswith("feasible")


def test_deletion_filter_stops_at_its_time_limit_and_says_so():
    m, groups = _toy()
    d = conflict_set(m, groups, lambda mm: feasible(mm, "appsi_highs"), time_limit=0.0)
    assert d.status == "partial"
    assert set(d.groups) == {"A", "B", "C"}  # nothing tried: everything kept, and flagged
    err = Infeasible(d.groups, status=d.status)
    assert "may not be irreducible" in str(err)


def test_schedule_diagnosis_of_a_feasible_problem_says_feasible():
    # a plan exists (J1 first meets its deadline); the diagnosis must not blame anything
    p = one_machine([5, 1], due=[0.0, 10.0], deadline=[np.nan, 1.0])
    d = diagnose_schedule(p)
    assert d.status == "feasible" and d.groups == []
    # the infeasible version is still explained in plant terms
    q = one_machine([5, 1], release=[0.0, 3.0], due=[0.0, 10.0], deadline=[np.nan, 1.0])
    d = diagnose_schedule(q)
    assert d.status == "infeasible"
    assert any("deadline of J1" in g for g in d.groups)
    assert any("release of J1" in g for g in d.groups)
    assert len(d.groups) <= 3


def test_annealer_repairs_a_missed_deadline_instead_of_trading_it():
    # EDD puts J0 (due 0) first and J1 misses its hard deadline of 1 h; on tardiness alone
    # that order is better (5 h late against 6 h), so only the deadline can make it swap
    p = one_machine([5, 1], due=[0.0, 10.0], deadline=[np.nan, 1.0])
    edd = dispatch(p, "EDD")
    assert deadline_excess(p, edd) == pytest.approx(5.0)
    fixed = improve(p, edd, {"tardiness": 1.0}, seed=0, iterations=200)
    assert not check_schedule(p, fixed)
    assert deadline_excess(p, fixed) == 0.0
    # the dispatching heuristic too prefers a plan that meets the deadline
    assert deadline_excess(p, heuristic_schedule(p, {"tardiness": 1.0})) == 0.0
    # and the MIP route keeps a valid plan
    s = solve_schedule(p, {"tardiness": 1.0}, time_limit=10)
    assert not s.violations() and s.objective == pytest.approx(6.0)


def test_setup_matrix_breaking_the_triangle_inequality_gives_no_false_bound():
    # A -> C takes 10 h directly but 1 h + B + 1 h through B: the pairwise MIP would charge
    # 10 h between A and C even with B in between, a "bound" above the true optimum 5 h
    setup = {"M1": {("A", "B"): 1.0, ("B", "C"): 1.0, ("A", "C"): 10.0, ("C", "A"): 1.0,
                    ("B", "A"): 1.0, ("C", "B"): 1.0}}
    p = one_machine([1, 1, 1], ["A", "B", "C"], setup=setup, initial_family={"M1": "A"})
    bad = p.setup_triangle_violations()
    assert bad and "A->C" in bad[0]
    s = solve_schedule(p, "makespan", time_limit=10)
    assert s.makespan == pytest.approx(5.0) and not s.violations()
    # the MIP's "bound" is dropped; only the setup-free load bound (3 h) is kept
    assert s.status != "optimal" and s.options["bound_source"] == "machine and job loads"
    assert s.lower_bound == pytest.approx(3.0) and s.lower_bound <= s.makespan
    assert "triangle" in s.options["bound_note"]
    t = solve_schedule(p, "tardiness", time_limit=10, duals=False)
    assert math.isnan(t.lower_bound) and t.options["bound_source"] == "none"
    # a metric matrix passes and keeps its proof
    setup["M1"][("A", "C")] = 2.0
    ok = one_machine([1, 1, 1], ["A", "B", "C"], setup=setup, initial_family={"M1": "A"})
    assert ok.setup_triangle_violations() == []
    s = solve_schedule(ok, "makespan", time_limit=10)
    assert s.status == "optimal" and s.lower_bound == pytest.approx(s.makespan, rel=1e-6)


def test_rolling_horizon_revises_an_earlier_window_for_a_deadline():
    # J4 comes last by due date (its window is the last) but must end by hour 1: only a
    # plan that revises the first window can put it first
    p = one_machine([1, 1, 1, 1, 1], due=[2.0, 3.0, 4.0, 5.0, 50.0],
                    deadline=[np.nan] * 4 + [1.0])
    s = solve_schedule(p, "tardiness", method="rolling", window_ops=2, time_limit=20,
                       duals=False)
    assert not s.violations()
    assert s.options["revised"] >= 1
    assert s.table.sort_values("start")["job"].iat[0] == "J4"


@pytest.mark.parametrize("seed", [1, 2, 3, "ft06", "la01"])
def test_rolling_horizon_keeps_every_feasible_instance_feasible(seed):
    # deadlines taken from a known plan (SPT dispatching) make a tight but feasible
    # problem; windows cut by random due dates must not lose it: the rolling horizon
    # must find a plan (random shops and two literature ones)
    if isinstance(seed, str):
        inst, seed = load_jobshop(seed), 0
    else:
        inst = random_jobshop(8, 3, seed=seed)
    base = problem_from_jobshop(inst)
    known = dispatch(base, "SPT")
    last = known.groupby("job")["end"].max()
    jobs = base.jobs.copy()
    jobs["deadline"] = last.reindex(jobs.index).to_numpy(float)
    rng = np.random.default_rng(seed)
    jobs["due"] = rng.uniform(0, last.max(), len(jobs))  # windows cut by due date
    p = type(base)(jobs, base.ops, base.modes, base.machines, horizon=base.horizon)
    assert not check_schedule(p, known)  # the known plan is feasible
    s = solve_schedule(p, "tardiness", method="rolling", window_ops=6, time_limit=15,
                       duals=False)
    assert not s.violations()


def test_stage_and_bound_are_reported():
    p = problem_from_jobshop(random_jobshop(4, 3, seed=0))
    s = solve_schedule(p, "makespan", time_limit=10, duals=False)
    assert s.stage in ("dispatch", "annealer", "mip")
    assert s.options["bound_source"] in ("mip", "machine and job loads")
    assert s.lower_bound <= s.makespan + 1e-6
    h = solve_schedule(p, "makespan", method="heuristic", duals=False)
    assert h.stage == "dispatch" and h.lower_bound <= h.makespan + 1e-6
    assert isinstance(pd.DataFrame(h.table), pd.DataFrame)
