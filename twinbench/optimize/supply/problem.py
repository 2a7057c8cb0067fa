"""What the supply model reads: the network, the periods and the scenarios, on labelled sets.

A :class:`SupplyProblem` is built from the plant and the twin by
:func:`twinbench.optimize.supply.inputs.supply_problem` (or by hand); the model
(:mod:`twinbench.optimize.supply.model`), the checker and the diagnosis all read it.

Lead times in days
    An order placed at the start of week ``t`` with a lead time of ``L`` days arrives on day
    ``7 t + L``, i.e. in week ``k = t + floor(L / 7)``, ``f = L mod 7`` days into it. Material
    arriving ``f`` days into a week is usable for ``(7 - f) / 7`` of that week's production;
    in the weekly model the order is split accordingly: the share ``(7 - f) / 7`` counts as
    arriving in week ``k`` and the rest, ``f / 7``, in week ``k + 1``
    (:func:`arrival_shares`). When ``L`` is a whole number of weeks (``f = 0``) everything
    arrives in week ``k``; a 0-day lead time arrives in the order's own week. So S1's 10 days
    arrive 4/7 one week and 3/7 two weeks after the order, S2's 14 days all two weeks after.
    A delivery arrives or fails as a whole: the supplier's share ``supply[w, s, k]`` of the
    week of arrival ``k`` applies to both parts.
Spot buys
    At most ``spot_capacity`` units of a material per week [unit/week] (default: unlimited),
    arriving after ``spot_lead_time`` days [d] by the same rule (default 7 d: next week).
    Each is read from this problem when set, else from the network's attribute of the same
    name when it has one, else the default: the defaults reproduce the week-based model.
Terminal value
    Stock left at the horizon's end (materials, and finished goods at their material
    content) is worth ``terminal_value`` x its purchase price (the cheapest offer) [1];
    default 0 (the stock is worthless after the horizon, as before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.optimize.supply.network import Network
from twinbench.spec import LineSpec

__all__ = ["DEFAULT_SPOT_LEAD_DAYS", "SHORTAGE_MODES", "SupplyProblem", "arrival_shares"]

#: spot buys arrive a week after the order unless the problem or the network says otherwise
DEFAULT_SPOT_LEAD_DAYS = 7.0

#: how unmet demand is treated (see :func:`twinbench.optimize.supply.model.build_supply_model`)
SHORTAGE_MODES = ("backorder", "lost_sales", "none")


def arrival_shares(lead_days: float) -> list[tuple[int, float]]:
    """When an order arrives, in weeks after the week it is placed, with the share of it.

    Parameters
    ----------
    lead_days
        Lead time [d], >= 0.

    Returns
    -------
    list of (int, float)
        ``(weeks after the order [week], share of the order [1])``: one pair when the lead
        time is a whole number of weeks, else two (the part usable in the week of arrival,
        ``(7 - f) / 7``, and the rest, ``f / 7``, the next week; ``f = lead_days mod 7``).

    >>> arrival_shares(0.0)
    [(0, 1.0)]
    >>> arrival_shares(14.0)
    [(2, 1.0)]
    >>> [(k, round(x, 4)) for k, x in arrival_shares(10.0)]  # day 3 of week 1
    [(1, 0.5714), (2, 0.4286)]
    """
    if lead_days < 0:
        raise ValueError(f"lead time must be >= 0 d, found {lead_days!r}")
    weeks, f = divmod(float(lead_days), 7.0)
    if f < 1e-9 or 7.0 - f < 1e-9:  # a whole number of weeks, up to rounding
        return [(round(lead_days / 7.0), 1.0)]
    return [(int(weeks), (7.0 - f) / 7.0), (int(weeks) + 1, f / 7.0)]


@dataclass
class SupplyProblem:
    """Everything the supply model reads, on labelled sets.

    Attributes
    ----------
    spec, network
        The line and its distribution network.
    periods
        Period start dates (weeks).
    demand
        Dims ``(scenario, product, region, period)`` [unit/period].
    probability
        Dims ``(scenario,)`` [1], summing to one.
    supply
        Share of each supplier's due deliveries that arrives, dims ``(scenario, supplier,
        period)`` [1].
    station_hours
        Available hours per station and period, dims ``(station, period)`` [h].
    initial_stock
        Material at the plant at the start, by material [unit].
    initial_fg_stock
        Finished goods at the plant at the start, by product [unit].
    spot_capacity
        Spot buys per material and week [unit/week], one number for all or by material;
        None: the network's ``spot_capacity`` if it has one, else unlimited.
    spot_lead_time
        Lead time of spot buys [d]; None: the network's ``spot_lead_time`` if it has one,
        else :data:`DEFAULT_SPOT_LEAD_DAYS` (next week).
    terminal_value
        Value of the stock left at the horizon's end as a fraction of its purchase price
        [1]; 0 (default): worthless.
    """

    spec: LineSpec
    network: Network
    periods: pd.DatetimeIndex
    demand: xr.DataArray
    probability: xr.DataArray
    supply: xr.DataArray
    station_hours: xr.DataArray
    initial_stock: dict[str, float] = field(default_factory=dict)
    initial_fg_stock: dict[str, float] = field(default_factory=dict)
    spot_capacity: float | dict[str, float] | None = None
    spot_lead_time: float | None = None
    terminal_value: float = 0.0

    @property
    def products(self) -> list[str]:
        """Products with demand."""
        return [str(p) for p in self.demand["product"].values]

    @property
    def regions(self) -> list[str]:
        """Customer regions."""
        return [str(r) for r in self.demand["region"].values]

    @property
    def scenarios(self) -> list[str]:
        """Scenario names."""
        return [str(w) for w in self.demand["scenario"].values]

    @property
    def materials(self) -> list[str]:
        """Materials the products' bills of materials use, in the spec's order."""
        used = {m for p in self.products for m in self.spec.product_map[p].bom}
        return [m.name for m in self.spec.materials if m.name in used]

    def offers(self) -> list[tuple[str, str]]:
        """(supplier, material) pairs with a price."""
        return [(s.name, m) for s in self.spec.suppliers for m in s.prices
                if m in self.materials]

    def lead_days(self, supplier: str) -> float:
        """Lead time of ``supplier`` [d]."""
        s = next(x for x in self.spec.suppliers if x.name == supplier)
        return float(s.lead_time) / 24.0

    def lead_periods(self, supplier: str) -> int:
        """Weeks after the order by which all of it has arrived (lead time in weeks, rounded
        up) [week]; the model itself splits arrivals by :meth:`arrivals`."""
        return int(np.ceil(self.lead_days(supplier) / 7.0 - 1e-9))

    def arrivals(self, supplier: str) -> list[tuple[int, float]]:
        """:func:`arrival_shares` of ``supplier``'s lead time: ``(weeks, share)`` pairs."""
        return arrival_shares(self.lead_days(supplier))

    def spot_lead_days(self) -> float:
        """Lead time of spot buys [d] (this problem's, the network's, or the default)."""
        lead = self.spot_lead_time
        if lead is None:
            lead = getattr(self.network, "spot_lead_time", None)
        return DEFAULT_SPOT_LEAD_DAYS if lead is None else float(lead)

    def spot_arrivals(self) -> list[tuple[int, float]]:
        """:func:`arrival_shares` of the spot lead time: ``(weeks, share)`` pairs."""
        return arrival_shares(self.spot_lead_days())

    def spot_cap(self, material: str) -> float:
        """Spot buys of ``material`` allowed per week [unit/week] (``inf``: unlimited)."""
        cap = self.spot_capacity
        if cap is None:
            cap = getattr(self.network, "spot_capacity", None)
        if cap is None:
            return float("inf")
        if isinstance(cap, Mapping):
            return float(cap.get(material, float("inf")))
        return float(cap)

    def purchase_price(self, material: str) -> float:
        """The cheapest offer for ``material`` [EUR/unit]."""
        return min(s.prices[material] for s in self.spec.suppliers if material in s.prices)

    def unit_hours(self) -> dict[tuple[str, str], float]:
        """Mean processing hours per unit started, by (product, station) [h/unit]."""
        out: dict[tuple[str, str], float] = {}
        for p in self.products:
            for step in self.spec.product_map[p].routing:
                out[p, step.station] = out.get((p, step.station), 0.0) + step.time.mean
        return out

    def spot_price(self, material: str) -> float:
        """Emergency price of ``material`` [EUR/unit]."""
        return self.network.spot_price_factor * self.purchase_price(material)

    def expected(self) -> SupplyProblem:
        """The deterministic problem of the expected scenario ``"mean"``."""
        one = xr.DataArray([1.0], dims="scenario", coords={"scenario": ["mean"]})
        return self.with_scenarios(
            self.demand.weighted(self.probability).mean("scenario").expand_dims(
                scenario=["mean"]),
            self.supply.weighted(self.probability).mean("scenario").expand_dims(
                scenario=["mean"]), one)

    def scenario(self, name: str) -> SupplyProblem:
        """The deterministic problem of one scenario."""
        one = xr.DataArray([1.0], dims="scenario", coords={"scenario": [name]})
        return self.with_scenarios(self.demand.sel(scenario=[name]),
                                   self.supply.sel(scenario=[name]), one)

    def with_scenarios(self, demand: xr.DataArray, supply: xr.DataArray,
                       probability: xr.DataArray) -> SupplyProblem:
        """A copy with other scenarios."""
        return replace(self, demand=demand, probability=probability, supply=supply)


def check_options(prob: SupplyProblem, shortage: str,
                  dcs_open: Mapping[str, bool] | None) -> None:
    """Refuse an unknown shortage mode or DC name, listing what is allowed."""
    if shortage not in SHORTAGE_MODES:
        raise ValueError(f"unknown shortage mode {shortage!r}; allowed: {SHORTAGE_MODES!r}")
    unknown = sorted(set(dcs_open or {}) - set(prob.network.dcs))
    if unknown:
        raise ValueError(f"unknown DC(s) {unknown!r} in dcs_open; allowed: "
                         f"{sorted(prob.network.dcs)!r}")
