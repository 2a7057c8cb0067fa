"""The line description: :class:`LineSpec` and the entities it is made of.

A plant's production line is written once, in YAML, and loaded with :func:`load_spec`.
Quantities may carry units (``"45 min"``, ``"3.2 kW"``, ``"12 d"``); they are converted to
the canonical unit named in each field's docstring (hours for time, kW for power, degC for
temperature, EUR for money). A unit of the wrong kind is an error.

Errors never pass silently: :class:`SpecError` lists every problem with its location in
the file (``products[1].routing[2].station``), the value found, and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from twinbench.units import parse_quantity

__all__ = [
    "Buffer",
    "Calendar",
    "Energy",
    "LineSpec",
    "MachineType",
    "Material",
    "ProcessingTime",
    "Product",
    "RoutingStep",
    "Shift",
    "SpecError",
    "Station",
    "Supplier",
    "TariffPeriod",
    "load_spec",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class SpecError(Exception):
    """A line description is invalid.

    Attributes
    ----------
    problems
        One ``(location, message)`` pair per problem, location in dotted/indexed form.
    """

    what = "line spec"

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"invalid {self.what}{f' in {source}' if source else ''}"
        lines = [f"{head}: {len(problems)} problem(s)"]
        lines += [f"  - {loc}: {msg}" if loc else f"  - {msg}" for loc, msg in problems]
        super().__init__("\n".join(lines))


def _quantity(dimension: str):
    def parse(v: Any) -> Any:
        return parse_quantity(v, dimension)[0] if isinstance(v, str | int | float) else v

    return BeforeValidator(parse)


Hours = Annotated[float, _quantity("time")]
KW = Annotated[float, _quantity("power")]
DegC = Annotated[float, _quantity("temperature")]
PerHour = Annotated[float, _quantity("rate_time")]
KJPerMol = Annotated[float, _quantity("energy_molar")]
EurPerKWh = Annotated[float, _quantity("price_energy")]
EurPerUnit = Annotated[float, _quantity("price_unit")]
Fraction = Annotated[float, _quantity("fraction"), Field(ge=0, le=1)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProcessingTime(_Model):
    """Processing time per unit of product at one step.

    Attributes
    ----------
    mean
        Mean time per unit [h].
    cv
        Coefficient of variation [1]; 0 for a deterministic time.
    dist
        Distribution family the simulation draws from, with this mean and cv (``normal``
        is truncated at zero; ``exponential`` has cv 1 whatever ``cv`` says).
    """

    mean: Annotated[Hours, Field(gt=0)]
    cv: Annotated[float, Field(ge=0, le=3)] = 0.0
    dist: Literal["lognormal", "gamma", "normal", "exponential", "fixed"] = "lognormal"

    @model_validator(mode="after")
    def _cv_matches_dist(self) -> ProcessingTime:
        if self.dist == "fixed" and self.cv != 0:
            raise ValueError(f"dist 'fixed' needs cv 0, found cv {self.cv!r}")
        if self.dist == "exponential" and self.cv not in (0.0, 1.0):
            raise ValueError(f"dist 'exponential' has cv 1, found cv {self.cv!r}")
        return self


class RoutingStep(_Model):
    """One operation of a product's routing: the station and its time per unit."""

    station: Name
    time: ProcessingTime


class MachineType(_Model):
    """Degradation and failure physics of a kind of machine.

    Wear grows while the machine runs at a rate
    ``wear_rate_ref * (load/load_ref)**load_exponent * exp(Ea/R (1/T_ref - 1/T))``
    (Arrhenius acceleration); the failure hazard is ``hazard_base * exp(hazard_wear * wear)``.
    Preventive maintenance removes ``maintenance_restore`` of the wear; a repair after a
    failure restores the machine to ``repair_restore`` of full removal.

    Attributes
    ----------
    wear_rate_ref
        Wear growth per running hour at reference load and temperature [1/h].
    load_ref
        Reference load [1].
    load_exponent
        Exponent of load acceleration [1].
    activation_energy
        Arrhenius activation energy [kJ/mol].
    temp_ref
        Reference temperature [degC].
    hazard_base
        Failure hazard of a new machine while running [1/h].
    hazard_wear
        Log-hazard increase per unit of wear [1].
    wear_limit
        Wear at which the part is considered worn out; maintenance is planned before [1].
    maintenance_restore, repair_restore
        Fraction of wear removed by preventive maintenance / by repair after failure [1].
    maintenance_duration
        Duration of a preventive maintenance [h].
    repair_mean, repair_cv
        Repair time after a failure: mean [h] and coefficient of variation [1].
    source
        Where the parameter values come from.
    """

    name: Name
    wear_rate_ref: Annotated[PerHour, Field(gt=0)]
    load_ref: Annotated[float, Field(gt=0)] = 0.75
    load_exponent: Annotated[float, Field(ge=0, le=10)] = 1.5
    activation_energy: Annotated[KJPerMol, Field(ge=0, le=300)] = 40.0
    temp_ref: DegC = 45.0
    hazard_base: Annotated[PerHour, Field(gt=0)]
    hazard_wear: Annotated[float, Field(ge=0, le=50)] = 4.0
    wear_limit: Annotated[float, Field(gt=0)] = 1.0
    maintenance_restore: Fraction = 0.9
    repair_restore: Fraction = 1.0
    maintenance_duration: Annotated[Hours, Field(gt=0)] = 4.0
    repair_mean: Annotated[Hours, Field(gt=0)] = 6.0
    repair_cv: Annotated[float, Field(ge=0, le=3)] = 0.5
    source: str = ""


