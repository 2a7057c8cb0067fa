"""The one schedule decoder: machine orders or a dispatching rule made into a timed plan.

Every heuristic plan of the package is timed here, by one set of rules (the checker's,
:mod:`twinbench.optimize.schedule.check`): an operation starts at the earliest

* at its job's release (the first step),
* after its job's previous step: once the first transfer batch of that step is through,
  and late enough to end one batch's time after it (lot streaming; a whole lot with one
  transfer),
* after the previous operation on its machine plus the sequence-dependent setup between
  their families, or, for the machine's first operation, once the machine is ready and set
  up from its initial family,
* once the machine's previous operation has left it: its end, or later while a full
  buffer in front of the next station holds it (``free``),
* outside the machine's blocked intervals and the maintenance already placed,
* and while one of its crew's operators is free over its setup and processing (the
  crews' rule, :mod:`twinbench.optimize.schedule.resources`): the start moves past each
  instant where the crew's busy operators already match those on duty.

:func:`decode` places the operations one at a time, choosing the next one in one of two
ways (``rule``):

``SEQUENCE``
    Follow given machine orders (a semi-active schedule): the annealing's candidates
    (:mod:`twinbench.optimize.schedule.search`) and the literature's job-shop sequences
    (:func:`twinbench.optimize.schedule.jobshop.evaluate_sequence`). Orders that contradict
    the routings (a cycle) cannot be followed; the decoder says so.
a dispatching rule (``RULES``)
    Giffler-Thompson: among the jobs' next operations that could start before the
    earliest possible completion, the rule's most urgent one goes to the eligible machine
    where it completes first (an active schedule). The machine orders it builds are
    written back, so ``SEQUENCE`` reproduces the plan
    (:mod:`twinbench.optimize.schedule.dispatch`).

The problem's numbers are compiled once into a :class:`Timing` (:func:`timing`); the plan
lives in a :class:`Plan` of arrays (:func:`new_plan`), read back as schedule table rows
with :func:`plan_rows`. The loops are compiled by numba.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numba as nb
import numpy as np
import pandas as pd

from twinbench.optimize.schedule.check import MAINT
from twinbench.optimize.schedule.problem import ScheduleProblem
from twinbench.optimize.schedule.resources import binding_crews, crew_segments, hold_share

__all__ = ["COLUMNS", "RULES", "SEQUENCE", "Plan", "Priority", "Timing", "decode",
           "maintenance_of", "new_plan", "plan_rows", "priority", "timing"]

#: dispatching rules: most work remaining, earliest due date, least slack (due minus
#: remaining work minus start), shortest processing time
RULES = ("MWKR", "EDD", "SLACK", "SPT")
#: ``rule`` of :func:`decode` that follows the plan's machine orders
SEQUENCE = -1


class Timing(NamedTuple):
    """A problem's numbers as the decoder reads them (``n`` operations, ``M`` machines,
    ``F`` families, ``B`` blocked intervals).

    Attributes
    ----------
    dur
        ``(n, M)`` duration of each operation on each machine [h] (inf: not eligible).
    mode_ptr, mode_mc
        Operation ``o``'s eligible machines are ``mode_mc[mode_ptr[o]:mode_ptr[o + 1]]``,
        in the order of ``problem.modes``.
    family
        ``(n,)`` family index of each operation.
    setup
        ``(M, F, F)`` setup [h] on a machine from one family to another.
    init_fam
        ``(M,)`` family each machine is set up for at the start (-1: none).
    ready
        ``(M,)`` hour each machine becomes free [h].
    job_next, job_prev
        ``(n,)`` next and previous step of each operation's job (-1: none).
    share
        ``(n,)`` share of the lot in one transfer batch [1].
    release
        ``(n,)`` release of the job for its first step, 0 for the later ones [h].
    blk_start, blk_end
        ``(B,)`` blocked intervals [h] (unavailability and placed maintenance), sorted by
        machine, then start.
    blk_first, blk_count
        ``(M,)`` machine ``k``'s intervals are ``blk_first[k]`` to
        ``blk_first[k] + blk_count[k] - 1``.
    crew
        ``(M,)`` crew index of each machine (-1: none, or a crew that never binds).
    crew_size
        ``(C,)`` operators on duty outside the crew's intervals below [person].
    cap_start, cap_end, cap_val
        ``(K,)`` intervals [h] with fewer operators on duty, and how many [person],
        sorted by crew, then start; crew ``c``'s are ``cap_first[c]`` to
        ``cap_first[c] + cap_count[c] - 1``.
    cap_first, cap_count
        ``(C,)`` as above.
    hold
        ``(n,)`` share of the next step's duration an operation's machine stays held after
        that step starts (a full buffer; -1: never held) [1].
    """

    dur: np.ndarray
    mode_ptr: np.ndarray
    mode_mc: np.ndarray
    family: np.ndarray
    setup: np.ndarray
    init_fam: np.ndarray
    ready: np.ndarray
    job_next: np.ndarray
    job_prev: np.ndarray
    share: np.ndarray
    release: np.ndarray
    blk_start: np.ndarray
    blk_end: np.ndarray
    blk_first: np.ndarray
    blk_count: np.ndarray
    crew: np.ndarray
    crew_size: np.ndarray
    cap_start: np.ndarray
    cap_end: np.ndarray
    cap_val: np.ndarray
    cap_first: np.ndarray
    cap_count: np.ndarray
    hold: np.ndarray


class Priority(NamedTuple):
    """What a dispatching rule ranks by (``J`` jobs, in the order of ``problem.ops``).

    Attributes
    ----------
    job_first
        ``(J,)`` first operation of each job.
    due
        ``(J,)`` due date [h].
    remaining
        ``(J,)`` work of the whole job, its operations' mean durations summed [h].
    mean_dur
        ``(n,)`` mean duration of each operation over its eligible machines [h].
    jitter
        ``(J,)`` factor perturbing each job's priority [1] (1: the pure rule).
    """

    job_first: np.ndarray
    due: np.ndarray
    remaining: np.ndarray
    mean_dur: np.ndarray
    jitter: np.ndarray


class Plan(NamedTuple):
    """A plan of ``n`` operations on ``M`` machines, as arrays the decoder reads and writes.

    Attributes
    ----------
    assign
        ``(n,)`` machine of each operation.
    mnext
        ``(n,)`` next operation on the same machine (-1: the last).
    mfirst
        ``(M,)`` first operation of each machine (-1: idle).
    start, end
        ``(n,)`` processing start and end [h].
    setup
        ``(n,)`` setup done just before ``start`` [h].
    mprev
        ``(n,)`` previous operation on the same machine (-1: the first).
    crit
        ``(n,)`` the operation whose end fixed this one's start (-1: a release, the
        machine's readiness or a blocked interval).
    order
        ``(n,)`` the operations in the order they were placed.
    free
        ``(n,)`` hour the operation's machine is free again [h]: its end, or later while a
        full buffer holds it.
    """

    assign: np.ndarray
    mnext: np.ndarray
    mfirst: np.ndarray
    start: np.ndarray
    end: np.ndarray
    setup: np.ndarray
    mprev: np.ndarray
    crit: np.ndarray
    order: np.ndarray
    free: np.ndarray


def new_plan(n: int, n_machines: int, assign: np.ndarray | None = None,
             mnext: np.ndarray | None = None, mfirst: np.ndarray | None = None) -> Plan:
    """An untimed plan, with copies of the machine orders when given (else empty)."""
    def ints(a: np.ndarray | None, size: int, fill: int) -> np.ndarray:
        """A copy of ``a`` as int64, or ``size`` times ``fill``."""
        return np.full(size, fill, np.int64) if a is None else a.astype(np.int64, copy=True)

    return Plan(ints(assign, n, 0), ints(mnext, n, -1), ints(mfirst, n_machines, -1),
                np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, -1, np.int64),
                np.full(n, -1, np.int64), np.zeros(n, np.int64), np.zeros(n))


def maintenance_of(table: pd.DataFrame) -> list[tuple[str, float, float]]:
    """The maintenance a schedule table placed, as ``(machine, start, end)`` [h]."""
    return [(r.machine, float(r.start), float(r.end))
            for r in table[table["job"] == MAINT].itertuples(index=False)]


def _job_prev(job_next: np.ndarray) -> np.ndarray:
    """Previous step of each operation's job (-1: the first), from the next steps."""
    job_prev = np.full(len(job_next), -1, dtype=np.int64)
    job_prev[job_next[job_next >= 0]] = np.flatnonzero(job_next >= 0)
    return job_prev


