"""Crews and finite buffers in the scheduling problem: the rules, and their numbers.

Crews
    A crew's machines run (set up or process) only while one of its operators attends
    them, one machine per operator. Rule: at every instant of the working clock, the
    crew's machines that are setting up or processing are at most the operators on duty
    then. An operation occupies an operator over ``[start - setup, end]`` (the setup is
    done just before ``start``, see :mod:`~twinbench.optimize.schedule.check`); a machine
    blocked by a full buffer (below) holds a finished part and needs no operator;
    maintenance needs none either. ``problem.crew_size[c]`` operators are on duty except
    in the intervals of ``problem.crew_shifts`` (working clock), which list the shifts
    with fewer. Operators change at shift boundaries, so an operation that runs into the
    next shift is attended by that shift's operators.
Finite buffers
    ``problem.buffers[station] = B`` units can wait in front of ``station``. Units of a
    lot of ``q`` units enter the downstream machine one at a time, one every ``p = d / q``
    [h] from its ``start`` (``d`` the downstream duration). A unit leaves the upstream
    machine only into a free buffer place, so the last unit leaves once the downstream
    step has taken all but ``B + 1`` units: the upstream machine is *held* (blocked, not
    processing) until ``free = max(end, start_down + (q - B - 1) x p)``, and its next
    operation starts (after its setup) only then. ``hold`` is ``(q - B - 1) / q`` [1] of
    the downstream duration (``q <= B``: no hold). Units of other lots waiting in the same
    buffer are not counted (the rule is per lot); a held machine may be maintained or
    down meanwhile (the part waits on it).

Here: building both from the plant (:func:`crews_from_spec`, :func:`buffers_from_spec`),
the step function of operators on duty (:func:`crew_segments`), the hold of each
operation (:func:`hold_share`) and the free times of a plan (:func:`free_times`).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from twinbench.spec import LineSpec
from twinbench.spec.calendar import WEEKDAYS, _hours

MAINT = "MAINT"  # the job of maintenance tasks (check.MAINT; not imported: check imports
#                 problem, which imports this module)

if TYPE_CHECKING:
    from twinbench.twin.simulation import WorkingClock

__all__ = ["CREW_COLUMNS", "binding_crews", "buffers_from_spec", "crew_segments",
           "crews_from_spec", "crews_left", "free_times", "hold_share", "on_duty_at"]

#: columns of ``ScheduleProblem.crew_shifts`` (``problem`` below is a
#: :class:`~twinbench.optimize.schedule.problem.ScheduleProblem`; not imported: it
#: imports this module)
CREW_COLUMNS = ["crew", "start", "end", "operators", "shift"]


def _shift_of_hours(spec: LineSpec, grid: pd.DatetimeIndex) -> list[str]:
    """Name of the shift running at each wall-clock hour (``""``: none), as the
    calendar's working mask decides it (the first matching shift)."""
    holidays = set(spec.calendar.holidays)
    out = []
    for ts in grid:
        hod = ts.hour + ts.minute / 60
        day, prev_day = WEEKDAYS[ts.weekday()], WEEKDAYS[(ts.weekday() - 1) % 7]
        name = ""
        if ts.date() not in holidays:
            for s in spec.calendar.shifts:
                a, b = _hours(s.start), _hours(s.end)
                on = (day in s.days and a <= hod < b) if a < b else (
                    (day in s.days and hod >= a) or (prev_day in s.days and hod < b))
                if on:
                    name = s.name
                    break
        out.append(name)
    return out


def crews_from_spec(spec: LineSpec, clock: WorkingClock,
                    ) -> tuple[dict[str, list[str]], dict[str, int], pd.DataFrame]:
    """The line's crews on the working clock of ``clock``.

    Returns
    -------
    crews
        ``{crew: machines}`` (the machines of its stations).
    size
        ``{crew: operators}``, the most on duty in any shift [person].
    shifts
        :data:`CREW_COLUMNS`: the working-clock intervals [h] where a crew has fewer on
        duty, ``operators`` [person] and the ``shift``'s name.
    """
    crews = {c.name: [m for st in c.stations for m in spec.station_map[st].machine_ids]
             for c in spec.crews}
    size = {c.name: max([c.operators, *c.per_shift.values()]) for c in spec.crews}
    rows: list[tuple] = []
    if spec.crews:
        grid = pd.date_range(clock.t0, periods=len(clock.working), freq="h")
        names = _shift_of_hours(spec, grid)
        for c in spec.crews:
            cur = None
            for i in np.flatnonzero(clock.working > 0):
                k = c.on_duty(names[i])
                a = float(clock.cum[i])
                if k >= size[c.name]:
                    cur = None
                    continue
                if cur is not None and cur[3] == k and cur[4] == names[i] and abs(
                        cur[2] - a) < 1e-9:
                    cur[2] = a + 1.0
                else:
                    cur = [c.name, a, a + 1.0, k, names[i]]
                    rows.append(cur)
    shifts = pd.DataFrame([tuple(r) for r in rows], columns=CREW_COLUMNS)
    return crews, size, shifts


