"""Shared helpers of the scenario tests."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml


@pytest.fixture
def grid_batch(tmp_path: Path) -> Callable[[list[float]], tuple[list[str], Path, dict]]:
    """``f(factors) -> (cmd, out, data)``: a ``twinbench run`` command line for the base
    plus a demand grid over ``factors`` (tiny chain settings), the results folder it
    writes, and the scenario file's content."""
    return lambda factors: _grid_batch(tmp_path, factors)


def _grid_batch(tmp_path: Path, factors: list[float]) -> tuple[list[str], Path, dict]:
    data = {"seed": 2, "scenarios": [{"name": "base"}],
            "sweeps": [{"name": "d", "method": "grid", "parameters": {"f": factors},
                        "edits": [{"kind": "demand_change", "factor": "{f}"}]}]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "twinbench.cli", "run", str(path), "--out", str(out),
           "--weeks", "6", "--samples", "4", "--worlds", "4",
           "--stages", "demand,supply,arrivals,simulate", "--no-progress"]
    return cmd, out, data
