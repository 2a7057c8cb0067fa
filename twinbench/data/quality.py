"""Data-quality report of a telemetry table.

Checks, on the table as it is in the file (before sorting or de-duplication):

``unit_declared``
    A declared unit other than the canonical one: convertible -> ``info`` (converted);
    unknown or of the wrong dimension -> ``error``.
``duplicate``
    Rows repeating a (machine, time) pair; one finding per machine.
``out_of_order``
    Rows earlier than the previous row of the same machine in file order.
``gap``
    Missing timestamps on the expected sampling step; one finding per contiguous gap.
``spike``
    Isolated samples: further than ``spike_k`` local noise std (from the median absolute
    first difference in a centred window of ``spike_window`` samples) from both neighbours,
    on the same side, and more than twice as far as the neighbours are from each other.
    Step changes (shift start and stop), excursions of two or more samples (a two-hour
    stop) and smooth transients (a temperature dip while a machine is stopped) are not
    flagged; a jump that another sensor of the machine also sees (score above
    ``corroborate_k``) is an operating event (a one-hour run), not a sensor spike.
``stuck``
    Runs of at least ``stuck_min_samples`` identical consecutive values.
``unit_mismatch``
    Days whose median is far from the usual level of that weekday (robust z above
    ``unit_z``) and that another unit of the same dimension explains (e.g. degF logged as
    degC): converted, the day's median falls inside the usual band and three times closer
    to the usual level. Only for variables
    with a usual level (not for cumulative indicators such as wear).

A clean table yields no findings. :meth:`QualityReport.mask` returns a copy of the
Dataset with the samples of spike, stuck and unit-mismatch findings set to NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.data.telemetry import VARIABLES, read_table
from twinbench.units import UNITS, convert, dimension_of, units_for

__all__ = ["QualityConfig", "QualityReport", "check_file", "check_table"]

COLUMNS = ["check", "severity", "machine", "variable", "start", "end", "n", "message"]
MASKED_CHECKS = ("spike", "stuck", "unit_mismatch")


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds of the checks.

    Attributes
    ----------
    freq
        Expected sampling step (e.g. ``"1h"``); None infers the most common step.
    spike_k
        Spike threshold in local noise standard deviations [1].
    spike_window
        Width of the centred window that estimates the local noise [samples].
    stuck_min_samples
        Identical consecutive values that make a stuck run [samples].
    unit_z
        Robust z-score of a daily median that triggers the unit check [1].
    corroborate_k
        Spike score of another sensor of the same machine at the same time above which a
        spike is taken as an operating event, not a sensor fault [1].
    """

    freq: str | None = None
    spike_k: float = 20.0
    spike_window: int = 25
    stuck_min_samples: int = 6
    unit_z: float = 6.0
    corroborate_k: float = 3.0


