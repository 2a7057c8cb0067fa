"""Small, explicit unit handling for specs and telemetry.

Quantities in a spec may be written as ``"45 min"`` or ``"2.5 kW"``; each field declares
the physical dimension it expects and the canonical unit it is stored in. A quantity with a
unit of another dimension is rejected with a message listing the units allowed.

The table is deliberately small: the units a plant engineer writes in a line description.

Examples
--------
>>> parse_quantity("90 min", "time")
(1.5, 'h')
>>> convert(212.0, "degF", "degC")
100.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CANONICAL",
    "UNITS",
    "UnitError",
    "convert",
    "dimension_of",
    "parse_quantity",
    "units_for",
]


class UnitError(ValueError):
    """A unit is unknown or of the wrong physical dimension."""


@dataclass(frozen=True)
class _Unit:
    dimension: str
    scale: float  # canonical = value * scale + offset
    offset: float = 0.0


#: canonical unit per dimension
CANONICAL: dict[str, str] = {
    "time": "h",
    "power": "kW",
    "energy": "kWh",
    "temperature": "degC",
    "velocity": "mm/s",
    "fraction": "1",
    "count": "unit",
    "currency": "EUR",
    "price_energy": "EUR/kWh",
    "price_unit": "EUR/unit",
    "rate_time": "1/h",
    "energy_molar": "kJ/mol",
}

UNITS: dict[str, _Unit] = {
    # time -> h
    "s": _Unit("time", 1 / 3600),
    "min": _Unit("time", 1 / 60),
    "h": _Unit("time", 1.0),
    "d": _Unit("time", 24.0),
    "day": _Unit("time", 24.0),
    "days": _Unit("time", 24.0),
    "week": _Unit("time", 168.0),
    "weeks": _Unit("time", 168.0),
    # power -> kW
    "W": _Unit("power", 1e-3),
    "kW": _Unit("power", 1.0),
    "MW": _Unit("power", 1e3),
    # energy -> kWh
    "Wh": _Unit("energy", 1e-3),
    "kWh": _Unit("energy", 1.0),
    "MWh": _Unit("energy", 1e3),
    "MJ": _Unit("energy", 1 / 3.6),
    # temperature -> degC
    "degC": _Unit("temperature", 1.0),
    "K": _Unit("temperature", 1.0, -273.15),
    "degF": _Unit("temperature", 5 / 9, -32 * 5 / 9),
    # vibration velocity -> mm/s
    "mm/s": _Unit("velocity", 1.0),
    "m/s": _Unit("velocity", 1e3),
    "in/s": _Unit("velocity", 25.4),
    # dimensionless
    "1": _Unit("fraction", 1.0),
    "%": _Unit("fraction", 0.01),
    # counts
    "unit": _Unit("count", 1.0),
    "units": _Unit("count", 1.0),
    "pcs": _Unit("count", 1.0),
    # money
    "EUR": _Unit("currency", 1.0),
    "EUR/kWh": _Unit("price_energy", 1.0),
    "EUR/MWh": _Unit("price_energy", 1e-3),
    "EUR/unit": _Unit("price_unit", 1.0),
    # rates
    "1/h": _Unit("rate_time", 1.0),
    "1/d": _Unit("rate_time", 1 / 24),
    "1/s": _Unit("rate_time", 3600.0),
    # activation energy
    "kJ/mol": _Unit("energy_molar", 1.0),
    "J/mol": _Unit("energy_molar", 1e-3),
    "eV": _Unit("energy_molar", 96.485),
}

_QTY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*)?$")


def units_for(dimension: str) -> list[str]:
    """Units accepted for a physical ``dimension`` (e.g. ``"time"``)."""
    return [u for u, spec in UNITS.items() if spec.dimension == dimension]


def dimension_of(unit: str) -> str:
    """Physical dimension of ``unit``; raises :class:`UnitError` for unknown units."""
    try:
        return UNITS[unit].dimension
    except KeyError:
        raise UnitError(
            f"unknown unit {unit!r}; known units are {sorted(UNITS)!r}"
        ) from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` between two units of the same dimension."""
    a, b = UNITS.get(from_unit), UNITS.get(to_unit)
    if a is None or b is None:
        bad = from_unit if a is None else to_unit
        raise UnitError(f"unknown unit {bad!r}; known units are {sorted(UNITS)!r}")
    if a.dimension != b.dimension:
        raise UnitError(
            f"cannot convert {from_unit!r} ({a.dimension}) to {to_unit!r} ({b.dimension})"
        )
    canonical = value * a.scale + a.offset
    return (canonical - b.offset) / b.scale


def parse_quantity(value: object, dimension: str) -> tuple[float, str]:
    """Parse ``value`` into (magnitude in canonical unit, canonical unit).

    Parameters
    ----------
    value
        A number (taken to be in the canonical unit already) or a string ``"<number> <unit>"``.
    dimension
        The physical dimension expected, a key of :data:`CANONICAL`.

    Raises
    ------
    UnitError
        If the string cannot be read, the unit is unknown, or it has another dimension.
    """
    canonical = CANONICAL[dimension]
    if isinstance(value, bool):
        raise UnitError(f"expected a {dimension} quantity, found boolean {value!r}")
    if isinstance(value, int | float):
        return float(value), canonical
    if not isinstance(value, str):
        raise UnitError(
            f"expected a {dimension} quantity such as '1.5 {canonical}', found {value!r}"
        )
    m = _QTY.match(value)
    if not m:
        raise UnitError(
            f"cannot read {value!r} as a quantity; write '<number> <unit>', "
            f"e.g. '1.5 {canonical}'"
        )
    number, unit = float(m.group(1)), (m.group(2) or canonical).strip()
    spec = UNITS.get(unit)
    if spec is None or spec.dimension != dimension:
        found = "unknown unit" if spec is None else f"a {spec.dimension} unit"
        raise UnitError(
            f"unit mismatch in {value!r}: {unit!r} is {found}, expected a {dimension} "
            f"unit, one of {units_for(dimension)!r}"
        )
    return convert(number, unit, canonical), canonical
