"""The end-to-end flow on one plant, as run by ``twinbench demo``.

:func:`run_demo` calls the package's steps in order and writes every output into one
folder, with ``run.json`` recording seed, versions, options, input hashes and step timings.
Each capability adds its step here; the notebook and dashboard call the same functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from twinbench.data.plant import PlantData, load_plant
from twinbench.data.quality import QualityReport, check_file
from twinbench.provenance import RunRecord
from twinbench.viz.report import HtmlReport
from twinbench.viz.telemetry import telemetry_figure

__all__ = ["DemoResult", "plant_summary", "run_demo"]


@dataclass
class DemoResult:
    """What :func:`run_demo` produced.

    Attributes
    ----------
    out_dir
        Folder holding every output.
    files
        Output files by name.
    record
        Provenance of the run.
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    record: RunRecord | None = None
    plant: PlantData | None = None
    quality: QualityReport | None = None
    twin: Any = None
    demand: Any = None
    failures: Any = None
    supply: Any = None
    simulation: Any = None
    wear: Any = None
    schedule: Any = None
    pipeline: Any = None
    chain: Any = None


def plant_summary(plant: PlantData) -> pd.DataFrame:
    """One row per machine: station, type, running hours, failures and maintenance."""
    spec, ev, ds = plant.spec, plant.events, plant.telemetry
    running = (ds["load"] > 0.1).sum("time").to_series()
    rows = []
    for m in spec.machines:
        station = spec.machine_station[m]
        rows.append({
            "machine": m,
            "station": station,
            "type": spec.station_map[station].machine_type,
            "running_h": int(running.get(m, 0)),
            "failures": int(((ev["machine"] == m) & (ev["kind"] == "failure")).sum()),
            "maintenance": int(((ev["machine"] == m) & (ev["kind"] == "maintenance")).sum()),
        })
    return pd.DataFrame(rows)


def _keep(res: DemoResult, figures: dict[str, Any], tables: tuple[str, ...] = (),
          suffix: str = "csv") -> None:
    """Write ``figures`` as HTML into ``figures/`` and list them, with the already written
    ``tables`` (``<name>.<suffix>``), among the run's files."""
    for name, fig in figures.items():
        path = res.out_dir / "figures" / f"{name}.html"
        fig.write_html(path, include_plotlyjs="directory")
        res.files[name] = path
    res.files.update({name: res.out_dir / f"{name}.{suffix}" for name in tables})


def _timed(record: RunRecord, name: str, fn: Callable[[], Any], **notes: Any) -> Any:
    t0 = time.perf_counter()
    out = fn()
    record.add_step(name, time.perf_counter() - t0, **notes)
    print(f"  {name:<28s} {time.perf_counter() - t0:7.2f} s", flush=True)
    return out


