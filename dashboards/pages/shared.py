"""What the pages share: their base classes (a page over the plant's session, a page of a
plan to approve), the approval gate, KPI cards with status colours, read-only tables in
plant words and the signed-in user."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from dashboards.auth import current_user
from twinbench.access.approvals import ApprovalLog, WorkflowError
from twinbench.workbench import Workbench

from .words import label, moment

__all__ = ["STATUS_COLOURS", "ApprovalGate", "Page", "PlanPage", "kpi_card", "kpi_row",
           "number", "status", "table", "user"]

#: KPI card colours: good, watch, act (colour-blind safe pairs, with a word on the card)
STATUS_COLOURS = {"good": "#1a7f37", "watch": "#b35900", "act": "#c62828", "info": "#1f4e79"}
STATUS_WORDS = {"good": "on track", "watch": "watch", "act": "act now", "info": ""}


def status(value: float, good: float, watch: float, higher_is_better: bool = True) -> str:
    """``good``, ``watch`` or ``act`` for ``value`` against two thresholds."""
    if value != value:
        return "info"
    if not higher_is_better:
        value, good, watch = -value, -good, -watch
    return "good" if value >= good else ("watch" if value >= watch else "act")


def kpi_card(title: str, value: str, state: str = "info", note: str = "",
             name: str | None = None) -> pn.pane.HTML:
    """A KPI card: its title, the value in plant words, a status colour and word."""
    colour = STATUS_COLOURS[state]
    word = STATUS_WORDS[state]
    badge = (f'<span class="kpi-badge" style="background:{colour}">{word}</span>'
             if word else "")
    html = (f'<div class="kpi-card kpi-{state}" style="border-left:6px solid {colour}">'
            f'<div class="kpi-title">{title}</div><div class="kpi-value">{value}</div>'
            f'<div class="kpi-note">{badge} {note}</div></div>')
    return pn.pane.HTML(html, name=name or title, width=210, height=118, margin=(4, 6))


def kpi_row(*cards: pn.pane.HTML) -> pn.FlexBox:
    """KPI cards side by side, wrapping on a narrow screen."""
    return pn.FlexBox(*cards, flex_wrap="wrap", sizing_mode="stretch_width",
                      css_classes=["kpi-row"])


def table(df: pd.DataFrame, labels: bool = True, **kw: Any) -> pn.widgets.Tabulator:
    """A read-only table of ``df`` across the page's width, its columns named in plant
    words (``kw``: more Tabulator options, such as ``name``)."""
    if labels:
        df = df.rename(columns={c: label(str(c)) for c in df.columns})
    kw.setdefault("pagination", "local" if len(df) > 15 else None)
    kw.setdefault("page_size", 15)
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


#: gate buttons: action -> (label, Panel button type)
BUTTONS = {"submit": ("Submit for approval", "primary"), "approve": ("Approve plan", "success"),
           "reject": ("Reject plan", "danger"), "release": ("Release to the floor", "primary")}
STATE_WORDS = {None: "not yet submitted", "draft": "a draft waiting for approval",
               "approved": "approved, not yet released", "rejected": "rejected",
               "released": "released to the floor"}


class ApprovalGate(Viewer):
    """A plan's workflow: submit (planner), approve or reject (approver), release
    (planner). Every step is checked on the server against the signed-in user's roles
    (:class:`twinbench.access.approvals.ApprovalLog`), whatever the browser sends; a
    button the user's roles do not allow is shown disabled with the reason.

    Parameters
    ----------
    log
        The plan workflow over the audit log.
    plan_id
        The id of the plan shown now (called at each step: the plan may be computed after
        the page is built); see :mod:`twinbench.plan_ids`.
    """

    def __init__(self, log: ApprovalLog, plan_id: Callable[[], str], **params: Any) -> None:
        super().__init__(**params)
        self.log = log
        self.plan_id = plan_id
        self.comment = pn.widgets.TextInput(name="comment", placeholder="why (optional)",
                                            width=260)
        self.buttons = {}
        for action, (text, kind) in BUTTONS.items():
            b = pn.widgets.Button(name=text, button_type=kind, disabled=True)
            b.on_click(lambda _e, a=action: self._decide(a))
            self.buttons[action] = b
        self.state = pn.pane.Markdown("", css_classes=["plan-state"])
        self.integrity = pn.pane.Alert("", alert_type="danger", visible=False)
        self.history = table(pd.DataFrame(), name="decisions")
        self.rights = pn.pane.Markdown("", css_classes=["plan-rights"])

    def refresh(self) -> None:
        """Show the plan's state, the buttons the user may press, the log."""
        name = current_user()
        try:
            pid = self.plan_id()
        except Exception as err:  # the plan is not computed (yet): nothing to decide
            self.state.object = f"The plan is not available yet ({err})."
            pid = None
        now = self.log.state(pid) if pid else None
        if pid:
            self.state.object = f"This plan (`{pid}`) is **{STATE_WORDS[now]}**."
        mine = [a for a in BUTTONS if name and self.log.may(name, a)]
        for action, b in self.buttons.items():
            b.disabled = action not in mine or pid is None
        roles = ", ".join(self.log.roles(name)) if name else ""
        self.rights.object = (
            "Your session has ended: [sign in again](/login)." if name is None else
            f"Signed in as **{name}** ({roles or 'no role: view only'})."
            + ("" if mine else " Viewing only: deciding on plans needs the planner or "
               "approver role.")
            + (" Four-eyes rule: a plan's author may not approve it."
               if self.log.four_eyes else ""))
        df = self.log.entries()
        check = df[df["check"] != "ok"]
        self.integrity.visible = len(check) > 0
        if len(check):
            self.integrity.object = (
                f"The approval log failed its integrity check at entr"
                f"{'y' if len(check) == 1 else 'ies'} {', '.join(map(str, check['entry']))}"
                f": {check['check'].iloc[0]}. The entries are shown as stored; tell the "
                "administrator (`twinbench audit verify`).")
        df["time"] = [moment(t) if t and t[0].isdigit() else t for t in df["time"]]
        self.history.value = df.rename(columns={c: label(c) for c in df.columns})

    def _decide(self, action: str) -> None:
        name = current_user()
        if name is None:
            pn.state.notifications.error("Your session has ended: sign in again.")
            return
        try:
            self.log.record(name, action, self.plan_id(), self.comment.value)
        except (PermissionError, WorkflowError) as err:
            pn.state.notifications.error(str(err), duration=8000)
            self.refresh()
            return
        self.refresh()
        word = {"submit": "submitted", "approve": "approved", "reject": "rejected",
                "release": "released"}[action]
        pn.state.notifications.success(f"plan {word} by {name}")

    async def _loaded(self) -> pn.Column:
        await asyncio.to_thread(self.plan_id)  # waits for the plan, the server stays free
        self.refresh()
        return pn.Column(pn.pane.Markdown("### Approval"), self.state, self.rights,
                         pn.Row(self.comment, *self.buttons.values()), self.integrity,
                         pn.pane.Markdown("#### Log of decisions"), self.history,
                         sizing_mode="stretch_width", css_classes=["approval-gate"])

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.panel(self._loaded, defer_load=True)


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

    async def need(self, *names: str) -> None:
        """Wait until the workbench has computed ``names`` (attributes such as
        ``"supply_plan"``) in a worker thread: the server keeps serving every other
        session meanwhile (a page's deferred panel awaits this before drawing)."""
        for name in names:
            if not self.wb.ready(name):
                await asyncio.to_thread(getattr, self.wb, name)


class PlanPage(Page):
    """A page of a plan that goes through the approval workflow (``self.gate``).

    Parameters
    ----------
    wb
        The plant's session.
    log
        The plan workflow (roles, four-eyes rule, audit log).
    """

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(wb, **params)
        self.gate = ApprovalGate(log, self.plan_id)

    def plan_id(self) -> str:
        """The id of the plan shown (:mod:`twinbench.plan_ids`)."""
        raise NotImplementedError
