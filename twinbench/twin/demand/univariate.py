"""Demand forecasts for a single series of any regular frequency, smooth or intermittent.

The weekly, driver-based models of :mod:`twinbench.twin.demand.models` need two years of
weekly history. This module covers the rest (daily, weekly, monthly, quarterly, yearly
histories, without drivers), on statsmodels:

* :func:`season_length` -- the seasonal period of a frequency (``D`` 7, ``W`` 52, ``M`` 12,
  ``Q`` 4, ``Y`` 1, ``h`` 24), checked against the series' own timestamps;
* :func:`demand_class` -- smooth or intermittent by the average inter-demand interval
  (ADI > 1.32: intermittent; Syntetos, Boylan & Croston 2005);
* :func:`forecast_series` -- method ``"auto"``: intermittent series get TSB
  (Teunter-Syntetos-Babai 2011, which, unlike Croston, lets the demand probability decay),
  smooth ones the mean of ETS and Theta (a combination, as the M3/M4 results recommend);
  the benchmark methods ``naive``, ``seasonal_naive``, ``ets`` (chosen by AICc among
  statsmodels ETSModel forms), ``theta`` (statsmodels ThetaModel), ``croston`` and ``tsb``
  (built from statsmodels' simple exponential smoothing with the usual fixed smoothing
  0.1) are available by name (statsforecast has them ready-made, but pins pandas < 3,
  which this project has outgrown);
* :func:`mase` and :func:`smape`, as used by the M-competitions and the Tourism
  competition (Hyndman & Koehler 2006; Athanasopoulos et al. 2011).

No random draws: equal inputs give equal forecasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ADI_INTERMITTENT", "METHODS", "demand_class", "forecast_series", "mase",
           "season_length", "smape"]

#: average inter-demand interval above which a series is intermittent [periods]
ADI_INTERMITTENT = 1.32
#: method names accepted by :func:`forecast_series`
METHODS = ("auto", "naive", "seasonal_naive", "ets", "theta", "croston", "tsb")
_OFFSET_SEASON = {"h": 24, "D": 7, "B": 5, "W": 52, "MS": 12, "ME": 12, "BMS": 12, "BME": 12,
                  "QS": 4, "QE": 4, "BQS": 4, "BQE": 4, "YS": 1, "YE": 1, "BYS": 1, "BYE": 1}
_TSB_ALPHA = (0.1, 0.1)  # smoothing of demand probability and size (TSB's usual range)


def season_length(freq: str | pd.DatetimeIndex) -> int:
    """Seasonal period [periods] of a pandas frequency or of a regular DatetimeIndex.

    >>> season_length("MS"), season_length("W-MON"), season_length("D")
    (12, 52, 7)
    """
    if isinstance(freq, pd.DatetimeIndex):
        inferred = _infer_freq(freq) if len(freq) >= 3 else None
        if inferred is None:
            raise ValueError(
                f"the timestamps are not regular (first ones: {list(freq[:4].astype(str))}); "
                "expected one row per period of a daily, weekly, monthly, quarterly or yearly "
                "grid; resample the history to a regular grid first")
        freq = inferred
    unsupported = ValueError(
        f"unsupported frequency {freq!r}; expected hourly, daily, business-day, weekly, "
        "monthly, quarterly or yearly, one period per row (e.g. 'D', 'W-MON', 'MS', 'QS', "
        "'YS'); resample to one of these first")
    legacy = {"M": "ME", "Q": "QE", "Y": "YE", "A": "YE", "H": "h", "AS": "YS"}
    try:
        offset = pd.tseries.frequencies.to_offset(legacy.get(str(freq), freq))
    except ValueError:
        raise unsupported from None
    base = offset.rule_code.split("-")[0]
    if offset.n != 1 or base not in _OFFSET_SEASON:
        raise unsupported
    return _OFFSET_SEASON[base]


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    """pandas' inferred frequency as a string (None: irregular)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 announces an offset return type
        inferred = pd.infer_freq(index)
    return None if inferred is None else str(getattr(inferred, "freqstr", inferred))


def demand_class(y: np.ndarray) -> str:
    """``"intermittent"`` when the average interval between non-zero demands > 1.32."""
    y = np.asarray(y, dtype=float)
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return "intermittent"
    adi = len(y) / len(nz)
    return "intermittent" if adi > ADI_INTERMITTENT else "smooth"


