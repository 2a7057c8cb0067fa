"""What-if edits: typed changes to the base plant, each applied where the flow reads it.

An edit is a small pydantic model with a ``kind``. Each kind changes one thing and knows
the stage of the flow it acts on, through hooks that default to "no change":

* ``apply_spec(spec_dict)`` - the line description (shifts, buffers, machines, energy
  prices, supplier lead times, processing times);
* ``apply_orders(orders, spec)`` - the order book;
* ``apply_forecast(ds)`` - the demand forecast (``mean`` and ``interval``);
* ``apply_supply(supply)`` - the supplier-delivery scenarios of the supply plan;
* ``downtime(spec)`` - machine unavailability windows (scheduling, simulation, capacity).

Quantities take units like the spec (``"14 d"``, ``"8 h"``). References (products,
machines, stations, suppliers) are checked against the line by
:func:`check_edits`, with errors that name the edit, its kind and the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field

from twinbench.spec import HHMM, Days, Hours, LineSpec, Name

__all__ = ["EDIT_KINDS", "AddMachines", "AddShift", "BufferChange", "DemandChange", "Edit",
           "EnergyPrice", "MachineDown", "NewOrder", "ProcessingTime", "SupplierDelay",
           "SupplierLoss", "check_edits"]


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

    def references(self) -> dict[str, tuple[str, str]]:
        """Fields that name spec entities: field -> (entity kind, value)."""
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


class SupplierDelay(_Edit):
    """Every delivery of ``supplier`` arrives ``delay`` later [h] (write ``"14 d"``)."""

    kind: Literal["supplier_delay"] = "supplier_delay"
    supplier: Name
    delay: Annotated[Hours, Field(gt=0)]

    def apply_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        for s in spec["suppliers"]:
            if s["name"] == self.supplier:
                s["lead_time"] = s["lead_time"] + self.delay
        return spec

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


Edit = Annotated[DemandChange | MachineDown | SupplierDelay | SupplierLoss | EnergyPrice
                 | AddShift | BufferChange | AddMachines | ProcessingTime | NewOrder,
                 Field(discriminator="kind")]

EDIT_KINDS = ("demand_change", "machine_down", "supplier_delay", "supplier_loss",
              "energy_price", "add_shift", "buffer_change", "add_machines", "processing_time",
              "new_order")


def check_edits(edits: list[Any], spec: LineSpec) -> list[tuple[str, str]]:
    """Problems of ``edits`` against the line: ``(location, message)`` pairs.

    Locations read ``edits[2] (machine_down).machine``.
    """
    known = {"product": sorted(spec.product_map), "machine": spec.machines,
             "station": sorted(spec.station_map),
             "supplier": sorted(s.name for s in spec.suppliers)}
    out = []
    for i, e in enumerate(edits):
        for fld, (what, value) in e.references().items():
            if value not in known[what]:
                out.append((f"edits[{i}] ({e.kind}).{fld}",
                            f"unknown {what} {value!r}; allowed: {known[what]!r}"))
        if isinstance(e, AddMachines):
            st = spec.station_map.get(e.station)
            if st is not None and len(st.machine_ids) + e.count < 1:
                out.append((f"edits[{i}] ({e.kind}).count",
                            f"station {e.station!r} has {len(st.machine_ids)} machine(s); "
                            f"{e.count} would leave none"))
        if isinstance(e, DemandChange) and e.last_week is not None \
                and e.last_week < e.first_week:
            out.append((f"edits[{i}] ({e.kind}).last_week",
                        f"last_week {e.last_week} is before first_week {e.first_week}"))
    return out
