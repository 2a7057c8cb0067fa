"""Batches that keep their word: content ids, unique names, one writer, dying workers."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from twinbench.cli import app
from twinbench.scenarios import Scenario, scenarios_from_dict
from twinbench.scenarios.batch import WorkerStartError, code_hash, run_batch, scenario_ids
from twinbench.scenarios.compare import collect, compare
from twinbench.scenarios.edits import SupplierDelay
from twinbench.scenarios.runner import RunContext, RunSettings, prepare_context
from twinbench.scenarios.store import FolderInUse, ResultStore

#: tiny settings: a 6-week plan on 4 worlds, KPIs on 4 evaluation worlds, no schedule solve
SETTINGS = RunSettings(weeks=6, train_worlds=4, eval_worlds=4,
                       stages=("demand", "supply", "arrivals", "simulate"))
#: a fixed code key, so that another engineer saving a module mid-test cannot change ids
CODE = "test-code"


@pytest.fixture(scope="module")
def ctx():
    return prepare_context(settings=SETTINGS)


class DyingScenario(Scenario):
    """A scenario whose worker process is SIGKILLed the first ``die`` times it is run.

    Runs are counted in the file ``counter`` (one line per run), which survives the kill.
    With ``wait_for``, a run first waits until that file exists (another scenario has
    started), so that two scenarios are surely in flight together when one kills its
    worker (the survivor stays a second longer). Only ever kills or waits in a pool
    worker, never in the test process.
    """

    die: int = 0
    counter: str = ""
    wait_for: str = ""

    def check(self, spec) -> None:
        in_worker = mp.parent_process() is not None
        path = Path(self.counter)
        runs = len(path.read_text().splitlines()) if path.exists() else 0
        with path.open("a") as f:
            f.write(f"{os.getpid()} {time.time():.3f}\n")
        if self.wait_for and in_worker:
            deadline = time.time() + 120
            while not Path(self.wait_for).exists() and time.time() < deadline:
                time.sleep(0.05)
        if runs < self.die and in_worker:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.wait_for and in_worker:
            time.sleep(1.0)  # the other one dies meanwhile
        super().check(spec)


def rows(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "catalog.sqlite") as con:
        return con.execute("SELECT name, status, completions, attempts, worker_deaths "
                           "FROM scenarios ORDER BY name").fetchall()


def test_dying_worker_is_retried_then_failed_and_the_batch_goes_on(ctx, tmp_path):
    k_runs, p_runs = tmp_path / "k.txt", tmp_path / "p.txt"
    # the killer first waits for the patient, an innocent surely running next to it
    killer = DyingScenario(name="killer", seed=101, die=99, counter=str(k_runs),
                           wait_for=str(p_runs))
    patient = DyingScenario(name="patient", seed=103, counter=str(p_runs),
                            wait_for=str(k_runs))
    flaky = DyingScenario(name="flaky", seed=102, die=1, counter=str(tmp_path / "f.txt"))
    batch = [patient, killer, Scenario(name="base", seed=3),
             Scenario(name="late", seed=3, edits=[SupplierDelay(supplier="S2", delay="14 d")]),
             flaky]
    out = tmp_path / "out"
    rep = run_batch(batch, ctx, out, workers=2, retries=2, code=CODE)
    assert rep.failed == ["killer"]
    assert sorted(rep.computed) == ["base", "flaky", "late", "patient"]
    # 1 run + 2 retries, each killing its worker; the flaky one died once, then succeeded
    assert len(k_runs.read_text().splitlines()) == 3
    assert len((tmp_path / "f.txt").read_text().splitlines()) == 2
    assert rep.worker_deaths["killer"] == 3 and rep.worker_deaths["flaky"] == 1
    # innocents in flight when a worker died are charged once, then retried alone
    assert rep.worker_deaths["patient"] == 1
    assert len(p_runs.read_text().splitlines()) == 2
    assert all(rep.worker_deaths.get(n, 0) <= 1 for n in ("base", "late"))
    cat = rep.store.catalog().set_index("name")
    assert cat.loc["killer", "status"] == "failed"
    err = cat.loc["killer", "error"]
    assert "worker process died while evaluating this scenario" in err
    assert "attempt 3 of 3; giving up" in err
    assert cat.loc["killer", "worker_deaths"] == 3 and cat.loc["killer", "attempts"] == 3
    assert cat.loc["flaky", "status"] == "done" and pd.isna(cat.loc["flaky", "error"])
    for name in ("base", "late", "flaky", "patient"):
        assert cat.loc[name, "completions"] == 1
        assert rep.store.result_path(cat.loc[name, "scenario_id"]).exists()
    assert len(list((out / "results").glob("*.nc"))) == 4
    # the results are the ones a healthy worker gives
    again = run_batch([batch[2]], ctx, tmp_path / "healthy", code=CODE)
    assert (again.store.load(again.ids["base"])["kpi_samples"].values.tolist() ==
            rep.store.load(rep.ids["base"])["kpi_samples"].values.tolist())
    # a rerun without retrying failures recomputes nothing
    rerun = run_batch(batch, ctx, out, workers=2, retry_failed=False, code=CODE)
    assert rerun.computed == [] and rerun.failed == [] and rerun.worker_deaths == {}


def _load_nowhere(state: dict, pid: int) -> RunContext:
    if os.getpid() != pid:
        raise RuntimeError("this context cannot be loaded in another process")
    return UnloadableContext(**state)


@dataclass
class UnloadableContext(RunContext):
    """A context that cannot be unpickled in a worker process (as a broken install)."""

    def __reduce__(self):
        state = {f.name: getattr(self, f.name) for f in fields(RunContext)}
        return _load_nowhere, (state, os.getpid())


def test_workers_that_cannot_start_stop_the_batch_with_a_clear_error(ctx, tmp_path):
    bad = UnloadableContext(**{f.name: getattr(ctx, f.name) for f in fields(RunContext)})
    out = tmp_path / "out"
    with pytest.raises(WorkerStartError, match="worker processes could not start"):
        run_batch([Scenario(name="base", seed=3), Scenario(name="b", seed=4)], bad, out,
                  workers=2, code=CODE)
    cat = ResultStore(out).catalog()
    assert (cat["status"] == "pending").all() and (cat["worker_deaths"] == 0).all()
    assert ResultStore(out).holder() is None  # the lock is released


def scenario_file(late_delay: str = "14 d", more_name: str = "more",
                  more_text: str = "25% more demand") -> dict:
    return {"seed": 3, "scenarios": [
        {"name": "base"},
        {"name": "late", "edits": [{"kind": "supplier_delay", "supplier": "S2",
                                    "delay": late_delay}]},
        {"name": more_name, "description": more_text,
         "edits": [{"kind": "demand_change", "factor": 1.25}]}]}


def test_edited_scenario_file_recomputes_only_the_edited_scenario(ctx, tmp_path):
    spec = ctx.plant.spec
    out = tmp_path / "out"
    first = run_batch(scenarios_from_dict(scenario_file(), spec), ctx, out, code=CODE)
    assert sorted(first.computed) == ["base", "late", "more"]
    # edit one scenario, rename another and change its description
    edited = scenarios_from_dict(scenario_file("21 d", "more-demand", "a quarter more"), spec)
    second = run_batch(edited, ctx, out, code=CODE)
    assert second.computed == ["late"]
    assert sorted(second.skipped) == ["base", "more-demand"]
    assert second.renamed == {"more": "more-demand"} and second.replaced == ["late"]
    assert second.ids["base"] == first.ids["base"]
    assert second.ids["more-demand"] == first.ids["more"]
    cat = second.store.catalog().set_index("name")
    assert sorted(cat.index) == ["base", "late", "more-demand"]  # unique, renamed
    assert cat.loc["more-demand", "description"] == "a quarter more"
    assert cat.loc["late", "edits"][0]["delay"] == 21 * 24
    assert (cat["completions"] == 1).all()
    # the old 'late' is kept, retired (no name points at it)
    full = second.store.catalog(include_retired=True)
    assert len(full) == 4 and full["retired"].sum() == 1
    assert full.loc[full["retired"], "scenario_id"].item() == first.ids["late"]
    assert sorted(collect(second.store)["scenario"].values) == ["base", "late", "more-demand"]
    assert set(compare(second.store)["scenario"]) == {"late", "more-demand"}
    # reverting the edit finds the old result again: nothing computed
    third = run_batch(scenarios_from_dict(scenario_file(), spec), ctx, out, code=CODE)
    assert third.computed == [] and third.replaced == ["late"]
    assert third.renamed == {"more-demand": "more"}
    assert rows(out) == sorted((n, "done", 1, 1, 0) for n in ("base", "late", "late", "more"))


def test_ids_follow_content_data_settings_and_code(ctx):
    scs = scenarios_from_dict(scenario_file(), ctx.plant.spec)
    ids = scenario_ids(scs, ctx, code=CODE)
    assert len(set(ids.values())) == 3
    # name and description do not count
    renamed = [s.model_copy(update={"name": s.name + "-x", "description": "other words"})
               for s in scs]
    assert list(scenario_ids(renamed, ctx, code=CODE).values()) == list(ids.values())
    # settings, data (spec / inputs) and code do, for every scenario
    other_settings = replace(ctx, settings=replace(SETTINGS, weeks=5))
    spec = ctx.plant.spec.model_copy(update={"name": "another line"})
    other_data = replace(ctx, plant=replace(ctx.plant, spec=spec))
    for changed in (scenario_ids(scs, other_settings, code=CODE),
                    scenario_ids(scs, other_data, code=CODE),
                    scenario_ids(scs, ctx, code="other code")):
        assert not set(changed.values()) & set(ids.values())
    assert scenario_ids(scs, ctx) == scenario_ids(scs, ctx, code=code_hash())


def test_code_hash_counts_code_not_comments_or_presentation(tmp_path):
    pkg = tmp_path / "twinbench"
    (pkg / "llm").mkdir(parents=True)
    model = pkg / "model.py"
    model.write_text('"""Model."""\n\ndef f(x):\n    return 2 * x\n')
    (pkg / "cli.py").write_text("print('hello')\n")
    (pkg / "llm" / "say.py").write_text("A = 1\n")
    h = code_hash(pkg)
    model.write_text('"""The model, documented."""\n\n\ndef f(x):  # doubles\n'
                     '    """Twice x."""\n    return 2 * x\n')
    (pkg / "cli.py").write_text("print('hello, world')\n")
    (pkg / "llm" / "say.py").write_text("A = 2\n")
    assert code_hash(pkg) == h  # comments, docstrings, layout, presentation modules
    model.write_text('"""Model."""\n\ndef f(x):\n    return 3 * x\n')
    assert code_hash(pkg) != h
    model.write_text('"""Model."""\n\ndef f(x):\n    return 2 * x\n')
    (pkg / "physics.py").write_text("G = 9.81\n")
    assert code_hash(pkg) != h  # a new module counts


def test_reused_folder_never_holds_two_results_under_one_name(ctx, tmp_path):
    out = tmp_path / "out"
    a = Scenario(name="a", seed=3, edits=[SupplierDelay(supplier="S2", delay="7 d")])
    first = run_batch([Scenario(name="base", seed=3), a], ctx, out, code=CODE)
    # same name, other content: the name moves to the new result
    a2 = a.model_copy(update={"edits": [SupplierDelay(supplier="S2", delay="10 d")]})
    # two names for one content in one batch: computed once, both names point at it
    twin = a2.model_copy(update={"name": "a-copy"})
    second = run_batch([Scenario(name="base", seed=3), a2, twin], ctx, out, code=CODE)
    assert second.computed == ["a"] and sorted(second.skipped) == ["a-copy", "base"]
    assert second.replaced == ["a"] and second.ids["a"] == second.ids["a-copy"]
    cat = second.store.catalog()
    assert sorted(cat["name"]) == ["a", "a-copy", "base"]
    assert cat["name"].is_unique
    assert cat.set_index("name").loc["a", "scenario_id"] != first.ids["a"]
    ds = collect(second.store)
    assert sorted(ds["scenario"].values) == ["a", "a-copy", "base"]
    table = compare(second.store)
    assert not table.duplicated(["scenario", "kpi"]).any()
    # with other settings, every name moves to a new result; none is doubled
    other = replace(ctx, settings=replace(SETTINGS, train_worlds=3))
    third = run_batch([Scenario(name="base", seed=3)], other, out, code=CODE)
    assert third.replaced == ["base"]
    cat = third.store.catalog()
    assert cat["name"].is_unique and len(cat) == 3
    # 'a' still names its result from the old settings: compare says so, does not pair it
    t = compare(third.store).set_index(["scenario", "kpi"])
    assert t.loc[("a", "supply cost"), "reason"].startswith(
        "computed on other data or settings than the base")


def test_old_catalog_with_a_repeated_name_keeps_the_newest(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    with sqlite3.connect(out / "catalog.sqlite") as con:  # the layout before names
        con.executescript("""
            CREATE TABLE scenarios (scenario_id TEXT PRIMARY KEY, name TEXT NOT NULL,
                edits TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
                error TEXT, kpis TEXT, timings TEXT, versions TEXT,
                completions INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
                queued REAL, started REAL, finished REAL);
            INSERT INTO scenarios (scenario_id, name, edits, seed, status, queued)
                VALUES ('old', 'late', '[]', 0, 'done', 1.0),
                       ('new', 'late', '[]', 0, 'done', 2.0),
                       ('b', 'base', '[]', 0, 'done', 1.5);""")
    cat = ResultStore(out).catalog()
    assert sorted(cat["name"]) == ["base", "late"]
    assert cat.set_index("name").loc["late", "scenario_id"] == "new"
    assert ResultStore(out).catalog()["name"].tolist() == cat["name"].tolist()


def test_a_second_batch_on_a_folder_in_use_is_refused_at_once(ctx, tmp_path, grid_batch):
    cmd, out, data = grid_batch([0.8, 0.9, 1.1, 1.2])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = out / "batch.lock"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        try:
            if json.loads(lock.read_text() or "{}").get("pid") == proc.pid:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the first batch ended before the second one started"
    scs = scenarios_from_dict(data, ctx.plant.spec)
    t0 = time.perf_counter()
    with pytest.raises(FolderInUse) as err:
        run_batch(scs, ctx, out)
    assert time.perf_counter() - t0 < 5  # at once, not after the first one finished
    msg = str(err.value)
    assert str(out) in msg and f"process {proc.pid}" in msg
    assert err.value.pid == proc.pid
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert "5 computed" in stdout
    # nothing lost, nothing doubled: every scenario done once, each with its file
    assert len(rows(out)) == 5 and all(r[1:4] == ("done", 1, 1) for r in rows(out))
    assert len(list((out / "results").glob("*.nc"))) == 5
    assert json.loads(lock.read_text() or "{}") == {}  # released cleanly


def test_lock_of_a_dead_process_is_taken_over_and_a_live_one_is_not(ctx, tmp_path):
    out = tmp_path / "out"
    store = ResultStore(out)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process id that no longer exists
    (out / "batch.lock").write_text(json.dumps({"pid": child.pid}))
    rep = run_batch([Scenario(name="base", seed=3)], ctx, out, code=CODE)
    assert rep.computed == ["base"] and rep.lock_taken_over == child.pid
    with store.lock():  # held by this process, as a running batch would
        assert store.holder() == os.getpid()
        with pytest.raises(FolderInUse, match=f"in use by process {os.getpid()}") as err:
            run_batch([Scenario(name="other", seed=4)], ctx, out, code=CODE)
        assert str(out) in str(err.value)
        # the CLI says so as an error with the folder and the pid, not a traceback
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump({"scenarios": [{"name": "other", "seed": 4}]}))
        res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--weeks", "6",
                                       "--samples", "4", "--worlds", "4", "--no-progress"])
        assert res.exit_code == 2, res.output
        assert f"in use by process {os.getpid()}" in res.output and str(out) in res.output
    assert "other" not in set(store.catalog()["name"])  # the refused batches changed nothing
    assert store.holder() is None
