"""Plant language for pages and reports: numbers with units and thousands separators, dates
a person reads, and column and KPI names as a manager reads them (never ``snake_case`` or
``1.038e+04``)."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["COMMON_LABELS", "KPI_LABELS", "LABELS", "day", "eur", "hours", "kpi_label",
           "label", "moment", "num", "number", "pct", "people_table"]

#: column names as a manager reads them, on the pages and in the reports
COMMON_LABELS = {
    "machine": "Machine", "station": "Station", "type": "Machine type",
    "running_h": "Running hours [h]", "failures": "Failures (last year)",
    "maintenance": "Maintenance jobs (last year)", "day": "Day", "kind": "Alert",
    "z": "Deviation [sd]", "user": "Who", "action": "What",
    "plan_id": "Plan", "comment": "Why", "time": "When (UTC)", "check": "Integrity",
    "entry": "No.",
}
#: column names of the report's tables
LABELS = {
    **COMMON_LABELS, "value": "Value", "kpi": "Figure", "unit": "Unit", "mean": "Mean",
    "ci_low": "Interval from", "ci_high": "Interval to", "delta": "Change",
    "rank": "Rank", "scenario": "What-if", "order": "Order", "job": "Order",
    "step": "Step", "start_time": "Start", "end_time": "End", "setup": "Setup [h]",
    "due": "Due [working h]", "p_on_time": "Chance on time [%]",
    "tardiness_p50": "Late by, median [h]", "tardiness_p90": "Late by, 90 % [h]",
    "p_on_time_edd": "On time, due-first [%]",
}

#: KPI names of the schedule, the line simulation and the supply plan: (words, unit)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "makespan": ("Week's work done after", "h"),
    "weighted_tardiness": ("Weighted lateness", "h"),
    "weighted_flow": ("Weighted flow time", "h"),
    "total_tardiness": ("Total lateness", "h"),
    "tardy_jobs": ("Late orders", ""),
    "max_tardiness": ("Largest lateness", "h"),
    "setup_hours": ("Setup time", "h"),
    "energy": ("Energy", "kWh"),
    "energy_cost": ("Energy cost", "EUR"),
    "maintenance_hours": ("Maintenance", "h"),
    "utilisation": ("Machine utilisation", "%"),
    "throughput": ("Throughput", "unit/h"),
    "units_started": ("Units started", "unit"),
    "units_finished": ("Units finished", "unit"),
    "units_scrapped": ("Units scrapped", "unit"),
    "wip_end": ("Work in progress at the end", "unit"),
    "wip": ("Work in progress, mean", "unit"),
    "flow_time": ("Flow time", "h"),
    "time_in_system": ("Time in system", "unit h"),
    "supply_cost": ("Supply cost", "EUR"),
    "shortage_cost": ("Shortage cost", "EUR"),
    "fill_rate": ("Fill rate (on time)", "%"),
    "on_time": ("Orders on time", "%"),
    "oee": ("OEE", "%"),
}


def label(column: str, labels: dict[str, str] = LABELS) -> str:
    """A column's name in plant words from ``labels`` (``snake_case`` made readable
    otherwise)."""
    return labels.get(column, column.replace("_", " ").capitalize())


def kpi_label(kpi: str, unit: str = "") -> str:
    """A KPI's name in plant words with its unit: ``Energy cost [EUR]``."""
    words, u = KPI_LABELS.get(kpi, (kpi.replace("_", " ").capitalize(), unit))
    u = u or unit
    return f"{words} [{u}]" if u else words


def num(value: float, decimals: int = 0, unit: str = "") -> str:
    """``12,345.6 unit`` (``-`` when not a number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}".strip()


def number(value: object) -> str:
    """A figure with as many decimals as its size needs: ``10,380``, ``25.6``, ``0.87``
    (``-`` when not a number; whole numbers without decimals)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "-"
    if v.is_integer() or abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"


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


def people_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as text a manager reads: KPI names in words with their unit (a ``unit``
    column folded into the name; fractions of a ``%`` KPI shown as percentages), numbers
    by :func:`number`, timestamps by :func:`moment`, column names by :func:`label`."""
    d = df.copy()
    scale = pd.Series(1.0, index=d.index)
    if "kpi" in d:
        units = d["unit"].fillna("").astype(str) if "unit" in d else pd.Series("", d.index)
        scale = pd.Series([100.0 if KPI_LABELS.get(k, ("", ""))[1] == "%" else 1.0
                           for k in d["kpi"]], index=d.index)
        d["kpi"] = [kpi_label(str(k), u) for k, u in zip(d["kpi"], units, strict=True)]
        d = d.drop(columns=[c for c in ("unit",) if c in d])
    for c in d.columns:
        if c in ("kpi",):
            continue
        if c.endswith("_time") and not pd.api.types.is_numeric_dtype(d[c]):
            d[c] = [moment(v) if isinstance(v, str) and v else "-" for v in d[c]]
        elif pd.api.types.is_numeric_dtype(d[c]) and c not in ("step", "rank"):
            ratio = c.startswith("p_")
            d[c] = [number(100 * v) if ratio and v == v else
                    number(v * (s if c in ("value", "mean", "ci_low", "ci_high", "delta")
                                else 1.0))
                    for v, s in zip(d[c], scale, strict=True)]
    d.columns = [label(c) for c in d.columns]
    return d.astype(str)
