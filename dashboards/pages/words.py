"""Plant language for the pages: numbers with units and thousands separators, dates a
person reads, and what limits a plan said in words instead of solver terms."""

from __future__ import annotations

import pandas as pd

from twinbench.viz.words import COMMON_LABELS, day, eur, hours, moment, num, pct
from twinbench.viz.words import label as _label

__all__ = ["BINDING", "binding_sentences", "day", "eur", "hours", "label", "moment", "num",
           "pct", "plan_quality"]

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


#: who found a schedule, in words (``Schedule.stage``: a stage or stages joined by "+")
FOUND_BY = {"dispatch": "a dispatching rule", "annealer": "local search",
            "mip": "the optimiser"}


def plan_quality(status: str, gap: float, stage: str, seconds: float) -> str:
    """How good a schedule is and how it was found, without solver terms: "the best
    possible plan (proven)" or "no plan can be more than 17.8 % better" [gap: (objective -
    bound) / objective, 1], found by whom, in how long [s]."""
    how = " and ".join(dict.fromkeys(FOUND_BY.get(s, "the planner") for s in
                                     str(stage).split("+")))
    if status == "optimal":
        quality = "the best possible plan (proven)"
    elif gap == gap:
        quality = f"no plan can be more than {pct(gap, 1)} better"
    else:
        quality = "a workable plan (how far from the best is not known)"
    return f"{quality}; found by {how} in {num(seconds, 1)} s"
