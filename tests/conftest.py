"""Shared fixtures and the slow tier switch (``--runslow`` or ``TWINBENCH_SLOW=1``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow") or os.environ.get("TWINBENCH_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow tier: run with --runslow or TWINBENCH_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def demo_spec():
    from twinbench.spec import load_spec

    return load_spec(DEMO / "plant.yaml")


@pytest.fixture(scope="session")
def demo_plant():
    from twinbench.data.plant import load_plant

    return load_plant(DEMO)


@pytest.fixture
def spec_dict():
    import yaml

    return yaml.safe_load((DEMO / "plant.yaml").read_text())