def timing(problem: ScheduleProblem,
           maintenance: Iterable[tuple[str, float, float]] = ()) -> Timing:
    """The numbers of ``problem`` for :func:`decode`, with ``maintenance`` placed as
    ``(machine, start, end)`` [h] intervals (see :func:`maintenance_of`)."""
    n = problem.n_ops
    machines = list(problem.machines)
    mi = {m: k for k, m in enumerate(machines)}
    fams = sorted(set(problem.jobs["family"]) | {
        f for f in problem.initial_family.values() if f is not None})
    fi = {f: k for k, f in enumerate(fams)}
    setup = np.zeros((len(machines), len(fams), len(fams)))
    for m, tab in problem.setup.items():
        for (a, b), v in tab.items():
            if m in mi and a in fi and b in fi and a != b:  # as ScheduleProblem.setup_time
                setup[mi[m], fi[a], fi[b]] = v
    init = np.array([fi[problem.initial_family[m]]
                     if problem.initial_family.get(m) is not None else -1 for m in machines],
                    dtype=np.int64)
    ready = np.array([float(problem.machine_ready.get(m, 0.0)) for m in machines])
    modes = problem.mode_table()
    dur = np.full((n, len(machines)), np.inf)
    mode_ptr, mode_mc = [0], []
    for o in range(n):
        for m, d in modes[o].items():
            dur[o, mi[m]] = d
            mode_mc.append(mi[m])
        mode_ptr.append(len(mode_mc))
    family = np.array([fi[f] for f in problem.family_of_op()], dtype=np.int64)
    job_next = problem.next_op()
    job_prev = _job_prev(job_next)
    release = np.where(job_prev < 0, problem.jobs.loc[problem.ops["job"], "release"]
                       .to_numpy(float), 0.0)
    iv: dict[int, list[tuple[float, float]]] = {k: [] for k in range(len(machines))}
    for b in problem.blocks.itertuples(index=False):
        iv[mi[b.machine]].append((float(b.start), float(b.end)))
    for m, a, b in maintenance:
        iv[mi[m]].append((float(a), float(b)))
    bs: list[float] = []
    be: list[float] = []
    bfirst, bcount = [], []
    for k in range(len(machines)):
        bfirst.append(len(bs))
        bcount.append(len(iv[k]))
        for a, b in sorted(iv[k]):
            bs.append(a)
            be.append(b)
    crew = np.full(len(machines), -1, np.int64)
    size, cs, ce, cv, cfirst, ccount = [], [], [], [], [], []
    for k, c in enumerate(binding_crews(problem)):
        for mc in problem.crews[c]:
            crew[mi[mc]] = k
        a, b, v, _ = crew_segments(problem, c)
        size.append(int(problem.crew_size[c]))
        cfirst.append(len(cs))
        ccount.append(len(a))
        cs += a.tolist()
        ce += b.tolist()
        cv += v.tolist()
    return Timing(dur, np.array(mode_ptr, np.int64), np.array(mode_mc, np.int64), family,
                  setup, init, ready, job_next, job_prev, problem.transfer_share(), release,
                  np.array(bs, float), np.array(be, float), np.array(bfirst, np.int64),
                  np.array(bcount, np.int64), crew, np.array(size, np.int64),
                  np.array(cs, float), np.array(ce, float), np.array(cv, np.int64),
                  np.array(cfirst, np.int64), np.array(ccount, np.int64), hold_share(problem))