class QualityReport:
    """Findings of the data-quality checks, one row each (columns :data:`COLUMNS`)."""

    def __init__(self, findings: pd.DataFrame) -> None:
        self.findings = findings.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def ok(self) -> bool:
        """True when there is no warning or error."""
        return not self.findings["severity"].isin(["warning", "error"]).any()

    def summary(self) -> pd.DataFrame:
        """Number of findings and affected samples per check."""
        if not len(self):
            return pd.DataFrame({"check": [], "findings": [], "samples": []})
        g = self.findings.groupby("check", sort=True)
        return pd.DataFrame({"findings": g.size(), "samples": g["n"].sum()}).reset_index()

    def mask(self, ds: xr.Dataset) -> xr.Dataset:
        """A copy of ``ds`` with samples of spike/stuck/unit-mismatch findings set to NaN."""
        out = ds.copy(deep=True)
        sel = self.findings[self.findings["check"].isin(MASKED_CHECKS)]
        masked = 0
        for row in sel.itertuples():
            if row.variable not in out or row.machine not in out["machine"].values:
                continue
            da = out[row.variable]
            hit = ((da["machine"] == row.machine) & (da["time"] >= np.datetime64(row.start))
                   & (da["time"] <= np.datetime64(row.end)))
            masked += int((hit & da.notnull()).sum())
            out[row.variable] = da.where(~hit)
            out[row.variable].attrs = da.attrs
        out.attrs["quality_masked_samples"] = masked
        out.attrs["quality_masked_checks"] = ", ".join(MASKED_CHECKS)
        return out

    def to_markdown(self) -> str:
        """A short Markdown summary and the findings table."""
        if not len(self):
            return "Data quality: no findings."
        lines = [f"Data quality: {len(self)} finding(s)", "",
                 "| check | severity | machine | variable | start | end | n | message |",
                 "|---|---|---|---|---|---|---|---|"]
        for r in self.findings.itertuples():
            lines.append(f"| {r.check} | {r.severity} | {r.machine} | {r.variable} | "
                         f"{r.start} | {r.end} | {r.n} | {r.message} |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not len(self):
            return "<p>Data quality: no findings.</p>"
        return (f"<p>Data quality: {len(self)} finding(s)</p>"
                + self.findings.to_html(index=False, escape=True))

    def __repr__(self) -> str:
        return f"QualityReport({len(self)} findings, ok={self.ok})"


def _finding(check: str, severity: str, machine: str, variable: str, start: object,
             end: object, n: int, message: str) -> dict:
    return dict(zip(COLUMNS, [check, severity, machine, variable, pd.Timestamp(start)
                              if start is not None else pd.NaT,
                              pd.Timestamp(end) if end is not None else pd.NaT, int(n),
                              message], strict=True))


def _runs(flag: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    if not flag.any():
        return []
    d = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True))


