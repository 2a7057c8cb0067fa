"""Production scheduling: who makes what, where, when.

``solve_schedule(problem, objective="tardiness")`` returns a :class:`Schedule`: the
dispatching heuristic builds a plan in a blink (warm start, upper bound, fallback), the
Pyomo model (:mod:`twinbench.optimize.schedule.model`) improves it with HiGHS (or any Pyomo
solver by name) within the time limit, the independent checker validates the result, and
the sequence found is re-solved as an LP to name the binding constraints and their shadow
prices. Large instances are solved window by window (rolling horizon). When no plan
exists, :class:`~twinbench.optimize.diagnose.Infeasible` names the conflicting
constraints in the plant's terms.

>>> from twinbench.optimize.schedule.jobshop import load_jobshop
>>> solve_jobshop(load_jobshop("ft06"), time_limit=60).makespan
55.0
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.schedule.binding import binding_constraints
from twinbench.optimize.schedule.check import (
    MAINT,
    check_schedule,
    objective_value,
    schedule_kpis,
)
from twinbench.optimize.schedule.diagnose import diagnose_schedule
from twinbench.optimize.schedule.dispatch import dispatch, heuristic_schedule
from twinbench.optimize.schedule.jobshop import JobShop, problem_from_jobshop
from twinbench.optimize.schedule.model import (
    ModelIndex,
    build_model,
    makespan_lower_bound,
    time_windows,
    warm_start,
)
from twinbench.optimize.schedule.model_resources import slots_restrict
from twinbench.optimize.schedule.problem import ScheduleProblem
from twinbench.optimize.schedule.resources import crews_left, free_times
from twinbench.optimize.schedule.search import improve, retime
from twinbench.optimize.solvers import DEFAULT_SOLVER, solve_model

__all__ = ["OBJECTIVES", "Schedule", "binding_constraints", "build_jobshop_model",
           "solve_jobshop", "solve_schedule"]

#: objective name -> weights of makespan [1/h], weighted tardiness [1/h], weighted flow
#: time (sum of weighted completion times) [1/h] and energy cost [1/EUR]. The small flow
#: weight finishes every order as early as it can, which keeps slack against the
#: disturbances the plan does not model (failures, full buffers).
OBJECTIVES: dict[str, dict[str, float]] = {
    "makespan": {"makespan": 1.0},
    "tardiness": {"tardiness": 1.0, "flow": 0.01},
    "flow": {"flow": 1.0},
    "cost": {"cost": 1.0, "flow": 0.001},
    "balanced": {"tardiness": 1.0, "cost": 0.05, "flow": 0.01},
}
WEIGHT_KEYS = ("makespan", "tardiness", "flow", "cost")
#: annealing moves per operation and restart (at most 200,000) before the MIP, and of
#: ``method="anneal"``
ANNEAL_MOVES_PER_OP = 400


@dataclass
class Schedule:
    """A production schedule and how it was found.

    Attributes
    ----------
    table
        One row per operation and maintenance task: ``job`` (``MAINT`` for maintenance),
        ``op``, ``step``, ``station``, ``machine``, ``start``, ``end`` [h, working clock],
        ``setup`` [h] before ``start``, and ``start_time``/``end_time`` (wall clock) when
        the problem has a calendar.
    kpis
        :func:`~twinbench.optimize.schedule.check.schedule_kpis` of the plan.
    objective
        Objective value of the plan (weights below).
    weights
        Objective weights (``makespan``, ``tardiness``, ``cost``).
    status
        ``optimal``, ``maxTimeLimit`` (best found, see ``gap``), ``heuristic`` (the
        solver found nothing better or nothing at all: the dispatching plan).
    lower_bound, gap
        Best bound on the objective and relative gap [1] (NaN when unknown).
    method
        ``mip``, ``rolling`` (window by window) or ``heuristic``.
    binding
        Binding constraints of the sequence found, with shadow prices [objective per h]:
        ``constraint``, ``kind``, ``shadow_price``.
    seconds
        Wall time [s].
    problem
        The problem solved.
    options
        Solver, time limit, options, seed, windows (and how many were ``revised``), the
        ``stage`` that produced the plan, where the bound comes from (``bound_source``,
        ``bound_note``) and the input hash (for the run record).
    """

    table: pd.DataFrame
    kpis: dict[str, float]
    objective: float
    weights: dict[str, float]
    status: str
    lower_bound: float
    gap: float
    method: str
    binding: pd.DataFrame
    seconds: float
    problem: ScheduleProblem
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        """Which stage produced the plan: ``dispatch`` (the dispatching rules),
        ``annealer`` (simulated annealing), ``mip`` (the solver), or several joined by
        ``+`` (rolling-horizon windows)."""
        return str(self.options.get("stage", "?"))

    @property
    def makespan(self) -> float:
        """Completion of the last item [h]."""
        return self.kpis["makespan"]

    def violations(self) -> list[str]:
        """What the independent checker finds wrong (empty: feasible)."""
        return check_schedule(self.problem, self.table)

    def for_simulation(self) -> pd.DataFrame:
        """The plan as the simulation replays it: ``order, step, machine, start, end,
        setup`` with ``start``/``end`` in wall-clock hours from ``attrs["t0"]``."""
        if self.problem.t0 is None:
            raise ValueError("this schedule has no calendar (t0): nothing to replay")
        t0 = self.problem.t0
        out = pd.DataFrame({
            "order": self.table["job"].to_numpy(),
            "step": self.table["step"].to_numpy(),
            "machine": self.table["machine"].to_numpy(),
            "start": (self.table["start_time"] - t0) / pd.Timedelta(hours=1),
            "end": (self.table["end_time"] - t0) / pd.Timedelta(hours=1),
            "setup": self.table["setup"].to_numpy()})
        out.attrs["t0"] = str(t0)
        return out


def _weights(objective: str | Mapping[str, float]) -> dict[str, float]:
    """The weights of a named objective (:data:`OBJECTIVES`) or of a checked mapping."""
    if isinstance(objective, str):
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {objective!r}; allowed: {sorted(OBJECTIVES)!r}"
                             " or a mapping of weights")
        return dict(OBJECTIVES[objective])
    bad = sorted(set(objective) - set(WEIGHT_KEYS))
    if bad or not objective or any(v < 0 for v in objective.values()):
        raise ValueError(f"objective weights must be non-negative numbers for "
                         f"{WEIGHT_KEYS!r}; found {dict(objective)!r}")
    return {k: float(v) for k, v in objective.items()}


def _finish_table(problem: ScheduleProblem, table: pd.DataFrame) -> pd.DataFrame:
    """Sorted table with station, the setup before each operation and wall times."""
    t = table.copy()
    is_op = t["job"] != MAINT
    st = problem.ops["station"] if "station" in problem.ops else pd.Series(
        "", index=problem.ops.index)
    t["station"] = [st.iat[int(o)] if op else "" for o, op in zip(t["op"], is_op, strict=True)]
    fam = problem.family_of_op()
    t = t.sort_values(["machine", "start", "end"], ignore_index=True)
    setup = np.zeros(len(t))
    for _m, idx in t.groupby("machine").groups.items():
        prev = problem.initial_family.get(_m)
        for i in idx:
            if t.at[i, "job"] == MAINT:
                continue
            f = fam[int(t.at[i, "op"])]
            setup[i] = problem.setup_time(_m, prev, f)
            prev = f
    t["setup"] = setup
    if problem.t0 is not None:
        t["start_time"] = problem.to_wall(t["start"].to_numpy(float)).round("s")
        t["end_time"] = problem.to_wall(t["end"].to_numpy(float)).round("s")
    cols = ["job", "op", "step", "station", "machine", "start", "end", "setup"]
    return t[cols + [c for c in t.columns if c not in cols]]


def _extract(m: pyo.ConcreteModel, idx: ModelIndex, problem: ScheduleProblem) -> pd.DataFrame:
    """The solved model's plan as a schedule table (starts rounded to 1e-5 h)."""
    rows = []
    for i in m.I:
        modes = idx.item_modes[i]
        if len(modes) == 1:
            mc = next(iter(modes))
        else:
            mc = max(modes, key=lambda c: pyo.value(m.x[i, c]))
        s = float(pyo.value(m.s[i]))
        s = round(s, 5)
        if i < idx.n_ops:
            rows.append((problem.ops["job"].iat[i], i, int(problem.ops["step"].iat[i]), mc, s,
                         s + modes[mc]))
        else:
            rows.append((MAINT, idx.tasks[i - idx.n_ops], -1, mc, s, s + modes[mc]))
    return pd.DataFrame(rows, columns=["job", "op", "step", "machine", "start", "end"])


