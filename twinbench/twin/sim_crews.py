"""Crews in the line simulation: operators on duty per shift, who attend the machines.

The spec's :class:`~twinbench.spec.Crew` semantics, as the event loop
(:mod:`twinbench.twin.sim_engine`) applies them with the helpers of this module:

* **Who needs an operator.** A machine of a crew's stations starts a unit (its setup, if
  any, and its processing) or a setup ahead of a planned lot (schedule replay) only when
  one of the crew's operators is free. Stations in no crew need no operator; maintenance
  and repairs need no crew operator.
* **How long the operator stays.** From the start of the setup or processing to its end,
  including a repair or a maintenance pause that falls inside the operation: the engine
  draws an operation's failures and pauses when it starts, so the operator stays with the
  machine through them (a repair is done by the maintenance staff; the operator waits for
  it to resume). The operator is released when processing ends, even when the machine
  then holds the unit, blocked by a full buffer downstream.
* **Shift changes.** The number on duty in a working hour is the crew's ``on_duty`` of the
  shift running then (the largest when shifts overlap); it changes at the start of a
  working hour. When fewer operators come on duty, the units running finish with their
  operator (no operation is cut off); no new start happens until fewer operators are busy
  than are on duty. With 0 on duty no unit starts in that shift.
* **Who is served first.** A machine that would start a unit but finds no free operator
  waits for one; when an operator frees (an operation ends, or more come on duty), the
  machine of the crew that has waited longest is served first (ties: the lower machine
  index, i.e. the spec's order). A machine that is not waiting (one that just became
  free) comes after all that are.

Results (per replication, over the statistics window): operator hours attending machines
per crew, machine hours waiting for an operator per machine, operator hours on the roster
per crew (from the calendar, :func:`crew_arrays`) and *overtime*: the operator hours of
those who stay past a shift change with fewer on duty to finish the unit in hand
(:func:`crew_overtime`, the time integral of busy beyond the roster). Operator hours on
duty are roster plus overtime, so ``operator_utilization`` = attending / on duty is never
above 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twinbench.spec import LineSpec
from twinbench.twin.sim_heap import heap_push

__all__ = ["SHIFT_CHANGE", "crew_arrays", "crew_gate", "crew_overtime", "crew_release",
           "crew_reset", "crew_shift", "crew_sweep", "crew_unflag"]

#: event kind of a change in the number of operators on duty (before all other kinds)
SHIFT_CHANGE = -1


def _duty(spec: LineSpec, working: np.ndarray, t0) -> np.ndarray:
    """Operators on duty per crew and working hour, (crew, working hour) [person]."""
    import pandas as pd

    wall = np.flatnonzero(working > 0)
    stamps = pd.Timestamp(t0) + pd.to_timedelta(wall, unit="h")
    running = [np.array(spec.calendar.model_copy(update={"shifts": [sh]}).working_mask(stamps),
                        dtype=bool) for sh in spec.calendar.shifts]
    duty = np.zeros((len(spec.crews), len(wall)), dtype=np.int64)
    for c, crew in enumerate(spec.crews):
        best = np.full(len(wall), -1, dtype=np.int64)
        for sh, on in zip(spec.calendar.shifts, running, strict=True):
            best = np.where(on, np.maximum(best, crew.on_duty(sh.name)), best)
        duty[c] = np.where(best >= 0, best, crew.operators)
    return duty


def crew_arrays(spec: LineSpec, stations: list[str], working: np.ndarray, t0,
                horizon: float, warmup: float) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The crews' fields of :class:`~twinbench.twin.sim_types.SimInputs`, and the operator
    hours on duty per crew within the statistics window.

    Parameters
    ----------
    spec
        The line (its crews and calendar).
    stations
        Station names by index.
    working
        Whether each wall-clock hour from ``t0`` is a working hour (the
        :class:`~twinbench.twin.sim_inputs.WorkingClock`'s mask) [1].
    t0
        Start of the simulation [wall clock].
    horizon, warmup
        End and start of the statistics window [h, working time].

    Returns
    -------
    fields
        ``st_crew, cr_duty0, cw_time, cw_crew, cw_val``.
    on_duty
        Operator hours on duty per crew in ``[warmup, horizon]`` [person*h].
    """
    st_crew = np.full(len(stations), -1, dtype=np.int64)
    for c, crew in enumerate(spec.crews):
        for st in crew.stations:
            st_crew[stations.index(st)] = c
    n_c = len(spec.crews)
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    if n_c == 0:
        return {"st_crew": st_crew, "cr_duty0": empty_i, "cw_time": empty_f,
                "cw_crew": empty_i, "cw_val": empty_i}, empty_f
    duty = _duty(spec, working, t0)
    nb = duty.shape[1]
    times, crews, vals = [], [], []
    for c in range(n_c):
        for b in np.flatnonzero(np.diff(duty[c]) != 0) + 1:
            if b <= horizon:
                times.append(float(b))
                crews.append(c)
                vals.append(int(duty[c, b]))
    lo = np.arange(nb, dtype=float)
    share = np.clip(np.minimum(lo + 1, horizon) - np.maximum(lo, warmup), 0, 1)
    on_duty = (duty * share[None, :]).sum(axis=1)
    fields = {"st_crew": st_crew,
              "cr_duty0": duty[:, 0].copy() if nb else np.zeros(n_c, dtype=np.int64),
              "cw_time": np.array(times, dtype=float),
              "cw_crew": np.array(crews, dtype=np.int64),
              "cw_val": np.array(vals, dtype=np.int64)}
    return fields, on_duty


