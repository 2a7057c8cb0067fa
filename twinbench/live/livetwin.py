"""The chain a live sample goes through: dedupe, store, check, filter, risk, alerts.

:meth:`LiveTwin.on_sample` takes each :class:`~twinbench.live.client.Sample`:

1. **dedupe** by ``(machine, source time)``: a key seen before is dropped and counted;
2. **late** samples (older than the machine's newest) are stored and recorded as an
   ``out_of_order`` finding, but do not move the state back in time;
3. **store** in the historian (buffered; the historian's key keeps it exactly once);
4. **check** data quality online (:class:`~twinbench.live.online_quality.OnlineQuality`);
5. **filter** the machine's wear (:class:`~twinbench.live.state_filter.WearFilter`) and
   record the lag from the server timestamp to this updated state;
6. **risk** refreshed every ``risk_every`` plant hours per machine, alerts raised;
7. a machine entering OutOfService with a failure alarm opens a **replanning proposal**.

:meth:`LiveTwin.snapshot` is what the dashboard shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twinbench.live.alerts import AlertBook, ResidualMonitor
from twinbench.live.client import Sample
from twinbench.live.historian import Historian
from twinbench.live.online_quality import OnlineQuality
from twinbench.live.playback import SIGNALS
from twinbench.live.proposals import ProposalBook
from twinbench.live.state_filter import WearFilter

__all__ = ["LiveStats", "LiveTwin"]


@dataclass
class LiveStats:
    """Counters and lags of a :class:`LiveTwin`."""

    received: int = 0
    duplicates: int = 0
    late: int = 0
    processed: int = 0
    lags: list[float] = field(default_factory=list)

    def lag_quantiles(self) -> dict[str, float]:
        """p50 and p99 of the lag from server timestamp to updated state [s]."""
        if not self.lags:
            return {"p50": float("nan"), "p99": float("nan")}
        a = np.asarray(self.lags)
        return {"p50": float(np.quantile(a, 0.5)), "p99": float(np.quantile(a, 0.99))}


class LiveTwin:
    """The live twin's state, fed sample by sample (see the module docstring).

    Parameters
    ----------
    historian
        Where samples are stored.
    quality
        Online data-quality checks (None: none).
    wear_filter
        The wear filter (None: no twin state, e.g. no calibrated twin at hand).
    alerts
        The alert book.
    proposals
        Replanning proposals on breakdowns (None: none).
    residuals
        Anomaly and drift monitor of the wear residual (None: none).
    risk_every
        Plant hours between two risk refreshes of a machine [h].
    risk_horizon
        Horizon of the failure risk [h].
    flush_every
        Samples buffered before they are written to the historian [1].
    """

    def __init__(self, historian: Historian, quality: OnlineQuality | None = None,
                 wear_filter: WearFilter | None = None, alerts: AlertBook | None = None,
                 proposals: ProposalBook | None = None,
                 residuals: ResidualMonitor | None = None, risk_every: int = 12,
                 risk_horizon: float = 7 * 24, flush_every: int = 200) -> None:
        self.historian = historian
        self.quality = quality
        self.filter = wear_filter
        self.alerts = alerts or AlertBook()
        self.proposals = proposals
        self.residuals = residuals
        self.risk_every, self.risk_horizon, self.flush_every = risk_every, risk_horizon, \
            flush_every
        self.stats = LiveStats()
        self._seen: set[tuple[str, pd.Timestamp]] = set()
        self._newest: dict[str, pd.Timestamp] = dict(historian.last_times())
        self._buffer: list[dict] = []
        self.last: dict[str, dict] = {}
        self.last_seen: dict[str, float] = {}
        self.risk: dict[str, dict[str, float]] = {}
        self._since_risk: dict[str, int] = {}
        self._prev_state: dict[str, str] = {}
        self.history: list[dict] = []  # (machine, time, wear mean, lower, upper, risk)

    # -- input -----------------------------------------------------------------------------
    def on_sample(self, s: Sample) -> None:
        """Process one sample (the :class:`~twinbench.live.client.LiveClient` callback)."""
        self.stats.received += 1
        key = (s.machine, s.time)
        if key in self._seen:
            self.stats.duplicates += 1
            return
        self._seen.add(key)
        now = time.time()
        self.last_seen[s.machine] = now
        self._buffer.append({"machine": s.machine, "time": s.time, **s.values,
                             "state": s.state, "alarm": s.alarm,
                             "server_time": pd.Timestamp(s.server_time, unit="s"),
                             "received": pd.Timestamp(now, unit="s")})
        newest = self._newest.get(s.machine)
        if newest is not None and s.time <= newest:
            self.stats.late += 1
            if self.quality is not None and not self.historian.has(s.machine, s.time):
                self.quality.record({"check": "out_of_order", "severity": "warning",
                                     "machine": s.machine, "variable": "", "start": s.time,
                                     "end": s.time, "n": 1, "message":
                                     f"sample of {s.machine!r} at {s.time} arrived after "
                                     f"{newest}; stored, state not moved back"})
            self._flush(force=len(self._buffer) >= self.flush_every)
            return
        self._newest[s.machine] = s.time
        self._process(s)
        self.stats.processed += 1
        self.stats.lags.append(time.time() - s.server_time)
        self._flush(force=len(self._buffer) >= self.flush_every)

    def _process(self, s: Sample) -> None:
        m = s.machine
        if self.quality is not None:
            for f in self.quality.add(m, s.time, s.values):
                self.alerts.raise_("quality", f["machine"], f["start"],
                                   f"{f['check']}: {f['message']}", f["n"])
                self.alerts.clear("quality", f["machine"])
        prev = self._prev_state.get(m, "")
        entering = s.state == "OutOfService" and prev != "OutOfService"
        self._prev_state[m] = s.state
        if entering and s.alarm == "failure":
            self.alerts.raise_("breakdown", m, s.time, f"{m} failed at {s.time}",
                               severity="critical")
            if self.proposals is not None:
                self.proposals.open(m, s.time)
        elif s.state != "OutOfService":
            self.alerts.clear("breakdown", m)
        est = None
        if self.filter is not None and m in self.filter.machines:
            i = self.filter.index(m)
            before = float(self.filter.weights(i) @ self.filter.wear[i])
            self.filter.update(m, s.time, s.values["load"], s.values["temperature"],
                               s.values["wear"], s.state, s.alarm)
            after = float(self.filter.weights(i) @ self.filter.wear[i])
            if self.residuals is not None:
                gain = 0.0 if entering else max(after - before, 0.0)
                for kind, value in self.residuals.add(m, s.time, s.values["wear"], gain,
                                                      entering):
                    self.alerts.raise_(kind, m, s.time, f"wear residual {kind} of {m} "
                                       f"({value:.3g})", value)
                    self.alerts.clear(kind, m)
            self._since_risk[m] = self._since_risk.get(m, self.risk_every) + 1
            if self._since_risk[m] >= self.risk_every and self.filter.ready[i]:
                self._since_risk[m] = 0
                self.risk[m] = self.filter.risk(m, self.risk_horizon)
                self.alerts.risk(m, s.time, self.risk[m]["probability"], self.risk_horizon)
            est = self._estimate(i)
            self.history.append({"machine": m, "time": s.time, **est,
                                 "risk": self.risk.get(m, {}).get("probability", np.nan)})
        self.last[m] = {"time": s.time, **s.values, "state": s.state, "alarm": s.alarm,
                        **({f"wear_{k}": v for k, v in est.items()} if est else {})}

    def _estimate(self, i: int) -> dict[str, float]:
        f = self.filter
        wt = f.weights(i)
        order = np.argsort(f.wear[i])
        cdf = np.cumsum(wt[order])
        lo = f.wear[i][order][min(np.searchsorted(cdf, 0.05), f.n - 1)]
        hi = f.wear[i][order][min(np.searchsorted(cdf, 0.95), f.n - 1)]
        return {"mean": float(wt @ f.wear[i]), "lower": float(lo), "upper": float(hi)}

    def _flush(self, force: bool = True) -> None:
        if force and self._buffer:
            rows, self._buffer = pd.DataFrame(self._buffer), []
            self.historian.insert(rows)

    def finish(self) -> None:
        """Write what is buffered and judge the last samples' quality."""
        self._flush(force=True)
        if self.quality is not None:
            self.quality.finish()

    # -- output ----------------------------------------------------------------------------
    def check_stale(self, now: float | None = None) -> list[str]:
        """Raise stale alerts for quiet machines; the stale machines."""
        return self.alerts.stale(self.last_seen, now)

    def snapshot(self) -> pd.DataFrame:
        """One row per machine: last values, state, wear estimate, risk, staleness [s]."""
        now = time.time()
        rows = []
        for m, v in sorted(self.last.items()):
            r = self.risk.get(m, {})
            rows.append({"machine": m, **{k: v.get(k) for k in ("time", *SIGNALS, "state",
                                                                 "alarm")},
                         "wear_now": v.get("wear_mean"), "wear_low": v.get("wear_lower"),
                         "wear_high": v.get("wear_upper"), "risk": r.get("probability"),
                         "risk_low": r.get("lower"), "risk_high": r.get("upper"),
                         "quiet_s": now - self.last_seen.get(m, now),
                         "stale": (now - self.last_seen.get(m, now)) > self.alerts.stale_after})
        return pd.DataFrame(rows)
