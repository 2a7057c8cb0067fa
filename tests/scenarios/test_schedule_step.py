"""The scenario runner's schedule step: the week is planned around a what-if's downtime and
the plan's on-time risk comes from replaying it in the twin."""

from __future__ import annotations

import numpy as np

from twinbench.scenarios.runner import RunSettings, evaluate, prepare_context
from twinbench.scenarios.scenario import scenarios_from_dict


def test_schedule_step_plans_around_downtime():
    ctx = prepare_context(settings=RunSettings(steps=("schedule",), sim_replications=8,
                                               schedule_time_limit=5))
    base, down = scenarios_from_dict(
        [{"name": "base"},
         {"name": "press-down", "edits": [{"kind": "machine_down", "machine": "PRESS1",
                                           "start": "2026-01-06 06:00", "duration": "2 d"}]}],
        ctx.plant.spec)
    rb, rd = evaluate(base, ctx), evaluate(down, ctx)
    kb, kd = rb.kpis().set_index("kpi"), rd.kpis().set_index("kpi")
    assert {"plan tardiness", "plan makespan", "plan on-time share"} <= set(kb.index)
    # losing a press for two days cannot shorten the plan
    assert kd.loc["plan makespan", "mean"] >= kb.loc["plan makespan", "mean"] - 1e-6
    p = rb.ds["plan_p_on_time"].values
    assert np.all((p >= 0) & (p <= 1))
