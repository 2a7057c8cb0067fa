"""The plant manager's dashboard: Panel pages over a :class:`twinbench.workbench.Workbench`.

Serve with ``twinbench serve`` (login, approvers, plant: see ``twinbench serve --help``) or
``panel serve dashboards/app.py``. This module assembles the pages of
:mod:`dashboards.pages` (one a module) in tabs, under a header naming the signed-in user,
and gives the pages that approve plans the log of decisions and its approvers. The pages
hold no business logic: they ask the workbench for results (computed once, cached) and
draw them with ``twinbench.viz``. Expensive panels load after the page has rendered
(``defer_load``), and what-if runs go to a worker thread, so the page never freezes.

Settings come from the environment (``twinbench serve`` sets them from its options):
``TWINBENCH_PLANT`` (plant folder; default the demo), ``TWINBENCH_DRAWS`` (posterior draws
of the twin's calibration), ``TWINBENCH_RESULTS`` (folder of ``approvals.jsonl``) and
``TWINBENCH_APPROVERS`` (comma-separated users who may approve plans).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import panel as pn
from panel.viewable import Viewer

# served as a script (by `twinbench serve` or `panel serve`): make the pages importable
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboards.pages.ask import AskPage  # noqa: E402
from dashboards.pages.maintenance import MaintenancePage  # noqa: E402
from dashboards.pages.overview import OverviewPage  # noqa: E402
from dashboards.pages.schedule import SchedulePage  # noqa: E402
from dashboards.pages.shared import user  # noqa: E402
from dashboards.pages.supply import SupplyPage  # noqa: E402
from dashboards.pages.whatif import ScenarioPage  # noqa: E402
from twinbench.workbench import ApprovalLog, Workbench  # noqa: E402

pn.extension("plotly", "tabulator", notifications=True)


class Dashboard(Viewer):
    """All pages in tabs.

    Parameters
    ----------
    wb
        The plant's session, shared by every page.
    log
        Where approvals go, and who may decide (the schedule and supply pages).
    """

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(**params)
        self.wb = wb
        self.pages = {"Overview": OverviewPage(wb), "Maintenance": MaintenancePage(wb),
                      "Schedule": SchedulePage(wb, log), "Supply": SupplyPage(wb, log),
                      "Scenarios": ScenarioPage(wb), "Ask the twin": AskPage(wb)}

    def __panel__(self) -> pn.Column:
        header = pn.Row(pn.pane.Markdown("# twinbench"),
                        pn.pane.Markdown(f"signed in as **{user()}** | [log out](/logout)"
                                         if pn.state.user else ""))
        return pn.Column(header, pn.Tabs(*self.pages.items(), dynamic=True),
                         sizing_mode="stretch_width")


def _workbench() -> Workbench:
    """One workbench per server process (cached across sessions)."""
    def make() -> Workbench:
        wb = Workbench(os.environ.get("TWINBENCH_PLANT") or None,
                       draws=int(os.environ.get("TWINBENCH_DRAWS", "400")))
        wb.start("twin", "demand", "base")  # warm up (the base plan waits for the twin)
        return wb

    return pn.state.as_cached("twinbench-workbench", make)


def _approval_log() -> ApprovalLog:
    """The log of plan decisions and the users who may decide (from the environment)."""
    results = Path(os.environ.get("TWINBENCH_RESULTS", "out/dashboard"))
    approvers = frozenset(filter(None, os.environ.get("TWINBENCH_APPROVERS", "").split(",")))
    return ApprovalLog(results / "approvals.jsonl", approvers)


def create_app() -> Dashboard:
    """The dashboard for the current session."""
    return Dashboard(_workbench(), _approval_log())


if __name__.startswith("bokeh"):  # `panel serve dashboards/app.py`
    create_app().servable(title="twinbench")
