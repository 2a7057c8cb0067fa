"""Batches: same results everywhere, resume after a kill, failures recorded, comparison."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from twinbench.scenarios import Scenario, scenarios_from_dict
from twinbench.scenarios.batch import run_batch
from twinbench.scenarios.compare import collect, compare, delta_interval
from twinbench.scenarios.edits import DemandChange, NewOrder, SupplierDelay
from twinbench.scenarios.runner import RunSettings, evaluate, prepare_context

#: tiny settings: a 6-week plan on 4 worlds, KPIs on 4 evaluation worlds, no schedule solve
SETTINGS = RunSettings(weeks=6, train_worlds=4, eval_worlds=4,
                       stages=("demand", "supply", "arrivals", "simulate"))


@pytest.fixture(scope="module")
def ctx():
    return prepare_context(settings=SETTINGS)


def batch() -> list[Scenario]:
    return [Scenario(name="base", seed=3),
            Scenario(name="late", seed=3, edits=[SupplierDelay(supplier="S2", delay="14 d")]),
            Scenario(name="more", seed=3, edits=[DemandChange(factor=1.25)]),
            Scenario(name="more-7", seed=7, edits=[DemandChange(factor=1.25)])]


def samples(store, ids):
    return {n: store.load(i)["kpi_samples"].values for n, i in ids.items()}


def test_same_results_in_process_pool_and_dask(ctx, tmp_path):
    from distributed import Client, LocalCluster

    one = run_batch(batch(), ctx, tmp_path / "one")
    two = run_batch(batch(), ctx, tmp_path / "two", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = run_batch(batch(), ctx, tmp_path / "dask", scheduler=client)
        # by address, as `twinbench run --scheduler tcp://...` does
        by_address = run_batch(batch()[:2], ctx, tmp_path / "addr",
                               scheduler=cluster.scheduler_address)
    assert one.ids == two.ids == dask.ids
    assert sorted(by_address.computed) == ["base", "late"]
    np.testing.assert_array_equal(samples(by_address.store, by_address.ids)["late"],
                                  samples(one.store, one.ids)["late"])
    a, b, c = (samples(r.store, r.ids) for r in (one, two, dask))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        np.testing.assert_array_equal(a[name], c[name])
    # a different seed draws other demand: other numbers
    assert not np.allclose(a["more"], a["more-7"])
    # same scenario evaluated directly: the same numbers again
    direct = evaluate(batch()[2], ctx).ds["kpi_samples"].values
    np.testing.assert_array_equal(direct, a["more"])


def test_failure_is_recorded_and_the_batch_goes_on(ctx, tmp_path):
    bad = Scenario(name="dup-order", edits=[NewOrder(
        order_id="O0001", product="CAB-L", quantity=5, release="2026-01-05",
        due="2026-01-09")])
    rep = run_batch([batch()[0], bad, batch()[1]], ctx, tmp_path / "f")
    assert rep.failed == ["dup-order"] and sorted(rep.computed) == ["base", "late"]
    cat = rep.store.catalog().set_index("name")
    assert cat.loc["dup-order", "status"] == "failed"
    assert "order id 'O0001' already exists" in cat.loc["dup-order", "error"]
    assert cat.loc["late", "kpis"][0]["kpi"] == "supply cost"
    assert cat.loc["late", "versions"]["pyomo"]
    # restarting recomputes nothing that is done
    again = run_batch([batch()[0], batch()[1]], ctx, tmp_path / "f")
    assert again.computed == [] and sorted(again.skipped) == ["base", "late"]


def test_killed_batch_resumes_computing_each_scenario_once(tmp_path, grid_batch):
    cmd, out, _ = grid_batch([0.8, 0.9, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6])
    proc = subprocess.Popen(cmd, start_new_session=True)
    db = out / "catalog.sqlite"
    deadline = time.time() + 300
    done = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.3)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    done = con.execute("SELECT COUNT(*) FROM scenarios WHERE "
                                       "status='done'").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if done >= 3:
                break
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        before = dict(con.execute("SELECT name, status FROM scenarios").fetchall())
    finished_before = {n for n, s in before.items() if s == "done"}
    assert 3 <= len(finished_before) < 9
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"{len(finished_before)} already done" in res.stdout
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT name, status, completions FROM scenarios").fetchall()
    assert len(rows) == 9
    assert all(status == "done" and completions == 1 for _, status, completions in rows)
    assert len(list((out / "results").glob("*.nc"))) == 9
    assert not list((out / "results").glob("*.tmp*"))


def test_store_removes_half_written_files_of_dead_writers_only(tmp_path):
    from twinbench.scenarios.store import ResultStore

    res = tmp_path / "results"
    res.mkdir()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process id that no longer exists
    dead = res / f"abc.tmp{child.pid}"
    live = res / f"def.tmp{os.getpid()}"  # this process may be writing it right now
    for f in (dead, live):
        f.write_bytes(b"half")
    ResultStore(tmp_path)
    assert not dead.exists() and live.exists()


def test_comparison_has_paired_intervals_and_ranks(ctx, tmp_path):
    rep = run_batch(batch(), ctx, tmp_path / "c")
    ds = collect(rep.store)
    assert ds["kpi_samples"].dims == ("scenario", "kpi", "sample")
    assert set(ds["scenario"].values) == {"base", "late", "more", "more-7"}
    df = compare(rep.store).set_index(["scenario", "kpi"])
    more = df.loc[("more", "supply cost")]
    assert more["paired"] and more["delta"] > 0 and more["significant"]
    assert more["ci_low"] < more["delta"] < more["ci_high"]
    assert not df.loc[("more-7", "supply cost")]["paired"]  # other seed: Welch
    base = ds["kpi_samples"].sel(scenario="base", kpi="supply cost").values
    other = ds["kpi_samples"].sel(scenario="more", kpi="supply cost").values
    assert more["delta"] == pytest.approx(float(np.nanmean(other - base)))  # NaN: padding
    ranks = df.xs("supply cost", level="kpi")["rank"]
    assert ranks["late"] == 1  # the only scenario without 25% more demand
    with pytest.raises(ValueError, match="base scenario 'nope' not among the results"):
        compare(rep.store, base="nope")


def test_delta_interval_matches_t_test():
    from scipy import stats

    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 30), rng.normal(11, 3, 25)
    d, lo, hi = delta_interval(a, b, paired=False, level=0.95)
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    x = rng.normal(0, 1, 20)
    y = x + 1 + rng.normal(0, 0.1, 20)
    d, lo, hi = delta_interval(x, y, paired=True, level=0.95)
    ci = stats.ttest_rel(y, x).confidence_interval(0.95)
    assert d == pytest.approx(np.mean(y - x))
    assert (lo, hi) == pytest.approx((ci.low, ci.high))


def test_sweeps_generate_valid_scenarios(ctx):
    spec = ctx.plant.spec
    data = {"seed": 5, "sweeps": [
        {"name": "g", "method": "grid", "parameters": {"a": [0.8, 1.2], "b": [1, 2, 3]},
         "edits": [{"kind": "demand_change", "factor": "{a}"},
                   {"kind": "energy_price", "factor": "{b}"}]},
        {"name": "l", "method": "lhs", "n": 10, "parameters": {"d": [0, 20]},
         "edits": [{"kind": "supplier_delay", "supplier": "S2", "delay": "{d} d"}]}]}
    scs = scenarios_from_dict(data, spec)
    assert len(scs) == 6 + 10
    assert scs[0].edits[0].factor == 0.8 and scs[0].edits[1].factor == 1
    delays = sorted(s.edits[0].delay / 24 for s in scs[6:])
    # Latin hypercube: one draw in each tenth of [0, 20] days
    assert [int(d // 2) for d in delays] == list(range(10))
    assert scs[6].seed == 5 and "l: d=" in scs[6].description
    again = scenarios_from_dict(data, spec)
    assert [s.scenario_id() for s in again] == [s.scenario_id() for s in scs]
    bad = {"sweeps": [{"name": "x", "method": "lhs", "parameters": {"d": [5]},
                       "edits": [{"kind": "supplier_delay", "supplier": "S2",
                                  "delay": "{e} d"}]}]}
    with pytest.raises(Exception) as err:
        scenarios_from_dict(bad, spec)
    msg = str(err.value)
    assert "placeholder {e} has no parameter" in msg and "lhs needs [low, high]" in msg
    assert "sweeps[0].n" in msg