def _twin_steps(res: DemoResult, plant: PlantData, clean, record: RunRecord,
                report: HtmlReport, seed: int) -> None:
    """Calibrate the twin, forecast failures, wear and demand, monitor the wear signal."""
    from twinbench.twin.calibrate import calibrate
    from twinbench.twin.demand import backtest, forecast_demand
    from twinbench.twin.greybox import greybox_forecast
    from twinbench.twin.monitor import monitor_wear
    from twinbench.twin.restore import restore_summary
    from twinbench.twin.rul import forecast_failures
    from twinbench.viz.twin import demand_figure, risk_figure

    out = res.out_dir
    twin = _timed(record, "calibrate twin (PyMC)",
                  lambda: calibrate(plant.spec, clean, plant.events, seed=seed))
    res.twin = twin
    record.options["calibration"] = dict(twin.options)
    twin.posterior.to_netcdf(out / "twin_posterior.nc", engine="h5netcdf")
    summary = twin.summary()
    summary.to_csv(out / "twin_parameters.csv", index=False)
    failures = _timed(record, "forecast failures (4 weeks)",
                      lambda: forecast_failures(twin, horizon=28 * 24, seed=seed))
    res.failures = failures
    failures.to_netcdf(out / "failure_forecast.nc", engine="h5netcdf")
    wear = _timed(record, "grey-box wear forecast",
                  lambda: greybox_forecast(twin, clean, plant.events, horizon_days=28,
                                           seed=seed))
    res.wear = wear
    wear.to_netcdf(out / "wear_forecast.nc", engine="h5netcdf")
    monitor = _timed(record, "monitor wear", lambda: monitor_wear(twin, clean, plant.events))
    alerts = monitor.alerts()
    alerts.to_csv(out / "wear_alerts.csv", index=False)
    bt = _timed(record, "demand backtest", lambda: backtest(plant.demand, plant.drivers))
    demand = _timed(record, "demand forecast",
                    lambda: forecast_demand(plant.demand, plant.drivers, backtest_result=bt))
    res.demand = demand
    demand.ds.to_netcdf(out / "demand_forecast.nc", engine="h5netcdf")
    bt.to_csv(out / "demand_backtest.csv", index=False)
    res.files.update({n: out / f for n, f in (
        ("twin_posterior", "twin_posterior.nc"), ("twin_parameters", "twin_parameters.csv"),
        ("failure_forecast", "failure_forecast.nc"), ("wear_forecast", "wear_forecast.nc"),
        ("wear_alerts", "wear_alerts.csv"), ("demand_forecast", "demand_forecast.nc"),
        ("demand_backtest", "demand_backtest.csv"))})

    report.heading("The twin: wear and failure physics")
    ok = "converged" if twin.converged else (
        "NOT converged (" + "; ".join(twin.convergence_problems) + "); the maintenance "
        "windows of the plan below come from this twin and carry the flag")
    report.text(f"Calibrated with {twin.options['sampler']} ({twin.options['chains']} chains x "
                f"{twin.options['draws']} draws, seed {twin.options['seed']}): {ok}; "
                f"largest R-hat {twin.diagnostics['r_hat'].max():.3f}, smallest bulk ESS "
                f"{twin.diagnostics['ess_bulk'].min():.0f}, {twin.divergences} divergences.")
    report.table(summary.round(6), caption="Posterior mean, 90% interval and diagnostics",
                 max_rows=60)
    effect = restore_summary(twin)
    effect.to_csv(out / "maintenance_effect.csv", index=False)
    res.files["maintenance_effect"] = out / "maintenance_effect.csv"
    report.table(effect.round(3), caption=(
        "Share of wear each maintenance or repair removed, estimated from the latent wear "
        "just before and after every event of the history (mean and 90% interval of the "
        "type's average), beside the value the spec assumes"))
    fig = risk_figure(failures, wear)
    fig.write_html(out / "figures" / "maintenance_risk.html", include_plotlyjs="directory")
    res.files["risk_figure"] = out / "figures" / "maintenance_risk.html"
    report.figure(fig)
    end = failures.isel(time=-1)
    risk = pd.DataFrame({
        "machine": failures["machine"].values,
        "P(failure, 4 weeks)": end["failure_probability"].values.round(3),
        "wear now": wear["origin_wear"].values.round(3),
        "wear limit": wear["wear_limit"].values,
        "RUL to limit, median [d]": wear["rul_quantile"].isel(quantile=1).values})
    report.table(risk, caption="Maintenance risk per machine")
    report.heading("Wear monitoring")
    report.text(f"{len(alerts)} alert(s) on the history (anomaly: |z| > 5; drift: 14-day "
                "mean residual outside its band).")
    if len(alerts):
        report.table(alerts, caption="Alerts", max_rows=20)
    report.heading("Demand forecast")
    chosen = bt[bt.apply(lambda r: demand.chosen.get(r["product"]) == r["model"], axis=1)]
    report.table(chosen, caption="Chosen model per product, with its backtest scores")
    if len(demand.claimed):
        report.table(demand.claimed.round(3), caption=(
            "The choice checked out of sample: the model the rule picks on the earlier "
            "origins, scored on the last origin it never saw, beside the seasonal-naive "
            "baseline there"))
    top = plant.demand.groupby("product")["quantity"].sum().idxmax()
    dfig = demand_figure(plant.demand, demand.ds, top)
    dfig.write_html(out / "figures" / f"demand_{top}.html", include_plotlyjs="directory")
    res.files["demand_figure"] = out / "figures" / f"demand_{top}.html"
    report.figure(dfig)


#: the demo's chain: the base plan below and every what-if of ``scenarios.yaml`` run on the
#: same settings, so the report's base is the base the what-ifs are compared against
DEMO_CHAIN = {"weeks": 26, "train_worlds": 10, "eval_worlds": 30}


