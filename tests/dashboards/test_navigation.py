"""The dashboard's navigation: a page left stops its refresh, a page shown again restarts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pn = pytest.importorskip("panel")


class _Page(pn.viewable.Viewer):
    """A page with a refresh that counts its starts and stops."""

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.starts = 0

    def start(self) -> None:
        if not self.running:
            self.running, self.starts = True, self.starts + 1

    def stop(self) -> None:
        self.running = False

    def __panel__(self) -> pn.pane.Markdown:
        self.start()  # as LivePage: its layout starts the refresh
        return pn.pane.Markdown("page")


def test_leaving_a_page_stops_its_refresh(monkeypatch) -> None:
    import dashboards.app as app

    live = _Page()
    monkeypatch.setattr(app, "PAGES", [("Overview", lambda c: pn.pane.Markdown("o")),
                                       ("Live", lambda c: live)])
    dash = app.Dashboard(SimpleNamespace(), log=None)
    dash.nav.value = "Live"
    pn.panel(dash.main)
    assert live.running and live.starts == 1
    dash.nav.value = "Overview"
    assert not live.running  # left: its periodic refresh stopped
    dash.nav.value = "Live"
    pn.panel(dash.main)
    assert live.running and live.starts == 2
