"""Evaluate one scenario through the flow: edits -> forecasts -> plans -> simulation -> KPIs.

The expensive, scenario-independent part (loading the plant, the demand forecast, the
twin's failure forecast) is prepared once in a :class:`RunContext`; each scenario then
applies its edits stage by stage and runs the steps named in :class:`RunSettings`.

KPIs are kept as samples (dims ``kpi, sample``): for the supply plan a sample is one
demand/supplier scenario of the two-stage model, for the simulation one replication (KPIs
with fewer samples are padded with NaN). Two scenarios run with the same seed see
the same samples (common random numbers), so their KPI differences are paired.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.data.plant import PlantData, load_plant
from twinbench.scenarios.scenario import Scenario
from twinbench.spec import LineSpec

__all__ = ["STEPS", "RunContext", "RunSettings", "ScenarioResult", "evaluate",
           "prepare_context", "remove_downtime"]


@dataclass(frozen=True)
class RunSettings:
    """How each scenario is evaluated.

    Attributes
    ----------
    steps
        Steps of the flow to run, in order (see :data:`STEPS`).
    supply_weeks, supply_scenarios
        Horizon [week] and number of demand/supplier samples of the supply plan.
    solver, time_limit
        Pyomo solver name and time limit per solve [s].
    sim_replications, sim_horizon
        Replications and wall-clock span [h] of the line simulation (from the first
        release of the order book).
    schedule_objective, schedule_time_limit
        Objective and time limit [s] of the ``schedule`` step (the first week's orders,
        scheduled and then replayed in the simulation).
    """

    steps: tuple[str, ...] = ("supply", "simulate")
    supply_weeks: int = 13
    supply_scenarios: int = 10
    solver: str = "appsi_highs"
    time_limit: float = 120.0
    sim_replications: int = 50
    sim_horizon: float = 168.0
    schedule_objective: str = "balanced"
    schedule_time_limit: float = 10.0

    def __post_init__(self) -> None:
        unknown = [s for s in self.steps if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown step(s) {unknown!r}; allowed: {sorted(STEPS)!r}")
        if self.supply_weeks < 1 or self.supply_scenarios < 1:
            raise ValueError("supply_weeks and supply_scenarios must be at least 1, found "
                             f"{self.supply_weeks!r} and {self.supply_scenarios!r}")


@dataclass
class RunContext:
    """What every scenario of a batch starts from (prepared once, shipped to workers).

    Attributes
    ----------
    plant
        The base plant.
    demand
        Demand forecast of the base (``DemandForecast.ds``).
    failures
        The twin's failure forecast (or None: the spec's physics).
    settings
        How scenarios are evaluated.
    """

    plant: PlantData
    demand: xr.Dataset
    failures: xr.Dataset | None = None
    settings: RunSettings = field(default_factory=RunSettings)

    def base_hash(self) -> str:
        """Hash of the base: input files, spec, settings (part of every scenario id)."""
        text = json.dumps({"inputs": self.plant.hashes,
                           "spec": self.plant.spec.content_hash(),
                           "twin": self.failures is not None,
                           "settings": asdict(self.settings)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_context(plant_dir: str | Path | None = None, settings: RunSettings | None = None,
                    calibrate_twin: bool = False, seed: int = 0) -> RunContext:
    """Load the plant and compute the scenario-independent forecasts.

    Parameters
    ----------
    calibrate_twin
        Calibrate the twin (PyMC, about a minute) and use its failure forecast for
        capacity; otherwise the spec's failure physics.
    """
    from twinbench.twin.demand import forecast_demand

    plant = load_plant(plant_dir)
    demand = forecast_demand(plant.demand, plant.drivers).ds
    failures = None
    if calibrate_twin:
        from twinbench.data.quality import check_file
        from twinbench.twin.calibrate import calibrate
        from twinbench.twin.rul import forecast_failures

        clean = check_file(plant.root / "telemetry.parquet").mask(plant.telemetry)
        twin = calibrate(plant.spec, clean, plant.events, seed=seed)
        failures = forecast_failures(twin, horizon=28 * 24, seed=seed)
    return RunContext(plant, demand, failures, settings or RunSettings())


@dataclass
class ScenarioResult:
    """One scenario's results.

    Attributes
    ----------
    ds
        ``kpi_samples`` (kpi, sample) with ``unit`` per kpi, plus step outputs.
    timings
        Seconds per step.
    """

    ds: xr.Dataset
    timings: dict[str, float]

    def kpis(self) -> pd.DataFrame:
        """Mean and 90% interval over samples per KPI: ``kpi, unit, mean, p05, p95``."""
        s = self.ds["kpi_samples"]
        return pd.DataFrame({"kpi": s["kpi"].values, "unit": s["unit"].values,
                             "mean": s.mean("sample").values,
                             "p05": s.quantile(0.05, dim="sample").values,
                             "p95": s.quantile(0.95, dim="sample").values})


def remove_downtime(hours: xr.DataArray, downtime: pd.DataFrame, spec: LineSpec
                    ) -> xr.DataArray:
    """Station hours per week [h] minus the working hours machines are down.

    Parameters
    ----------
    hours
        Available hours, dims ``(station, period)``; periods are week starts.
    downtime
        ``machine, start, end`` windows.
    """
    out = hours.copy()
    for _, row in downtime.iterrows():
        station = spec.machine_station[row["machine"]]
        n_mach = len(spec.station_map[station].machine_ids)
        for k, week in enumerate(pd.DatetimeIndex(hours["period"].values)):
            lo, hi = max(week, row["start"]), min(week + pd.Timedelta(days=7), row["end"])
            if hi <= lo:
                continue
            grid = pd.date_range(lo.floor("h"), hi, freq="h", inclusive="left")
            lost = float(np.sum(spec.calendar.working_mask(grid)))
            # the machine's share of the station's (availability-weighted) hours
            share = float(out.sel(station=station).isel(period=k)) / max(n_mach, 1)
            lost = min(lost, share)
            out.loc[{"station": station, "period": week}] = float(
                out.sel(station=station).isel(period=k)) - lost
    return out


def _supply_step(sc: Scenario, ctx: RunContext, plant: PlantData, demand: xr.Dataset
                 ) -> tuple[dict[str, tuple[str, np.ndarray]], xr.Dataset]:
    from twinbench.optimize.supply import solve_supply
    from twinbench.optimize.supply.inputs import supply_problem

    st = ctx.settings
    prob = supply_problem(plant, demand, failures=ctx.failures, weeks=st.supply_weeks,
                          scenarios=st.supply_scenarios, seed=sc.seed)
    prob.supply = sc.apply_supply(prob.supply)
    down = sc.downtime(plant.spec)
    if len(down):
        prob.station_hours = remove_downtime(prob.station_hours, down, plant.spec)
    plan = solve_supply(prob, solver=st.solver, time_limit=st.time_limit)
    cost = plan.ds["cost"]
    total_demand = prob.demand.sum(("product", "region", "period"))
    mode_short = plan.ds["short"].isel(period=-1).sum(("product", "region"))
    kpis = {
        "supply cost": ("EUR", cost.sum("part").values),
        "purchase cost": ("EUR", cost.sel(part="purchase").values),
        "spot purchases": ("EUR", cost.sel(part="spot").values),
        "shortage cost": ("EUR", cost.sel(part="shortage").values),
        "fill rate": ("1", (1 - mode_short / total_demand).values),
        "units made": ("unit", plan.ds["make"].sum(("product", "period")).values),
    }
    out = xr.Dataset({
        "supply_make": plan.ds["make"].weighted(plan.ds["probability"]).mean("scenario"),
        "supply_buy": plan.ds["buy"],
        "supply_station_hour_value": plan.ds["station_hour_value"],
        "supply_station_hours": prob.station_hours,
    })
    for v in out.data_vars:
        out[v].attrs["units"] = {"supply_make": "unit", "supply_buy": "unit",
                                 "supply_station_hour_value": "EUR/h",
                                 "supply_station_hours": "h"}[v]
    out.attrs["supply_status"] = plan.status
    return kpis, out.rename({"period": "week"})


def _simulate_step(sc: Scenario, ctx: RunContext, plant: PlantData, demand: xr.Dataset
                   ) -> tuple[dict[str, tuple[str, np.ndarray]], xr.Dataset]:
    from twinbench.twin.simulation import failure_rates, simulate

    st = ctx.settings
    res = simulate(plant.spec, plant.orders, horizon=st.sim_horizon,
                   replications=st.sim_replications, seed=sc.seed,
                   failure_rate=failure_rates(plant.spec, ctx.failures),
                   downtime=sc.downtime(plant.spec))
    ds = res.ds
    due_in = ds["due"] <= st.sim_horizon
    on_time = ds["on_time"].where(due_in).mean("order") if bool(due_in.any()) else \
        xr.full_like(ds["throughput"], np.nan)
    kpis = {
        "throughput": ("unit/h", ds["throughput"].values),
        "OEE": ("1", ds["oee"].mean("station").values),
        "flow time": ("h", ds["flow_time"].values),
        "WIP": ("unit", ds["wip"].values),
        "on-time share": ("1", on_time.values),
        "tardiness": ("h", ds["weighted_tardiness"].values),
        "energy cost": ("EUR", ds["energy_cost"].values),
    }
    out = xr.Dataset({"sim_utilization": ds["utilization"].mean("replication"),
                      "sim_bottleneck_sole": ds["bottleneck_sole"].mean("replication"),
                      "sim_p_on_time": ds["on_time"].mean("replication")})
    for v in out.data_vars:
        out[v].attrs["units"] = "1"
    return kpis, out


def _schedule_step(sc: Scenario, ctx: RunContext, plant: PlantData, demand: xr.Dataset
                   ) -> tuple[dict[str, tuple[str, np.ndarray]], xr.Dataset]:
    """Schedule the first week's orders (downtime as machine blocks) and replay the plan."""
    from twinbench.optimize.schedule import solve_schedule
    from twinbench.planning import replay_plan, week_problem

    st = ctx.settings
    down = sc.downtime(plant.spec)
    problem = week_problem(plant, downtime=down)
    plan = solve_schedule(problem, st.schedule_objective, solver=st.solver,
                          time_limit=st.schedule_time_limit, seed=sc.seed, duals=False)
    _, res = replay_plan(plant, plan, ctx.failures, st.sim_replications, sc.seed,
                         downtime=down, rule=None)
    on_time = res.ds["on_time"].mean("order").values
    n = len(on_time)
    kpis = {"plan tardiness": ("h", np.full(n, plan.kpis["weighted_tardiness"])),
            "plan makespan": ("h", np.full(n, plan.kpis["makespan"])),
            "plan on-time share": ("1", on_time)}
    out = xr.Dataset({"plan_p_on_time": res.ds["on_time"].mean("replication")})
    out["plan_p_on_time"].attrs["units"] = "1"
    return kpis, out.rename({"order": "plan_order"})