def _plan_steps(res: DemoResult, plant: PlantData, record: RunRecord, report: HtmlReport,
                seed: int) -> None:
    """The base plan through the coupled twin (:class:`~twinbench.pipeline.Pipeline`):
    supply plan, material arrivals, the week's schedule, the line in every world."""
    from twinbench.pipeline import ChainSettings, Pipeline

    settings = ChainSettings(**DEMO_CHAIN, schedule_duals=True, compare_rule="EDD",
                             event_log=True)
    pipe = _timed(record, "the chain: plant state",
                  lambda: Pipeline(plant, res.demand.ds, res.failures, res.wear, settings))
    res.pipeline = pipe
    base = _timed(record, "the chain: base plan", lambda: pipe.run(None, seed=seed))
    res.chain = base
    res.supply, res.schedule = base.supply_plan, base.schedule
    res.simulation = base.line_result()
    record.options["chain"] = {**asdict(settings), "state": pipe.state.source,
                               "timings": base.timings, "status": base.status,
                               "twin": base.twin}
    _supply_section(res, plant, record, report, seed)
    _schedule_section(res, record, report)
    _line_section(res, plant, report)


def _supply_section(res: DemoResult, plant: PlantData, record: RunRecord,
                    report: HtmlReport, seed: int) -> None:
    from twinbench.optimize.supply import value_of_stochastic_solution
    from twinbench.optimize.supply.policy import safety_stocks
    from twinbench.viz.supply import flow_figure, plan_figure

    out, base = res.out_dir, res.chain
    plan, prob, ev = base.supply_plan, base.supply_problem, base.supply_eval
    vss = _timed(record, "value of the stochastic solution",
                 lambda: value_of_stochastic_solution(prob, rp=plan))
    record.options["supply"] = {**plan.options, "seed": seed, "vss": vss}
    policy = safety_stocks(plant.spec, res.demand.ds, service_level=0.95)
    plan.ds.to_netcdf(out / "supply_plan.nc", engine="h5netcdf")
    ev.ds.to_netcdf(out / "supply_evaluation.nc", engine="h5netcdf")
    plan.binding.to_csv(out / "supply_binding.csv", index=False)
    policy.to_csv(out / "safety_stocks.csv", index=False)
    flows = flow_figure(plan.ds, plant.spec, prob.network)
    top = str(plan.ds["station_hour_value"].sum("period").idxmax().values)
    busiest = max(prob.products, key=lambda p: float(prob.demand.sel(product=p).sum()))
    pfig = plan_figure(plan.ds, busiest)
    _keep(res, {"supply_flows": flows, f"supply_plan_{busiest}": pfig},
          ("supply_plan", "supply_evaluation"), "nc")
    res.files.update({"supply_binding": out / "supply_binding.csv",
                      "safety_stocks": out / "safety_stocks.csv"})
    st = res.pipeline.settings
    cost = ev.ds["cost"].sum("part")
    fig = base.plan_figures.set_index("figure")["value"]
    report.heading("Supply plan")
    report.text(
        f"{st.weeks} weeks from the plant's stock and open purchase orders "
        f"({res.pipeline.state.source}). The purchases are optimised on {st.train_worlds} "
        f"worlds of demand (from the forecast's distribution) and supplier deliveries "
        f"(misses, outages, lead-time deviations) by {plan.options['solver']} in "
        f"{plan.options['solve_seconds']:.1f} s ({plan.status}; the plan passes the "
        f"independent check), then held fixed and judged on {st.eval_worlds} other worlds: "
        f"expected cost {fig['supply cost in sample']:,.0f} EUR on the worlds it was fitted "
        f"to, {float(cost.mean()):,.0f} EUR on the others (5-95% of worlds "
        f"{float(cost.quantile(0.05)):,.0f} to {float(cost.quantile(0.95)):,.0f} EUR). "
        f"Value of the stochastic solution: {vss['VSS']:,.0f} EUR (the mean-world plan "
        f"would cost {vss['EEV']:,.0f} EUR in expectation).")
    parts = ev.ds["cost"].mean("scenario").to_series()
    report.table(pd.DataFrame({"cost": list(plan.costs),
                               "fitted worlds [EUR]": [round(v) for v in plan.costs.values()],
                               "other worlds [EUR]": [round(float(parts.get(k, float("nan"))))
                                                      for k in plan.costs]}),
                 caption="Expected cost by part: on the worlds the plan was optimised on "
                         "and on the evaluation worlds")
    fill = ev.ds["fill_rate_on_time"].mean("scenario")
    report.table(pd.DataFrame({"product": fill["product"].values,
                               "fill rate (on time)": fill.values.round(4)}),
                 caption="Share of demand served in the week it was due (mean over the "
                         "evaluation worlds)")
    report.table(plan.binding.head(15).round(3),
                 caption=f"Binding constraints (dual summed over worlds and weeks); "
                         f"scarcest station: {top}")
    report.figure(flows)
    report.figure(pfig)
    report.table(policy.round(1), caption="Safety stocks at 95% cycle service "
                 "(from the forecast error; materials over supplier lead time + 1 week, "
                 "with the supplier's lead-time variance)")


