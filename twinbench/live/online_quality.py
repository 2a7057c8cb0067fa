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

That call takes a few hundred milliseconds for twelve machines, more as the day window
fills. With ``background=True`` (the watch's setting) the windows are copied at the day's
boundary and checked in one worker *process* (spawned), so the stream is not held up by
it. A worker thread was tried first: the check's pandas work then held the interpreter
lock so much that the stream's many small steps each waited for it, and over a 10-minute
benchmark the watch fell a minute behind. The findings are collected, in the order the
checks were started, by the next :meth:`OnlineQuality.add` after they are done, and
:meth:`OnlineQuality.finish` waits for them (and stops the worker). The findings are the
same either way.

Duplicates and out-of-order samples are seen by the consumer of the stream before this
module (:class:`twinbench.live.livetwin.LiveTwin`) and added with :meth:`OnlineQuality.
record`. :meth:`OnlineQuality.report` is a :class:`~twinbench.data.quality.QualityReport`,
so ``report().mask(ds)`` masks exactly as the batch report does.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor

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
    background
        Run the day's checks in a worker process (module docstring).
    """

    def __init__(self, config: QualityConfig | None = None, unit_days: int = 35,
                 background: bool = False) -> None:
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
        self.background = background
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future] = deque()

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
        new: list[dict] = self._collect(wait=False)
        day = time.normalize()
        if self._clock is not None and day > self._clock:
            fast, unit = self._fast_windows(final=False), self._unit_windows(include_today=False)
            if not self.background:
                new += self._judge(*_run_checks(fast[0], unit, self.cfg), fast[1])
            else:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        1, mp_context=multiprocessing.get_context("spawn"))
                self._pending.append(self._pool.submit(_run_checks, fast[0], unit, self.cfg))
                self._pending[-1].bounds = fast[1]  # type: ignore[attr-defined]
        self._clock = day if self._clock is None else max(self._clock, day)
        self._t[machine].append(time)
        self._x[machine].append([values.get(s, np.nan) for s in SIGNALS])
        self._since[machine] += 1
        return new

    def record(self, finding: dict) -> None:
        """Add a finding seen elsewhere (a duplicate or out-of-order sample)."""
        self.findings.append({c: finding.get(c) for c in COLUMNS})

    def finish(self) -> list[dict]:
        """Judge the last samples of every machine (the end of the stream, as in batch),
        after the checks still running; the findings not returned before."""
        new = self._collect(wait=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        fast, unit = self._fast_windows(final=True), self._unit_windows(include_today=True)
        return new + self._judge(*_run_checks(fast[0], unit, self.cfg), fast[1])

    def _collect(self, wait: bool) -> list[dict]:
        """The findings of the background checks that are done (all of them if ``wait``),
        in the order they were started."""
        out: list[dict] = []
        while self._pending and (wait or self._pending[0].done()):
            fut = self._pending.popleft()
            out += self._judge(*fut.result(), fut.bounds)  # type: ignore[attr-defined]
        return out

    # -- checks ----------------------------------------------------------------------------
    def _window(self, machine: str, n: int | None = None) -> tuple[list, list]:
        """The last ``n`` (default all) times and values of ``machine`` (copies)."""
        t, x = list(self._t[machine]), list(self._x[machine])
        return (t[-n:], x[-n:]) if n is not None else (t, x)

    def _fast_windows(self, final: bool) -> tuple[dict, dict]:
        """Per machine the samples the fast checks look at, and what each may judge:
        ``(first, lo, hi)`` (see the module docstring)."""
        wins, bounds = {}, {}
        for m in self._t:
            n = self._since[m] + 2 * self.half + self.cfg.stuck_min_samples
            self._since[m] = 0
            t, x = self._window(m, n)
            if not t:
                continue
            wins[m] = (t, x)
            first = m not in self._judged
            lo = t[0] if first else self._judged[m]
            # judged once half samples follow it (the batch check's local-noise window)
            hi = t[-1] if final or len(t) <= self.half else t[-self.half - 1]
            bounds[m] = (first, lo, hi)
            self._judged[m] = max(hi, self._judged.get(m, hi))
        return wins, bounds

    def _unit_windows(self, include_today: bool) -> dict:
        """Per machine its last ``unit_days`` complete days (today too if asked)."""
        wins = {}
        for m in self._t:
            t, x = self._window(m)
            if not t:
                continue
            last_day = t[-1].normalize()
            lo = last_day - pd.Timedelta(days=self.unit_days)
            keep = [k for k, v in enumerate(t) if v >= lo and (include_today or v < last_day)]
            if len({t[k].normalize() for k in keep}) >= 28:
                wins[m] = ([t[k] for k in keep], [x[k] for k in keep])
        return wins

    def _judge(self, fast: pd.DataFrame, unit: pd.DataFrame, bounds: dict) -> list[dict]:
        """Keep each finding of the checks once (spikes in their judged span, gaps once,
        stuck runs and unit episodes merged)."""
        plain: list[dict] = []
        merged: list[dict] = []
        for f in fast.to_dict("records"):
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
        for f in unit[unit["check"] == "unit_mismatch"].to_dict("records") if len(unit) \
                else []:
            merged += self._merge(f)
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

    # -- output ----------------------------------------------------------------------------
    def report(self) -> QualityReport:
        """Every finding so far, as the batch report's type."""
        rows = [{c: f.get(c) for c in COLUMNS} for f in self.findings]
        return QualityReport(pd.DataFrame(rows, columns=COLUMNS))


def _frame(wins: dict, cols: list[str]) -> pd.DataFrame:
    """One table of the windows ``{machine: (times, values)}`` with columns ``cols``."""
    frames = []
    for m, (t, x) in wins.items():
        df = pd.DataFrame(np.array(x, dtype=float).reshape(len(x), len(SIGNALS)),
                          columns=list(SIGNALS))
        df.insert(0, "machine", m)
        df.insert(0, "time", pd.DatetimeIndex(t))
        frames.append(df[cols])
    return pd.concat(frames, ignore_index=True)


def _run_checks(fast: dict, unit: dict, cfg: QualityConfig) -> tuple[pd.DataFrame,
                                                                    pd.DataFrame]:
    """The batch check on the fast and the day windows (either may be empty): their
    findings tables. Reads only its arguments (it may run in a worker process)."""
    empty = pd.DataFrame(columns=COLUMNS)
    f = check_table(_frame(fast, ["time", "machine", *SIGNALS]), config=cfg).findings \
        if fast else empty
    u = check_table(_frame(unit, ["time", "machine", "temperature", "load", "vibration",
                                  "power"]), config=cfg).findings if unit else empty
    return f, u
