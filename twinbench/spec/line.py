"""The root of a line description, :class:`LineSpec`, and building it from YAML or data.

:class:`LineSpec` checks its cross-references (routing stations, machine types, materials,
families in setup matrices, buffers) when it is built; :func:`spec_from_dict` and
:func:`load_spec` report every problem at once as a :class:`~twinbench.spec.SpecError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from twinbench.spec.calendar import Calendar
from twinbench.spec.crews import Crew
from twinbench.spec.energy import Energy
from twinbench.spec.errors import SpecError, _from_validation_error, read_yaml
from twinbench.spec.fields import Name, _Model
from twinbench.spec.machine_types import MachineType
from twinbench.spec.materials import Material, Supplier
from twinbench.spec.products import Product
from twinbench.spec.stations import Buffer, Station

__all__ = ["LineSpec", "load_spec", "spec_from_dict"]


class LineSpec(_Model):
    """A production line: the single description every part of twinbench reads.

    Cross-references (routing stations, machine types, materials, families in setup
    matrices, buffers) are checked when the spec is built.
    """

    name: Name
    description: str = ""
    machine_types: Annotated[list[MachineType], Field(min_length=1)]
    stations: Annotated[list[Station], Field(min_length=1)]
    buffers: list[Buffer] = Field(default_factory=list)
    crews: list[Crew] = Field(default_factory=list)
    products: Annotated[list[Product], Field(min_length=1)]
    materials: list[Material] = Field(default_factory=list)
    suppliers: list[Supplier] = Field(default_factory=list)
    calendar: Calendar
    energy: Energy

    @model_validator(mode="after")
    def _references(self) -> LineSpec:
        problems = list(_reference_problems(self))
        if problems:
            raise SpecError(problems)
        return self

    # -- lookups -------------------------------------------------------------------------
    @cached_property
    def station_map(self) -> dict[str, Station]:
        """Stations by name."""
        return {s.name: s for s in self.stations}

    @cached_property
    def product_map(self) -> dict[str, Product]:
        """Products by name."""
        return {p.name: p for p in self.products}

    @cached_property
    def machine_type_map(self) -> dict[str, MachineType]:
        """Machine types by name."""
        return {m.name: m for m in self.machine_types}

    @property
    def machines(self) -> list[str]:
        """All machine names, station by station."""
        return [m for s in self.stations for m in s.machine_ids]

    @cached_property
    def machine_station(self) -> dict[str, str]:
        """Station of each machine."""
        return {m: s.name for s in self.stations for m in s.machine_ids}

    def physics_of(self, machine: str) -> MachineType:
        """The :class:`MachineType` of ``machine``."""
        station = self.station_map[self.machine_station[machine]]
        return self.machine_type_map[station.machine_type]

    def crew_of(self, station: str) -> Crew | None:
        """The crew whose operators run ``station``; None if it needs no operator."""
        for c in self.crews:
            if station in c.stations:
                return c
        return None

    def buffer_capacity(self, station: str) -> int | None:
        """Capacity of the input buffer of ``station`` [unit]; None if unlimited."""
        for b in self.buffers:
            if b.station == station:
                return b.capacity
        return None

    # -- I/O -----------------------------------------------------------------------------
    def to_yaml(self) -> str:
        """The spec as YAML in canonical units."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def content_hash(self) -> str:
        """SHA-256 of the spec's canonical JSON form (units converted, keys sorted)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _names(items: Iterable[Any], loc: str) -> Iterable[tuple[str, str]]:
    seen: set[str] = set()
    for i, it in enumerate(items):
        if it.name in seen:
            yield f"{loc}[{i}].name", f"duplicate name {it.name!r}; names must be unique"
        seen.add(it.name)


def _unknown(kind: str, found: str, allowed: Iterable[str], fix: str) -> str:
    return f"unknown {kind} {found!r}; allowed: {sorted(allowed)!r}. {fix}"


def _crew_problems(spec: LineSpec, stations: set[str]) -> Iterable[tuple[str, str]]:
    shifts = {s.name for s in spec.calendar.shifts}
    crew_of: dict[str, str] = {}
    for i, c in enumerate(spec.crews):
        for j, st in enumerate(c.stations):
            if st not in stations:
                yield f"crews[{i}].stations[{j}]", _unknown(
                    "station", st, stations, "A crew lists the stations its operators run."
                )
            elif st in crew_of:
                yield f"crews[{i}].stations[{j}]", (
                    f"station {st!r} is in crews {crew_of[st]!r} and {c.name!r}; a station "
                    "belongs to one crew")
            crew_of.setdefault(st, c.name)
        for sh in c.per_shift:
            if sh not in shifts:
                yield f"crews[{i}].per_shift.{sh}", _unknown(
                    "shift", sh, shifts, "Shift names come from calendar.shifts."
                )


def _reference_problems(spec: LineSpec) -> Iterable[tuple[str, str]]:
    for field in ("machine_types", "stations", "products", "materials", "suppliers", "crews"):
        yield from _names(getattr(spec, field), field)
    stations = {s.name for s in spec.stations}
    types = {t.name for t in spec.machine_types}
    families = {p.family for p in spec.products}
    materials = {m.name for m in spec.materials}
    all_machines = [m for s in spec.stations for m in s.machine_ids]
    dup = sorted({m for m in all_machines if all_machines.count(m) > 1})
    if dup:
        yield "stations", f"machine names repeat across stations: {dup!r}"

    for i, s in enumerate(spec.stations):
        if s.machine_type not in types:
            yield f"stations[{i}].machine_type", _unknown(
                "machine type", s.machine_type, types, "Add it to machine_types or fix the name."
            )
        for f, row in s.setup_times.items():
            if f != "*" and f not in families:
                yield f"stations[{i}].setup_times.{f}", _unknown(
                    "product family", f, families, "Families come from products[*].family."
                )
            for g in row:
                if g not in families:
                    yield f"stations[{i}].setup_times.{f}.{g}", _unknown(
                        "product family", g, families, "Families come from products[*].family."
                    )
    seen_buf: set[str] = set()
    for i, b in enumerate(spec.buffers):
        if b.station not in stations:
            yield f"buffers[{i}].station", _unknown(
                "station", b.station, stations, "A buffer is named by the station it feeds."
            )
        if b.station in seen_buf:
            yield f"buffers[{i}].station", f"station {b.station!r} has two buffers; give one"
        seen_buf.add(b.station)
    yield from _crew_problems(spec, stations)
    for i, p in enumerate(spec.products):
        for j, step in enumerate(p.routing):
            if step.station not in stations:
                yield f"products[{i}].routing[{j}].station", _unknown(
                    "station", step.station, stations, "Add the station or fix the routing."
                )
        for mat in p.bom:
            if mat not in materials:
                yield f"products[{i}].bom.{mat}", _unknown(
                    "material", mat, materials, "Add it to materials or fix the name."
                )
    supplied: set[str] = set()
    for i, sup in enumerate(spec.suppliers):
        for mat in sup.prices:
            supplied.add(mat)
            if mat not in materials:
                yield f"suppliers[{i}].prices.{mat}", _unknown(
                    "material", mat, materials, "Add it to materials or fix the name."
                )
    used = {m for p in spec.products for m in p.bom}
    for mat in sorted((used & materials) - supplied):
        yield "suppliers", (
            f"material {mat!r} is used in a bill of materials but no supplier sells it; "
            "add it to a supplier's prices"
        )


def spec_from_dict(data: Any, source: str | None = None) -> LineSpec:
    """Build a :class:`LineSpec` from plain data, raising :class:`SpecError` on problems."""
    if not isinstance(data, dict):
        raise SpecError([("", f"expected a mapping at the top level, found {type(data).__name__}")],
                        source)
    try:
        return LineSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(_from_validation_error(err), source) from None
    except SpecError as err:
        raise SpecError(err.problems, source) from None


def load_spec(path: str | Path) -> LineSpec:
    """Load a :class:`LineSpec` from a YAML file.

    Raises
    ------
    SpecError
        With one line per problem: where, what was found, what is allowed.
    FileNotFoundError
        If ``path`` does not exist.
    """
    return spec_from_dict(read_yaml(path), str(Path(path)))
