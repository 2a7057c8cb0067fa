"""Plan ids: the hash of a plan's content, which approvals refer to
(:class:`twinbench.access.approvals.ApprovalLog`).

An id starts with the plan's kind (``supply:``, ``schedule:``) and then holds the first
16 hex digits of a SHA-256 over what the plan decides: the schedule's assignments and
times (with the hash of its problem), the supply plan's every decision quantity (with its
horizon). Two plans with the same decisions get the same id; change one quantity or one
start and the id changes, so an approval can never be carried over to another plan.
Numbers are rounded before hashing (times to the minute, quantities to 0.001), so that
solver noise far below a decision does not change the id.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from twinbench.optimize.schedule import Schedule
    from twinbench.optimize.supply import SupplyPlan

__all__ = ["schedule_plan_id", "supply_plan_id"]

DIGITS = 16  # hex digits of the hash kept in an id (64 bits)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()[:DIGITS]


def _numbers(values: np.ndarray, decimals: int = 3) -> bytes:
    a = np.round(np.asarray(values, dtype=float), decimals) + 0.0  # -0.0 -> 0.0
    return np.ascontiguousarray(a).tobytes()


def supply_plan_id(plan: SupplyPlan) -> str:
    """Id of a supply plan: ``supply:<periods>w:<hash of every decision>``.

    Parameters
    ----------
    plan
        A solved supply plan: reads ``options["periods"]`` [week] and every numeric
        variable of ``ds`` with its coordinates (quantities rounded to 0.001).

    Returns
    -------
    str
        For example ``supply:26w:3f2a9c0d11e4b7a8``.
    """
    ds = plan.ds
    parts = [str(plan.options["periods"]).encode()]
    for name in sorted(map(str, ds.data_vars)):
        var = ds[name]
        if not np.issubdtype(var.dtype, np.number):
            continue
        coords = [f"{d}={list(map(str, ds[d].values))}" for d in var.dims if d in ds.coords]
        parts += [name.encode(), repr(var.dims).encode(), "|".join(coords).encode(),
                  _numbers(var.values)]
    return f"supply:{plan.options['periods']}w:{_digest(*parts)}"


def schedule_plan_id(schedule: Schedule) -> str:
    """Id of a schedule: ``schedule:<hash of its problem and every operation>``.

    Parameters
    ----------
    schedule
        A solved schedule: reads ``options["input_hash"]`` (the hash of its problem) and
        ``table`` (job, step, machine, start and end time per operation; times rounded
        to the minute).

    Returns
    -------
    str
        For example ``schedule:9b1c3d5e7f901234``.
    """
    t = schedule.table[["job", "step", "machine", "start_time", "end_time"]].copy()
    for col in ("start_time", "end_time"):
        t[col] = pd.to_datetime(t[col]).dt.round("min").astype(str)
    t = t.astype(str).sort_values(["job", "step", "machine"])
    body = t.to_csv(index=False).encode()
    return f"schedule:{_digest(str(schedule.options['input_hash']).encode(), body)}"
