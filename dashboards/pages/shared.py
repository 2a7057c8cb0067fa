"""What the pages share: their base classes (a page over the plant's session, a page
of a plan to approve), the approval gate, read-only tables, KPI numbers and the signed-in
user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from twinbench.workbench import ApprovalLog, Workbench

__all__ = ["ApprovalGate", "Page", "PlanPage", "number", "table", "user"]


def table(df: pd.DataFrame, **kw: Any) -> pn.widgets.Tabulator:
    """A read-only table of ``df`` across the page's width (``kw``: more Tabulator
    options, such as ``name``)."""
    return pn.widgets.Tabulator(df, disabled=True, show_index=False,
                                sizing_mode="stretch_width", **kw)


def number(name: str, value: float, fmt: str = "{value:,.0f}", font_size: str = "28pt",
           title_size: str = "11pt") -> pn.indicators.Number:
    """A KPI shown as a large number under its name (``fmt``: Panel's format string)."""
    return pn.indicators.Number(name=name, value=value, format=fmt, font_size=font_size,
                                title_size=title_size)


def user() -> str:
    """The signed-in user (``"anonymous"`` without a login)."""
    return pn.state.user or "anonymous"


class ApprovalGate(Viewer):
    """Approve or reject a plan; only approvers see the buttons; every decision is logged.

    Parameters
    ----------
    log
        Where decisions go, and who may decide.
    plan_id
        The id of the plan shown now (called at each decision: the plan may be computed
        after the page is built); see :mod:`twinbench.plan_ids`.
    """

    def __init__(self, log: ApprovalLog, plan_id: Callable[[], str], **params: Any) -> None:
        super().__init__(**params)
        self.log = log
        self.plan_id = plan_id
        self.comment = pn.widgets.TextInput(name="comment", placeholder="why (optional)")
        self.approve = pn.widgets.Button(name="Approve plan", button_type="success")
        self.reject = pn.widgets.Button(name="Reject plan", button_type="danger")
        self.approve.on_click(lambda _e: self._decide("approved"))
        self.reject.on_click(lambda _e: self._decide("rejected"))
        self.history = table(self.log.entries(), name="decisions")

    def _decide(self, decision: str) -> None:
        try:
            self.log.decide(user(), self.plan_id(), decision, self.comment.value)
        except PermissionError as err:
            pn.state.notifications.error(str(err))
            return
        self.history.value = self.log.entries()
        pn.state.notifications.success(f"plan {decision} by {user()}")

    def __panel__(self) -> pn.Column:
        name = user()
        if name in self.log.approvers:
            buttons = pn.Row(self.comment, self.approve, self.reject)
        else:
            buttons = pn.pane.Markdown(f"Signed in as **{name}**: you may view plans; "
                                       "approving needs the approver right.")
        return pn.Column(pn.pane.Markdown("### Approval"), buttons, self.history)


class Page(Viewer):
    """A page over the plant's session.

    Parameters
    ----------
    wb
        The plant's session: every result the page shows comes from it.
    """

    def __init__(self, wb: Workbench, **params: Any) -> None:
        super().__init__(**params)
        self.wb = wb


class PlanPage(Page):
    """A page of a plan that approvers approve or reject (``self.gate``).

    Parameters
    ----------
    wb
        The plant's session.
    log
        Where decisions go, and who may decide.
    """

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(wb, **params)
        self.gate = ApprovalGate(log, self.plan_id)

    def plan_id(self) -> str:
        """The id of the plan shown (:mod:`twinbench.plan_ids`)."""
        raise NotImplementedError
