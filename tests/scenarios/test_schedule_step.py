"""The chain's schedule stage: the week is planned around a what-if's downtime, checked,
and replayed on the line in every evaluation world."""

from __future__ import annotations

import numpy as np

from twinbench.scenarios.runner import RunSettings, evaluate, prepare_context
from twinbench.scenarios.scenario import scenarios_from_dict


def test_schedule_stage_plans_around_downtime():
    ctx = prepare_context(settings=RunSettings(weeks=4, train_worlds=3, eval_worlds=6,
                                               schedule_time_limit=5))
    base, down = scenarios_from_dict(
        [{"name": "base"},
         {"name": "press-down", "edits": [{"kind": "machine_down", "machine": "PRESS1",
                                           "start": "2026-01-06 06:00", "duration": "2 d"}]}],
        ctx.plant.spec)
    rb, rd = evaluate(base, ctx), evaluate(down, ctx)
    fb = rb.ds["plan_figure"].to_series()
    fd = rd.ds["plan_figure"].to_series()
    assert {"plan weighted tardiness", "plan makespan", "plan energy cost"} <= set(fb.index)
    # losing a press for two days cannot shorten the plan
    assert fd["plan makespan"] >= fb["plan makespan"] - 1e-6
    assert rb.chain.schedule.violations() == [] and rd.chain.schedule.violations() == []
    # the press is idle in the plan while it is down
    t = rd.chain.schedule.table
    press = t[t["machine"] == "PRESS1"]
    lo = rd.chain.schedule.problem.to_wall(press["start"].to_numpy(float))
    assert not ((lo > np.datetime64("2026-01-06T06:00")) &
                (lo < np.datetime64("2026-01-08T06:00"))).any()
    p = rb.ds["line_p_on_time"].values
    assert np.all((p >= 0) & (p <= 1))
    assert rb.ds.sizes["sample"] == 6
