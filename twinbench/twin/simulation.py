"""Replay the line under uncertainty: many seeded replications, KPIs per replication.

:func:`simulate` builds the engine's inputs (:func:`~twinbench.twin.sim_inputs.build_inputs`:
flat arrays from the :class:`~twinbench.spec.LineSpec`, the order book, failure rates from
the twin or the spec, machine downtime and a schedule to replay), runs the compiled event
loop (:mod:`twinbench.twin.sim_engine`) and returns one xarray Dataset with dims
``replication, station, machine, product, order, time``.

Time. The engine runs on the shift calendar's **working time**: only working hours exist,
work pauses at a shift's end and resumes at the next shift's start (calendar at hourly
resolution). ``horizon`` and every timestamp are wall-clock; durations that describe the
line's work (busy, blocked, starved, WIP, flow time) are in working hours [h]; order
completion and tardiness are wall-clock [h].

KPI definitions (per replication, over the statistics window ``[warmup, horizon]``):

* planned time = working hours x machines, minus planned maintenance;
* availability = (planned - repairs - setups) / planned;
* performance = ideal processing time of the work done / (planned - repairs - setups):
  idle (starved or blocked) time and slow cycles lower it. The ideal time of a cycle is the
  spec's mean time, or the time the cycle took when that was shorter (a fast cycle is not
  a speed gain), so performance and OEE never exceed 1; with random times a machine that
  never idles shows ``E[min(mean, T)] / mean`` (about 0.63 for exponential times);
* quality = good / (good + scrapped) units; OEE = availability x performance x quality;
* utilization = (processing + setup) / planned; throughput = good units per working hour;
* WIP = time-average units in the line; flow time = release to exit of units that left;
* energy = busy power x busy hours + idle power x other working hours [kWh], priced by the
  tariff at the wall-clock hour [EUR]; machines are off outside shifts;
* tardiness = completion - due [h] (wall clock) of orders due within the horizon;
  orders not finished by the horizon count as late by at least ``horizon - due``;
* crews (only for a line with crews; rules in :mod:`twinbench.twin.sim_crews`): per station
  ``operator_wait`` = machine hours idle with a unit to start but no operator free (not
  counted as ``starved``); per crew ``crew_busy`` = operator hours attending machines
  (setup and processing, through repairs and pauses inside an operation), ``crew_overtime``
  = operator hours of those finishing a unit past a shift change with fewer on duty,
  ``crew_on_duty`` = operator hours by the shift roster plus the overtime,
  ``operator_utilization`` = busy / on duty (at most 1),
  ``crew_wait`` = the crew's stations' ``operator_wait``. A line without crews gives the
  same dataset as before crews existed (same seed, same numbers; no crew variables).

Bottlenecks: :meth:`SimulationResult.active_period_bottlenecks` applies Roser's
active-period method to the event log (:mod:`twinbench.twin.sim_bottleneck`: the machine
with the longest uninterrupted active period is the momentary bottleneck; overlapping
periods of consecutive bottlenecks are shifting). The dataset's ``bottleneck_sole`` and
``bottleneck_shifting`` are an hourly screening measure for every replication, not Roser's
method: each working hour, the station whose machines were active (processing, setting up
or under repair: not starved, not blocked) the largest share of that hour; when the
runner-up is within ``tie`` of it, the hour counts as shifting between them.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from twinbench.spec import LineSpec
from twinbench.twin import sim_engine as eng
from twinbench.twin.sim_inputs import (
    RULES,
    SimContext,
    SimInputs,
    WorkingClock,
    build_inputs,
    failure_rates,
)

__all__ = ["RULES", "SimulationResult", "WorkingClock", "failure_rates", "replications_needed",
           "simulate", "warmup_mser"]


def replications_needed(samples: np.ndarray, rel_half_width: float = 0.05,
                        level: float = 0.95) -> int:
    """Replications for a ``level`` interval of the mean of half-width ``rel_half_width``
    x |mean|, from pilot ``samples`` (t-based, at least the pilot's size).

    >>> replications_needed(np.array([9.0, 10.0, 11.0, 10.0]), 0.05)
    7
    """
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        raise ValueError(f"need at least 2 pilot replications, found {len(x)}")
    mean, sd = abs(x.mean()), x.std(ddof=1)
    if sd == 0:
        return len(x)
    if mean == 0:
        raise ValueError("the mean is 0: a relative half-width is undefined")
    n = len(x)
    for _ in range(50):  # the t quantile depends on n: iterate to a fixed point
        t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
        new = int(np.ceil((t * sd / (rel_half_width * mean)) ** 2))
        if new == n:
            break
        n = max(new, 2)
    return max(n, len(x))


def warmup_mser(series: np.ndarray, batch: int = 5) -> int:
    """Warm-up length by MSER-5: the truncation point (in series steps) minimising the
    squared standard error of the remaining batch means (White, 1997)."""
    y = np.asarray(series, dtype=float)
    nb = len(y) // batch
    if nb < 4:
        return 0
    means = y[:nb * batch].reshape(nb, batch).mean(axis=1)
    best, arg = np.inf, 0
    for d in range(nb // 2):
        rest = means[d:]
        score = rest.var() / len(rest)
        if score < best:
            best, arg = score, d
    return arg * batch


@dataclass
class SimulationResult:
    """Replications of the line.

    Attributes
    ----------
    ds
        KPIs per replication (see :func:`simulate`), units on every variable.
    event_log
        Operations of one replication (order, product, kind, unit, step, station, machine,
        start, setup, end, repair; wall clock), or None. ``kind`` is ``operation`` (a unit
        processed, after its setup if any) or ``setup`` (schedule replay: a machine set up
        ahead of its next planned lot, from the plan's setup start, before the lot's first
        unit arrived; ``unit`` -1).
    options
        Seed, replications, rule, horizon, t0, seconds.
    """

    ds: xr.Dataset
    event_log: pd.DataFrame | None
    options: dict = field(default_factory=dict)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean, sd and ``level`` confidence interval of every scalar KPI, and per station."""
        rows = []
        scalars = [v for v, da in self.ds.data_vars.items() if da.dims == ("replication",)]
        per_station = [v for v, da in self.ds.data_vars.items()
                       if da.dims == ("replication", "station")]
        items = [(v, self.ds[v].values, "") for v in scalars]
        for v in per_station:
            for s in self.ds["station"].values:
                items.append((v, self.ds[v].sel(station=s).values, str(s)))
        for name, x, where in items:
            x = x[np.isfinite(x)]
            n = len(x)
            mean = float(x.mean()) if n else np.nan
            sd = float(x.std(ddof=1)) if n > 1 else np.nan
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if n > 1 \
                else np.nan
            rows.append({"kpi": name, "station": where, "unit": self.ds[name].attrs["units"],
                         "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half,
                         "n": n})
        return pd.DataFrame(rows)

    def on_time(self) -> pd.DataFrame:
        """Per order: probability of finishing by its due date, and tardiness quantiles."""
        ok = self.ds["on_time"]
        tard = self.ds["tardiness"]
        with warnings.catch_warnings():  # orders due after the horizon: unknown (NaN)
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._on_time(ok, tard)

    def _on_time(self, ok: xr.DataArray, tard: xr.DataArray) -> pd.DataFrame:
        return pd.DataFrame({
            "order": self.ds["order"].values,
            "due": self.ds["due"].values,
            "p_on_time": ok.mean("replication", skipna=True).values,
            "tardiness_p50": tard.quantile(0.5, dim="replication", skipna=True).values,
            "tardiness_p90": tard.quantile(0.9, dim="replication", skipna=True).values,
        })

    def active_period_bottlenecks(self, window: tuple[float, float] | None = None,
                                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Roser's active-period bottlenecks of the logged replication (needs
        ``simulate(..., event_log=True)``): per machine (with its station) the ``sole`` and
        ``shifting`` shares of the ``window`` [wall-clock h from t0; default: the log's
        span], and the timeline (see
        :func:`twinbench.twin.sim_bottleneck.roser_bottlenecks`)."""
        from twinbench.twin.sim_bottleneck import roser_bottlenecks

        if self.event_log is None:
            raise ValueError("no event log: run simulate(..., event_log=True) to find "
                             "active-period bottlenecks")
        log = self.event_log
        t0 = pd.Timestamp(self.options["t0"])
        shares, timeline = roser_bottlenecks(log, t0=t0, window=window)
        station = dict(zip(log["machine"], log["station"], strict=False))
        shares.insert(1, "station", shares["machine"].map(station))
        return shares, timeline

    def bottlenecks(self) -> pd.DataFrame:
        """Share of working hours each station is the sole or a shifting bottleneck (the
        hourly screening measure; see :meth:`active_period_bottlenecks` for Roser's); for a
        line with crews also the mean machine hours the station waited for an operator
        (``operator_wait`` [h]: held back by its crew, not by its machines)."""
        out = pd.DataFrame({
            "station": self.ds["station"].values,
            "sole": self.ds["bottleneck_sole"].mean("replication").values,
            "shifting": self.ds["bottleneck_shifting"].mean("replication").values,
        })
        if "operator_wait" in self.ds:
            out["operator_wait"] = self.ds["operator_wait"].mean("replication").values
        return out.sort_values("sole", ascending=False, ignore_index=True)

    def crews(self, level: float = 0.95) -> pd.DataFrame:
        """Per crew: mean and ``level`` interval over the replications of the operators'
        utilisation [1], and the means of their busy and on-duty hours and of the machine
        hours waiting for them [h]; empty for a line without crews."""
        cols = ["crew", "utilization", "ci_low", "ci_high", "busy", "on_duty", "overtime",
                "wait"]
        if "crew" not in self.ds.coords:
            return pd.DataFrame(columns=cols)
        rows = []
        for c in self.ds["crew"].values:
            u = self.ds["operator_utilization"].sel(crew=c).values
            u = u[np.isfinite(u)]
            mean = float(u.mean()) if len(u) else np.nan
            half = float(stats.t.ppf(0.5 + level / 2, len(u) - 1) * u.std(ddof=1)
                         / np.sqrt(len(u))) if len(u) > 1 else np.nan
            rows.append([str(c), mean, mean - half, mean + half] + [
                float(self.ds[v].sel(crew=c).mean()) for v in
                ("crew_busy", "crew_on_duty", "crew_overtime", "crew_wait")])
        return pd.DataFrame(rows, columns=cols)


def _check(spec: LineSpec, orders: pd.DataFrame, horizon: float, replications: int,
           rule: str, schedule: pd.DataFrame | None, warmup: float, timing: str) -> None:
    if horizon <= 0:
        raise ValueError(f"horizon must be positive [h], found {horizon!r}")
    if not 0 <= warmup < horizon:
        raise ValueError(f"warmup must be in [0, horizon) [h], found {warmup!r}")
    if replications < 1:
        raise ValueError(f"replications must be at least 1, found {replications!r}")
    if timing not in ("timed", "sequence"):
        raise ValueError(f"unknown timing {timing!r}; allowed: ('timed', 'sequence')")
    if schedule is None and rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; allowed: {sorted(RULES)!r} (or give a "
                         "schedule to replay)")
    missing = {"order_id", "product", "quantity", "release", "due"} - set(orders.columns)
    if missing:
        raise ValueError(f"orders lack column(s) {sorted(missing)!r}")
    bad = sorted(set(orders["product"]) - set(spec.product_map))
    if bad:
        raise ValueError(f"unknown product(s) {bad!r} in orders; allowed: "
                         f"{sorted(spec.product_map)!r}")
    if schedule is not None:
        need = {"order", "step", "machine", "start"}
        if need - set(schedule.columns):
            raise ValueError(f"schedule lacks column(s) {sorted(need - set(schedule.columns))!r}")
        unknown = sorted(set(schedule["machine"]) - set(spec.machines))
        if unknown:
            raise ValueError(f"unknown machine(s) {unknown!r} in the schedule; allowed: "
                             f"{spec.machines!r}")
        ids = set(orders["order_id"]) | {"MAINT"}
        stray = sorted(set(schedule["order"]) - ids)
        if stray:
            raise ValueError(f"schedule names order(s) not in the order book: {stray[:10]!r}")


def simulate(spec: LineSpec, orders: pd.DataFrame, *, horizon: float = 168.0,
             t0: pd.Timestamp | str | None = None, replications: int = 100, seed: int = 0,
             rule: str = "FIFO", schedule: pd.DataFrame | None = None,
             failure_rate: dict[str, float] | None = None,
             downtime: pd.DataFrame | None = None, warmup: float = 0.0,
             event_log: bool = False, tie: float = 0.05, timing: str = "timed",
             ) -> SimulationResult:
    """Simulate the line ``replications`` times.

    Parameters
    ----------
    spec
        The line.
    orders
        Order book (``order_id, product, quantity, release, due``, optional ``weight``).
    horizon
        Simulated wall-clock span from ``t0`` [h].
    t0
        Start (default: midnight of the first release).
    replications, seed
        Replications and the seed they are spawned from (``numpy.random.SeedSequence``):
        same seed, same numbers; each replication its own stream.
    rule
        Dispatching rule when no schedule is given: ``FIFO``, ``EDD``, ``SPT``.
    schedule
        A schedule table to replay (``order, step, machine, start`` [h from its
        ``attrs["t0"]`` or ``t0``], optional ``setup``): each lot (order, step) runs on its
        planned machine (not before its planned start when ``timing="timed"``); a machine
        takes the waiting units of its lots in the plan's order and finishes the lot in
        hand first (units flow one by one; when the station's buffer is full it takes any
        of its lots); an idle machine with none of its own lots waiting helps a sibling
        machine of its station with a lot already due; lots outside the plan come last.
        As in the plan, a setup runs just before the planned start (``start - setup`` on
        the working clock): an idle machine with nothing to start sets up for its next
        planned lot from then on, even before the lot's first unit arrives.
        Rows with order ``MAINT`` are maintenance windows (``start``, ``end``).
    failure_rate
        Failures per busy hour by machine [1/h]; default :func:`failure_rates` of the spec.
    downtime
        Machine unavailability windows ``machine, start, end`` (wall clock), e.g. planned
        maintenance or a what-if.
    warmup
        Wall-clock hours from ``t0`` excluded from the statistics [h].
    event_log
        Keep the operations of replication 0.
    tie
        Share of an hour within which two stations both count as a (shifting) bottleneck.
    timing
        Schedule replay: ``timed`` (no lot before its planned start) or ``sequence`` (the
        plan's machines and order, each lot as soon as possible; the planned times are
        targets, as a shop floor runs a plan).

    Notes
    -----
    The spec's crews limit the machines of their stations running at once to the
    operators on duty (:mod:`twinbench.twin.sim_crews`); the dataset then has a ``crew``
    dimension with the crews' KPIs (see the module docstring).
    """
    _check(spec, orders, horizon, replications, rule, schedule, warmup, timing)
    tic = time.perf_counter()
    inp, ctx = build_inputs(spec, orders, horizon=horizon, t0=t0, replications=replications,
                            seed=seed, rule=rule, schedule=schedule,
                            failure_rate=failure_rate, downtime=downtime, warmup=warmup,
                            event_log=event_log, timing=timing)
    out = eng.run(inp)
    (busy, setup_t, down_t, maint_t, blocked_t, ideal_t, n_fail, busy_bins, active_bins,
     wip_bins, good_w, started, good, scrapped, wip_end, wip_avg, flow_sum, flow_n, o_done,
     sys_time, op_busy, op_wait, op_over, *log) = out
    ds = _dataset(spec, inp, ctx, busy, setup_t, down_t, maint_t, blocked_t, ideal_t,
                  n_fail, busy_bins, active_bins, wip_bins, good_w, started, good, scrapped,
                  wip_end, wip_avg, flow_sum, flow_n, o_done, sys_time, horizon, tie, op_wait)
    if ctx.crews:
        _add_crews(ds, inp, ctx, op_busy, op_wait, op_over)
    log_df = None
    if event_log:
        u, k, m, a, su, e, dn = log
        unit_order = np.repeat(np.arange(len(ctx.order_ids)), inp.o_qty)
        # a negative unit -1 - o is a setup done ahead of order o's lot (schedule replay)
        o_of = np.where(u >= 0, unit_order[np.maximum(u, 0)], -1 - u) if len(u) else u
        log_df = pd.DataFrame({
            "order": np.array(ctx.order_ids, dtype=object)[o_of] if len(u) else [],
            "product": np.array(list(ctx.orders["product"]), dtype=object)[o_of]
            if len(u) else [],
            "kind": np.where(u >= 0, "operation", "setup"),
            "unit": np.where(u >= 0, u, -1), "step": k,
            "machine": np.array(ctx.machines, dtype=object)[m],
            "station": np.array(ctx.stations, dtype=object)[inp.mach_station[m]],
            "start": ctx.t0 + pd.to_timedelta(ctx.clock.to_wall(a), unit="h"),
            "setup": su,
            "end": ctx.t0 + pd.to_timedelta(ctx.clock.to_wall(e), unit="h"),
            "repair": dn})
    opts = {"seed": seed, "replications": replications, "rule": "schedule" if schedule is
            not None else rule, "horizon_h": horizon, "warmup_h": warmup, "t0": str(ctx.t0),
            "working_hours": inp.horizon, "units": int(inp.o_qty.sum()),
            "operations": ctx.n_ops, "seconds": time.perf_counter() - tic}
    ds.attrs.update({k: str(v) for k, v in opts.items()})
    return SimulationResult(ds, log_df, opts)


def _add_crews(ds: xr.Dataset, inp: SimInputs, ctx: SimContext, op_busy: np.ndarray,
               op_wait: np.ndarray, op_over: np.ndarray) -> None:
    """Add the crews' KPIs to ``ds`` (a line with crews; see
    :mod:`twinbench.twin.sim_crews`): per crew operator hours attending machines, on duty
    (roster plus overtime) and their overtime, the ratio attending / on duty, and machine
    hours waiting for an operator; per station the latter."""
    n_st = len(ctx.stations)
    wait_st = np.stack([op_wait[:, inp.mach_station == i].sum(axis=1) for i in range(n_st)],
                       axis=1)
    crew_of_m = inp.st_crew[inp.mach_station]
    wait_cr = np.stack([op_wait[:, crew_of_m == c].sum(axis=1)
                        for c in range(len(ctx.crews))], axis=1)
    on_duty = ctx.on_duty[None, :] + op_over
    util = np.where(on_duty > 0, op_busy / np.maximum(on_duty, 1e-12), np.nan)
    ds.coords["crew"] = ctx.crews
    rc = ("replication", "crew")
    ds["operator_wait"] = (("replication", "station"), wait_st, {
        "units": "h", "long_name": "machine hours idle with work, waiting for an operator"})
    ds["crew_busy"] = (rc, op_busy, {"units": "h", "long_name": "operator hours attending "
                                     "machines (setup and processing)"})
    ds["crew_on_duty"] = (rc, on_duty, {"units": "h", "long_name": "operator hours on duty "
                                        "(roster plus overtime)"})
    ds["crew_overtime"] = (rc, op_over, {"units": "h", "long_name": "operator hours past a "
                                         "shift change, finishing the unit in hand"})
    ds["operator_utilization"] = (rc, util, {"units": "1", "long_name":
                                             "operator hours attending / on duty"})
    ds["crew_wait"] = (rc, wait_cr, {"units": "h", "long_name": "machine hours waiting for "
                                     "an operator of the crew"})


def _dataset(spec: LineSpec, inp: SimInputs, ctx: SimContext, busy, setup_t, down_t,
             maint_t, blocked_t, ideal_t, n_fail, busy_bins, active_bins, wip_bins, good_w,
             started, good, scrapped, wip_end, wip_avg, flow_sum, flow_n, o_done, sys_time,
             horizon, tie, op_wait) -> xr.Dataset:
    stations, machines, products, o_ids = ctx.stations, ctx.machines, ctx.products, \
        ctx.order_ids
    clock, t0, H, W0, st_count = ctx.clock, ctx.t0, inp.horizon, inp.warmup, inp.st_count
    o_due_wall, weight = ctx.due_wall, ctx.weight
    n_rep = busy.shape[0]
    span = H - W0
    # per machine
    planned_m = span - maint_t
    # idle with work but no operator (crews) is not starved: see ``operator_wait``
    starved = np.clip(planned_m - busy - down_t - blocked_t - op_wait, 0, None)
    station_idx = np.repeat(np.arange(len(stations)), st_count)

    def per_station(x: np.ndarray) -> np.ndarray:
        return np.stack([x[:, station_idx == i].sum(axis=1) for i in range(len(stations))],
                        axis=1)

    planned = per_station(planned_m)
    up = np.clip(planned - per_station(down_t) - per_station(setup_t), 1e-12, None)
    total_good, total_scrap = good.sum(axis=1), scrapped
    quality = total_good / np.maximum(total_good + total_scrap, 1)
    availability = up / np.maximum(planned, 1e-12)
    # ideal <= processing time <= up in exact arithmetic; the clip guards the window's
    # pro-rating of operations that straddle its start
    performance = np.minimum(per_station(ideal_t) / up, 1.0)
    oee = availability * performance * quality[:, None]
    # energy
    busy_kw = np.array([s.busy_power for s in spec.stations])
    idle_kw = np.array([s.idle_power for s in spec.stations])
    wall_bins = clock.to_wall(np.arange(busy_bins.shape[2]) + 0.5)
    stamps = t0 + pd.to_timedelta(np.floor(wall_bins), unit="h")
    price = np.array([spec.energy.price_at(ts) for ts in stamps])
    in_window = (np.arange(busy_bins.shape[2]) + 1 > W0).astype(float)
    frac = np.clip(np.minimum(np.arange(busy_bins.shape[2]) + 1, H)
                   - np.maximum(np.arange(busy_bins.shape[2]), W0), 0, 1) * in_window
    idle_bins = np.clip(st_count[None, :, None] * frac[None, None, :] - busy_bins, 0, None)
    kwh = busy_bins * busy_kw[None, :, None] + idle_bins * idle_kw[None, :, None]
    kwh = kwh * (frac > 0)[None, None, :]
    energy = kwh.sum(axis=(1, 2))
    cost = (kwh * price[None, None, :]).sum(axis=(1, 2))
    # orders: completion (wall), tardiness, on time
    done_wall = clock.to_wall(np.nan_to_num(o_done, nan=0.0))
    done_wall = np.where(np.isnan(o_done), np.nan, done_wall)
    tard = np.clip(done_wall - o_due_wall[None, :], 0, None)
    due_in = o_due_wall <= horizon
    late_open = np.isnan(o_done) & due_in[None, :]
    tard = np.where(late_open, horizon - o_due_wall[None, :], tard)
    tard = np.where(np.isnan(o_done) & ~due_in[None, :], np.nan, tard)
    on_time = np.where(np.isnan(o_done), np.where(due_in[None, :], 0.0, np.nan),
                       (done_wall <= o_due_wall[None, :] + 1e-9).astype(float))
    w_tard = np.nansum(tard * weight[None, :], axis=1)
    # bottlenecks per working hour from the active share of each station
    cap_h = st_count[None, :, None] * frac[None, None, :]
    share = np.where(cap_h > 0, active_bins / np.maximum(cap_h, 1e-12), 0.0)
    hours_in = frac > 0
    sole = np.zeros((n_rep, len(stations)))
    shifting = np.zeros((n_rep, len(stations)))
    if hours_in.any():
        sh = share[:, :, hours_in]
        order = np.sort(sh, axis=1)
        top, second = order[:, -1, :], order[:, -2, :] if sh.shape[1] > 1 else 0.0 * order[
            :, -1, :]
        is_top = sh >= (top[:, None, :] - tie)
        unique = (top - second) > tie
        busy_hour = top > 0
        sole = ((sh == top[:, None, :]) & unique[:, None, :] & busy_hour[:, None, :]).mean(
            axis=2)
        shifting = (is_top & ~unique[:, None, :] & busy_hour[:, None, :]).mean(axis=2)
    flow = np.where(flow_n > 0, flow_sum / np.maximum(flow_n, 1), np.nan)
    coords = {"replication": np.arange(n_rep), "station": stations, "machine": machines,
              "product": products, "order": o_ids,
              "time": pd.DatetimeIndex(t0 + pd.to_timedelta(np.floor(wall_bins), unit="h"))}
    u = "unit"

    def v(dims, data, units, long):
        return (dims, data, {"units": units, "long_name": long})

    R, S, M = ("replication",), ("replication", "station"), ("replication", "machine")
    data = {
        "throughput": v(R, good_w / span, "unit/h", "good units out per working hour "
                                                    "in the window"),
        "units_good": v(("replication", "product"), good, u, "good units out"),
        "units_started": v(R, started, u, "units released into the line"),
        "units_finished": v(R, total_good, u, "good units out"),
        "units_scrapped": v(R, total_scrap, u, "units scrapped"),
        "wip_end": v(R, wip_end, u, "units in the line at the horizon"),
        "wip": v(R, wip_avg, u, "time-average units in the line"),
        "flow_time": v(R, flow, "h", "release to exit of units out (working hours)"),
        "time_in_system": v(R, sys_time, "unit*h", "sum over units of working hours "
                                                   "in the line within the window"),
        "energy": v(R, energy, "kWh", "electricity"),
        "energy_cost": v(R, cost, "EUR", "electricity cost at the tariff"),
        "weighted_tardiness": v(R, w_tard, "h", "sum of weight x tardiness of orders "
                                                "due in the horizon"),
        "oee": v(S, oee, "1", "availability x performance x quality"),
        "availability": v(S, availability, "1", "(planned - repairs - setups) / planned"),
        "performance": v(S, performance, "1", "ideal time of work done / available time"),
        "utilization": v(S, per_station(busy) / np.maximum(planned, 1e-12), "1",
                         "(processing + setup) / planned"),
        "blocked": v(S, per_station(blocked_t), "h", "machine hours blocked"),
        "starved": v(S, per_station(starved), "h", "machine hours starved (idle, "
                                                      "not waiting for an operator)"),
        "bottleneck_sole": v(S, sole, "1", "share of working hours the sole bottleneck"),
        "bottleneck_shifting": v(S, shifting, "1", "share of working hours a shifting "
                                                   "bottleneck"),
        "busy": v(M, busy, "h", "processing + setup hours"),
        "setup": v(M, setup_t, "h", "setup hours"),
        "repair": v(M, down_t, "h", "hours under repair"),
        "maintenance": v(M, maint_t, "h", "planned maintenance hours"),
        "failures": v(M, n_fail, "1", "failures"),
        "completion": v(("replication", "order"), done_wall, "h",
                        "order completion, wall-clock hours after t0"),
        "tardiness": v(("replication", "order"), tard, "h", "completion - due (wall "
                                                            "clock), NaN if unknown"),
        "on_time": v(("replication", "order"), on_time, "1", "finished by its due date"),
        "active_share": v(("replication", "station", "time"), share, "1",
                          "share of machine time active, per working hour"),
        "wip_t": v(("replication", "time"), wip_bins, u, "average units in the line "
                                                         "per working hour"),
    }
    ds = xr.Dataset(data, coords=coords)
    ds["due"] = ("order", o_due_wall, {"units": "h", "long_name": "due, wall-clock hours "
                                                                  "after t0"})
    return ds
