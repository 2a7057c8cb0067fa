"""Replanning a live breakdown with the shop-floor rescheduler, off the live loop.

A breakdown seen live (:class:`twinbench.live.livetwin.LiveTwin`) opens a proposal
(:mod:`twinbench.live.proposals`). :class:`WeekReplanner` is the ``replan`` it calls: it
takes the approved plan of the week the breakdown falls in (:func:`~twinbench.optimize.
schedule.reschedule_week.approved_week`: the schedule of the orders released that week,
solved once per week and kept) and replans it from the breakdown's plant time with
:func:`~twinbench.optimize.schedule.reschedule.reschedule` (work in progress and the
frozen window stay; the machine is unavailable for the expected repair time).

Replanning takes seconds to tens of seconds, longer than the live loop may wait (its lag
target is under a second), so it runs in one worker *process* (spawned, so the watch's
event loop, sockets and DuckDB connection are not forked; a process, so the solver does
not hold the watch's interpreter lock). :meth:`WeekReplanner.submit` returns a future;
the proposal book polls it. The plant is loaded once in the worker. Nothing is written
back to the plant: the result is a proposal that waits for a person's approval.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Replan", "WeekReplanner", "replan_breakdown"]


@dataclass
class Replan:
    """What the rescheduler made of one breakdown.

    Attributes
    ----------
    ok
        A replanned plan exists (else ``reason`` says why not).
    reason
        Why there is no replanned plan ("" when ``ok``).
    week_start
        The approved week's first day.
    summary
        The replan in a few lines (:meth:`WeekReschedule.summary`), or "".
    moved
        Operations of the approved plan that moved [1].
    check_passed
        The independent checker found nothing wrong with the whole replanned plan.
    objective_before, objective_after
        Objective of the approved plan's remaining work and of its replanned version
        (the rescheduler's candidates: first and chosen).
    result
        The :class:`~twinbench.optimize.schedule.reschedule_week.WeekReschedule`, or None.
    """

    ok: bool
    reason: str = ""
    week_start: pd.Timestamp | None = None
    summary: str = ""
    moved: int = 0
    check_passed: bool = False
    objective_before: float = float("nan")
    objective_after: float = float("nan")
    result: Any = field(default=None, repr=False)


_CACHE: dict[tuple, Any] = {}  # per process: the plant and the approved weeks


def replan_breakdown(plant_dir: str | None, machine: str, down_from: pd.Timestamp,
                     hours: float, *, freeze: float = 4.0, objective: str = "balanced",
                     time_limit: float = 20.0, seed: int = 0) -> Replan:
    """Replan the approved week around ``machine`` down from ``down_from`` for ``hours``.

    Parameters
    ----------
    plant_dir
        The plant folder (None: the shipped demo).
    down_from
        Plant time the machine failed.
    hours
        Expected repair time [h] (wall clock).
    freeze
        Frozen window after the breakdown [h, working clock].
    time_limit
        Solver time of the approved plan and of the replan, each [s].
    """
    from twinbench.data.plant import load_plant
    from twinbench.optimize.schedule.problem import ScheduleInputError
    from twinbench.optimize.schedule.reschedule import RescheduleFailed, reschedule
    from twinbench.optimize.schedule.reschedule_week import (
        WeekReschedule,
        approved_week,
        parse_time,
    )

    down_from = pd.Timestamp(down_from)
    week_start = (down_from - pd.Timedelta(days=down_from.day_of_week)).normalize()
    key = ("plant", plant_dir)
    plant = _CACHE.get(key) or _CACHE.setdefault(key, load_plant(plant_dir))
    wkey = (plant_dir, week_start, objective, time_limit, seed)
    try:
        approved = _CACHE.get(wkey) or _CACHE.setdefault(wkey, approved_week(
            plant, week_start, objective=objective, time_limit=time_limit, seed=seed))
    except ScheduleInputError as err:
        return Replan(False, f"no approved plan for the week of {week_start:%Y-%m-%d}: "
                             f"{err}", week_start)
    problem = approved.problem
    if machine not in problem.machines:
        return Replan(False, f"{machine} runs no operation of the approved week's plan "
                             f"(its machines: {', '.join(problem.machines)})", week_start)
    end_wall = approved.table["end_time"].max() if "end_time" in approved.table else None
    if end_wall is not None and down_from >= pd.Timestamp(end_wall):
        return Replan(False, f"the approved plan of the week of {week_start:%Y-%m-%d} ends "
                             f"{pd.Timestamp(end_wall):%Y-%m-%d %H:%M}, before the breakdown "
                             f"({down_from:%Y-%m-%d %H:%M}): nothing left to replan",
                      week_start)
    now = parse_time(down_from.isoformat(), problem)
    until = parse_time((down_from + pd.Timedelta(hours=hours)).isoformat(), problem)
    bd = pd.DataFrame([(machine, now, max(until, now + 1e-6), "breakdown (live)")],
                      columns=["machine", "start", "end", "reason"])
    try:
        res = reschedule(approved, now, freeze=freeze, breakdowns=bd,
                         time_limit=time_limit, seed=seed)
    except (ScheduleInputError, RescheduleFailed) as err:
        return Replan(False, f"the rescheduler refused: {err}", week_start)
    week = WeekReschedule(approved, res)
    cands = res.candidates
    chosen = cands[cands["chosen"]]
    return Replan(True, "", week_start, week.summary(), res.n_moved, not res.violations(),
                  float(cands["objective"].iloc[0]),
                  float(chosen["objective"].iloc[0]) if len(chosen) else float("nan"),
                  week)


class WeekReplanner:
    """The ``replan`` of a :class:`~twinbench.live.proposals.ProposalBook`: replans a
    breakdown in a worker process (see the module docstring).

    Parameters
    ----------
    plant_dir
        The plant folder (None: the shipped demo).
    freeze, objective, time_limit, seed
        As :func:`replan_breakdown`.
    """

    def __init__(self, plant_dir: str | Path | None = None, *, freeze: float = 4.0,
                 objective: str = "balanced", time_limit: float = 20.0,
                 seed: int = 0) -> None:
        self.plant_dir = None if plant_dir is None else str(plant_dir)
        self.settings = {"freeze": freeze, "objective": objective,
                         "time_limit": time_limit, "seed": seed}
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, machine: str, down_from: pd.Timestamp, hours: float) -> Future:
        """Start replanning; a future of a :class:`Replan`."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(replan_breakdown, self.plant_dir, machine,
                                 pd.Timestamp(down_from), float(hours), **self.settings)

    def close(self) -> None:
        """Stop the worker (waits for a replan under way)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
            self._pool = None
