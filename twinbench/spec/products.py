"""Products and how they are made: routings of steps with their processing times."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from twinbench.spec.fields import EurPerUnit, Hours, Name, _Model

__all__ = ["ProcessingTime", "Product", "RoutingStep"]


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