class Station(_Model):
    """A station: one or more identical parallel machines.

    Attributes
    ----------
    machines
        Number of parallel machines, or their names. Names default to ``<station><i>``.
    machine_type
        Name of the :class:`MachineType` whose physics these machines follow.
    idle_power, busy_power
        Electrical power drawn when idle (switched on) and when processing [kW].
    setup_times
        Sequence-dependent setup time [h] from one product family (outer key) to another
        (inner key). Pairs not listed take ``default_setup`` (same family: 0).
    default_setup
        Setup time between different families not listed in ``setup_times`` [h].
    """

    name: Name
    description: str = ""
    machines: int | list[Name] = 1
    machine_type: Name
    idle_power: Annotated[KW, Field(ge=0)]
    busy_power: Annotated[KW, Field(ge=0)]
    setup_times: dict[Name, dict[Name, Annotated[Hours, Field(ge=0)]]] = Field(
        default_factory=dict
    )
    default_setup: Annotated[Hours, Field(ge=0)] = 0.0

    @field_validator("machines")
    @classmethod
    def _machines(cls, v: int | list[str]) -> int | list[str]:
        if isinstance(v, int) and v < 1:
            raise ValueError(f"a station needs at least 1 machine, found {v!r}")
        if isinstance(v, list):
            if not v:
                raise ValueError("a station needs at least 1 machine, found an empty list")
            dup = sorted({m for m in v if v.count(m) > 1})
            if dup:
                raise ValueError(f"machine names repeat: {dup!r}")
        return v

    @model_validator(mode="after")
    def _power(self) -> Station:
        if self.busy_power < self.idle_power:
            raise ValueError(
                f"busy_power ({self.busy_power!r} kW) must be at least idle_power "
                f"({self.idle_power!r} kW)"
            )
        return self

    @property
    def machine_ids(self) -> list[str]:
        """Names of the station's machines."""
        if isinstance(self.machines, int):
            return [f"{self.name}{i + 1}" for i in range(self.machines)]
        return list(self.machines)

    def setup_time(self, from_family: str | None, to_family: str) -> float:
        """Setup time [h] to change from ``from_family`` (None: cold start) to ``to_family``."""
        if from_family is None:
            return self.setup_times.get("*", {}).get(to_family, self.default_setup)
        if from_family in self.setup_times and to_family in self.setup_times[from_family]:
            return self.setup_times[from_family][to_family]
        return 0.0 if from_family == to_family else self.default_setup


class Buffer(_Model):
    """The input buffer in front of a station.

    Attributes
    ----------
    capacity
        Units that can wait in front of ``station`` [unit]; 0 means no buffer (blocking).
    """

    station: Name
    capacity: Annotated[int, Field(ge=0)]


