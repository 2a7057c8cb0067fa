"""What-if edits: typed changes to the base plant, each applied where the flow reads it.

An edit is a small pydantic model with a ``kind``. Each kind changes one thing and knows
the stage of the flow it acts on, through hooks that default to "no change":

* ``apply_spec(spec_dict)`` - the line description (shifts, buffers, machines, energy
  prices, supplier lead times, processing times);
* ``apply_orders(orders, spec)`` - the order book;
* ``apply_forecast(ds)`` - the demand forecast (``mean`` and ``interval``);
* ``apply_supply(supply)`` - the supplier-delivery scenarios of the supply plan;
* ``downtime(spec)`` - machine unavailability windows (scheduling, simulation, capacity);
* ``apply_network(network)`` - the distribution network of the supply plan (spot price);
* ``dcs_open()`` - distribution centres forced open or closed in the supply plan.

Weeks and dates of an edit (``first_week``, ``start``, ``due``, ...) are checked against the
plan window by :func:`check_horizon`, once the supply plan's periods are known.

Quantities take units like the spec (``"14 d"``, ``"8 h"``). References (products,
machines, stations, suppliers, materials; DCs when the network is given) are checked
against the line by :func:`check_edits`, with errors that name the edit, its kind and the
field.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, model_validator

from twinbench.spec import HHMM, Days, Fraction, Hours, LineSpec, Name

if TYPE_CHECKING:
    from twinbench.optimize.supply.network import Network

__all__ = ["EDIT_KINDS", "AddMachines", "AddShift", "BufferChange", "DcStatus", "DemandChange",
           "Edit", "EnergyPrice", "LeadTime", "MachineDown", "NewOrder", "ProcessingTime",
           "SpotPrice", "SupplierCapacity", "SupplierDelay", "SupplierLoss", "SupplierPrice",
           "SupplierReliability"]


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Change the spec (as a plain dict, canonical units); default: unchanged."""
        return spec

    def apply_orders(self, orders: pd.DataFrame, spec: LineSpec) -> pd.DataFrame:
        """Change the order book; default: unchanged."""
        return orders

    def apply_forecast(self, ds: xr.Dataset) -> xr.Dataset:
        """Change the demand forecast; default: unchanged."""
        return ds

    def apply_supply(self, supply: xr.DataArray) -> xr.DataArray:
        """Change the supplier-delivery shares (scenario, supplier, period); default: none."""
        return supply

    def downtime(self, spec: LineSpec) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
        """Machine unavailability ``(machine, start, end)``; default: none."""
        return []

    def apply_network(self, network: Network) -> Network:
        """Change the distribution network of the supply plan; default: unchanged."""
        return network

    def dcs_open(self) -> dict[str, bool]:
        """Distribution centres forced open (True) or closed (False); default: none."""
        return {}

    def references(self) -> dict[str, tuple[str, str]]:
        """Fields that name spec entities: field -> (entity kind, value)."""
        return {}

    def horizon(self) -> dict[str, tuple[str, int | pd.Timestamp, str]]:
        """Fields that must fall inside the plan window.

        Returns
        -------
        dict
            field -> ``("week", week, text)`` (0-based planning week) or
            ``("date", timestamp, text)``, ``text`` describing the value in messages.
        """
        return {}


class DemandChange(_Edit):
    """Demand of ``product`` (or ``"all"``) times ``factor`` in forecast weeks
    ``[first_week, last_week]`` (0-based, inclusive; default: every week)."""

    kind: Literal["demand_change"] = "demand_change"
    product: str = "all"
    factor: Annotated[float, Field(ge=0, le=100)]
    first_week: Annotated[int, Field(ge=0)] = 0
    last_week: Annotated[int, Field(ge=0)] | None = None

    def apply_forecast(self, ds: xr.Dataset) -> xr.Dataset:
        n = ds.sizes["week"]
        weeks = np.arange(n)
        last = n - 1 if self.last_week is None else self.last_week
        w = (weeks >= self.first_week) & (weeks <= last)
        p = (ds["product"] == self.product) if self.product != "all" else xr.ones_like(
            ds["product"], dtype=bool)
        scale = xr.where(p & xr.DataArray(w, dims="week"), self.factor, 1.0)
        out = ds.copy()
        for v in ("mean", "interval"):
            out[v] = (ds[v] * scale).assign_attrs(ds[v].attrs)
        return out

    def references(self) -> dict[str, tuple[str, str]]:
        return {} if self.product == "all" else {"product": ("product", self.product)}

    def horizon(self) -> dict[str, tuple[str, int | pd.Timestamp, str]]:
        out: dict[str, tuple[str, int | pd.Timestamp, str]] = {
            "first_week": ("week", self.first_week, f"first_week {self.first_week}")}
        if self.last_week is not None:
            out["last_week"] = ("week", self.last_week, f"last_week {self.last_week}")
        return out


