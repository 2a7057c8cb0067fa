"""Plant language for the pages: numbers with units and thousands separators, dates a
person reads, and what limits a plan said in words instead of solver terms."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["BINDING", "binding_sentences", "day", "eur", "hours", "label", "moment", "num",
           "pct"]

#: column names as a manager reads them
LABELS = {
    "machine": "Machine", "station": "Station", "type": "Machine type",
    "running_h": "Running hours [h]", "failures": "Failures (last year)",
    "maintenance": "Maintenance jobs (last year)", "day": "Day", "kind": "Alert",
    "value": "Reading", "z": "Deviation [sd]", "user": "Who", "action": "What",
    "plan_id": "Plan", "comment": "Why", "time": "When (UTC)", "check": "Integrity",
    "entry": "No.",
}


def label(column: str) -> str:
    """A column's name in plant words (``snake_case`` made readable otherwise)."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def num(value: float, decimals: int = 0, unit: str = "") -> str:
    """``12,345.6 unit`` (``-`` when not a number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}".strip()


def eur(value: float, decimals: int = 0) -> str:
    """An amount in euros: ``12,345 EUR``."""
    return num(value, decimals, "EUR")


def pct(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage: ``0.953`` -> ``95.3 %``."""
    return num(100 * fraction, decimals, "%")


def hours(value: float, decimals: int = 1) -> str:
    """Hours: ``3.5 h``."""
    return num(value, decimals, "h")


def day(ts) -> str:
    """A date: ``Mon 6 Jan 2025``."""
    t = pd.Timestamp(ts)
    return f"{t:%a} {t.day} {t:%b %Y}"


def moment(ts) -> str:
    """A date and time to the minute: ``Mon 6 Jan 14:05``."""
    t = pd.Timestamp(ts)
    return f"{t:%a} {t.day} {t:%b %H:%M}"


def _binding_sentence(group: str, index: str, value: float) -> str:
    parts = str(index).split("/")
    worth = f"is worth {eur(value, 2)}" if value == value else "would help"
    if group == "station_capacity":
        return f"An extra hour at {parts[0]} {worth} over the plan"
    if group == "dc_capacity":
        return f"Room for one more unit at warehouse {parts[0]} {worth}"
    if group == "lane_plant_dc":
        return f"One more unit shipped from the plant to {parts[0]} {worth}"
    if group == "lane_dc_region":
        return f"One more unit shipped on {' to '.join(parts)} {worth}"
    if group == "supplier_capacity" and len(parts) >= 3:
        return (f"Supplier {parts[0]} delivers all it can of {parts[1]} in week "
                f"{int(parts[2]) + 1}")
    return f"{group.replace('_', ' ')} {index} is at its limit"


#: what a limiting constraint's group means on the floor
BINDING = {"station_capacity": "machine hours", "dc_capacity": "warehouse room",
           "lane_plant_dc": "transport", "lane_dc_region": "transport",
           "supplier_capacity": "supplier capacity"}


def binding_sentences(binding: pd.DataFrame, top: int = 6) -> list[str]:
    """What limits a supply plan, most valuable first, as sentences (``binding``: group,
    index and value of one more unit [EUR])."""
    return [_binding_sentence(str(r["group"]), str(r["index"]), float(r["dual"]))
            for _, r in binding.head(top).iterrows()]