def _input_hash(problem: ScheduleProblem) -> str:
    """A short hash of everything the problem holds (for the run record)."""
    h = hashlib.sha256()
    for df in (problem.jobs, problem.ops, problem.modes, problem.blocks, problem.maintenance,
               problem.tariff):
        h.update(pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes())
    h.update(repr(sorted((m, sorted(v.items())) for m, v in problem.setup.items())).encode())
    h.update(repr(sorted(problem.initial_family.items(), key=str)).encode())
    h.update(repr(sorted(problem.machine_ready.items())).encode())
    if problem.crews or problem.buffers:  # as before for plants without them
        h.update(repr((sorted(problem.crews.items()), sorted(problem.crew_size.items()),
                       sorted(problem.buffers.items()))).encode())
        h.update(pd.util.hash_pandas_object(problem.crew_shifts.astype(str),
                                            index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


class _WindowFailed(RuntimeError):
    """A rolling-horizon window found no plan (not diagnosed: the caller revises)."""


def _diagnosis_limit(time_limit: float | None) -> float:
    """Wall-time limit of a diagnosis [s]: the solve's own limit, at least 10 s, else
    120 s."""
    return 120.0 if time_limit is None else max(10.0, float(time_limit))


def _no_plan(problem: ScheduleProblem, solver: str, why: str,
             time_limit: float | None = None, diagnose: bool = True) -> Exception:
    """The error to raise when no plan was found: :class:`Infeasible` naming the conflict
    when the diagnosis proves there is none, otherwise a ``RuntimeError`` saying the model
    is feasible (or undecided) and what to do. Without ``diagnose`` (a rolling-horizon
    window, which the caller revises) a :class:`_WindowFailed` at once."""
    if not diagnose:
        return _WindowFailed(why)
    d = diagnose_schedule(problem, solver, _diagnosis_limit(time_limit))
    if d.status in ("infeasible", "partial"):
        return Infeasible(d.groups, status=d.status)
    return RuntimeError(f"{why}; the diagnosis finds the model {d}: raise the time limit "
                        "or use method='mip'")


def _solve_mip(problem: ScheduleProblem, weights: dict[str, float], solver: str,
               time_limit: float | None, options: Mapping[str, object] | None, seed: int,
               diagnose: bool = True) -> tuple[pd.DataFrame, str, float, float, str]:
    """Heuristic, then the MIP from it, all within ``time_limit``. Returns (table, status,
    bound, gap, stage): the stage that produced the plan returned, ``dispatch``,
    ``annealer`` or ``mip``. Without ``diagnose`` a failure raises :class:`_WindowFailed`
    without diagnosing the model."""
    tic = time.perf_counter()
    heur = heuristic_schedule(problem, weights, seed=seed)
    stage = "dispatch"
    if heur is not None:
        first = heur
        makespan_only = set(weights) == {"makespan"}
        budget = None if time_limit is None else (0.4 if makespan_only else 0.15) * time_limit
        iters = (min(1_000_000, 20_000 * problem.n_ops) if makespan_only
                 else min(200_000, ANNEAL_MOVES_PER_OP * problem.n_ops))
        target = makespan_lower_bound(problem) * weights["makespan"] if makespan_only else None
        heur = improve(problem, heur, weights, seed=seed, time_budget=budget, iterations=iters,
                       target=target)
        if heur is not first:
            stage = "annealer"
    if heur is not None and check_schedule(problem, heur):
        heur = None  # violates a hard deadline: not a valid plan
    ub = None
    if heur is not None and set(weights) == {"makespan"}:
        ub = float(heur["end"].max())
    m, idx = build_model(problem, weights, time_windows(problem, ub))
    if heur is not None:
        warm_start(m, idx, problem, heur)
    opts = dict(options or {})
    if solver.endswith("highs"):
        opts.setdefault("random_seed", seed)
    left = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - tic))
    out = solve_model(m, solver, left, opts, warmstart=heur is not None)
    if out.status in ("infeasible", "infeasibleOrUnbounded") and heur is not None:
        # a checked plan exists, so the model is stricter than the plant (setups that break
        # the triangle inequality): keep the plan, claim no bound
        return heur, "heuristic", math.nan, math.nan, stage
    if out.status in ("infeasible", "infeasibleOrUnbounded"):
        raise _no_plan(problem, solver, f"the solver {solver!r} reports the windowed model "
                       "infeasible", time_limit, diagnose)
    h_val = (objective_value(schedule_kpis(problem, heur), weights) if heur is not None
             else math.inf)
    table, status = None, out.status
    heur_stage = stage
    stage = "mip"
    if out.has_solution:
        table = _extract(m, idx, problem)
        bad = check_schedule(problem, table, tol=1e-4)
        if bad and (problem.crews or problem.buffers):
            # the model relaxes the setup part of a crew's work (model_resources): the
            # decoder re-times the MIP's machine orders exactly
            table = retime(problem, table)
            bad = table is None or check_schedule(problem, table, tol=1e-4)
        if bad:  # numerical trouble: trust only what the checker accepts
            table = None
    if table is not None and objective_value(schedule_kpis(problem, table),
                                             weights) > h_val - 1e-6 * max(1.0, abs(h_val)):
        # not better than the warm start (beyond rounding): the plan is the earlier stage's
        # (the MIP may still have proven it optimal, or bounded it); no warm start (inf):
        # the comparison is False and the MIP's plan is kept
        table = None
    if table is None:
        if heur is None:
            raise RuntimeError(f"the solver {solver!r} stopped ({out.status}) without a plan "
                               "and the dispatching heuristic could not place the maintenance "
                               "or meet the hard deadlines: raise the time limit")
        table, status = heur, "heuristic" if out.status != "optimal" else "optimal"
        stage = heur_stage
    lb = out.lower_bound if math.isfinite(out.lower_bound) else math.nan
    return table, status, lb, out.gap, stage


