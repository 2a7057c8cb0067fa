"""What the supply model reads: the network, the periods and the scenarios, on labelled sets.

A :class:`SupplyProblem` is built from the plant and the twin by
:func:`twinbench.optimize.supply.inputs.supply_problem` (or by hand); the model
(:mod:`twinbench.optimize.supply.model`), the checker and the diagnosis all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.optimize.supply.network import Network
from twinbench.spec import LineSpec

__all__ = ["SHORTAGE_MODES", "SupplyProblem"]

#: how unmet demand is treated (see :func:`twinbench.optimize.supply.model.build_supply_model`)
SHORTAGE_MODES = ("backorder", "lost_sales", "none")


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

    def lead_periods(self, supplier: str) -> int:
        """Lead time of ``supplier`` in whole periods (weeks, rounded up)."""
        s = next(x for x in self.spec.suppliers if x.name == supplier)
        return int(np.ceil(s.lead_time / (7 * 24) - 1e-9))

    def unit_hours(self) -> dict[tuple[str, str], float]:
        """Mean processing hours per unit started, by (product, station) [h/unit]."""
        out: dict[tuple[str, str], float] = {}
        for p in self.products:
            for step in self.spec.product_map[p].routing:
                out[p, step.station] = out.get((p, step.station), 0.0) + step.time.mean
        return out

    def spot_price(self, material: str) -> float:
        """Emergency price of ``material`` [EUR/unit]."""
        prices = [s.prices[material] for s in self.spec.suppliers if material in s.prices]
        return self.network.spot_price_factor * min(prices)

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
        return SupplyProblem(self.spec, self.network, self.periods, demand, probability,
                             supply, self.station_hours, self.initial_stock,
                             self.initial_fg_stock)