def _schedule_section(res: DemoResult, record: RunRecord, report: HtmlReport) -> None:
    from twinbench.pipeline.week import RUL_QUANTILE
    from twinbench.viz.schedule import on_time_figure, schedule_gantt

    out, base, sched = res.out_dir, res.chain, res.schedule
    st = res.pipeline.settings
    problem, orders = sched.problem, base.orders
    record.options["schedule"] = dict(sched.options)
    violations = sched.violations()
    on_time = base.on_time()
    sched.table.to_csv(out / "schedule.csv", index=False)
    sched.binding.to_csv(out / "schedule_binding.csv", index=False)
    on_time.to_csv(out / "schedule_on_time.csv", index=False)
    orders.to_csv(out / "week_orders.csv", index=False)
    kpis = pd.DataFrame({"kpi": list(sched.kpis), "value": list(sched.kpis.values())})
    kpis.to_csv(out / "schedule_kpis.csv", index=False)
    gantt = schedule_gantt(sched, on_time, title=f"Schedule of the week ({len(orders)} orders)")
    ofig = on_time_figure(on_time)
    _keep(res, {"schedule_gantt": gantt, "schedule_on_time": ofig},
          ("schedule", "schedule_binding", "schedule_on_time", "schedule_kpis",
           "week_orders"), "csv")
    report.heading("The week's schedule")
    gap = "proven optimal" if sched.status == "optimal" else (
        "dispatching and annealing, a fixed number of moves" if sched.method == "anneal"
        else
        f"best found in {st.schedule_time_limit:.0f} s, gap {sched.gap:.1%}"
        if sched.gap == sched.gap else f"status {sched.status}")
    n_fc = int((orders["kind"] == "forecast").sum()) if "kind" in orders else 0
    held = int(base.plan_figures.set_index("figure")["value"].get("orders held by material",
                                                                    0))
    report.text(f"{len(orders)} orders ({n_fc} forecast-driven from the supply plan's first "
                f"week, {held} held until their material is expected), {problem.n_ops} "
                f"operations on {len(problem.machines)} machines; objective "
                f"{st.schedule_objective} (weighted tardiness, energy cost, flow time); "
                f"{sched.method} with {sched.options['solver']}: {gap}, "
                f"{sched.seconds:.1f} s. Independent check: "
                + ("passed." if not violations else f"{len(violations)} violation(s)!"))
    if len(problem.maintenance):
        report.table(problem.maintenance.assign(
            due=problem.to_wall(problem.maintenance["deadline"].to_numpy(float))).drop(
            columns=["earliest", "deadline"]), caption="Maintenance to place (from the twin's "
            f"RUL forecast, {RUL_QUANTILE:.0%} quantile; twin {res.chain.twin})")
    else:
        report.text("No machine reaches its maintenance threshold within the plan's horizon.")
    report.table(kpis.round(3), caption="Plan KPIs (working hours; energy in kWh and EUR)")
    report.figure(gantt)
    rule = st.compare_rule
    report.text(f"The plan replayed in the twin in each of the {st.eval_worlds} evaluation "
                "worlds (its machines and sequences, each lot as soon as its material is "
                "there; that world's material arrivals, failures and processing times) "
                f"against {rule} dispatching in the same worlds with the same maintenance: "
                f"mean P(on time) {on_time['p_on_time'].mean():.1%} for the plan, "
                f"{on_time[f'p_on_time_{rule.lower()}'].mean():.1%} for {rule}.")
    report.figure(ofig)
    if len(sched.binding):
        report.table(sched.binding.round(4), caption="Binding constraints of the plan and "
                     "their shadow prices (objective per hour)", max_rows=15)


