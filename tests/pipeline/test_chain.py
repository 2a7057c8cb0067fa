"""The chain's stages: which run, what they hand on, state never taken from edits."""

from __future__ import annotations

import pytest

from twinbench.pipeline import STAGES, ChainSettings
from twinbench.scenarios import scenarios_from_dict
from twinbench.scenarios.runner import RunSettings, prepare_context

SUPPLY_ONLY = RunSettings(stages=("demand", "supply"), weeks=6, train_worlds=3,
                          eval_worlds=5)


@pytest.fixture(scope="module")
def ctx():
    return prepare_context(settings=SUPPLY_ONLY)


def test_the_stages_run_say_so_and_hand_on_nothing_else(ctx):
    res = ctx.pipeline.run(seed=2)
    assert res.status == {"demand": "ok", "supply": "ok", "arrivals": "skipped",
                          "schedule": "skipped", "simulate": "skipped"}
    kpis = set(res.kpis["kpi"].values)
    assert "supply cost" in kpis and "throughput" not in kpis
    assert res.kpis.sizes["world"] == 5 and res.schedule is None and res.line is None
    assert ChainSettings().stages == STAGES  # all of them by default
    with pytest.raises(ValueError, match=r"unknown stage.*'shedule'.*allowed"):
        ChainSettings(stages=("demand", "shedule"))


def test_a_scenario_never_changes_the_opening_state(ctx):
    late, = scenarios_from_dict([{"name": "late", "edits": [
        {"kind": "supplier_delay", "supplier": "S2", "delay": "14 d"}]}], ctx.plant.spec)
    res = ctx.pipeline.run(late, seed=2)
    base = ctx.pipeline.run(seed=2)
    for r in (res, base):
        assert r.supply_problem.initial_stock == ctx.pipeline.state.stock
        assert r.supply_problem.initial_fg_stock == ctx.pipeline.state.fg_stock
    # the plan is judged on worlds it was not optimised on
    train = set(res.supply_plan.ds["scenario"].values)
    evalw = set(res.supply_eval.ds["scenario"].values)
    assert not train & evalw and len(evalw) == 5
