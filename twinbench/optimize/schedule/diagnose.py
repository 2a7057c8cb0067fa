"""Why no schedule exists: a conflicting set of constraints in the plant's terms.

The scheduling model is rebuilt with loose time windows (so that every rule lives in a
named constraint, not in a variable bound) and a feasibility objective; the deletion filter
(:func:`twinbench.optimize.diagnose.deletion_filter`) then keeps an irreducible set of
groups such as ``deadline of O0007 (2026-01-06 14:00)``, ``maintenance maint-PRESS-1 window
...``, ``PRESS-1 unavailable ...``, ``PRESS-1 one job at a time (with setups)``, ``routing
of O0007``, ``crew 'press' (0 operators on the late shift, ...)``, ``buffer in front of
PAINT (0 units: ...)``. The whole model is solved first: a feasible model gets the verdict
``feasible`` (see :class:`~twinbench.optimize.diagnose.Diagnosis`), never a list of every
group.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pyomo.environ as pyo

from twinbench.optimize.diagnose import Diagnosis, conflict_set, feasibility
from twinbench.optimize.schedule.model import build_model
from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["diagnose", "diagnose_schedule", "schedule_groups"]


def _when(problem: ScheduleProblem, h: float, end: bool = False) -> str:
    """Working-clock hour ``h`` [h] as the plant reads it (wall clock when known); with
    ``end``, the end of a shift rather than the start of the next."""
    if problem.t0 is None:
        return f"{h:.1f} h"
    if end:
        return f"{problem.to_wall(np.array([h - 1e-6]))[0].round('min'):%Y-%m-%d %H:%M}"
    return f"{problem.to_wall(np.array([h]))[0]:%Y-%m-%d %H:%M}"


def schedule_groups(m: pyo.ConcreteModel, problem: ScheduleProblem) -> dict[str, list]:
    """Constraints of the scheduling model grouped under names in the plant's terms."""
    g: dict[str, list] = {}

    def add(name: str, cs: list) -> None:
        """File the constraints ``cs`` under ``name``."""
        g.setdefault(name, []).extend(cs)

    jobs = problem.ops["job"]
    for o, c in m.release.items():
        j = jobs.iat[o]
        add(f"release of {j} ({_when(problem, float(problem.jobs.at[j, 'release']))})", [c])
    for o, c in list(m.prec.items()) + list(m.prec_end.items()):
        add(f"routing of {jobs.iat[o]} (steps in order)", [c])
    for j, c in m.deadline.items():
        add(f"deadline of {j} ({_when(problem, float(problem.jobs.at[j, 'deadline']))})", [c])
    mt = problem.maintenance.reset_index(drop=True)
    for k in m.maint_deadline:
        r = mt.iloc[k]
        add(f"maintenance {r['task']} on {r['machine']} ({r['duration']:.1f} h) between "
            f"{_when(problem, float(r['earliest']))} and {_when(problem, float(r['deadline']))}"
            f" ({r.get('reason', '')})", [m.maint_deadline[k], m.maint_earliest[k]])
    for comp in (m.before, m.after, m.forced):
        for (_i, _j, mc), c in comp.items():
            add(f"{mc} one job at a time (with setups)", [c])
    for (_i, mc), c in m.initial_setup.items():
        add(f"{mc} ready at {_when(problem, problem.machine_ready.get(mc, 0.0))} "
            "(and set up)", [c])
    blocks = problem.blocks.reset_index(drop=True)
    for comp in (m.block_before, m.block_after):
        for (_i, b), c in comp.items():
            r = blocks.iloc[b]
            add(f"{r['machine']} unavailable {_when(problem, float(r['start']))} to "
                f"{_when(problem, float(r['end']))} ({r.get('reason', '')})", [c])
    _resource_groups(m, problem, add)
    add(f"planning horizon (everything done by {_when(problem, problem.horizon)})",
        [m.horizon_limit])
    return g


