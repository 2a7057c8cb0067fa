"""Local search on machine sequences: a better warm start than dispatching alone.

Simulated annealing over the order of operations on each machine (swap two neighbours on
a machine) and over the choice of machine (move an operation to another eligible machine,
at the place its current start falls in that machine's order). Each candidate is timed
as the semi-active schedule it implies (releases, routing, setups, machine readiness,
blocks and placed maintenance, all as in the checker) by the one decoder
(:func:`twinbench.optimize.schedule.decode.decode`, following the machine orders); a cycle
(an order no schedule can follow) is rejected. Seeded and deterministic for a given number
of iterations.
"""

from __future__ import annotations

# Inside numba the annealer seeds numba's own generator (np.random.seed): Generator objects
# are not used in compiled code here.
# ruff: noqa: NPY002
import time
from collections.abc import Mapping

import numba as nb
import numpy as np
import pandas as pd

from twinbench.optimize.schedule.check import (
    DEADLINE_PENALTY,
    MAINT,
    deadline_excess,
    objective_value,
    schedule_kpis,
)
from twinbench.optimize.schedule.decode import (
    COLUMNS,
    SEQUENCE,
    Plan,
    Priority,
    Timing,
    decode,
    maintenance_of,
    new_plan,
    plan_rows,
    priority,
    timing,
)
from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["improve", "retime"]


@nb.njit(cache=True)
def _cost(end: np.ndarray, job_last: np.ndarray, due: np.ndarray, weight: np.ndarray,
          deadline: np.ndarray, w_mk: float, w_td: float, w_fl: float) -> float:
    """Weighted makespan, tardiness and flow time of the ends [h] of the jobs' last
    operations ``job_last`` (due dates [h] and weights [1] per job), plus
    :data:`DEADLINE_PENALTY` per hour past a hard ``deadline`` [h] (inf: none)."""
    mk = 0.0
    td = 0.0
    fl = 0.0
    late = 0.0
    for k in range(len(job_last)):
        e = end[job_last[k]]
        mk = max(mk, e)
        td += weight[k] * max(0.0, e - due[k])
        fl += weight[k] * e
        if e > deadline[k] + 1e-9:
            late += e - deadline[k]
    return w_mk * mk + w_td * td + w_fl * fl + DEADLINE_PENALTY * late


@nb.njit(cache=True)
def _before(mnext: np.ndarray, mfirst: np.ndarray, mc: int, o: int) -> int:
    """The operation just before ``o`` on machine ``mc`` (-1: ``o`` is the first)."""
    if mfirst[mc] == o:
        return -1
    a = mfirst[mc]
    while mnext[a] != o:
        a = mnext[a]
    return a


@nb.njit(cache=True)
def _moved(start: np.ndarray, assign: np.ndarray, s_ref: np.ndarray, m_ref: np.ndarray,
           tol: float) -> int:
    """Operations whose machine differs from ``m_ref`` or whose start [h] is more than
    ``tol`` [h] from ``s_ref`` (NaN, -1: no reference, never counted)."""
    k = 0
    for o in range(len(start)):
        if m_ref[o] < 0:
            continue
        if assign[o] != m_ref[o] or abs(start[o] - s_ref[o]) > tol:
            k += 1
    return k


@nb.njit(cache=True)
def _link(mnext: np.ndarray, mfirst: np.ndarray, mc: int, a: int, x: int) -> None:
    """Make ``x`` follow ``a`` on machine ``mc`` (``a`` -1: make ``x`` the first)."""
    if a >= 0:
        mnext[a] = x
    else:
        mfirst[mc] = x


