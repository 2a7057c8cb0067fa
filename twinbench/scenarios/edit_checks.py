"""Checks of what-if edits: against the line (names it has, lead times that stay
positive), against the supply network (DCs, the spot-price floor) and against the plan
window (weeks and dates inside the horizon). Each check returns ``(location, message)``
pairs; :class:`~twinbench.scenarios.scenario.Scenario` turns them into one
:class:`~twinbench.scenarios.ScenarioError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from twinbench.scenarios.edits import (
    AddMachines,
    AddShift,
    DemandChange,
    SpotPrice,
    SupplierDelay,
    SupplierPrice,
    _LeadTimeEdit,
)
from twinbench.spec import LineSpec
from twinbench.spec.calendar import Shift

if TYPE_CHECKING:
    from twinbench.optimize.supply.network import Network

__all__ = ["check_edits", "check_horizon", "check_network", "plan_window"]


def check_edits(edits: list[Any], spec: LineSpec, network: Network | None = None
                ) -> list[tuple[str, str]]:
    """Problems of ``edits`` against the line: ``(location, message)`` pairs.

    Parameters
    ----------
    edits
        The edits, in the order they apply.
    spec
        The base line.
    network
        The distribution network (None: DC names and the spot price are not checked; see
        :func:`check_network`).

    Returns
    -------
    list of (str, str)
        Locations read ``edits[2] (machine_down).machine``.
    """
    known = {"product": sorted(spec.product_map), "machine": spec.machines,
             "station": sorted(spec.station_map),
             "supplier": sorted(s.name for s in spec.suppliers),
             "material": sorted(m.name for m in spec.materials)}
    suppliers = {s.name: s for s in spec.suppliers}
    lead = {s.name: s.lead_time for s in spec.suppliers}  # as the edits so far leave them
    shifts = list(spec.calendar.shifts)  # as the edits so far leave them
    out = []
    for i, e in enumerate(edits):
        where = f"edits[{i}] ({e.kind})"
        for fld, (what, value) in e.references().items():
            if what in known and value not in known[what]:
                out.append((f"{where}.{fld}",
                            f"unknown {what} {value!r}; allowed: {known[what]!r}"))
        if isinstance(e, AddMachines):
            st = spec.station_map.get(e.station)
            if st is not None and len(st.machine_ids) + e.count < 1:
                out.append((f"{where}.count",
                            f"station {e.station!r} has {len(st.machine_ids)} machine(s); "
                            f"{e.count} would leave none"))
        if isinstance(e, DemandChange) and e.last_week is not None \
                and e.last_week < e.first_week:
            out.append((f"{where}.last_week",
                        f"last_week {e.last_week} is before first_week {e.first_week}"))
        if isinstance(e, SupplierPrice) and e.material != "all" and e.supplier in suppliers \
                and e.material in known["material"] \
                and e.material not in suppliers[e.supplier].prices:
            sells = sorted(suppliers[e.supplier].prices)
            out.append((f"{where}.material",
                        f"supplier {e.supplier!r} does not sell {e.material!r}; "
                        f"allowed: {['all', *sells]!r}"))
        if isinstance(e, AddShift):
            out += _shift_problems(e, shifts, where)
            if e.start != e.end:
                shifts.append(Shift(name=e.name, start=e.start, end=e.end, days=e.days))
        if isinstance(e, _LeadTimeEdit) and e.supplier in lead:
            problem = e.lead_time_problem(lead[e.supplier])
            if problem:
                fld = "delay" if isinstance(e, SupplierDelay) else (
                    "change" if e.change is not None else "lead_time")
                out.append((f"{where}.{fld}", problem))
            else:
                lead[e.supplier] = e.new_lead_time(lead[e.supplier])
    if network is not None:
        out += check_network(edits, network)
    return out


def _shift_problems(e: AddShift, shifts: list[Any], where: str) -> list[tuple[str, str]]:
    """An added shift that adds no working time (every minute of it already in a
    shift: the edit would change nothing)."""
    try:
        mins = Shift(name=e.name, start=e.start, end=e.end, days=e.days).week_minutes()
    except ValueError as err:  # starts and ends at once
        return [(where, str(err).splitlines()[-1])]
    covered = set().union(*(s.week_minutes() for s in shifts)) if shifts else set()
    if mins and mins <= covered:
        over = [s.name for s in shifts if s.week_minutes() & mins]
        return [(where, f"shift {e.name!r} ({e.start}-{e.end} on {', '.join(e.days)}) adds "
                 f"no working time: shift(s) {', '.join(over)} already cover it")]
    return []


def check_network(edits: list[Any], network: Network) -> list[tuple[str, str]]:
    """Problems of ``edits`` against the distribution network: unknown DCs, a spot-price
    factor below 1 (as :func:`check_edits`, ``(location, message)`` pairs)."""
    dcs = sorted(network.dcs)
    out = []
    for i, e in enumerate(edits):
        where = f"edits[{i}] ({e.kind})"
        for fld, (what, value) in e.references().items():
            if what == "dc" and value not in dcs:
                out.append((f"{where}.{fld}", f"unknown dc {value!r}; allowed: {dcs!r}"))
        if isinstance(e, SpotPrice):
            problem = e.network_problem(network)
            if problem:
                out.append((f"{where}.factor", problem))
            else:
                network = e.apply_network(network)
    return out


def plan_window(periods: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The plan window of weekly ``periods``: first instant, end (exclusive) and its text.

    Parameters
    ----------
    periods
        Start of each planning week, in order (the supply problem's ``periods``).

    Returns
    -------
    start, end, text
        ``end`` is the last week's start + 7 d; ``text`` reads
        ``weeks 0-12 (2026-01-05 to 2026-04-05)`` (dates: first and last day).
    """
    if len(periods) == 0:
        raise ValueError("the plan has no periods")
    start = pd.Timestamp(periods[0])
    end = pd.Timestamp(periods[-1]) + pd.Timedelta(days=7)
    last_day = end - pd.Timedelta(days=1)
    text = (f"weeks 0-{len(periods) - 1} ({start:%Y-%m-%d} to {last_day:%Y-%m-%d})")
    return start, end, text


def check_horizon(edits: list[Any], periods: pd.DatetimeIndex) -> list[tuple[str, str]]:
    """Week fields and dates of ``edits`` outside the plan window of ``periods``.

    Parameters
    ----------
    edits
        The edits (anything with a ``horizon()`` hook; others are skipped).
    periods
        Start of each weekly planning period (week ``k`` is ``periods[k]``).

    Returns
    -------
    list of (str, str)
        ``("edits[2] (supplier_loss).first_week", "first_week 60 is outside the plan
        window: weeks 0-12 (2026-01-05 to 2026-04-05)")``.
    """
    start, end, text = plan_window(periods)
    n = len(periods)
    out = []
    for i, e in enumerate(edits):
        for fld, (what, value, shown) in getattr(e, "horizon", dict)().items():
            inside = (0 <= value < n) if what == "week" else (start <= value < end)
            if not inside:
                out.append((f"edits[{i}] ({e.kind}).{fld}",
                            f"{shown} is outside the plan window: {text}"))
    return out
