"""The candidate demand models, each fitted to one product's weekly history.

The registry :data:`CANDIDATES` names them in order of preference on ties:

``sarimax_exog``
    Regression with AR(1) errors (:class:`statsmodels.tsa.statespace.sarimax.SARIMAX`) on
    ``log1p(quantity)``. Regressors: a constant, a linear trend [1/year], ``FOURIER_TERMS``
    sine/cosine pairs of the annual phase (period 365.25 days, i.e. 52.18 weeks) and every
    driver column, standardised over the training window (constant columns are dropped).
    Forecast quantiles are the normal quantiles on the log scale transformed back
    (``expm1`` is monotone); the mean uses the lognormal correction
    ``exp(m + v/2) - 1``. The residual variance on the log scale carries the count
    (Poisson-like) noise as well as the extra noise; the uncertainty of the regression
    coefficients (level, trend, season, driver effects) is added by the delta method, and
    so is the error of driver values that are themselves forecasts (``x_var``, the forecast
    variance of each driver: ``sum_j beta_j^2 var_j``, drivers taken as independent of one
    another and of the demand noise).
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
recorded (``converged`` in the backtest table and in
:class:`~twinbench.twin.demand.DemandForecast`).

Every model has the signature of :data:`_ModelFn`: history ``y`` [unit/week] on ``weeks``,
drivers ``x`` (n, k) and ``x_future`` (h, k), the ``future`` weeks, the interval
``level`` [1] and ``x_var`` (h, k), the forecast variance of ``x_future`` (``None``: the
future driver values are known); it returns a :class:`_Fit`. :func:`_run` fits one by
name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

__all__ = ["BASELINE", "CANDIDATES", "FOURIER_TERMS", "MIN_HISTORY", "SEASON", "YEAR_WEEKS"]

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
_EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class _Fit:
    """One model's forecast: ``mean`` (h,) and ``quantiles`` (h, 3) [unit/week]."""

    mean: np.ndarray
    quantiles: np.ndarray
    converged: bool


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
                  future: pd.DatetimeIndex, level: float,
                  x_var: np.ndarray | None = None) -> _Fit:
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
    if x_var is not None and keep.any():  # forecast drivers: their error passes through beta
        beta = np.asarray(res.params, dtype=float)[k - int(keep.sum()):k]
        var = var + (np.asarray(x_var, dtype=float)[:, keep] / sd[keep] ** 2) @ beta ** 2
    mean, q = _from_log(np.asarray(pred.predicted_mean), var, level)
    return _Fit(mean, q, converged)


def _ets(y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray, x_future: np.ndarray,
         future: pd.DatetimeIndex, level: float,
         x_var: np.ndarray | None = None) -> _Fit:
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
                    x_future: np.ndarray, future: pd.DatetimeIndex, level: float,
         x_var: np.ndarray | None = None) -> _Fit:
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
                     float, np.ndarray | None], _Fit]
_MODELS: dict[str, _ModelFn] = {
    "sarimax_exog": _sarimax_exog,
    "ets": _ets,
    "seasonal_naive": _seasonal_naive,
}
assert tuple(_MODELS) == CANDIDATES


def _run(model: str, y: np.ndarray, weeks: pd.DatetimeIndex, x: np.ndarray,
         x_future: np.ndarray, future: pd.DatetimeIndex, level: float,
         x_var: np.ndarray | None = None) -> _Fit | None:
    """Fit ``model``; ``None`` if the fit fails numerically."""
    try:
        return _MODELS[model](y, weeks, x, x_future, future, level, x_var)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None
