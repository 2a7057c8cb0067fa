"""Field types shared by the spec entities, and their base model.

A quantity field accepts a number in its canonical unit or a string with a unit
(``"45 min"``, ``"3.2 kW"``), converted by :func:`twinbench.units.parse_quantity`; a unit of
the wrong kind is an error. Each type is named after the canonical unit it stores.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from twinbench.units import parse_quantity

__all__ = [
    "KW",
    "DegC",
    "EurPerKWh",
    "EurPerUnit",
    "Fraction",
    "Hours",
    "KJPerMol",
    "Name",
    "PerHour",
]


def _quantity(dimension: str) -> BeforeValidator:
    """A validator converting a number or ``"<number> <unit>"`` of ``dimension``."""
    def parse(v: Any) -> Any:
        return parse_quantity(v, dimension)[0] if isinstance(v, str | int | float) else v

    return BeforeValidator(parse)


#: time [h]
Hours = Annotated[float, _quantity("time")]
#: power [kW]
KW = Annotated[float, _quantity("power")]
#: temperature [degC]
DegC = Annotated[float, _quantity("temperature")]
#: rate [1/h]
PerHour = Annotated[float, _quantity("rate_time")]
#: molar energy [kJ/mol]
KJPerMol = Annotated[float, _quantity("energy_molar")]
#: electricity price [EUR/kWh]
EurPerKWh = Annotated[float, _quantity("price_energy")]
#: price of a unit [EUR/unit]
EurPerUnit = Annotated[float, _quantity("price_unit")]
#: fraction between 0 and 1 [1]; ``"5 %"`` is 0.05
Fraction = Annotated[float, _quantity("fraction"), Field(ge=0, le=1)]
#: name of an entity: letters, digits, ``_ . -``
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Model(BaseModel):
    """Base of every spec entity: immutable, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
