"""The coupled twin: one chain of named stages from edits to KPIs over worlds.

Like pvlib's ``ModelChain``, :class:`Pipeline` holds the stages as slots and runs them in
order, each reading what the stages before it produced; every result lands in one
:class:`ChainResult`. The stages:

``demand``
    The base demand forecast with the edits applied (forecast once per plant).
``supply``
    The two-stage supply plan optimised on the *training* worlds (the first stage, the
    purchases, is the decision), from the plant's state (never from edits), with the
    station hours the twin expects minus the edits' downtime; then the purchases held
    fixed and the plan evaluated on the *evaluation* worlds it never saw.
``arrivals``
    Material arrivals per day in each evaluation world (the plan's purchases, the
    world's misses and lead-time deviations, open purchase orders), and the time each
    order of the line has its material.
``schedule``
    The near week's orders: the firm orders plus forecast-driven production (what the
    supply plan makes in its first week beyond the firm orders); materials on hand
    (expected arrivals) as release constraints, maintenance from the twin, downtime
    from the edits; solved, then checked by the independent checker.
``simulate``
    The plan replayed on the line in every evaluation world: that world's material
    arrivals as releases, its failure and processing-time draws.

KPIs are samples over the evaluation worlds (dims ``kpi, world``); the same worlds for
every scenario of one seed, so deltas pair world by world. Deterministic plan figures
(the schedule's objective, the in-sample cost) are numbers in ``plan_figures``, not
samples. A stage whose solver does not return a checked plan stops the chain: the result
carries the stage's status and diagnosis, and no KPI is made up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.data.plant import PlantData
from twinbench.pipeline.capacity import remove_downtime
from twinbench.pipeline.checked import StageFailed, checked, plan_status
from twinbench.pipeline.materials import daily_arrivals, material_ready
from twinbench.pipeline.state import PlantState, plant_state
from twinbench.pipeline.week import RUL_QUANTILE, plan_orders, week_orders
from twinbench.pipeline.worlds import Worlds, draw_worlds

__all__ = ["STAGES", "ChainResult", "ChainSettings", "Pipeline", "StageFailed"]

#: the chain's stages, in order
STAGES = ("demand", "supply", "arrivals", "schedule", "simulate")


@dataclass(frozen=True)
class ChainSettings:
    """How the chain runs.

    Attributes
    ----------
    stages
        Stages to run (a subset of :data:`STAGES`, run in the chain's order); a stage
        left out hands on nothing (e.g. without ``supply`` the line gets no
        forecast-driven orders and no material constraint), and the result says so.
    weeks
        Horizon of the supply plan [week].
    train_worlds, eval_worlds
        Worlds the supply plan is optimised on, and worlds every KPI is measured on.
    solver, time_limit
        Pyomo solver and time limit per supply solve [s].
    schedule_objective, schedule_time_limit
        Objective and time limit [s] of the week's schedule.
    schedule_method
        How the week is scheduled (:func:`~twinbench.optimize.schedule.solve_schedule`):
        ``auto`` (dispatching, annealing and the MIP within ``schedule_time_limit``; how
        far they get depends on the machine's speed and load) or ``anneal``
        (dispatching and annealing for a fixed number of moves, no clock: the plan
        depends on the inputs and the seed alone, the same on any machine, load and
        executor, without the MIP's improvement or bound; only when dispatching finds no
        plan does the MIP decide, within ``schedule_time_limit``).
    schedule_duals
        Also compute the schedule's binding constraints and shadow prices (an LP re-solve).
    line_horizon
        Wall-clock span the line is simulated from the week's start [h].
    compare_rule
        Also simulate the week dispatched by this rule (``"EDD"``, ``"FIFO"``, ``"SPT"``)
        in the same worlds, with the plan's maintenance as downtime (None: not done).
    event_log
        Keep the event log of the first evaluation world (for a Gantt replay).
    allow_unconverged
        Plan maintenance from the twin's RUL even when its calibration did not converge
        (the maintenance planner refuses otherwise). Default True: the chain plans, and
        its result carries the flag (``ChainResult.twin``); set False to refuse.
    """

    stages: tuple[str, ...] = STAGES
    weeks: int = 13
    train_worlds: int = 10
    eval_worlds: int = 30
    solver: str = "appsi_highs"
    time_limit: float = 120.0
    schedule_objective: str = "balanced"
    schedule_time_limit: float = 10.0
    schedule_method: str = "auto"
    schedule_duals: bool = False
    line_horizon: float = 24 * 21
    compare_rule: str | None = None
    event_log: bool = False
    allow_unconverged: bool = True

    def __post_init__(self) -> None:
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown!r}; allowed: {list(STAGES)!r}")
        if self.weeks < 1 or self.train_worlds < 1 or self.eval_worlds < 2:
            raise ValueError("weeks and train_worlds must be at least 1 and eval_worlds at "
                             f"least 2, found weeks={self.weeks!r}, train_worlds="
                             f"{self.train_worlds!r}, eval_worlds={self.eval_worlds!r}")
        if self.schedule_method not in ("auto", "anneal"):
            raise ValueError("schedule_method must be 'auto' (within the time limit) or "
                             "'anneal' (a fixed number of moves, reproducible on any "
                             f"machine), found {self.schedule_method!r}")
        if self.compare_rule not in (None, "EDD", "FIFO", "SPT"):
            raise ValueError("compare_rule must be None, 'EDD', 'FIFO' or 'SPT', found "
                             f"{self.compare_rule!r}")
        object.__setattr__(self, "stages", tuple(s for s in STAGES if s in self.stages))


@dataclass
class ChainResult:
    """Everything one run of the chain produced.

    Attributes
    ----------
    name, seed, stages
        Scenario name, seed of the worlds, stages run.
    demand
        Demand forecast after the edits (``DemandForecast.ds`` layout) [unit/week].
    worlds
        The training and evaluation worlds.
    supply_plan
        The plan optimised on the training worlds (in-sample figures).
    supply_eval
        The same purchases evaluated on the evaluation worlds (out of sample); its
        ``ds["cost"]`` is (scenario = world, part) [EUR].
    arrivals
        Material arrivals per day, dims ``(world, material, day)`` [unit/d].
    orders
        The week's orders (firm and forecast-driven) with ``ready`` (material on hand,
        expected arrivals) and ``release`` as planned (wall clock).
    schedule
        The week's checked schedule.
    line
        Line simulation per evaluation world (``world`` instead of ``replication``).
    line_rule
        The same worlds dispatched by ``settings.compare_rule`` (None unless asked).
    event_log
        Operations of the first evaluation world (None unless ``settings.event_log``).
    kpis
        Samples over evaluation worlds, dims ``(kpi, world)``, ``unit`` per kpi.
    plan_figures
        Deterministic figures: ``figure, unit, value``.
    status
        Per stage: ``ok``, ``skipped``, or the failure.
    twin
        Whether the twin the maintenance windows came from converged: ``"converged"``,
        ``"NOT converged: <why>"``, or ``"no twin forecast"``.
    timings
        Seconds per stage.
    """

    name: str
    seed: int
    stages: tuple[str, ...]
    demand: xr.Dataset | None = None
    worlds: Worlds | None = None
    supply_plan: Any = None
    supply_eval: Any = None
    supply_problem: Any = None
    arrivals: xr.DataArray | None = None
    orders: pd.DataFrame | None = None
    schedule: Any = None
    line: xr.Dataset | None = None
    line_rule: xr.Dataset | None = None
    event_log: pd.DataFrame | None = None
    kpis: xr.DataArray | None = None
    plan_figures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["figure", "unit", "value"]))
    status: dict[str, str] = field(default_factory=dict)
    twin: str = "no twin forecast"
    timings: dict[str, float] = field(default_factory=dict)
    _kpi: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict, repr=False)
    _figures: list[tuple[str, str, float]] = field(default_factory=list, repr=False)

    def add_kpi(self, name: str, unit: str, values: np.ndarray) -> None:
        """Record a KPI's samples, one per evaluation world."""
        self._kpi[name] = (unit, np.asarray(values, dtype=float))

    def add_figure(self, name: str, unit: str, value: float) -> None:
        """Record a deterministic plan figure."""
        self._figures.append((name, unit, float(value)))

    def line_result(self, rule: bool = False):
        """The line (or, with ``rule``, the rule-dispatched line) as a
        :class:`~twinbench.twin.simulation.SimulationResult` whose replications are the
        evaluation worlds: its ``summary``, ``on_time`` and ``bottlenecks`` apply."""
        from twinbench.twin.simulation import SimulationResult

        ds = self.line_rule if rule else self.line
        if ds is None:
            raise ValueError("no line simulation in this result: run the 'simulate' stage"
                             + (" with settings.compare_rule" if rule else ""))
        worlds = [str(w) for w in ds["world"].values]
        rep = ds.rename(world="replication").assign_coords(
            replication=range(len(worlds)))
        return SimulationResult(ds=rep, event_log=None if rule else self.event_log,
                                options={"worlds": worlds, "seed": self.seed,
                                         "replications": len(worlds)})

    def on_time(self) -> pd.DataFrame:
        """Per order of the week: the plan's probability of finishing on time over the
        evaluation worlds and its tardiness quantiles (``p_on_time``, ``tardiness_p50``,
        ``tardiness_p90`` [h]) and, when the settings compared a rule, that rule's
        ``p_on_time_<rule>`` in the same worlds."""
        out = self.line_result().on_time()
        if self.line_rule is not None:
            rule = str(self.line_rule.attrs.get("rule", "rule")).lower()
            other = self.line_result(rule=True).on_time()[["order", "p_on_time"]]
            out = out.merge(other.rename(columns={"p_on_time": f"p_on_time_{rule}"}),
                            on="order")
        return out

    def finish(self) -> ChainResult:
        """Assemble ``kpis`` and ``plan_figures`` from what the stages recorded."""
        worlds = self.worlds.select("eval").names if self.worlds is not None else []
        n = len(worlds)
        data = np.full((len(self._kpi), n), np.nan)
        for i, (_, v) in enumerate(self._kpi.values()):
            data[i, :len(v)] = v[:n]
        self.kpis = xr.DataArray(data, dims=("kpi", "world"),
                                 coords={"kpi": list(self._kpi), "world": worlds,
                                         "unit": ("kpi", [u for u, _ in self._kpi.values()])},
                                 attrs={"long_name": "KPI per evaluation world"})
        self.plan_figures = pd.DataFrame(self._figures, columns=["figure", "unit", "value"])
        return self


def _fill_on_time(ds: xr.Dataset) -> xr.DataArray:
    """Share of demand served in the week it was due, per scenario [1]."""
    dem = ds["demand"]
    late = ds["short"]  # open backlog at each period's end (backorder mode)
    served = np.minimum(dem, np.maximum(dem - late, 0.0))
    return (served.sum(("product", "region", "period"))
            / dem.sum(("product", "region", "period")).where(lambda d: d > 0))


class Pipeline:
    """The chain of one plant, prepared once and run for any set of edits.

    Parameters
    ----------
    plant
        The base plant.
    demand
        The base demand forecast (``DemandForecast.ds``).
    failures, wear
        The twin's failure forecast and wear forecast (None: the spec's physics, no
        maintenance from the twin).
    settings
        How the chain runs.
    stages
        Replacement callables for named stages ``f(pipeline, scenario, result)``
        (slots, as in pvlib's ``ModelChain``); default the methods of this class.
    """

    def __init__(self, plant: PlantData, demand: xr.Dataset, failures: xr.Dataset | None = None,
                 wear: xr.Dataset | None = None, settings: ChainSettings | None = None,
                 stages: dict[str, Callable] | None = None) -> None:
        self.plant = plant
        self.base_demand = demand
        self.failures = failures
        self.wear = wear
        self.settings = settings or ChainSettings()
        self.state: PlantState = plant_state(plant, wear)
        unknown = sorted(set(stages or {}) - set(STAGES))
        if unknown:
            raise ValueError(f"unknown stage slot(s) {unknown!r}; allowed: {list(STAGES)!r}")
        self.slots: dict[str, Callable] = {
            "demand": Pipeline._demand, "supply": Pipeline._supply,
            "arrivals": Pipeline._arrivals, "schedule": Pipeline._schedule,
            "simulate": Pipeline._simulate, **(stages or {})}

    def with_settings(self, **changes: Any) -> Pipeline:
        """A pipeline with other settings (same plant, forecasts and state)."""
        out = object.__new__(Pipeline)
        out.__dict__.update(self.__dict__)
        out.settings = replace(self.settings, **changes)
        return out

    # -- running ---------------------------------------------------------------------------
    def run(self, scenario=None, seed: int | None = None,
            stages: tuple[str, ...] | None = None,
            continue_from: ChainResult | None = None) -> ChainResult:
        """Run the chain for ``scenario`` (None: the base).

        Parameters
        ----------
        scenario
            A :class:`twinbench.scenarios.Scenario` (anything with its ``apply_*`` and
            ``downtime`` methods); its ``seed`` is used unless ``seed`` is given.
        stages
            Stages to run (default the settings').
        continue_from
            A result of this pipeline for the same scenario and seed that ran the first
            stages (e.g. ``stages=("demand", "supply")`` for a quick supply plan): its
            stages are kept, not run again, and the rest run on its outputs.

        Raises
        ------
        StageFailed
            A stage gave no checked result; ``ChainResult`` is not returned half-made.
        """
        settings = self.settings if stages is None else replace(self.settings, stages=stages)
        name = getattr(scenario, "name", "base")
        seed = int(seed if seed is not None else getattr(scenario, "seed", 0))
        res = ChainResult(name=name, seed=seed, stages=settings.stages)
        done: set[str] = set()
        if continue_from is not None:
            if (continue_from.name, continue_from.seed) != (name, seed):
                raise ValueError("continue_from must be a run of the same scenario and seed: "
                                 f"found {continue_from.name!r} seed {continue_from.seed}, "
                                 f"running {name!r} seed {seed}")
            done = {k for k, v in continue_from.status.items() if v != "skipped"}
            res = replace(continue_from, stages=settings.stages,
                          status={k: continue_from.status[k] for k in done},
                          timings=dict(continue_from.timings),
                          _kpi=dict(continue_from._kpi),
                          _figures=list(continue_from._figures))
        plant = scenario.apply_plant(self.plant) if scenario is not None else self.plant
        ctx = _Run(self, scenario, plant, settings, seed)
        for stage in STAGES:
            if stage in done:
                continue
            if stage not in settings.stages:
                res.status[stage] = "skipped"
                continue
            t0 = time.perf_counter()
            self.slots[stage](ctx, res)
            res.timings[stage] = round(time.perf_counter() - t0, 3)
            res.status.setdefault(stage, "ok")
        return res.finish()

    # -- stages ------------------------------------------------------------------------------
    @staticmethod
    def _demand(run: _Run, res: ChainResult) -> None:
        ds = run.pipeline.base_demand
        res.demand = run.scenario.apply_forecast(ds) if run.scenario is not None else ds

    @staticmethod
    def _supply(run: _Run, res: ChainResult) -> None:
        from twinbench.optimize.supply.check import check_supply_plan
        from twinbench.optimize.supply.inputs import (
            demand_scenarios,
            supplier_scenarios,
            supply_problem,
        )
        from twinbench.optimize.supply.solve import solve_supply

        pipe, st, plant = run.pipeline, run.settings, run.plant
        demand = res.demand if res.demand is not None else pipe.base_demand
        prob = supply_problem(plant, demand, failures=pipe.failures, weeks=st.weeks,
                              scenarios=2, seed=run.seed)
        prob.initial_stock = dict(pipe.state.stock)
        prob.initial_fg_stock = dict(pipe.state.fg_stock)
        # -- scenario edits on the plan window and the network (issue part 8) --
        dcs_open: dict[str, bool] | None = None
        if run.scenario is not None:
            if hasattr(run.scenario, "check_horizon"):
                run.scenario.check_horizon(prob.periods)
            if hasattr(run.scenario, "check_network"):
                run.scenario.check_network(prob.network)
            if hasattr(run.scenario, "apply_network"):
                prob.network = run.scenario.apply_network(prob.network)
            if hasattr(run.scenario, "dcs_open"):
                dcs_open = run.scenario.dcs_open() or None
        # -- end of scenario edits (part 8) --
        down = run.downtime()
        if len(down):
            prob.station_hours = remove_downtime(prob.station_hours, down, plant.spec)
        worlds = draw_worlds(
            lambda n, s: demand_scenarios(plant.demand, demand, prob.network, prob.periods,
                                          n, s),
            lambda n, s: supplier_scenarios(plant.spec, prob.periods, n, s),
            plant.spec, prob.periods, st.train_worlds, st.eval_worlds, run.seed)
        if run.scenario is not None:
            delivered = run.scenario.apply_supply(worlds.delivered.rename(world="scenario"))
            worlds = worlds.with_delivered(delivered.rename(scenario="world"))
        res.worlds = worlds
        train, evalw = worlds.select("train"), worlds.select("eval")
        prob = prob.with_scenarios(*train.as_scenarios())
        res.supply_problem = prob
        plan = checked("supply", lambda: solve_supply(prob, solver=st.solver,
                                                        time_limit=st.time_limit,
                                                        dcs_open=dcs_open),  # part 8
                        lambda p: check_supply_plan(prob, p.ds))
        res.supply_plan = plan
        res.status["supply"] = plan_status(plan.status, plan.gap)
        eprob = prob.with_scenarios(*evalw.as_scenarios())
        ev = checked("supply", lambda: solve_supply(eprob, solver=st.solver,
                                                      time_limit=st.time_limit,
                                                      fix_first_stage=plan.ds,
                                                      dcs_open=dcs_open),  # part 8
                      lambda p: check_supply_plan(eprob, p.ds))
        res.supply_eval = ev
        cost = ev.ds["cost"]
        res.add_kpi("supply cost", "EUR", cost.sum("part").values)
        for part, label in (("purchase", "purchase cost"), ("spot", "spot purchases"),
                            ("holding", "holding cost"), ("shortage", "shortage cost")):
            res.add_kpi(label, "EUR", cost.sel(part=part).values)
        res.add_kpi("fill rate", "1", _fill_on_time(ev.ds).values)
        res.add_kpi("units made", "unit", ev.ds["make"].sum(("product", "period")).values)
        res.add_figure("supply cost in sample", "EUR", plan.objective)
        res.add_figure("supply cost out of sample", "EUR", float(cost.sum("part").mean()))
        res.add_figure("purchases planned", "unit", float(plan.ds["buy"].sum()))

    @staticmethod
    def _arrivals(run: _Run, res: ChainResult) -> None:
        spec, st = run.plant.spec, run.settings
        orders = week_orders(run.plant, res.supply_plan)
        day0 = pd.to_datetime(orders["release"]).min().normalize()
        days = int(np.ceil(st.line_horizon / 24)) + 1
        state = run.pipeline.state
        if res.supply_plan is None:  # no plan: materials are not a constraint
            orders["ready"] = pd.NaT
            res.orders = orders
            res.status["arrivals"] = "skipped: no supply plan (materials not constrained)"
            return
        buy = res.supply_plan.ds["buy"]
        expected = daily_arrivals(buy, spec, day0, days, open_pos=state.open_pos)
        orders["ready"] = material_ready(orders, spec, state.stock, expected)
        evalw = res.worlds.select("eval")
        per = [daily_arrivals(buy, spec, day0, days,
                              delivered=evalw.delivered.sel(world=w),
                              lead_delay=evalw.lead_delay.sel(world=w),
                              open_pos=state.open_pos,
                              spot=res.supply_eval.ds["spot"].sel(scenario=w))
               for w in evalw.names]
        res.arrivals = xr.concat(per, xr.DataArray(evalw.names, dims="world", name="world"))
        res.orders = orders

    @staticmethod
    def _schedule(run: _Run, res: ChainResult) -> None:
        from twinbench.optimize.schedule import solve_schedule
        from twinbench.optimize.schedule.problem import maintenance_from_rul, problem_from_plant

        pipe, st, spec = run.pipeline, run.settings, run.plant.spec
        if res.orders is None:
            res.orders = week_orders(run.plant, None).assign(ready=pd.NaT)
        maint = None if pipe.wear is None else maintenance_from_rul(
            spec, pipe.wear, RUL_QUANTILE, allow_unconverged=st.allow_unconverged)
        if maint is not None:
            res.twin = ("converged" if maint.attrs["twin_converged"] else
                        "NOT converged: " + maint.attrs["twin_convergence_problems"])
        orders = plan_orders(res.orders, line_end=_line_end(res.orders, st))
        problem = problem_from_plant(spec, orders, maintenance=maint,
                                     downtime=run.downtime())
        sched = checked("schedule", lambda: solve_schedule(
            problem, st.schedule_objective, solver=st.solver, method=st.schedule_method,
            time_limit=st.schedule_time_limit, seed=run.seed, duals=st.schedule_duals),
            lambda s: s.violations())
        res.schedule = sched
        res.status["schedule"] = plan_status(sched.status, sched.gap)
        k = sched.kpis
        res.add_figure("plan weighted tardiness", "h", k["weighted_tardiness"])
        res.add_figure("plan makespan", "h", k["makespan"])
        res.add_figure("plan energy cost", "EUR", k["energy_cost"])
        res.add_figure("orders held by material", "1",
                       float((orders["release"] > pd.to_datetime(res.orders["release"]))
                             .sum()))

    @staticmethod
    def _simulate(run: _Run, res: ChainResult) -> None:
        st = run.settings
        if res.worlds is None:
            raise StageFailed("simulate", "missing input", "the line is simulated in the "
                              "evaluation worlds: run the 'supply' stage too")
        if res.orders is None:
            res.orders = week_orders(run.plant, None).assign(ready=pd.NaT)
        plan = res.schedule.for_simulation() if res.schedule is not None else None
        down = run.downtime()
        ds, wait, log = _line(run, res, plan, "EDD", down, st.event_log)
        res.line, res.event_log = ds, log
        if st.compare_rule is not None:
            res.line_rule = _line(run, res, None, st.compare_rule,
                                  _with_maintenance(down, plan), False)[0]
            res.line_rule.attrs["rule"] = st.compare_rule
        due_in = ds["due"] <= st.line_horizon
        on_time = ds["on_time"].where(due_in).mean("order")
        res.add_kpi("throughput", "unit/h", ds["throughput"].values)
        res.add_kpi("OEE", "1", ds["oee"].mean("station").values)
        res.add_kpi("utilisation", "1", ds["utilization"].mean("station").values
                    if "station" in ds["utilization"].dims
                    else ds["utilization"].mean("machine").values)
        res.add_kpi("flow time", "h", ds["flow_time"].values)
        res.add_kpi("WIP", "unit", ds["wip"].values)
        res.add_kpi("on-time share", "1", on_time.values)
        res.add_kpi("tardiness", "h", ds["weighted_tardiness"].values)
        res.add_kpi("energy cost", "EUR", ds["energy_cost"].values)
        res.add_kpi("material wait", "h", np.array(wait))


def _line(run: _Run, res: ChainResult, plan: pd.DataFrame | None, rule: str,
          down: pd.DataFrame, event_log: bool,
          ) -> tuple[xr.Dataset, list[float], pd.DataFrame | None]:
    """The week on the line in every evaluation world: that world's material arrivals as
    releases, its failure and processing-time draws; by ``plan`` (its machines and
    sequences) where given, else dispatched by ``rule``.

    Returns the per-world dataset (dim ``world``), the mean material wait per world [h]
    and, with ``event_log``, the first world's operations.
    """
    from twinbench.twin.simulation import failure_rates, simulate

    pipe, st, spec = run.pipeline, run.settings, run.plant.spec
    evalw = res.worlds.select("eval")
    rates = failure_rates(spec, pipe.failures)
    t0 = pd.to_datetime(res.orders["release"]).min().normalize()
    per, wait, log = [], [], None
    for i, w in enumerate(evalw.names):
        orders = res.orders.copy()
        if res.arrivals is not None:
            orders["ready"] = material_ready(orders, spec, pipe.state.stock,
                                             res.arrivals.sel(world=w))
        orders = plan_orders(orders, line_end=_line_end(orders, st))
        wait.append(float(((orders["release"] - pd.to_datetime(res.orders["release"]))
                           / pd.Timedelta(hours=1)).mean()))
        sim = simulate(spec, orders, horizon=st.line_horizon, t0=t0, schedule=plan,
                       timing="sequence", replications=1,
                       seed=int(evalw.failure_seed.sel(world=w)), failure_rate=rates,
                       downtime=down if len(down) else None, rule=rule,
                       event_log=event_log and i == 0)
        if event_log and i == 0:
            log = sim.event_log
        static = [k for k, v in sim.ds.data_vars.items() if "replication" not in v.dims]
        per.append(sim.ds.isel(replication=0, drop=True))
    ds = xr.concat(per, xr.DataArray(evalw.names, dims="world", name="world"),
                   coords="minimal", compat="override", join="outer")
    for k in static:  # per-order facts (due): one value unless the worlds differ
        first = ds[k].isel(world=0, drop=True)
        if bool((ds[k] == first).all()):
            ds[k] = first
    return ds, wait, log


def _with_maintenance(down: pd.DataFrame, plan: pd.DataFrame | None) -> pd.DataFrame:
    """Downtime plus the plan's maintenance slots (a rule-dispatched line keeps them)."""
    if plan is None:
        return down
    mt = plan[plan["order"] == "MAINT"]
    t0 = pd.Timestamp(plan.attrs["t0"])
    slots = pd.DataFrame({"machine": mt["machine"],
                          "start": t0 + pd.to_timedelta(mt["start"], unit="h"),
                          "end": t0 + pd.to_timedelta(mt["end"], unit="h")})
    frames = [d for d in (down[["machine", "start", "end"]], slots) if len(d)]
    return pd.concat(frames, ignore_index=True) if frames else down


def _line_end(orders: pd.DataFrame, st: ChainSettings) -> pd.Timestamp:
    t0 = pd.to_datetime(orders["release"]).min().normalize()
    return t0 + pd.Timedelta(hours=st.line_horizon)


@dataclass
class _Run:
    """One run's inputs: the pipeline, the scenario, the edited plant."""

    pipeline: Pipeline
    scenario: Any
    plant: PlantData
    settings: ChainSettings
    seed: int

    def downtime(self) -> pd.DataFrame:
        if self.scenario is None:
            return pd.DataFrame(columns=["machine", "start", "end"])
        return self.scenario.downtime(self.plant.spec)
