"""Weekly demand forecasts per product, with intervals, chosen by rolling-origin backtest.

Three candidate models are fitted to each product's weekly history (a model registry,
:data:`CANDIDATES`): ``sarimax_exog`` (regression on trend, annual Fourier terms and the
drivers with AR(1) errors, on ``log1p(quantity)``), ``ets`` (damped-trend additive
Holt-Winters, on ``log1p(quantity)``) and the baseline ``seasonal_naive``
(``y[t+h] = y[t+h-52]``); :mod:`twinbench.twin.demand.models` describes each, with how
its interval is made. All fits are deterministic (no random draws), so equal inputs give an
identical result; whether each fit converged is recorded.

:func:`backtest` scores each model by rolling origin (MASE against the in-sample
seasonal-naive error, interval coverage); :func:`forecast_demand` picks per product the
model with the lowest backtest MASE among those whose interval coverage is within
:func:`coverage_band` (``[0.75, 0.99]`` for the 90 % level), falling back to the lowest
MASE, refits it on the whole history and forecasts the ``horizon`` weeks that follow, with
future driver values taken from ``drivers``. The backtest reads no driver value after its
origin unless the driver is declared known in advance (``known_drivers``); the others are
forecast from their own history.

Modules
-------
``models``
    The candidate models, their registry and constants (:data:`CANDIDATES`,
    :data:`BASELINE`, :data:`MIN_HISTORY`).
``inputs``
    Checking demand and drivers and putting them on one weekly index.
``backtest``
    :func:`backtest`, :func:`coverage_band` and the ranking of models by backtest.
``forecast``
    :func:`forecast_demand` and its result, :class:`DemandForecast`.
``univariate``
    One series of any regular frequency without drivers, smooth or intermittent
    (ETS + Theta, TSB, Croston; the competitions' benchmarks), MASE and sMAPE.

This ``__init__`` only re-exports. The modules import one another by full module path
(``twinbench.twin.demand.models``), never from this package, and import nothing of
twinbench outside it, only third-party libraries.
"""

from twinbench.twin.demand.backtest import backtest, coverage_band
from twinbench.twin.demand.forecast import DemandForecast, forecast_demand
from twinbench.twin.demand.models import BASELINE, CANDIDATES, MIN_HISTORY

__all__ = [
    "BASELINE",
    "CANDIDATES",
    "MIN_HISTORY",
    "DemandForecast",
    "backtest",
    "coverage_band",
    "forecast_demand",
]
