"""Failure-time forecasts the twin must beat, and the twin's own, from a forecast origin.

Each forecaster returns, per machine, the cumulative hazard ``H(t)`` [1] after each hour of
a look-ahead window from the origin, as draws ``(sample, hour)``; the failure probability
by hour ``t`` is ``mean over samples of 1 - exp(-H(t))``. Hours count as running when the
shift calendar runs the line (the planned future; maintenance is not anticipated).

* :func:`constant_hazard` -- a machine's failures per running hour in the training data
  (plus half a failure, so a machine that never failed gets a small rate): the
  memory-less reference;
* :func:`weibull_per_type` -- a Weibull in running hours since the last renewal (repair
  or maintenance) per machine type, fitted by maximum likelihood with censoring
  (:class:`scipy.stats.CensoredData`; maintenance and the end of data censor an interval)
  to the training data; conditional on the age the machine has reached at the origin.
  (lifelines, suggested for this, pins pandas < 3, which this project has outgrown.)
* :func:`twin_hazard` -- the calibrated twin: wear carried forward from the wear measured
  just before the origin at each posterior draw's rate, and the draw's hazard
  ``h0 * exp(beta * wear)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec
from twinbench.twin.calibrate import RUN_THRESHOLD, CalibratedTwin, fill_gaps
from twinbench.twin.physics import GAS_CONSTANT
from twinbench.twin.wear import rate_draws

__all__ = ["TrainingHistory", "constant_hazard", "fit_weibull", "running_hours",
           "twin_hazard", "weibull_per_type"]


def running_hours(telemetry: xr.Dataset, machines: list[str]) -> np.ndarray:
    """1 where a machine runs (load above the run threshold), per (machine, hour)."""
    load = telemetry["load"].sel(machine=machines).values.astype(float)
    return (np.nan_to_num(load, nan=0.0) > RUN_THRESHOLD).astype(float)


class TrainingHistory:
    """Running hours, failures and renewals of each machine in a training period.

    Parameters
    ----------
    spec
        The line.
    telemetry, events
        Training telemetry (hourly) and its events (``machine, kind, start``).
    """

    def __init__(self, spec: LineSpec, telemetry: xr.Dataset, events: pd.DataFrame) -> None:
        self.spec = spec
        self.machines = list(spec.machines)
        self.hours = pd.DatetimeIndex(telemetry["time"].values)
        self.running = running_hours(telemetry, self.machines)
        self.events = events[events["start"] <= self.hours[-1]].sort_values("start")

    def failures(self, machine: str) -> int:
        """Failures of ``machine`` in the training period."""
        ev = self.events
        return int(((ev["machine"] == machine) & (ev["kind"] == "failure")).sum())

    def intervals(self, machine: str) -> pd.DataFrame:
        """Running hours between renewals: ``duration`` [h], ``failed`` (1/0)."""
        i = self.machines.index(machine)
        cum = np.concatenate([[0.0], np.cumsum(self.running[i])])
        ev = self.events[self.events["machine"] == machine]
        idx = np.searchsorted(self.hours.values, ev["start"].values)
        rows, last = [], 0.0
        for h, kind in zip(idx, ev["kind"], strict=True):
            rows.append((cum[h] - last, int(kind == "failure")))
            last = cum[h]
        rows.append((cum[-1] - last, 0))
        df = pd.DataFrame(rows, columns=["duration", "failed"])
        return df[df["duration"] > 0]


def fit_weibull(duration: np.ndarray, failed: np.ndarray) -> tuple[float, float]:
    """Weibull shape [1] and scale [h] by maximum likelihood, right-censored intervals.

    ``duration`` [h] running hours of each interval, ``failed`` whether it ended in a
    failure (else censored).
    """
    from scipy import stats

    if failed.sum() < 1:
        raise ValueError("a Weibull fit needs at least one failure; found none")
    data = stats.CensoredData(uncensored=duration[failed], right=duration[~failed])
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    return float(shape), float(scale)


def _future_running(spec: LineSpec, origin: pd.Timestamp, hours: int) -> np.ndarray:
    times = pd.date_range(origin, periods=hours, freq="h")
    return np.array(spec.calendar.working_mask(times), dtype=float)


def constant_hazard(history: TrainingHistory, origin: pd.Timestamp, hours: int
                    ) -> dict[str, np.ndarray]:
    """Cumulative hazard ``(1, hour)`` per machine at its training failure rate."""
    cum_run = np.cumsum(_future_running(history.spec, origin, hours))
    out = {}
    for i, m in enumerate(history.machines):
        rate = (history.failures(m) + 0.5) / max(history.running[i].sum(), 1.0)
        out[m] = (rate * cum_run)[None, :]
    return out


def weibull_per_type(history: TrainingHistory, origin: pd.Timestamp, hours: int,
                     telemetry: xr.Dataset, events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cumulative hazard ``(1, hour)`` per machine from its type's Weibull (:func:`fit_weibull`).

    ``telemetry`` and ``events`` up to the origin give each machine's age (running hours
    since its last renewal) at the origin. A type with no failure in training gets the
    line's pooled fit.
    """
    spec = history.spec
    per_type: dict[str, list[pd.DataFrame]] = {}
    for m in history.machines:
        per_type.setdefault(spec.physics_of(m).name, []).append(history.intervals(m))
    pooled = pd.concat([d for ds in per_type.values() for d in ds])

    def fit(df: pd.DataFrame) -> tuple[float, float]:
        return fit_weibull(df["duration"].to_numpy(float), df["failed"].to_numpy(bool))

    fits = {t: fit(pd.concat(ds)) if pd.concat(ds)["failed"].sum() >= 2 else None
            for t, ds in per_type.items()}
    fallback = fit(pooled)
    past = telemetry.sel(time=slice(None, origin - pd.Timedelta(hours=1)))
    run_past = running_hours(past, history.machines)
    t_past = pd.DatetimeIndex(past["time"].values)
    cum_run = np.cumsum(_future_running(spec, origin, hours))
    out = {}
    for i, m in enumerate(history.machines):
        ev = events[(events["machine"] == m) & (events["start"] < origin)]
        last = ev["start"].max() if len(ev) else t_past[0]
        age = float(run_past[i, t_past >= last].sum())
        rho, lam = fits[spec.physics_of(m).name] or fallback
        out[m] = (((age + cum_run) / lam) ** rho - (age / lam) ** rho)[None, :]
    return out


