"""Why a model is infeasible: Chinneck's deletion filter over named constraint groups.

Constraint groups are named in the plant's own terms (``station WELD hours``, ``release of
O0005``, ``PRESS-1 unavailable 10.0-26.0 h``). Starting from all groups, each group is
relaxed in turn (its constraints deactivated); if the model stays infeasible without it,
it is dropped for good, otherwise it is kept. What remains is an irreducible set of groups:
together they conflict, and relaxing any one of them makes a plan possible.
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo

__all__ = ["Infeasible", "deletion_filter", "feasible"]


class Infeasible(Exception):
    """No plan satisfies every constraint.

    Attributes
    ----------
    groups
        A conflicting set of constraint groups, in the plant's terms.
    scenario
        The scenario in which they conflict (None when not diagnosed per scenario).
    """

    def __init__(self, groups: list[str], scenario: str | None = None) -> None:
        self.groups = groups
        self.scenario = scenario
        where = f" in scenario {scenario!r}" if scenario else ""
        lines = [f"no feasible plan{where}: these constraints conflict (relaxing any one "
                 "of them makes a plan possible):", *[f"  - {g}" for g in groups]]
        super().__init__("\n".join(lines))


def feasible(m: pyo.ConcreteModel, solver: str) -> bool:
    """The model has a feasible point (the solver did not prove infeasibility)."""
    from twinbench.optimize.solvers import solve_model

    return solve_model(m, solver).status not in ("infeasible", "infeasibleOrUnbounded")


def deletion_filter(m: pyo.ConcreteModel, groups: dict[str, list],
                    feasible: Callable[[pyo.ConcreteModel], bool]) -> list[str]:
    """Irreducible infeasible set of group names (groups outside ``groups`` stay active)."""
    keep = list(groups)
    for name in list(groups):
        for c in groups[name]:
            c.deactivate()
        if feasible(m):
            for c in groups[name]:
                c.activate()  # needed for the conflict
        else:
            keep.remove(name)  # infeasible without it: not needed
    return keep