def forecast_series(y: np.ndarray, horizon: int, season: int = 1,
                    method: str = "auto") -> np.ndarray:
    """Point forecast [unit/period] of ``horizon`` periods after history ``y``.

    Parameters
    ----------
    y
        History, one value per period (>= 0 for demand; NaN not allowed).
    horizon
        Periods to forecast.
    season
        Seasonal period (:func:`season_length`); 1 for none. Seasonal forms are tried
        only with at least two seasons of history.
    method
        One of :data:`METHODS`.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {list(METHODS)!r}")
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) < 2 or not np.isfinite(y).all():
        raise ValueError(f"y must be a 1-d history of at least 2 finite values; found shape "
                         f"{y.shape} with {int((~np.isfinite(y)).sum())} non-finite value(s)")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be an integer >= 1; found {horizon!r}")
    horizon = int(horizon)
    m = season if season > 1 and len(y) >= 2 * season else 1
    if method == "auto":
        if demand_class(y) == "intermittent":
            return _tsb(y, horizon)
        return (_ets(y, horizon, m) + _theta(y, horizon, m)) / 2
    if method in ("naive", "seasonal_naive"):
        return _naive(y, horizon, m if method == "seasonal_naive" else 1)
    if method == "ets":
        return _ets(y, horizon, m)
    if method == "theta":
        return _theta(y, horizon, m)
    if method == "croston":
        return _croston(y, horizon)
    return _tsb(y, horizon)


def _ses(y: np.ndarray, alpha: float) -> float:
    """Next-period level of simple exponential smoothing with fixed ``alpha``."""
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    if len(y) == 1:
        return float(y[0])
    res = SimpleExpSmoothing(y, initialization_method="known", initial_level=float(y[0])
                             ).fit(smoothing_level=alpha, optimized=False)
    return float(res.forecast(1)[0])


def _croston(y: np.ndarray, horizon: int, alpha: float = 0.1) -> np.ndarray:
    """Croston (1972): SES of the non-zero sizes over SES of the intervals between them."""
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return np.zeros(horizon)
    intervals = np.diff(np.concatenate([[-1], nz])).astype(float)
    return np.full(horizon, _ses(y[nz], alpha) / _ses(intervals, alpha))


def _tsb(y: np.ndarray, horizon: int, alpha: tuple[float, float] = _TSB_ALPHA) -> np.ndarray:
    """TSB: SES of the demand probability (every period) times SES of the sizes."""
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return np.zeros(horizon)
    prob = _ses((y > 0).astype(float), alpha[1])
    return np.full(horizon, prob * _ses(y[nz], alpha[0]))


def _ets(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """ETS chosen by AICc among error/trend/season forms (statsmodels ETSModel)."""
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    forms = [("add", None, False, None), ("add", "add", True, None)]
    if m > 1:
        forms += [("add", None, False, "add"), ("add", "add", True, "add")]
    if (y > 0).all():
        forms += [("mul", None, False, None), ("mul", "add", True, None)]
        if m > 1:
            forms += [("mul", None, False, "mul"), ("mul", "add", True, "mul")]
    best, best_aicc = None, np.inf
    for error, trend, damped, season in forms:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(y, error=error, trend=trend, damped_trend=damped,
                               seasonal=season, seasonal_periods=m if season else None,
                               initialization_method="estimated").fit(disp=False)
                fc = np.asarray(res.forecast(horizon), dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(res.aicc) and res.aicc < best_aicc and np.isfinite(fc).all():
            best, best_aicc = fc, res.aicc
    return best if best is not None else np.full(horizon, float(y[-1]))


def _theta(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """Standard Theta method (Assimakopoulos & Nikolopoulos 2000), statsmodels ThetaModel,
    deseasonalised when its seasonality test says so."""
    import warnings

    from statsmodels.tsa.forecasting.theta import ThetaModel

    positive = bool((y > 0).all())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(y, period=m if m > 1 else 1, deseasonalize=m > 1 and positive,
                         method="auto").fit()
        return np.asarray(res.forecast(horizon), dtype=float)


def _naive(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """Last value (``m = 1``) or the value one season back (``m`` periods)."""
    if m > 1 and len(y) >= m:
        return y[len(y) - m + np.arange(horizon) % m].astype(float)
    return np.full(horizon, float(y[-1]))


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, season: int) -> float:
    """Mean absolute scaled error [1]: MAE over the in-sample seasonal-naive MAE.

    The lag is ``season`` when the history is long enough, else 1 (Hyndman & Koehler 2006).
    """
    history = np.asarray(history, dtype=float)
    lag = season if len(history) > season else 1
    scale = np.mean(np.abs(history[lag:] - history[:-lag]))
    if not scale > 0:
        scale = np.mean(np.abs(np.diff(history))) or 1.0
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / scale)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE [%], ``200 |a - f| / (|a| + |f|)`` averaged (0/0 counts as 0)."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    den = np.abs(a) + np.abs(f)
    terms = np.where(den > 0, 200 * np.abs(a - f) / np.where(den > 0, den, 1), 0.0)
    return float(terms.mean())
