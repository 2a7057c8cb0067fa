"""The end-to-end flow on one plant, as run by ``twinbench demo``.

:func:`run_demo` calls the package's steps in order and writes every output into one
folder, with ``run.json`` recording seed, versions, options, input hashes and step timings.
Each capability adds its step here; the notebook and dashboard call the same functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


def _timed(record: RunRecord, name: str, fn: Callable[[], Any], **notes: Any) -> Any:
    t0 = time.perf_counter()
    out = fn()
    record.add_step(name, time.perf_counter() - t0, **notes)
    print(f"  {name:<28s} {time.perf_counter() - t0:7.2f} s", flush=True)
    return out


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
    report.heading("Order book")
    orders = plant.orders.groupby("product").agg(orders=("order_id", "count"),
                                                 units=("quantity", "sum")).reset_index()
    report.table(orders, caption=f"{len(plant.orders)} open orders")
    res.files["report"] = report.write(out / "report.html")
    res.files["run"] = record.write(out / "run.json")
    return res
