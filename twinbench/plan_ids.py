"""Plan ids: the short text an approval refers to (:class:`twinbench.workbench.ApprovalLog`).

An id starts with the plan's kind (``supply:``, ``schedule:``) and then says what
tells plans apart: the same inputs solved to the same objective give the same id, so a
decision logged for a plan can be matched to the plan shown again later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twinbench.optimize.schedule import Schedule
    from twinbench.optimize.supply import SupplyPlan

__all__ = ["schedule_plan_id", "supply_plan_id"]


def supply_plan_id(plan: SupplyPlan) -> str:
    """Id of a supply plan: ``supply:<periods>w:<expected cost [EUR], 2 decimals>``.

    Parameters
    ----------
    plan
        A solved supply plan (reads ``options["periods"]`` [week] and ``objective``
        [EUR]).

    Returns
    -------
    str
        For example ``supply:26w:123456.79``.
    """
    return f"supply:{plan.options['periods']}w:{plan.objective:.2f}"


def schedule_plan_id(schedule: Schedule) -> str:
    """Id of a schedule: ``schedule:<input hash>:<objective, 3 decimals>``.

    Parameters
    ----------
    schedule
        A solved schedule (reads ``options["input_hash"]``, the hash of its problem, and
        ``objective``).

    Returns
    -------
    str
        For example ``schedule:3f2a9c:128.935``.
    """
    return f"schedule:{schedule.options['input_hash']}:{schedule.objective:.3f}"
