"""Rolling-origin backtest of the demand models, and the choice of a model from it.

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

__all__ = ["backtest", "coverage_band"]


def coverage_band(level: float) -> tuple[float, float]:
    """Backtest coverage accepted as calibrated for a central interval of ``level`` [1].

    ``[level - 0.15, min(level + 0.09, 1)]``: ``[0.75, 0.99]`` for ``level = 0.9``.
    """
    return round(level - 0.15, 10), round(min(level + 0.09, 1.0), 10)


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
