"""Command-line interface: ``twinbench --help``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="twinbench: digital-twin decision workbench for manufacturing lines.",
                  no_args_is_help=True, add_completion=False)


def _fail(err: Exception) -> None:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out/demo"),
    plant: Annotated[Path | None, typer.Option(help="Plant folder (default: shipped demo).")]
    = None,
    seed: Annotated[int, typer.Option(help="Seed for every random draw.")] = 42,
) -> None:
    """Run the whole flow on the demo plant and write results, figures and a report."""
    from twinbench.spec import SpecError
    from twinbench.workflow import run_demo

    typer.echo(f"twinbench demo: writing to {out.resolve()}")
    try:
        res = run_demo(out, plant, seed)
    except (FileNotFoundError, ValueError, SpecError) as err:
        _fail(err)
    typer.echo(f"\nOutputs are in {res.out_dir.resolve()}:")
    for name, path in res.files.items():
        typer.echo(f"  {name:<18s} {path}")


@app.command()
def validate(spec: Annotated[Path, typer.Argument(help="Line spec YAML file.")]) -> None:
    """Check a line spec; print a summary or every problem found."""
    from twinbench.spec import SpecError, load_spec

    try:
        s = load_spec(spec)
    except (SpecError, FileNotFoundError) as err:
        _fail(err)
    typer.echo(f"{spec}: valid line spec {s.name!r}: {len(s.stations)} stations, "
               f"{len(s.machines)} machines, {len(s.products)} products, "
               f"{len(s.suppliers)} suppliers")


@app.command()
def quality(
    telemetry: Annotated[Path, typer.Argument(help="Telemetry file (.parquet or .csv).")],
    out: Annotated[Path | None, typer.Option(help="Write findings to this CSV.")] = None,
) -> None:
    """Data-quality report of a telemetry file: gaps, duplicates, spikes, stuck sensors..."""
    from twinbench.data.quality import check_file

    try:
        rep = check_file(telemetry)
    except (FileNotFoundError, ValueError) as err:
        _fail(err)
    typer.echo(rep.to_markdown())
    if out is not None:
        rep.findings.to_csv(out, index=False)
        typer.echo(f"findings written to {out}")


@app.command("generate-demo")
def generate_demo_cmd(
    out: Annotated[Path, typer.Option(help="Folder to write the data into.")] = Path("data"),
    spec: Annotated[Path, typer.Option(help="Line spec.")] = Path("data/plant.yaml"),
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 20250101,
    days: Annotated[int, typer.Option(help="Days of telemetry.")] = 365,
) -> None:
    """Regenerate the demo plant's data from the twin's physics (seeded)."""
    from twinbench.data.demo import generate_demo
    from twinbench.spec import SpecError, load_spec

    try:
        paths = generate_demo(load_spec(spec), out, seed=seed, days=days)
    except (SpecError, FileNotFoundError) as err:
        _fail(err)
    for name, path in paths.items():
        typer.echo(f"  {name:<10s} {path}")


@app.command()
def run(
    scenarios: Annotated[Path, typer.Argument(help="Scenarios YAML (scenarios and sweeps).")],
    out: Annotated[Path, typer.Option(help="Results folder (resumed if it exists).")],
    workers: Annotated[int, typer.Option(help="Local worker processes.")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786); overrides --workers.")] = None,
    plant: Annotated[Path | None, typer.Option(help="Plant folder (default: shipped demo).")]
    = None,
    twin: Annotated[bool, typer.Option(
        help="Calibrate the twin once for capacity (about a minute); else spec physics.")]
    = False,
    weeks: Annotated[int, typer.Option(help="Supply-plan horizon [weeks].")] = 13,
    samples: Annotated[int, typer.Option(
        help="Worlds (demand/supplier samples) the supply plan is optimised on.")] = 10,
    worlds: Annotated[int, typer.Option(
        help="Evaluation worlds: the KPI samples of every scenario.")] = 30,
    stages: Annotated[str | None, typer.Option(
        help="Comma-separated stages of the chain to run (default: all).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    retries: Annotated[int, typer.Option(
        help="Reruns of a scenario whose worker process died (--workers > 1).")] = 2,
) -> None:
    """Run a batch of what-if scenarios; each result is stored as it finishes.

    Results are keyed by content (edits, seed) and by the data, settings and code they ran
    on: rerunning an edited file recomputes only what changed. One batch at a time per
    results folder.
    """
    from twinbench.scenarios import ScenarioError, load_scenarios
    from twinbench.scenarios.batch import FolderInUse, WorkerStartError, run_batch
    from twinbench.scenarios.runner import RunSettings, prepare_context
    from twinbench.spec import SpecError

    try:
        chosen = {} if stages is None else {
            "stages": tuple(x.strip() for x in stages.split(",") if x.strip())}
        settings = RunSettings(weeks=weeks, train_worlds=samples, eval_worlds=worlds,
                               **chosen)
        ctx = prepare_context(plant, settings, calibrate_twin=twin)
        batch = load_scenarios(scenarios, ctx.plant.spec)
        rep = run_batch(batch, ctx, out, workers=workers, scheduler=scheduler,
                        progress=progress, retries=retries)
    except (FileNotFoundError, ValueError, ScenarioError, SpecError, OSError,
            FolderInUse, WorkerStartError) as err:
        _fail(err)
    typer.echo(f"{len(batch)} scenario(s): {len(rep.computed)} computed, "
               f"{len(rep.skipped)} already done, {len(rep.failed)} failed "
               f"({rep.seconds:.1f} s, {rep.per_minute:.1f} per minute). Results in {out}")
    if rep.lock_taken_over is not None:
        typer.echo(f"  took over the lock left by process {rep.lock_taken_over} (no longer "
                   "running)")
    for old, new in rep.renamed.items():
        typer.echo(f"  renamed {old} -> {new} (same content: result reused)")
    if rep.replaced:
        typer.echo(f"  now other content under the same name (edited, or other data, "
                   f"settings or code): {', '.join(rep.replaced)}")
    for name, n in rep.worker_deaths.items():
        typer.echo(f"  worker died {n} time(s) while evaluating {name}")
    cat = rep.store.catalog()
    for _, row in cat[cat["status"] == "failed"].iterrows():
        typer.echo(f"  failed {row['name']}: {row['error']}")


@app.command()
def compare(
    out: Annotated[Path, typer.Argument(help="Results folder of `twinbench run`.")],
    base: Annotated[str, typer.Option(help="Name of the base scenario.")] = "base",
    kpi: Annotated[str | None, typer.Option(help="Only this KPI.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the comparison to this CSV.")]
    = None,
    level: Annotated[float, typer.Option(help="Confidence level of the intervals; tests at "
                                         "alpha = 1 - level.")] = 0.9,
) -> None:
    """KPI deltas of every scenario against the base, with intervals, tests and ranks.

    Deltas pair by world (n_pairs: worlds finite in both); p: t-test, q: Benjamini-Hochberg
    over all rows; rank 1 = largest improvement of the KPI (its known better direction).
    Rows that cannot be compared (NaN, missing KPI, failed scenario) say why.
    """
    import pandas as pd

    from twinbench.scenarios.compare import compare as compare_results
    from twinbench.scenarios.compare import summary_text

    if not (out / "catalog.sqlite").exists():
        _fail(FileNotFoundError(f"no results catalog in {str(out)!r}; run "
                                "`twinbench run SCENARIOS.yaml --out DIR` first"))
    try:
        df = compare_results(out, base=base, level=level,
                             kpis=[kpi] if kpi is not None else None)
    except ValueError as err:
        _fail(err)
    if csv is not None:
        df.to_csv(csv, index=False)
    if df.empty:
        typer.echo(f"nothing to compare: only the base {base!r} in {str(out)!r}")
        return
    show = df.rename(columns={"significant": "sig", "significant_fdr": "sig_fdr",
                              "p_value": "p", "q_value": "q"})
    show["rank"] = show["rank"].astype(object).where(show["rank"].notna(), "-")
    show["why"] = (show["reason"] != "").map({True: "see below", False: ""})
    cols = ["scenario", "kpi", "unit", "base", "value", "delta", "ci_low", "ci_high",
            "n_pairs", "p", "sig", "q", "sig_fdr", "rank", "why"]
    pq = {c: (lambda v: "-" if pd.isna(v) else f"{v:.2g}") for c in ("p", "q")}
    with pd.option_context("display.width", 250, "display.max_rows", 500):
        typer.echo(show[cols].round(4).to_string(index=False, na_rep="-", formatters=pq))
    typer.echo("\n" + summary_text(df.attrs["multiplicity"]))
    for (name, why), rows in df[df["reason"] != ""].groupby(["scenario", "reason"],
                                                            sort=False):
        typer.echo(f"  no test: {name} / {', '.join(rows['kpi'])}: {why}")
    for _, row in df[df["note"] != ""].iterrows():
        typer.echo(f"  note {row['scenario']} / {row['kpi']}: {row['note']}")


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="Results folder of `twinbench demo`.")]
    = Path("out/demo"),
    out: Annotated[Path | None, typer.Option(help="Where to write (default: RESULTS).")]
    = None,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Let the local model write the "
                                      "explanations (checked); --no-llm: templates.")] = True,
    plant: Annotated[Path | None, typer.Option(help="Plant folder (names for the check).")]
    = None,
) -> None:
    """Draft the weekly report (HTML and PDF) from a demo results folder."""
    from twinbench.data.plant import load_plant
    from twinbench.llm.report import weekly_report

    try:
        spec = load_plant(plant).spec
        html_path, pdf_path = weekly_report(results, out, spec=spec, use_llm=llm)
    except (FileNotFoundError, ValueError) as err:
        _fail(err)
    typer.echo(f"Weekly report: {html_path}\n               {pdf_path}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A what-if or a how/why question.")],
    plant: Annotated[Path | None, typer.Option(help="Plant folder (default: the demo).")]
    = None,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Let the local model parse "
                                      "and write (checked); --no-llm: rules and templates.")]
    = True,
    seed: Annotated[int, typer.Option(help="Seed of the scenario runs.")] = 0,
) -> None:
    """Ask the twin: a what-if runs as a scenario against the base and is explained; a
    how/why question is answered from the plant's documents with sources."""
    from twinbench.llm.ask import ask as ask_twin
    from twinbench.pipeline import StageFailed
    from twinbench.scenarios.runner import RunSettings, prepare_context
    from twinbench.spec import SpecError

    try:
        ctx = prepare_context(plant, RunSettings(weeks=8, train_worlds=5, eval_worlds=20,
                                                 schedule_time_limit=5))
        answer = ask_twin(question, ctx, use_llm=llm, method="auto" if llm else "rules",
                          seed=seed)
    except (FileNotFoundError, ValueError, SpecError, StageFailed) as err:
        _fail(err)
    typer.echo(str(answer))
    if answer.comparison is not None:
        cols = ["kpi", "unit", "base", "value", "delta", "ci_low", "ci_high"]
        typer.echo(answer.comparison[cols].round(3).to_string(index=False))
    if answer.kind == "rejected":
        raise typer.Exit(1)


