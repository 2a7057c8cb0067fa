"""Rolling-origin backtest of the demand models, and the choice of a model from it.

No look-ahead: at each origin a driver is either *known in advance* (listed in
``known_drivers``, e.g. a promotion calendar: its recorded values after the origin are
used) or *forecast* from its own history before the origin (:func:`driver_forecast`, an
AR(1) with constant); a forecast driver's recorded values after the origin are never read,
and its forecast error widens the demand interval (the models' ``x_var``).

MASE in the backtest divides each absolute error of the forecast mean by the in-sample
seasonal-naive (lag 52) mean absolute error of that origin's training window. A model is
calibrated when its interval coverage lies within :func:`coverage_band`; :func:`_ranking`
orders the models of a product by that and by MASE.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from twinbench.twin.demand.inputs import _check_int, _check_level, _check_models, _prepare
from twinbench.twin.demand.models import CANDIDATES, MIN_HISTORY, SEASON, _run

__all__ = ["backtest", "coverage_band", "driver_forecast"]


def driver_forecast(x: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast each driver column ``horizon`` steps from its history ``x`` (n, k).

    An AR(1) with constant (:class:`statsmodels.tsa.ar_model.AutoReg`) per column; a
    constant column (or one with fewer than 3 values) stays at its last value with no
    forecast error.

    Returns
    -------
    mean, var
        (horizon, k) arrays: the forecast [driver unit] and its variance
        ``sigma^2 * sum_{i<h} phi^(2i)`` [driver unit^2], which the demand model adds to
        its own (parameter uncertainty of the AR(1) is not included).
    """
    from statsmodels.tsa.ar_model import AutoReg

    out = np.empty((horizon, x.shape[1]))
    var = np.zeros((horizon, x.shape[1]))
    steps = np.arange(horizon)
    for j in range(x.shape[1]):
        col = x[:, j]
        if len(col) < 3 or np.ptp(col) == 0:
            out[:, j] = col[-1]
            continue
        res = AutoReg(col, lags=1, trend="c").fit()
        out[:, j] = res.predict(start=len(col), end=len(col) + horizon - 1)
        phi = float(np.asarray(res.params)[1])
        var[:, j] = float(res.sigma2) * np.cumsum(phi ** (2 * steps))
    return out, var


def _check_known(known_drivers: Iterable[str], names: list[str]) -> list[int]:
    known = [known_drivers] if isinstance(known_drivers, str) else list(known_drivers)
    unknown = [k for k in known if k not in names]
    if unknown:
        raise ValueError(f"known_drivers names {unknown!r}, which are not driver columns; "
                         f"driver columns: {names!r}")
    return [names.index(k) for k in known]


def coverage_band(level: float) -> tuple[float, float]:
    """Backtest coverage accepted as calibrated for a central interval of ``level`` [1].

    ``[level - 0.15, min(level + 0.09, 1)]``: ``[0.75, 0.99]`` for ``level = 0.9``.
    """
    return round(level - 0.15, 10), round(min(level + 0.09, 1.0), 10)