def priority(problem: ScheduleProblem | None = None, noise: float = 0.0,
             rng: np.random.Generator | None = None) -> Priority:
    """What the dispatching rules rank by; with ``noise``, each job's priority is perturbed
    by a factor ``1 + noise x N(0, 1)`` drawn from ``rng`` (one draw per job, in order).
    Without a problem: an empty one, for ``SEQUENCE`` decoding."""
    if problem is None:
        return Priority(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0),
                        np.zeros(0))
    modes = problem.mode_table()
    job_first = np.flatnonzero(_job_prev(problem.next_op()) < 0).astype(np.int64)
    mean_dur = np.array([float(np.mean(list(modes[o].values())))
                         for o in range(problem.n_ops)])
    ends = [*job_first[1:], problem.n_ops]
    remaining = np.array([sum(float(mean_dur[o]) for o in range(a, b))
                          for a, b in zip(job_first, ends, strict=True)])
    jobs = problem.ops["job"].to_numpy()[job_first]
    due = np.array([float(problem.jobs.at[j, "due"]) for j in jobs])
    jitter = np.array([1.0 + noise * rng.standard_normal() if rng is not None else 1.0
                       for _ in jobs])
    return Priority(job_first, due, remaining, mean_dur, jitter)


#: columns of a schedule table (:mod:`twinbench.optimize.schedule.check`)
COLUMNS = ["job", "op", "step", "machine", "start", "end", "setup"]