#: the steps a scenario can run: name -> function(scenario, context, plant, demand)
STEPS: dict[str, Callable] = {"supply": _supply_step, "schedule": _schedule_step,
                              "simulate": _simulate_step}


def evaluate(sc: Scenario, ctx: RunContext) -> ScenarioResult:
    """Run ``sc`` through the steps of ``ctx.settings``.

    Raises
    ------
    twinbench.scenarios.ScenarioError
        An edit names something the line does not have.
    twinbench.optimize.diagnose.Infeasible
        A plan is impossible under the edits (with the conflicting constraints).
    """
    sc.check(ctx.plant.spec)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    plant = sc.apply_plant(ctx.plant)
    demand = sc.apply_forecast(ctx.demand)
    timings["edits"] = time.perf_counter() - t0
    kpis: dict[str, tuple[str, np.ndarray]] = {}
    parts = []
    for step in ctx.settings.steps:
        t0 = time.perf_counter()
        k, ds = STEPS[step](sc, ctx, plant, demand)
        timings[step] = time.perf_counter() - t0
        kpis.update(k)
        parts.append(ds)
    n = max(len(v) for _, v in kpis.values())
    samples = np.full((len(kpis), n), np.nan)
    for i, (_, v) in enumerate(kpis.values()):
        samples[i, :len(v)] = v
    ds = xr.merge([*parts, xr.Dataset({"kpi_samples": (("kpi", "sample"), samples)},
                                      coords={"kpi": list(kpis),
                                              "unit": ("kpi", [u for u, _ in kpis.values()])})],
                  combine_attrs="drop_conflicts")
    ds["kpi_samples"].attrs["long_name"] = "KPI value per sample (units in the unit coord)"
    ds.attrs.update({"scenario": sc.name, "seed": sc.seed,
                     "edits": json.dumps(sc.content()["edits"])})
    return ScenarioResult(ds, timings)
