"""The near week on the line: its orders (firm plus forecast-driven production), its
scheduling problem, and a plan's replay in the twin against a dispatching rule.

The order book holds firm customer orders; the supply plan decides how much to make each
week to meet the *forecast* as well. The line's week is the firm orders released in the
first seven days plus, per product, what the plan makes in its first week beyond them
(expected over the plan's training worlds): an order ``F-<product>`` released at the
week's start and due at its end. A demand what-if so reaches the line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twinbench.data.plant import PlantData

__all__ = ["FORECAST_WEIGHT", "OBJECTIVE", "REPLAY_HORIZON", "RUL_QUANTILE", "first_week",
           "plan_orders", "replay_plan", "week_orders", "week_problem"]

OBJECTIVE = "balanced"  # weighted tardiness, energy cost, flow time
RUL_QUANTILE = 0.1  # maintenance before a 10% risk of reaching the wear limit
REPLAY_HORIZON = 24 * 21  # [h] wall clock: long enough for the week's orders to finish
FORECAST_WEIGHT = 0.5  # tardiness weight of forecast-driven orders (firm orders: theirs)


def first_week(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders released in the first 7 days (from midnight of the first release)."""
    rel = pd.to_datetime(orders["release"])
    return orders[rel < rel.min().normalize() + pd.Timedelta(days=7)].reset_index(drop=True)


def week_orders(plant: PlantData, supply_plan=None) -> pd.DataFrame:
    """The firm orders of the first week plus forecast-driven production orders.

    Parameters
    ----------
    supply_plan
        A :class:`~twinbench.optimize.supply.solve.SupplyPlan`; its expected ``make`` in
        the first period beyond the firm orders becomes one order per product (None:
        firm orders only).
    """
    week = first_week(plant.orders).copy()
    week["kind"] = "firm"
    if supply_plan is None:
        return week
    ds = supply_plan.ds
    make = ds["make"].weighted(ds["probability"]).mean("scenario").isel(period=0)
    firm = week.groupby("product")["quantity"].sum()
    release = pd.to_datetime(week["release"])
    t0 = release.min()
    due = t0.normalize() + pd.Timedelta(days=7)
    rows = []
    for p in make["product"].values:
        extra = int(np.floor(float(make.sel(product=p)) - float(firm.get(p, 0.0))))
        if extra >= 1:
            rows.append({"order_id": f"F-{p}", "product": str(p), "quantity": extra,
                         "release": t0, "due": due, "weight": FORECAST_WEIGHT,
                         "kind": "forecast"})
    if not rows:
        return week
    return pd.concat([week, pd.DataFrame(rows)], ignore_index=True)


def plan_orders(orders: pd.DataFrame, line_end: pd.Timestamp) -> pd.DataFrame:
    """Orders with ``release`` moved to when their material is on hand (``ready``).

    An order whose material does not arrive before ``line_end`` is released at
    ``line_end``: it does not start within the line's horizon (counted late).
    """
    out = orders.copy()
    release = pd.to_datetime(out["release"])
    if "ready" in out:
        ready = pd.to_datetime(out["ready"])
        release = release.where(ready.isna() | (ready <= release), ready)
        release = release.where(release < line_end, line_end)
    out["release"] = release
    return out.drop(columns=["ready"], errors="ignore")


def week_problem(plant: PlantData, wear=None, downtime: pd.DataFrame | None = None,
                 strict: bool = False):
    """The scheduling problem of the first week's orders.

    Parameters
    ----------
    wear
        The twin's wear forecast (:func:`twinbench.twin.greybox.greybox_forecast`); its
        RUL quantile :data:`RUL_QUANTILE` sets the maintenance deadlines (None: none).
    downtime
        Machine unavailability ``machine, start, end`` (wall clock).
    strict
        Refuse to plan maintenance from an unconverged twin's forecast
        (:class:`~twinbench.twin.validity.UnconvergedTwinError`). Default False: plan, but
        warn (:class:`~twinbench.twin.validity.UnconvergedTwinWarning`); the forecast
        ``wear`` carries the flag in its ``attrs`` either way.

    Durations are the mean processing times: replayed in the twin by sequence, plans made
    with durations stretched by the expected repair time did no better on the demo week
    (see ``problem_from_plant(failure_rate=...)``).
    """
    from twinbench.optimize.schedule.problem import maintenance_from_rul, problem_from_plant
    from twinbench.twin.validity import UnconvergedTwinWarning, require_converged
    # an unconverged twin's RUL: refused when strict, else planned with a warning (issue 19)
    if wear is not None and not require_converged(
            wear, not strict, "plan maintenance from the twin's RUL"):
        import warnings

        warnings.warn("planning maintenance from an unconverged twin's RUL forecast ("
                      + str(wear.attrs.get("twin_convergence_problems", "no flag")) + ")",
                      UnconvergedTwinWarning, stacklevel=2)
    maint = None if wear is None else maintenance_from_rul(
        plant.spec, wear, RUL_QUANTILE, allow_unconverged=not strict)
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
