"""Times of the week: weekday and time-of-day fields, shifts and the line's calendar.

A time of day is ``"HH:MM"`` from ``00:00`` to ``24:00``; a period whose end is before its
start crosses midnight. The tariff periods of :mod:`twinbench.spec.energy` use the same
fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from twinbench.spec.fields import Name, _Model

__all__ = ["HHMM", "WEEKDAYS", "Calendar", "Days", "Shift"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _check_hhmm(v: str) -> str:
    if not isinstance(v, str) or not _HHMM.match(v) or (v.startswith("24") and v != "24:00"):
        raise ValueError(f"expected a time of day 'HH:MM' between 00:00 and 24:00, found {v!r}")
    return v


#: time of day ``"HH:MM"``
HHMM = Annotated[str, BeforeValidator(_check_hhmm)]


def _check_days(v: list[str]) -> list[str]:
    bad = [d for d in v if d not in WEEKDAYS]
    if bad:
        raise ValueError(f"unknown weekday(s) {bad!r}; allowed: {list(WEEKDAYS)!r}")
    return v


#: weekdays, each one of :data:`WEEKDAYS`
Days = Annotated[list[str], BeforeValidator(_check_days)]


def _hours(hhmm: str) -> float:
    """Time of day ``"HH:MM"`` as hours after midnight [h]."""
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

    def week_minutes(self) -> set[int]:
        """The minutes of a week (0 = Monday 00:00) the shift covers [min]; a shift that
        crosses midnight runs into the next day (Sunday night into Monday)."""
        a = round(_hours(self.start) * 60)
        n = round(self.hours * 60)
        return {(WEEKDAYS.index(d) * 1440 + a + m) % 10080 for d in self.days
                for m in range(n)}


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
