"""A breakdown seen live opens a replanning proposal (issue 23 item 6): the shop-floor
rescheduler replans the approved week around it in a worker process, the proposal waits
for approval, and nothing is written back to the plant."""

from __future__ import annotations

import asyncio
import time

import pandas as pd
import pytest

from tests.live.conftest import stream_all
from twinbench.live.commands import build_twin
from twinbench.live.historian import Historian
from twinbench.live.playback import build_playback
from twinbench.live.proposals import ProposalBook
from twinbench.live.replan import WeekReplanner, replan_breakdown
from twinbench.optimize.schedule.reschedule_week import parse_time

DOWN = pd.Timestamp("2026-01-06 10:00")  # Tuesday of the demo's first order week
MACHINE = "WELD1"


def _settle(book: ProposalBook, timeout: float = 240.0) -> None:
    end = time.monotonic() + timeout
    while any(p.status == "rescheduling" for p in book.proposals):
        assert time.monotonic() < end, book.table().to_dict("records")
        book.poll()
        time.sleep(0.2)


@pytest.mark.slow
def test_a_breakdown_in_the_approved_week_is_replanned_around(demo_plant):
    r = replan_breakdown(None, MACHINE, DOWN, 8.0, time_limit=5.0)
    assert r.ok, r.reason
    assert r.week_start == pd.Timestamp("2026-01-05")
    assert r.check_passed and r.summary
    res = r.result.result
    problem = r.result.approved.problem
    now = parse_time(DOWN.isoformat(), problem)
    until = parse_time((DOWN + pd.Timedelta(hours=8)).isoformat(), problem)
    bd = res.breakdowns.iloc[0]
    assert (bd["machine"], bd["start"], bd["end"]) == (MACHINE, now, until)
    t = res.table
    # nothing new starts on the failed machine while it is down (work running at the
    # failure is kept as it is: the rescheduler's "in progress")
    new = t[(t["machine"] == MACHINE) & (t["state"] == "replanned")]
    assert not ((new["start"] < until - 1e-6) & (new["end"] > now + 1e-6)).any()
    assert r.objective_after == pytest.approx(
        float(res.candidates.loc[res.candidates["chosen"], "objective"].iloc[0]))


def test_a_breakdown_outside_every_order_week_is_refused_with_the_reason(demo_plant):
    r = replan_breakdown(None, MACHINE, pd.Timestamp("2025-06-03 10:00"), 8.0,
                         time_limit=2.0)
    assert not r.ok
    assert "2025-06-02" in r.reason and "released from" in r.reason
    book = ProposalBook(demo_plant.spec, lambda m, t, h: replan_breakdown(None, m, t, h,
                                                                  time_limit=2.0))
    p = book.open(MACHINE, pd.Timestamp("2025-06-03 10:00"))
    assert p.status == "awaiting_reschedule" and "not replanned" in p.note


@pytest.mark.slow
def test_a_live_breakdown_opens_a_replanned_proposal_that_waits(demo_plant, recording):
    """Over a real OPC UA link: the failure streamed live opens a proposal, the replan
    runs in its worker while samples keep flowing, and the proposal then waits for a
    person; approving it only records the decision."""
    rec = recording[recording["time"] > recording["time"].max() - pd.Timedelta(days=1)]
    probe = build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=8 * 24,
                           seed=3, machines=[MACHINE, "PAINT1"], plant_root=demo_plant.root)
    hour = int(probe.times.get_loc(DOWN)) - probe.recorded
    pb = build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=8 * 24,
                        seed=3, machines=[MACHINE, "PAINT1"], plant_root=demo_plant.root,
                        fail_at={MACHINE: hour})
    assert pb.times[pb.recorded + hour] == DOWN
    replan = WeekReplanner(time_limit=5.0)
    try:
        live = build_twin(Historian(), demo_plant.spec, None, quality=False, replan=replan)
        asyncio.run(stream_all(pb, live, 40))
        book = live.proposals
        mine = [p for p in book.proposals if p.machine == MACHINE]
        assert mine and mine[0].down_from == DOWN
        p = mine[0]
        if p.status == "rescheduling":
            with pytest.raises(ValueError, match="still being replanned"):
                book.decide(p.proposal_id, "ana", "approved")
        _settle(book)
    finally:
        replan.close()
    assert p.status == "awaiting_approval", p.note
    assert p.rescheduled.ok and p.rescheduled.check_passed
    assert f"{p.rescheduled.moved} operations moved" in p.note
    book.decide(p.proposal_id, "ana", "approved", "ok after the repair")
    assert p.status == "approved" and p.decision["user"] == "ana"