def _line_section(res: DemoResult, plant: PlantData, report: HtmlReport) -> None:
    from twinbench.viz.simulation import bottleneck_figure, gantt_figure

    out, sim, st = res.out_dir, res.simulation, res.pipeline.settings
    sim.ds.to_netcdf(out / "simulation.nc", engine="h5netcdf")
    summary = sim.summary()
    summary.to_csv(out / "simulation_kpis.csv", index=False)
    on_time = sim.on_time()
    on_time.to_csv(out / "on_time.csv", index=False)
    sim.event_log.to_csv(out / "event_log_world0.csv", index=False)
    gantt = gantt_figure(sim.event_log, plant.spec)
    bfig = bottleneck_figure(sim.bottlenecks())
    _keep(res, {"simulation_gantt": gantt, "bottlenecks": bfig},
          ("simulation_kpis", "on_time"), "csv")
    res.files.update({"simulation": out / "simulation.nc",
                      "event_log": out / "event_log_world0.csv"})
    report.heading("The week replayed in the twin")
    line = summary[summary["station"] == ""]
    report.text(f"The plan on the line in {st.eval_worlds} worlds (each world's material "
                "arrivals, failures from the calibrated twin, processing times), "
                f"{st.line_horizon:.0f} h of wall clock from the week's start. Means with 95% "
                "intervals over the worlds; times in working hours unless marked wall "
                "clock.")
    report.table(line[["kpi", "unit", "mean", "ci_low", "ci_high"]].round(3),
                 caption="Line KPIs")
    per = summary[summary["kpi"].isin(["oee", "availability", "performance", "utilization",
                                       "blocked", "starved"])]
    report.table(per.pivot(index="station", columns="kpi", values="mean").round(3)
                 .reset_index(), caption="Per station (mean over worlds)")
    report.figure(bfig)
    risky = on_time[on_time["p_on_time"] < 0.9].sort_values("p_on_time")
    report.table(risky.round(3) if len(risky) else on_time.head(10).round(3),
                 caption="Orders at risk (probability on time < 90%)" if len(risky)
                 else "Orders (all at least 90% likely on time)")
    report.figure(gantt)


def _scenario_steps(res: DemoResult, plant: PlantData, record: RunRecord,
                    report: HtmlReport, seed: int) -> None:
    """Run the plant's what-if file (``scenarios.yaml``) and compare against the base."""
    from twinbench.scenarios import load_scenarios
    from twinbench.scenarios.batch import run_batch
    from twinbench.scenarios.compare import collect, compare
    from twinbench.scenarios.runner import RunContext
    from twinbench.viz.scenarios import tornado_figure

    path = plant.root / "scenarios.yaml"
    if not path.exists():
        return
    out = res.out_dir
    # the base pipeline's plant state and settings; what-ifs need no duals, rule replay
    # or event log
    pipe = res.pipeline.with_settings(schedule_duals=False, compare_rule=None,
                                      event_log=False)
    ctx = RunContext(plant, res.demand.ds, res.failures, pipe.settings, wear=res.wear,
                     _pipeline=pipe)
    batch = [s.model_copy(update={"seed": seed}) for s in load_scenarios(path, plant.spec)]
    rep = _timed(record, "what-if scenarios", lambda: run_batch(batch, ctx, out / "scenarios"))
    record.options["scenarios"] = {"file": str(path), "computed": len(rep.computed),
                                   "skipped": len(rep.skipped), "failed": rep.failed,
                                   "settings": asdict(ctx.settings),
                                   "state": ctx.pipeline.state.source}
    table = compare(rep.store)
    table.to_csv(out / "scenario_comparison.csv", index=False)
    collect(rep.store).to_netcdf(out / "scenario_kpis.nc", engine="h5netcdf")
    fig = tornado_figure(table, "supply cost")
    fig.write_html(out / "figures" / "scenario_tornado.html", include_plotlyjs="directory")
    res.files.update({"scenario_comparison": out / "scenario_comparison.csv",
                      "scenario_kpis": out / "scenario_kpis.nc",
                      "scenario_tornado": out / "figures" / "scenario_tornado.html"})
    report.heading("What-if scenarios")
    descriptions = {s.name: s.description for s in batch}
    st = ctx.settings
    report.text(f"{len(batch)} scenarios from {path.name}, each run through the whole chain "
                f"(demand forecast, a {st.weeks}-week supply plan optimised on "
                f"{st.train_worlds} worlds, material arrivals, the week's schedule, the line "
                f"simulated) and measured on {st.eval_worlds} other worlds, the same for every "
                "scenario (differences pair world by world); 90% intervals of the change.")
    cost = table[table["kpi"] == "supply cost"].copy()
    cost["what"] = cost["scenario"].map(descriptions)
    report.table(cost[["scenario", "what", "delta", "ci_low", "ci_high", "rank"]].round(1),
                 caption="Supply cost against the base [EUR]")
    report.figure(fig)
    key = ["supply cost", "fill rate", "throughput", "OEE", "on-time share", "energy cost"]
    wide = table[table["kpi"].isin(key)].pivot(index="scenario", columns="kpi",
                                               values="delta")
    report.table(wide[[k for k in key if k in wide]].round(4).reset_index(),
                 caption=f"Change against the base of the key KPIs (supply plan: "
                         f"{st.weeks} weeks; line: the first week's orders)")
    if rep.failed:
        cat = rep.store.catalog()
        report.table(cat[cat["status"] == "failed"][["name", "error"]],
                     caption="Scenarios that failed")


