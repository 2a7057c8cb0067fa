"""The distribution network after the line: distribution centres, regions, lanes.

Loaded from ``network.yaml`` next to the plant's ``plant.yaml`` and checked against the
:class:`~twinbench.spec.LineSpec` (every product of the line has a weight, region shares
sum to one, lanes join known nodes). Errors are :class:`~twinbench.spec.SpecError`, one
line per problem with its location, the value found and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from twinbench.spec import LineSpec, SpecError, _from_validation_error

__all__ = ["DC", "Lane", "Network", "ProductFreight", "Region", "load_network", "network_from_dict"]

Positive = Annotated[float, Field(gt=0)]
NonNeg = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ProductFreight(_Model):
    """Per product: ``unit_weight`` [kg/unit], ``holding_cost`` of finished goods
    [EUR/unit/week]."""

    unit_weight: Positive
    holding_cost: NonNeg = 0.0


class Region(_Model):
    """A customer region: ``share`` of each product's demand [1], ``backorder_cost`` as a
    fraction of the product price per unit and week late [1/week], ``lost_sale_cost`` as a
    fraction of the price per unit not delivered (lost-sales mode) [1]."""

    share: Annotated[float, Field(ge=0, le=1)]
    backorder_cost: NonNeg = 0.25
    lost_sale_cost: NonNeg = 1.0


class DC(_Model):
    """A distribution centre: throughput ``capacity`` [unit/week], ``fixed_cost`` [EUR/week]."""

    capacity: Positive
    fixed_cost: NonNeg = 0.0


class Lane(_Model):
    """A transport lane: ``rate`` [EUR/kg], ``capacity`` [kg/week]."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    rate: NonNeg
    capacity: Positive = 1e12


class Network(_Model):
    """Plant -> distribution centres -> regions, with costs and capacities.

    Besides the nodes and lanes: ``spot_price_factor`` (spot price over the cheapest
    offer) [1], ``spot_capacity`` (spot buys per week, one number or by material; None:
    unlimited) [unit/week], ``spot_lead_time`` (None: next week) [d] and
    ``terminal_value`` (worth of the stock left at the horizon's end as a fraction of its
    purchase price) [1].
    """

    plant: str = "PLANT"
    periods_per_year: int = 52
    products: dict[str, ProductFreight]
    regions: dict[str, Region]
    dcs: dict[str, DC]
    lanes: list[Lane]
    spot_price_factor: Annotated[float, Field(ge=1)] = 1.5
    spot_capacity: NonNeg | dict[str, NonNeg] | None = None
    spot_lead_time: NonNeg | None = None
    terminal_value: Annotated[float, Field(ge=0, le=1)] = 0.0

    def lane(self, source: str, target: str) -> Lane | None:
        """The lane from ``source`` to ``target``, or None."""
        for ln in self.lanes:
            if ln.source == source and ln.target == target:
                return ln
        return None


def _problems(net: Network, spec: LineSpec) -> list[tuple[str, str]]:
    """What does not fit between the network and the line: ``(location, message)``."""
    out = []
    names = set(spec.product_map)
    for p in sorted(names - set(net.products)):
        out.append(("products", f"product {p!r} of the line has no freight data; add "
                                f"'{p}: {{unit_weight: ...}}'"))
    for p in sorted(set(net.products) - names):
        out.append((f"products.{p}", f"unknown product {p!r}; allowed: {sorted(names)!r}"))
    total = sum(r.share for r in net.regions.values())
    if abs(total - 1.0) > 1e-6:
        out.append(("regions", f"region shares must sum to 1, found {total:.4f}"))
    sources = {net.plant, *net.dcs}
    targets = {*net.dcs, *net.regions}
    for i, ln in enumerate(net.lanes):
        if ln.source not in sources:
            out.append((f"lanes[{i}].from", f"unknown node {ln.source!r}; allowed: "
                                            f"{sorted(sources)!r}"))
        if ln.target not in targets:
            out.append((f"lanes[{i}].to", f"unknown node {ln.target!r}; allowed: "
                                          f"{sorted(targets)!r}"))
        if ln.source in net.dcs and ln.target in net.dcs:
            out.append((f"lanes[{i}]", "lanes between two DCs are not modelled"))
    for d in net.dcs:
        if net.lane(net.plant, d) is None:
            out.append(("lanes", f"DC {d!r} has no lane from the plant {net.plant!r}"))
    for r in net.regions:
        if not any(ln.target == r for ln in net.lanes):
            out.append(("lanes", f"region {r!r} is served by no lane"))
    if isinstance(net.spot_capacity, dict):
        materials = {m.name for m in spec.materials}
        for m in sorted(set(net.spot_capacity) - materials):
            out.append((f"spot_capacity.{m}", f"unknown material {m!r}; allowed: "
                                              f"{sorted(materials)!r}"))
    return out


def network_from_dict(data: Any, spec: LineSpec, source: str | None = None) -> Network:
    """Build and check a :class:`Network`; raise :class:`SpecError` listing every problem."""
    if not isinstance(data, dict):
        raise SpecError([("", f"expected a mapping, found {type(data).__name__}")], source)
    try:
        net = Network.model_validate(data)
    except ValidationError as err:
        raise SpecError(_from_validation_error(err), source) from None
    problems = _problems(net, spec)
    if problems:
        raise SpecError(problems, source)
    return net


def load_network(path: str | Path, spec: LineSpec) -> Network:
    """Load ``network.yaml`` and check it against the line."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"network file {str(path)!r} not found")
    return network_from_dict(yaml.safe_load(path.read_text()), spec, str(path))
