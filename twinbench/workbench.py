"""A plant's working session: every result computed once, on first use, and kept.

The dashboards and notebooks share this object instead of wiring the flow themselves: a
page asks ``wb.failures`` or ``wb.supply_plan`` and gets the cached result, computed by
the same package functions as ``twinbench demo``. Long steps (the twin's calibration) can
be started in the background with :meth:`Workbench.start` and polled with
:meth:`Workbench.status`; nothing blocks a page that does not need them.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from twinbench.access.approvals import ApprovalLog  # re-exported: the plan workflow
from twinbench.data.plant import PlantData, load_plant

__all__ = ["ApprovalLog", "Workbench"]


class Workbench:
    """Cached results of one plant.

    Parameters
    ----------
    plant_dir
        Plant folder (default: the shipped demo plant).
    seed
        Seed of every random draw.
    draws
        Posterior draws per chain of the twin's calibration.
    supply_weeks, supply_scenarios
        Horizon [week] and samples of the supply plan.
    schedule_time_limit
        Solver time limit of the week's schedule [s].
    whatif_schedule_method, whatif_schedule_time_limit
        How the week is scheduled in a what-if (``ChainSettings.schedule_method``) and
        its time limit [s]; the base a what-if is compared with is scheduled the same way
        (the same on both sides), so it may differ a little from the base plan's
        schedule. The default ``"anneal"`` (a fixed number of moves, no clock) gives the
        same answer to the same what-if whatever the server's load, and costs a third
        of the CPU of ``"auto"`` within 10 s, so that users asking at once are answered
        sooner; the time limit then binds only when dispatching finds no plan.
    whatif_workers
        Worker processes that evaluate what-ifs (0: in this process, one at a time per
        what-if). A dashboard serving several users sets a few, so that what-ifs asked at
        once run at once (a process each: the model building is Python, and Pyomo's
        writers are not thread safe).
    """

    def __init__(self, plant_dir: str | Path | None = None, seed: int = 42, draws: int = 400,
                 supply_weeks: int = 26, supply_scenarios: int = 10,
                 schedule_time_limit: float = 20.0, whatif_schedule_method: str = "anneal",
                 whatif_schedule_time_limit: float = 10.0, whatif_workers: int = 0) -> None:
        self.plant_dir = plant_dir
        self.seed = seed
        self.draws = draws
        self.supply_weeks = supply_weeks
        self.supply_scenarios = supply_scenarios
        self.schedule_time_limit = schedule_time_limit
        self.whatif_schedule_method = whatif_schedule_method
        self.whatif_schedule_time_limit = whatif_schedule_time_limit
        self.whatif_workers = whatif_workers
        self._lock = threading.RLock()
        self._status: dict[str, str] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._jobs: dict[str, Any] = {}
        self._whatif_locks: dict[str, threading.Lock] = {}

    # -- data ------------------------------------------------------------------------------
    @cached_property
    def plant(self) -> PlantData:
        """The plant, loaded and validated."""
        return load_plant(self.plant_dir)

    @cached_property
    def quality(self):
        """Data-quality report of the telemetry."""
        from twinbench.data.quality import check_file

        return check_file(self.plant.root / "telemetry.parquet")

    @cached_property
    def clean(self) -> xr.Dataset:
        """Telemetry with flagged samples masked."""
        return self.quality.mask(self.plant.telemetry)

    @cached_property
    def daily_telemetry(self) -> xr.Dataset:
        """The telemetry as daily means (for figures: resampled once, not per visit)."""
        return self.plant.telemetry.resample(time="1D").mean().assign_attrs(resampled="1D")

    @cached_property
    def machines(self) -> pd.DataFrame:
        """Machines: station, type, running hours, failures, maintenance."""
        from twinbench.workflow import plant_summary

        return plant_summary(self.plant)

    # -- the twin --------------------------------------------------------------------------
    @cached_property
    def twin(self):
        """The calibrated twin (PyMC; about a minute the first time).

        Started with :meth:`start`, it is calibrated in a separate process, so that the
        sampler's compilation never holds up this process (a dashboard stays responsive).
        """
        job = self._jobs.get("twin")
        if job is not None:
            return self._step("twin", job.result)
        return self._step("twin", lambda: _calibrate(self.plant_dir, self.draws, self.seed))

    @cached_property
    def failures(self) -> xr.Dataset:
        """Failure probability per machine over four weeks."""
        from twinbench.twin.rul import forecast_failures

        return forecast_failures(self.twin, horizon=28 * 24, seed=self.seed)

    @cached_property
    def wear(self) -> xr.Dataset:
        """Grey-box wear forecast over four weeks."""
        from twinbench.twin.greybox import greybox_forecast

        return greybox_forecast(self.twin, self.clean, self.plant.events, horizon_days=28,
                                seed=self.seed)

    @cached_property
    def alerts(self) -> pd.DataFrame:
        """Wear-monitoring alerts on the history."""
        from twinbench.twin.monitor import monitor_wear

        return monitor_wear(self.twin, self.clean, self.plant.events).alerts()

    @cached_property
    def demand(self):
        """Demand forecast (models chosen by backtest)."""
        from twinbench.twin.demand import forecast_demand

        return self._step("demand", lambda: forecast_demand(self.plant.demand,
                                                            self.plant.drivers))

    def risk_table(self) -> pd.DataFrame:
        """Per machine: failure probability in four weeks, wear now, median days to limit."""
        end = self.failures.isel(time=-1)
        return pd.DataFrame({
            "machine": self.failures["machine"].values,
            "P(failure, 4 weeks)": end["failure_probability"].values.round(3),
            "wear now": self.wear["origin_wear"].values.round(3),
            "days to wear limit (median)": self.wear["rul_quantile"].isel(quantile=1).values,
        })

    # -- plans: the coupled twin ----------------------------------------------------------
    @cached_property
    def pipeline(self):
        """The plant's chain (:class:`~twinbench.pipeline.Pipeline`): demand -> supply ->
        material arrivals -> the week's schedule -> the line, over evaluation worlds; the
        base plan and every what-if of the session run on it."""
        from twinbench.pipeline import ChainSettings, Pipeline

        settings = ChainSettings(weeks=self.supply_weeks, train_worlds=self.supply_scenarios,
                                 schedule_time_limit=self.schedule_time_limit,
                                 schedule_duals=True, compare_rule="EDD")
        return Pipeline(self.plant, self.demand.ds, self.failures, self.wear, settings)

    @cached_property
    def supply_base(self):
        """The base plan's first stages, demand and supply (a supply page need not wait
        for the schedule and the line); :attr:`base` continues from it."""
        return self._step("supply", lambda: self.pipeline.run(
            None, seed=self.seed, stages=("demand", "supply")))

    @cached_property
    def base(self):
        """The base plan through the whole chain (:class:`~twinbench.pipeline.ChainResult`;
        waits for the twin)."""
        return self._step("plan", lambda: self.pipeline.run(
            None, seed=self.seed, continue_from=self.supply_base))

    @property
    def supply_problem(self):
        """The supply problem of the base plan (its training worlds)."""
        return self.supply_base.supply_problem

    @property
    def supply_plan(self):
        """The base supply plan (purchases optimised on the training worlds)."""
        return self.supply_base.supply_plan

    @property
    def schedule(self):
        """The week's checked schedule of the base plan: firm and forecast-driven orders,
        materials as releases, maintenance before the twin's failure-risk threshold."""
        return self.base.schedule

    @property
    def schedule_on_time(self) -> pd.DataFrame:
        """On-time probability per order of the schedule over the evaluation worlds,
        beside EDD dispatching in the same worlds with the same maintenance."""
        return self.base.on_time()

    # -- what-if ---------------------------------------------------------------------------
    @cached_property
    def run_context(self):
        """Context shared by every what-if of the session: the base's pipeline (its plant
        state and worlds), without the base's extras (duals, the rule's replay), with the
        what-ifs' schedule method and time limit."""
        from twinbench.scenarios.runner import RunContext

        pipe = self.pipeline.with_settings(
            schedule_duals=False, compare_rule=None,
            schedule_method=self.whatif_schedule_method,
            schedule_time_limit=self.whatif_schedule_time_limit)
        return RunContext(self.plant, self.demand.ds, self.failures, pipe.settings,
                          wear=self.wear, _pipeline=pipe)

    @cached_property
    def _whatif_cache(self) -> dict[str, Any]:
        return {}

    @cached_property
    def whatif_pool(self):
        """The worker processes of :meth:`evaluate` (None without ``whatif_workers``), each
        holding the run context, started and ready (start it in the background with
        ``start("whatif_pool")`` so that the first what-if does not wait for them)."""
        if self.whatif_workers < 1:
            return None
        return _start_pool(self.run_context, self.whatif_workers)

    def evaluate(self, scenario) -> Any:
        """A scenario's result (cached by content id); on :attr:`whatif_pool` when there
        is one (a worker that died is replaced, and the scenario run here)."""
        from concurrent.futures.process import BrokenProcessPool

        from twinbench.scenarios.runner import evaluate

        ctx = self.run_context
        key = scenario.scenario_id(ctx.base_hash())
        with self._lock:  # one lock per scenario: the same one is computed once, others
            lock = self._whatif_locks.setdefault(key, threading.Lock())  # run at once
        with lock:
            if key in self._whatif_cache:
                return self._whatif_cache[key]
            pool = self.whatif_pool
            out = None
            if pool is not None:
                try:
                    out = pool.submit(_evaluate_in_worker, scenario).result()
                except BrokenProcessPool:
                    with self._lock:
                        self.__dict__.pop("whatif_pool", None)
            if out is None:
                out = evaluate(scenario, ctx)
            self._whatif_cache[key] = out
            return out

    def whatif(self, scenario) -> pd.DataFrame:
        """KPI deltas of ``scenario`` against the base (same seed: paired samples)."""
        from twinbench.scenarios import Scenario
        from twinbench.scenarios.compare import compare_pair

        base = Scenario(name="base", seed=scenario.seed)
        if scenario.name == "base":
            scenario = scenario.model_copy(update={"name": "what-if"})
        return compare_pair(self.evaluate(base), self.evaluate(scenario), scenario.name)

    # -- background work -------------------------------------------------------------------
    def _step(self, name: str, fn):
        self._status[name] = "running"
        t0 = time.perf_counter()
        try:
            out = fn()
        except Exception as err:
            self._status[name] = f"failed: {err}"
            raise
        self._status[name] = f"done in {time.perf_counter() - t0:.1f} s"
        return out

    def start(self, *names: str) -> None:
        """Compute the named results (attributes) in the background.

        ``"twin"`` is calibrated in a child process; other results in a thread each.
        """
        if "twin" in names and "twin" not in self._jobs and "twin" not in self.__dict__:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
            self._jobs["twin"] = pool.submit(_calibrate, self.plant_dir, self.draws, self.seed)
            self._status["twin"] = "running"
            pool.shutdown(wait=False)
        for name in names:
            if name in self.__dict__ or (name in self._threads and
                                         self._threads[name].is_alive()):
                continue
            t = threading.Thread(target=lambda n=name: getattr(self, n), daemon=True)
            self._threads[name] = t
            t.start()

    def ready(self, name: str) -> bool:
        """Whether the result ``name`` is computed."""
        return name in self.__dict__

    def status(self) -> dict[str, str]:
        """State of the long steps: running, done in N s, failed: why."""
        return dict(self._status)


_WORKER_CONTEXT: Any = None


def _init_worker(ctx) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx


def _worker_ready() -> int:
    return 0 if _WORKER_CONTEXT is None else 1


def _evaluate_in_worker(scenario):
    """A what-if evaluated in a worker; its chain (plans, line datasets) stays there."""
    from dataclasses import replace

    from twinbench.scenarios.runner import evaluate

    return replace(evaluate(scenario, _WORKER_CONTEXT), chain=None)


def _start_pool(ctx, workers: int):
    """A spawned process pool whose workers hold ``ctx``, each started (waited for)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(ctx,))
    ready = [pool.submit(_worker_ready) for _ in range(workers)]
    if not all(f.result() for f in ready):
        raise RuntimeError("a what-if worker started without its context")
    return pool


def _calibrate(plant_dir: str | Path | None, draws: int, seed: int):
    """Calibrate the twin of a plant folder (runs in a child process when started)."""
    from twinbench.data.quality import check_file
    from twinbench.twin.calibrate import calibrate

    plant = load_plant(plant_dir)
    clean = check_file(plant.root / "telemetry.parquet").mask(plant.telemetry)
    return calibrate(plant.spec, clean, plant.events, draws=draws, tune=draws, seed=seed)