def plan_rows(problem: ScheduleProblem, plan: Plan, ops: Iterable[int] | None = None,
              ) -> list[tuple]:
    """Schedule table rows (:data:`COLUMNS`) of the plan's operations ``ops`` (default:
    all, by index), in that order."""
    jobs = problem.ops["job"].to_numpy()
    steps = problem.ops["step"].to_numpy()
    machines = list(problem.machines)
    return [(jobs[o], int(o), int(steps[o]), machines[plan.assign[o]], float(plan.start[o]),
             float(plan.end[o]), float(plan.setup[o]))
            for o in (range(problem.n_ops) if ops is None else ops)]


@nb.njit(cache=True)
def _crew_next(t: float, su: float, d: float, c: int, crew_size: np.ndarray,
               cap_start: np.ndarray, cap_end: np.ndarray, cap_val: np.ndarray,
               cap_first: np.ndarray, cap_count: np.ndarray, occ_s: np.ndarray,
               occ_e: np.ndarray, occ_c: np.ndarray, n_occ: int) -> float:
    """``t`` when crew ``c`` has an operator free over ``[t - su, t + d)`` [h]; otherwise
    the next start worth trying: past the next change after the last instant where every
    operator on duty is busy (no earlier start can be free, the profile being constant in
    between); inf when that never changes."""
    a = t - su
    b = t + d
    if b - a <= 1e-12:
        return t
    k0 = cap_first[c]
    k1 = k0 + cap_count[c]
    near = np.empty(n_occ, np.int64)  # the crew's intervals overlapping [a, b)
    m = 0
    for q in range(n_occ):
        if occ_c[q] == c and occ_s[q] < b - 1e-9 and occ_e[q] > a + 1e-9:
            near[m] = q
            m += 1
    clash = -np.inf
    for p in range(-1, m + k1 - k0):
        if p < 0:
            tau = a
        elif p < m:
            tau = occ_s[near[p]]
        else:
            tau = cap_start[k0 + p - m]
        if tau < a or tau >= b - 1e-9 or tau <= clash:
            continue
        cap = crew_size[c]
        for k in range(k0, k1):
            if cap_start[k] <= tau + 1e-9 < cap_end[k]:
                cap = cap_val[k]
                break
        busy = 0
        for r in range(m):
            q = near[r]
            if occ_s[q] <= tau + 1e-9 < occ_e[q]:
                busy += 1
        if busy >= cap:
            clash = tau
    if clash == -np.inf:
        return t
    nxt = np.inf
    for q in range(n_occ):
        if occ_c[q] == c and clash + 1e-9 < occ_e[q] < nxt:
            nxt = occ_e[q]
    for k in range(k0, k1):
        if clash + 1e-9 < cap_end[k] < nxt:
            nxt = cap_end[k]
    return nxt + su