class Product(_Model):
    """A product: its family (for setups), routing, bill of materials and scrap.

    Attributes
    ----------
    bom
        Material use per finished unit [material unit / unit].
    scrap_rate
        Fraction of units scrapped at the final step [1].
    price
        Selling price [EUR/unit].
    """

    name: Name
    family: Name
    routing: Annotated[list[RoutingStep], Field(min_length=1)]
    bom: dict[Name, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    scrap_rate: Annotated[float, Field(ge=0, lt=1)] = 0.0
    price: Annotated[EurPerUnit, Field(ge=0)] = 0.0


class Material(_Model):
    """A purchased material.

    Attributes
    ----------
    unit
        The unit it is counted in (``kg``, ``m``, ``pcs`` ...).
    holding_cost
        Cost of holding one unit for one week [EUR/unit].
    """

    name: Name
    unit: str = "pcs"
    holding_cost: Annotated[float, Field(ge=0)] = 0.0


class Supplier(_Model):
    """A supplier of materials.

    Attributes
    ----------
    prices
        Price per material unit, by material [EUR/unit].
    lead_time
        Mean lead time [h] (write e.g. ``"10 d"``).
    lead_time_cv
        Coefficient of variation of the lead time [1].
    reliability
        Probability that a delivery arrives complete and on time [1].
    capacity
        Units of each material it can deliver per week [unit/week].
    """

    name: Name
    prices: Annotated[dict[Name, Annotated[EurPerUnit, Field(ge=0)]], Field(min_length=1)]
    lead_time: Annotated[Hours, Field(ge=0)]
    lead_time_cv: Annotated[float, Field(ge=0, le=3)] = 0.2
    reliability: Fraction = 0.95
    capacity: Annotated[float, Field(gt=0)] = 1e9
    region: str = ""


def _check_hhmm(v: str) -> str:
    if not isinstance(v, str) or not _HHMM.match(v) or (v.startswith("24") and v != "24:00"):
        raise ValueError(f"expected a time of day 'HH:MM' between 00:00 and 24:00, found {v!r}")
    return v


HHMM = Annotated[str, BeforeValidator(_check_hhmm)]


def _check_days(v: list[str]) -> list[str]:
    bad = [d for d in v if d not in WEEKDAYS]
    if bad:
        raise ValueError(f"unknown weekday(s) {bad!r}; allowed: {list(WEEKDAYS)!r}")
    return v


Days = Annotated[list[str], BeforeValidator(_check_days)]


def _hours(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) + int(m) / 60


class Shift(_Model):
    """A working shift on the given weekdays; ``end`` before ``start`` crosses midnight."""

    name: Name
    start: HHMM
    end: HHMM
    days: Days = Field(default_factory=lambda: list(WEEKDAYS[:5]))

    @model_validator(mode="after")
    def _nonempty(self) -> Shift:
        if self.start == self.end:
            raise ValueError(f"shift {self.name!r} starts and ends at {self.start!r}")
        return self

    @property
    def hours(self) -> float:
        """Length of the shift [h]."""
        return (_hours(self.end) - _hours(self.start)) % 24 or 24.0


class Calendar(_Model):
    """Shift calendar of the line; outside shifts machines are switched off."""

    shifts: Annotated[list[Shift], Field(min_length=1)]
    holidays: list[date] = Field(default_factory=list)

    def working_mask(self, hours: Iterable[Any]) -> list[bool]:
        """For each timestamp (hour start), whether a shift is running then."""
        import pandas as pd

        idx = pd.DatetimeIndex(list(hours))
        out = []
        holidays = set(self.holidays)
        for ts in idx:
            hod = ts.hour + ts.minute / 60
            day = WEEKDAYS[ts.weekday()]
            prev_day = WEEKDAYS[(ts.weekday() - 1) % 7]
            on = False
            if ts.date() not in holidays:
                for s in self.shifts:
                    a, b = _hours(s.start), _hours(s.end)
                    if a < b:
                        on |= day in s.days and a <= hod < b
                    else:  # crosses midnight
                        on |= (day in s.days and hod >= a) or (prev_day in s.days and hod < b)
            out.append(on)
        return out


class TariffPeriod(_Model):
    """An electricity price that applies on ``days`` from ``start`` to ``end``."""

    name: Name
    start: HHMM
    end: HHMM
    days: Days = Field(default_factory=lambda: list(WEEKDAYS))
    price: Annotated[EurPerKWh, Field(ge=0)]


class Energy(_Model):
    """Time-of-use electricity tariff: ``base_price`` unless a period applies [EUR/kWh]."""

    base_price: Annotated[EurPerKWh, Field(ge=0)]
    periods: list[TariffPeriod] = Field(default_factory=list)

    def price_at(self, ts: Any) -> float:
        """Electricity price at timestamp ``ts`` [EUR/kWh]; the last matching period wins."""
        import pandas as pd

        ts = pd.Timestamp(ts)
        hod, day = ts.hour + ts.minute / 60, WEEKDAYS[ts.weekday()]
        price = self.base_price
        for p in self.periods:
            a, b = _hours(p.start), _hours(p.end)
            inside = a <= hod < b if a < b else (hod >= a or hod < b)
            if inside and day in p.days:
                price = p.price
        return price


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


def _reference_problems(spec: LineSpec) -> Iterable[tuple[str, str]]:
    for field in ("machine_types", "stations", "products", "materials", "suppliers"):
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


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "constrained-")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _from_validation_error(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors(include_url=False):
        msg = e["msg"].removeprefix("Value error, ")
        found = e.get("input")
        if e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] == "extra_forbidden":
            msg = f"unknown field (found value {found!r}); check the spelling"
        elif not isinstance(found, dict | list):
            msg = f"{msg} (found {found!r})"
        problems.append((_format_loc(tuple(e["loc"])), msg))
    return problems


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
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"line spec {str(path)!r} not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise SpecError([("", f"not valid YAML: {err}")], str(path)) from None
    return spec_from_dict(data, str(path))
