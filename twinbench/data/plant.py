"""A plant's data bundle: spec, telemetry, events, orders, demand, drivers and documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from twinbench.data.tables import load_demand, load_drivers, load_events, load_orders
from twinbench.data.telemetry import file_sha256, load_telemetry
from twinbench.spec import LineSpec, load_spec

__all__ = ["DEMO_DIR", "PlantData", "load_plant"]

#: the demo plant shipped with twinbench (the repository's ``data/`` folder)
DEMO_DIR = Path(__file__).resolve().parents[2] / "data"

#: read by later steps when present: the distribution network and the what-if file
OPTIONAL_FILES = {"network": "network.yaml", "scenarios": "scenarios.yaml"}
FILES = {
    "spec": "plant.yaml",
    "telemetry": "telemetry.parquet",
    "events": "events.csv",
    "orders": "orders.csv",
    "demand": "demand.csv",
    "drivers": "drivers.csv",
}


@dataclass
class PlantData:
    """Everything twinbench knows about one plant, loaded and validated.

    Attributes
    ----------
    spec
        The line description.
    telemetry
        Sensor history, dims ``(machine, time)``, canonical units.
    events
        Failure and maintenance events (``machine, kind, start, end``).
    orders
        Open order book.
    demand
        Weekly demand history per product [unit/week].
    drivers
        Exogenous demand drivers by week (history and known future).
    documents
        Paths of SOPs and maintenance notes (Markdown).
    hashes
        SHA-256 of every input file, by name.
    """

    root: Path
    spec: LineSpec
    telemetry: xr.Dataset
    events: pd.DataFrame
    orders: pd.DataFrame
    demand: pd.DataFrame
    drivers: pd.DataFrame
    documents: list[Path] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)


def load_plant(root: str | Path | None = None) -> PlantData:
    """Load and validate a plant folder (default: the shipped demo plant).

    The folder holds ``plant.yaml``, ``telemetry.parquet`` (or ``.csv``/``.nc``),
    ``events.csv``, ``orders.csv``, ``demand.csv``, ``drivers.csv`` and ``docs/*.md``.
    """
    root = Path(root) if root is not None else DEMO_DIR
    if not root.is_dir():
        raise FileNotFoundError(f"plant folder {str(root)!r} not found")
    paths = {k: root / v for k, v in FILES.items()}
    if not paths["telemetry"].exists():
        for alt in ("telemetry.csv", "telemetry.nc"):
            if (root / alt).exists():
                paths["telemetry"] = root / alt
    missing = [str(p.name) for p in paths.values() if not p.exists()]
    if missing:
        raise FileNotFoundError(
            f"plant folder {str(root)!r} is missing {missing!r}; expected files: "
            f"{list(FILES.values())!r} (telemetry may also be .csv or .nc)"
        )
    spec = load_spec(paths["spec"])
    return PlantData(
        root=root,
        spec=spec,
        telemetry=load_telemetry(paths["telemetry"]),
        events=load_events(paths["events"], spec),
        orders=load_orders(paths["orders"], spec),
        demand=load_demand(paths["demand"], spec),
        drivers=load_drivers(paths["drivers"]),
        documents=sorted((root / "docs").glob("*.md")),
        hashes={**{k: file_sha256(p) for k, p in paths.items()},
                **{k: file_sha256(root / f) for k, f in OPTIONAL_FILES.items()
                   if (root / f).exists()}},
    )
