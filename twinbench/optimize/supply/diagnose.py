"""Why a supply plan is infeasible: a deletion filter over named constraint groups.

Constraint groups are named in the plant's own terms: ``station WELD hours``, ``demand of
CAB-L in east``, ``DC DC-EAST throughput``, ``lane PLANT->DC-WEST``, ``supplier S2 capacity
of steel_sheet``... Starting from all groups, each group is relaxed in turn (its
constraints deactivated); if the model stays infeasible without it, it is dropped for good,
otherwise it is kept. What remains is an irreducible set of groups: together they conflict,
and relaxing any one of them makes a plan possible (Chinneck's deletion filter, at the level
of groups).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from twinbench.optimize.diagnose import deletion_filter
from twinbench.optimize.diagnose import feasible as _feasible
from twinbench.optimize.supply.model import build_supply_model
from twinbench.optimize.supply.problem import SupplyProblem

__all__ = ["constraint_groups", "diagnose"]


def constraint_groups(m: pyo.ConcreteModel) -> dict[str, list]:
    """Supply-model constraints by group name (plant terms) -> constraint data."""
    groups: dict[str, list] = {}

    def add(name: str, c: pyo.Constraint) -> None:
        """File constraint ``c`` under ``name``."""
        groups.setdefault(name, []).append(c)

    for (_w, st, _t), c in m.station_capacity.items():
        add(f"station {st} hours per period", c)
    for (_w, p, r, _t), c in m.demand.items():
        add(f"demand of {p} in {r} (every unit in its period)", c)
    for (_w, d, _t), c in m.dc_capacity.items():
        add(f"DC {d} throughput", c)
    for (_w, d, _t), c in m.lane_plant_dc.items():
        add(f"lane plant->{d} capacity", c)
    for (_w, d, r, _t), c in m.lane_dc_region.items():
        add(f"lane {d}->{r} capacity", c)
    return groups


def diagnose(prob: SupplyProblem, design: bool = False, shortage: str = "backorder",
             dcs_open: Mapping[str, bool] | None = None, solver: str = "appsi_highs",
             ) -> tuple[str | None, list[str]]:
    """The first infeasible scenario and a conflicting set of its constraint groups.

    Each scenario is a separate problem once the first-stage decisions are free, so the
    scenarios are tried one by one (small LPs) and the deletion filter runs on the first
    infeasible one. Demand rows are relaxed by letting deliveries fall short, which is why
    the demand group says "every unit in its period".
    """
    def feasible(m: pyo.ConcreteModel) -> bool:
        """The model has a plan with the groups still active."""
        return _feasible(m, solver)

    names = prob.scenarios if len(prob.scenarios) > 1 else [None]
    for name in names:
        one = prob if name is None else prob.scenario(name)
        m = build_supply_model(one, design=design, shortage=shortage, dcs_open=dcs_open)
        if not feasible(m):
            return name, deletion_filter(m, constraint_groups(m), feasible)
    # infeasible together but not one by one: the shared purchases conflict
    m = build_supply_model(prob, design=design, shortage=shortage, dcs_open=dcs_open)
    return None, deletion_filter(m, constraint_groups(m), feasible)
