"""The shared solve step: optimal with zero gap, time limit honoured, clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest

from twinbench.optimize.solvers import solve_model


def knapsack(n: int = 12, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    w = rng.integers(10, 100, (k, n))
    v = rng.integers(10, 100, n)
    cap = w.sum(axis=1) // 3
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), within=pyo.Binary)
    m.c = pyo.ConstraintList()
    for i in range(k):
        m.c.add(sum(int(w[i, j]) * m.x[j] for j in range(n)) <= int(cap[i]))
    m.o = pyo.Objective(expr=-sum(int(v[j]) * m.x[j] for j in range(n)))
    return m, w, v, cap


def test_optimal_matches_enumeration_with_zero_gap():
    m, w, v, cap = knapsack()
    best = max(int(v @ np.array(x)) for x in itertools.product([0, 1], repeat=len(v))
               if np.all(w @ np.array(x) <= cap))
    out = solve_model(m)
    assert out.status == "optimal" and out.has_solution and out.gap == 0.0
    assert pyo.value(m.o) == pytest.approx(-best)
    assert out.lower_bound == pytest.approx(-best)


def test_time_limit_stops_the_search():
    m, *_ = knapsack(n=60, k=8)
    out = solve_model(m, time_limit=0.0)
    assert out.status == "maxTimeLimit"
    assert not out.has_solution and np.isnan(out.gap)


def test_infeasible_and_unknown_solver():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x >= 2)
    m.o = pyo.Objective(expr=m.x)
    assert solve_model(m).status in ("infeasible", "infeasibleOrUnbounded")
    with pytest.raises(RuntimeError, match=r"solver 'nope' is not available.*appsi_highs"):
        solve_model(m, solver="nope")
