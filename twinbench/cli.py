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


def main() -> None:  # pragma: no cover - entry point
    """Entry point."""
    sys.exit(app())