def buffers_from_spec(spec: LineSpec) -> dict[str, int]:
    """``{station: capacity [unit]}`` of the finite buffers of the line."""
    out = {}
    for st in spec.stations:
        cap = spec.buffer_capacity(st.name)
        if cap is not None:
            out[st.name] = int(cap)
    return out


def crew_segments(problem: Any, crew: str,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Intervals where ``crew`` has fewer than its size on duty, sorted: ``start, end``
    [h], ``operators`` [person] and shift names."""
    t = problem.crew_shifts
    t = t[t["crew"] == crew].sort_values("start") if len(t) else t
    return (t["start"].to_numpy(float), t["end"].to_numpy(float),
            t["operators"].to_numpy(np.int64), [str(s) for s in t["shift"]])


def on_duty_at(problem: Any, crew: str, t: float) -> tuple[int, str]:
    """Operators of ``crew`` on duty at working-clock hour ``t`` [h] and the shift's name
    (``""`` where the crew has its full size)."""
    a, b, k, names = crew_segments(problem, crew)
    inside = np.flatnonzero((a <= t + 1e-9) & (t < b - 1e-9))
    if len(inside):
        return int(k[inside[0]]), names[inside[0]]
    return int(problem.crew_size[crew]), ""


def binding_crews(problem: Any) -> list[str]:
    """The crews that can constrain a plan: more machines than operators in some shift."""
    out = []
    for c, mcs in problem.crews.items():
        _, _, k, _ = crew_segments(problem, c)
        least = min([int(problem.crew_size[c]), *k.tolist()])
        if len(mcs) > least:
            out.append(c)
    return out


def hold_share(problem: Any) -> np.ndarray:
    """``(n,)`` share of the next step's duration the machine of each operation is held
    after that step starts, ``(q - B - 1) / q`` [1]; -1 where it is never held (no next
    step, an unlimited buffer, or ``q <= B``)."""
    out = np.full(problem.n_ops, -1.0)
    if not problem.buffers or "station" not in problem.ops or "quantity" not in problem.jobs:
        return out
    nxt = problem.next_op()
    st = problem.ops["station"].to_numpy()
    q = problem.jobs.loc[problem.ops["job"], "quantity"].to_numpy(float)
    for o in np.flatnonzero(nxt >= 0):
        cap = problem.buffers.get(str(st[nxt[o]]))
        if cap is not None and q[o] > cap:
            out[o] = (q[o] - cap - 1.0) / q[o]
    return out


def free_times(problem: Any, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``(n,)`` hour each operation's machine is free again [h]: its end, or later while a
    full buffer holds it (:func:`hold_share`); ``start``/``end`` by operation (NaN:
    unplaced)."""
    free = np.asarray(end, dtype=float).copy()
    hold = hold_share(problem)
    nxt = problem.next_op()
    for o in np.flatnonzero(hold >= 0):
        n = nxt[o]
        if np.isfinite(start[n]):
            free[o] = max(free[o], start[n] + hold[o] * (end[n] - start[n]))
    return free


def crews_left(problem: Any, done: pd.DataFrame) -> pd.DataFrame:
    """``problem.crew_shifts`` less the operators the plan ``done`` keeps busy (over each
    operation's setup and processing): what later windows still have."""
    if not problem.crews:
        return problem.crew_shifts
    crew_of = {mc: c for c, mcs in problem.crews.items() for mc in mcs}
    fam = problem.family_of_op()
    rows = []
    for c in problem.crews:
        seg = problem.crew_shifts[problem.crew_shifts["crew"] == c]
        busy = done[(done["job"] != MAINT) & done["machine"].map(crew_of).eq(c)]
        busy = busy.sort_values(["machine", "start"])
        su = np.zeros(len(busy))
        prev = {}
        for k, (mc, o) in enumerate(zip(busy["machine"], busy["op"].astype(int),
                                        strict=True)):
            f = fam[o]
            su[k] = problem.setup_time(mc, prev.get(mc, problem.initial_family.get(mc)), f)
            prev[mc] = f
        a = busy["start"].to_numpy(float) - su
        b = busy["end"].to_numpy(float)
        cuts = np.unique(np.concatenate([a, b, seg["start"].to_numpy(float),
                                         seg["end"].to_numpy(float)]))
        size = int(problem.crew_size[c])
        for lo, hi in itertools.pairwise(cuts):
            mid = 0.5 * (lo + hi)
            on = seg[(seg["start"] <= mid) & (seg["end"] > mid)]
            k = int(on["operators"].iat[0]) if len(on) else size
            k -= int(((a <= mid) & (b > mid)).sum())
            if k < size:
                rows.append((c, float(lo), float(hi), max(k, 0),
                             str(on["shift"].iat[0]) if len(on) else ""))
    return pd.DataFrame(rows, columns=list(problem.crew_shifts.columns))

