"""The CLI: help on every command, validate, quality, and the demo end to end."""

from __future__ import annotations

import json
from html import unescape

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from twinbench.cli import app
from twinbench.data.plant import DEMO_DIR as DEMO

runner = CliRunner()
COMMANDS = ["demo", "validate", "quality", "generate-demo", "run", "compare", "serve",
            "report", "ask"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command: str) -> None:
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage" in res.output


def test_every_command_is_listed() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert all(c in res.output for c in COMMANDS)


def test_validate(tmp_path) -> None:
    res = runner.invoke(app, ["validate", str(DEMO / "plant.yaml")])
    assert res.exit_code == 0 and "12 machines" in res.output
    data = yaml.safe_load((DEMO / "plant.yaml").read_text())
    data["products"][0]["routing"][0]["station"] = "LAZER"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["validate", str(tmp_path / "bad.yaml")])
    assert res.exit_code == 2
    assert "products[0].routing[0].station" in res.output and "'LAZER'" in res.output


def test_quality(tmp_path) -> None:
    res = runner.invoke(app, ["quality", str(DEMO / "telemetry.parquet"), "--out",
                              str(tmp_path / "f.csv")])
    assert res.exit_code == 0, res.output
    assert "8 finding(s)" in res.output
    assert len(pd.read_csv(tmp_path / "f.csv")) == 8


def test_demo_end_to_end(tmp_path) -> None:
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out), "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert f"Outputs are in {out.resolve()}" in res.output
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3
    assert set(run["inputs"]) >= {"spec", "telemetry", "orders", "spec_content"}
    assert run["versions"]["pymc"] != "not installed"
    assert [s["step"] for s in run["steps"]][:2] == ["load plant", "data quality"]
    html = (out / "report.html").read_text()
    assert "Data quality" in html and "plotly" in html.lower()
    machines = pd.read_csv(out / "machines.csv")
    assert len(machines) == 12 and machines.failures.sum() > 0
    assert len(pd.read_csv(out / "quality_findings.csv")) == 8
    # the twin's step: calibrated, forecasts written with units, in the report
    assert run["options"]["calibration"]["sampler"] == "nutpie"
    assert run["options"]["calibration"]["seed"] == 3
    params = pd.read_csv(out / "twin_parameters.csv")
    assert params["r_hat"].max() < 1.05 and params["ess_bulk"].min() > 100
    import xarray as xr

    fc = xr.open_dataset(out / "failure_forecast.nc", engine="h5netcdf")
    assert fc["failure_probability"].attrs["units"] == "1"
    assert fc["failure_probability"].sizes == {"machine": 12, "time": 28 * 24}
    dem = xr.open_dataset(out / "demand_forecast.nc", engine="h5netcdf")
    assert dem.sizes["product"] == 5
    assert "Maintenance risk per machine" in html and "Demand forecast" in html
    # the week's schedule: checked, replayed in the twin, against EDD dispatching
    from twinbench.workflow import DEMO_CHAIN

    sched = pd.read_csv(out / "schedule.csv")
    week = pd.read_csv(out / "week_orders.csv")
    # the chain's week: firm orders of the book plus forecast-driven orders of the plan
    assert set(week.loc[week["kind"] == "firm", "order_id"]) <= set(plant_orders()["order_id"])
    assert (week.loc[week["kind"] == "forecast", "order_id"].str.startswith("F-")).all()
    assert set(sched["job"]) - {"MAINT"} <= set(week["order_id"])
    assert run["options"]["chain"]["status"]["simulate"] == "ok"
    assert run["options"]["schedule"]["seed"] == 3
    assert run["options"]["schedule"]["input_hash"]
    assert "Independent check: passed." in html
    assert "The week's schedule" in unescape(html)
    ot = pd.read_csv(out / "schedule_on_time.csv")
    assert ot[["p_on_time", "p_on_time_edd"]].stack().between(0, 1).all()
    assert (out / "figures" / "schedule_gantt.html").exists()
    # the week replayed in the twin: one replication per evaluation world
    sim = xr.open_dataset(out / "simulation.nc", engine="h5netcdf")
    assert sim.sizes["replication"] == DEMO_CHAIN["eval_worlds"]
    assert sim["oee"].attrs["units"] == "1" and (sim["oee"] <= 1 + 1e-9).all()
    assert (sim["units_started"] == sim["units_finished"] + sim["units_scrapped"]
            + sim["wip_end"]).all()
    assert len(pd.read_csv(out / "on_time.csv")) == sim.sizes["order"]
    assert "The week replayed in the twin" in html
    assert (out / "figures" / "simulation_gantt.html").exists()
    # the supply step: the chain's plan, optimised on training worlds, judged on others
    plan = xr.open_dataset(out / "supply_plan.nc", engine="h5netcdf")
    assert plan.sizes["period"] == DEMO_CHAIN["weeks"]
    assert plan.sizes["scenario"] == DEMO_CHAIN["train_worlds"]
    judged = xr.open_dataset(out / "supply_evaluation.nc", engine="h5netcdf")
    assert judged.sizes["scenario"] == DEMO_CHAIN["eval_worlds"]
    assert plan["make"].attrs["units"] == "unit"
    supply = run["options"]["supply"]
    assert supply["seed"] == 3 and supply["solver"] == "appsi_highs"
    assert supply["vss"]["VSS"] >= -1e-6 * supply["vss"]["RP"]
    assert "Supply plan" in html and "Value of the stochastic solution" in html
    assert (out / "figures" / "supply_flows.html").exists()
    assert len(pd.read_csv(out / "safety_stocks.csv")) >= 5
    # what-if scenarios from data/scenarios.yaml, compared against the base
    comp = pd.read_csv(out / "scenario_comparison.csv")
    assert set(comp["scenario"]) >= {"s2-two-weeks-late", "press1-down-2-days"}
    assert run["options"]["scenarios"]["failed"] == []
    assert "What-if scenarios" in html
    # the weekly report: HTML and PDF, AI sections labelled, the model in the metadata
    weekly = (out / "weekly_report.html").read_text()
    assert run["options"]["llm"]["model"] in weekly
    assert "AI-generated" in weekly or "Computed (template)" in weekly
    assert (out / "weekly_report.pdf").read_bytes().startswith(b"%PDF")


def plant_orders() -> pd.DataFrame:
    return pd.read_csv(DEMO / "orders.csv")


def test_demo_bad_plant_folder(tmp_path) -> None:
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "o"), "--plant",
                              str(tmp_path / "nowhere")])
    assert res.exit_code == 2
    assert "not found" in res.output


def test_ask_without_the_model_uses_rules_and_templates() -> None:
    res = runner.invoke(app, ["ask", "what if supplier S2 is two weeks late?", "--no-llm"])
    assert res.exit_code == 0, res.output
    assert "Template text written by code from the facts" in res.output
    assert "supply cost" in res.output
    res = runner.invoke(app, ["ask", "please improve things", "--no-llm"])
    # refused, saying what was not understood (the consumption rule)
    assert res.exit_code == 1 and "not understood: 'things'" in res.output, res.output


def test_report_needs_a_demo_folder(tmp_path) -> None:
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "twinbench demo --out" in res.output
