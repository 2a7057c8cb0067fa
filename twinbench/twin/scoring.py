"""Failure and remaining-useful-life forecasts scored against what happened.

Rolling origin on held-out history: the twin is calibrated on a training period; at each
origin in the held-out period every forecaster of :mod:`twinbench.twin.baselines` predicts,
per machine, from data before the origin only:

* the probability of a failure within ``horizon`` hours, scored by the **Brier score**
  ``mean((p - y)^2)`` (Brier 1950) and a **reliability table** (forecasts binned by ``p``:
  mean forecast next to the observed frequency);
* the time to the next failure (remaining useful life, RUL, calendar hours), scored by
  **interval coverage** of its central 90% interval and **Harrell's concordance index**
  of its median against the observed times (:func:`concordance_index`; a maintenance or
  the end of the data censors a machine's time).

Coverage counts only cases whose outcome decides it: a failure observed, or a censoring
time beyond the interval's upper end (then the failure came later still, so the interval
missed it); the number of undecided cases is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec
from twinbench.twin.baselines import (
    TrainingHistory,
    constant_hazard,
    twin_hazard,
    weibull_per_type,
)
from twinbench.twin.calibrate import CalibratedTwin

__all__ = ["RELIABILITY_BINS", "concordance_index", "forecast_outcomes", "reliability_table",
           "score_forecasts"]

#: edges of the forecast-probability bins of the reliability table [1]
RELIABILITY_BINS = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0)


def concordance_index(time: np.ndarray, predicted: np.ndarray, observed: np.ndarray
                      ) -> float:
    """Harrell's C [1]: share of comparable pairs the predicted times order correctly.

    A pair is comparable when the shorter time is an observed failure; it is concordant
    when that machine also has the shorter predicted time; ties in prediction count half
    (Harrell et al. 1982). 0.5: no ranking skill, 1: perfect.

    >>> concordance_index(np.array([1., 2., 3.]), np.array([1., 2., 3.]),
    ...                   np.array([True, True, False]))
    1.0
    """
    t, p, e = (np.asarray(a) for a in (time, predicted, observed))
    first = e[:, None] & (t[:, None] < t[None, :])
    conc = first & (p[:, None] < p[None, :])
    ties = first & (p[:, None] == p[None, :])
    n = first.sum()
    if n == 0:
        return float("nan")
    return float((conc.sum() + 0.5 * ties.sum()) / n)


def _outcome(events: pd.DataFrame, machine: str, origin: pd.Timestamp,
             end: pd.Timestamp) -> tuple[float, bool]:
    """Calendar hours from ``origin`` to the next failure (observed) or to censoring."""
    ev = events[(events["machine"] == machine) & (events["start"] >= origin)
                & (events["start"] <= end)].sort_values("start")
    if len(ev):
        first = ev.iloc[0]
        hours = (first["start"] - origin) / pd.Timedelta(hours=1)
        return float(hours), bool(first["kind"] == "failure")
    return float((end - origin) / pd.Timedelta(hours=1)), False


def _summaries(cum_h: np.ndarray, horizon: int) -> tuple[float, float, float, float]:
    """P(failure within ``horizon``) and the 5/50/95% RUL quantiles [h] (inf: later)."""
    cdf = (-np.expm1(-cum_h)).mean(0)
    qs = []
    for q in (0.05, 0.5, 0.95):
        k = int(np.searchsorted(cdf, q))
        qs.append(float(k + 1) if k < len(cdf) else np.inf)
    return float(cdf[horizon - 1]), *qs


def forecast_outcomes(spec: LineSpec, twin: CalibratedTwin, train: xr.Dataset,
                      train_events: pd.DataFrame, telemetry: xr.Dataset,
                      events: pd.DataFrame, origins: list[pd.Timestamp],
                      horizon: int = 7 * 24, lookahead: int = 42 * 24,
                      max_draws: int = 200) -> pd.DataFrame:
    """Every forecaster's forecasts at every origin, next to what happened.

    Parameters
    ----------
    spec, twin
        The line and the twin calibrated on ``train``.
    train, train_events
        The training period (fits the baselines).
    telemetry, events
        All the history (training and held out); forecasts read only hours before their
        origin, outcomes only events after it.
    origins
        Forecast origins (hour starts), in the held-out period.
    horizon
        Failure-probability horizon [h].
    lookahead
        Window of the RUL distribution [h]; RUL quantiles beyond it are ``inf``.
    max_draws
        Posterior draws of the twin used.

    Returns
    -------
    DataFrame
        One row per (method, origin, machine): ``p_fail``, ``failed`` (within the
        horizon), ``rul_q05``, ``rul_q50``, ``rul_q95`` [h], ``time`` [h] to the next
        failure or censoring and ``observed``.
    """
    end = pd.Timestamp(telemetry["time"].values[-1])
    too_late = [o for o in origins if o + pd.Timedelta(hours=horizon) > end]
    if too_late:
        raise ValueError(f"origins {too_late[:3]!r} leave less than the horizon "
                         f"({horizon} h) before the end of the data ({end}); use earlier ones")
    history = TrainingHistory(spec, train, train_events)
    rows = []
    for origin in origins:
        origin = pd.Timestamp(origin)
        past_ev = events[events["start"] < origin]
        methods = {
            "twin": twin_hazard(twin, telemetry, origin, lookahead, max_draws=max_draws),
            "constant hazard": constant_hazard(history, origin, lookahead),
            "Weibull per type": weibull_per_type(history, origin, lookahead, telemetry,
                                                 past_ev),
        }
        for m in spec.machines:
            t, observed = _outcome(events, m, origin, end)
            failed = observed and t < horizon
            for name, cum in methods.items():
                p, q05, q50, q95 = _summaries(cum[m], horizon)
                rows.append({"method": name, "origin": origin, "machine": m, "p_fail": p,
                             "failed": int(failed), "rul_q05": q05, "rul_q50": q50,
                             "rul_q95": q95, "time": t, "observed": observed})
    return pd.DataFrame(rows)


def reliability_table(outcomes: pd.DataFrame, bins=RELIABILITY_BINS) -> pd.DataFrame:
    """Per method and probability bin: forecasts, mean forecast, observed frequency."""
    df = outcomes.assign(bin=pd.cut(outcomes["p_fail"], list(bins), include_lowest=True))
    out = (df.groupby(["method", "bin"], observed=True)
           .agg(n=("p_fail", "size"), mean_forecast=("p_fail", "mean"),
                observed_frequency=("failed", "mean"))
           .reset_index())
    out["bin"] = out["bin"].astype(str)
    return out


def score_forecasts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per method: Brier score, RUL 90% coverage, concordance index.

    Returns
    -------
    DataFrame
        ``method``, ``n``, ``failures`` (within the horizon), ``brier`` [1] (lower is
        better), ``brier_climatology`` (constant forecast of the observed frequency),
        ``coverage90`` [1], ``coverage_n`` (decided cases), ``undecided``,
        ``concordance`` [1] (0.5: no ranking skill; higher is better).
    """
    rows = []
    for name, g in outcomes.groupby("method", sort=False):
        y, p = g["failed"].to_numpy(float), g["p_fail"].to_numpy(float)
        t, obs = g["time"].to_numpy(float), g["observed"].to_numpy(bool)
        lo, hi = g["rul_q05"].to_numpy(float), g["rul_q95"].to_numpy(float)
        inside_obs = obs & (t >= lo) & (t <= hi)
        decided = obs | (t > hi)
        med = g["rul_q50"].to_numpy(float)
        finite = np.where(np.isfinite(med), med, 10 * np.nanmax(np.where(
            np.isfinite(med), med, 1.0)) + 1)
        rows.append({"method": name, "n": len(g), "failures": int(y.sum()),
                     "brier": float(np.mean((p - y) ** 2)),
                     "brier_climatology": float(np.mean((y.mean() - y) ** 2)),
                     "coverage90": float(inside_obs[decided].mean()) if decided.any()
                     else np.nan,
                     "coverage_n": int(decided.sum()), "undecided": int((~decided).sum()),
                     "concordance": float(concordance_index(t, finite, obs))})
    return pd.DataFrame(rows)
