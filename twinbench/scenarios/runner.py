"""Evaluate one scenario: its edits through the coupled twin's chain, KPIs over worlds.

The runner does not orchestrate the flow itself: :class:`RunContext` holds the plant's
:class:`~twinbench.pipeline.Pipeline` (prepared once, shipped to workers) and
:func:`evaluate` runs the scenario's edits through it. KPIs are kept as samples (dims
``kpi, sample``), a sample being one *evaluation world* of the chain (a demand path, a
supplier path and failure draws the plans were not optimised on). Two scenarios run with
the same seed see the same worlds (common random numbers), so their KPI differences pair
sample by sample. Deterministic plan figures (``plan_figure``) are numbers, not samples.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from twinbench.data.plant import PlantData, load_plant
from twinbench.pipeline import STAGES, ChainSettings, Pipeline
from twinbench.scenarios.scenario import Scenario

__all__ = ["STAGES", "RunContext", "RunSettings", "ScenarioResult", "evaluate",
           "prepare_context"]

#: how each scenario is evaluated: the chain's settings
RunSettings = ChainSettings


@dataclass
class RunContext:
    """What every scenario of a batch starts from (prepared once, shipped to workers).

    Attributes
    ----------
    plant
        The base plant.
    demand
        Demand forecast of the base (``DemandForecast.ds``).
    failures, wear
        The twin's failure and wear forecasts (None: the spec's physics).
    settings
        How scenarios are evaluated.
    """

    plant: PlantData
    demand: xr.Dataset
    failures: xr.Dataset | None = None
    settings: ChainSettings = field(default_factory=ChainSettings)
    wear: xr.Dataset | None = None
    _pipeline: Pipeline | None = field(default=None, repr=False)

    @property
    def pipeline(self) -> Pipeline:
        """The plant's chain (built on first use: the plant's state is read once)."""
        if self._pipeline is None:
            self._pipeline = Pipeline(self.plant, self.demand, self.failures, self.wear,
                                      self.settings)
        return self._pipeline

    def base_hash(self) -> str:
        """Hash of the base: input files, spec, twin, settings (part of every scenario id)."""
        text = json.dumps({"inputs": self.plant.hashes,
                           "spec": self.plant.spec.content_hash(),
                           "twin": self.failures is not None,
                           "wear": self.wear is not None,
                           "settings": asdict(self.settings)}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_context(plant_dir: str | Path | None = None, settings: ChainSettings | None = None,
                    calibrate_twin: bool = False, seed: int = 0) -> RunContext:
    """Load the plant and compute the scenario-independent forecasts.

    Parameters
    ----------
    calibrate_twin
        Calibrate the twin (PyMC, about a minute) and use its failure and wear forecasts
        (capacity, failures on the line, maintenance); otherwise the spec's physics.
    """
    from twinbench.twin.demand import forecast_demand

    plant = load_plant(plant_dir)
    demand = forecast_demand(plant.demand, plant.drivers).ds
    failures = wear = None
    if calibrate_twin:
        from twinbench.data.quality import check_file
        from twinbench.twin.calibrate import calibrate
        from twinbench.twin.greybox import greybox_forecast
        from twinbench.twin.rul import forecast_failures

        clean = check_file(plant.root / "telemetry.parquet").mask(plant.telemetry)
        twin = calibrate(plant.spec, clean, plant.events, seed=seed)
        failures = forecast_failures(twin, horizon=28 * 24, seed=seed)
        wear = greybox_forecast(twin, clean, plant.events, horizon_days=28, seed=seed)
    return RunContext(plant, demand, failures, settings or ChainSettings(), wear)


@dataclass
class ScenarioResult:
    """One scenario's results.

    Attributes
    ----------
    ds
        ``kpi_samples`` (kpi, sample = evaluation world) with ``unit`` per kpi,
        ``plan_figure`` (figure) with ``figure_unit``, and stage outputs; attrs hold the
        scenario, seed, edits, stages and their status, and ``twin`` (whether the twin the
        maintenance came from converged).
    timings
        Seconds per stage.
    chain
        The whole :class:`~twinbench.pipeline.ChainResult` (not stored by batches).
    """

    ds: xr.Dataset
    timings: dict[str, float]
    chain: object = None

    def kpis(self) -> pd.DataFrame:
        """Mean and 90% range over worlds per KPI: ``kpi, unit, mean, p05, p95``."""
        s = self.ds["kpi_samples"]
        return pd.DataFrame({"kpi": s["kpi"].values, "unit": s["unit"].values,
                             "mean": s.mean("sample").values,
                             "p05": s.quantile(0.05, dim="sample").values,
                             "p95": s.quantile(0.95, dim="sample").values})


def evaluate(sc: Scenario, ctx: RunContext) -> ScenarioResult:
    """Run ``sc`` through the plant's chain.

    Raises
    ------
    twinbench.scenarios.ScenarioError
        An edit names something the line does not have, or falls outside the plan window.
    twinbench.pipeline.StageFailed
        A stage gave no checked plan (infeasible: with the conflicting constraints).
    """
    sc.check(ctx.plant.spec)
    res = ctx.pipeline.run(sc)
    k = res.kpis
    ds = xr.Dataset({"kpi_samples": (("kpi", "sample"), k.values)},
                    coords={"kpi": k["kpi"].values, "unit": ("kpi", k["unit"].values),
                            "world": ("sample", k["world"].values)})
    ds["kpi_samples"].attrs["long_name"] = ("KPI value per evaluation world (units in the "
                                            "unit coord)")
    fig = res.plan_figures
    ds["plan_figure"] = xr.DataArray(fig["value"].to_numpy(float), dims="figure",
                                     coords={"figure": fig["figure"].to_numpy(str),
                                             "figure_unit": ("figure",
                                                             fig["unit"].to_numpy(str))},
                                     attrs={"long_name": "deterministic plan figure"})
    if res.supply_plan is not None:
        p = res.supply_plan.ds
        ds["supply_make"] = p["make"].weighted(p["probability"]).mean("scenario").rename(
            period="week").assign_attrs(units="unit")
        ds["supply_buy"] = p["buy"].rename(period="week").assign_attrs(units="unit")
    if res.line is not None:
        ds["line_p_on_time"] = res.line["on_time"].mean("world").assign_attrs(units="1")
    ds.attrs.update({"scenario": sc.name, "seed": sc.seed,
                     "edits": json.dumps(sc.content()["edits"]),
                     "stages": json.dumps(list(res.stages)),
                     "status": json.dumps(res.status), "twin": res.twin})
    return ScenarioResult(ds, dict(res.timings), res)
