"""The live page's refresh sends the browser something only when what it shows changed."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

pytest.importorskip("panel")


class _Feed:
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
    feed = _Feed()
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
