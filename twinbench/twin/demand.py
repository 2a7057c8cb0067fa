"""Weekly demand forecasts per product, with intervals, chosen by rolling-origin backtest.

Three candidate models are fitted to each product's weekly history (a model registry,
:data:`CANDIDATES`):

``sarimax_exog``
    Regression with AR(1) errors (:class:`statsmodels.tsa.statespace.sarimax.SARIMAX`) on
    ``log1p(quantity)``. Regressors: a constant, a linear trend [1/year], ``FOURIER_TERMS``
    sine/cosine pairs of the annual phase (period 365.25 days, i.e. 52.18 weeks) and every
    driver column, standardised over the training window (constant columns are dropped).
    Forecast quantiles are the normal quantiles on the log scale transformed back
    (``expm1`` is monotone); the mean uses the lognormal correction
    ``exp(m + v/2) - 1``. The residual variance on the log scale carries the count
    (Poisson-like) noise as well as the extra noise; the uncertainty of the regression
    coefficients (level, trend, season, driver effects) is added by the delta method.
``ets``
    Additive-error, damped additive-trend, additive-seasonal exponential smoothing
    (:class:`statsmodels.tsa.exponential_smoothing.ets.ETSModel`, season 52 weeks, heuristic
    initial states) on ``log1p(quantity)``; drivers are not used. Intervals and mean are
    transformed back as for ``sarimax_exog``.
``seasonal_naive``
    The baseline: ``y[t+h] = y[t+h-52]``; its interval adds the empirical quantiles of the
    in-sample seasonal differences ``y[t] - y[t-52]`` (scaled by ``sqrt(k)`` for
    ``k = ceil(h/52)`` seasons ahead).

All fits are deterministic (no random draws), so equal inputs give an identical result.
Only statsmodels' ConvergenceWarning is silenced, locally; whether each fit converged is
recorded (``converged`` in the backtest table and in :class:`DemandForecast`).

MASE in the backtest divides each absolute error of the forecast mean by the in-sample
seasonal-naive (lag 52) mean absolute error of that origin's training window.

:func:`backtest` scores each model by rolling origin; :func:`forecast_demand` picks per
product the model with the lowest backtest MASE among those whose interval coverage is
within :func:`coverage_band` (``[0.75, 0.99]`` for the 90 % level), falling back to the
lowest MASE, refits it on the whole history and forecasts the ``horizon`` weeks that follow,
with future driver values taken from ``drivers``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

__all__ = [
    "BASELINE",
    "CANDIDATES",
    "MIN_HISTORY",
    "DemandForecast",
    "backtest",
    "coverage_band",
    "forecast_demand",
]

#: candidate model names, in order of preference on ties
CANDIDATES: tuple[str, ...] = ("sarimax_exog", "ets", "seasonal_naive")
#: the baseline every chosen model is compared against
BASELINE = "seasonal_naive"
#: seasonal lag of the naive model and of the MASE scale [week]
SEASON = 52
#: mean length of a year [week]
YEAR_WEEKS = 365.25 / 7
#: shortest history (two full seasons) a product needs, also the shortest backtest window
#: [week]
MIN_HISTORY = 2 * SEASON
#: sine/cosine pairs of the annual phase used by ``sarimax_exog``
FOURIER_TERMS = 2
UNITS = "unit/week"
_EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class _Fit:
    """One model's forecast: ``mean`` (h,) and ``quantiles`` (h, 3) [unit/week]."""

    mean: np.ndarray
    quantiles: np.ndarray
    converged: bool


@dataclass
class DemandForecast:
    """Demand forecast per product with intervals, and how each model was chosen.

    Attributes
    ----------
    ds
        Dims ``(product, week, quantile)``. ``mean`` (product, week) [unit/week]: expected
        demand; ``interval`` (product, week, quantile) [unit/week]: forecast quantiles
        ``((1 - level)/2, 0.5, (1 + level)/2)``, e.g. ``[0.05, 0.5, 0.95]`` for level 0.9.
        Coordinate ``model`` (product): the model used. ``week`` holds the ``horizon``
        Mondays after the last history week. Attributes record level, horizon and the
        selection rule.
    chosen
        Model name per product.
    backtest
        The backtest table the choice was based on (see :func:`backtest`).
    converged
        Per product, whether the final fit of the chosen model converged.
    """

    ds: xr.Dataset
    chosen: dict[str, str]
    backtest: pd.DataFrame
    converged: dict[str, bool] = field(default_factory=dict)


