"""Local search on machine sequences: a better warm start than dispatching alone.

Simulated annealing over the order of operations on each machine (swap two neighbours on
a machine) and over the choice of machine (move an operation to another eligible machine,
at the place its current start falls in that machine's order). Each
candidate is decoded into the semi-active schedule it implies (releases, routing, setups,
machine readiness, blocks and placed maintenance, all as in the checker) by a compiled
topological pass; a cycle (an order no schedule can follow) is rejected. Seeded and
deterministic for a given number of iterations.
"""

from __future__ import annotations

# Inside numba the annealer seeds numba's own generator (np.random.seed): Generator objects
# are not used in compiled code here.
# ruff: noqa: NPY002
from collections.abc import Mapping

import numba as nb
import numpy as np
import pandas as pd

from twinbench.optimize.schedule_check import MAINT, schedule_kpis
from twinbench.optimize.schedule_problem import ScheduleProblem

__all__ = ["improve"]


@nb.njit(cache=True)
def _decode(assign, mnext, mfirst, job_next, job_prev, share, release, dur, family, setup,
            init_fam, ready, bs, be, bfirst, bcount, start, end, mprev, crit):
    """Semi-active schedule of the machine orders; ``crit[o]`` is the operation whose end
    fixed ``o``'s start (-1: a release, readiness or a block). False on a cycle."""
    n = len(assign)
    M = len(mfirst)
    indeg = np.zeros(n, np.int64)
    mprev[:] = -1
    for mc in range(M):
        o = mfirst[mc]
        while o >= 0:
            if mnext[o] >= 0:
                mprev[mnext[o]] = o
            o = mnext[o]
    for o in range(n):
        indeg[o] = (job_prev[o] >= 0) + (mprev[o] >= 0)
    stack = np.empty(n, np.int64)
    top = 0
    for o in range(n):
        if indeg[o] == 0:
            stack[top] = o
            top += 1
    done = 0
    while top > 0:
        top -= 1
        o = stack[top]
        mc = assign[o]
        t = release[o]
        c = -1
        d = dur[o, mc]
        jp = job_prev[o]
        if jp >= 0:  # lot streaming lags (share 1: after the previous step ends)
            tj = max(start[jp] + share[jp] * (end[jp] - start[jp]),
                     end[jp] - d * (1.0 - share[jp]))
            if tj > t:
                t = tj
                c = jp
        p = mprev[o]
        if p >= 0:
            tm = end[p] + setup[mc, family[p], family[o]]
            if tm > t:
                t = tm
                c = p
        else:
            f0 = init_fam[mc]
            tm = ready[mc] + (setup[mc, f0, family[o]] if f0 >= 0 else 0.0)
            if tm > t:
                t = tm
                c = -1
        for k in range(bfirst[mc], bfirst[mc] + bcount[mc]):
            if t + d <= bs[k] + 1e-9:
                break
            if t < be[k]:
                t = be[k]
                c = -1
        crit[o] = c
        start[o] = t
        end[o] = t + d
        done += 1
        for q in (job_next[o], mnext[o]):
            if q >= 0:
                indeg[q] -= 1
                if indeg[q] == 0:
                    stack[top] = q
                    top += 1
    return done == n


@nb.njit(cache=True)
def _cost(end, job_last, due, weight, w_mk, w_td, w_fl):
    mk = 0.0
    td = 0.0
    fl = 0.0
    for k in range(len(job_last)):
        e = end[job_last[k]]
        mk = max(mk, e)
        td += weight[k] * max(0.0, e - due[k])
        fl += weight[k] * e
    return w_mk * mk + w_td * td + w_fl * fl


