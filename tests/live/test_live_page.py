"""The dashboard's live page over a live twin: machine states, last values, wear and risk
with intervals, staleness and alerts, updated in place by its refresh (no new page); a
refresh with nothing new sends the browser nothing."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pandas as pd
import pytest

from twinbench.live.client import Sample
from twinbench.live.commands import build_twin
from twinbench.live.historian import Historian

pn = pytest.importorskip("panel")


def _sample(m: str, k: int, state: str = "Executing", alarm: str = "") -> Sample:
    return Sample(m, pd.Timestamp("2026-01-01") + pd.Timedelta(hours=k),
                  {"load": 0.7, "temperature": 40.0 + k, "vibration": 2.0, "power": 30.0,
                   "wear": 0.3}, state, alarm, time.time())


def test_live_page_shows_the_feed_and_updates_in_place(demo_plant):
    from dashboards.pages.live import LiveFeed, LivePage

    live = build_twin(Historian(), demo_plant.spec, stale_after=0.5, quality=False)
    feed = LiveFeed(live)
    page = LivePage(SimpleNamespace(plant=demo_plant), feed=feed, period_ms=200)
    for k in range(3):
        for m in ("LASER1", "PRESS2"):
            feed.on_sample(_sample(m, k))
    page.refresh()
    tab = page.machines.value
    assert list(tab["Machine"]) == ["LASER1", "PRESS2"]
    assert list(tab["Temperature [°C]"]) == ["42.0", "42.0"]
    assert set(tab["State"]) == {"running"} and set(tab["Stale"]) == {""}
    machines_widget = page.machines
    time.sleep(0.7)  # LASER1 keeps publishing, PRESS2 goes quiet and then breaks down
    feed.on_sample(_sample("LASER1", 3))
    with feed.lock:
        live.check_stale()
    page.refresh()
    tab = page.machines.value
    assert page.machines is machines_widget  # the same widget, its value replaced
    assert dict(zip(tab["Machine"], tab["Stale"], strict=True)) == {"LASER1": "",
                                                                    "PRESS2": "STALE"}
    assert list(tab["Temperature [°C]"]) == ["43.0", "42.0"]
    feed.on_sample(_sample("PRESS2", 4, "OutOfService", "failure"))
    page.refresh()
    al = page.alerts.value
    assert {("stale", "PRESS2"), ("breakdown", "PRESS2")} <= set(zip(al["Alert"],
                                                                    al["Machine"],
                                                                    strict=True))
    assert "down (failure)" in set(page.machines.value["State"])
    assert list(page.proposals.value["machine"]) == ["PRESS2"]
    assert "Machines reporting" in page.cards.objects[0].object
    assert page.feed.connection() == "no plant server set"
    pn.panel(page)  # builds the layout

class _FixedFeed:
    """A feed whose view is fixed until ``processed`` is raised."""

    def __init__(self) -> None:
        self.processed = 0
        self.proposals = pd.DataFrame()

    def connection(self) -> str:
        return "no plant server set"

    def view(self) -> dict:
        return {"machines": pd.DataFrame(), "alerts": pd.DataFrame(),
                "proposals": self.proposals, "history": pd.DataFrame(),
                "lag": {"p99": float("nan")}, "processed": self.processed,
                "duplicates": 0, "late": 0, "stored": self.processed}


def test_an_unchanged_feed_redraws_nothing_and_a_change_redraws() -> None:
    from dashboards.pages.live import LivePage

    wb = SimpleNamespace(plant=SimpleNamespace(spec=SimpleNamespace(machines=["M1", "M2"])))
    feed = _FixedFeed()
    page = LivePage(wb, feed=feed)
    page.refresh()
    fig, cards = page.figure.object, list(page.cards.objects)
    texts = [c.object for c in cards]
    assert len(cards) == 4 and "Samples stored" in texts[2]
    page.refresh()  # nothing changed: the same figure object, no pane replaced
    assert page.figure.object is fig
    assert [c.object for c in page.cards.objects] == texts
    feed.processed = 1234  # a sample arrived: redrawn, in the same card panes
    page.refresh()
    assert page.figure.object is not fig
    assert all(a is b for a, b in zip(page.cards.objects, cards, strict=True))
    assert "1,234" in page.cards.objects[2].object
    feed.proposals = pd.DataFrame({"proposal": ["P1"], "state": ["pending"]})
    page.refresh()
    assert len(page.proposals.value) == 1
    feed.proposals = pd.DataFrame({"proposal": ["P1"], "state": ["approved"]})
    page.refresh()  # a proposal decided elsewhere, no new sample: shown all the same
    assert page.proposals.value["state"].tolist() == ["approved"]
    page.machine = "M2"  # another machine chosen: its figure
    assert "M2" in page.figure.object.layout.title.text
