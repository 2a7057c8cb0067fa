"""The plant manager's dashboard: Panel pages over a :class:`twinbench.workbench.Workbench`.

Serve with ``twinbench serve`` (sign-in, roles, plant: see ``twinbench serve --help``) or
``panel serve dashboards/app.py`` (no sign-in: view only). This module puts the pages of
:mod:`dashboards.pages` (one a module) in a Panel template: a navigation bar on the left,
the signed-in user and sign-out at the top, one page at a time in the main area. The
pages hold no business logic: they ask the workbench for results and draw them with
``twinbench.viz``. Expensive panels load after the page has rendered (``defer_load``), and
what-if runs go to a worker thread, so the page never freezes.

Sessions: each browser session gets its own :class:`Dashboard` (widgets, what-if results,
the page shown); the :class:`~twinbench.workbench.Workbench`, with the calibrated twin and
the base plan, is computed once per plant and server process and shared read-only by every
session (:func:`shared_workbench`).

Settings come from the environment (``twinbench serve`` sets them from its options):
``TWINBENCH_PLANT`` (plant folder; default the demo), ``TWINBENCH_DRAWS`` (posterior draws
of the twin's calibration), ``TWINBENCH_RESULTS`` (folder of ``audit.sqlite``) and
``TWINBENCH_FOUR_EYES`` (``0`` turns the four-eyes rule off). The live page reads
``TWINBENCH_LIVE_URL`` (a ``twinbench plant-server``), ``TWINBENCH_LIVE_CERTS``,
``TWINBENCH_LIVE_USER``, ``TWINBENCH_OPCUA_PASSWORD`` and ``TWINBENCH_LIVE_DB`` (see
:mod:`dashboards.pages.live`); without a URL it says that no plant link is set up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import panel as pn
from panel.viewable import Viewer

# served as a script (by `twinbench serve` or `panel serve`): make the pages importable
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboards.auth import access, current_user  # noqa: E402
from dashboards.pages.ask import AskPage  # noqa: E402
from dashboards.pages.live import LivePage  # noqa: E402
from dashboards.pages.maintenance import MaintenancePage  # noqa: E402
from dashboards.pages.overview import OverviewPage  # noqa: E402
from dashboards.pages.schedule import SchedulePage  # noqa: E402
from dashboards.pages.style import CSS  # noqa: E402
from dashboards.pages.supply import SupplyPage  # noqa: E402
from dashboards.pages.whatif import ScenarioPage  # noqa: E402
from twinbench.access.approvals import ApprovalLog  # noqa: E402
from twinbench.workbench import Workbench  # noqa: E402

pn.extension("plotly", "tabulator", notifications=True, raw_css=[CSS])


@dataclass
class Context:
    """What a page factory gets: the shared workbench, the plan workflow, and ``goto``
    (show another page: ``goto("Maintenance", machine="PRESS-1")``)."""

    wb: Workbench
    log: ApprovalLog
    goto: Callable[..., None]


#: the navigation: (title, factory). Add a page with one line here.
PAGES: list[tuple[str, Callable[[Context], Viewer]]] = [
    ("Overview", lambda c: OverviewPage(c.wb, goto=c.goto)),
    ("Maintenance", lambda c: MaintenancePage(c.wb)),
    ("Schedule", lambda c: SchedulePage(c.wb, c.log)),
    ("Supply", lambda c: SupplyPage(c.wb, c.log)),
    ("What-if", lambda c: ScenarioPage(c.wb)),
    ("Live", lambda c: LivePage(c.wb)),
    ("Ask the twin", lambda c: AskPage(c.wb)),
]


class Dashboard(Viewer):
    """One browser session's dashboard: its own pages and widgets over the shared
    workbench.

    Parameters
    ----------
    wb
        The plant's session, shared by every browser session (read-only here).
    log
        The plan workflow (roles, four-eyes rule, audit log).
    """

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(**params)
        self.wb = wb
        self.log = log
        self.context = Context(wb, log, self.goto)
        self.factories = dict(PAGES)
        self.pages: dict[str, Viewer] = {}
        self.nav = pn.widgets.RadioButtonGroup(
            options=list(self.factories), value=PAGES[0][0], orientation="vertical",
            button_type="light", sizing_mode="stretch_width", css_classes=["nav"])
        self.main = pn.Column(sizing_mode="stretch_width", css_classes=["page"])
        self.nav.param.watch(lambda e: self._show(e.new), "value")
        self._show(self.nav.value)

    def page(self, title: str) -> Viewer:
        """The page ``title`` of this session (built on first visit)."""
        if title not in self.pages:
            self.pages[title] = self.factories[title](self.context)
        return self.pages[title]

    def _show(self, title: str) -> None:
        for name, page in self.pages.items():  # a page left stops its refresh (Live)
            if name != title and hasattr(page, "stop"):
                page.stop()
        self.main[:] = [self.page(title)]  # its __panel__ starts it again

    def goto(self, title: str, **selection: Any) -> None:
        """Show page ``title``; ``selection`` goes to its ``select`` (e.g. a machine)."""
        page = self.page(title)
        if selection and hasattr(page, "select"):
            page.select(**selection)
        if self.nav.value != title:
            self.nav.value = title  # shows it
        else:
            self._show(title)

    def _header(self) -> pn.Row:
        name = current_user()
        who = ("" if not pn.state.user else
               f"signed in as **{name}** | [sign out](./logout)" if name else
               "session ended | [sign in again](./login)")
        return pn.Row(pn.pane.Markdown(who, css_classes=["who"]), align="end")

    def template(self) -> pn.template.BaseTemplate:
        """The page layout: navigation left, the page in the main area."""
        spec = self.wb.plant.spec
        return pn.template.BootstrapTemplate(
            title=f"twinbench | {spec.name}", sidebar=[self.nav], main=[self.main],
            header=[self._header()], sidebar_width=190, header_background="#1f4e79")

    def __panel__(self) -> pn.Column:
        return pn.Column(self._header(), pn.Row(self.nav, self.main),
                         sizing_mode="stretch_width")


def shared_workbench() -> Workbench:
    """The workbench of the configured plant, one per server process: every session gets
    the same object, so the twin is calibrated and the base plan solved once."""
    plant = os.environ.get("TWINBENCH_PLANT") or None
    draws = int(os.environ.get("TWINBENCH_DRAWS", "400"))
    workers = int(os.environ.get("TWINBENCH_WHATIF_WORKERS", "0"))

    def make() -> Workbench:
        wb = Workbench(plant, draws=draws, whatif_workers=workers)
        # warm up (the base plan and the what-if workers wait for the twin)
        wb.start("twin", "demand", "base", *(["whatif_pool"] if workers else []))
        return wb

    return pn.state.as_cached(f"twinbench-workbench:{plant}:{draws}", make)


def approval_log() -> ApprovalLog:
    """The plan workflow: the audit log in ``TWINBENCH_RESULTS``, roles from the user
    store, the four-eyes rule unless ``TWINBENCH_FOUR_EYES=0``."""
    results = Path(os.environ.get("TWINBENCH_RESULTS", "out/dashboard"))
    return ApprovalLog(results / "audit.sqlite", access().roles,
                       four_eyes=os.environ.get("TWINBENCH_FOUR_EYES", "1") != "0")


def create_app() -> pn.template.BaseTemplate:
    """The dashboard of the current browser session."""
    return Dashboard(shared_workbench(), approval_log()).template()


if __name__.startswith("bokeh"):  # `panel serve dashboards/app.py`
    create_app().servable(title="twinbench")