def _window_problem(problem: ScheduleProblem, jobs: list[str], done: pd.DataFrame,
                    with_maintenance: bool) -> tuple[ScheduleProblem, np.ndarray]:
    """The sub-problem of ``jobs``, after the plan ``done`` of earlier windows."""
    keep = np.flatnonzero(problem.ops["job"].isin(jobs).to_numpy())
    remap = {int(o): k for k, o in enumerate(keep)}
    ops = problem.ops.iloc[keep].reset_index(drop=True)
    modes = problem.modes[problem.modes["op"].isin(keep)].copy()
    modes["op"] = modes["op"].map(remap)
    ready = dict(problem.machine_ready)
    fam = dict(problem.initial_family)
    blocks = [problem.blocks]
    famop = problem.family_of_op()
    crew_shifts = problem.crew_shifts
    if len(done):
        ops_done = done[done["job"] != MAINT]
        start = np.full(problem.n_ops, np.nan)
        end = np.full(problem.n_ops, np.nan)
        start[ops_done["op"].astype(int)] = ops_done["start"].to_numpy(float)
        end[ops_done["op"].astype(int)] = ops_done["end"].to_numpy(float)
        free = free_times(problem, start, end)  # a full buffer may hold a machine longer
        for mc, g in done.groupby("machine"):
            w = g[g["job"] != MAINT]
            if len(w):
                last = w.loc[w["end"].idxmax()]
                ready[mc] = max(ready.get(mc, 0.0), float(last["end"]),
                                float(np.nanmax(free[w["op"].astype(int).to_numpy()])))
                fam[mc] = famop[int(last["op"])]
        crew_shifts = crews_left(problem, done)
        mt = done[done["job"] == MAINT]
        blocks.append(pd.DataFrame({"machine": mt["machine"], "start": mt["start"],
                                    "end": mt["end"],
                                    "reason": "maintenance " + mt["op"].astype(str)}))
    sub = ScheduleProblem(
        problem.jobs.loc[jobs], ops, modes.reset_index(drop=True), problem.machines,
        problem.setup, fam, pd.concat([b for b in blocks if len(b)] or [problem.blocks],
                                      ignore_index=True),
        problem.maintenance if with_maintenance else problem.maintenance.iloc[:0],
        problem.tariff, problem.horizon, problem.t0, problem.calendar_spec, problem.name,
        ready, crews=problem.crews, crew_size=problem.crew_size, crew_shifts=crew_shifts,
        buffers=problem.buffers)
    return sub, keep