@nb.njit(cache=True)
def _anneal(assign, mnext, mfirst, job_next, job_prev, share, release, dur, family, setup,
            init_fam, ready, bs, be, bfirst, bcount, job_last, due, weight, w_mk, w_td, w_fl, iters,
            t_start, seed, flex_ops):
    np.random.seed(seed)
    n = len(assign)
    M = len(mfirst)
    start = np.zeros(n)
    end = np.zeros(n)
    mprev = np.full(n, -1, np.int64)
    crit = np.full(n, -1, np.int64)
    cand = np.empty(n, np.int64)
    # makespan only: swap neighbours on the critical path (the N1 neighbourhood)
    critical = w_mk > 0 and w_td == 0 and w_fl == 0
    _decode(assign, mnext, mfirst, job_next, job_prev, share, release, dur, family, setup,
            init_fam, ready, bs, be, bfirst, bcount, start, end, mprev, crit)
    cur = _cost(end, job_last, due, weight, w_mk, w_td, w_fl)
    best = cur
    best_assign = assign.copy()
    best_mnext = mnext.copy()
    best_mfirst = mfirst.copy()
    a = b = p = q = x = m2 = mc = -1
    for it in range(iters):
        temp = t_start * (1.0 - it / iters) + 1e-9
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
            a = -1
            if mfirst[mc] != o:
                a = mfirst[mc]
                while mnext[a] != o:
                    a = mnext[a]
            b = mnext[o]
            if a >= 0:
                mnext[a] = b
            else:
                mfirst[mc] = b
            p = -1
            x = mfirst[m2]
            while x >= 0 and start[x] <= start[o]:
                p = x
                x = mnext[x]
            if p >= 0:
                mnext[p] = o
            else:
                mfirst[m2] = o
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
            a = -1
            if mfirst[mc] != o:
                a = mfirst[mc]
                while mnext[a] != o:
                    a = mnext[a]
            b = mnext[q]
            if a >= 0:
                mnext[a] = q
            else:
                mfirst[mc] = q
            mnext[q] = o
            mnext[o] = b
        ok = _decode(assign, mnext, mfirst, job_next, job_prev, share, release, dur, family,
                     setup, init_fam, ready, bs, be, bfirst, bcount, start, end, mprev, crit)
        new = _cost(end, job_last, due, weight, w_mk, w_td, w_fl) if ok else np.inf
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
            if p >= 0:
                mnext[p] = x
            else:
                mfirst[m2] = x
            if a >= 0:
                mnext[a] = o
            else:
                mfirst[mc] = o
            mnext[o] = b
            assign[o] = mc
        else:
            if a >= 0:
                mnext[a] = o
            else:
                mfirst[mc] = o
            mnext[o] = q
            mnext[q] = b
        if critical:  # the critical path of the kept order
            _decode(assign, mnext, mfirst, job_next, job_prev, share, release, dur,
                    family, setup, init_fam, ready, bs, be, bfirst, bcount, start, end,
                    mprev, crit)
    return best, best_assign, best_mnext, best_mfirst


