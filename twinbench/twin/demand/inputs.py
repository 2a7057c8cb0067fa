"""The inputs of the demand models, checked: weekly demand and drivers on one index.

:func:`_prepare` checks a demand table (``week``, ``product``, ``quantity`` [unit/week]) and
a drivers table (``week`` plus one numeric column per driver) and returns a :class:`_Panel`:
every product's history on one weekly index, and the drivers on the history weeks and (when
asked) on the horizon weeks after them. Every problem is a ``ValueError`` that says what was
expected, what was found and how to fix it; the arguments shared by :func:`backtest` and
:func:`forecast_demand` (model names, integers, the interval level) are checked here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twinbench.twin.demand.models import _MODELS, CANDIDATES, MIN_HISTORY


@dataclass
class _Panel:
    """Validated inputs: demand (week x product) and drivers on history and future weeks."""

    y: pd.DataFrame  # index: history weeks; NaN before a product's first week
    x: pd.DataFrame  # drivers on the history weeks
    x_future: pd.DataFrame | None  # drivers on the horizon weeks
    future: pd.DatetimeIndex
    products: list[str]

    def series(self, product: str) -> tuple[np.ndarray, pd.DatetimeIndex, np.ndarray]:
        """History of one product: quantities [unit/week], weeks, drivers (n, k)."""
        s = self.y[product].dropna()
        return s.to_numpy(float), pd.DatetimeIndex(s.index), self.x.loc[s.index].to_numpy(float)


def _check_models(models: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(models, str):
        models = (models,)
    models = tuple(models)
    if not models:
        raise ValueError(f"models is empty; pass one or more of {list(CANDIDATES)!r}")
    unknown = [m for m in models if m not in _MODELS]
    if unknown:
        raise ValueError(f"unknown model name(s) {unknown!r}; allowed: {list(CANDIDATES)!r}")
    if len(set(models)) != len(models):
        raise ValueError(f"models lists a name twice: {list(models)!r}; list each once")
    return models


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; found {value!r}")
    return int(value)


def _check_level(level: object) -> float:
    if not isinstance(level, float | int) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a probability strictly between 0 and 1 (e.g. 0.9 for "
                         f"a 90 % interval); found {level!r}")
    return float(level)


def _fmt_weeks(weeks: Sequence[pd.Timestamp], limit: int = 5) -> str:
    shown = ", ".join(str(pd.Timestamp(w).date()) for w in weeks[:limit])
    return shown + (f", ... ({len(weeks)} in all)" if len(weeks) > limit else "")


def _prepare(demand: pd.DataFrame, drivers: pd.DataFrame, horizon: int,
             need_future: bool) -> _Panel:
    """Check demand and drivers and put them on one weekly index."""
    if not isinstance(demand, pd.DataFrame):
        raise ValueError(f"demand must be a pandas DataFrame; found {type(demand).__name__}")
    if not isinstance(drivers, pd.DataFrame):
        raise ValueError(f"drivers must be a pandas DataFrame; found {type(drivers).__name__}")
    need = ["week", "product", "quantity"]
    missing = [c for c in need if c not in demand.columns]
    if missing:
        raise ValueError(f"demand is missing column(s) {missing!r}; expected {need!r}, found "
                         f"{list(demand.columns)!r}")
    if "week" not in drivers.columns:
        raise ValueError(f"drivers has no 'week' column; expected 'week' plus one numeric "
                         f"column per driver, found {list(drivers.columns)!r}")
    if demand.empty:
        raise ValueError("demand is empty; expected weekly rows of week, product, quantity")
    d = demand[need].copy()
    d["week"] = pd.to_datetime(d["week"])
    d["product"] = d["product"].astype(str)
    qty = pd.to_numeric(d["quantity"], errors="coerce")
    bad = ~np.isfinite(qty.to_numpy(float)) | (qty.to_numpy(float) < 0)
    if bad.any():
        rows = d[bad].head(5)
        raise ValueError("demand quantity must be a finite number >= 0 [unit/week]; found "
                         + ", ".join(f"{r.quantity!r} (product {r.product!r}, week "
                                     f"{r.week.date()})" for r in rows.itertuples())
                         + "; fix or fill these rows (0 for weeks without demand)")
    d["quantity"] = qty.astype(float)
    dup = d.duplicated(["week", "product"])
    if dup.any():
        r = d[dup].iloc[0]
        raise ValueError(f"demand has {int(dup.sum())} duplicate (week, product) row(s), e.g. "
                         f"week {r.week.date()} product {r['product']!r}; keep one row each")
    products = list(pd.unique(d["product"]))
    y = d.pivot(index="week", columns="product", values="quantity")[products].sort_index()
    last = {}
    for p in products:
        s = d.loc[d["product"] == p, "week"].sort_values()
        full = pd.date_range(s.iloc[0], s.iloc[-1], freq="7D")
        if len(full) != len(s) or not (full == pd.DatetimeIndex(s)).all():
            gaps = full.difference(pd.DatetimeIndex(s))
            raise ValueError(
                f"demand history of product {p!r} has gaps or is not weekly: expected one row "
                f"every 7 days from {s.iloc[0].date()} to {s.iloc[-1].date()}; missing weeks "
                f"{_fmt_weeks(gaps) or '(rows are not 7 days apart)'}; add the missing rows "
                f"(quantity 0 if there was no demand)")
        if len(s) < MIN_HISTORY:
            raise ValueError(
                f"product {p!r} has {len(s)} weeks of demand history; at least {MIN_HISTORY} "
                f"weeks (2 full annual seasons) are needed to fit the seasonal models; provide "
                f"a longer history or leave the product out")
        last[p] = s.iloc[-1]
    if len(set(last.values())) > 1:
        raise ValueError(
            "demand histories end in different weeks: "
            + ", ".join(f"{p!r}: {w.date()}" for p, w in last.items())
            + "; all products must end in the same week (the last week with data)")
    end = next(iter(last.values()))
    y = y.reindex(pd.date_range(y.index[0], end, freq="7D"))
    future = pd.date_range(end + pd.Timedelta(days=7), periods=horizon, freq="7D")

    dr = drivers.copy()
    dr["week"] = pd.to_datetime(dr["week"])
    names = [c for c in dr.columns if c != "week"]
    for c in names:
        conv = pd.to_numeric(dr[c], errors="coerce")
        if (conv.isna() & dr[c].notna()).any():
            raise ValueError(f"driver column {c!r} is not numeric (e.g. "
                             f"{dr[c][conv.isna() & dr[c].notna()].iloc[0]!r}); drivers must be "
                             f"numbers, one column per driver")
        dr[c] = conv.astype(float)
    if dr["week"].duplicated().any():
        w = dr.loc[dr["week"].duplicated(), "week"].iloc[0]
        raise ValueError(f"drivers has more than one row for week {w.date()}; keep one row per "
                         f"week")
    dr = dr.set_index("week").sort_index()
    needed = y.index.append(future) if need_future else y.index
    span = (f"found drivers from {dr.index[0].date()} to {dr.index[-1].date()}" if len(dr)
            else "found no driver rows")
    what = (f"the {len(y)} history weeks plus the {horizon}-week horizon" if need_future
            else f"the {len(y)} history weeks")
    absent = needed.difference(dr.index)
    if len(absent):
        fix = ("add future rows with planned or forecast driver values"
               if need_future and absent.min() > end else "add the missing rows")
        raise ValueError(
            f"drivers do not cover {len(absent)} week(s) needed: {_fmt_weeks(absent)}; expected "
            f"one row every 7 days from {needed[0].date()} to {needed[-1].date()} ({what}), "
            f"{span}; {fix}, or shorten the horizon")
    sel = dr.loc[needed, names]
    holes = sel.isna().any(axis=1)
    if holes.any():
        cols = [c for c in names if sel[c].isna().any()]
        raise ValueError(
            f"drivers have missing values (gaps) in column(s) {cols!r} for week(s) "
            f"{_fmt_weeks(sel.index[holes])}; expected a value for every driver in every week "
            f"from {needed[0].date()} to {needed[-1].date()} ({what}); fill the gaps")
    return _Panel(y=y, x=sel.loc[y.index], x_future=sel.loc[future] if need_future else None,
                  future=future, products=products)