def run_demo(out_dir: str | Path = "out/demo", plant_dir: str | Path | None = None,
             seed: int = 42) -> DemoResult:
    """Run the whole available flow on a plant and write its outputs to ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created; existing files with the same names are replaced).
    plant_dir
        Plant folder; default the shipped demo plant.
    seed
        Seed for every random draw of the run.
    """
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    record = RunRecord(command=f"twinbench demo --out {out} --seed {seed}", seed=seed)
    res = DemoResult(out_dir=out, record=record)

    plant = _timed(record, "load plant", lambda: load_plant(plant_dir))
    res.plant = plant
    record.inputs = dict(plant.hashes)
    record.inputs["spec_content"] = plant.spec.content_hash()
    tele_path = plant.root / "telemetry.parquet"
    quality = _timed(record, "data quality", lambda: check_file(tele_path))
    res.quality = quality
    quality.findings.to_csv(out / "quality_findings.csv", index=False)
    res.files["quality_findings"] = out / "quality_findings.csv"
    clean = quality.mask(plant.telemetry)
    clean.to_netcdf(out / "telemetry_clean.nc", engine="h5netcdf")
    res.files["telemetry_clean"] = out / "telemetry_clean.nc"

    summary = plant_summary(plant)
    summary.to_csv(out / "machines.csv", index=False)
    res.files["machines"] = out / "machines.csv"
    worst = summary.sort_values("failures", ascending=False)["machine"].iloc[0]
    fig = telemetry_figure(clean, worst, plant.events)
    fig.write_html(out / "figures" / f"telemetry_{worst}.html", include_plotlyjs="directory")
    res.files["telemetry_figure"] = out / "figures" / f"telemetry_{worst}.html"

    report = HtmlReport(f"twinbench demo: {plant.spec.name}",
                        meta={"seed": str(seed), "spec sha256": record.inputs["spec_content"][:16],
                              "started": record.started})
    report.heading("The line")
    report.text(plant.spec.description)
    report.table(summary, caption="Machines: running hours and events over the history")
    report.heading("Data quality")
    report.table(quality.summary(), caption="Findings by check")
    report.table(quality.findings, caption="Findings", max_rows=30)
    report.heading(f"Telemetry of {worst} (most failures)")
    report.figure(fig)
    _twin_steps(res, plant, clean, record, report, seed)
    _plan_steps(res, plant, record, report, seed)
    _scenario_steps(res, plant, record, report, seed)

    report.heading("Order book")
    orders = plant.orders.groupby("product").agg(orders=("order_id", "count"),
                                                 units=("quantity", "sum")).reset_index()
    report.table(orders, caption=f"{len(plant.orders)} open orders")
    res.files["report"] = report.write(out / "report.html")
    res.files["run"] = record.write(out / "run.json")
    _weekly_report(res, plant, record)
    res.files["run"] = record.write(out / "run.json")
    return res


def _weekly_report(res: DemoResult, plant: PlantData, record: RunRecord) -> None:
    """The weekly report (HTML and PDF) with the local model's checked explanations."""
    from twinbench.llm.report import model_identity, weekly_report

    html_path, pdf_path = _timed(record, "weekly report (local LLM, checked)",
                                 lambda: weekly_report(res.out_dir, spec=plant.spec))
    record.options["llm"] = model_identity()
    res.files.update({"weekly_report": html_path, "weekly_report_pdf": pdf_path})
