"""Stations of the line (parallel machines, power draw, setup matrix) and their buffers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from twinbench.spec.fields import KW, Hours, Name, _Model

__all__ = ["Buffer", "Station"]


class Station(_Model):
    """A station: one or more identical parallel machines.

    Attributes
    ----------
    machines
        Number of parallel machines, or their names. Names default to ``<station><i>``.
    machine_type
        Name of the :class:`~twinbench.spec.MachineType` whose physics these machines follow.
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