@njit(cache=True)
def crew_reset(cr_duty0, cw_time, horizon, c_duty, c_busy, m_wprio, ht, hk, hi, hn):
    """Start a replication: operators of the first working hour on duty, none busy, no
    machine waiting; push the shift changes up to ``horizon`` [h]. Returns the heap size."""
    c_duty[:] = cr_duty0
    c_busy[:] = 0
    m_wprio[:] = -1.0
    for g in range(cw_time.shape[0]):
        if cw_time[g] <= horizon:
            hn = heap_push(ht, hk, hi, hn, cw_time[g], SHIFT_CHANGE, g)
    return hn


@njit(cache=True)
def crew_shift(g, cw_crew, cw_val, c_duty, st_crew, touched) -> None:
    """Shift change ``g``: its crew's operators on duty become ``cw_val[g]``; the crew's
    stations are dispatched again."""
    c = cw_crew[g]
    c_duty[c] = cw_val[g]
    for s in range(st_crew.shape[0]):
        if st_crew[s] == c:
            touched[s] = True


@njit(cache=True)
def crew_overtime(op_over, rep, c_busy, c_duty, t_from, t_to, warmup) -> None:
    """Add the operator hours busy beyond the roster from ``t_from`` to ``t_to`` [h] (no
    event between them: busy and on duty constant) within the statistics window to
    ``op_over[rep]`` [person*h]."""
    a = max(t_from, warmup)
    if t_to > a:
        for c in range(c_busy.shape[0]):
            extra = c_busy[c] - c_duty[c]
            if extra > 0:
                op_over[rep, c] += extra * (t_to - a)


@njit(cache=True)
def crew_release(m, mach_station, st_crew, c_busy) -> None:
    """Machine ``m`` ended its setup or processing: its operator (if any) is free."""
    c = st_crew[mach_station[m]]
    if c >= 0:
        c_busy[c] -= 1


@njit(cache=True)
def crew_unflag(m, t, m_wprio, m_wsince, op_wait, rep, warmup, horizon) -> float:
    """Before machine ``m`` is dispatched at ``t`` [h]: stop its wait for an operator (the
    hours within the window go to ``op_wait``) and clear it. Returns since when it waited
    (its priority) [h], -1 if it was not waiting."""
    p = m_wprio[m]
    if p >= 0.0:
        x = min(t, horizon) - max(m_wsince[m], warmup)
        if x > 0.0:
            op_wait[rep, m] += x
        m_wprio[m] = -1.0
    return p


@njit(cache=True)
def crew_gate(m, s, t, p, st_crew, mach_station, m_state, c_busy, c_duty, m_wprio,
              m_wsince) -> bool:
    """Machine ``m`` of crew station ``s`` would start at ``t`` [h]; ``p`` is since when it
    has waited (-1: not waiting). True: an operator is free and no machine of the crew has
    waited longer, the operator is taken. False: ``m`` waits for an operator."""
    c = st_crew[s]
    free = c_busy[c] < c_duty[c]
    mine = p if p >= 0.0 else t
    if free:
        for mm in range(mach_station.shape[0]):
            w = m_wprio[mm]
            if (w >= 0.0 and mm != m and m_state[mm] == 0 and st_crew[mach_station[mm]] == c
                    and (w < mine or (w == mine and mm < m))):
                free = False
                break
    if free:
        c_busy[c] += 1
        return True
    m_wprio[m] = mine
    m_wsince[m] = t
    return False


@njit(cache=True)
def crew_sweep(st_crew, mach_station, c_busy, c_duty, m_wprio, touched) -> bool:
    """After a dispatch round: touch the stations of machines waiting for an operator of a
    crew that has one free; True if any (dispatch again)."""
    again = False
    for mm in range(mach_station.shape[0]):
        if m_wprio[mm] >= 0.0:
            s = mach_station[mm]
            c = st_crew[s]
            if c_busy[c] < c_duty[c]:
                touched[s] = True
                again = True
    return again