def _rolling(problem: ScheduleProblem, weights: dict[str, float], solver: str,
             time_limit: float | None, options: Mapping[str, object] | None, seed: int,
             window_ops: int,
             ) -> tuple[pd.DataFrame, str, int, dict[str, int]]:
    """Windows of jobs in order of release then due date, each scheduled after the ones
    before it (their plan fixed). When the plan fixed so far leaves a window no plan (a
    hard deadline, a maintenance window), the window before it is revised together with it,
    back to the first window if need be: a problem that has a plan never ends infeasible
    because of how it was cut. Returns the plan, its status, the number of windows and
    ``{"revised": windows merged}``."""
    order = problem.jobs.sort_values(["release", "due"]).index.tolist()
    per_job = problem.ops["job"].value_counts()
    windows, cur, size = [], [], 0
    for j in order:
        cur.append(j)
        size += int(per_job.get(j, 0))
        if size >= window_ops:
            windows.append(cur)
            cur, size = [], 0
    if cur:
        windows.append(cur)
    tic = time.perf_counter()
    # windows get what is left, shared among the windows still to come; a quarter of
    # the limit is kept for improving the whole plan at the end
    polish = None if time_limit is None else 0.25 * time_limit
    empty = pd.DataFrame(columns=["job", "op", "step", "machine", "start", "end"])
    plans: list[pd.DataFrame] = []  # the plan of each window solved so far
    statuses: list[str] = []
    stages: list[str] = []
    revised = 0
    k = 0
    while k < len(windows):
        jobs = windows[k]
        done = pd.concat(plans, ignore_index=True) if plans else empty
        sub, keep = _window_problem(problem, jobs, done, with_maintenance=k == 0)
        limit = None
        if time_limit is not None:
            left = time_limit - polish - (time.perf_counter() - tic)
            limit = max(1.0, left / (len(windows) - k))
        try:
            # only the first window is diagnosed: a later one is revised instead
            table, status, _, _, stage = _solve_mip(sub, weights, solver, limit, options,
                                                    seed, diagnose=k == 0)
        except (Infeasible, RuntimeError):
            if k == 0:
                raise  # the first window alone has no plan: neither has the whole problem
            # what earlier windows fixed leaves this one no plan: revise the window before
            # it together with this one (down to the whole problem, which is diagnosed
            # as a whole when it too has no plan)
            windows[k - 1:k + 1] = [windows[k - 1] + jobs]
            plans.pop()
            statuses.pop()
            stages.pop()
            revised += 1
            k -= 1
            continue
        is_op = table["job"] != MAINT
        table.loc[is_op, "op"] = [int(keep[int(o)]) for o in table.loc[is_op, "op"]]
        plans.append(table)
        statuses.append(status)
        stages.append(stage)
        k += 1
    done = pd.concat(plans, ignore_index=True)
    revisions: dict[str, Any] = {"revised": revised, "stage": "+".join(sorted(set(stages)))}
    if len(windows) == 1:
        return done, statuses[0], 1, revisions
    # a window cannot move what earlier windows fixed: anneal the whole plan, and keep
    # the whole-problem dispatching plan if it is better still
    budget = None if time_limit is None else max(0.5, time_limit - (time.perf_counter() - tic))
    whole = improve(problem, done.reset_index(drop=True), weights, seed=seed,
                    time_budget=budget / 2 if budget else None,
                    iterations=min(200_000, 400 * problem.n_ops))
    best = min((t for t in (done, whole) if not check_schedule(problem, t, tol=1e-4)),
               key=lambda t: objective_value(schedule_kpis(problem, t), weights))
    if best is whole and whole is not done:
        revisions["stage"] = "annealer"
    heur = heuristic_schedule(problem, weights, seed=seed)
    if heur is not None:
        heur = improve(problem, heur, weights, seed=seed,
                       time_budget=budget / 2 if budget else None,
                       iterations=min(200_000, 400 * problem.n_ops))
        if (not check_schedule(problem, heur, tol=1e-4)
                and objective_value(schedule_kpis(problem, heur), weights)
                < objective_value(schedule_kpis(problem, best), weights)):
            best = heur
            revisions["stage"] = "annealer"
    # each window may be optimal, the whole plan is only known to be feasible
    status = "maxTimeLimit" if any(s == "maxTimeLimit" for s in statuses) else "feasible"
    return best, status, len(windows), revisions


