"""Supply-chain planning: what to buy, make, store and ship, week by week.

What lives here, one concept a module:

``network``
    The distribution network after the line (DCs, regions, lanes), loaded and checked.
``problem``
    :class:`SupplyProblem`, what the model reads: network, periods, demand and supplier
    scenarios, station hours.
``inputs``
    Those inputs from the plant and the twin (capacity, demand and disruption scenarios).
``model``
    The two-stage stochastic Pyomo model (:func:`build_supply_model`).
``diagnose``
    Why no plan exists: the conflicting constraint groups, in the plant's terms (it builds
    the model; the model knows nothing of it).
``solve``
    :func:`solve_supply` (model, then diagnosis when infeasible), :class:`SupplyPlan`, the
    value of the stochastic solution.
``check``
    The independent checker of any plan.
``policy``
    Safety stocks and reorder points from the forecast's error.

Imports: modules here may import ``twinbench.optimize.solvers``,
``twinbench.optimize.diagnose``, ``twinbench.spec`` and ``twinbench.data`` (the plant), and
each other by full module path (``twinbench.optimize.supply.problem``), never this
package's ``__init__``. Never ``twinbench.optimize.schedule``, scenarios, llm, viz or
dashboards.
"""

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.supply.check import check_supply_plan
from twinbench.optimize.supply.diagnose import constraint_groups
from twinbench.optimize.supply.inputs import (
    availability,
    demand_scenarios,
    station_hours,
    supplier_scenarios,
    supply_problem,
)
from twinbench.optimize.supply.model import build_supply_model
from twinbench.optimize.supply.network import (
    DC,
    Lane,
    Network,
    ProductFreight,
    Region,
    load_network,
    network_from_dict,
)
from twinbench.optimize.supply.policy import protection_sd, safety_stocks
from twinbench.optimize.supply.problem import SHORTAGE_MODES, SupplyProblem
from twinbench.optimize.supply.solve import (
    SupplyPlan,
    solve_supply,
    value_of_stochastic_solution,
)

__all__ = [
    "DC",
    "SHORTAGE_MODES",
    "Infeasible",
    "Lane",
    "Network",
    "ProductFreight",
    "Region",
    "SupplyPlan",
    "SupplyProblem",
    "availability",
    "build_supply_model",
    "check_supply_plan",
    "constraint_groups",
    "demand_scenarios",
    "load_network",
    "network_from_dict",
    "protection_sd",
    "safety_stocks",
    "solve_supply",
    "station_hours",
    "supplier_scenarios",
    "supply_problem",
    "value_of_stochastic_solution",
]