def backtest(demand: pd.DataFrame, drivers: pd.DataFrame, horizon: int = 13, origins: int = 8,
             step: int = 4, level: float = 0.9,
             models: Iterable[str] = CANDIDATES,
             known_drivers: Iterable[str] = ()) -> pd.DataFrame:
    """Rolling-origin evaluation of the candidate models for every product.

    For each product the last origin leaves exactly ``horizon`` weeks to score; earlier
    origins are ``step`` weeks apart, ``origins`` in all, keeping only those with at least
    :data:`MIN_HISTORY` weeks of training data. At each origin every model is fitted on the
    history before it and forecasts the next ``horizon`` weeks. Drivers in
    ``known_drivers`` take their recorded values for those weeks (known in advance); the
    others are forecast from their values before the origin (:func:`driver_forecast`).

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
    known_drivers
        Driver columns whose future values are known at the origin (a promotion plan);
        default none: every driver is forecast.

    Returns
    -------
    pandas.DataFrame
        One row per (product, model): ``mase`` [1] mean absolute error of the forecast mean,
        each error divided by the in-sample seasonal-naive (lag 52) MAE of its origin's
        training window; ``coverage`` [1] share of actuals inside the ``level`` interval;
        ``width`` [1] mean interval width divided by mean actual demand; ``n`` points scored;
        ``origins`` origins used; ``failed`` origins whose fit failed (not scored);
        ``converged`` [1] share of fits that converged; ``level`` and ``horizon``;
        ``known_drivers``. The nested check of the choice: ``mase_select``,
        ``coverage_select``, ``n_select`` on the origins whose scored weeks all end before
        the last origin, ``mase_last``, ``coverage_last``, ``n_last`` on the last origin
        alone (see :func:`~twinbench.twin.demand.forecast.forecast_demand`'s ``claimed``).

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
    known = _check_known(known_drivers, list(panel.x.columns))
    forecast_cols = [j for j in range(panel.x.shape[1]) if j not in known]
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
            x_te = x[te].copy()
            x_var = np.zeros_like(x_te, dtype=float)
            x_te[:, forecast_cols], x_var[:, forecast_cols] = driver_forecast(
                x[tr][:, forecast_cols], horizon)
            for m in models:
                fit = _run(m, y[tr], weeks[tr], x[tr], x_te, weeks[te], level, x_var)
                if fit is None:
                    failed[m] += 1
                    continue
                conv[m] += fit.converged
                actual = y[te]
                scored[m].append((cut, np.abs(actual - fit.mean) / scale,
                                  (actual >= fit.quantiles[:, 0])
                                  & (actual <= fit.quantiles[:, 2]),
                                  fit.quantiles[:, 2] - fit.quantiles[:, 0], actual))
        # nested check of the choice: choose on origins whose scored weeks all end before
        # the last origin, judge that choice on the last origin alone
        select = {c for c in cuts if c + horizon <= last} if len(cuts) > 1 else set()
        for m in models:
            parts = scored[m]
            stats = _stats([q[1:] for q in parts])
            sel = _stats([q[1:] for q in parts if q[0] in select])
            held = _stats([q[1:] for q in parts if q[0] == last])
            rows.append({"product": p, "model": m, **stats, "origins": len(cuts),
                         "failed": failed[m],
                         "converged": conv[m] / len(parts) if parts else np.nan,
                         "level": level, "horizon": horizon,
                         "known_drivers": ",".join(panel.x.columns[known]),
                         "mase_select": sel["mase"], "coverage_select": sel["coverage"],
                         "n_select": sel["n"], "mase_last": held["mase"],
                         "coverage_last": held["coverage"], "n_last": held["n"]})
    return pd.DataFrame(rows)


def _stats(parts: list[tuple[np.ndarray, ...]]) -> dict[str, float]:
    """MASE, coverage, relative width and count over the scored origins ``parts``."""
    if not parts:
        return {"mase": np.nan, "coverage": np.nan, "width": np.nan, "n": 0}
    err, inside, width, actual = (np.concatenate(a) for a in zip(*parts, strict=True))
    mean_actual = float(actual.mean())
    return {"mase": float(err.mean()), "coverage": float(inside.mean()),
            "width": float(width.mean() / mean_actual) if mean_actual > 0 else np.nan,
            "n": len(err)}


def _ranking(bt: pd.DataFrame, product: str, models: tuple[str, ...],
             level: float, suffix: str = "") -> list[str]:
    """Models of ``product`` best first: in-band coverage by MASE, then the rest by MASE.

    ``suffix`` ``"_select"`` ranks on the selection origins of the nested check only.
    """
    rows = bt[(bt["product"] == product) & bt["model"].isin(models)].set_index("model")
    rows = rows.rename(columns={f"mase{suffix}": "mase_", f"coverage{suffix}": "coverage_",
                                f"n{suffix}": "n_"})[["mase_", "coverage_", "n_"]]
    rows.columns = ["mase", "coverage", "n"]
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
