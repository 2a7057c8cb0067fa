"""The batch data-quality checks, online: each sample checked as it arrives.

No check is written twice: :class:`OnlineQuality` runs :func:`twinbench.data.quality.
check_table`, with the same :class:`~twinbench.data.quality.QualityConfig` thresholds, on
sliding windows of the samples received, and keeps each finding once:

* **fast window** (when the stream's plant clock enters a new day: per machine the samples
  since the last check and ``2 * half + stuck_min_samples`` before them, ``half =
  spike_window // 2 + 1``): ``spike`` (a sample is judged once ``half`` samples follow it,
  so with the same local-noise window as the batch check), ``stuck`` (overlapping runs
  merged) and ``gap`` (one finding per gap start);
* **day window** (at the same moment, each machine's last ``unit_days`` complete days):
  ``unit_mismatch`` (days logged in another unit, merged into one finding per episode).

All machines are checked in one call (the batch check's cost is mostly per call). A
finding is therefore known up to one plant day plus ``half`` samples after its sample.

Duplicates and out-of-order samples are seen by the consumer of the stream before this
module (:class:`twinbench.live.livetwin.LiveTwin`) and added with :meth:`OnlineQuality.
record`. :meth:`OnlineQuality.report` is a :class:`~twinbench.data.quality.QualityReport`,
so ``report().mask(ds)`` masks exactly as the batch report does.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from twinbench.data.quality import COLUMNS, QualityConfig, QualityReport, check_table
from twinbench.live.playback import SIGNALS

__all__ = ["OnlineQuality"]


class OnlineQuality:
    """Data-quality checks of a live stream (see the module docstring).

    Parameters
    ----------
    config
        Thresholds (those of the batch report by default); ``freq`` defaults to ``"1h"``.
    unit_days
        Days in the window of the unit check [d] (the batch check needs 28 or more).
    """

    def __init__(self, config: QualityConfig | None = None, unit_days: int = 35) -> None:
        cfg = config or QualityConfig(freq="1h")
        if cfg.freq is None:
            cfg = QualityConfig(**{**cfg.__dict__, "freq": "1h"})
        if unit_days < 28:
            raise ValueError(f"unit_days must be at least 28 (the unit check needs four "
                             f"weeks of daily medians); found {unit_days}")
        self.cfg = cfg
        self.half = cfg.spike_window // 2 + 1
        self.unit_days = unit_days
        size = unit_days * 24 + 48
        self._t: dict[str, deque] = {}
        self._x: dict[str, deque] = {}
        self._size = size
        self._since: dict[str, int] = {}
        self._clock: pd.Timestamp | None = None
        self._judged: dict[str, pd.Timestamp] = {}
        self._gaps: set[tuple[str, pd.Timestamp]] = set()
        self.findings: list[dict] = []

    # -- input -----------------------------------------------------------------------------
    def add(self, machine: str, time: pd.Timestamp, values: dict[str, float]) -> list[dict]:
        """Take one sample (in time order per machine); the findings it completes.

        The checks run when the stream's plant clock enters a new day (every machine at
        once: one call of the batch check instead of one a machine).
        """
        if machine not in self._t:
            self._t[machine], self._x[machine] = deque(maxlen=self._size), deque(
                maxlen=self._size)
            self._since[machine] = 0
        new: list[dict] = []
        day = time.normalize()
        if self._clock is not None and day > self._clock:
            new += self._fast_check(final=False)
            new += self._unit_check(include_today=False)
        self._clock = day if self._clock is None else max(self._clock, day)
        self._t[machine].append(time)
        self._x[machine].append([values.get(s, np.nan) for s in SIGNALS])
        self._since[machine] += 1
        return new

    def record(self, finding: dict) -> None:
        """Add a finding seen elsewhere (a duplicate or out-of-order sample)."""
        self.findings.append({c: finding.get(c) for c in COLUMNS})

    def finish(self) -> list[dict]:
        """Judge the last samples of every machine (the end of the stream, as in batch)."""
        return self._fast_check(final=True) + self._unit_check(include_today=True)

    # -- checks ----------------------------------------------------------------------------
    def _frame(self, machine: str, n: int | None = None) -> pd.DataFrame:
        t, x = list(self._t[machine]), list(self._x[machine])
        if n is not None:
            t, x = t[-n:], x[-n:]
        df = pd.DataFrame(np.array(x, dtype=float).reshape(len(x), len(SIGNALS)),
                          columns=list(SIGNALS))
        df.insert(0, "machine", machine)
        df.insert(0, "time", pd.DatetimeIndex(t))
        return df

    def _fast_check(self, final: bool) -> list[dict]:
        frames, bounds = [], {}
        for m in self._t:
            n = self._since[m] + 2 * self.half + self.cfg.stuck_min_samples
            self._since[m] = 0
            df = self._frame(m, n)
            if not len(df):
                continue
            frames.append(df)
            times = df["time"]
            first = m not in self._judged
            lo = times.iloc[0] if first else self._judged[m]
            # judged once half samples follow it (the batch check's local-noise window)
            hi = times.iloc[-1] if final or len(df) <= self.half else times.iloc[-self.half - 1]
            bounds[m] = (first, lo, hi)
            self._judged[m] = max(hi, self._judged.get(m, hi))
        if not frames:
            return []
        rep = check_table(pd.concat(frames, ignore_index=True), config=self.cfg).findings
        plain: list[dict] = []
        merged: list[dict] = []
        for f in rep.to_dict("records"):
            first, lo, hi = bounds[f["machine"]]
            if f["check"] == "spike":
                t = f["start"]
                if (t >= lo if first else t > lo) and t <= hi:
                    plain.append(f)
            elif f["check"] == "stuck":
                merged += self._merge(f)
            elif f["check"] == "gap":
                key = (f["machine"], f["start"])
                if key not in self._gaps:
                    self._gaps.add(key)
                    plain.append(f)
        self.findings += plain
        return plain + merged

    def _merge(self, f: dict) -> list[dict]:
        """Union a run finding (stuck, unit mismatch) with the one it overlaps, if any."""
        hour = pd.Timedelta(hours=1)
        for g in self.findings:
            if (g["check"] == f["check"] and g["machine"] == f["machine"]
                    and g["variable"] == f["variable"] and f["start"] <= g["end"] + hour
                    and f["end"] >= g["start"] - hour):
                if f["start"] < g["start"] or f["end"] > g["end"]:
                    g["start"], g["end"] = min(g["start"], f["start"]), max(g["end"], f["end"])
                    g["n"] = round((g["end"] - g["start"]) / hour) + 1
                    g["message"] = f["message"]
                return []
        self.findings.append(f)
        return [f]

    def _unit_check(self, include_today: bool) -> list[dict]:
        frames = []
        cols = ["time", "machine", "temperature", "load", "vibration", "power"]
        for m in self._t:
            df = self._frame(m)
            if not len(df):
                continue
            last_day = df["time"].iloc[-1].normalize()
            if not include_today:
                df = df[df["time"] < last_day]
            df = df[df["time"] >= last_day - pd.Timedelta(days=self.unit_days)]
            if df["time"].dt.normalize().nunique() >= 28:
                frames.append(df[cols])
        if not frames:
            return []
        rep = check_table(pd.concat(frames, ignore_index=True), config=self.cfg).findings
        out: list[dict] = []
        for f in rep[rep["check"] == "unit_mismatch"].to_dict("records"):
            out += self._merge(f)
        return out

    # -- output ----------------------------------------------------------------------------
    def report(self) -> QualityReport:
        """Every finding so far, as the batch report's type."""
        rows = [{c: f.get(c) for c in COLUMNS} for f in self.findings]
        return QualityReport(pd.DataFrame(rows, columns=COLUMNS))