def improve(problem: ScheduleProblem, table: pd.DataFrame, weights: Mapping[str, float],
            iterations: int = 20000, seed: int = 0, restarts: int = 3,
            temperature: float = 0.03, time_budget: float | None = None,
            patience: int = 4, target: float | None = None) -> pd.DataFrame:
    """A schedule at least as good as ``table``, found by simulated annealing from it on
    makespan, weighted tardiness and flow time (a plan that costs more energy than it saves
    in these is not returned); maintenance stays where ``table`` put it.

    Parameters
    ----------
    iterations
        Candidate moves per restart.
    restarts
        Annealing runs, each from the best order so far (seeds ``seed``, ``seed+1``, ...).
    temperature
        Starting temperature as a share of the starting objective [1].
    time_budget, patience
        When a budget is given, keep restarting until this much wall time is spent [s] or
        ``patience`` runs in a row found nothing better (at least ``restarts`` runs); the
        result then depends on the machine's speed.
    target
        Stop as soon as the objective reaches it (e.g. a lower bound: nothing better
        exists).
    """
    import time

    tic = time.perf_counter()
    n = problem.n_ops
    if n < 2:
        return table
    machines = list(problem.machines)
    mi = {m: k for k, m in enumerate(machines)}
    fams = sorted({f for f in problem.jobs["family"]} | {
        f for f in problem.initial_family.values() if f is not None})
    fi = {f: k for k, f in enumerate(fams)}
    setup = np.zeros((len(machines), len(fams), len(fams)))
    for m, tab in problem.setup.items():
        for (a, b), v in tab.items():
            if a in fi and b in fi:
                setup[mi[m], fi[a], fi[b]] = v
    init = np.array([fi.get(problem.initial_family.get(m), -1) if problem.initial_family.get(m)
                     else -1 for m in machines], dtype=np.int64)
    ready = np.array([float(problem.machine_ready.get(m, 0.0)) for m in machines])
    dur = np.full((n, len(machines)), np.inf)
    for o, m, d in zip(problem.modes["op"], problem.modes["machine"],
                       problem.modes["duration"], strict=True):
        dur[int(o), mi[m]] = d
    family = np.array([fi[f] for f in problem.family_of_op()], dtype=np.int64)
    job_next = problem.next_op()
    job_prev = np.full(n, -1, dtype=np.int64)
    job_prev[job_next[job_next >= 0]] = np.flatnonzero(job_next >= 0)
    release = np.where(job_prev < 0, problem.jobs.loc[problem.ops["job"], "release"]
                       .to_numpy(float), 0.0)
    # blocks and the placed maintenance, sorted per machine
    iv: dict[int, list[tuple[float, float]]] = {k: [] for k in range(len(machines))}
    for b in problem.blocks.itertuples(index=False):
        iv[mi[b.machine]].append((float(b.start), float(b.end)))
    for r in table[table["job"] == MAINT].itertuples(index=False):
        iv[mi[r.machine]].append((float(r.start), float(r.end)))
    bs, be, bfirst, bcount = [], [], [], []
    for k in range(len(machines)):
        bfirst.append(len(bs))
        bcount.append(len(iv[k]))
        for a, b in sorted(iv[k]):
            bs.append(a)
            be.append(b)
    ops_t = table[table["job"] != MAINT].sort_values(["machine", "start"])
    assign = np.zeros(n, dtype=np.int64)
    mnext = np.full(n, -1, dtype=np.int64)
    mfirst = np.full(len(machines), -1, dtype=np.int64)
    for m, g in ops_t.groupby("machine", sort=False):
        seq = g["op"].astype(int).to_numpy()
        assign[seq] = mi[m]
        mfirst[mi[m]] = seq[0]
        mnext[seq[:-1]] = seq[1:]
    job_last = np.flatnonzero(job_next < 0).astype(np.int64)
    jl = problem.ops["job"].to_numpy()[job_last]
    due = problem.jobs.loc[jl, "due"].to_numpy(float)
    weight = problem.jobs.loc[jl, "weight"].to_numpy(float)
    w_mk, w_td = float(weights.get("makespan", 0.0)), float(weights.get("tardiness", 0.0))
    w_fl = float(weights.get("flow", 0.0))
    if w_mk == 0 and w_td == 0 and w_fl == 0:
        return table
    args = (job_next, job_prev, problem.transfer_share(), release, dur, family, setup, init, ready,
            np.array(bs, float), np.array(be, float), np.array(bfirst, np.int64),
            np.array(bcount, np.int64))
    flex_ops = np.flatnonzero(np.isfinite(dur).sum(axis=1) > 1).astype(np.int64)
    start, end = np.zeros(n), np.zeros(n)
    mprev, crit = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    _decode(assign, mnext, mfirst, *args, start, end, mprev, crit)
    base = _cost(end, job_last, due, weight, w_mk, w_td, w_fl)
    best = (base, assign, mnext, mfirst)
    t_start = temperature * max(base, 1.0)
    r = stale = 0
    while (target is None or best[0] > target + 1e-9) and (
            r < restarts or (time_budget is not None and time.perf_counter() - tic < time_budget
                             and stale < patience)):
        _, a0, n0, f0 = best
        res = _anneal(a0.copy(), n0.copy(), f0.copy(), *args, job_last, due, weight,
                      w_mk, w_td, w_fl, iterations, t_start, seed + r, flex_ops)
        stale += 1
        if res[0] < best[0] - 1e-9:
            best, stale = res, 0
        r += 1
    if best[0] >= base - 1e-9:
        return table
    _, a_, nx_, fs_ = best
    _decode(a_, nx_, fs_, *args, start, end, mprev, crit)
    steps = problem.ops["step"].to_numpy()
    jobs = problem.ops["job"].to_numpy()
    rows = [(jobs[o], o, int(steps[o]), machines[a_[o]], float(start[o]), float(end[o]), 0.0)
            for o in range(n)]
    out = pd.DataFrame(rows, columns=["job", "op", "step", "machine", "start", "end", "setup"])
    mt = table[table["job"] == MAINT].reindex(columns=out.columns, fill_value=0.0)
    out = pd.concat([out, mt], ignore_index=True)
    if weights.get("cost", 0.0):
        # the annealing does not see energy cost: keep the new plan only if the whole
        # objective agrees it is better
        from twinbench.optimize.schedule_heuristic import objective_value

        if (objective_value(schedule_kpis(problem, out), weights)
                >= objective_value(schedule_kpis(problem, table), weights)):
            return table
    return out
