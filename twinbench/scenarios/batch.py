"""Run many scenarios: in this process, on a local process pool, or on a Dask cluster.

Every executor does the same thing per scenario: :func:`~twinbench.scenarios.runner.
evaluate` with the batch's shared :class:`~twinbench.scenarios.runner.RunContext`. Only
this process writes the results store, and only one batch at a time may write a folder
(:meth:`~twinbench.scenarios.store.ResultStore.lock`).

What a result is keyed by
-------------------------
A scenario's id is a hash of its content (edits and seed; not its name or description)
and of the *run key*: the base hash (input files, spec, settings, twin or spec physics)
and the *code hash* (:func:`code_hash`: the twinbench source that computes results, and
the versions of the numeric libraries). So editing one scenario, or any description, in
the scenario file recomputes only that scenario; changing the data, the settings or the
code recomputes all. A scenario already ``done`` in the store (same id) is skipped: an
interrupted batch restarted with the same file finishes what is missing and recomputes
nothing. Names are kept unique in the folder (see :mod:`twinbench.scenarios.store`).

Failures
--------
A scenario that raises is recorded as ``failed`` with its error and the batch goes on. On
a process pool, a worker that *dies* (killed, out of memory, a crash in compiled code)
breaks the pool; the pool is rebuilt, the death is recorded against each scenario that
was in flight, and those are retried one at a time (so the next death is attributed with
certainty) up to ``retries`` times, then marked ``failed`` with the reason; the other
scenarios go on. With ``workers=1`` scenarios run in this process, where nothing can
survive such a crash (the batch resumes when restarted). On Dask, the scheduler retries
tasks of lost workers itself; a task that still fails is recorded as failed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from twinbench.provenance import package_versions
from twinbench.scenarios.runner import RunContext, evaluate
from twinbench.scenarios.scenario import Scenario
from twinbench.scenarios.store import FolderInUse, ResultStore

__all__ = ["BatchReport", "FolderInUse", "WorkerStartError", "code_hash", "run_batch",
           "run_key", "scenario_ids"]

#: twinbench modules that cannot change a scenario's numbers (presentation, storage, this
#: runner); every other module of the package counts in :func:`code_hash`
NOT_RESULT_CODE = ("cli.py", "workbench.py", "workflow.py", "provenance.py", "plan_ids.py",
                   "llm/", "viz/", "scenarios/batch.py", "scenarios/store.py",
                   "scenarios/compare.py")

#: libraries whose version counts in :func:`code_hash`
NUMERIC_LIBRARIES = ("numpy", "pandas", "xarray", "scipy", "numba", "pyomo", "highspy",
                     "statsmodels", "pymc", "pytensor", "nutpie")


class WorkerStartError(RuntimeError):
    """The worker processes of a local pool could not start (no scenario was charged)."""


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
    worker_deaths
        Per name, worker processes that died while evaluating it in this batch.
    renamed
        ``old name -> new name`` of stored results found again under a new name.
    replaced
        Names that pointed at another result before this batch (edited scenario, or
        other data, settings or code).
    lock_taken_over
        Process id of a dead batch whose stale lock record was taken over (or None).
    """

    store: ResultStore
    ids: dict[str, str]
    computed: list[str]
    skipped: list[str]
    failed: list[str]
    seconds: float
    worker_deaths: dict[str, int] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)
    lock_taken_over: int | None = None

    @property
    def per_minute(self) -> float:
        """Scenarios computed per minute of wall time."""
        return 60.0 * len(self.computed) / max(self.seconds, 1e-9)


# -- what a result is keyed by ---------------------------------------------------------------
_FILE_DIGESTS: dict[Path, tuple[int, int, str]] = {}


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _source_digest(path: Path) -> str:
    """Hash of a module's code: comments, docstrings and layout do not count."""
    st = path.stat()
    cached = _FILE_DIGESTS.get(path)
    if cached is not None and cached[:2] == (st.st_mtime_ns, st.st_size):
        return cached[2]
    raw = path.read_bytes()
    try:
        text = ast.dump(_strip_docstrings(ast.parse(raw)), include_attributes=False)
        digest = hashlib.sha256(text.encode()).hexdigest()
    except (SyntaxError, ValueError):  # not parseable (being edited): its bytes count
        digest = hashlib.sha256(raw).hexdigest()
    _FILE_DIGESTS[path] = (st.st_mtime_ns, st.st_size, digest)
    return digest


