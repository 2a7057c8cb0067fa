"""What-if forms: the values of a form (a dashboard's widgets) as a scenario edit.

A form asks for one kind of change and a few values: a supplier, a machine, a product, a
number of days, a first week and a factor. :func:`form_edit` turns them into the plain
data of one edit (as a scenario file writes it), and :func:`whatif_scenario` into a
:class:`~twinbench.scenarios.Scenario` checked against the line.

>>> form_edit("supplier_delay", supplier="S2", days=14)
{'kind': 'supplier_delay', 'supplier': 'S2', 'delay': '14 d'}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from twinbench.scenarios.scenario import Scenario, scenarios_from_dict

if TYPE_CHECKING:
    from twinbench.spec import LineSpec

__all__ = ["WHATIF_KINDS", "form_edit", "whatif_scenario"]

#: the kinds of change a what-if form offers: edit kind -> label shown to the user
WHATIF_KINDS: dict[str, str] = {
    "supplier_delay": "supplier delayed", "supplier_loss": "supplier lost",
    "machine_down": "machine down", "demand_change": "demand change",
    "energy_price": "energy price change", "add_shift": "extra shift"}

#: the shift an ``add_shift`` form adds: name, start and end [HH:MM]
NIGHT_SHIFT: dict[str, str] = {"name": "night", "start": "22:00", "end": "06:00"}


def form_edit(kind: str, *, supplier: str = "", machine: str = "", product: str = "all",
              days: int = 14, first_week: int = 2, factor: float = 1.2,
              horizon_start: pd.Timestamp | str | None = None) -> dict[str, Any]:
    """The edit a what-if form describes, as plain data (one item of a scenario's edits).

    Only the values the kind needs are read; the others may stay at their defaults.

    Parameters
    ----------
    kind
        One of :data:`WHATIF_KINDS`.
    supplier
        Supplier delayed or lost (``supplier_delay``, ``supplier_loss``).
    machine
        Machine down (``machine_down``).
    product
        Product whose demand changes, or ``"all"`` (``demand_change``).
    days
        Delay of every delivery (``supplier_delay``) or downtime (``machine_down``) [d];
        a ``supplier_loss`` lasts ``days // 7`` weeks, at least one [week].
    first_week
        First planning week hit, 0-based (``supplier_loss``, ``machine_down``) [week].
    factor
        Demand (``demand_change``) or energy-price (``energy_price``) multiplier [1].
    horizon_start
        Start of the planning horizon (the demand forecast's first week); a machine goes
        down at 06:00 of the day ``first_week`` weeks after it. Needed by
        ``machine_down`` only.

    Returns
    -------
    dict
        The edit: ``kind`` and its fields, quantities with units (``"14 d"``), times as
        ISO 8601 text.

    Raises
    ------
    ValueError
        Unknown ``kind`` (the message lists the allowed ones), or ``machine_down``
        without ``horizon_start``.

    Examples
    --------
    >>> form_edit("supplier_loss", supplier="S1", days=20, first_week=3)
    {'kind': 'supplier_loss', 'supplier': 'S1', 'first_week': 3, 'weeks': 2}
    >>> form_edit("machine_down", machine="WELD2", days=2, first_week=1,
    ...           horizon_start="2026-01-05")["start"]
    '2026-01-12T06:00:00'
    """
    if kind not in WHATIF_KINDS:
        raise ValueError(f"unknown what-if kind {kind!r}; allowed: {list(WHATIF_KINDS)!r}")
    if kind == "supplier_delay":
        return {"kind": kind, "supplier": supplier, "delay": f"{days} d"}
    if kind == "supplier_loss":
        return {"kind": kind, "supplier": supplier, "first_week": first_week,
                "weeks": max(1, days // 7)}
    if kind == "machine_down":
        if horizon_start is None:
            raise ValueError("a machine_down form needs horizon_start (the first week of "
                             "the plan) to place the downtime; found None")
        start = pd.Timestamp(horizon_start) + pd.Timedelta(weeks=first_week, hours=6)
        return {"kind": kind, "machine": machine, "start": start.isoformat(),
                "duration": f"{days} d"}
    if kind == "demand_change":
        return {"kind": kind, "product": product, "factor": factor}
    if kind == "energy_price":
        return {"kind": kind, "factor": factor}
    return {"kind": kind, **NIGHT_SHIFT}  # add_shift


def whatif_scenario(edit: dict[str, Any], spec: LineSpec, seed: int,
                    name: str = "what-if") -> Scenario:
    """A one-edit scenario, validated and checked against the line.

    Parameters
    ----------
    edit
        The edit as plain data (see :func:`form_edit`).
    spec
        The line the edit must fit (its suppliers, machines, products).
    seed
        Seed of the scenario's run (the base's, so that the comparison pairs samples).
    name
        The scenario's name.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The edit is not valid or names what the line does not have; the message says
        which field and lists the allowed values.
    """
    return scenarios_from_dict({"scenarios": [{"name": name, "edits": [edit],
                                               "seed": seed}]}, spec)[0]
