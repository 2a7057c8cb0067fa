"""The week's production plan, as the demo, the dashboard and the scenario runner make it.

:func:`week_problem` builds the scheduling problem of the first week's orders with
maintenance placed before the twin's failure-risk threshold; :func:`replay_plan` replays a
plan in the twin's simulation and sets its on-time risk per order beside a dispatching
rule's under the same maintenance, so that a plan is judged against a simple alternative.
"""

from __future__ import annotations

import pandas as pd

from twinbench.data.plant import PlantData

__all__ = ["OBJECTIVE", "REPLAY_HORIZON", "RUL_QUANTILE", "first_week", "replay_plan",
           "week_problem"]

OBJECTIVE = "balanced"  # weighted tardiness, energy cost, flow time
RUL_QUANTILE = 0.1  # maintenance before a 10% risk of reaching the wear limit
REPLAY_HORIZON = 24 * 21  # [h] wall clock: long enough for the week's orders to finish


def first_week(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders released in the first 7 days (from midnight of the first release)."""
    rel = pd.to_datetime(orders["release"])
    return orders[rel < rel.min().normalize() + pd.Timedelta(days=7)].reset_index(drop=True)


def week_problem(plant: PlantData, wear=None, downtime: pd.DataFrame | None = None):
    """The scheduling problem of the first week's orders.

    Parameters
    ----------
    wear
        The twin's wear forecast (:func:`twinbench.twin.greybox.greybox_forecast`); its
        RUL quantile :data:`RUL_QUANTILE` sets the maintenance deadlines (None: none).
    downtime
        Machine unavailability ``machine, start, end`` (wall clock).

    Durations are the mean processing times: replayed in the twin by sequence, plans made
    with durations stretched by the expected repair time did no better on the demo week
    (see ``problem_from_plant(failure_rate=...)``).
    """
    from twinbench.optimize.schedule.problem import maintenance_from_rul, problem_from_plant
    maint = None if wear is None else maintenance_from_rul(plant.spec, wear, RUL_QUANTILE)
    return problem_from_plant(plant.spec, first_week(plant.orders), maintenance=maint,
                              downtime=downtime)


def replay_plan(plant: PlantData, schedule, failures=None, replications: int = 100,
                seed: int = 0, downtime: pd.DataFrame | None = None, rule: str | None = "EDD",
                ) -> tuple[pd.DataFrame, object]:
    """Replay ``schedule`` in the twin (its machines and sequences, each lot as soon as
    possible); compare with dispatching by ``rule``.

    Returns
    -------
    on_time
        Per order: ``p_on_time`` and tardiness quantiles of the plan, and
        ``p_on_time_<rule>`` (same maintenance and downtime, same seeds) when ``rule``.
    result
        The plan's :class:`~twinbench.twin.simulation.SimulationResult`.
    """
    from twinbench.twin.simulation import failure_rates, simulate

    week = first_week(plant.orders)
    rates = failure_rates(plant.spec, failures)
    plan = schedule.for_simulation()
    res = simulate(plant.spec, week, horizon=REPLAY_HORIZON, schedule=plan,
                   replications=replications, seed=seed, failure_rate=rates,
                   downtime=downtime, timing="sequence")
    on_time = res.on_time()
    if rule is not None:
        mt = plan[plan["order"] == "MAINT"]
        t0 = pd.Timestamp(plan.attrs["t0"])
        down = [pd.DataFrame({"machine": mt["machine"],
                              "start": t0 + pd.to_timedelta(mt["start"], unit="h"),
                              "end": t0 + pd.to_timedelta(mt["end"], unit="h")})]
        if downtime is not None and len(downtime):
            down.append(downtime[["machine", "start", "end"]])
        other = simulate(plant.spec, week, horizon=REPLAY_HORIZON, rule=rule,
                         replications=replications, seed=seed, failure_rate=rates,
                         downtime=pd.concat(down, ignore_index=True))
        col = f"p_on_time_{rule.lower()}"
        on_time = on_time.merge(other.on_time()[["order", "p_on_time"]].rename(
            columns={"p_on_time": col}), on="order")
    return on_time, res
