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


def test_the_plan_and_a_rule_on_the_same_worlds(ctx):
    pipe = ctx.pipeline.with_settings(stages=STAGES, compare_rule="FIFO", event_log=True,
                                      schedule_time_limit=5.0)
    res = pipe.run(seed=2)
    assert res.status["simulate"] == "ok"
    worlds = list(res.kpis["world"].values)
    assert list(res.line_rule["world"].values) == worlds == list(res.line["world"].values)
    assert res.line_rule.attrs["rule"] == "FIFO"
    on_time = res.on_time()
    assert set(on_time["order"]) == set(res.orders["order_id"])
    assert on_time[["p_on_time", "p_on_time_fifo"]].stack().between(0, 1).all()
    # the plan's own on-time share per world agrees with the per-order probabilities
    sim = res.line_result()
    assert sim.ds.sizes["replication"] == len(worlds)
    assert sim.event_log is not None and len(sim.event_log) > 0
    assert set(sim.event_log["order"]) - {"MAINT"} <= set(res.orders["order_id"])
    summary = sim.summary()
    assert {"throughput", "oee"} <= set(summary["kpi"])
    assert pipe.with_settings(compare_rule=None).run(seed=2).line_rule is None
    with pytest.raises(ValueError, match="compare_rule must be"):
        ChainSettings(compare_rule="LIFO")


def test_a_rule_keeps_the_plans_maintenance_as_downtime():
    import pandas as pd

    from twinbench.pipeline.chain import _with_maintenance

    plan = pd.DataFrame({"order": ["O1", "MAINT"], "machine": ["M1", "M2"],
                         "start": [0.0, 5.0], "end": [2.0, 9.0]})
    plan.attrs["t0"] = "2026-01-05 06:00"
    down = pd.DataFrame({"machine": ["M3"], "start": [pd.Timestamp("2026-01-06")],
                         "end": [pd.Timestamp("2026-01-07")]})
    out = _with_maintenance(down, plan).set_index("machine")
    assert list(out.index) == ["M3", "M2"]
    assert out.loc["M2", "start"] == pd.Timestamp("2026-01-05 11:00")
    assert out.loc["M2", "end"] == pd.Timestamp("2026-01-05 15:00")
    assert _with_maintenance(down, None) is down


def test_a_run_continues_from_its_first_stages(ctx):
    pipe = ctx.pipeline.with_settings(stages=STAGES, schedule_time_limit=5.0)
    first = pipe.run(seed=2, stages=("demand", "supply"))
    rest = pipe.run(seed=2, continue_from=first)
    whole = pipe.run(seed=2)
    assert rest.supply_plan is first.supply_plan  # kept, not solved again
    assert first.line is None and first.status["simulate"] == "skipped"  # not changed
    def kind(st):  # a time-limited schedule's gap varies from run to run
        return {k: v.split(":")[0] for k, v in st.items()}

    assert kind(rest.status) == kind(whole.status) and rest.status["simulate"] == "ok"
    assert list(rest.kpis["kpi"].values) == list(whole.kpis["kpi"].values)
    for k in ("supply cost", "fill rate", "material wait"):
        assert rest.kpis.sel(kpi=k).values.tolist() == pytest.approx(
            whole.kpis.sel(kpi=k).values.tolist(), rel=1e-6)
    with pytest.raises(ValueError, match="same scenario and seed"):
        pipe.run(seed=3, continue_from=first)


def test_an_annealed_schedule_is_the_same_on_a_slower_machine(ctx, monkeypatch):
    import time

    import pandas as pd

    # the same run, once with the clock running 1000x fast (a machine, or a load, 1000x
    # slower): a plan limited by wall time gets less far, a fixed number of moves does not
    pipe = ctx.pipeline.with_settings(stages=("demand", "supply", "arrivals", "schedule"),
                                      schedule_method="anneal")
    a = pipe.run(seed=2)
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: 1000.0 * real())
    b = pipe.run(seed=2)
    monkeypatch.undo()
    cols = ["job", "op", "machine", "start", "end"]
    pd.testing.assert_frame_equal(a.schedule.table[cols], b.schedule.table[cols])
    assert a.schedule.method == "anneal"
    with pytest.raises(ValueError, match="schedule_method must be"):
        ChainSettings(schedule_method="fast")
