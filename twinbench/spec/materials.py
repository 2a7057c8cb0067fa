"""Purchased materials and the suppliers that sell them (prices, lead times, reliability)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from twinbench.spec.fields import EurPerUnit, Fraction, Hours, Name, _Model

__all__ = ["Material", "Supplier"]


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
