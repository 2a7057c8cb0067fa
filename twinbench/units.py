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

#: per dimension, the units accepted and the factor to the canonical unit: ``scale``
#: (canonical = value * scale) or ``(scale, offset)`` (canonical = value * scale + offset)
_FACTORS: dict[str, dict[str, float | tuple[float, float]]] = {
    "time": {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "day": 24.0, "days": 24.0,
             "week": 168.0, "weeks": 168.0},
    "power": {"W": 1e-3, "kW": 1.0, "MW": 1e3},
    "energy": {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3, "MJ": 1 / 3.6},
    "temperature": {"degC": 1.0, "K": (1.0, -273.15), "degF": (5 / 9, -32 * 5 / 9)},
    "velocity": {"mm/s": 1.0, "m/s": 1e3, "in/s": 25.4},  # vibration velocity
    "fraction": {"1": 1.0, "%": 0.01},  # dimensionless
    "count": {"unit": 1.0, "units": 1.0, "pcs": 1.0},
    "currency": {"EUR": 1.0},
    "price_energy": {"EUR/kWh": 1.0, "EUR/MWh": 1e-3},
    "price_unit": {"EUR/unit": 1.0},
    "rate_time": {"1/h": 1.0, "1/d": 1 / 24, "1/s": 3600.0},
    "energy_molar": {"kJ/mol": 1.0, "J/mol": 1e-3, "eV": 96.485},  # activation energy
}


def _unit(dimension: str, factor: float | tuple[float, float]) -> _Unit:
    """A unit of ``dimension`` from its factor: a scale [canonical/unit] or (scale, offset)."""
    scale, offset = factor if isinstance(factor, tuple) else (factor, 0.0)
    return _Unit(dimension, scale, offset)


#: every known unit, by symbol
UNITS: dict[str, _Unit] = {
    unit: _unit(dimension, factor)
    for dimension, factors in _FACTORS.items() for unit, factor in factors.items()
}
assert all(UNITS[u] == _Unit(d, 1.0) for d, u in CANONICAL.items()), "canonical scale is 1"

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