@nb.njit(cache=True)
def _anneal(tm: Timing, plan: Plan, pr: Priority, job_last: np.ndarray, due: np.ndarray,
            weight: np.ndarray, deadline: np.ndarray, w_mk: float, w_td: float, w_fl: float,
            iters: int, t_start: float, seed: int, flex_ops: np.ndarray, it0: int,
            total: int, s_ref: np.ndarray, m_ref: np.ndarray, w_dev: float, tol: float,
            ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """One annealing run from ``plan``'s machine orders (changed in place; ``pr`` is the
    decoder's empty priority); the best cost found and its ``assign``, ``mnext`` and
    ``mfirst``."""
    np.random.seed(seed)
    # the arrays as locals: reading a tuple's member in the loop costs a reference count
    assign, mnext, mfirst, start, end = plan.assign, plan.mnext, plan.mfirst, plan.start, plan.end
    mprev, crit, dur = plan.mprev, plan.crit, tm.dur
    n = len(assign)
    M = len(mfirst)
    cand = np.empty(n, np.int64)
    # makespan only: swap neighbours on the critical path (the N1 neighbourhood)
    critical = w_mk > 0 and w_td == 0 and w_fl == 0 and not np.isfinite(deadline).any()
    decode(tm, plan, SEQUENCE, pr)
    cur = _cost(end, job_last, due, weight, deadline, w_mk, w_td, w_fl)
    if w_dev > 0:
        cur += w_dev * _moved(start, assign, s_ref, m_ref, tol)
    best = cur
    best_assign = assign.copy()
    best_mnext = mnext.copy()
    best_mfirst = mfirst.copy()
    a = b = p = q = x = m2 = mc = -1
    # a run may come in chunks: moves it0 .. it0 + iters of a cooling over ``total`` moves
    # (plan holds the current order between chunks)
    span = total if total > 0 else iters
    for it in range(iters):
        temp = t_start * (1.0 - (it0 + it) / span) + 1e-9
        if len(flex_ops) > 0 and np.random.random() < 0.3:
            # move an operation to another eligible machine, where its start falls
            o = flex_ops[np.random.randint(len(flex_ops))]
            mc = assign[o]
            ne = 0
            for k in range(M):
                if k != mc and dur[o, k] < np.inf:
                    ne += 1
            pick = np.random.randint(ne)
            m2 = -1
            for k in range(M):
                if k != mc and dur[o, k] < np.inf:
                    if pick == 0:
                        m2 = k
                        break
                    pick -= 1
            a = _before(mnext, mfirst, mc, o)
            b = mnext[o]
            _link(mnext, mfirst, mc, a, b)
            p = -1
            x = mfirst[m2]
            while x >= 0 and start[x] <= start[o]:
                p = x
                x = mnext[x]
            _link(mnext, mfirst, m2, p, o)
            mnext[o] = x
            assign[o] = m2
            moved = True
        else:
            moved = False
            if critical:
                x = int(np.argmax(end))
                nc = 0
                while x >= 0:
                    pc = crit[x]
                    if pc >= 0 and pc == mprev[x]:
                        cand[nc] = pc
                        nc += 1
                    x = pc
                if nc == 0:
                    break  # the critical path is one job: nothing shorter exists
                o = cand[np.random.randint(nc)]
            else:
                o = np.random.randint(n)
            q = mnext[o]
            if q < 0:
                continue
            # swap o and q on their machine: ... a -> o -> q -> b ...  into  a -> q -> o -> b
            mc = assign[o]
            a = _before(mnext, mfirst, mc, o)
            b = mnext[q]
            _link(mnext, mfirst, mc, a, q)
            mnext[q] = o
            mnext[o] = b
        ok = decode(tm, plan, SEQUENCE, pr)
        new = _cost(end, job_last, due, weight, deadline, w_mk, w_td, w_fl) if ok else np.inf
        if ok and w_dev > 0:
            new += w_dev * _moved(start, assign, s_ref, m_ref, tol)
        if ok and (new <= cur or np.random.random() < np.exp((cur - new) / temp)):
            cur = new
            if cur < best - 1e-9:
                best = cur
                best_assign[:] = assign
                best_mnext[:] = mnext
                best_mfirst[:] = mfirst
            continue
        # undo
        if moved:
            _link(mnext, mfirst, m2, p, x)
            _link(mnext, mfirst, mc, a, o)
            mnext[o] = b
            assign[o] = mc
        else:
            _link(mnext, mfirst, mc, a, o)
            mnext[o] = q
            mnext[q] = b
        if critical:  # the critical path of the kept order
            decode(tm, plan, SEQUENCE, pr)
    return best, best_assign, best_mnext, best_mfirst


def _orders(problem: ScheduleProblem, table: pd.DataFrame,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The machine orders of a schedule table: ``assign``, ``mnext``, ``mfirst``."""
    n = problem.n_ops
    mi = {m: k for k, m in enumerate(problem.machines)}
    assign = np.zeros(n, dtype=np.int64)
    mnext = np.full(n, -1, dtype=np.int64)
    mfirst = np.full(len(problem.machines), -1, dtype=np.int64)
    ops_t = table[table["job"] != MAINT].sort_values(["machine", "start"])
    for m, g in ops_t.groupby("machine", sort=False):
        seq = g["op"].astype(int).to_numpy()
        assign[seq] = mi[m]
        mfirst[mi[m]] = seq[0]
        mnext[seq[:-1]] = seq[1:]
    return assign, mnext, mfirst


def retime(problem: ScheduleProblem, table: pd.DataFrame) -> pd.DataFrame | None:
    """The semi-active plan of ``table``'s machine orders, timed by the decoder (which
    keeps crews and full buffers exactly), maintenance where ``table`` put it; None when
    the orders cannot be followed (a cycle, a deadlock through a full buffer)."""
    tm = timing(problem, maintenance_of(table))
    plan = new_plan(problem.n_ops, len(problem.machines), *_orders(problem, table))
    if not decode(tm, plan, SEQUENCE, priority()):
        return None
    out = pd.DataFrame(plan_rows(problem, plan), columns=COLUMNS)
    mt = table[table["job"] == MAINT].reindex(columns=out.columns, fill_value=0.0)
    return pd.concat([out, mt], ignore_index=True)


def improve(problem: ScheduleProblem, table: pd.DataFrame, weights: Mapping[str, float],
            iterations: int = 20000, seed: int = 0, restarts: int = 3,
            temperature: float = 0.03, time_budget: float | None = None,
            patience: int = 4, target: float | None = None,
            reference: pd.DataFrame | None = None, move_cost: float = 0.0,
            tol: float = 0.05) -> pd.DataFrame:
    """A schedule at least as good as ``table``, found by simulated annealing from it on
    makespan, weighted tardiness and flow time (a plan that costs more energy than it saves
    in these is not returned); maintenance stays where ``table`` put it.

    Parameters
    ----------
    problem
        The problem ``table`` schedules.
    table
        A schedule table (:mod:`twinbench.optimize.schedule.check`); hard deadlines it
        misses are repaired first (each hour past a deadline costs
        :data:`DEADLINE_PENALTY`), so a plan that meets them is never traded for one that
        does not.
    weights
        Objective weights (``makespan``, ``tardiness``, ``flow`` [1/h], ``cost`` [1/EUR]).
    iterations
        Candidate moves per restart.
    seed
        Seed of the first run.
    restarts
        Annealing runs, each from the best order so far (seeds ``seed``, ``seed+1``, ...).
    temperature
        Starting temperature as a share of the starting objective [1].
    time_budget, patience
        When a budget is given [s], the wall time of a move is measured first (and again
        after each run) and a run takes at most half the time left; runs go on while time
        is left and (fewer than ``restarts`` ran or fewer than ``patience`` in a row found
        nothing better). The result then depends on the machine's speed.
    target
        Stop as soon as the objective reaches it (e.g. a lower bound: nothing better
        exists).
    reference, move_cost, tol
        Stability: ``op, machine, start`` [h] of a plan to stay close to; each operation
        whose machine differs from it or whose start is more than ``tol`` [h] away costs
        ``move_cost`` [objective units] (0: no charge).

    Returns
    -------
    DataFrame
        The better schedule table, or ``table`` itself when nothing better was found.
    """
    tic = time.perf_counter()
    n = problem.n_ops
    if n < 2:
        return table
    w_mk, w_td = float(weights.get("makespan", 0.0)), float(weights.get("tardiness", 0.0))
    w_fl = float(weights.get("flow", 0.0))
    if w_mk == 0 and w_td == 0 and w_fl == 0:
        return table
    tm = timing(problem, maintenance_of(table))
    n_mc = len(problem.machines)
    mi = {m: k for k, m in enumerate(problem.machines)}
    assign, mnext, mfirst = _orders(problem, table)
    job_last = np.flatnonzero(tm.job_next < 0).astype(np.int64)
    jl = problem.ops["job"].to_numpy()[job_last]
    due = problem.jobs.loc[jl, "due"].to_numpy(float)
    weight = problem.jobs.loc[jl, "weight"].to_numpy(float)
    deadline = np.nan_to_num(problem.deadlines().loc[jl].to_numpy(float), nan=np.inf)
    flex_ops = np.flatnonzero(np.isfinite(tm.dur).sum(axis=1) > 1).astype(np.int64)
    s_ref = np.full(n, np.nan)
    m_ref = np.full(n, -1, dtype=np.int64)
    w_dev = float(move_cost) if reference is not None else 0.0
    if reference is not None:
        ref = reference[(reference["job"] != MAINT) & reference["machine"].isin(mi)]
        o_ref = ref["op"].astype(int).to_numpy()
        ok = (o_ref >= 0) & (o_ref < n)
        s_ref[o_ref[ok]] = ref["start"].to_numpy(float)[ok]
        m_ref[o_ref[ok]] = [mi[m] for m in ref["machine"].to_numpy()[ok]]
    pr = priority()
    plan = new_plan(n, n_mc, assign, mnext, mfirst)
    decode(tm, plan, SEQUENCE, pr)
    base = _cost(plan.end, job_last, due, weight, deadline, w_mk, w_td, w_fl)
    if w_dev > 0:
        base += w_dev * _moved(plan.start, plan.assign, s_ref, m_ref, tol)
    dev = (s_ref, m_ref, w_dev, tol)
    best = (base, assign, mnext, mfirst)
    # the temperature follows the objective, not the deadline penalty of the start plan
    objective = _cost(plan.end, job_last, due, weight, np.full(len(jl), np.inf), w_mk, w_td,
                      w_fl)
    t_start = temperature * max(objective, 1.0)
    r = stale = 0
    per_move = None  # wall time of one move [s], measured when a budget is given
    if time_budget is not None:
        probe = min(iterations, 1000)
        # one move first: compiling (or loading) the annealer must not count as its speed
        _anneal(tm, new_plan(n, n_mc, *best[1:]), pr, job_last, due, weight, deadline,
                w_mk, w_td, w_fl, 1, t_start, seed, flex_ops, 0, 0, *dev)
        t1 = time.perf_counter()
        res = _anneal(tm, new_plan(n, n_mc, *best[1:]), pr, job_last, due, weight, deadline,
                      w_mk, w_td, w_fl, probe, t_start, seed + 10_000, flex_ops, 0, 0, *dev)
        per_move = (time.perf_counter() - t1) / probe
        if res[0] < best[0] - 1e-9:
            best = res

    def more() -> bool:
        """Another run: always up to ``restarts`` without a budget; with one, while time
        is left and (fewer than ``restarts`` runs or not yet ``patience`` stale ones)."""
        if target is not None and best[0] <= target + 1e-9:
            return False
        if time_budget is None:
            return r < restarts
        return (time.perf_counter() - tic < time_budget
                and (r < restarts or stale < patience))

    while more():
        if per_move is None:
            res = _anneal(tm, new_plan(n, n_mc, *best[1:]), pr, job_last, due, weight,
                          deadline, w_mk, w_td, w_fl, iterations, t_start, seed + r, flex_ops,
                          0, 0, *dev)
        else:
            # as many moves as the time left allows at the measured speed, run in chunks
            # of one cooling so the run stops at the budget even when the machine slows
            left = time_budget - (time.perf_counter() - tic)
            iters = int(min(iterations, max(1000, left / max(per_move, 1e-9))))
            chunk = max(1000, iters // 20)
            run = new_plan(n, n_mc, *best[1:])
            res = (np.inf, best[1], best[2], best[3])
            for c, it0 in enumerate(range(0, iters, chunk)):
                if c and time.perf_counter() - tic >= time_budget:
                    break
                part = _anneal(tm, run, pr, job_last, due, weight, deadline, w_mk, w_td,
                               w_fl, min(chunk, iters - it0), t_start, seed + r + 7919 * c,
                               flex_ops, it0, iters, *dev)
                if part[0] < res[0]:
                    res = (part[0], part[1].copy(), part[2].copy(), part[3].copy())
        stale += 1
        if res[0] < best[0] - 1e-9:
            best, stale = res, 0
        r += 1
    if best[0] >= base - 1e-9:
        return table
    plan = new_plan(n, n_mc, *best[1:])
    decode(tm, plan, SEQUENCE, pr)
    out = pd.DataFrame(plan_rows(problem, plan), columns=COLUMNS)
    mt = table[table["job"] == MAINT].reindex(columns=out.columns, fill_value=0.0)
    out = pd.concat([out, mt], ignore_index=True)
    if weights.get("cost", 0.0):
        # the annealing does not see energy cost: keep the new plan only if the whole
        # objective agrees it is better
        def rank(t: pd.DataFrame) -> tuple[float, float]:
            """Hours past deadlines first, then the objective."""
            return (round(deadline_excess(problem, t), 9),
                    objective_value(schedule_kpis(problem, t), weights))

        if rank(out) >= rank(table):
            return table
    return out