def solve_schedule(problem: ScheduleProblem, objective: str | Mapping[str, float] = "tardiness",
                   *, solver: str = DEFAULT_SOLVER, time_limit: float | None = 60.0,
                   options: Mapping[str, object] | None = None, method: str = "auto",
                   window_ops: int = 80, exact_ops: int = 160, seed: int = 0,
                   duals: bool = True) -> Schedule:
    """Schedule ``problem``.

    Parameters
    ----------
    objective
        ``makespan``, ``tardiness`` (weighted), ``flow`` (weighted completion times),
        ``cost`` (energy), ``balanced`` (see :data:`OBJECTIVES`), or weights
        ``{"makespan": .., "tardiness": .., "flow": .., "cost": ..}`` [per h, per h, per h,
        per EUR].
    solver, time_limit, options
        Any Pyomo solver by name (default HiGHS), its wall-time limit [s] (the best plan
        found is returned with its gap) and its own options.
    method
        ``mip`` (one model), ``rolling`` (windows of about ``window_ops`` operations),
        ``heuristic`` (dispatching only), ``anneal`` (dispatching, then
        :data:`ANNEAL_MOVES_PER_OP` annealing moves per operation and restart: no clock,
        so the plan depends on the inputs and the seed alone, on any machine and load) or
        ``auto`` (``mip`` up to ``exact_ops`` operations, ``rolling`` above).
    seed
        Seed of the heuristic's random restarts, the annealing and the solver. With a time
        limit, how far the search gets depends on the machine's speed; without one the
        result is a function of the inputs and the seed.
    duals
        Report binding constraints and shadow prices (one extra LP).

    Raises
    ------
    Infeasible
        No plan exists; names the conflicting constraints.
    """
    tic = time.perf_counter()
    weights = _weights(objective)
    methods = ("auto", "mip", "rolling", "heuristic", "anneal")
    if method not in methods:
        raise ValueError(f"unknown method {method!r}; allowed: {methods!r}")
    if method == "auto":
        method = "mip" if problem.n_ops <= exact_ops else "rolling"
    lb, gap = math.nan, math.nan
    binding = pd.DataFrame(columns=["constraint", "kind", "shadow_price"])
    info: dict[str, Any] = {}
    if method in ("heuristic", "anneal"):
        table = heuristic_schedule(problem, weights, seed=seed)
        first = table
        if table is not None and (method == "anneal" or check_schedule(problem, table)):
            # repairs deadlines first; 'anneal': a fixed number of moves, no clock
            table = improve(problem, table, weights, seed=seed,
                            iterations=min(200_000, ANNEAL_MOVES_PER_OP * problem.n_ops)
                            if method == "anneal" else 20000)
        if table is None or check_schedule(problem, table):
            # dispatching failed: the model itself decides (a plan may still exist)
            d = diagnose_schedule(problem, solver, _diagnosis_limit(time_limit))
            if d.status in ("infeasible", "partial"):
                raise Infeasible(d.groups, status=d.status)
            table, status, lb, gap, stage = _solve_mip(problem, weights, solver, time_limit,
                                                       options, seed)
            method = "mip"
        else:
            status, stage = "heuristic", "annealer" if table is not first else "dispatch"
    elif method == "mip":
        table, status, lb, gap, stage = _solve_mip(problem, weights, solver, time_limit,
                                                   options, seed)
    else:
        table, status, n_win, extra = _rolling(problem, weights, solver, time_limit, options,
                                               seed, window_ops)
        info["windows"] = n_win
        info.update(extra)
        stage = info.pop("stage")
    table = _finish_table(problem, table)
    bad = check_schedule(problem, table, tol=1e-4)
    if bad:
        raise RuntimeError("internal error: the plan fails the independent check:\n  - "
                           + "\n  - ".join(bad[:10]))
    if duals:
        binding = binding_constraints(problem, table, weights, solver)
    kpis = schedule_kpis(problem, table)
    obj = objective_value(kpis, weights)
    triangle = problem.setup_triangle_violations()
    strict = slots_restrict(problem)
    if strict and not triangle:
        lb, gap = math.nan, math.nan
        if status == "optimal":
            status = "feasible"
        info["bound_note"] = ("the MIP's bound is not valid: its operator slots keep an "
                              "operator through a shift change, stricter than the plant, "
                              f"for crew(s) {strict!r}")
    if triangle:
        # the pairwise model over-constrains such setups: its bound is no bound
        lb, gap = math.nan, math.nan
        if status == "optimal":
            status = "feasible"  # optimal for the over-constrained model only
        info["bound_note"] = ("the MIP's bound is not valid: the setup matrix breaks the "
                              f"triangle inequality ({triangle[0]}; {len(triangle)} in all)")
    info["bound_source"] = "mip" if math.isfinite(lb) else "none"
    if set(weights) == {"makespan"}:
        # machine and job loads without setups: valid whatever the setup matrix
        trivial = weights["makespan"] * makespan_lower_bound(problem)
        if not math.isfinite(lb) or trivial > lb:
            lb, info["bound_source"] = trivial, "machine and job loads"
    if math.isfinite(lb):
        gap = max(0.0, (obj - lb) / max(abs(obj), 1e-9))
    info["stage"] = stage
    import highspy
    import pyomo

    info.update({"solver": solver, "time_limit_s": time_limit, "options": dict(options or {}),
                 "seed": seed, "method": method, "objective": weights,
                 "input_hash": _input_hash(problem), "n_ops": problem.n_ops,
                 "versions": {"pyomo": pyomo.__version__, "highspy": getattr(
                     highspy, "__version__", "?")}})
    return Schedule(table, kpis, obj, weights, status, lb, gap, method, binding,
                    time.perf_counter() - tic, problem, info)


def solve_jobshop(inst: JobShop, time_limit: float = 60.0, solver: str = DEFAULT_SOLVER,
                  seed: int = 0) -> Schedule:
    """Minimise the makespan of a literature job shop
    (:class:`twinbench.optimize.schedule.jobshop.JobShop`) with the one-model MIP."""
    return solve_schedule(problem_from_jobshop(inst), "makespan", solver=solver,
                          time_limit=time_limit, method="mip", seed=seed, duals=False)


def build_jobshop_model(inst: JobShop, radius: float | None = None) -> pyo.ConcreteModel:
    """The Pyomo model of a job shop (makespan), without solving it; with ``radius`` [time
    units] each operation is kept within that distance of its start in the MWKR
    dispatching plan (a neighbourhood: pairs of operations whose windows cannot overlap
    need no ordering binary)."""
    problem = problem_from_jobshop(inst)
    around = dispatch(problem, "MWKR") if radius is not None else None
    ub = float(around["end"].max()) if around is not None else None
    m, _ = build_model(problem, {"makespan": 1.0}, time_windows(problem, ub, around, radius))
    return m