@nb.njit(cache=True)
def _earliest(o: int, mc: int, prev: int, start: np.ndarray, end: np.ndarray,
              release: np.ndarray, dur: np.ndarray, job_prev: np.ndarray, share: np.ndarray,
              setup: np.ndarray, family: np.ndarray, init_fam: np.ndarray, ready: np.ndarray,
              blk_start: np.ndarray, blk_end: np.ndarray, blk_first: np.ndarray,
              blk_count: np.ndarray, free: np.ndarray, crew: np.ndarray,
              crew_size: np.ndarray, cap_start: np.ndarray, cap_end: np.ndarray,
              cap_val: np.ndarray, cap_first: np.ndarray, cap_count: np.ndarray,
              occ_s: np.ndarray, occ_e: np.ndarray, occ_c: np.ndarray, n_occ: np.ndarray,
              ) -> tuple[float, int, float]:
    """Earliest start [h] of operation ``o`` on machine ``mc`` after ``prev`` (the
    machine's previous operation, -1: none), the operation that fixed it (-1: a release,
    readiness, a blocked interval or the crew) and the setup before it [h]; the arrays are
    :class:`Timing`'s, the plan's ``free`` and the crews' occupied intervals so far
    (``occ_*``, ``n_occ[0]`` of them)."""
    t = release[o]
    c = -1
    d = dur[o, mc]
    jp = job_prev[o]
    if jp >= 0:  # lot streaming lags (share 1: after the previous step ends)
        tj = max(start[jp] + share[jp] * (end[jp] - start[jp]), end[jp] - d * (1.0 - share[jp]))
        if tj > t:
            t = tj
            c = jp
    if prev >= 0:
        su = setup[mc, family[prev], family[o]]
        tmc = free[prev] + su
        if tmc > t:
            t = tmc
            c = prev
    else:
        f0 = init_fam[mc]
        su = setup[mc, f0, family[o]] if f0 >= 0 else 0.0
        tmc = ready[mc] + su
        if tmc > t:
            t = tmc
            c = -1
    while t < np.inf:
        for k in range(blk_first[mc], blk_first[mc] + blk_count[mc]):
            if t + d <= blk_start[k] + 1e-9:
                break
            if t < blk_end[k]:
                t = blk_end[k]
                c = -1
        if crew[mc] < 0:
            break
        t2 = _crew_next(t, su, d, crew[mc], crew_size, cap_start, cap_end, cap_val,
                        cap_first, cap_count, occ_s, occ_e, occ_c, n_occ[0])
        if t2 <= t + 1e-12:
            break
        t = t2
        c = -1
    return t, c, su


@nb.njit(cache=True)
def _rank(rule: int, due: float, remaining: float, mean_dur: float, jitter: float,
          s: float) -> float:
    """The rule's priority of a job's next operation (lower goes first): the job's
    ``due`` date and ``remaining`` work [h], the operation's ``mean_dur`` [h] and start
    ``s`` [h], perturbed by the job's ``jitter`` [1]."""
    if rule == 0:  # MWKR
        v = -remaining
    elif rule == 1:  # EDD
        v = due
    elif rule == 2:  # SLACK
        v = due - remaining - s
    else:  # SPT
        v = mean_dur
    return v * jitter if v >= 0 else v / jitter


