"""Solving a Pyomo model: HiGHS by default, any Pyomo solver by name, time limit and gap.

One place for what every twinbench model needs from a solver: availability checked with a
clear message, a time limit passed in the solver's own terms, the best plan found loaded
even when the limit stops the search, and status, bounds and relative gap reported.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pyomo.environ as pyo

__all__ = ["DEFAULT_SOLVER", "TIME_LIMIT_OPTION", "SolveOutcome", "solve_model"]

DEFAULT_SOLVER = "appsi_highs"
#: name of the time-limit option [s] by solver; others get no limit unless given in options
TIME_LIMIT_OPTION = {"appsi_highs": "time_limit", "highs": "time_limit", "cbc": "seconds",
                     "glpk": "tmlim", "gurobi": "TimeLimit", "gurobi_direct": "TimeLimit",
                     "cplex": "timelimit", "scip": "limits/time"}
_WITH_SOLUTION = ("optimal", "feasible", "maxTimeLimit", "maxIterations", "locallyOptimal",
                  "maxEvaluations", "other")


@dataclass
class SolveOutcome:
    """What the solver said.

    Attributes
    ----------
    status
        Pyomo's termination condition (``optimal``, ``maxTimeLimit``, ``infeasible`` ...).
    has_solution
        A solution was loaded into the model.
    lower_bound, upper_bound
        Bounds on the objective (minimisation) when the solver reports them.
    gap
        Relative gap ``(upper - lower) / max(|upper|, 1e-9)`` [1]; 0 when proven optimal,
        NaN when unknown.
    seconds
        Wall time of the solve [s].
    """

    status: str
    has_solution: bool
    lower_bound: float
    upper_bound: float
    gap: float
    seconds: float


def _bound(x: object) -> float:
    """A solver's bound as a float (NaN when it reports none)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def solve_model(model: pyo.ConcreteModel, solver: str = DEFAULT_SOLVER,
                time_limit: float | None = None, options: Mapping[str, object] | None = None,
                duals: bool = False, warmstart: bool = False) -> SolveOutcome:
    """Solve ``model`` in place and report the outcome.

    Parameters
    ----------
    solver
        A Pyomo ``SolverFactory`` name.
    time_limit
        Wall-time limit [s], passed as the solver's own option (see
        :data:`TIME_LIMIT_OPTION`).
    options
        The solver's own options, passed through.
    duals
        Import constraint duals into ``model.dual`` (LPs).
    warmstart
        Pass the variables' current values to the solver as a MIP start (solvers that
        accept one; ignored by the others).
    """
    opt = pyo.SolverFactory(solver)
    if not opt.available(exception_flag=False):
        raise RuntimeError(f"solver {solver!r} is not available to Pyomo; install it or "
                           f"choose another (default {DEFAULT_SOLVER!r}; for HiGHS: "
                           "pip install highspy)")
    if duals and not hasattr(model, "dual"):
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    opts = dict(options or {})
    if time_limit is not None and solver in TIME_LIMIT_OPTION:
        opts.setdefault(TIME_LIMIT_OPTION[solver], float(time_limit))
    t0 = time.perf_counter()
    kwargs = {}
    if warmstart and getattr(opt, "warm_start_capable", lambda: False)():
        kwargs["warmstart"] = True
    res = opt.solve(model, load_solutions=False, options=opts, **kwargs)
    seconds = time.perf_counter() - t0
    term = str(res.solver.termination_condition)
    loaded = False
    if term in _WITH_SOLUTION:
        try:
            quiet = logging.getLogger("pyomo.core")
            level = quiet.level
            quiet.setLevel(logging.ERROR)  # "loading a solution with an 'aborted' status"
            try:
                model.solutions.load_from(res)
            finally:
                quiet.setLevel(level)
            loaded = True
        except (ValueError, RuntimeError):  # stopped before any feasible point
            loaded = False
    lo = _bound(getattr(res.problem, "lower_bound", math.nan))
    up = _bound(getattr(res.problem, "upper_bound", math.nan))
    if term == "optimal":
        gap = 0.0
    elif math.isfinite(lo) and math.isfinite(up):
        gap = (up - lo) / max(abs(up), 1e-9)
    else:
        gap = math.nan
    return SolveOutcome(term, loaded, lo, up, gap, seconds)