# --------------------------------------------------------------------------- models


def _quantile_levels(level: float) -> np.ndarray:
    """Quantile probabilities ``(lower, median, upper)`` of a central ``level`` interval."""
    return np.round(np.array([(1 - level) / 2, 0.5, (1 + level) / 2]), 10)


def _fourier(weeks: pd.DatetimeIndex, terms: int) -> np.ndarray:
    """Sine/cosine pairs of the annual phase (period 365.25 days), shape (n, 2*terms)."""
    days = np.asarray((weeks - _EPOCH) / pd.Timedelta(days=1), dtype=float)
    phase = 2 * np.pi * days / 365.25
    cols = [f(k * phase) for k in range(1, terms + 1) for f in (np.sin, np.cos)]
    return np.column_stack(cols)


def _from_log(m: np.ndarray, v: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and quantiles on the count scale of a normal ``(m, v)`` forecast of log1p(y)."""
    z = norm.ppf(_quantile_levels(level))
    s = np.sqrt(np.clip(v, 0, None))
    q = np.expm1(m[:, None] + s[:, None] * z[None, :])
    mean = np.expm1(m + s**2 / 2)
    return np.clip(mean, 0, None), np.clip(q, 0, None)


def _fit_quietly(fit: Callable[..., Any], **kwargs: Any) -> tuple[Any, bool]:
    """Call a statsmodels ``fit``, silencing only its ConvergenceWarning; report convergence."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = fit(**kwargs)
    converged = bool(res.mle_retvals.get("converged", True)) and not any(
        issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:  # anything else is passed on unchanged
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return res, converged


def _sarimax_exog(y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray, x_future: np.ndarray,
                  future: pd.DatetimeIndex, level: float) -> _Fit:
    """Regression on trend, Fourier terms and drivers with AR(1) errors, on log1p(y)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    n, h = len(y), len(future)
    t = (np.arange(n + h) - (n - 1)) / YEAR_WEEKS
    xd = np.vstack([x, x_future])
    mu, sd = x.mean(axis=0), x.std(axis=0)
    keep = sd > 1e-12 * np.maximum(1.0, np.abs(mu))
    xd = (xd[:, keep] - mu[keep]) / sd[keep]
    exog = np.column_stack([np.ones(n + h), t, _fourier(weeks.append(future), FOURIER_TERMS),
                            xd])
    model = SARIMAX(np.log1p(y), exog=exog[:n], order=(1, 0, 0), trend="n",
                    concentrate_scale=True)
    res, converged = _fit_quietly(model.fit, disp=False, maxiter=200)
    if not converged:  # L-BFGS often stops on a flat ridge at the optimum: polish with BFGS
        res, converged = _fit_quietly(model.fit, start_params=res.params, method="bfgs",
                                      disp=False, maxiter=500)
    pred = res.get_forecast(h, exog=exog[n:])
    var = np.asarray(pred.var_pred_mean, dtype=float)
    # the state-space variance treats the coefficients as known: add their uncertainty
    # (delta method, x_f' Cov(beta) x_f), which matters most for level and trend
    k = exog.shape[1]
    cov = np.asarray(res.cov_params(), dtype=float)[:k, :k]
    extra = np.einsum("ij,jk,ik->i", exog[n:], cov, exog[n:])
    if np.all(np.isfinite(extra)):
        var = var + np.clip(extra, 0, None)
    mean, q = _from_log(np.asarray(pred.predicted_mean), var, level)
    return _Fit(mean, q, converged)


def _ets(y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray, x_future: np.ndarray,
         future: pd.DatetimeIndex, level: float) -> _Fit:
    """Damped-trend additive Holt-Winters state-space model (ETS AAdA) on log1p(y)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n, h = len(y), len(future)
    # a Series: statsmodels 0.15 cannot build prediction results from a bare ndarray
    model = ETSModel(pd.Series(np.log1p(y)), error="add", trend="add", damped_trend=True,
                     seasonal="add", seasonal_periods=SEASON, initialization_method="heuristic")
    res, converged = _fit_quietly(model.fit, disp=False)
    pred = res.get_prediction(start=n, end=n + h - 1)
    mean, q = _from_log(np.asarray(pred.predicted_mean), np.asarray(pred.var_pred_mean), level)
    return _Fit(mean, q, converged)


def _seasonal_naive(y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray,
                    x_future: np.ndarray, future: pd.DatetimeIndex, level: float) -> _Fit:
    """``y[t+h] = y[t+h-52]``; interval from empirical quantiles of seasonal differences."""
    n, h = len(y), len(future)
    steps = np.arange(h)
    k = steps // SEASON + 1  # seasons back
    point = y[n + steps - SEASON * k].astype(float)
    diffs = y[SEASON:] - y[:-SEASON]
    dq = np.quantile(diffs, _quantile_levels(level))
    q = point[:, None] + np.sqrt(k)[:, None] * dq[None, :]
    return _Fit(point, np.clip(q, 0, None), True)


_ModelFn = Callable[[np.ndarray, pd.DatetimeIndex, np.ndarray, np.ndarray, pd.DatetimeIndex,
                     float], _Fit]
_MODELS: dict[str, _ModelFn] = {
    "sarimax_exog": _sarimax_exog,
    "ets": _ets,
    "seasonal_naive": _seasonal_naive,
}
assert tuple(_MODELS) == CANDIDATES


# --------------------------------------------------------------------------- inputs


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


# --------------------------------------------------------------------------- backtest


def coverage_band(level: float) -> tuple[float, float]:
    """Backtest coverage accepted as calibrated for a central interval of ``level`` [1].

    ``[level - 0.15, min(level + 0.09, 1)]``: ``[0.75, 0.99]`` for ``level = 0.9``.
    """
    return round(level - 0.15, 10), round(min(level + 0.09, 1.0), 10)


def _run(model: str, y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray,
         x_future: np.ndarray, future: pd.DatetimeIndex, level: float) -> _Fit | None:
    """Fit ``model``; ``None`` if the fit fails numerically."""
    try:
        return _MODELS[model](y, weeks, x, x_future, future, level)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None


def backtest(demand: pd.DataFrame, drivers: pd.DataFrame, horizon: int = 13, origins: int = 8,
             step: int = 4, level: float = 0.9,
             models: Iterable[str] = CANDIDATES) -> pd.DataFrame:
    """Rolling-origin evaluation of the candidate models for every product.

    For each product the last origin leaves exactly ``horizon`` weeks to score; earlier
    origins are ``step`` weeks apart, ``origins`` in all, keeping only those with at least
    :data:`MIN_HISTORY` weeks of training data. At each origin every model is fitted on the
    history before it and forecasts the next ``horizon`` weeks, using the recorded driver
    values for those weeks (drivers known in advance).

    Parameters
    ----------
    demand
        Weekly demand: ``week`` (Monday), ``product``, ``quantity`` [unit/week].
    drivers
        ``week`` and one numeric column per exogenous driver; must cover the history.
    horizon
        Forecast length per origin [week].
    origins
        Number of forecast origins per product.
    step
        Weeks between consecutive origins [week].
    level
        Central probability of the forecast interval [1].
    models
        Names from :data:`CANDIDATES`.

    Returns
    -------
    pandas.DataFrame
        One row per (product, model): ``mase`` [1] mean absolute error of the forecast mean,
        each error divided by the in-sample seasonal-naive (lag 52) MAE of its origin's
        training window; ``coverage`` [1] share of actuals inside the ``level`` interval;
        ``width`` [1] mean interval width divided by mean actual demand; ``n`` points scored;
        ``origins`` origins used; ``failed`` origins whose fit failed (not scored);
        ``converged`` [1] share of fits that converged; ``level`` and ``horizon``.

    Raises
    ------
    ValueError
        On bad inputs (see :func:`forecast_demand`).
    """
    models = _check_models(models)
    horizon = _check_int("horizon", horizon, 1)
    origins = _check_int("origins", origins, 1)
    step = _check_int("step", step, 1)
    level = _check_level(level)
    panel = _prepare(demand, drivers, horizon, need_future=False)
    rows = []
    for p in panel.products:
        y, weeks, x = panel.series(p)
        last = len(y) - horizon
        cuts = [c for c in (last - j * step for j in range(origins)) if c >= MIN_HISTORY]
        scored: dict[str, list[tuple[np.ndarray, ...]]] = {m: [] for m in models}
        failed = dict.fromkeys(models, 0)
        conv = dict.fromkeys(models, 0)
        for cut in sorted(cuts):
            tr, te = slice(0, cut), slice(cut, cut + horizon)
            scale = float(np.mean(np.abs(y[SEASON:cut] - y[: cut - SEASON])))
            scale = scale if scale > 0 else 1.0
            for m in models:
                fit = _run(m, y[tr], weeks[tr], x[tr], x[te], weeks[te], level)
                if fit is None:
                    failed[m] += 1
                    continue
                conv[m] += fit.converged
                actual = y[te]
                scored[m].append((np.abs(actual - fit.mean) / scale,
                                  (actual >= fit.quantiles[:, 0])
                                  & (actual <= fit.quantiles[:, 2]),
                                  fit.quantiles[:, 2] - fit.quantiles[:, 0], actual))
        for m in models:
            parts = scored[m]
            if parts:
                err, inside, width, actual = (np.concatenate(a) for a in zip(*parts, strict=True))
                mean_actual = float(actual.mean())
                stats = {"mase": float(err.mean()), "coverage": float(inside.mean()),
                         "width": float(width.mean() / mean_actual) if mean_actual > 0
                         else np.nan, "n": len(err)}
            else:
                stats = {"mase": np.nan, "coverage": np.nan, "width": np.nan, "n": 0}
            fits = len(parts)
            rows.append({"product": p, "model": m, **stats, "origins": len(cuts),
                         "failed": failed[m],
                         "converged": conv[m] / fits if fits else np.nan,
                         "level": level, "horizon": horizon})
    return pd.DataFrame(rows)


def _ranking(bt: pd.DataFrame, product: str, models: tuple[str, ...],
             level: float) -> list[str]:
    """Models of ``product`` best first: in-band coverage by MASE, then the rest by MASE."""
    rows = bt[(bt["product"] == product) & bt["model"].isin(models)].set_index("model")
    scored = rows[(rows["n"] > 0) & rows["mase"].notna()]
    if scored.empty:
        warnings.warn(f"no backtest scores for product {product!r} (history too short for a "
                      f"{MIN_HISTORY}-week training window plus the horizon); using the first "
                      f"listed model {models[0]!r}", UserWarning, stacklevel=3)
        return list(models)
    lo, hi = coverage_band(level)
    order = {m: i for i, m in enumerate(models)}
    key = scored.assign(out=~scored["coverage"].between(lo, hi), pos=scored.index.map(order))
    ranked = list(key.sort_values(["out", "mase", "pos"]).index)
    return ranked + [m for m in models if m not in ranked]


def _check_backtest(bt: pd.DataFrame, products: list[str], models: tuple[str, ...],
                    horizon: int, level: float) -> pd.DataFrame:
    need = ["product", "model", "mase", "coverage", "n"]
    if not isinstance(bt, pd.DataFrame) or any(c not in bt.columns for c in need):
        found = list(bt.columns) if isinstance(bt, pd.DataFrame) else type(bt).__name__
        raise ValueError(f"backtest_result must be a DataFrame from backtest() with columns "
                         f"{need!r}; found {found!r}")
    have = set(zip(bt["product"], bt["model"], strict=True))
    lacking = [(p, m) for p in products for m in models if (p, m) not in have]
    if lacking:
        raise ValueError(f"backtest_result has no rows for (product, model) {lacking[:5]!r}; "
                         f"rerun backtest() with the same demand and models={list(models)!r}")
    for name, want in (("level", level), ("horizon", horizon)):
        if name in bt.columns and not np.allclose(bt[name].astype(float), want):
            raise ValueError(f"backtest_result was computed with {name}="
                             f"{sorted(set(bt[name]))!r} but {name}={want!r} was requested; "
                             f"rerun backtest() with {name}={want!r}")
    return bt


# --------------------------------------------------------------------------- forecast


def forecast_demand(demand: pd.DataFrame, drivers: pd.DataFrame, horizon: int = 13,
                    level: float = 0.9, models: Iterable[str] = CANDIDATES,
                    backtest_result: pd.DataFrame | None = None) -> DemandForecast:
    """Forecast weekly demand per product with intervals, model chosen by backtest.

    Per product, the model with the lowest backtest MASE among those whose coverage lies in
    :func:`coverage_band` (``[0.75, 0.99]`` at level 0.9) is chosen; if none does, the lowest
    MASE wins. It is refitted on the whole history and forecasts the ``horizon`` weeks after
    the last history week with the driver values ``drivers`` gives for those weeks. Should
    that fit fail numerically, the next-ranked model is used.

    Parameters
    ----------
    demand
        Weekly demand: ``week`` (Monday), ``product``, ``quantity`` [unit/week]; every product
        with at least :data:`MIN_HISTORY` consecutive weeks ending in the same week.
    drivers
        ``week`` and one numeric column per exogenous driver, a row for every history week
        and every horizon week.
    horizon
        Number of weeks to forecast [week].
    level
        Central probability of the interval [1], e.g. 0.9 for quantiles 0.05 and 0.95.
    models
        Candidate names from :data:`CANDIDATES`.
    backtest_result
        A :func:`backtest` table to choose from; computed with default origins if ``None``.

    Returns
    -------
    DemandForecast
        ``ds`` with ``mean`` and ``interval`` [unit/week], ``chosen``, ``backtest``,
        ``converged``.

    Raises
    ------
    ValueError
        Unknown model name; drivers missing weeks or values for the history or horizon;
        demand with gaps, negative values, or fewer than :data:`MIN_HISTORY` weeks;
        a ``backtest_result`` that does not match.
    """
    models = _check_models(models)
    horizon = _check_int("horizon", horizon, 1)
    level = _check_level(level)
    panel = _prepare(demand, drivers, horizon, need_future=True)
    if backtest_result is None:
        bt = backtest(demand, drivers, horizon=horizon, level=level, models=models)
    else:
        bt = _check_backtest(backtest_result, panel.products, models, horizon, level)
    assert panel.x_future is not None
    xf = panel.x_future.to_numpy(float)
    means, quants, chosen, converged = [], [], {}, {}
    for p in panel.products:
        y, weeks, x = panel.series(p)
        for m in _ranking(bt, p, models, level):
            fit = _run(m, y, weeks, x, xf, panel.future, level)
            if fit is not None:
                break
        else:
            raise RuntimeError(f"every model in {list(models)!r} failed to fit product {p!r}")
        chosen[p], converged[p] = m, fit.converged
        means.append(fit.mean)
        quants.append(np.sort(fit.quantiles, axis=1))
    q = _quantile_levels(level)
    ds = xr.Dataset(
        {"mean": (("product", "week"), np.array(means)),
         "interval": (("product", "week", "quantile"), np.array(quants))},
        coords={"product": panel.products, "week": panel.future, "quantile": q,
                "model": ("product", [chosen[p] for p in panel.products])},
    )
    ds["mean"].attrs.update(units=UNITS, long_name="expected weekly demand")
    ds["interval"].attrs.update(units=UNITS, long_name=f"forecast quantiles ({level:.0%} "
                                f"central interval and median)")
    ds["quantile"].attrs["units"] = "1"
    lo, hi = coverage_band(level)
    ds.attrs.update(level=level, horizon=horizon, history_end=str(panel.y.index[-1].date()),
                    selection=(f"lowest backtest MASE among models with coverage in "
                               f"[{lo}, {hi}], else lowest MASE"),
                    candidates=list(models))
    return DemandForecast(ds=ds, chosen=chosen, backtest=bt, converged=converged)
