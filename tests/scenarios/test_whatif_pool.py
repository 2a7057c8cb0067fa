"""The workbench's what-if workers: the same result as in this process, errors kept whole."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from twinbench.pipeline import ChainSettings
from twinbench.pipeline.checked import StageFailed
from twinbench.scenarios import Scenario, ScenarioError
from twinbench.scenarios.runner import evaluate, prepare_context
from twinbench.workbench import _evaluate_in_worker, _start_pool


def test_errors_travel_from_a_worker_whole() -> None:
    err = pickle.loads(pickle.dumps(StageFailed("schedule", "infeasible", "PRESS is down")))
    assert (err.stage, err.status, err.detail) == ("schedule", "infeasible", "PRESS is down")
    bad = pickle.loads(pickle.dumps(ScenarioError([("edits[0].machine", "unknown")], "s")))
    assert bad.problems == [("edits[0].machine", "unknown")] and "s" in str(bad)


def test_a_worker_gives_the_result_of_this_process() -> None:
    settings = ChainSettings(stages=("demand", "supply"), weeks=6, train_worlds=3,
                             eval_worlds=4)
    ctx = prepare_context(settings=settings)
    sc = Scenario.model_validate({"name": "more", "seed": 3,
                                  "edits": [{"kind": "demand_change", "factor": 1.3}]})
    here = evaluate(sc, ctx)
    pool = _start_pool(ctx, 2)
    try:
        there = pool.submit(_evaluate_in_worker, sc).result()
        bad = Scenario.model_validate({"name": "bad", "seed": 3, "edits": [
            {"kind": "machine_down", "machine": "NOPE", "start": "2025-01-06",
             "duration": "5 h"}]})
        with pytest.raises(ScenarioError, match="NOPE"):
            pool.submit(_evaluate_in_worker, bad).result()
    finally:
        pool.shutdown()
    assert there.chain is None and here.chain is not None
    np.testing.assert_allclose(there.ds["kpi_samples"].values, here.ds["kpi_samples"].values,
                               rtol=1e-6)
    assert list(there.ds["kpi"].values) == list(here.ds["kpi"].values)


def test_the_workbench_schedules_whatifs_without_a_clock() -> None:
    """A what-if's week (and the base it is compared with) is annealed for a fixed
    number of moves: the same what-if gets the same answer however loaded the server is
    (the chain's own test shows the plan does not move with the clock)."""
    from dataclasses import replace
    from types import SimpleNamespace

    from twinbench.workbench import Workbench

    class _Pipe:
        settings = ChainSettings()

        def with_settings(self, **kw):
            return SimpleNamespace(settings=replace(self.settings, **kw))

    wb = Workbench()
    wb.__dict__.update(pipeline=_Pipe(), plant=None, demand=SimpleNamespace(ds=None),
                       failures=None, wear=None)
    st = wb.run_context.settings
    assert (st.schedule_method, st.schedule_time_limit, st.schedule_duals) == (
        "anneal", 10.0, False)
    wb = Workbench(whatif_schedule_method="auto")
    wb.__dict__.update(pipeline=_Pipe(), plant=None, demand=SimpleNamespace(ds=None),
                       failures=None, wear=None)
    assert wb.run_context.settings.schedule_method == "auto"
