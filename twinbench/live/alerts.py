"""Live alerts: drift, anomaly, risk over a threshold, stale machine, data quality.

An alert is *raised* once when its condition starts and *cleared* when it ends (risk with
hysteresis: cleared below ``clear_ratio`` of the threshold), so a condition that lasts is
one alert, not one per sample. Anomaly and drift reuse the twin's monitoring rules
(:func:`twinbench.twin.monitor.anomaly_flags` and :func:`~twinbench.twin.monitor.
drift_alerts`) on the daily one-step residual of the wear indicator: the measured change
of the daily mean minus the change the calibrated physics predicts (the filter's mean
rate), against reference residuals (the calibration history's, or the first days seen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.monitor import drift_alerts, robust_centre_scale

__all__ = ["Alert", "AlertBook", "ResidualMonitor"]


@dataclass
class Alert:
    """One alert: ``kind`` (risk, stale, anomaly, drift, quality, breakdown), the machine,
    the plant time and wall time [s since the epoch] it was raised, a message, a value."""

    kind: str
    machine: str
    plant_time: pd.Timestamp | None
    message: str
    value: float = float("nan")
    severity: str = "warning"
    raised: float = field(default_factory=time.time)
    cleared: float | None = None

    @property
    def active(self) -> bool:
        """Whether the condition still holds."""
        return self.cleared is None


class AlertBook:
    """Raised and cleared alerts, one active alert per (kind, machine) at most.

    Parameters
    ----------
    risk_threshold
        Failure probability over the risk horizon that raises a risk alert [1].
    clear_ratio
        The risk alert clears below ``clear_ratio * risk_threshold`` [1].
    stale_after
        Wall seconds without a sample after which a machine is stale [s].
    """

    def __init__(self, risk_threshold: float = 0.2, clear_ratio: float = 0.8,
                 stale_after: float = 5.0) -> None:
        if not 0 < risk_threshold < 1:
            raise ValueError(f"risk_threshold is a probability in (0, 1); found {risk_threshold}")
        self.risk_threshold, self.clear_ratio, self.stale_after = (risk_threshold, clear_ratio,
                                                                   stale_after)
        self.alerts: list[Alert] = []
        self._active: dict[tuple[str, str], Alert] = {}

    def raise_(self, kind: str, machine: str, plant_time, message: str, value: float = np.nan,
               severity: str = "warning") -> Alert | None:
        """Raise an alert unless the same (kind, machine) is active; the new alert or None."""
        if (kind, machine) in self._active:
            return None
        a = Alert(kind, machine, plant_time, message, float(value), severity)
        self.alerts.append(a)
        self._active[(kind, machine)] = a
        return a

    def clear(self, kind: str, machine: str) -> None:
        """End the active (kind, machine) alert, if any."""
        a = self._active.pop((kind, machine), None)
        if a is not None:
            a.cleared = time.time()

    def risk(self, machine: str, plant_time, probability: float, horizon_h: float) -> None:
        """Raise or clear the risk alert of ``machine`` for a refreshed probability."""
        if probability > self.risk_threshold:
            self.raise_("risk", machine, plant_time,
                        f"P(failure within {horizon_h / 24:.0f} d) of {machine} is "
                        f"{probability:.2f}, over the threshold {self.risk_threshold:.2f}",
                        probability, "critical")
        elif probability < self.clear_ratio * self.risk_threshold:
            self.clear("risk", machine)

    def stale(self, last_seen: dict[str, float], now: float | None = None) -> list[str]:
        """Raise stale alerts for machines quiet longer than ``stale_after``; clear others.

        Returns the stale machines.
        """
        now = time.time() if now is None else now
        out = []
        for m, t in last_seen.items():
            if now - t > self.stale_after:
                out.append(m)
                self.raise_("stale", m, None, f"no sample of {m} for {now - t:.1f} s "
                            f"(stale after {self.stale_after:.1f} s)", now - t)
            else:
                self.clear("stale", m)
        return out

    def active(self) -> list[Alert]:
        """Alerts whose condition holds."""
        return list(self._active.values())

    def table(self) -> pd.DataFrame:
        """Every alert, newest first."""
        cols = ["kind", "machine", "plant_time", "message", "value", "severity", "raised",
                "cleared", "active"]
        rows = [{**a.__dict__, "active": a.active} for a in self.alerts]
        return pd.DataFrame(rows, columns=cols).sort_values("raised", ascending=False,
                                                            ignore_index=True)


class ResidualMonitor:
    """Daily one-step residuals of the wear indicator and their anomaly / drift flags.

    Parameters
    ----------
    reference
        Reference residuals (machine, day) [1], e.g.
        :func:`twinbench.twin.monitor.wear_residuals` of the calibration history; None:
        the first ``warmup`` days of each machine.
    k, window, width
        The twin's monitoring settings (:func:`~twinbench.twin.monitor.anomaly_flags`,
        :func:`~twinbench.twin.monitor.drift_alerts`).
    """

    def __init__(self, reference: xr.DataArray | None = None, k: float = 5.0,
                 window: int = 14, width: float = 4.0, warmup: int = 28) -> None:
        self.reference, self.k, self.window, self.width = reference, k, window, width
        self.warmup = warmup
        self._sum: dict[str, list[float]] = {}  # machine -> [wear sum, n, model sum]
        self._day: dict[str, pd.Timestamp] = {}
        self._prev: dict[str, tuple[float, float]] = {}
        self._model: dict[str, float] = {}
        self.residuals: dict[str, list[tuple[pd.Timestamp, float]]] = {}
        self._band: dict[str, tuple[float, float, float, float]] = {}

    def add(self, machine: str, time: pd.Timestamp, wear: float, model_gain: float,
            reset: bool) -> list[tuple[str, float]]:
        """Take one hour: measured wear, the model's expected gain that hour [1], whether a
        maintenance or repair reset the wear. Returns flags ``(kind, value)`` of a day
        that just ended."""
        day = time.normalize()
        out: list[tuple[str, float]] = []
        if machine in self._day and day > self._day[machine]:
            out = self._close_day(machine)
        self._day[machine] = day
        self._model[machine] = self._model.get(machine, 0.0) + model_gain
        s = self._sum.setdefault(machine, [0.0, 0, 0.0, 0.0])
        if np.isfinite(wear):
            s[0] += wear
            s[1] += 1
            s[2] += self._model[machine]
        s[3] = max(s[3], float(reset))
        return out

    def _close_day(self, m: str) -> list[tuple[str, float]]:
        s = self._sum.pop(m, [0.0, 0, 0.0, 0.0])
        if s[1] < 18:
            self._prev.pop(m, None)
            return []
        mean, model = s[0] / s[1], s[2] / s[1]
        prev = self._prev.get(m)
        self._prev[m] = (mean, model)
        if prev is None or s[3]:
            if s[3]:
                self._prev.pop(m, None)
            return []
        r = (mean - prev[0]) - (model - prev[1])
        series = self.residuals.setdefault(m, [])
        series.append((self._day[m], r))
        band = self._band.get(m) or self._reference_band(m, series)
        if band is None:
            return []
        med, scale, low, high = band
        out = []
        z = (r - med) / scale
        if abs(z) > self.k:
            out.append(("anomaly", float(z)))
        # the rolling mean of drift_alerts at the newest day (NaN-free: days are appended
        # only with a residual), against the reference band computed once
        last = np.array([v for _, v in series[-self.window:]])
        if len(last) >= max(2, self.window // 2):
            roll = float(last.mean())
            if roll < low or roll > high:
                out.append(("drift", roll))
        return out

    def _reference_band(self, m: str, series: list[tuple[pd.Timestamp, float]]
                        ) -> tuple[float, float, float, float] | None:
        """``(median, scale, band_low, band_high)`` of machine ``m``'s reference
        residuals, as :func:`anomaly_flags` and :func:`drift_alerts` compute them; kept
        once the reference is known (given, or the first ``warmup`` days), so a day costs
        the same on day 30 as on day 300. None while there is no reference yet."""
        if self.reference is not None and m in self.reference["machine"].values:
            ref = self.reference.sel(machine=m).dropna("day")
        elif len(series) > self.warmup:
            ref = xr.DataArray([v for _, v in series[:self.warmup]], dims="day",
                               coords={"day": [d for d, _ in series[:self.warmup]]})
        else:
            return None
        med, scale = robust_centre_scale(ref)
        drift = drift_alerts(ref, ref, window=self.window, width=self.width)
        band = (float(med), float(scale), float(drift["band_low"]), float(drift["band_high"]))
        self._band[m] = band
        return band
