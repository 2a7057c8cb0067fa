"""Run many scenarios: in this process, on a local process pool, or on a Dask cluster.

Every executor does the same thing per scenario: :func:`~twinbench.scenarios.runner.
evaluate` with the batch's shared :class:`~twinbench.scenarios.runner.RunContext`. Only
this process writes the results store, so the catalog never sees concurrent writers.
A scenario already ``done`` in the store (same content id) is skipped: an interrupted
batch restarted with the same file finishes what is missing and recomputes nothing. A
failing scenario is recorded with its error and the batch goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from twinbench.provenance import package_versions
from twinbench.scenarios.runner import RunContext, evaluate
from twinbench.scenarios.scenario import Scenario
from twinbench.scenarios.store import ResultStore

__all__ = ["BatchReport", "run_batch"]


@dataclass
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    store
        The results store.
    ids
        Scenario id by scenario name.
    computed, skipped, failed
        Names computed now, skipped as already done, failed now.
    seconds
        Wall time [s].
    """

    store: ResultStore
    ids: dict[str, str]
    computed: list[str]
    skipped: list[str]
    failed: list[str]
    seconds: float

    @property
    def per_minute(self) -> float:
        """Scenarios computed per minute of wall time."""
        return 60.0 * len(self.computed) / max(self.seconds, 1e-9)


def _outcome(sc: Scenario, ctx: RunContext) -> dict[str, Any]:
    """Evaluate one scenario; never raises (errors travel back as text)."""
    t0 = time.perf_counter()
    try:
        res = evaluate(sc, ctx)
        return {"ok": True, "ds": res.ds, "kpis": res.kpis(), "timings": res.timings}
    except Exception as err:  # recorded in the catalog; the batch goes on
        tb = traceback.format_exception_only(type(err), err)
        return {"ok": False, "error": "".join(tb).strip(),
                "timings": {"failed_after": time.perf_counter() - t0}}


_WORKER_CTX: RunContext | None = None


def _init_worker(ctx: RunContext) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx


def _pool_task(sc: Scenario) -> dict[str, Any]:
    assert _WORKER_CTX is not None, "worker started without its context"
    return _outcome(sc, _WORKER_CTX)


def _progress(it: Iterable, total: int, enabled: bool) -> Iterator:
    if not enabled:
        yield from it
        return
    from tqdm.auto import tqdm

    yield from tqdm(it, total=total, desc="scenarios", unit="scenario")


def run_batch(scenarios: list[Scenario], ctx: RunContext, out: str | Path,
              workers: int = 1, scheduler: str | None = None, progress: bool = False,
              retry_failed: bool = True) -> BatchReport:
    """Evaluate ``scenarios`` and store each result as it finishes.

    Parameters
    ----------
    scenarios
        The batch (names unique).
    ctx
        Shared starting point (base plant, forecasts, settings).
    out
        Results folder (created; an existing one is resumed).
    workers
        Local worker processes (1: in this process).
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``) or a
        ``distributed.Client``; overrides ``workers``.
    progress
        Show a progress bar.
    retry_failed
        Recompute scenarios that failed in an earlier run.
    """
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"scenario names must be unique in a batch; repeated: {dup!r}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, found {workers!r}")
    t_start = time.perf_counter()
    store = ResultStore(out)
    base = ctx.base_hash()
    versions = package_versions()
    store.set_meta(base_hash=base, settings=asdict(ctx.settings), versions=versions,
                   twin=ctx.failures is not None)
    ids = {s.name: s.scenario_id(base) for s in scenarios}
    todo, skipped, seen = [], [], set()
    failed_before = set(store.catalog().query("status == 'failed'")["scenario_id"])
    for s in scenarios:
        sid = ids[s.name]
        store.register(sid, s.name, s.content()["edits"], s.seed)
        if sid in seen or store.is_done(sid) or (not retry_failed and sid in failed_before):
            skipped.append(s.name)
            continue
        seen.add(sid)
        todo.append(s)
    computed, failed = [], []

    def record(sc: Scenario, res: dict[str, Any]) -> None:
        sid = ids[sc.name]
        if res["ok"]:
            store.save(sid, res["ds"], res["kpis"], res["timings"], versions)
            computed.append(sc.name)
        else:
            store.fail(sid, res["error"], res["timings"])
            failed.append(sc.name)

    for s in todo:
        store.mark_running(ids[s.name])
    if scheduler is not None:
        _run_dask(todo, ctx, scheduler, record, progress)
    elif workers == 1:
        for s in _progress(todo, len(todo), progress):
            record(s, _outcome(s, ctx))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                 initializer=_init_worker, initargs=(ctx,)) as pool:
            futures = {pool.submit(_pool_task, s): s for s in todo}
            for f in _progress(as_completed(futures), len(futures), progress):
                record(futures[f], f.result())
    return BatchReport(store, ids, computed, skipped, failed, time.perf_counter() - t_start)


def _run_dask(todo: list[Scenario], ctx: RunContext, scheduler: Any, record,
              progress: bool) -> None:
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        ctx_future = client.scatter(ctx, broadcast=True)
        futures = {client.submit(_outcome, s, ctx_future, pure=False): s for s in todo}
        for f in _progress(dask_completed(futures), len(futures), progress):
            record(futures[f], f.result())
    finally:
        if client is not scheduler:
            client.close()


def catalog_table(out: str | Path) -> pd.DataFrame:
    """The catalog of a results folder (see :class:`ResultStore`)."""
    return ResultStore(out).catalog()