def twin_hazard(twin: CalibratedTwin, telemetry: xr.Dataset, origin: pd.Timestamp,
                hours: int, max_draws: int = 200, recent_days: int = 28
                ) -> dict[str, np.ndarray]:
    """Cumulative hazard ``(draw, hour)`` per machine from the calibrated twin.

    The wear at the origin is the mean wear reading of the 24 hours before it; load and
    temperature are the running means of the ``recent_days`` before it.
    """
    spec, d = twin.spec, twin.data
    past = telemetry.sel(time=slice(origin - pd.Timedelta(days=recent_days),
                                    origin - pd.Timedelta(hours=1)), machine=d.machines)
    load = fill_gaps(past["load"].values.astype(float))
    temp = fill_gaps(past["temperature"].values.astype(float))
    wear = past["wear"].values.astype(float)[:, -24:]
    run = load > RUN_THRESHOLD
    draws = rate_draws(twin, max_draws=max_draws)
    cum_run = np.cumsum(_future_running(spec, origin, hours))
    out = {}
    for i, m in enumerate(d.machines):
        mt = spec.physics_of(m)
        lm = load[i][run[i]].mean() if run[i].any() else d.recent_load[i]
        tm = temp[i][run[i]].mean() if run[i].any() else d.recent_temp[i]
        w0 = np.nanmean(wear[i]) if np.isfinite(wear[i]).any() else np.nan
        if not np.isfinite(w0):
            w0 = float(np.median(draws["wear_now"][i]))
        log_l = np.log(max(lm, 1e-3) / mt.load_ref)
        inv_t = 1 / (mt.temp_ref + 273.15) - 1 / (tm + 273.15)
        rate = np.exp(draws["log_wear_rate"][i] + draws["load_exponent"][i] * log_l
                      + draws["activation_energy"][i] / GAS_CONSTANT * inv_t)
        w = w0 + rate[:, None] * cum_run[None, :]
        h = np.exp(draws["log_hazard_base"][i][:, None] + draws["hazard_wear"][i][:, None] * w)
        run_f = np.diff(np.concatenate([[0.0], cum_run]))
        out[m] = np.cumsum(h * run_f[None, :], axis=1)
    return out
