"""Monitoring: anomaly flags from forecast residuals, drift alerts against a backtest band.

The residual of day ``d`` is the one-step-ahead error of the physics forecast of the daily
mean wear indicator::

    r[d] = (M[d] - M[d-1]) - (P[d] - P[d-1])

``M`` is the measured daily mean, ``P`` the daily mean of the modelled path (cumulative
:func:`twinbench.twin.wear.hourly_rate` at the measured load and temperature). Days with a
failure or maintenance (a reset of the wear) and the day after are left out.

* **Anomaly**: ``|r - median| / scale > k``, with ``median`` and ``scale`` (1.4826 x MAD)
  of each machine's residuals in a reference period (the calibration history).
* **Drift**: the rolling mean of ``r`` over ``window`` days leaves the band
  ``mean +- width * sd`` of the same rolling mean over the reference period: the machine
  wears faster (or slower) than its calibrated physics, day after day.

The generic functions :func:`anomaly_flags` and :func:`drift_alerts` work on any residual
array with a ``day`` (or other time) dimension, e.g. demand forecast errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.calibrate import CalibratedTwin
from twinbench.twin.wear import daily_mean, event_days, hourly_rate

__all__ = ["WearMonitor", "anomaly_flags", "drift_alerts", "monitor_wear",
           "robust_centre_scale", "wear_residuals"]


def robust_centre_scale(reference: xr.DataArray, dim: str = "day"
                        ) -> tuple[xr.DataArray, xr.DataArray]:
    """Median and robust scale (1.4826 x MAD, the standard deviation where the MAD is 0)
    of ``reference`` along ``dim`` (its units)."""
    med = reference.median(dim)
    mad = abs(reference - med).median(dim) * 1.4826
    return med, mad.where(mad > 0, reference.std(dim))


def anomaly_flags(residual: xr.DataArray, reference: xr.DataArray, k: float = 5.0,
                  dim: str = "day") -> xr.Dataset:
    """Flag residuals that are ``k`` robust standard deviations from the reference median.

    Returns ``z`` [1] (robust z-score) and ``anomaly`` (bool), like ``residual``.
    """
    med, scale = robust_centre_scale(reference, dim)
    z = (residual - med) / scale
    z.attrs = {"units": "1", "long_name": "robust z-score of the residual"}
    return xr.Dataset({"z": z, "anomaly": abs(z) > k})


def drift_alerts(residual: xr.DataArray, reference: xr.DataArray, window: int = 14,
                 width: float = 4.0, dim: str = "day") -> xr.Dataset:
    """Alert when the rolling mean residual leaves its reference (backtest) band.

    Parameters
    ----------
    residual
        Residuals to monitor; NaN days are skipped by the rolling mean.
    reference
        Residuals of the reference period (same units).
    window
        Rolling window [samples]; at least half of it must be present.
    width
        Half-width of the band in standard deviations of the reference rolling mean.

    Returns
    -------
    xarray.Dataset
        ``rolling`` (like ``residual``), ``band_low`` and ``band_high`` (without ``dim``),
        ``drift`` (bool, like ``residual``).
    """
    def roll(da: xr.DataArray) -> xr.DataArray:
        return da.rolling({dim: window}, min_periods=max(2, window // 2)).mean()

    ref = roll(reference)
    centre, sd = ref.mean(dim), ref.std(dim)
    low, high = centre - width * sd, centre + width * sd
    rolling = roll(residual)
    drift = (rolling < low) | (rolling > high)
    return xr.Dataset({"rolling": rolling, "band_low": low, "band_high": high,
                       "drift": drift & rolling.notnull()})


def wear_residuals(twin: CalibratedTwin, telemetry: xr.Dataset, events: pd.DataFrame
                   ) -> xr.DataArray:
    """One-step-ahead residuals of the daily mean wear [1] per (machine, day)."""
    rate = hourly_rate(twin, telemetry)
    path = rate.cumsum("time")
    path = path.where(telemetry["wear"].sel(machine=twin.data.machines).notnull())
    measured = daily_mean(telemetry["wear"].sel(machine=twin.data.machines))
    modelled = daily_mean(path)
    resid = measured.diff("day") - modelled.diff("day")
    days = pd.DatetimeIndex(measured["day"].values)
    ev = event_days(events, list(twin.data.machines), days)
    reset = ev | ev.shift(day=1, fill_value=False)
    resid = resid.where(~reset.sel(day=resid["day"]))
    resid.attrs = {"units": "1", "long_name": "one-step residual of the daily mean wear"}
    return resid


@dataclass
class WearMonitor:
    """Monitoring result of the wear signal.

    Attributes
    ----------
    ds
        Dims ``(machine, day)``: ``residual`` [1], ``z`` [1], ``anomaly``, ``rolling`` [1],
        ``drift``; ``band_low``/``band_high`` (machine) [1].
    """

    ds: xr.Dataset

    def alerts(self) -> pd.DataFrame:
        """One row per anomaly day and per drift episode (its first day).

        Drift days less than one window apart belong to the same episode.
        """
        rows = []
        for m in self.ds["machine"].values:
            s = self.ds.sel(machine=m)
            for d in s["day"].values[s["anomaly"].values]:
                rows.append({"machine": str(m), "day": pd.Timestamp(d), "kind": "anomaly",
                             "value": float(s["residual"].sel(day=d)),
                             "z": float(s["z"].sel(day=d))})
            drift = s["drift"].values
            # an episode starts on a drift day with no drift in the window before it
            window = int(self.ds.attrs.get("window_days", 14))
            before = np.r_[np.zeros(window, dtype=bool), drift]
            recent = np.array([before[i:i + window].any() for i in range(len(drift))])
            starts = np.flatnonzero(drift & ~recent)
            for i in starts:
                rows.append({"machine": str(m), "day": pd.Timestamp(s["day"].values[i]),
                             "kind": "drift", "value": float(s["rolling"].values[i]),
                             "z": np.nan})
        cols = ["machine", "day", "kind", "value", "z"]
        return pd.DataFrame(rows, columns=cols).sort_values(["day", "machine"],
                                                            ignore_index=True)


def monitor_wear(twin: CalibratedTwin, telemetry: xr.Dataset, events: pd.DataFrame,
                 reference: xr.DataArray | None = None, k: float = 5.0, window: int = 14,
                 width: float = 4.0) -> WearMonitor:
    """Anomaly flags and drift alerts of the wear signal of new telemetry.

    Parameters
    ----------
    twin
        Calibrated twin (its physics forecasts the wear).
    telemetry, events
        The period to monitor (quality-masked hourly telemetry, events in it).
    reference
        Reference residuals (:func:`wear_residuals` of the calibration history); default
        the residuals of ``telemetry`` itself (a self-check of the history).
    k, window, width
        See :func:`anomaly_flags` and :func:`drift_alerts`.
    """
    resid = wear_residuals(twin, telemetry, events)
    ref = resid if reference is None else reference
    flags = anomaly_flags(resid, ref, k=k)
    drift = drift_alerts(resid, ref, window=window, width=width)
    ds = xr.Dataset({"residual": resid, **flags.data_vars, **drift.data_vars})
    ds.attrs.update({"k": k, "window_days": window, "band_width_sd": width})
    return WearMonitor(ds)