def _resource_groups(m: pyo.ConcreteModel, problem: ScheduleProblem,
                     add: Callable[[str, list], None]) -> None:
    """The crews' and buffers' constraints under their plant names."""
    def people(k: int) -> str:
        """``k`` operators in words."""
        return f"{k} operator{'' if k == 1 else 's'}"

    for comp in (m.crew_first, m.crew_second):
        for (c, _i, _j, _r), con in comp.items():
            add(f"crew {c!r} ({people(m.crew_info[c][0])}, one machine each)", [con])
    for comp in (m.crew_block_before, m.crew_block_after):
        for (c, _r, b, _i), con in comp.items():
            _, a_s, a_e, a_k, names = m.crew_info[c]
            shift = f" on the {names[b]} shift" if names[b] else ""
            add(f"crew {c!r} ({people(int(a_k[b]))}{shift}, {_when(problem, float(a_s[b]))} "
                f"to {_when(problem, float(a_e[b]), end=True)})", [con])
    if len(m.H):
        nxt = problem.next_op()
        st = problem.ops["station"]
        for o, con in m.hold_buffer.items():
            down = st.iat[int(nxt[o])]
            add(f"buffer in front of {down} ({problem.buffers[down]} units: {st.iat[o]} "
                f"holds {problem.ops['job'].iat[o]} until {down} takes it)", [con])


def diagnose_schedule(problem: ScheduleProblem, solver: str = "appsi_highs",
                      time_limit: float | None = 120.0) -> Diagnosis:
    """Is there a plan at all, and if not, which constraint groups conflict.

    Parameters
    ----------
    time_limit
        Wall-time limit of the whole diagnosis [s] (the first solve of the whole model
        gets half of it): past it the verdict is ``unknown`` or ``partial``.

    Returns
    -------
    Diagnosis
        ``feasible`` (a plan exists), ``infeasible`` with an irreducible set of groups in
        the plant's terms, ``partial`` or ``unknown`` (time limit).
    """
    tic = time.perf_counter()
    n_items = problem.n_ops + len(problem.maintenance)
    est = np.zeros(n_items)
    lst = np.full(n_items, 4.0 * problem.horizon + 1.0)
    m, _ = build_model(problem, {"makespan": 1.0}, (est, lst))
    m.horizon_limit = pyo.Constraint(expr=m.cmax <= problem.horizon)
    m.obj.deactivate()
    m.load_bound.deactivate()
    m.feasibility = pyo.Objective(expr=0.0)
    whole = feasibility(m, solver, None if time_limit is None else 0.5 * time_limit)
    if whole != "infeasible":
        return Diagnosis(whole, [], time.perf_counter() - tic)

    undecided = []  # solves stopped by the time limit: the set found may not be irreducible

    def ok(model: pyo.ConcreteModel) -> bool:
        """The model has a plan with the groups still active (or the solve ran out of the
        time left, in which case the group is kept: the set still conflicts)."""
        rest = None if time_limit is None else max(1.0, time_limit
                                                   - (time.perf_counter() - tic))
        verdict = feasibility(model, solver, rest)
        if verdict == "unknown":
            undecided.append(1)
        return verdict != "infeasible"

    groups = schedule_groups(m, problem)
    # try the groups least likely to be the cause first, so the set found reads naturally
    order = sorted(groups, key=lambda k: (k.startswith(("deadline", "maintenance", "planning",
                                                         "release")), k))
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - tic))
    d = conflict_set(m, {k: groups[k] for k in order}, ok, time_limit=left, check_whole=False)
    if undecided and d.status == "infeasible":
        d.status = "partial"
    d.seconds = time.perf_counter() - tic
    return d


def diagnose(problem: ScheduleProblem, solver: str = "appsi_highs",
             time_limit: float | None = 120.0) -> list[str]:
    """An irreducible set of conflicting constraint groups (names in the plant's terms);
    empty when the model is feasible (:func:`diagnose_schedule` gives the verdict)."""
    return diagnose_schedule(problem, solver, time_limit).groups
