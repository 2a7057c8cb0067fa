"""Real telemetry onto the twin's grid: hourly bins from midnight, wear as a share of its limit.

The calibration (:func:`twinbench.twin.calibrate.prepare`) reads whole days of hourly
values on a 0-1 wear scale. Plant data are rarely that: sensors sample every few minutes
or at jittered times, a history starts mid-day, wear comes in the gauge's own units and a
sensor may be missing. :func:`to_twin_grid` brings a ``(machine, time)`` Dataset onto the
grid by stated rules, refuses what it cannot repair with a message saying what was
expected, what was found and how to fix it, and records every repair in an
:class:`IntakeReport`.

Rules
-----
* **Time axis.** Hourly samples from midnight are used as they are. Finer or irregular
  samples are binned to the hour they fall in (``[h, h + 1)``): the *mean* of the finite
  samples for the continuous signals of :data:`CONTINUOUS`, the *maximum* for any other
  variable (states and alarms: an alarm raised in the hour flags the hour). An hour with
  no sample is NaN; nothing is interpolated here. Samples coarser than hourly (a median
  step above 1 h for any machine) are refused. A first partial day is cut so the grid
  starts at midnight, a last partial day so it ends at one.
* **Wear scale.** Wear is divided by the ``wear_limit`` of the machine's type, so that 1
  is the limit whatever the gauge's scale (percent with ``wear_limit: 100``, micrometres
  with ``wear_limit: 250``, ...). A machine whose wear exceeds :data:`SUSPICIOUS_WEAR`
  times its limit is reported: the limit is probably on another scale than the data.
* **Sensors.** The variables of :data:`REQUIRED` must be present, every machine of the
  spec must be in the data and have at least one finite value of each.

May import: :mod:`twinbench.units`, :mod:`twinbench.spec`, :mod:`twinbench.twin`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec

__all__ = ["CONTINUOUS", "REQUIRED", "SUSPICIOUS_WEAR", "IntakeError", "IntakeReport",
           "IntakeWarning", "to_twin_grid"]

#: the variables the twin's calibration reads
REQUIRED = ("load", "temperature", "wear")
#: continuous signals, binned by their mean; any other variable by its maximum
CONTINUOUS = ("load", "temperature", "vibration", "power", "wear")
#: wear above this many times the type's limit is reported as suspicious [1]
SUSPICIOUS_WEAR = 3.0
HOUR = pd.Timedelta(hours=1)


class IntakeError(ValueError):
    """Telemetry the twin cannot use, with what was expected, what was found and the fix."""


class IntakeWarning(UserWarning):
    """Telemetry was repaired or partly unused; the report says how."""


@dataclass
class IntakeReport:
    """What :func:`to_twin_grid` (and the calibration's data preparation) did to the data.

    Attributes
    ----------
    sampling
        ``"hourly"`` (used as is), ``"sub-hourly"`` or ``"irregular"`` (binned).
    step
        Median step between a machine's samples, the largest over machines [h].
    rules
        Per variable, how it was binned to the hour (empty when not binned).
    samples
        Time stamps read; ``hours`` hourly bins produced.
    empty_hours
        (machine, hour) cells of the required variables with no finite sample, per
        variable (NaN in the result).
    trimmed
        Time stamps cut before the first / after the last midnight (partial days).
    wear_limits
        ``wear_limit`` of each machine's type [wear units]; wear was divided by it.
    suspicious_wear
        Machines whose wear exceeds :data:`SUSPICIOUS_WEAR` limits: ``{machine: max}``,
        max in limits [1].
    unused_failures
        Failures the calibration could not use: ``machine, time, reason,
        hours_to_reading`` [h] (filled by :func:`twinbench.twin.calibrate.prepare`).
    failures_without_reading
        Failures counted at the model's latent wear with no wear reading in the 6 h
        before: ``machine, time, hours_to_reading`` [h] (filled by ``prepare``).
    types_without_running
        Machine types of the spec none of whose machines ran in the history (filled by
        :func:`twinbench.twin.calibrate.prepare`).
    notes
        Every repair in words.
    """

    sampling: str = "hourly"
    step: float = 1.0
    rules: dict[str, str] = field(default_factory=dict)
    samples: int = 0
    hours: int = 0
    empty_hours: dict[str, int] = field(default_factory=dict)
    trimmed: tuple[int, int] = (0, 0)
    wear_limits: dict[str, float] = field(default_factory=dict)
    suspicious_wear: dict[str, float] = field(default_factory=dict)
    unused_failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["machine", "time", "reason", "hours_to_reading"]))
    failures_without_reading: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["machine", "time", "hours_to_reading"]))
    types_without_running: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing was repaired or left out."""
        return not self.notes

    def __str__(self) -> str:
        return "telemetry intake: " + ("used as is" if self.empty else "; ".join(self.notes))


def _check_sensors(spec: LineSpec, ds: xr.Dataset) -> None:
    absent = [v for v in REQUIRED if v not in ds.data_vars]
    if absent:
        raise IntakeError(
            f"telemetry lacks the variable(s) {absent!r} the twin needs; found "
            f"{sorted(map(str, ds.data_vars))!r}, expected all of {list(REQUIRED)!r}. Supply "
            "these sensors (column names as in twinbench.data.telemetry.VARIABLES)")
    if "machine" not in ds.dims or "time" not in ds.dims:
        raise IntakeError(f"telemetry needs dims ('machine', 'time'); found {tuple(ds.dims)!r}")
    have = {str(m) for m in ds["machine"].values}
    lost = [m for m in spec.machines if m not in have]
    if lost:
        raise IntakeError(
            f"machine(s) {lost!r} of the spec have no telemetry (machines in the data: "
            f"{sorted(have)!r}). Remove them from the spec's stations, or supply their data")
    sub = ds.sel(machine=spec.machines).transpose("machine", "time", ...)
    for v in REQUIRED:
        blank = [m for m, ok in zip(spec.machines, np.isfinite(sub[v].values).any(1),
                                    strict=True) if not ok]
        if blank:
            raise IntakeError(
                f"{v!r} is missing (all NaN) for machine(s) {blank!r}; the twin needs at least "
                f"some {v!r} readings of every machine of the spec. Remove the machine(s) from "
                "the spec's stations, or supply their data")


def _steps(ds: xr.Dataset, times: pd.DatetimeIndex) -> dict[str, float]:
    """Median step [h] between the time stamps at which each machine has a reading."""
    have = np.zeros((ds.sizes["machine"], len(times)), dtype=bool)
    for v in REQUIRED:
        have |= np.isfinite(ds[v].transpose("machine", "time").values)
    t = times.as_unit("ns").asi8.astype(float)
    out = {}
    for m, row in zip(ds["machine"].values, have, strict=True):
        d = np.diff(t[row])
        out[str(m)] = float(np.median(d)) / HOUR.value if len(d) else np.nan
    return out


def _bin(ds: xr.Dataset, times: pd.DatetimeIndex, start: pd.Timestamp, n_h: int,
         report: IntakeReport) -> xr.Dataset:
    """Hourly bins ``[start + h, start + h + 1)`` of every variable, by the module's rules."""
    idx = ((times.floor("h") - start) // HOUR).to_numpy()
    keep = (idx >= 0) & (idx < n_h)
    idx = idx[keep]
    grid = pd.date_range(start, periods=n_h, freq="h").as_unit(times.unit)
    out = {}
    for name, da in ds.data_vars.items():
        if "time" not in da.dims:
            out[name] = da
            continue
        vals = da.transpose("machine", "time").values.astype(float)[:, keep]
        ok = np.isfinite(vals)
        n_m = vals.shape[0]
        if name in CONTINUOUS:
            sums = np.zeros((n_m, n_h))
            counts = np.zeros((n_m, n_h))
            np.add.at(sums, (slice(None), idx), np.where(ok, vals, 0.0))
            np.add.at(counts, (slice(None), idx), ok)
            with np.errstate(invalid="ignore", divide="ignore"):
                res = np.where(counts > 0, sums / counts, np.nan)
            report.rules[name] = "mean of the samples in the hour"
        else:
            res = np.full((n_m, n_h), -np.inf)
            np.fmax.at(res, (slice(None), idx), np.where(ok, vals, -np.inf))
            res[~np.isfinite(res)] = np.nan
            report.rules[name] = "maximum of the samples in the hour (state/alarm)"
        out[name] = xr.DataArray(res, dims=("machine", "time"), attrs=dict(da.attrs))
    return xr.Dataset(out, coords={"machine": ds["machine"].values, "time": grid},
                      attrs=dict(ds.attrs))


def _time_grid(ds: xr.Dataset, report: IntakeReport) -> xr.Dataset:
    times = pd.DatetimeIndex(ds["time"].values)
    if not times.is_monotonic_increasing or times.has_duplicates:
        ds = ds.sortby("time")
        n_dup = int(pd.DatetimeIndex(ds["time"].values).duplicated().sum())
        if n_dup:
            ds = ds.isel(time=~pd.DatetimeIndex(ds["time"].values).duplicated())
        report.notes.append(f"time stamps sorted; {n_dup} duplicate time stamp(s) dropped "
                            "(first kept)")
        times = pd.DatetimeIndex(ds["time"].values)
    report.samples = len(times)
    if len(times) < 2:
        raise IntakeError(f"telemetry has {len(times)} time stamp(s); the twin needs at "
                          "least one whole day of hourly or finer samples")
    steps = _steps(ds, times)
    coarse = {m: s for m, s in steps.items() if s > 1.0 + 1e-9}
    report.step = float(np.nanmax(list(steps.values())))
    if coarse:
        found = ", ".join(f"{m}: every {s:g} h" for m, s in coarse.items())
        raise IntakeError(
            "telemetry is coarser than hourly: the twin needs samples at least every hour "
            f"(median step <= 1 h per machine); found {found}. Supply the raw sensor samples "
            "(hourly or finer; sub-hourly and irregular samples are binned to the hour), not "
            "daily or other aggregates")
    ns = times.as_unit("ns").asi8
    regular = bool((np.diff(ns) == HOUR.value).all() and (times == times.floor("h")).all())
    first = times[0].floor("h").ceil("D")  # the first midnight whose hour bin has data
    last = (times[-1].floor("h") + HOUR).floor("D")  # end of the last whole day
    n_h = int((last - first) // HOUR)
    if n_h < 24:
        raise IntakeError(
            f"telemetry from {times[0]} to {times[-1]} holds no whole day from midnight to "
            "midnight; the twin needs at least one (supply a longer history)")
    before = int((times < first).sum())
    after = int((times >= last).sum())
    report.trimmed = (before, after)
    if regular:
        ds = ds.sel(time=slice(first, last - pd.Timedelta(1, "ns")))
    else:
        diffs = np.diff(ns) / HOUR.value
        report.sampling = "sub-hourly" if np.allclose(diffs, diffs[0]) else "irregular"
        ds = _bin(ds, times, first, n_h, report)
        n_req = {v: int((~np.isfinite(ds[v].values)).sum()) for v in REQUIRED}
        report.empty_hours = n_req
        report.notes.append(
            f"{report.sampling} samples (median step {report.step * 60:.4g} min) binned to "
            f"{n_h} hours from {first}: " + "; ".join(f"{v} by the {r}"
                                                      for v, r in report.rules.items())
            + "; hours with no sample left NaN (" + ", ".join(
                f"{v}: {n}" for v, n in n_req.items()) + " machine-hours)")
    if before or after:
        report.notes.append(
            f"partial days cut: {before} time stamp(s) before {first} and {after} from "
            f"{last} on (the twin reads whole days from midnight)")
    report.hours = n_h
    return ds


def _wear_scale(spec: LineSpec, ds: xr.Dataset, report: IntakeReport) -> xr.Dataset:
    machines = [str(m) for m in ds["machine"].values]
    in_spec = set(spec.machines)
    limits = np.array([spec.physics_of(m).wear_limit if m in in_spec else 1.0
                       for m in machines])
    report.wear_limits = {m: float(lim) for m, lim in zip(machines, limits, strict=True)
                          if m in in_spec}
    wear = ds["wear"].transpose("machine", "time")
    if not np.allclose(limits, 1.0):
        ds = ds.copy()
        ds["wear"] = (wear / xr.DataArray(limits, dims="machine")).assign_attrs(
            {**wear.attrs, "units": "1", "long_name": "wear (fraction of the type's limit)"})
        lims = sorted({f"{lim:g}" for lim in limits})
        report.notes.append(f"wear divided by its type's wear_limit ({', '.join(lims)}): "
                            "1 is the limit")
    w = ds["wear"].transpose("machine", "time").values
    peak = np.where(np.isfinite(w), w, -np.inf).max(axis=1)
    sus = {m: float(p) for m, p in zip(machines, peak, strict=True)
           if m in in_spec and p > SUSPICIOUS_WEAR}
    report.suspicious_wear = sus
    if sus:
        report.notes.append(
            f"suspicious wear: {', '.join(f'{m} up to {p:.3g}' for m, p in sus.items())} times "
            f"its type's wear_limit (more than {SUSPICIOUS_WEAR:g}); is wear_limit on the "
            "data's scale (e.g. 100 for percent)?")
    return ds


def to_twin_grid(spec: LineSpec, telemetry: xr.Dataset) -> tuple[xr.Dataset, IntakeReport]:
    """Bring telemetry onto the twin's grid: hourly from midnight, wear in limits.

    Parameters
    ----------
    spec
        The line: its machines and each machine type's ``wear_limit``.
    telemetry
        Dataset with dims ``(machine, time)``; ``load`` [1], ``temperature`` [degC] and
        ``wear`` [the gauge's units; ``wear_limit`` in the same] at least. Any sampling at
        least hourly (sub-hourly, jittered, with gaps).

    Returns
    -------
    grid
        The telemetry on whole days of hourly bins from midnight, wear divided by the
        type's ``wear_limit`` [1]; the input unchanged (same object) when it is already
        hourly from midnight, on whole days, with ``wear_limit`` 1.
    report
        The rules applied and what they did (:class:`IntakeReport`); ``report.empty``
        when nothing was changed.

    Raises
    ------
    IntakeError
        A required variable or machine is absent, a machine has no reading of a required
        variable, the samples are coarser than hourly, or no whole day is covered.
    """
    report = IntakeReport()
    _check_sensors(spec, telemetry)
    grid = _time_grid(telemetry, report)
    grid = _wear_scale(spec, grid, report)
    if report.empty:
        return telemetry, report
    return grid, report
