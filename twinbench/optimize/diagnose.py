"""Why a model is infeasible: Chinneck's deletion filter over named constraint groups.

Constraint groups are named in the plant's own terms (``station WELD hours``, ``release of
O0005``, ``PRESS-1 unavailable 10.0-26.0 h``). The whole model is solved first: when it has
a feasible point there is no conflict to name (the verdict is ``feasible``, never "every
group conflicts"). Otherwise, starting from all groups, each group is relaxed in turn (its
constraints deactivated); if the model stays infeasible without it, it is dropped for good,
otherwise it is kept. What remains is an irreducible set of groups: together they conflict,
and relaxing any one of them makes a plan possible. With a time limit the filter stops
early and says so (the groups left still conflict, but may not all be needed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyomo.environ as pyo

__all__ = ["Diagnosis", "Infeasible", "conflict_set", "deletion_filter", "feasibility",
           "feasible"]


class Infeasible(Exception):
    """No plan satisfies every constraint.

    Attributes
    ----------
    groups
        A conflicting set of constraint groups, in the plant's terms.
    scenario
        The scenario in which they conflict (None when not diagnosed per scenario).
    status
        ``infeasible`` (the set is irreducible) or ``partial`` (the diagnosis hit its time
        limit: the set conflicts but may not be irreducible).
    """

    def __init__(self, groups: list[str], scenario: str | None = None,
                 status: str | None = None) -> None:
        self.groups = list(groups)
        self.scenario = scenario
        self.status = status or getattr(groups, "status", "infeasible")
        where = f" in scenario {scenario!r}" if scenario else ""
        lines = [f"no feasible plan{where}: these constraints conflict (relaxing any one "
                 "of them makes a plan possible):", *[f"  - {g}" for g in groups]]
        if self.status == "partial":
            lines.append("  (the diagnosis hit its time limit: the set conflicts but may not "
                         "be irreducible)")
        super().__init__("\n".join(lines))


@dataclass
class Diagnosis:
    """The verdict of :func:`conflict_set`.

    Attributes
    ----------
    status
        ``feasible`` (the whole model has a feasible point: nothing conflicts),
        ``infeasible`` (``groups`` is an irreducible conflicting set), ``partial`` (the
        time limit stopped the filter: ``groups`` conflict but may not all be needed) or
        ``unknown`` (the time limit stopped the first solve: nothing is proven).
    groups
        The conflicting groups (empty unless ``infeasible`` or ``partial``).
    seconds
        Wall time spent [s].
    """

    status: str
    groups: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        """The whole model has a feasible point."""
        return self.status == "feasible"

    def __str__(self) -> str:
        """One line a planner reads."""
        if self.status == "feasible":
            return "feasible: the model has a plan, no constraints conflict"
        if self.status == "unknown":
            return "unknown: the solver neither found a plan nor proved there is none in time"
        return f"{self.status}: " + "; ".join(self.groups)


class _Groups(list):
    """A list of group names that also carries the diagnosis status."""

    status: str = "infeasible"


def feasibility(m: pyo.ConcreteModel, solver: str, time_limit: float | None = None) -> str:
    """``feasible``, ``infeasible`` or ``unknown`` (stopped by ``time_limit`` [s] first)."""
    from twinbench.optimize.solvers import solve_model

    out = solve_model(m, solver, time_limit)
    if out.status in ("infeasible", "infeasibleOrUnbounded"):
        return "infeasible"
    if out.has_solution or out.status == "optimal":
        return "feasible"
    return "unknown"


def feasible(m: pyo.ConcreteModel, solver: str, time_limit: float | None = None) -> bool:
    """The model has a feasible point (the solver did not prove infeasibility)."""
    return feasibility(m, solver, time_limit) != "infeasible"


def conflict_set(m: pyo.ConcreteModel, groups: dict[str, list],
                 feasible: Callable[[pyo.ConcreteModel], bool], *,
                 time_limit: float | None = None, check_whole: bool = True) -> Diagnosis:
    """The deletion filter with its verdict (groups outside ``groups`` stay active).

    Parameters
    ----------
    feasible
        True unless the model with the active constraints is proven infeasible.
    time_limit
        Wall-time limit of the whole filter [s]; past it the groups not yet tried are kept
        (status ``partial``).
    check_whole
        Solve the whole model first (skip only when the caller has just proven it
        infeasible).
    """
    tic = time.perf_counter()
    if check_whole and feasible(m):
        return Diagnosis("feasible", [], time.perf_counter() - tic)
    keep = list(groups)
    status = "infeasible"
    for name in list(groups):
        if time_limit is not None and time.perf_counter() - tic > time_limit:
            status = "partial"
            break
        for c in groups[name]:
            c.deactivate()
        if feasible(m):
            for c in groups[name]:
                c.activate()  # needed for the conflict
        else:
            keep.remove(name)  # infeasible without it: not needed
    return Diagnosis(status, keep, time.perf_counter() - tic)


def deletion_filter(m: pyo.ConcreteModel, groups: dict[str, list],
                    feasible: Callable[[pyo.ConcreteModel], bool], *,
                    time_limit: float | None = None) -> list[str]:
    """Irreducible infeasible set of group names (groups outside ``groups`` stay active);
    empty when the whole model is feasible (see :func:`conflict_set` for the verdict)."""
    d = conflict_set(m, groups, feasible, time_limit=time_limit)
    out = _Groups(d.groups)
    out.status = d.status
    return out
