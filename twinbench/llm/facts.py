"""Fact sheets: the structured, checkable content of a result, the only numbers the LLM sees.

A :class:`FactSheet` holds :class:`Fact` rows (a value with its unit, the entities it is
about, and a role: ``value``, ``binding``, ``bottleneck``, ``driver``, ``risk``,
``action``). :func:`fact_sheet` dispatches on the result's type through a registry, so a new
result type needs one small builder::

    @register_facts("twinbench.optimize.schedule.solve.Schedule")
    def _schedule_facts(result, spec=None) -> FactSheet: ...

Keys are classes or fully qualified class names (no import of heavy modules needed);
generic containers (DataFrame, Dataset) add a ``when`` predicate on their content.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["ROLES", "Fact", "FactSheet", "comparison_facts", "fact_sheet", "format_value",
           "register_facts"]

ROLES = ("value", "binding", "bottleneck", "driver", "risk", "action")


def format_value(value: float, unit: str = "") -> str:
    """How a number is written in prompts and templates (grounding accepts this rounding).

    >>> format_value(1234567.8, "EUR"), format_value(0.1234, "1"), format_value(5.25, "h")
    ('1,234,568 EUR', '12.3%', '5.2 h')
    """
    if isinstance(value, str):
        return value
    v = float(value)
    if not math.isfinite(v):
        return "not reached" if v > 0 else "n/a"
    if unit == "1":
        return f"{100 * v:.1f}%"
    if abs(v) >= 100 or v == int(v):
        text = f"{v:,.0f}"
    elif abs(v) >= 1:
        text = f"{v:,.1f}"
    else:
        text = f"{v:.3g}"
    if text in ("-0", "0") and v != 0:
        text = f"{v:.2g}"
    return f"{text} {unit}".strip() if unit and unit != "unit" else (
        f"{text} units" if unit == "unit" else text)


@dataclass(frozen=True)
class Fact:
    """One checkable statement.

    Attributes
    ----------
    name
        What the value is (``"expected supply cost"``).
    value
        The number (or a short text such as a status or a name).
    unit
        Unit of a number (``"EUR"``, ``"h"``, ``"1"`` for fractions, ``"unit"``).
    entities
        Plant entities the fact is about (stations, machines, products, suppliers, ...).
    role
        One of :data:`ROLES`.
    """

    name: str
    value: float | str
    unit: str = ""
    entities: tuple[str, ...] = ()
    role: str = "value"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"fact role {self.role!r} unknown; allowed: {list(ROLES)!r}")

    @property
    def is_number(self) -> bool:
        return not isinstance(self.value, str)

    def text(self) -> str:
        """``name: value unit``, as shown to the model."""
        return f"{self.name}: {format_value(self.value, self.unit)}"


@dataclass
class FactSheet:
    """The facts of one result.

    Attributes
    ----------
    kind
        Result kind (``"supply_plan"``, ``"scenario_comparison"``, ...).
    title
        One-line description.
    facts
        The facts, most important first.
    vocabulary
        Every entity name of the plant that a text could mention (to spot names that no
        fact supports).
    """

    kind: str
    title: str
    facts: list[Fact] = field(default_factory=list)
    vocabulary: set[str] = field(default_factory=set)

    def add(self, name: str, value: float | str, unit: str = "",
            entities: Iterable[str] = (), role: str = "value") -> Fact:
        """Append a fact (numbers converted to float) and return it."""
        v = value if isinstance(value, str) else float(value)
        f = Fact(name, v, unit, tuple(str(e) for e in entities), role)
        self.facts.append(f)
        return f

    @property
    def entities(self) -> set[str]:
        """Entities named by the facts (their ``entities`` and text values)."""
        out = {e for f in self.facts for e in f.entities}
        out |= {f.value for f in self.facts if isinstance(f.value, str)}
        return out

    def numbers(self) -> list[tuple[float, str]]:
        """Numeric ``(value, unit)`` pairs."""
        return [(float(f.value), f.unit) for f in self.facts if f.is_number
                and math.isfinite(float(f.value))]

    def by_role(self, role: str) -> list[Fact]:
        return [f for f in self.facts if f.role == role]

    def to_prompt(self, max_facts: int = 40) -> str:
        """The facts as lines ``- name: value`` (most important first)."""
        return "\n".join(f"- {f.text()}" for f in self.facts[:max_facts])

    def table(self) -> pd.DataFrame:
        """The facts as a table: name, value, unit, text, entities, role."""
        return pd.DataFrame([{"name": f.name, "value": f.value, "unit": f.unit,
                              "text": format_value(f.value, f.unit),
                              "entities": ", ".join(f.entities), "role": f.role}
                             for f in self.facts])


Builder = Callable[..., FactSheet]
_REGISTRY: list[tuple[type | str, Callable[[Any], bool] | None, Builder]] = []


def register_facts(key: type | str, when: Callable[[Any], bool] | None = None
                   ) -> Callable[[Builder], Builder]:
    """Decorator: ``builder(result, spec=None, **kw) -> FactSheet`` for results of ``key``.

    Parameters
    ----------
    key
        A class, or its fully qualified name (``"pkg.module.Class"``).
    when
        Extra test on the result (for generic containers such as DataFrames).
    """
    def deco(fn: Builder) -> Builder:
        _REGISTRY.insert(0, (key, when, fn))
        return fn
    return deco


def _matches(obj: Any, key: type | str) -> bool:
    for cls in type(obj).__mro__:
        if cls is key or f"{cls.__module__}.{cls.__qualname__}" == key:
            return True
    return False


def fact_sheet(result: Any, spec: Any = None, **kw: Any) -> FactSheet:
    """The fact sheet of ``result`` (a FactSheet is returned as is).

    Parameters
    ----------
    result
        A supply plan, demand forecast, failure forecast, calibrated twin, scenario
        comparison table, ... (anything with a registered builder).
    spec
        The line (adds its entity names to the vocabulary).
    kw
        Passed to the builder.

    Raises
    ------
    TypeError
        When no builder matches; the message lists the registered types.
    """
    if isinstance(result, FactSheet):
        sheet = result
    else:
        for key, when, fn in _REGISTRY:
            if _matches(result, key) and (when is None or when(result)):
                sheet = fn(result, spec=spec, **kw)
                break
        else:
            keys = sorted({k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}"
                           for k, _, _ in _REGISTRY})
            raise TypeError(f"no fact-sheet builder for {type(result).__name__}; registered: "
                            f"{keys!r} (a DataFrame must have the comparison columns "
                            "kpi, base, delta, unit). Add one with @register_facts(...)")
    if spec is not None:
        sheet.vocabulary |= spec_vocabulary(spec)
    return sheet


def spec_vocabulary(spec: Any) -> set[str]:
    """Entity names of a line: stations, machines, products, families, materials, suppliers."""
    names = set(spec.station_map) | set(spec.machines) | set(spec.product_map)
    names |= {p.family for p in spec.products if getattr(p, "family", None)}
    names |= {m.name for m in spec.materials} | {s.name for s in spec.suppliers}
    return {str(n) for n in names}


def _coord_names(ds: xr.Dataset, dims: Iterable[str]) -> set[str]:
    return {str(v) for d in dims if d in ds.coords for v in ds[d].values}


# --------------------------------------------------------------------------- builders
@register_facts("twinbench.optimize.supply.solve.SupplyPlan")
def _supply_facts(plan: Any, spec: Any = None, top: int = 5) -> FactSheet:
    ds = plan.ds
    sheet = FactSheet("supply_plan", f"supply plan over {ds.sizes['period']} weeks and "
                      f"{ds.sizes['scenario']} demand/supplier scenarios")
    sheet.vocabulary |= _coord_names(ds, ("supplier", "material", "product", "dc", "region",
                                          "station"))
    sheet.add("solver status", str(plan.status))
    sheet.add("expected total supply cost", plan.objective, "EUR")
    total = sum(plan.costs.values()) or 1.0
    for part, v in sorted(plan.costs.items(), key=lambda kv: -abs(kv[1])):
        if abs(v) > 0.5:
            sheet.add(f"expected {part} cost", v, "EUR", role="driver")
            sheet.add(f"share of {part} in the total cost", v / total, "1")
    prob = ds["probability"]
    if "station_hour_value" in ds:
        hv = ds["station_hour_value"].sum("period")
        if float(hv.max()) > 1e-6:
            st = str(hv.idxmax().values)
            sheet.add("bottleneck station (highest value of an extra hour)", st, entities=[st],
                      role="bottleneck")
            sheet.add(f"value of extra hours at {st}, summed over weeks", float(hv.max()),
                      "EUR/h", entities=[st], role="bottleneck")
            sheet.add("recommended action", f"add capacity at {st} (overtime or an extra "
                      "shift)", entities=[st], role="action")
    if len(plan.binding):
        b = plan.binding
        groups = b["group"].value_counts()
        for g, n in groups.items():
            sheet.add(f"binding {g} constraints", int(n), "", role="binding")
        for _, row in b.dropna(subset=["dual"]).head(top).iterrows():
            ents = [p for p in str(row["index"]).split("/") if not p.isdigit()]
            sheet.add(f"binding {row['group']} {row['index']}: shadow price", row["dual"],
                      "EUR", entities=ents, role="binding")
    fill = ds["fill_rate"].weighted(prob).mean("scenario")
    for p, v in zip(fill["product"].values, fill.values, strict=True):
        if np.isfinite(v):
            sheet.add(f"expected fill rate of {p}", float(v), "1", entities=[str(p)],
                      role="risk" if v < 0.98 else "value")
    spot = (ds["spot"].sum("period")).weighted(prob).mean("scenario")
    for m, v in zip(spot["material"].values, spot.values, strict=True):
        if v > 0.5:
            sheet.add(f"expected spot purchases of {m}", float(v), "unit", entities=[str(m)],
                      role="risk")
            sheet.add("recommended action", f"order {m} earlier from the regular suppliers "
                      "to avoid spot purchases", entities=[str(m)], role="action")
    buy = ds["buy"].sum(("material", "period"))
    for s, v in zip(buy["supplier"].values, buy.values, strict=True):
        if v > 0.5:
            sheet.add(f"units ordered from supplier {s}", float(v), "unit", entities=[str(s)])
    if "open" in ds:
        closed = [str(d) for d, v in zip(ds["dc"].values, ds["open"].values, strict=True)
                  if v < 0.5]
        if closed:
            sheet.add("closed distribution centres", ", ".join(closed), entities=closed)
    return sheet


@register_facts("twinbench.twin.demand.forecast.DemandForecast")
def _demand_facts(fc: Any, spec: Any = None) -> FactSheet:
    ds = fc.ds
    n = ds.sizes["week"]
    sheet = FactSheet("demand_forecast", f"demand forecast for {n} weeks")
    sheet.vocabulary |= _coord_names(ds, ("product",))
    sheet.add("forecast horizon", n, "weeks")
    total = ds["mean"].sum("week")
    level = float(ds.attrs.get("level", 0.9))
    for p in total.sortby(total, ascending=False)["product"].values:
        sheet.add(f"expected demand of {p} over the horizon", float(total.sel(product=p)),
                  "unit", entities=[str(p)])
        iv = ds["interval"].sel(product=p).isel(week=0).values
        sheet.add(f"{p} first-week demand, {level:.0%} interval low", float(iv[0]), "unit",
                  entities=[str(p)], role="risk")
        sheet.add(f"{p} first-week demand, {level:.0%} interval high", float(iv[-1]), "unit",
                  entities=[str(p)], role="risk")
        sheet.add(f"forecast model of {p}", str(fc.chosen.get(str(p), "?")), entities=[str(p)])
    top = str(total.idxmax().values)
    sheet.add("product with the highest demand", top, entities=[top], role="driver")
    return sheet


@register_facts(xr.Dataset, when=lambda ds: "failure_probability" in ds)
def _failure_facts(ds: xr.Dataset, spec: Any = None, top: int = 5) -> FactSheet:
    hours = ds.sizes["time"]
    sheet = FactSheet("failure_forecast", f"machine failure forecast over {hours} h")
    sheet.vocabulary |= _coord_names(ds, ("machine",))
    sheet.add("forecast horizon", hours, "h")
    end = ds["failure_probability"].isel(time=-1).to_series().sort_values(ascending=False)
    for i, (m, p) in enumerate(end.items()):
        if i >= top:
            break
        sheet.add(f"probability that {m} fails within the horizon", float(p), "1",
                  entities=[str(m)], role="risk")
        if "rul_quantile" in ds:
            med = float(ds["rul_quantile"].sel(machine=m).sel(quantile=0.5, method="nearest"))
            if np.isfinite(med):
                sheet.add(f"median remaining useful life of {m}", med, "h", entities=[str(m)],
                          role="risk")
    worst = str(end.index[0])
    sheet.add("machine with the highest failure risk", worst, entities=[worst], role="risk")
    sheet.add("recommended action", f"plan maintenance of {worst} first", entities=[worst],
              role="action")
    return sheet


@register_facts("twinbench.twin.calibrate.CalibratedTwin")
def _twin_facts(twin: Any, spec: Any = None) -> FactSheet:
    sheet = FactSheet("calibrated_twin", "calibration of the twin's physics parameters")
    d = twin.diagnostics
    sheet.add("sampler converged", "yes" if twin.converged else "no",
              role="value" if twin.converged else "risk")
    sheet.add("largest R-hat", float(d["r_hat"].max()), "")
    sheet.add("smallest bulk effective sample size", float(d["ess_bulk"].min()), "")
    sheet.add("divergent transitions", int(twin.divergences), "",
              role="risk" if twin.divergences else "value")
    return sheet


_COMPARISON_COLS = {"kpi", "base", "delta", "unit"}


def _norm_cols(df: pd.DataFrame) -> pd.DataFrame:
    ren = {c: str(c).strip().lower().replace(" ", "_") for c in df.columns}
    return df.rename(columns=ren)


def _is_comparison(df: pd.DataFrame) -> bool:
    return _COMPARISON_COLS <= set(_norm_cols(df.head(0)).columns)


@register_facts(pd.DataFrame, when=_is_comparison)
def comparison_facts(df: pd.DataFrame, spec: Any = None, scenario: str | None = None,
                     descriptions: dict[str, str] | None = None,
                     headline: str = "supply cost", top: int = 4) -> FactSheet:
    """Facts of a scenario comparison table.

    Parameters
    ----------
    df
        Columns ``kpi, base, delta, unit`` and optionally ``scenario`` (a name, or the
        scenario's value when there is no ``value`` column), ``value``, ``ci_low``,
        ``ci_high`` (any case; ``CI low`` works too).
    scenario
        Only this scenario's rows (default: all; several scenarios are ranked).
    descriptions
        Scenario name -> what it changes (shown as text facts).
    headline
        The KPI that ranks scenarios and whose change the others explain.
    """
    d = _norm_cols(df)
    if "value" not in d and "scenario" in d and pd.api.types.is_numeric_dtype(d["scenario"]):
        d = d.rename(columns={"scenario": "value"})
    if "scenario" not in d:
        d = d.assign(scenario=scenario or str(df.attrs.get("scenario", "scenario")))
    if "value" not in d:
        d = d.assign(value=d["base"] + d["delta"])
    if scenario is not None:
        names = sorted(set(d["scenario"]))
        if scenario not in names:
            raise ValueError(f"scenario {scenario!r} not in the comparison; found {names!r}")
        d = d[d["scenario"] == scenario]
    names = list(dict.fromkeys(d["scenario"]))
    title = (f"scenario {names[0]!r} against the base" if len(names) == 1
             else f"{len(names)} scenarios against the base")
    sheet = FactSheet("scenario_comparison", title)
    sheet.vocabulary |= {str(n) for n in names}
    from twinbench.scenarios.compare import LOWER_IS_BETTER

    for name in names:
        rows = d[d["scenario"] == name]
        pre = f"{name}: " if len(names) > 1 else ""
        if descriptions and name in descriptions:
            sheet.add(f"scenario {name} changes", descriptions[name], entities=[name])
        rel = (rows["delta"].abs() / rows["base"].abs().where(rows["base"].abs() > 0)).fillna(
            rows["delta"].abs().gt(1e-9).astype(float))
        rows = rows.assign(_rel=rel).sort_values("_rel", ascending=False)
        head = rows[rows["kpi"] == headline]
        order = [*head.index, *[i for i in rows.index if i not in head.index]]
        for i in order:
            r = rows.loc[i]
            unit = str(r["unit"])
            if abs(r["delta"]) < 1e-6 * max(1.0, abs(r["base"])) and r["kpi"] != headline:
                sheet.add(f"{pre}{r['kpi']} unchanged at", r["base"], unit, entities=[name])
                continue
            sheet.add(f"{pre}{r['kpi']} in the base", r["base"], unit, entities=[name])
            sheet.add(f"{pre}{r['kpi']} in the scenario", r["value"], unit, entities=[name])
            sheet.add(f"{pre}change of {r['kpi']}", r["delta"], unit, entities=[name],
                      role="driver")
            if abs(r["base"]) > 0 and unit != "1":
                sheet.add(f"{pre}relative change of {r['kpi']}", r["delta"] / abs(r["base"]),
                          "1", entities=[name], role="driver")
            if "ci_low" in r and np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]):
                sig = r["ci_low"] > 0 or r["ci_high"] < 0
                sheet.add(f"{pre}90% interval of the change of {r['kpi']}, low",
                          r["ci_low"], unit, entities=[name])
                sheet.add(f"{pre}90% interval of the change of {r['kpi']}, high",
                          r["ci_high"], unit, entities=[name])
                sheet.add(f"{pre}change of {r['kpi']} is", "significant" if sig
                          else "not significant (interval includes zero)", entities=[name])
            lower = r["kpi"] in LOWER_IS_BETTER
            worse = (r["delta"] > 0) if lower else (r["delta"] < 0)
            if worse and abs(r["delta"]) > 1e-6 * max(1.0, abs(r["base"])):
                sheet.add(f"{pre}{r['kpi']} gets worse", str(r["kpi"]), entities=[name],
                          role="risk")
        same = rows[(rows["kpi"] != headline) & (rows["unit"] == (
            head["unit"].iloc[0] if len(head) else None))]
        same = same[same["delta"].abs() > 1e-6 * same["base"].abs().clip(lower=1.0)]
        if len(head) and len(same):
            drv = same.loc[same["delta"].abs().idxmax()]
            sheet.add(f"{pre}main driver of the change of {headline}", str(drv["kpi"]),
                      entities=[name], role="driver")
            hrow = head.iloc[0]
            lower = headline in LOWER_IS_BETTER
            if ((hrow["delta"] > 0) if lower else (hrow["delta"] < 0)) and hrow.get(
                    "significant", True):
                sheet.add("recommended action", f"prepare a mitigation for {name}, aimed at "
                          f"{drv['kpi']}", entities=[name], role="action")
    if len(names) > 1:
        hd = d[d["kpi"] == headline].sort_values("delta")
        for rank, (_, r) in enumerate(hd.iterrows(), start=1):
            sheet.add(f"rank {rank} by change of {headline} (1 = best)", str(r["scenario"]),
                      entities=[str(r["scenario"])])
    return sheet