def code_hash(package_dir: str | Path | None = None,
              libraries: tuple[str, ...] = NUMERIC_LIBRARIES) -> str:
    """Hash of the code scenario results depend on [16 hex digits].

    The twinbench version, the Python version, the versions of ``libraries`` and the code
    of every twinbench module except :data:`NOT_RESULT_CODE` (comments, docstrings and
    formatting do not count: only the parsed code).

    Parameters
    ----------
    package_dir
        The ``twinbench`` package folder (default: the one imported).
    libraries
        Distributions whose installed version counts.
    """
    root = Path(package_dir) if package_dir is not None else Path(__file__).parents[1]
    files = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel or any(rel == x or (x.endswith("/") and rel.startswith(x))
                                       for x in NOT_RESULT_CODE):
            continue
        files[rel] = _source_digest(path)
    versions = {}
    for name in ("twinbench", *libraries):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    text = json.dumps({"python": sys.version.split()[0], "versions": versions,
                       "files": files}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_key(base_hash: str, code: str) -> str:
    """What every scenario id of a batch includes: the base (data, settings) and the code."""
    text = json.dumps({"base": base_hash, "code": code}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def scenario_ids(scenarios: list[Scenario], ctx: RunContext, code: str | None = None
                 ) -> dict[str, str]:
    """Result id by scenario name, as :func:`run_batch` keys them.

    Parameters
    ----------
    code
        Code hash (default: :func:`code_hash` of the installed package).
    """
    key = run_key(ctx.base_hash(), code if code is not None else code_hash())
    return {s.name: s.scenario_id(key) for s in scenarios}


# -- evaluating one scenario -----------------------------------------------------------------
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


def _ready() -> int:
    """A worker is up (its initializer ran): its process id."""
    assert _WORKER_CTX is not None, "worker started without its context"
    return os.getpid()


def _pool_task(sc: Scenario) -> dict[str, Any]:
    assert _WORKER_CTX is not None, "worker started without its context"
    return _outcome(sc, _WORKER_CTX)


class _Progress:
    """A tqdm bar, or nothing."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="scenarios", unit="scenario")

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update()

    def wrap(self, it: Iterable) -> Iterator:
        for item in it:
            yield item
            self.step()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- the batch -------------------------------------------------------------------------------
def run_batch(scenarios: list[Scenario], ctx: RunContext, out: str | Path,
              workers: int = 1, scheduler: str | None = None, progress: bool = False,
              retry_failed: bool = True, retries: int = 2, code: str | None = None
              ) -> BatchReport:
    """Evaluate ``scenarios`` and store each result as it finishes.

    Parameters
    ----------
    scenarios
        The batch (names unique).
    ctx
        Shared starting point (base plant, forecasts, settings).
    out
        Results folder (created; an existing one is resumed). Locked while the batch runs.
    workers
        Local worker processes (1: in this process).
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``) or a
        ``distributed.Client``; overrides ``workers``.
    progress
        Show a progress bar.
    retry_failed
        Recompute scenarios that failed in an earlier run.
    retries
        On a process pool: times a scenario whose worker died is run again before it is
        marked failed.
    code
        Code hash to key results by (default :func:`code_hash`; pass e.g. the package
        version to reuse results across code edits at your own risk).

    Raises
    ------
    FolderInUse
        Another batch is writing ``out`` (at once; nothing is changed).
    WorkerStartError
        The local pool's worker processes cannot start (finished results are kept).
    """
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"scenario names must be unique in a batch; repeated: {dup!r}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, found {workers!r}")
    if retries < 0:
        raise ValueError(f"retries must be at least 0, found {retries!r}")
    t_start = time.perf_counter()
    store = ResultStore(out)
    with store.lock() as stale:
        rep = _run_locked(scenarios, ctx, store, workers, scheduler, progress, retry_failed,
                          retries, code)
    rep.lock_taken_over = stale
    rep.seconds = time.perf_counter() - t_start
    return rep


def _run_locked(scenarios: list[Scenario], ctx: RunContext, store: ResultStore, workers: int,
                scheduler: Any, progress: bool, retry_failed: bool, retries: int,
                code: str | None) -> BatchReport:
    base = ctx.base_hash()
    code = code if code is not None else code_hash()
    key = run_key(base, code)
    versions = package_versions()
    store.set_meta(base_hash=base, code_hash=code, settings=asdict(ctx.settings),
                   versions=versions, twin=ctx.failures is not None)
    ids = {s.name: s.scenario_id(key) for s in scenarios}
    reg = store.register_batch([(ids[s.name], s.name, s.description, s.content()["edits"],
                                 s.seed) for s in scenarios], base_hash=base, code_hash=code)
    todo, skipped, seen = [], [], set()
    for s in scenarios:
        sid = ids[s.name]
        if sid in seen or store.is_done(sid) or (
                not retry_failed and store.status(sid) == "failed"):
            skipped.append(s.name)
            continue
        seen.add(sid)
        todo.append(s)
    rep = BatchReport(store, ids, [], skipped, [], 0.0, renamed=reg.renamed,
                      replaced=reg.replaced)

    def record(sc: Scenario, res: dict[str, Any]) -> None:
        sid = ids[sc.name]
        if res["ok"]:
            store.save(sid, res["ds"], res["kpis"], res["timings"], versions)
            rep.computed.append(sc.name)
        else:
            store.fail(sid, res["error"], res["timings"])
            rep.failed.append(sc.name)

    def started(sc: Scenario) -> None:
        store.mark_running(ids[sc.name])

    bar = _Progress(len(todo), progress)
    try:
        if scheduler is not None:
            _run_dask(todo, ctx, scheduler, started, record, bar)
        elif workers == 1:
            for s in todo:
                started(s)
                record(s, _outcome(s, ctx))
                bar.step()
        else:
            def died(sc: Scenario, reason: str, final: bool) -> None:
                rep.worker_deaths[sc.name] = rep.worker_deaths.get(sc.name, 0) + 1
                store.note_worker_death(ids[sc.name], reason)
                if final:
                    record(sc, {"ok": False, "error": reason, "timings": {}})

            _run_pool(todo, ctx, workers, retries, started, record, died, bar)
    finally:
        bar.close()
    return rep


def _run_pool(todo: list[Scenario], ctx: RunContext, workers: int, retries: int,
              started: Callable[[Scenario], None],
              record: Callable[[Scenario, dict[str, Any]], None],
              died: Callable[[Scenario, str, bool], None], bar: _Progress) -> None:
    """Run ``todo`` on a spawned process pool that is rebuilt whenever a worker dies.

    At most ``workers`` scenarios are in flight, so a broken pool implicates only those.
    They are charged one death each and retried alone (one in flight), where a death is
    the scenario's own, until ``retries`` retries are spent.
    """
    queue, suspects = deque(todo), deque()
    deaths: dict[str, int] = {}
    pool: ProcessPoolExecutor | None = None
    running: dict[Future, Scenario] = {}

    def new_pool() -> ProcessPoolExecutor:
        new = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                  initializer=_init_worker, initargs=(ctx,))
        # Start every worker now. A worker the pool spawns on demand is watched for its
        # death only from the pool's next event on (CPython 3.11), so a worker killed
        # while the others are busy would go unnoticed until they finish.
        ready = [new.submit(_ready) for _ in range(workers)]
        wait(ready)
        errors = [f.exception() for f in ready if f.exception() is not None]
        if errors:
            new.shutdown(wait=True, cancel_futures=True)
            raise WorkerStartError(f"the batch's worker processes could not start "
                                   f"({type(errors[0]).__name__}: {errors[0]}); no "
                                   "scenario can run on this pool. Try workers=1 to see "
                                   "the error in this process") from errors[0]
        return new

    def submit(sc: Scenario) -> bool:
        """Hand ``sc`` to the pool; False when the pool broke meanwhile (not charged)."""
        assert pool is not None
        try:
            running[pool.submit(_pool_task, sc)] = sc
        except BrokenProcessPool:  # a worker died since the last wait: seen there next
            return False
        started(sc)
        return True

    def finish(f: Future, sc: Scenario) -> None:
        try:
            res = f.result()
        except Exception as err:  # e.g. a result that could not be sent back
            res = {"ok": False, "error": f"{type(err).__name__}: {err}", "timings": {}}
        record(sc, res)
        bar.step()

    try:
        while queue or suspects or running:
            if pool is None:
                pool = new_pool()
            source = suspects if suspects else queue
            # suspects are isolated: one at a time, once the others in flight finished
            room = (0 if running else 1) if suspects else workers - len(running)
            while source and room > 0:
                if not submit(source[0]):
                    break
                source.popleft()
                room -= 1
            if not running:  # the pool broke with nothing in flight: start a new one
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            broken: BrokenProcessPool | None = None
            for f in done:
                if isinstance(f.exception(), BrokenProcessPool):
                    broken = f.exception()
                    continue
                finish(f, running.pop(f))
            if broken is None:
                continue
            alone = len(running) == 1
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
            for f, sc in list(running.items()):
                del running[f]
                if f.done() and not f.cancelled() and f.exception() is None:
                    finish(f, sc)  # finished just before the pool broke
                    continue
                deaths[sc.name] = deaths.get(sc.name, 0) + 1
                n = deaths[sc.name]
                final = n > retries
                who = ("while evaluating this scenario" if alone else
                       "while this and other scenarios were running"
                       + ("" if final else " (retried alone)"))
                reason = (f"worker process died {who}: attempt {n} of {retries + 1}"
                          + ("; giving up" if final else "; retrying")
                          + f" (killed by a signal, out of memory, or a crash in compiled "
                            f"code: {broken})")
                died(sc, reason, final)
                if final:
                    bar.step()
                else:
                    suspects.append(sc)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(todo: list[Scenario], ctx: RunContext, scheduler: Any,
              started: Callable[[Scenario], None],
              record: Callable[[Scenario, dict[str, Any]], None], bar: _Progress) -> None:
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        ctx_future = client.scatter(ctx, broadcast=True)
        for s in todo:
            started(s)
        futures = {client.submit(_outcome, s, ctx_future, pure=False): s for s in todo}
        for f in bar.wrap(dask_completed(futures)):
            try:
                res = f.result()
            except Exception as err:  # e.g. KilledWorker: lost workers, retried by Dask
                res = {"ok": False, "error": f"{type(err).__name__}: {err}", "timings": {}}
            record(futures[f], res)
    finally:
        if client is not scheduler:
            client.close()


def catalog_table(out: str | Path) -> pd.DataFrame:
    """The catalog of a results folder (see :class:`ResultStore`)."""
    return ResultStore(out).catalog()