@nb.njit(cache=True)
def decode(tm: Timing, plan: Plan, rule: int, pr: Priority) -> bool:
    """Time every operation of ``plan`` in place.

    Parameters
    ----------
    tm
        The problem's numbers (:func:`timing`).
    plan
        Read: the machine orders (``SEQUENCE``); written: the times, and with a rule the
        machine orders.
    rule
        ``SEQUENCE``, or a dispatching rule's index in ``RULES``.
    pr
        What the rule ranks by (:func:`priority`; empty for ``SEQUENCE``).

    Returns
    -------
    bool
        False when the machine orders contradict the routings (a cycle): the operations
        after it are left untimed.
    """
    # the arrays as locals: reading a tuple's member in the loop costs a reference count
    assign, mnext, mfirst, mprev = plan.assign, plan.mnext, plan.mfirst, plan.mprev
    start, end, crit, setup, order = plan.start, plan.end, plan.crit, plan.setup, plan.order
    dur, job_next, job_prev = tm.dur, tm.job_next, tm.job_prev
    mode_ptr, mode_mc, mean_dur = tm.mode_ptr, tm.mode_mc, pr.mean_dur
    free, hold, crew = plan.free, tm.hold, tm.crew
    n = len(job_next)
    occ_s, occ_e, occ_c = np.empty(n), np.empty(n), np.empty(n, np.int64)
    n_occ = np.zeros(1, np.int64)
    timing_args = (tm.release, dur, job_prev, tm.share, tm.setup, tm.family, tm.init_fam,
                   tm.ready, tm.blk_start, tm.blk_end, tm.blk_first, tm.blk_count, free,
                   crew, tm.crew_size, tm.cap_start, tm.cap_end, tm.cap_val, tm.cap_first,
                   tm.cap_count, occ_s, occ_e, occ_c, n_occ)
    done = np.zeros(n, np.bool_)
    n_mc = len(mfirst)
    last = np.full(n_mc, -1, np.int64)  # the operation placed last on each machine
    stack = np.empty(n, np.int64)
    top = 0
    indeg = np.zeros(n, np.int64)
    head = pr.job_first.copy()  # each job's next operation
    remaining = pr.remaining.copy()
    n_active = 0 if rule == SEQUENCE else len(head)
    active = np.arange(n_active)  # the jobs still to finish, in order
    c_start, c_end, c_setup = np.empty(n_active), np.empty(n_active), np.empty(n_active)
    c_mc, c_crit = np.empty(n_active, np.int64), np.empty(n_active, np.int64)
    if rule == SEQUENCE:  # topological pass over routings and machine orders
        mprev[:] = -1
        for mc in range(n_mc):
            o = mfirst[mc]
            while o >= 0:
                if mnext[o] >= 0:
                    mprev[mnext[o]] = o
                o = mnext[o]
        for o in range(n):
            indeg[o] += (job_prev[o] >= 0) + (mprev[o] >= 0)
            if hold[o] >= 0 and mnext[o] >= 0:  # held until its next step starts
                indeg[mnext[o]] += 1
        for o in range(n):
            if indeg[o] == 0:
                stack[top] = o
                top += 1
    else:
        mfirst[:] = -1
        mnext[:] = -1
    placed = 0
    while top > 0 or n_active > 0:
        if rule == SEQUENCE:  # the next operation whose predecessors are all placed
            top -= 1
            o = stack[top]
            mc = assign[o]
            t, c, su = _earliest(o, mc, last[mc], start, end, *timing_args)
        else:  # each job's next operation on the machine where it completes first
            best_end = np.inf
            for a in range(n_active):
                o = head[active[a]]
                c_start[a] = c_end[a] = np.inf
                c_mc[a] = -1
                for k in range(mode_ptr[o], mode_ptr[o + 1]):
                    mk = mode_mc[k]
                    lm = last[mk]
                    if lm >= 0 and hold[lm] >= 0 and not done[job_next[lm]]:
                        continue  # held by a full buffer until that next step starts
                    t, c, su = _earliest(o, mk, last[mk], start, end, *timing_args)
                    if t + dur[o, mk] < c_end[a] - 1e-12:
                        c_start[a], c_end[a], c_mc[a] = t, t + dur[o, mk], mk
                        c_crit[a], c_setup[a] = c, su
                best_end = min(best_end, c_end[a])
            # the rule's first among those that start before the earliest completion
            pick = -1
            key = 0.0
            for a in range(n_active):
                if c_start[a] < best_end - 1e-9:
                    j = active[a]
                    v = _rank(rule, pr.due[j], remaining[j], mean_dur[head[j]], pr.jitter[j],
                              c_start[a])
                    if pick < 0 or v < key or (v == key and c_start[a] < c_start[pick]):
                        pick, key = a, v
            if best_end == np.inf:
                break  # every machine left is held (a deadlock) or its crew never free
            if pick < 0:  # nothing starts before the earliest completion: complete first
                pick = 0
                for a in range(1, n_active):
                    if c_end[a] < c_end[pick]:
                        pick = a
            j = active[pick]
            o = head[j]
            mc = c_mc[pick]
            t, c, su = c_start[pick], c_crit[pick], c_setup[pick]
            assign[o] = mc
            if last[mc] >= 0:
                mnext[last[mc]] = o
            else:
                mfirst[mc] = o
            mprev[o] = last[mc]
            remaining[j] -= mean_dur[o]
            head[j] = job_next[o]
            if head[j] < 0:
                n_active -= 1
                active[pick:n_active] = active[pick + 1:n_active + 1].copy()
        start[o] = t
        end[o] = t + dur[o, mc]
        free[o] = end[o]
        crit[o] = c
        setup[o] = su
        order[placed] = o
        placed += 1
        last[mc] = o
        done[o] = True
        jp = job_prev[o]
        if jp >= 0 and hold[jp] >= 0:  # the previous step's machine is free again
            free[jp] = max(end[jp], t + hold[jp] * dur[o, mc])
        if crew[mc] >= 0 and end[o] - (t - su) > 1e-12:
            k = n_occ[0]
            occ_s[k], occ_e[k], occ_c[k] = t - su, end[o], crew[mc]
            n_occ[0] = k + 1
        if rule == SEQUENCE:
            for q in (job_next[o], mnext[o],
                      mnext[jp] if jp >= 0 and hold[jp] >= 0 else -1):
                if q >= 0:
                    indeg[q] -= 1
                    if indeg[q] == 0:
                        stack[top] = q
                        top += 1
    return placed == n