class MachineDown(_Edit):
    """``machine`` unavailable from ``start`` for ``duration`` [h]."""

    kind: Literal["machine_down"] = "machine_down"
    machine: Name
    start: datetime
    duration: Annotated[Hours, Field(gt=0)]

    def downtime(self, spec: LineSpec) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
        t0 = pd.Timestamp(self.start)
        return [(self.machine, t0, t0 + pd.Timedelta(hours=self.duration))]

    def references(self) -> dict[str, tuple[str, str]]:
        return {"machine": ("machine", self.machine)}

    def horizon(self) -> dict[str, tuple[str, int | pd.Timestamp, str]]:
        t0 = pd.Timestamp(self.start)
        return {"start": ("date", t0, f"start {t0:%Y-%m-%d %H:%M}")}


def _supplier(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The supplier ``name`` of a spec dict, or None."""
    return next((s for s in spec["suppliers"] if s["name"] == name), None)


class _LeadTimeEdit(_Edit):
    """An edit that changes a supplier's lead time; the result must stay above 0 h."""

    supplier: Name

    def new_lead_time(self, lead_time: float) -> float:
        """The lead time [h] after the edit, from ``lead_time`` [h] before it."""
        raise NotImplementedError

    def lead_time_problem(self, lead_time: float) -> str | None:
        """Why the edit cannot apply to a lead time of ``lead_time`` [h], or None."""
        new = self.new_lead_time(lead_time)
        if new > 0 or new == lead_time:
            return None
        return (f"supplier {self.supplier!r}: lead time {lead_time:g} h would become "
                f"{new:g} h; it must stay above 0 h (deliveries can come less than "
                f"{lead_time:g} h earlier)")

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        s = _supplier(spec, self.supplier)
        if s is not None:
            problem = self.lead_time_problem(s["lead_time"])
            if problem:
                raise ValueError(f"{self.kind}: {problem}")
            s["lead_time"] = self.new_lead_time(s["lead_time"])
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        return {"supplier": ("supplier", self.supplier)}


class SupplierDelay(_LeadTimeEdit):
    """Every delivery of ``supplier`` arrives ``delay`` later [h] (write ``"14 d"``; 0 is no
    change, negative is earlier, e.g. ``"-2 d"``; the lead time must stay above 0 h)."""

    kind: Literal["supplier_delay"] = "supplier_delay"
    supplier: Name
    delay: Hours

    def new_lead_time(self, lead_time: float) -> float:
        return lead_time + self.delay

    def references(self) -> dict[str, tuple[str, str]]:
        return {"supplier": ("supplier", self.supplier)}


class SupplierLoss(_Edit):
    """``supplier`` delivers nothing for ``weeks`` planning weeks from ``first_week``
    (0-based; default: the whole horizon)."""

    kind: Literal["supplier_loss"] = "supplier_loss"
    supplier: Name
    first_week: Annotated[int, Field(ge=0)] = 0
    weeks: Annotated[int, Field(gt=0)] | None = None

    def apply_supply(self, supply: xr.DataArray) -> xr.DataArray:
        n = supply.sizes["period"]
        end = n if self.weeks is None else min(n, self.first_week + self.weeks)
        hit = xr.DataArray((np.arange(n) >= self.first_week) & (np.arange(n) < end),
                           dims="period")
        return supply.where(~(hit & (supply["supplier"] == self.supplier)), 0.0)

    def references(self) -> dict[str, tuple[str, str]]:
        return {"supplier": ("supplier", self.supplier)}

    def horizon(self) -> dict[str, tuple[str, int | pd.Timestamp, str]]:
        out: dict[str, tuple[str, int | pd.Timestamp, str]] = {
            "first_week": ("week", self.first_week, f"first_week {self.first_week}")}
        if self.weeks is not None:
            last = self.first_week + self.weeks - 1
            out["weeks"] = ("week", last, f"weeks {self.weeks} (weeks {self.first_week}-"
                                          f"{last})")
        return out


class EnergyPrice(_Edit):
    """Every electricity price times ``factor``."""

    kind: Literal["energy_price"] = "energy_price"
    factor: Annotated[float, Field(ge=0, le=100)]

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec["energy"]["base_price"] *= self.factor
        for p in spec["energy"]["periods"]:
            p["price"] *= self.factor
        return spec


class AddShift(_Edit):
    """An extra shift on ``days`` from ``start`` to ``end`` (``HH:MM``)."""

    kind: Literal["add_shift"] = "add_shift"
    name: Name
    start: HHMM
    end: HHMM
    days: Days = Field(default_factory=lambda: ["Mon", "Tue", "Wed", "Thu", "Fri"])

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec["calendar"]["shifts"].append({"name": self.name, "start": self.start,
                                           "end": self.end, "days": list(self.days)})
        return spec


class BufferChange(_Edit):
    """The input buffer of ``station`` holds ``capacity`` units."""

    kind: Literal["buffer_change"] = "buffer_change"
    station: Name
    capacity: Annotated[int, Field(ge=0)]

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec["buffers"] = [b for b in spec["buffers"] if b["station"] != self.station]
        spec["buffers"].append({"station": self.station, "capacity": self.capacity})
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        return {"station": ("station", self.station)}


class AddMachines(_Edit):
    """``count`` more machines at ``station`` (negative: fewer; at least one remains)."""

    kind: Literal["add_machines"] = "add_machines"
    station: Name
    count: int

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        for s in spec["stations"]:
            if s["name"] == self.station:
                m = s["machines"]
                if isinstance(m, int):
                    s["machines"] = m + self.count
                elif self.count >= 0:
                    s["machines"] = m + [f"{self.station}{len(m) + i + 1}"
                                         for i in range(self.count)]
                else:
                    s["machines"] = m[:self.count]
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        return {"station": ("station", self.station)}


class ProcessingTime(_Edit):
    """Processing time at ``station`` (of ``product`` or ``"all"``) times ``factor``."""

    kind: Literal["processing_time"] = "processing_time"
    station: Name
    product: str = "all"
    factor: Annotated[float, Field(gt=0, le=100)]

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        for p in spec["products"]:
            if self.product not in ("all", p["name"]):
                continue
            for step in p["routing"]:
                if step["station"] == self.station:
                    step["time"]["mean"] *= self.factor
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        refs = {"station": ("station", self.station)}
        if self.product != "all":
            refs["product"] = ("product", self.product)
        return refs


class NewOrder(_Edit):
    """A new customer order."""

    kind: Literal["new_order"] = "new_order"
    order_id: Name
    product: Name
    quantity: Annotated[int, Field(gt=0)]
    release: datetime
    due: datetime
    region: str = ""
    weight: Annotated[float, Field(gt=0)] = 1.0

    def apply_orders(self, orders: pd.DataFrame, spec: LineSpec) -> pd.DataFrame:
        if self.order_id in set(orders["order_id"]):
            raise ValueError(f"new_order: order id {self.order_id!r} already exists; "
                             "choose another id")
        if self.due <= self.release:
            raise ValueError(f"new_order {self.order_id!r}: due {self.due} is not after "
                             f"release {self.release}")
        row = {"order_id": self.order_id, "product": self.product, "quantity": self.quantity,
               "release": pd.Timestamp(self.release), "due": pd.Timestamp(self.due),
               "weight": self.weight, "region": self.region}
        return pd.concat([orders, pd.DataFrame([row])], ignore_index=True)

    def references(self) -> dict[str, tuple[str, str]]:
        return {"product": ("product", self.product)}

    def horizon(self) -> dict[str, tuple[str, int | pd.Timestamp, str]]:
        rel, due = pd.Timestamp(self.release), pd.Timestamp(self.due)
        return {"release": ("date", rel, f"release {rel:%Y-%m-%d %H:%M}"),
                "due": ("date", due, f"due {due:%Y-%m-%d %H:%M}")}


class SupplierCapacity(_Edit):
    """``supplier`` delivers at most ``capacity`` [unit/week] of each material, or its
    capacity times ``factor`` [1] (give exactly one)."""

    kind: Literal["supplier_capacity"] = "supplier_capacity"
    supplier: Name
    capacity: Annotated[float, Field(gt=0)] | None = None
    factor: Annotated[float, Field(gt=0, le=100)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SupplierCapacity:
        if (self.capacity is None) == (self.factor is None):
            raise ValueError("give exactly one of capacity [unit/week] or factor [1]")
        return self

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        s = _supplier(spec, self.supplier)
        if s is not None:
            s["capacity"] = self.capacity if self.factor is None \
                else s["capacity"] * self.factor
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        return {"supplier": ("supplier", self.supplier)}


class SupplierPrice(_Edit):
    """Prices of ``supplier`` times ``factor`` [1]: of ``material`` only, or of every
    material it sells (``"all"``)."""

    kind: Literal["supplier_price"] = "supplier_price"
    supplier: Name
    factor: Annotated[float, Field(ge=0, le=100)]
    material: str = "all"

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        s = _supplier(spec, self.supplier)
        if s is not None:
            s["prices"] = {m: p * self.factor if self.material in ("all", m) else p
                           for m, p in s["prices"].items()}
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        refs = {"supplier": ("supplier", self.supplier)}
        if self.material != "all":
            refs["material"] = ("material", self.material)
        return refs


class SupplierReliability(_Edit):
    """``supplier`` delivers complete and on time with probability ``reliability`` [1]."""

    kind: Literal["supplier_reliability"] = "supplier_reliability"
    supplier: Name
    reliability: Fraction

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        s = _supplier(spec, self.supplier)
        if s is not None:
            s["reliability"] = self.reliability
        return spec

    def references(self) -> dict[str, tuple[str, str]]:
        return {"supplier": ("supplier", self.supplier)}


class LeadTime(_LeadTimeEdit):
    """Lead time of ``supplier``: a new ``lead_time`` [h] (> 0) or a ``change`` [h] (0: none,
    negative: earlier; the result must stay above 0 h). Give exactly one."""

    kind: Literal["lead_time"] = "lead_time"
    supplier: Name
    lead_time: Annotated[Hours, Field(gt=0)] | None = None
    change: Hours | None = None

    @model_validator(mode="after")
    def _one_of(self) -> LeadTime:
        if (self.lead_time is None) == (self.change is None):
            raise ValueError("give exactly one of lead_time (the new one, e.g. '10 d') or "
                             "change (e.g. '-2 d')")
        return self

    def new_lead_time(self, lead_time: float) -> float:
        return self.lead_time if self.lead_time is not None else lead_time + self.change


class SpotPrice(_Edit):
    """The network's spot-price factor (spot price / cheapest contract price) times
    ``factor`` [1]; the result must stay at least 1."""

    kind: Literal["spot_price"] = "spot_price"
    factor: Annotated[float, Field(gt=0, le=100)]

    def new_factor(self, network: Network) -> float:
        """The spot-price factor [1] after the edit."""
        return network.spot_price_factor * self.factor

    def network_problem(self, network: Network) -> str | None:
        """Why the edit does not fit ``network``, or None."""
        new = self.new_factor(network)
        if new >= 1:
            return None
        return (f"spot_price_factor {network.spot_price_factor:g} x {self.factor:g} = "
                f"{new:g} is below 1 (spot buying cheaper than the cheapest supplier); "
                f"the smallest factor allowed is {1 / network.spot_price_factor:.4g}")

    def apply_network(self, network: Network) -> Network:
        problem = self.network_problem(network)
        if problem:
            raise ValueError(f"{self.kind}: {problem}")
        return network.model_copy(update={"spot_price_factor": self.new_factor(network)})


class DcStatus(_Edit):
    """Distribution centre ``dc`` forced ``open`` (True) or closed (False) in the plan."""

    kind: Literal["dc_status"] = "dc_status"
    dc: Name
    open: bool

    def dcs_open(self) -> dict[str, bool]:
        return {self.dc: self.open}

    def references(self) -> dict[str, tuple[str, str]]:
        return {"dc": ("dc", self.dc)}


Edit = Annotated[DemandChange | MachineDown | SupplierDelay | SupplierLoss | EnergyPrice
                 | AddShift | BufferChange | AddMachines | ProcessingTime | NewOrder
                 | SupplierCapacity | SupplierPrice | SupplierReliability | LeadTime
                 | SpotPrice | DcStatus,
                 Field(discriminator="kind")]

EDIT_KINDS = ("demand_change", "machine_down", "supplier_delay", "supplier_loss",
              "energy_price", "add_shift", "buffer_change", "add_machines", "processing_time",
              "new_order", "supplier_capacity", "supplier_price", "supplier_reliability",
              "lead_time", "spot_price", "dc_status")
