"""The electricity tariff of the line: a base price and time-of-use periods."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from twinbench.spec.calendar import HHMM, WEEKDAYS, Days, _hours
from twinbench.spec.fields import EurPerKWh, Name, _Model

__all__ = ["Energy", "TariffPeriod"]


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
