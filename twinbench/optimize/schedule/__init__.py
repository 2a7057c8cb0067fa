"""Production scheduling: who makes what, on which machine, when.

What lives here, one concept a module:

``problem``
    :class:`ScheduleProblem`, the one structure every part reads, built from the plant or
    from a literature job shop; the working clock.
``check``
    The independent checker, the KPIs of a plan and its weighted objective.
``decode``
    The one decoder: machine orders or a dispatching rule made into a timed plan.
``dispatch``
    The dispatching heuristic (warm start, upper bound, fallback plan).
``search``
    Simulated annealing on machine orders and machine choices.
``model``
    The Pyomo MIP (disjunctive flexible job shop) and its time windows.
``diagnose``
    Whether a plan exists and, if not, why, in the plant's terms (the whole model is
    solved first; the deletion filter has a time limit).
``solve``
    :func:`solve_schedule`: heuristic, annealing, MIP, rolling horizon (revising earlier
    windows when a later one has no plan); :class:`Schedule` with the stage that produced
    the plan and where its bound comes from.
``binding``
    Binding constraints of a plan's sequence and their shadow prices.
``reschedule``
    :func:`~twinbench.optimize.schedule.reschedule.reschedule`: replan from the current
    state (in progress and frozen work stays) after breakdowns, late materials, rush
    orders, trading the objective against the operations moved.
``reschedule_week``
    The demo plant's first week approved and replanned (``twinbench reschedule``).
``jobshop``, ``flexible``
    Literature job shops (``instances/``: ft, la01-40, orb, ta01-30) and Brandimarte's
    flexible job shops (``instances/brandimarte/``), with their optima or bounds.

Imports: modules here may import ``twinbench.optimize.solvers``,
``twinbench.optimize.diagnose``, ``twinbench.spec`` and ``twinbench.twin.simulation`` (the
working clock), and each other by full module path (``twinbench.optimize.schedule.problem``),
never this package's ``__init__``. Never ``twinbench.optimize.supply``, scenarios, llm, viz or
dashboards.
"""

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.schedule.check import (
    MAINT,
    check_schedule,
    objective_value,
    schedule_kpis,
)
from twinbench.optimize.schedule.dispatch import RULES, heuristic_schedule
from twinbench.optimize.schedule.jobshop import (
    JobShop,
    evaluate_sequence,
    jobshop_names,
    load_jobshop,
    parse_jobshop,
    problem_from_jobshop,
    random_jobshop,
)
from twinbench.optimize.schedule.problem import (
    ScheduleInputError,
    ScheduleProblem,
    maintenance_from_rul,
    problem_from_plant,
)
from twinbench.optimize.schedule.search import improve
from twinbench.optimize.schedule.solve import (
    OBJECTIVES,
    Schedule,
    binding_constraints,
    build_jobshop_model,
    solve_jobshop,
    solve_schedule,
)

__all__ = [
    "MAINT",
    "OBJECTIVES",
    "RULES",
    "Infeasible",
    "JobShop",
    "Schedule",
    "ScheduleInputError",
    "ScheduleProblem",
    "binding_constraints",
    "build_jobshop_model",
    "check_schedule",
    "evaluate_sequence",
    "heuristic_schedule",
    "improve",
    "jobshop_names",
    "load_jobshop",
    "maintenance_from_rul",
    "objective_value",
    "parse_jobshop",
    "problem_from_jobshop",
    "problem_from_plant",
    "random_jobshop",
    "schedule_kpis",
    "solve_jobshop",
    "solve_schedule",
]