def _robust_scale(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if not len(x):
        return 0.0
    return 1.4826 * float(np.median(np.abs(x - np.median(x))))


def _check_units(df: pd.DataFrame, units: dict[str, str]) -> tuple[pd.DataFrame, list[dict]]:
    out, findings = df.copy(), []
    for col in [c for c in df.columns if c in VARIABLES]:
        var, unit = VARIABLES[col], units.get(col, VARIABLES[col].unit)
        if unit == var.unit:
            continue
        dim = UNITS[unit].dimension if unit in UNITS else None
        if dim == var.dimension:
            out[col] = convert(df[col].to_numpy(dtype=float), unit, var.unit)
            findings.append(_finding("unit_declared", "info", "*", col, None, None, len(df),
                                     f"{col!r} declared in {unit!r}; converted to {var.unit!r}"))
        else:
            found = "an unknown unit" if dim is None else f"a {dim} unit"
            findings.append(_finding(
                "unit_declared", "error", "*", col, None, None, len(df),
                f"{col!r} declared in {unit!r}, {found}; expected a {var.dimension} unit, one of "
                f"{units_for(var.dimension)!r}. Fix the unit in the file's header or metadata"))
            out = out.drop(columns=col)
    return out, findings


def _check_order(df: pd.DataFrame) -> list[dict]:
    findings = []
    for m, g in df.groupby("machine", sort=True):
        t = g["time"]
        dup = g.duplicated("time")
        if dup.any():
            tt = t[dup]
            findings.append(_finding("duplicate", "warning", m, "", tt.min(), tt.max(),
                                     dup.sum(), f"{int(dup.sum())} repeated timestamp(s) for "
                                     f"{m!r}; the first row of each is kept"))
        back = t.lt(t.cummax().shift(fill_value=t.iloc[0])) & ~dup
        if back.any():
            tb = t[back]
            findings.append(_finding("out_of_order", "warning", m, "", tb.min(), tb.max(),
                                     back.sum(), f"{int(back.sum())} row(s) for {m!r} are "
                                     "earlier than a row before them; the table is sorted"))
    return findings


def _check_gaps(df: pd.DataFrame, freq: pd.Timedelta) -> list[dict]:
    findings = []
    for m, g in df.groupby("machine", sort=True):
        t = np.sort(g["time"].unique())
        step = np.diff(t)
        for i in np.flatnonzero(step > freq):
            n = int(step[i] / freq) - 1
            if n < 1:
                continue
            start, end = t[i] + freq, t[i + 1] - freq
            findings.append(_finding("gap", "warning", m, "", start, end, n,
                                     f"{n} missing sample(s) for {m!r} at step {freq}"))
    return findings


def _check_series(m: str, var: str, times: np.ndarray, x: np.ndarray,
                  cfg: QualityConfig) -> tuple[list[dict], np.ndarray]:
    """Spike, stuck and unit checks of one series; also the spike score of each sample."""
    findings: list[dict] = []
    valid = np.isfinite(x)
    if valid.sum() < cfg.spike_window:
        return findings, np.zeros(len(x))
    # spikes: a sample far from both neighbours, on the same side, while they agree
    prev = np.concatenate([[np.nan], x[:-1]])
    nxt = np.concatenate([x[1:], [np.nan]])
    dp, dn = x - prev, x - nxt
    dev = np.where(np.sign(dp) == np.sign(dn), np.minimum(np.abs(dp), np.abs(dn)), 0.0)
    dev = np.nan_to_num(dev)
    xv = x[valid]
    floor = 1e-6 + 1e-4 * float(np.subtract(*np.percentile(xv, [99, 1])))
    absdiff = pd.Series(np.abs(np.diff(x, prepend=np.nan)))
    local = (absdiff.rolling(cfg.spike_window, center=True, min_periods=3).median() / 0.954)
    level = np.abs(np.nan_to_num((prev + nxt) / 2))
    scale = np.maximum(np.nan_to_num(local.to_numpy(), nan=floor), floor + 0.02 * level)
    score = np.where(dev > 2 * np.nan_to_num(np.abs(prev - nxt)), dev / scale, 0.0)
    spike = score > cfg.spike_k
    r, med = dev, (prev + nxt) / 2
    for i in np.flatnonzero(spike):
        findings.append(_finding("spike", "warning", m, var, times[i], times[i], 1,
                                 f"{var} of {m!r} is {float(x[i])!r}, {abs(r[i]) / scale[i]:.0f}"
                                 f" local noise std from its neighbours' mean {med[i]:.4g}; "
                                 "no other sensor of the machine moved"))
    # stuck: identical consecutive values
    same = np.concatenate([[False], (x[1:] == x[:-1]) & valid[1:]])
    for a, b in _runs(same):
        n = b - a + 2  # the run includes the sample before the first repeat
        if n >= cfg.stuck_min_samples:
            findings.append(_finding("stuck", "warning", m, var, times[a - 1], times[b], n,
                                     f"{var} of {m!r} repeats {float(x[a])!r} for {n} samples"))
    # unit mismatch: days whose level another unit of the same dimension explains
    dim = dimension_of(VARIABLES[var].unit)
    canonical = VARIABLES[var].unit
    days = pd.Series(x, index=pd.DatetimeIndex(times)).groupby(pd.DatetimeIndex(times)
                                                               .normalize())
    d = days.median().dropna()
    if len(d) >= 28 and VARIABLES[var].stationary:
        # usual level per weekday (weekends differ from working days)
        dow = d.index.day_of_week
        c_all = d.groupby(dow).transform("median")
        s_all = d.groupby(dow).transform(lambda v: _robust_scale(v.to_numpy()))
        s_all = np.maximum(s_all, 1e-3 * np.abs(c_all) + 1e-6)
        z = (d - c_all) / s_all
        normal = d[np.abs(z) <= cfg.unit_z]
        c = float(np.median(normal))
        alt = [u for u in units_for(dim) if u != canonical]
        flagged: list[tuple[pd.Timestamp, str, float]] = []
        for day, val in d[np.abs(z) > cfg.unit_z].items():
            lo = c_all[day] - cfg.unit_z * s_all[day]
            hi = c_all[day] + cfg.unit_z * s_all[day]
            best = None
            for u in alt:
                conv = convert(val, u, canonical)
                closer = abs(conv - c_all[day]) < abs(val - c_all[day]) / 3
                if lo <= conv <= hi and closer and (best is None
                                                    or abs(conv - c_all[day]) < best[1]):
                    best = (u, abs(conv - c_all[day]))
            if best:
                flagged.append((day, best[0], val))
        i = 0
        while i < len(flagged):
            j = i
            while (j + 1 < len(flagged) and flagged[j + 1][1] == flagged[i][1]
                   and flagged[j + 1][0] - flagged[j][0] == pd.Timedelta(days=1)):
                j += 1
            unit = flagged[i][1]
            first, last = flagged[i][0], flagged[j][0]
            in_days = (times >= first.to_datetime64()) & (
                times < (last + pd.Timedelta(days=1)).to_datetime64())
            vals = np.median([v for _, _, v in flagged[i:j + 1]])
            findings.append(_finding(
                "unit_mismatch", "error", m, var, times[in_days][0], times[in_days][-1],
                int(in_days.sum()),
                f"{var} of {m!r} looks like {unit} from {first.date()} to {last.date()} "
                f"(daily median {vals:.4g} -> {convert(vals, unit, canonical):.4g} "
                f"{canonical}; usual level {c:.4g}); fix the unit at the source or convert"))
            i = j + 1
    return findings, score


def check_table(df: pd.DataFrame, units: dict[str, str] | None = None,
                config: QualityConfig | None = None) -> QualityReport:
    """Run every check on a telemetry table (see the module docstring).

    Parameters
    ----------
    df
        Telemetry table as read from the file: ``time``, ``machine``, variable columns.
    units
        Declared unit of each column; missing entries mean the canonical unit.
    config
        Check thresholds.
    """
    cfg = config or QualityConfig()
    df, findings = _check_units(df, units or {})
    findings += _check_order(df)
    clean = df.drop_duplicates(["machine", "time"]).sort_values(["machine", "time"])
    if cfg.freq:
        freq = pd.Timedelta(cfg.freq)
    else:
        diffs = clean.groupby("machine")["time"].diff().dropna()
        freq = diffs.mode().iloc[0] if len(diffs) else pd.Timedelta("1h")
    findings += _check_gaps(clean, freq)
    for m, g in clean.groupby("machine", sort=True):
        times = g["time"].to_numpy()
        per_var, scores = {}, {}
        for var in [c for c in g.columns if c in VARIABLES]:
            per_var[var], scores[var] = _check_series(m, var, times,
                                                       g[var].to_numpy(dtype=float), cfg)
        # a jump another sensor of the machine also sees (score above corroborate_k) is the
        # process (a one-hour run, a stop), not a faulty sensor
        index = {t: i for i, t in enumerate(pd.DatetimeIndex(times))}
        for var, found in per_var.items():
            for f in found:
                if f["check"] == "spike" and any(
                        sc[index[f["start"]]] > cfg.corroborate_k
                        for other, sc in scores.items() if other != var):
                    continue
                findings.append(f)
    frame = pd.DataFrame(findings, columns=COLUMNS)
    order = {c: i for i, c in enumerate(["unit_declared", "duplicate", "out_of_order", "gap",
                                         "unit_mismatch", "stuck", "spike"])}
    frame = frame.sort_values(["check", "machine", "start"],
                              key=lambda s: s.map(order) if s.name == "check" else s)
    return QualityReport(frame)


def check_file(path: str | Path, config: QualityConfig | None = None) -> QualityReport:
    """Read a telemetry file as it is and run :func:`check_table` on it."""
    df, units = read_table(path)
    return check_table(df, units, config)

