"""Crews and full buffers in the scheduling MIP (:mod:`twinbench.optimize.schedule.model`).

Buffers: an operation whose machine a full buffer can hold gets a variable ``r`` (the
hour its machine is free, ``r >= end`` and ``r >= start_next + hold x duration_next``,
:func:`~twinbench.optimize.schedule.resources.hold_share`); the machine's next operation
starts after ``r`` plus its setup (:func:`add_holds`; used by the sequencing constraints).

Crews (:func:`add_crews`): a crew of ``k`` operators is ``k`` operator *slots*, like
parallel machines. Each operation on one of its machines takes one slot over
``[start - sigma, end]``, ``sigma`` being the least setup it can have there (the exact
setup depends on the machine's sequence, which this pairwise model does not know: a
relaxation, see below). Two operations on one slot do not overlap (a binary orders them,
big-M from the windows); slot ``r`` is blocked while ``r`` or fewer operators are on duty
(a binary puts each operation before or after the block).

Exactness: with as many operators in every shift (or 0), slots are exact (interval
graphs); the setup part is relaxed (``sigma`` <= the real setup), so the bound stays valid
and a plan the checker rejects for a crew is re-timed by the decoder. Where a shift has
fewer operators but not none, keeping one slot through a shift change is stricter than
the plant (operators change at shift boundaries): :func:`slots_restrict` says so, and the
MIP's bound is then not reported as one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyomo.environ as pyo

from twinbench.optimize.schedule.problem import ScheduleProblem
from twinbench.optimize.schedule.resources import binding_crews, crew_segments, hold_share

__all__ = ["add_crews", "add_holds", "slots_restrict", "warm_crews"]


def slots_restrict(problem: ScheduleProblem) -> list[str]:
    """Crews whose operator slots are stricter than the plant: a shift with fewer
    operators on duty than the crew's size, but some."""
    out = []
    for c in binding_crews(problem):
        _, _, k, _ = crew_segments(problem, c)
        if ((k > 0) & (k < problem.crew_size[c])).any():
            out.append(c)
    return out


def add_holds(m: pyo.ConcreteModel, problem: ScheduleProblem, est: np.ndarray,
              lst: np.ndarray, item_modes: dict[int, dict[str, float]],
              dur: Callable[[int], object]) -> dict[int, float]:
    """The free-time variables ``m.r`` of the operations a full buffer can hold, with
    constraints ``m.hold_end`` and ``m.hold_buffer``; returns ``{op: upper bound of r}``
    [h]."""
    hold = hold_share(problem)
    nxt = problem.next_op()
    held = [int(o) for o in np.flatnonzero(hold >= 0)]
    ub = {}
    for o in held:
        n = int(nxt[o])
        ub[o] = float(max(lst[o] + max(item_modes[o].values()),
                          lst[n] + hold[o] * max(item_modes[n].values())))
    lo = {o: float(est[o] + min(item_modes[o].values())) for o in held}
    m.H = pyo.Set(initialize=held)
    m.r = pyo.Var(m.H, bounds=lambda _m, o: (lo[o], max(lo[o], ub[o])))
    m.hold_end = pyo.Constraint(m.H, rule=lambda _m, o: _m.r[o] >= _m.s[o] + dur(o))
    m.hold_buffer = pyo.Constraint(m.H, rule=lambda _m, o: _m.r[o] >= _m.s[int(nxt[o])]
                                   + float(hold[o]) * dur(int(nxt[o])))
    return ub


def _least_setup(problem: ScheduleProblem, i: int, mcs: list[str],
                 item_modes: dict[int, dict[str, float]], family: list) -> float:
    """Least setup operation ``i`` can have on any of ``mcs`` [h] (its predecessor there
    unknown)."""
    best = np.inf
    for mc in mcs:
        fams = {family[j] for j, md in item_modes.items() if j != i and mc in md
                and family[j] is not None}
        cands = [problem.setup_time(mc, f, family[i]) for f in fams]
        cands.append(problem.setup_time(mc, problem.initial_family.get(mc), family[i]))
        best = min(best, min(cands))
    return float(best) if np.isfinite(best) else 0.0


