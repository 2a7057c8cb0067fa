"""Crews: operators on duty per shift, and the stations they can run.

A machine of a crew's stations runs (sets up or processes) only while one of the crew's
operators attends it; an operator attends one machine at a time. The number of operators
on duty may differ by shift. Stations in no crew need no operator. Maintenance is done by
the maintenance staff, not by a crew.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from twinbench.spec.fields import Name, _Model

__all__ = ["Crew"]


class Crew(_Model):
    """Operators who run a set of stations.

    Attributes
    ----------
    name
        Name of the crew.
    stations
        Stations its operators can run (each station in at most one crew).
    operators
        Operators on duty in every shift [person].
    per_shift
        Operators on duty in the named shifts, where they differ from ``operators``
        [person]; shift names come from ``calendar.shifts``.
    """

    name: Name
    stations: Annotated[list[Name], Field(min_length=1)]
    operators: Annotated[int, Field(ge=0)]
    per_shift: dict[Name, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)

    def on_duty(self, shift: str) -> int:
        """Operators on duty in ``shift`` [person]."""
        return self.per_shift.get(shift, self.operators)