DASHBOARD = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"


@app.command("reschedule")
def reschedule_cmd(
    now: Annotated[str, typer.Option(help="Current time: working-clock hours from t0 or a "
                                     "timestamp (2026-01-06T08:00).")],
    breakdown: Annotated[list[str] | None, typer.Option(
        help="MACHINE,START,END (repeatable).")] = None,
    late: Annotated[list[str] | None, typer.Option(
        help="ORDER,ARRIVAL: the order's material arrives then (repeatable).")] = None,
    rush: Annotated[list[str] | None, typer.Option(
        help="PRODUCT,QUANTITY,DUE: a new order released now (repeatable).")] = None,
    freeze: Annotated[float, typer.Option(help="Frozen window after now [h].")] = 4.0,
    max_loss: Annotated[float, typer.Option(help="Objective loss accepted for fewer moved "
                                            "operations [1].")] = 0.02,
    time_limit: Annotated[float, typer.Option(help="Solver time, each plan [s].")] = 20.0,
    plant: Annotated[Path | None, typer.Option(help="Plant folder (default: the demo).")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Write the replanned table (CSV).")]
    = None,
    seed: Annotated[int, typer.Option(help="Seed of the search.")] = 0,
) -> None:
    """Replan the first week from the current state after breakdowns, late materials or
    rush orders: running and frozen work stays, the rest moves as little as it can."""
    from twinbench.optimize.schedule.reschedule import RescheduleFailed
    from twinbench.optimize.schedule.reschedule_week import reschedule_week

    try:
        res = reschedule_week(plant, now=now, freeze=freeze, breakdowns=breakdown or [],
                              late=late or [], rush=rush or [], time_limit=time_limit,
                              max_loss=max_loss, seed=seed)
    except (FileNotFoundError, ValueError, RescheduleFailed) as err:
        _fail(err)
    typer.echo(res.summary())
    if out is not None:
        res.result.table.to_csv(out, index=False)
        typer.echo(f"replanned table: {out}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port.")] = 5006,
    address: Annotated[str, typer.Option(
        help="Address to listen on (0.0.0.0 or ::: every interface; the websocket then "
             "accepts this machine's names and addresses).")] = "localhost",
    plant: Annotated[Path | None, typer.Option(help="Plant folder (default: shipped demo).")]
    = None,
    users: Annotated[Path | None, typer.Option(
        help="Users file of `twinbench users add` (argon2 hashes, roles): require a login. "
             "Without it the dashboard is view-only.")] = None,
    results: Annotated[Path, typer.Option(help="Folder of the audit log (audit.sqlite).")]
    = Path("out/dashboard"),
    four_eyes: Annotated[bool, typer.Option(
        help="Refuse a plan's approval by the user who submitted it.")] = True,
    allow_origin: Annotated[list[str] | None, typer.Option(
        help="Another host[:port] the browser may reach the server by (a proxy's name); "
             "repeatable.")] = None,
    session_hours: Annotated[float, typer.Option(help="Longest sign-in session [h].")] = 8.0,
    idle_minutes: Annotated[float, typer.Option(
        help="A session ends after this long without a request [min].")] = 60.0,
    max_failed_logins: Annotated[int, typer.Option(
        help="Failed sign-ins of a user from one address before a 5-minute lock-out.")] = 5,
    draws: Annotated[int, typer.Option(help="Posterior draws of the twin's calibration.")]
    = 400,
    whatif_workers: Annotated[int, typer.Option(
        help="Worker processes for what-ifs, so that users asking at once are answered "
             "at once (0: in the server process, one after the other).")] = 3,
    show: Annotated[bool, typer.Option(help="Open a browser.")] = False,
) -> None:
    """Serve the plant manager's dashboard (Panel)."""
    from twinbench.access.users import UsersFileError

    if not DASHBOARD.exists():
        _fail(FileNotFoundError(f"dashboard app {str(DASHBOARD)!r} not found"))
    sys.path.insert(0, str(DASHBOARD.parents[1]))
    from dashboards.serve import serve_dashboard

    try:
        serve_dashboard(port, address, users, results, plant, draws, four_eyes,
                        allow_origin or [], show, lifetime=session_hours * 3600,
                        idle=idle_minutes * 60, max_failures=max_failed_logins,
                        whatif_workers=whatif_workers)
    except (UsersFileError, FileNotFoundError, ValueError) as err:
        _fail(err)


def _register_access() -> None:
    from twinbench.access.commands import audit_app, users_app

    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")


_register_access()


#: the live twin's commands (their options are parsed by :mod:`twinbench.live.commands`)
LIVE_COMMANDS = {
    "plant-server": "Play the plant over OPC UA (accelerated; Basic256Sha256 with user names).",
    "watch": "Subscribe to a plant server: historian, online quality, live twin, alerts.",
    "live-certs": "Make the plant link's certificates (server, client, trust list, users).",
    "live-add-user": "Add a user to the plant server's users file.",
}


def _live_command(name: str, help_text: str) -> None:
    @app.command(name, help=help_text + " Options: twinbench " + name + " --help.",
                 add_help_option=False,
                 context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def _cmd(ctx: typer.Context) -> None:
        from twinbench.live.commands import main as live_main

        raise typer.Exit(live_main([name, *ctx.args]))


for _name, _help in LIVE_COMMANDS.items():
    _live_command(_name, _help)


def main() -> None:  # pragma: no cover - entry point
    """Entry point."""
    sys.exit(app())


if __name__ == "__main__":  # python -m twinbench.cli
    main()
