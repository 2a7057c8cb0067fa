"""Plan ids are the hash of the plan's content: same decisions, same id; any decision
changed, another id; solver noise far below a decision, the same id."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.plan_ids import schedule_plan_id, supply_plan_id


def _supply(production: np.ndarray, periods: int = 26, objective: float = 1.0):
    ds = xr.Dataset({"production": (("product", "week"), production),
                     "stock": (("product", "week"), production / 2)},
                    coords={"product": ["A", "B"], "week": np.arange(production.shape[1])})
    return SimpleNamespace(ds=ds, options={"periods": periods}, objective=objective)


def _schedule(starts: list[str], input_hash: str = "h"):
    start = pd.to_datetime(starts)
    table = pd.DataFrame({"job": ["O1", "O2"], "step": [1, 1], "machine": ["M1", "M2"],
                          "start_time": start, "end_time": start + pd.Timedelta(hours=2)})
    return SimpleNamespace(table=table, options={"input_hash": input_hash}, objective=1.0)


def test_supply_id_is_the_hash_of_the_decisions():
    prod = np.array([[10.0, 20.0], [5.0, 0.0]])
    a = supply_plan_id(_supply(prod))
    assert a.startswith("supply:26w:") and len(a.split(":")[-1]) == 16
    # the same decisions (another objective figure, noise 1e-7): the same id
    assert supply_plan_id(_supply(prod + 1e-7, objective=2.0)) == a
    changed = prod.copy()
    changed[1, 1] = 1.0  # one quantity of one week
    assert supply_plan_id(_supply(changed)) != a
    assert supply_plan_id(_supply(prod, periods=13)) != a


def test_schedule_id_is_the_hash_of_the_operations():
    a = schedule_plan_id(_schedule(["2025-01-06 06:00", "2025-01-06 08:00"]))
    assert a.startswith("schedule:") and len(a.split(":")[-1]) == 16
    assert schedule_plan_id(_schedule(["2025-01-06 06:00:10", "2025-01-06 08:00:00"])) == a
    assert schedule_plan_id(_schedule(["2025-01-06 06:00", "2025-01-06 09:00"])) != a
    assert schedule_plan_id(_schedule(["2025-01-06 06:00", "2025-01-06 08:00"], "h2")) != a
