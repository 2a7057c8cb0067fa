"""Plant language for the pages: numbers with units and thousands separators, dates a
person reads, and what limits a plan said in words instead of solver terms."""

from __future__ import annotations

import pandas as pd

from twinbench.viz.words import COMMON_LABELS, day, eur, hours, moment, num, pct
from twinbench.viz.words import label as _label

__all__ = ["BINDING", "binding_sentences", "day", "eur", "hours", "label", "moment", "num",
           "pct"]

#: column names as a manager reads them ("value" on the pages is a sensor reading)
LABELS = {**COMMON_LABELS, "value": "Reading"}


def label(column: str) -> str:
    """A column's name in plant words (``snake_case`` made readable otherwise)."""
    return _label(column, LABELS)


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
