"""The inputs of the line simulation's compiled event loop, as one typed structure.

:func:`build_inputs` is the one place that turns the spec, the order book, failure rates,
downtime and a schedule to replay into a :class:`SimInputs`: flat numpy arrays and scalars,
the only argument of :func:`twinbench.twin.sim_engine.run` (numba takes a ``NamedTuple``
as a typed argument, so the kernel compiles, and caches, for its field types). Beside it
comes a :class:`SimContext` with what the results are read against (clock, labels).

Indices are positions: stations and machines in the spec's order (the machines of a
station are consecutive), products in the spec's order, families sorted by name, orders in
the order book's order. Times in the structure are **working time** [h] from ``t0`` (see
:class:`WorkingClock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec
from twinbench.twin import sim_engine as eng
from twinbench.twin.sim_crews import crew_arrays
from twinbench.twin.sim_types import SimInputs

__all__ = ["RULES", "UNLIMITED", "SimContext", "SimInputs", "WorkingClock", "build_inputs",
           "failure_rates"]

#: dispatching rules by name (the engine's codes)
RULES = {"FIFO": eng.FIFO, "EDD": eng.EDD, "SPT": eng.SPT}
#: buffer capacity of a station without a buffer limit [units]
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


@dataclass(frozen=True)
class SimContext:
    """What the engine's results are read against.

    Attributes
    ----------
    clock
        Wall-clock to working time from ``t0`` and back.
    t0
        Start of the simulation [wall clock].
    orders
        The orders simulated (released before the horizon), release and due as timestamps.
    order_ids, stations, machines, products
        Names by index.
    due_wall
        Due date of each order [h after ``t0``, wall clock].
    weight
        Tardiness weight of each order [1].
    n_ops
        Operations of all units over their routes (the event log's capacity) [operations].
    crews
        Crew names by index (empty for a line without crews).
    on_duty
        Operator hours on duty per crew in the statistics window [person*h].
    """

    clock: WorkingClock
    t0: pd.Timestamp
    orders: pd.DataFrame
    order_ids: list
    stations: list[str]
    machines: list[str]
    products: list[str]
    due_wall: np.ndarray
    weight: np.ndarray
    n_ops: int
    crews: list[str] = field(default_factory=list)
    on_duty: np.ndarray = field(default_factory=lambda: np.zeros(0))


def build_inputs(spec: LineSpec, orders: pd.DataFrame, *, horizon: float,
                 t0: pd.Timestamp | str | None, replications: int, seed: int, rule: str,
                 schedule: pd.DataFrame | None, failure_rate: dict[str, float] | None,
                 downtime: pd.DataFrame | None, warmup: float, event_log: bool,
                 timing: str) -> tuple[SimInputs, SimContext]:
    """The engine's inputs for one run of :func:`twinbench.twin.simulation.simulate`.

    Parameters
    ----------
    spec, orders, horizon, t0, replications, seed, rule, schedule, failure_rate, downtime,
    warmup, event_log, timing
        As in :func:`~twinbench.twin.simulation.simulate` (checked there).

    Returns
    -------
    inputs
        The arrays and scalars of the event loop, times in working hours.
    context
        The clock, the orders simulated and the labels of every index.

    Raises
    ------
    ValueError
        No working hour between ``warmup`` and ``horizon``, or a machine of
        ``failure_rate`` or ``downtime`` not in the spec.
    """
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

    stations = [s.name for s in spec.stations]
    machines = [m for s in spec.stations for m in s.machine_ids]
    products = [p.name for p in spec.products]
    line = _line_arrays(spec, stations)
    o_due_wall = hours_from_t0(orders["due"])
    o_qty = orders["quantity"].to_numpy(dtype=np.int64, copy=True)  # not a read-only view
    ords = {
        "o_prod": np.array([products.index(p) for p in orders["product"]], dtype=np.int64),
        "o_qty": o_qty,
        "o_release": clock.to_working(np.clip(hours_from_t0(orders["release"]), 0, None)),
        "o_due_w": clock.to_working(np.clip(o_due_wall, 0, None)),
        "o_first_unit": np.concatenate([[0], np.cumsum(o_qty)[:-1]]).astype(np.int64),
    }
    weight = orders["weight"].to_numpy(float) if "weight" in orders else np.ones(len(orders))
    fails = _failure_arrays(spec, machines, failure_rate)
    windows = _maintenance_arrays(machines, clock, hours_from_t0, downtime, schedule,
                                  (sch_t0 - t0) / pd.Timedelta(hours=1))
    o_ids = list(orders["order_id"])
    lots = _lot_arrays(machines, o_ids, line["r_station"].shape[1], clock, schedule,
                       (sch_t0 - t0) / pd.Timedelta(hours=1), timing)
    seeds = np.array([ss.generate_state(1)[0] for ss in
                      np.random.SeedSequence(seed).spawn(replications)], dtype=np.int64)
    crew_fields, on_duty = crew_arrays(spec, stations, clock.working, t0, H, W0)
    n_ops = int(sum(o_qty[i] * line["r_len"][ords["o_prod"][i]] for i in range(len(o_qty))))
    inputs = SimInputs(
        seeds=seeds, horizon=H, warmup=W0,
        rule=eng.SCHEDULE if schedule is not None else RULES.get(rule, eng.FIFO),
        n_bins=int(np.ceil(H)), log_rep=0 if event_log else -1,
        # operations, and room for setups done ahead of planned lots
        log_cap=n_ops + 2 * int((lots["lot_m"] >= 0).sum()) + 16 if event_log else 0,
        **line, **ords, **fails, **windows, **lots, **crew_fields)
    context = SimContext(clock=clock, t0=t0, orders=orders, order_ids=o_ids, stations=stations,
                         machines=machines, products=products, due_wall=o_due_wall,
                         weight=weight, n_ops=n_ops, crews=[c.name for c in spec.crews],
                         on_duty=on_duty)
    return inputs, context


def _line_arrays(spec: LineSpec, stations: list[str]) -> dict[str, np.ndarray]:
    """Stations, machines, buffers, setups, families and routes (fields of SimInputs)."""
    st_count = np.array([len(s.machine_ids) for s in spec.stations], dtype=np.int64)
    families = sorted({p.family for p in spec.products})
    setup = np.zeros((len(stations), len(families), len(families)))
    for i, st in enumerate(spec.stations):
        for a, fa in enumerate(families):
            for b, fb in enumerate(families):
                if fa != fb:
                    setup[i, a, b] = st.setup_times.get(fa, {}).get(fb, st.default_setup)
    n_prod = len(spec.products)
    n_steps = max(len(p.routing) for p in spec.products)
    r_station = np.zeros((n_prod, n_steps), dtype=np.int64)
    r_mean = np.zeros((n_prod, n_steps))
    r_cv = np.zeros((n_prod, n_steps))
    r_dist = np.zeros((n_prod, n_steps), dtype=np.int64)
    for i, p in enumerate(spec.products):
        for k, step in enumerate(p.routing):
            r_station[i, k] = stations.index(step.station)
            r_mean[i, k] = step.time.mean
            r_cv[i, k] = step.time.cv
            r_dist[i, k] = eng.DISTS[step.time.dist]
    return {
        "st_first": np.concatenate([[0], np.cumsum(st_count)[:-1]]).astype(np.int64),
        "st_count": st_count,
        "buf_cap": np.array([spec.buffer_capacity(s) if spec.buffer_capacity(s) is not None
                             else UNLIMITED for s in stations], dtype=np.int64),
        "mach_station": np.repeat(np.arange(len(stations)), st_count).astype(np.int64),
        "setup": setup,
        "fam_of_prod": np.array([families.index(p.family) for p in spec.products],
                                dtype=np.int64),
        "r_station": r_station, "r_mean": r_mean, "r_cv": r_cv, "r_dist": r_dist,
        "r_len": np.array([len(p.routing) for p in spec.products], dtype=np.int64),
        "prod_scrap": np.array([p.scrap_rate for p in spec.products], dtype=float),
    }


def _failure_arrays(spec: LineSpec, machines: list[str],
                    failure_rate: dict[str, float] | None) -> dict[str, np.ndarray]:
    """Failure rates and repair times per machine (fields of SimInputs)."""
    rates = failure_rate if failure_rate is not None else failure_rates(spec)
    unknown = sorted(set(rates) - set(machines))
    if unknown:
        raise ValueError(f"unknown machine(s) {unknown!r} in failure_rate; allowed: "
                         f"{machines!r}")
    return {
        "haz": np.array([rates.get(m, 0.0) for m in machines], dtype=float),
        "rep_mean": np.array([spec.physics_of(m).repair_mean for m in machines], dtype=float),
        "rep_cv": np.array([spec.physics_of(m).repair_cv for m in machines], dtype=float),
    }


def _maintenance_arrays(machines: list[str], clock: WorkingClock,
                        hours_from_t0: Callable[[pd.Series], np.ndarray],
                        downtime: pd.DataFrame | None, schedule: pd.DataFrame | None,
                        shift: float) -> dict[str, np.ndarray]:
    """Downtime and the schedule's ``MAINT`` rows as working-time windows per machine,
    sorted and merged (fields of SimInputs); ``shift`` is the schedule's t0 after the
    simulation's [h]."""
    wins: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(machines))}
    frames = []
    if downtime is not None and len(downtime):
        frames.append(downtime[["machine", "start", "end"]].assign(
            start=lambda d: hours_from_t0(d["start"]), end=lambda d: hours_from_t0(d["end"])))
    if schedule is not None and (schedule["order"] == "MAINT").any():
        mt = schedule[schedule["order"] == "MAINT"]
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
    return {"mw_start": np.array(mw_s, dtype=float), "mw_end": np.array(mw_e, dtype=float),
            "mw_first": np.array(mw_first, dtype=np.int64),
            "mw_count": np.array(mw_count, dtype=np.int64)}


def _lot_arrays(machines: list[str], o_ids: list, n_steps: int, clock: WorkingClock,
                schedule: pd.DataFrame | None, shift: float,
                timing: str) -> dict[str, np.ndarray]:
    """The replayed schedule's lots: planned machine, position and earliest start (fields
    of SimInputs); ``shift`` is the schedule's t0 after the simulation's [h]."""
    lot_m = np.full((len(o_ids), n_steps), -1, dtype=np.int64)
    lot_pos = np.zeros((len(o_ids), n_steps), dtype=np.int64)
    lot_t = np.zeros((len(o_ids), n_steps))
    if schedule is not None:
        ops = schedule[schedule["order"] != "MAINT"].copy()
        ops = ops[ops["order"].isin(o_ids)]
        setup_col = ops["setup"].to_numpy(float) if "setup" in ops else 0.0
        # the setup runs just before the planned start on the working clock (a setup
        # that began before a shift break resumes after it, as in the plan)
        start_w = clock.to_working(np.clip(ops["start"].to_numpy(float) + shift, 0, None))
        ops["t"] = np.clip(start_w - setup_col, 0, None)
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
    return {"lot_m": lot_m, "lot_pos": lot_pos, "lot_t": lot_t}