def add_crews(m: pyo.ConcreteModel, problem: ScheduleProblem, est: np.ndarray,
              lst: np.ndarray, item_modes: dict[int, dict[str, float]], family: list,
              xv: Callable[[int, str], object], dur: Callable[[int], object]) -> None:
    """Operator slots of the binding crews (module docstring): ``m.w`` slot binaries,
    ``m.crew_first``/``m.crew_second`` (pairs on a slot, binary ``m.v``) and
    ``m.crew_block_before``/``m.crew_block_after`` (slot blocks, binary ``m.zc``), indexed
    ``(crew, ...)``; ``m.crew_info`` keeps what names them."""
    pairs, blocks, slots, assign, info = [], [], [], {}, {}
    sig: dict[int, float] = {}
    dmax = {i: max(md.values()) for i, md in item_modes.items()}
    for c in binding_crews(problem):
        mset = set(problem.crews[c])
        ops = [i for i in range(problem.n_ops) if mset & set(item_modes[i])]
        k = int(problem.crew_size[c])
        a_s, a_e, a_k, names = crew_segments(problem, c)
        info[c] = (k, a_s, a_e, a_k, names)
        for i in ops:
            sig[i] = _least_setup(problem, i, sorted(mset & set(item_modes[i])), item_modes,
                                  family)
            assign[c, i] = [mc for mc in item_modes[i] if mc in mset]
            slots += [(c, i, r) for r in range(k)]
        lo = {i: est[i] - sig[i] for i in ops}
        hi = {i: lst[i] + dmax[i] for i in ops}
        for a in range(len(ops)):
            i = ops[a]
            for j in ops[a + 1:]:
                if lo[j] >= hi[i] or lo[i] >= hi[j]:
                    continue
                if (len(item_modes[i]) == len(item_modes[j]) == 1
                        and set(item_modes[i]) == set(item_modes[j])):
                    continue  # one machine: its sequencing keeps them apart
                pairs += [(c, i, j, r) for r in range(k)]
        for r in range(k):
            for b in np.flatnonzero(a_k <= r):
                blocks += [(c, r, int(b), i) for i in ops
                           if hi[i] > a_s[b] and lo[i] < a_e[b]]
    m.crew_info = info
    m.crew_sigma = sig
    m.CS = pyo.Set(initialize=slots, dimen=3)
    m.w = pyo.Var(m.CS, within=pyo.Binary)

    def inc(c: str, i: int) -> object:
        """1 when operation ``i`` runs on one of crew ``c``'s machines."""
        return sum(xv(i, mc) for mc in assign[c, i])

    m.crew_slot = pyo.Constraint(list(assign), rule=lambda _m, c, i: sum(
        _m.w[c, i, r] for r in range(info[c][0])) == inc(c, i))
    m.CP = pyo.Set(initialize=pairs, dimen=4)
    m.v = pyo.Var(m.CP, within=pyo.Binary)  # 1: i's slot time before j's

    def off(c: str, i: int, j: int, r: int) -> object:
        """0 when both operations hold slot ``r``."""
        return (1 - m.w[c, i, r]) + (1 - m.w[c, j, r])

    def big(i: int, j: int) -> float:
        """Relaxes "j's slot time after i's" over the windows."""
        return max(0.0, float(lst[i] + dmax[i] - (est[j] - sig[j])))

    m.crew_first = pyo.Constraint(m.CP, rule=lambda _m, c, i, j, r: _m.s[j] - sig[j]
                                  >= _m.s[i] + dur(i) - big(i, j) * (1 - _m.v[c, i, j, r]
                                                                    + off(c, i, j, r)))
    m.crew_second = pyo.Constraint(m.CP, rule=lambda _m, c, i, j, r: _m.s[i] - sig[i]
                                   >= _m.s[j] + dur(j) - big(j, i) * (_m.v[c, i, j, r]
                                                                     + off(c, i, j, r)))
    m.CB = pyo.Set(initialize=blocks, dimen=4)
    m.zc = pyo.Var(m.CB, within=pyo.Binary)  # 1: before the block

    def _before(_m: pyo.ConcreteModel, c: str, r: int, b: int, i: int) -> object:
        """Operation ``i`` leaves slot ``r`` before the block starts."""
        bs = float(info[c][1][b])
        return _m.s[i] + dur(i) <= bs + max(0.0, float(lst[i] + dmax[i] - bs)) * (
            1 - _m.zc[c, r, b, i] + 1 - _m.w[c, i, r])

    def _after(_m: pyo.ConcreteModel, c: str, r: int, b: int, i: int) -> object:
        """Operation ``i`` takes slot ``r`` after the block ends."""
        be = float(info[c][2][b])
        return _m.s[i] - sig[i] >= be - max(0.0, float(be - est[i] + sig[i])) * (
            _m.zc[c, r, b, i] + 1 - _m.w[c, i, r])

    m.crew_block_before = pyo.Constraint(m.CB, rule=_before)
    m.crew_block_after = pyo.Constraint(m.CB, rule=_after)


def warm_crews(m: pyo.ConcreteModel, start: dict[int, float], end: dict[int, float]) -> None:
    """Slot binaries of a plan (``start``/``end`` by item [h]): operations take the lowest
    slot free over their time and not blocked then (a plan that needs an operator change
    at a shift boundary may find none: that operation keeps slot 0)."""
    if not hasattr(m, "crew_info"):
        return
    sig = m.crew_sigma
    taken: dict[tuple[str, int], list[tuple[float, float]]] = {}
    slot: dict[tuple[str, int], int] = {}
    by_crew: dict[str, list[int]] = {}
    for c, i, _r in m.CS:
        if i not in by_crew.setdefault(c, []):
            by_crew[c].append(i)
    for c, ops in by_crew.items():
        k, a_s, a_e, a_k, _ = m.crew_info[c]
        for i in sorted(ops, key=lambda o: start[o]):
            a, b = start[i] - sig[i], end[i]
            pick = 0
            for r in range(k):
                busy = taken.get((c, r), [])
                blocked = any(a_k[q] <= r and a < a_e[q] and b > a_s[q]
                              for q in range(len(a_s)))
                if not blocked and all(b <= x or a >= y for x, y in busy):
                    pick = r
                    break
            taken.setdefault((c, pick), []).append((a, b))
            slot[c, i] = pick
    for c, i, r in m.CS:
        m.w[c, i, r].set_value(1 if slot.get((c, i)) == r else 0)
    for c, i, j, r in m.CP:
        m.v[c, i, j, r].set_value(1 if start[i] <= start[j] else 0)
    for c, r, b, i in m.CB:
        m.zc[c, r, b, i].set_value(1 if end[i] <= float(m.crew_info[c][1][b]) + 1e-9 else 0)

