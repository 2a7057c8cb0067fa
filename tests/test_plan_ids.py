"""Plan ids: kind, what tells plans apart, rounded objective."""

from __future__ import annotations

from types import SimpleNamespace

from twinbench.plan_ids import schedule_plan_id, supply_plan_id


def test_supply_plan_id():
    plan = SimpleNamespace(objective=123456.789, options={"periods": 26})  # reads only these
    assert supply_plan_id(plan) == "supply:26w:123456.79"


def test_schedule_plan_id():
    sched = SimpleNamespace(objective=128.93456, options={"input_hash": "3f2a9c"})
    assert schedule_plan_id(sched) == "schedule:3f2a9c:128.935"


def test_same_plan_same_id_other_objective_other_id():
    a = SimpleNamespace(objective=10.0, options={"input_hash": "h"})
    b = SimpleNamespace(objective=10.0004, options={"input_hash": "h"})
    c = SimpleNamespace(objective=10.001, options={"input_hash": "h"})
    assert schedule_plan_id(a) == schedule_plan_id(b) != schedule_plan_id(c)
