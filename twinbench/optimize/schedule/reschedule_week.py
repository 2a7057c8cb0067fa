"""Rescheduling a plant's first week from the command line (``twinbench reschedule``).

The approved plan is the week's schedule of the firm orders released in the first seven
days (solved here with the same objective and seed); the disruptions are given as short
strings, times either as working-clock hours from ``t0`` (``20``) or as wall-clock
timestamps (``2026-01-06T08:00``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.problem import (
    ScheduleInputError,
    ScheduleProblem,
    problem_from_plant,
)
from twinbench.optimize.schedule.reschedule import Rescheduled, reschedule
from twinbench.optimize.schedule.solve import Schedule, solve_schedule

__all__ = ["WeekReschedule", "approved_week", "parse_time", "reschedule_week"]


@dataclass
class WeekReschedule:
    """The approved week and its replanned version."""

    approved: Schedule
    result: Rescheduled

    def summary(self) -> str:
        """What moved and what it cost, in a few lines."""
        r, a = self.result, self.approved
        chosen = r.candidates[r.candidates["chosen"]]
        lines = [f"approved plan: {a.problem.n_ops} operations, objective {a.objective:.3f} "
                 f"({a.stage}, {a.status})",
                 f"replanned in {r.seconds:.1f} s: {r.plan.problem.n_ops} operations left, "
                 f"{int((r.table['state'] != 'replanned').sum())} kept as they were, "
                 f"{r.n_moved} moved; check: "
                 f"{'passed' if not r.violations() else 'FAILED'}",
                 "candidates (objective of the remaining work, operations moved):"]
        for row in r.candidates.itertuples(index=False):
            mark = "*" if row.chosen else " "
            lines.append(f"  {mark} {row.name:<18s} {row.objective:10.3f} {row.moved:6.0f}")
        if len(chosen) and len(r.moved):
            lines.append("moved (first 15):")
            for m in r.moved.head(15).itertuples(index=False):
                lines.append(f"  {m.job} step {m.step}: {m.machine_before} -> "
                             f"{m.machine_after}, start {m.start_before:.2f} -> "
                             f"{m.start_after:.2f} h ({m.shift:+.2f} h)")
        return "\n".join(lines)


def parse_time(text: str, problem: ScheduleProblem) -> float:
    """A time as working-clock hours [h]: a number is taken as such, anything else as a
    wall-clock timestamp converted with the problem's calendar."""
    try:
        return float(text)
    except ValueError:
        pass
    if problem.t0 is None:
        raise ScheduleInputError(f"time {text!r}: this problem has no calendar, give hours")
    try:
        ts = pd.Timestamp(text)
    except ValueError as err:
        raise ScheduleInputError(f"time {text!r} is neither hours nor a timestamp "
                                 "(e.g. 20 or 2026-01-06T08:00)") from err
    wall = (ts - problem.t0) / pd.Timedelta(hours=1)
    return float(problem.clock().to_working(np.array([max(wall, 0.0)]))[0])


def _split(text: str, n: int, what: str, example: str) -> list[str]:
    """``text`` split at commas into exactly ``n`` parts."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != n or not all(parts):
        raise ScheduleInputError(f"{what} {text!r}: expected {n} comma-separated fields, "
                                 f"e.g. {example!r}")
    return parts


def approved_week(plant, week_start: pd.Timestamp | None = None, *,
                  objective: str = "balanced", time_limit: float = 20.0, seed: int = 0
                  ) -> Schedule:
    """The approved plan of a week: the schedule of the orders released in it.

    Parameters
    ----------
    plant
        A loaded plant (:func:`twinbench.data.plant.load_plant`).
    week_start
        First day of the week; default the day of the first release. The week is the
        seven days from its midnight.
    time_limit
        Solver time [s].

    Raises
    ------
    ScheduleInputError
        When no order is released in that week (the releases it has are named).
    """
    rel = pd.to_datetime(plant.orders["release"])
    start = (rel.min() if week_start is None else pd.Timestamp(week_start)).normalize()
    inside = (rel >= start) & (rel < start + pd.Timedelta(days=7))
    if not inside.any():
        raise ScheduleInputError(
            f"no order is released in the week from {start:%Y-%m-%d}: the plant's orders "
            f"are released from {rel.min():%Y-%m-%d %H:%M} to {rel.max():%Y-%m-%d %H:%M}")
    week = plant.orders[inside].reset_index(drop=True)
    problem = problem_from_plant(plant.spec, week)
    return solve_schedule(problem, objective, time_limit=time_limit, seed=seed, duals=False)


def reschedule_week(plant_dir: Path | None = None, *, now: str, freeze: float = 4.0,
                    breakdowns: list[str] = (), late: list[str] = (), rush: list[str] = (),
                    objective: str = "balanced", time_limit: float = 20.0,
                    max_loss: float = 0.02, seed: int = 0) -> WeekReschedule:
    """Approve the plant's first week, then replan it from ``now``.

    Parameters
    ----------
    now
        The current time (hours or timestamp, see :func:`parse_time`).
    freeze
        Frozen window after ``now`` [h].
    breakdowns
        ``MACHINE,START,END`` each.
    late
        ``ORDER,ARRIVAL`` each: the order's material arrives then.
    rush
        ``PRODUCT,QUANTITY,DUE`` each: new orders ``RUSH1``, ``RUSH2``, ... released now.
    time_limit
        Solver time of the approved plan and of the replanning, each [s].
    """
    from twinbench.data.plant import load_plant

    plant = load_plant(plant_dir)
    approved = approved_week(plant, objective=objective, time_limit=time_limit, seed=seed)
    problem = approved.problem
    t_now = parse_time(now, problem)
    bd = []
    for text in breakdowns:
        m, a, b = _split(text, 3, "breakdown", "WELD1,20,28")
        bd.append((m, parse_time(a, problem), parse_time(b, problem), "breakdown"))
    bd_df = pd.DataFrame(bd, columns=["machine", "start", "end", "reason"]) if bd else None
    late_map = {}
    for text in late:
        j, when = _split(text, 2, "late material", "O0007,40")
        late_map[j] = parse_time(when, problem)
    extra = None
    if rush:
        rows = []
        wall_now = pd.Timestamp(problem.to_wall(np.array([t_now]))[0])
        for k, text in enumerate(rush, 1):
            prod, qty, due = _split(text, 3, "rush order", "P1,20,2026-01-07T12:00")
            rows.append((f"RUSH{k}", prod, int(qty), wall_now, pd.Timestamp(due)))
        orders = pd.DataFrame(rows, columns=["order_id", "product", "quantity", "release",
                                             "due"])
        extra = problem_from_plant(plant.spec, orders, t0=problem.t0)
    res = reschedule(approved, t_now, freeze=freeze, breakdowns=bd_df,
                     late_materials=late_map, rush=extra, time_limit=time_limit,
                     max_loss=max_loss, seed=seed)
    return WeekReschedule(approved, res)
