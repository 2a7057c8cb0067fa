"""Replay the line under uncertainty: many seeded replications, KPIs per replication.

:func:`simulate` builds flat arrays from the :class:`~twinbench.spec.LineSpec`, the order
book, failure rates (from the twin or the spec) and machine downtime, runs the compiled
event loop (:mod:`twinbench.twin.sim_engine`) and returns one xarray Dataset with dims
``replication, station, machine, product, order, time``.

Time. The engine runs on the shift calendar's **working time**: only working hours exist,
work pauses at a shift's end and resumes at the next shift's start (calendar at hourly
resolution). ``horizon`` and every timestamp are wall-clock; durations that describe the
line's work (busy, blocked, starved, WIP, flow time) are in working hours [h]; order
completion and tardiness are wall-clock [h].

KPI definitions (per replication, over the statistics window ``[warmup, horizon]``):

* planned time = working hours x machines, minus planned maintenance;
* availability = (planned - repairs - setups) / planned;
* performance = ideal processing time (mean times of the work done) / (planned - repairs -
  setups): idle (starved or blocked) time and slow cycles lower it;
* quality = good / (good + scrapped) units; OEE = availability x performance x quality;
* utilization = (processing + setup) / planned; throughput = good units per working hour;
* WIP = time-average units in the line; flow time = release to exit of units that left;
* energy = busy power x busy hours + idle power x other working hours [kWh], priced by the
  tariff at the wall-clock hour [EUR]; machines are off outside shifts;
* tardiness = completion - due [h] (wall clock) of orders due within the horizon;
  orders not finished by the horizon count as late by at least ``horizon - due``.

Bottlenecks: each working hour, the momentary bottleneck is the station whose machines
were active (processing, setting up or under repair: not starved, not blocked) the largest
share of that hour; when the runner-up is within ``tie`` of it, the hour is a *shifting*
bottleneck between them (a discrete version of Roser's active-period method).
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

__all__ = ["RULES", "SimulationResult", "WorkingClock", "failure_rates", "replications_needed",
           "simulate", "warmup_mser"]

RULES = {"FIFO": eng.FIFO, "EDD": eng.EDD, "SPT": eng.SPT}
UNLIMITED = 2**62


class WorkingClock:
    """Maps wall-clock time to working time (the shift calendar) and back.

    Parameters
    ----------
    spec
        The line (its calendar).
    t0
        Start [wall clock].
    hours
        Wall-clock hours covered.
    """

    def __init__(self, spec: LineSpec, t0: pd.Timestamp, hours: int) -> None:
        self.t0 = pd.Timestamp(t0)
        grid = pd.date_range(self.t0, periods=hours, freq="h")
        self.working = np.array(spec.calendar.working_mask(grid), dtype=float)
        self.cum = np.concatenate([[0.0], np.cumsum(self.working)])

    def to_working(self, wall_h: np.ndarray | float) -> np.ndarray:
        """Working hours elapsed at wall-clock hours after ``t0``."""
        x = np.clip(np.asarray(wall_h, dtype=float), 0, len(self.working))
        i = np.minimum(np.floor(x).astype(int), len(self.working) - 1)
        return self.cum[i] + self.working[i] * (x - i)

    def to_wall(self, work_h: np.ndarray | float) -> np.ndarray:
        """Wall-clock hours after ``t0`` at which ``work_h`` working hours have elapsed."""
        w = np.asarray(work_h, dtype=float)
        i = np.searchsorted(self.cum, w, side="right") - 1
        i = np.clip(i, 0, len(self.working) - 1)
        return i + (w - self.cum[i])


def failure_rates(spec: LineSpec, failures: xr.Dataset | None = None) -> dict[str, float]:
    """Failure rate per busy hour [1/h] by machine: from the twin's failure forecast (its
    probability of failure over the horizon's running hours) or, for machines it does not
    cover, the spec's hazard at wear 0.3."""
    out = {}
    known = set() if failures is None else {str(m) for m in failures["machine"].values}
    for m in spec.machines:
        mt = spec.physics_of(m)
        if m in known:
            run_h = max(float(failures["running"].sum()), 1.0)
            p = float(failures["failure_probability"].sel(machine=m).isel(time=-1))
            out[m] = -np.log1p(-min(p, 1 - 1e-12)) / run_h
        else:
            out[m] = mt.hazard_base * np.exp(mt.hazard_wear * 0.3)
    return out


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
        Operations of one replication (order, step, station, machine, start, setup, end,
        repair; wall clock), or None.
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

    def bottlenecks(self) -> pd.DataFrame:
        """Share of working hours each station is the sole or a shifting bottleneck."""
        return pd.DataFrame({
            "station": self.ds["station"].values,
            "sole": self.ds["bottleneck_sole"].mean("replication").values,
            "shifting": self.ds["bottleneck_shifting"].mean("replication").values,
        }).sort_values("sole", ascending=False, ignore_index=True)


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
    """
    _check(spec, orders, horizon, replications, rule, schedule, warmup, timing)
    tic = time.perf_counter()
    orders = orders.copy()
    orders["release"] = pd.to_datetime(orders["release"])
    orders["due"] = pd.to_datetime(orders["due"])
    t0 = pd.Timestamp(t0) if t0 is not None else orders["release"].min().normalize()
    if schedule is not None and "t0" in schedule.attrs:
        sch_t0 = pd.Timestamp(schedule.attrs["t0"])
    else:
        sch_t0 = t0
    end = t0 + pd.Timedelta(hours=horizon)
    orders = orders[orders["release"] < end].reset_index(drop=True)
    span_h = int(np.ceil(max(horizon, (orders["due"].max() - t0) / pd.Timedelta(hours=1)
                             if len(orders) else horizon))) + 24 * 14
    clock = WorkingClock(spec, t0, span_h)
    H = float(clock.to_working(horizon))
    W0 = float(clock.to_working(warmup))
    if H <= W0:
        raise ValueError("no working hour between warmup and horizon: check the calendar "
                         f"(t0 {t0}, horizon {horizon} h)")

    def hours_from_t0(ts) -> np.ndarray:
        return np.asarray((pd.to_datetime(ts) - t0) / pd.Timedelta(hours=1), dtype=float)

    # stations, machines, families, routes
    stations = [s.name for s in spec.stations]
    machines = [m for s in spec.stations for m in s.machine_ids]
    st_count = np.array([len(s.machine_ids) for s in spec.stations], dtype=np.int64)
    st_first = np.concatenate([[0], np.cumsum(st_count)[:-1]]).astype(np.int64)
    mach_station = np.repeat(np.arange(len(stations)), st_count).astype(np.int64)
    buf = np.array([spec.buffer_capacity(s) if spec.buffer_capacity(s) is not None
                    else UNLIMITED for s in stations], dtype=np.int64)
    products = [p.name for p in spec.products]
    families = sorted({p.family for p in spec.products})
    fam_of = np.array([families.index(p.family) for p in spec.products], dtype=np.int64)
    setup = np.zeros((len(stations), len(families), len(families)))
    for i, st in enumerate(spec.stations):
        for a, fa in enumerate(families):
            for b, fb in enumerate(families):
                if fa != fb:
                    setup[i, a, b] = st.setup_times.get(fa, {}).get(fb, st.default_setup)
    n_steps = max(len(p.routing) for p in spec.products)
    r_station = np.zeros((len(products), n_steps), dtype=np.int64)
    r_mean = np.zeros((len(products), n_steps))
    r_cv = np.zeros((len(products), n_steps))
    r_dist = np.zeros((len(products), n_steps), dtype=np.int64)
    r_len = np.array([len(p.routing) for p in spec.products], dtype=np.int64)
    for i, p in enumerate(spec.products):
        for k, step in enumerate(p.routing):
            r_station[i, k] = stations.index(step.station)
            r_mean[i, k] = step.time.mean
            r_cv[i, k] = step.time.cv
            r_dist[i, k] = eng.DISTS[step.time.dist]
    scrap = np.array([p.scrap_rate for p in spec.products])
    # orders
    o_ids = list(orders["order_id"])
    o_prod = np.array([products.index(p) for p in orders["product"]], dtype=np.int64)
    o_qty = orders["quantity"].to_numpy(dtype=np.int64)
    o_rel = clock.to_working(np.clip(hours_from_t0(orders["release"]), 0, None))
    o_due_wall = hours_from_t0(orders["due"])
    o_due_w = clock.to_working(np.clip(o_due_wall, 0, None))
    o_first = np.concatenate([[0], np.cumsum(o_qty)[:-1]]).astype(np.int64)
    weight = orders["weight"].to_numpy(float) if "weight" in orders else np.ones(len(orders))
    # failures and repairs
    rates = failure_rate if failure_rate is not None else failure_rates(spec)
    unknown = sorted(set(rates) - set(machines))
    if unknown:
        raise ValueError(f"unknown machine(s) {unknown!r} in failure_rate; allowed: "
                         f"{machines!r}")
    haz = np.array([rates.get(m, 0.0) for m in machines])
    rep_mean = np.array([spec.physics_of(m).repair_mean for m in machines])
    rep_cv = np.array([spec.physics_of(m).repair_cv for m in machines])
    # maintenance windows (working time), per machine, sorted and merged
    wins: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(machines))}
    frames = []
    if downtime is not None and len(downtime):
        frames.append(downtime[["machine", "start", "end"]].assign(
            start=lambda d: hours_from_t0(d["start"]), end=lambda d: hours_from_t0(d["end"])))
    if schedule is not None and (schedule["order"] == "MAINT").any():
        mt = schedule[schedule["order"] == "MAINT"]
        shift = (sch_t0 - t0) / pd.Timedelta(hours=1)
        frames.append(pd.DataFrame({"machine": mt["machine"], "start": mt["start"] + shift,
                                    "end": mt["end"] + shift}))
    for fr in frames:
        bad = sorted(set(fr["machine"]) - set(machines))
        if bad:
            raise ValueError(f"unknown machine(s) {bad!r} in downtime; allowed: {machines!r}")
        for _, r in fr.iterrows():
            a, b = clock.to_working(r["start"]), clock.to_working(r["end"])
            if b > a:
                wins[machines.index(r["machine"])].append((float(a), float(b)))
    mw_s, mw_e, mw_first, mw_count = [], [], [], []
    for i in range(len(machines)):
        merged: list[list[float]] = []
        for a, b in sorted(wins[i]):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        mw_first.append(len(mw_s))
        mw_count.append(len(merged))
        mw_s += [a for a, _ in merged]
        mw_e += [b for _, b in merged]
    # schedule replay
    mode = RULES.get(rule, eng.FIFO)
    lot_m = np.full((len(o_ids), n_steps), -1, dtype=np.int64)
    lot_pos = np.zeros((len(o_ids), n_steps), dtype=np.int64)
    lot_t = np.zeros((len(o_ids), n_steps))
    if schedule is not None:
        mode = eng.SCHEDULE
        ops = schedule[schedule["order"] != "MAINT"].copy()
        ops = ops[ops["order"].isin(o_ids)]
        shift = (sch_t0 - t0) / pd.Timedelta(hours=1)
        setup_col = ops["setup"] if "setup" in ops else 0.0
        ops["t"] = clock.to_working(np.clip(ops["start"] - setup_col + shift, 0, None))
        if timing == "sequence":
            ops["t"] = 0.0
        o_index = {o: i for i, o in enumerate(o_ids)}
        for m_i, m in enumerate(machines):
            mine = ops[ops["machine"] == m].sort_values(["start", "step"])
            for pos, (o, k, tt) in enumerate(zip(mine["order"], mine["step"].astype(int),
                                                 mine["t"].astype(float), strict=True)):
                lot_m[o_index[o], k] = m_i
                lot_pos[o_index[o], k] = pos
                lot_t[o_index[o], k] = tt
    seeds = np.array([ss.generate_state(1)[0] for ss in
                      np.random.SeedSequence(seed).spawn(replications)], dtype=np.int64)
    n_bins = int(np.ceil(H))
    n_ops = int(sum(o_qty[i] * r_len[o_prod[i]] for i in range(len(o_qty))))
    out = eng.run(seeds, H, W0, mode, st_first, st_count, buf, mach_station, setup, fam_of,
                  r_station, r_mean, r_cv, r_dist, r_len, scrap, o_prod, o_qty, o_rel, o_due_w,
                  o_first, haz, rep_mean, rep_cv,
                  np.array(mw_s, dtype=float), np.array(mw_e, dtype=float),
                  np.array(mw_first, dtype=np.int64), np.array(mw_count, dtype=np.int64),
                  lot_m, lot_pos, lot_t, n_bins, 0 if event_log else -1,
                  n_ops if event_log else 0)
    (busy, setup_t, down_t, maint_t, blocked_t, ideal_t, n_fail, busy_bins, active_bins,
     wip_bins, good_w, started, good, scrapped, wip_end, wip_avg, flow_sum, flow_n, o_done,
     sys_time, *log) = out
    ds = _dataset(spec, stations, machines, products, o_ids, orders, clock, t0, H, W0,
                  busy, setup_t, down_t, maint_t, blocked_t, ideal_t, n_fail, busy_bins,
                  active_bins, wip_bins, good_w, started, good, scrapped, wip_end, wip_avg,
                  flow_sum, flow_n, o_done, sys_time, o_due_wall, weight, horizon, tie, st_count)
    log_df = None
    if event_log:
        u, k, m, a, su, e, dn = log
        unit_order = np.repeat(np.arange(len(o_ids)), o_qty)
        log_df = pd.DataFrame({
            "order": np.array(o_ids, dtype=object)[unit_order[u]] if len(u) else [],
            "product": np.array(list(orders["product"]), dtype=object)[unit_order[u]]
            if len(u) else [],
            "unit": u, "step": k, "machine": np.array(machines, dtype=object)[m],
            "station": np.array(stations, dtype=object)[mach_station[m]],
            "start": t0 + pd.to_timedelta(clock.to_wall(a), unit="h"),
            "setup": su,
            "end": t0 + pd.to_timedelta(clock.to_wall(e), unit="h"),
            "repair": dn})
    opts = {"seed": seed, "replications": replications, "rule": "schedule" if schedule is
            not None else rule, "horizon_h": horizon, "warmup_h": warmup, "t0": str(t0),
            "working_hours": H, "units": int(o_qty.sum()), "operations": n_ops,
            "seconds": time.perf_counter() - tic}
    ds.attrs.update({k: str(v) for k, v in opts.items()})
    return SimulationResult(ds, log_df, opts)


def _dataset(spec, stations, machines, products, o_ids, orders, clock, t0, H, W0, busy,
             setup_t, down_t, maint_t, blocked_t, ideal_t, n_fail, busy_bins, active_bins,
             wip_bins, good_w, started, good, scrapped, wip_end, wip_avg, flow_sum, flow_n, o_done,
             sys_time, o_due_wall, weight, horizon, tie, st_count) -> xr.Dataset:
    n_rep = busy.shape[0]
    span = H - W0
    # per machine
    planned_m = span - maint_t
    starved = np.clip(planned_m - busy - down_t - blocked_t, 0, None)
    station_idx = np.repeat(np.arange(len(stations)), st_count)

    def per_station(x: np.ndarray) -> np.ndarray:
        return np.stack([x[:, station_idx == i].sum(axis=1) for i in range(len(stations))],
                        axis=1)

    planned = per_station(planned_m)
    up = np.clip(planned - per_station(down_t) - per_station(setup_t), 1e-12, None)
    total_good, total_scrap = good.sum(axis=1), scrapped
    quality = total_good / np.maximum(total_good + total_scrap, 1)
    availability = up / np.maximum(planned, 1e-12)
    performance = per_station(ideal_t) / up
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
        "starved": v(S, per_station(starved), "h", "machine hours starved (idle)"),
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
