"""What a schedule must satisfy: the scheduling problem in one structure.

A :class:`ScheduleProblem` is built from the plant (:func:`problem_from_plant`: line spec,
order book, the twin's remaining-useful-life forecast, downtime) or from a literature job
shop (:func:`twinbench.optimize.schedule.jobshop.problem_from_jobshop`). The optimizer,
the dispatching heuristic and the independent checker all read this one structure.

Time is on the *working clock* [h]: hours of shift time since ``t0`` (the simulation's
clock, :class:`twinbench.twin.simulation.WorkingClock`). Outside shifts the line stands
still; an operation that does not finish by the end of a shift resumes at the start of the
next one. Machine unavailability (breakdowns, planned stops) and maintenance are intervals
on that clock, and operations never overlap them.

Setups are sequence dependent by product family and *anticipatory*: a machine can set up
for its next operation while the part is still on its previous station, so an operation
``j`` after ``i`` on a machine starts at the earliest at ``end(i) + setup(family i ->
family j)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec

if TYPE_CHECKING:
    from twinbench.twin.simulation import WorkingClock

__all__ = [
    "ScheduleInputError",
    "ScheduleProblem",
    "maintenance_from_rul",
    "problem_from_plant",
]


class ScheduleInputError(ValueError):
    """The scheduling inputs are inconsistent (message says what, where and how to fix)."""


@dataclass
class ScheduleProblem:
    """A flexible job shop with setups, release and due dates, blocks and maintenance.

    Attributes
    ----------
    jobs
        One row per job (order), index = job id: ``release`` [h], ``due`` [h], ``weight``
        [1], ``family``, ``product``, ``quantity`` [units], optional ``deadline`` [h] (a
        hard latest completion; NaN for none) and ``transfers`` [1]: the lot moves to its
        next station in that many equal transfer batches (lot streaming; 1, the default,
        moves it whole). With ``n`` transfers, step ``k+1`` may start once the first
        ``1/n`` of step ``k`` is done, and ends at the earliest ``1/n`` of its own duration
        after step ``k`` ends.
    ops
        One row per operation, index 0..n-1 in job-then-step order: ``job``, ``step``
        (0-based position in the job's routing), ``station``.
    modes
        Eligible machines of each operation: ``op`` (row of ``ops``), ``machine``,
        ``duration`` [h], ``power`` [kW] while processing.
    machines
        Machine names.
    setup
        ``setup[machine][(family_from, family_to)]`` [h]; absent pairs take 0.
    initial_family
        Family each machine is set up for at the start (None: no setup for the first job).
    blocks
        Machine unavailability: ``machine, start, end`` [h], ``reason``.
    maintenance
        Maintenance to place: ``task, machine, duration`` [h], ``earliest``, ``deadline``
        [h] (the whole task inside ``[earliest, deadline]``), ``reason``.
    tariff
        Electricity price on the working clock: ``start, end`` [h], ``price`` [EUR/kWh];
        empty when energy is not priced.
    horizon
        Upper bound of every completion time [h].
    t0
        Wall-clock origin (None for abstract instances).
    calendar_spec
        The line whose calendar maps working to wall-clock time (None: identity).
    name
        A label.
    machine_ready
        Hour each machine becomes free (e.g. after work already committed) [h]; its first
        job starts after it plus the setup from ``initial_family``.
    crews
        ``{crew: machines}``: those machines set up and process only while one of the
        crew's operators attends them (:mod:`~twinbench.optimize.schedule.resources`).
    crew_size
        ``{crew: operators}`` on duty [person], except in ``crew_shifts``.
    crew_shifts
        ``crew, start, end`` [h], ``operators`` [person], ``shift``: intervals with fewer
        operators on duty than ``crew_size``.
    buffers
        ``{station: units}`` that can wait in front of the station (absent: unlimited); a
        full buffer holds the upstream machine (see
        :mod:`~twinbench.optimize.schedule.resources`).
    """

    jobs: pd.DataFrame
    ops: pd.DataFrame
    modes: pd.DataFrame
    machines: list[str]
    setup: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    initial_family: dict[str, str | None] = field(default_factory=dict)
    blocks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["machine", "start", "end", "reason"]))
    maintenance: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["task", "machine", "duration", "earliest", "deadline", "reason"]))
    tariff: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["start", "end", "price"]))
    horizon: float = 1e6
    t0: pd.Timestamp | None = None
    calendar_spec: LineSpec | None = None
    name: str = "schedule"
    machine_ready: dict[str, float] = field(default_factory=dict)
    crews: dict[str, list[str]] = field(default_factory=dict)
    crew_size: dict[str, int] = field(default_factory=dict)
    crew_shifts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["crew", "start", "end", "operators", "shift"]))
    buffers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate on construction."""
        self.validate()

    # -- derived views ------------------------------------------------------------------
    @property
    def n_ops(self) -> int:
        """Number of operations."""
        return len(self.ops)

    def family_of_op(self) -> np.ndarray:
        """Family of each operation's job."""
        return self.jobs.loc[self.ops["job"], "family"].to_numpy(dtype=object)

    def setup_time(self, machine: str, f_from: str | None, f_to: str | None) -> float:
        """Setup [h] on ``machine`` from family ``f_from`` to ``f_to`` (0 if either is None
        or they are equal)."""
        if f_from is None or f_to is None or f_from == f_to:
            return 0.0
        return float(self.setup.get(machine, {}).get((f_from, f_to), 0.0))

    def setup_triangle_violations(self, tol: float = 1e-9) -> list[str]:
        """Where the setup matrix breaks the triangle inequality the model relies on.

        The MIP orders every pair of operations on a machine, so ``j`` after ``i`` waits at
        least ``setup(i -> j)`` even when other operations run between them. That is exact
        when going through a family ``b`` is never quicker than changing over directly:
        ``setup(a, c) <= setup(a, b) + p_b + setup(b, c)`` with ``p_b`` the shortest
        operation of family ``b`` on the machine [h]. Where it fails the MIP's plans are
        still feasible, but its lower bound is not valid (and it may miss better plans).

        Returns
        -------
        list of str
            One line per machine and family triple that breaks it (empty: it holds).
        """
        out: list[str] = []
        fam = self.family_of_op()
        pmin: dict[tuple[str, str], float] = {}
        for o, mc, d in zip(self.modes["op"], self.modes["machine"], self.modes["duration"],
                            strict=True):
            key = (str(mc), str(fam[int(o)]))
            pmin[key] = min(pmin.get(key, np.inf), float(d))
        for mc, table in self.setup.items():
            fams = sorted({f for pair in table for f in pair})
            for a in fams:
                for c in fams:
                    if a == c:
                        continue
                    direct = self.setup_time(mc, a, c)
                    for b in fams:
                        if b in (a, c) or (mc, b) not in pmin:
                            continue
                        via = self.setup_time(mc, a, b) + pmin[mc, b] + self.setup_time(mc, b, c)
                        if direct > via + tol:
                            out.append(f"{mc}: setup {a}->{c} {direct:g} h exceeds {a}->{b} "
                                       f"+ shortest {b} operation + {b}->{c} = {via:g} h")
        return out

    def deadlines(self) -> pd.Series:
        """Hard latest completion of each job [h] (NaN: none)."""
        if "deadline" in self.jobs:
            return self.jobs["deadline"].astype(float)
        return pd.Series(np.nan, index=self.jobs.index)

    def transfer_share(self) -> np.ndarray:
        """Share of each operation's lot in one transfer batch, ``1 / transfers`` [1]."""
        if "transfers" not in self.jobs:
            return np.ones(self.n_ops)
        n = self.jobs.loc[self.ops["job"], "transfers"].to_numpy(float)
        return 1.0 / np.maximum(n, 1.0)

    def mode_table(self) -> dict[int, dict[str, float]]:
        """``{op: {machine: duration}}``."""
        out: dict[int, dict[str, float]] = {}
        for o, m, d in zip(self.modes["op"], self.modes["machine"], self.modes["duration"],
                           strict=True):
            out.setdefault(int(o), {})[str(m)] = float(d)
        return out

    def power_table(self) -> dict[tuple[int, str], float]:
        """``{(op, machine): power [kW]}``."""
        pw = self.modes["power"] if "power" in self.modes else np.zeros(len(self.modes))
        return {(int(o), str(m)): float(p) for o, m, p in
                zip(self.modes["op"], self.modes["machine"], pw, strict=True)}

    def next_op(self) -> np.ndarray:
        """Index of each operation's successor in its job (-1 for the last)."""
        nxt = np.full(self.n_ops, -1, dtype=np.int64)
        job = self.ops["job"].to_numpy()
        same = job[1:] == job[:-1]
        nxt[:-1][same] = np.arange(1, self.n_ops)[same]
        return nxt

    def energy_price(self, start: float, end: float) -> float:
        """Mean electricity price over ``[start, end]`` on the working clock [EUR/kWh]
        (0 when no tariff is given)."""
        if not len(self.tariff) or end <= start:
            if len(self.tariff):
                i = np.searchsorted(self.tariff["start"].to_numpy(), start, side="right") - 1
                return float(self.tariff["price"].iloc[max(i, 0)])
            return 0.0
        a = np.clip(self.tariff["start"].to_numpy(), start, end)
        b = np.clip(self.tariff["end"].to_numpy(), start, end)
        return float(np.sum((b - a) * self.tariff["price"].to_numpy()) / (end - start))

    def to_wall(self, work_h: np.ndarray | float) -> pd.DatetimeIndex | np.ndarray:
        """Working-clock hours as wall-clock timestamps (or the hours themselves when the
        problem has no calendar)."""
        if self.t0 is None:
            return np.asarray(work_h, dtype=float)
        if self.calendar_spec is None:
            return pd.DatetimeIndex(self.t0 + pd.to_timedelta(np.asarray(work_h), unit="h"))
        clock = self.clock()
        wall = clock.to_wall(np.asarray(work_h, dtype=float))
        return pd.DatetimeIndex(self.t0 + pd.to_timedelta(wall, unit="h"))

    def clock(self) -> WorkingClock:
        """The working clock of this problem (needs ``t0`` and ``calendar_spec``)."""
        from twinbench.twin.simulation import WorkingClock

        span = int(np.ceil(self.horizon * 3)) + 24 * 21
        return WorkingClock(self.calendar_spec, self.t0, span)

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`ScheduleInputError` listing every inconsistency found."""
        problems: list[str] = []
        need = {"jobs": (self.jobs, {"release", "due", "weight", "family"}),
                "ops": (self.ops, {"job", "step"}),
                "modes": (self.modes, {"op", "machine", "duration"}),
                "blocks": (self.blocks, {"machine", "start", "end"}),
                "maintenance": (self.maintenance, {"task", "machine", "duration", "earliest",
                                                   "deadline"}),
                "tariff": (self.tariff, {"start", "end", "price"})}
        for name, (df, cols) in need.items():
            missing = sorted(cols - set(df.columns))
            if missing:
                problems.append(f"{name} lacks column(s) {missing!r}")
        if problems:
            raise ScheduleInputError("; ".join(problems))
        unknown_jobs = sorted(set(self.ops["job"]) - set(self.jobs.index))
        if unknown_jobs:
            problems.append(f"operations name unknown job(s) {unknown_jobs[:5]!r}")
        machines = set(self.machines)
        for name, df in (("modes", self.modes), ("blocks", self.blocks),
                         ("maintenance", self.maintenance)):
            bad = sorted(set(df["machine"]) - machines)
            if bad:
                problems.append(f"{name} name unknown machine(s) {bad[:5]!r}; allowed: "
                                f"{sorted(machines)!r}")
        no_mode = sorted(set(range(self.n_ops)) - set(self.modes["op"].astype(int)))
        if no_mode:
            ops = [f"{self.ops['job'].iat[i]} step {self.ops['step'].iat[i]}" for i in no_mode[:5]]
            problems.append(f"operation(s) {ops!r} have no eligible machine: give each at least "
                            "one row in modes")
        if (self.modes["duration"] < 0).any():
            problems.append("modes has negative durations [h]")
        if len(self.blocks) and (self.blocks["end"] < self.blocks["start"]).any():
            problems.append("blocks has an end before its start")
        if not self.ops.index.equals(pd.RangeIndex(self.n_ops)):
            problems.append("ops must be indexed 0..n-1 (use reset_index(drop=True))")
        elif self.n_ops:
            job, step = self.ops["job"].to_numpy(), self.ops["step"].to_numpy()
            same = job[1:] == job[:-1]
            if (same & (step[1:] <= step[:-1])).any() or len(set(job)) != 1 + int(
                    (~same).sum()):
                problems.append("ops must list each job's operations together, in "
                                "increasing step")
        problems += self._resource_problems()
        if problems:
            raise ScheduleInputError("inconsistent scheduling inputs:\n  - "
                                     + "\n  - ".join(problems))


    def _resource_problems(self) -> list[str]:
        """What is wrong with the crews and buffers."""
        out: list[str] = []
        seen: dict[str, str] = {}
        for c, mcs in self.crews.items():
            if c not in self.crew_size or self.crew_size[c] < 0:
                out.append(f"crew {c!r} has no operator count in crew_size")
            for mc in mcs:
                if mc not in self.machines:
                    out.append(f"crew {c!r} names unknown machine {mc!r}")
                elif mc in seen:
                    out.append(f"machine {mc!r} is in crews {seen[mc]!r} and {c!r}")
                seen[mc] = c
        if len(self.crew_shifts):
            bad = sorted(set(self.crew_shifts["crew"]) - set(self.crews))
            if bad:
                out.append(f"crew_shifts name unknown crew(s) {bad[:5]!r}")
            big = [r.crew for r in self.crew_shifts.itertuples(index=False)
                   if r.crew in self.crew_size and r.operators > self.crew_size[r.crew]]
            if big:
                out.append(f"crew_shifts give crew(s) {sorted(set(big))!r} more operators "
                           "than crew_size")
        if self.buffers and ("station" not in self.ops or "quantity" not in self.jobs):
            out.append("finite buffers need ops['station'] and jobs['quantity']")
        if any(v < 0 for v in self.buffers.values()):
            out.append("buffers must hold 0 units or more")
        return out


def maintenance_from_rul(spec: LineSpec, wear: xr.Dataset, quantile: float = 0.1, *,
                         allow_unconverged: bool = False) -> pd.DataFrame:
    """Maintenance due dates from the twin's remaining-useful-life forecast.

    Refuses a forecast from a twin whose calibration did not converge (or one that carries
    no convergence flag) unless ``allow_unconverged`` is set; the table's ``attrs`` carry
    the flag (``twin_converged``, ``twin_convergence_problems``) either way.

    Parameters
    ----------
    wear
        The grey-box wear forecast (:func:`twinbench.twin.greybox.greybox_forecast`):
        ``rul`` (machine, path) [d] from the end of ``attrs["origin_day"]``.
    quantile
        The failure-risk threshold: maintenance is due when the probability that the
        machine has reached its wear limit reaches ``quantile`` [1].
    allow_unconverged
        Plan from an unconverged twin knowingly (the result still carries the flag).

    Returns
    -------
    DataFrame ``machine, due`` (wall clock), ``duration`` [h] (the machine type's),
    ``reason``; machines whose quantile lies beyond the forecast are left out.

    Raises
    ------
    UnconvergedTwinError
        The twin did not converge and ``allow_unconverged`` is False.
    """
    from twinbench.twin.validity import require_converged

    if not 0 < quantile < 1:
        raise ScheduleInputError(f"quantile must be in (0, 1), found {quantile!r}")
    ok = require_converged(wear, allow_unconverged, "plan maintenance from the twin's RUL")
    origin = pd.Timestamp(wear.attrs["origin_day"]) + pd.Timedelta(days=1)
    rows = []
    for m in wear["machine"].values:
        m = str(m)
        if m not in spec.machines:
            raise ScheduleInputError(f"the RUL forecast names unknown machine {m!r}; "
                                     f"allowed: {spec.machines!r}")
        q = float(np.quantile(wear["rul"].sel(machine=m).values, quantile,
                              method="inverted_cdf"))
        if np.isfinite(q):
            rows.append((m, origin + pd.Timedelta(days=q),
                         spec.physics_of(m).maintenance_duration,
                         f"{quantile:.0%} risk of reaching the wear limit by then"))
    out = pd.DataFrame(rows, columns=["machine", "due", "duration", "reason"])
    out.attrs.update(twin_converged=int(ok), twin_convergence_problems=str(
        wear.attrs.get("twin_convergence_problems", "" if ok else "no convergence flag")))
    return out


def problem_from_plant(spec: LineSpec, orders: pd.DataFrame, *,
                       t0: pd.Timestamp | str | None = None, horizon: float | None = None,
                       maintenance: pd.DataFrame | None = None,
                       downtime: pd.DataFrame | None = None,
                       failure_rate: dict[str, float] | None = None,
                       initial_family: dict[str, str | None] | None = None,
                       name: str = "plant", buffers: bool = True) -> ScheduleProblem:
    """The plant's scheduling problem for an order book.

    Each order is one job: a lot of ``quantity`` units routed through its product's
    stations; at a station the lot runs on one of the station's parallel machines for
    ``quantity x mean unit time`` [h]. Units flow on one by one (the line's conveyors), so
    consecutive steps of a lot overlap (``transfers = quantity``, see
    :class:`ScheduleProblem`). Crews (operators per shift) and the finite buffers are
    modelled as :mod:`~twinbench.optimize.schedule.resources` states. Releases, dues and
    downtime are converted to the working clock from ``t0``.

    Parameters
    ----------
    orders
        ``order_id, product, quantity, release, due`` and optional ``weight`` and
        ``deadline`` (a hard latest completion, wall clock; empty for none).
    t0
        Origin of the working clock (default: midnight of the first release).
    horizon
        Wall-clock hours the schedule may use (default: up to two weeks past the last due).
    maintenance
        Maintenance to place: ``machine, due`` (wall clock, the task ends by then) and
        optional ``duration`` [h] (default: the machine type's), ``earliest`` (wall
        clock) and ``reason``; e.g. :func:`maintenance_from_rul`. Tasks due after the
        horizon are left for a later plan.
    downtime
        Machine unavailability ``machine, start, end`` (wall clock) with optional
        ``reason``.
    failure_rate
        Failures per busy hour by machine [1/h] (e.g.
        :func:`twinbench.twin.simulation.failure_rates` from the twin): each duration is
        planned with the expected repair time it will suffer, ``(1 + rate x mean repair)``
        times the processing time, so the plan holds in the twin on average.
    initial_family
        Family each machine is set up for at ``t0``.
    buffers
        Model the line's finite buffers (a full buffer holds the upstream machine; the
        default). ``False`` plans as if every buffer were unlimited: such a plan can be
        one the line cannot run (the checker of the problem with buffers says where).
    """
    from twinbench.twin.simulation import WorkingClock

    missing = {"order_id", "product", "quantity", "release", "due"} - set(orders.columns)
    if missing:
        raise ScheduleInputError(f"orders lack column(s) {sorted(missing)!r}; expected "
                                 "order_id, product, quantity, release, due")
    bad = sorted(set(orders["product"]) - set(spec.product_map))
    if bad:
        raise ScheduleInputError(f"unknown product(s) {bad!r} in orders; allowed: "
                                 f"{sorted(spec.product_map)!r}")
    if not len(orders):
        raise ScheduleInputError("the order book is empty: nothing to schedule")
    orders = orders.copy()
    orders["release"] = pd.to_datetime(orders["release"])
    orders["due"] = pd.to_datetime(orders["due"])
    if "deadline" in orders:
        orders["deadline"] = pd.to_datetime(orders["deadline"])
    t0 = pd.Timestamp(t0) if t0 is not None else orders["release"].min().normalize()
    if horizon is None:
        horizon = float((orders["due"].max() - t0) / pd.Timedelta(hours=1)) + 24 * 14
    clock = WorkingClock(spec, t0, int(np.ceil(horizon)) + 24 * 21)

    def work(ts: pd.Series | pd.Timestamp | np.ndarray) -> np.ndarray:
        """Wall-clock times as working-clock hours from ``t0`` [h]."""
        wall = np.asarray((pd.to_datetime(ts) - t0) / pd.Timedelta(hours=1), dtype=float)
        return clock.to_working(np.clip(wall, 0, None))

    fam = {p.name: p.family for p in spec.products}
    jobs = pd.DataFrame({
        "release": work(orders["release"]), "due": work(orders["due"]),
        "weight": orders["weight"].to_numpy(float) if "weight" in orders else 1.0,
        "family": [fam[p] for p in orders["product"]],
        "product": orders["product"].to_numpy(), "quantity": orders["quantity"].to_numpy(int),
        "transfers": np.maximum(orders["quantity"].to_numpy(int), 1),
        "deadline": np.where(orders["deadline"].notna(), work(orders["deadline"].fillna(t0)),
                             np.nan) if "deadline" in orders else np.nan},
        index=pd.Index(orders["order_id"].astype(str), name="job"))
    if jobs.index.duplicated().any():
        dup = sorted(set(jobs.index[jobs.index.duplicated()]))
        raise ScheduleInputError(f"duplicate order_id(s) {dup[:5]!r}: ids must be unique")
    rows, modes = [], []
    for oid, prod, qty in zip(jobs.index, jobs["product"], jobs["quantity"], strict=True):
        for k, step in enumerate(spec.product_map[prod].routing):
            st = spec.station_map[step.station]
            for m in st.machine_ids:
                stretch = 1.0 + (failure_rate or {}).get(m, 0.0) * spec.physics_of(m).repair_mean
                modes.append((len(rows), m, float(qty) * step.time.mean * stretch,
                              st.busy_power))
            rows.append((oid, k, step.station))
    ops = pd.DataFrame(rows, columns=["job", "step", "station"])
    modes_df = pd.DataFrame(modes, columns=["op", "machine", "duration", "power"])
    families = sorted(set(fam.values()))
    setup = {}
    for st in spec.stations:
        table = {(a, b): st.setup_time(a, b) for a in families for b in families if a != b}
        for m in st.machine_ids:
            setup[m] = table
    H = float(clock.to_working(horizon))
    # downtime -> blocks
    blocks = pd.DataFrame(columns=["machine", "start", "end", "reason"])
    if downtime is not None and len(downtime):
        bad = sorted(set(downtime["machine"]) - set(spec.machines))
        if bad:
            raise ScheduleInputError(f"downtime names unknown machine(s) {bad!r}; allowed: "
                                     f"{spec.machines!r}")
        blocks = pd.DataFrame({
            "machine": downtime["machine"].to_numpy(), "start": work(downtime["start"]),
            "end": work(downtime["end"]),
            "reason": downtime["reason"].to_numpy() if "reason" in downtime else "downtime"})
        blocks = blocks[blocks["end"] > blocks["start"]].reset_index(drop=True)
    # maintenance due inside the horizon
    maint = []
    if maintenance is not None and len(maintenance):
        bad = sorted(set(maintenance["machine"]) - set(spec.machines))
        if bad:
            raise ScheduleInputError(f"maintenance names unknown machine(s) {bad!r}; allowed: "
                                     f"{spec.machines!r}")
        due = work(maintenance["due"])
        early = work(maintenance["earliest"]) if "earliest" in maintenance else np.zeros(
            len(maintenance))
        for k, r in enumerate(maintenance.itertuples(index=False)):
            dur = float(getattr(r, "duration", np.nan))
            if not np.isfinite(dur):
                dur = spec.physics_of(r.machine).maintenance_duration
            if due[k] < H:
                reason = str(getattr(r, "reason", "planned"))
                deadline = float(due[k])
                if deadline < early[k] + dur:  # overdue: as soon as possible
                    deadline = float(early[k]) + dur
                    reason += " (overdue: first thing)"
                maint.append((f"maint-{r.machine}", r.machine, dur, float(early[k]),
                              deadline, reason))
    maint_df = pd.DataFrame(maint, columns=["task", "machine", "duration", "earliest",
                                            "deadline", "reason"])
    # tariff on the working clock: hourly segments merged where the price is equal
    wall = np.arange(int(np.ceil(horizon)))
    on = clock.working[: len(wall)] > 0
    prices = np.array([spec.energy.price_at(t0 + pd.Timedelta(hours=int(h))) for h in wall[on]])
    starts = clock.to_working(wall[on].astype(float))
    seg = [0] + [i for i in range(1, len(prices)) if prices[i] != prices[i - 1]]
    tariff = pd.DataFrame({"start": starts[seg],
                           "end": np.append(starts[seg][1:], starts[-1] + 1 if len(starts)
                                            else 0.0),
                           "price": prices[seg]}) if len(prices) else pd.DataFrame(
        columns=["start", "end", "price"])
    from twinbench.optimize.schedule.resources import buffers_from_spec, crews_from_spec

    crews, size, shifts = crews_from_spec(spec, clock)
    return ScheduleProblem(jobs, ops, modes_df, list(spec.machines), setup,
                           dict(initial_family or {}), blocks, maint_df, tariff, H, t0,
                           spec, name, crews=crews, crew_size=size, crew_shifts=shifts,
                           buffers=buffers_from_spec(spec) if buffers else {})
