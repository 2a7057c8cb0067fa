"""The plant manager's dashboard: Panel pages over a :class:`twinbench.workbench.Workbench`.

Serve with ``twinbench serve`` (login, approvers, plant: see ``twinbench serve --help``) or
``panel serve dashboards/app.py``. The pages hold no business logic: they ask the
workbench for results (computed once, cached) and draw them with ``twinbench.viz``.
Expensive panels load after the page has rendered (``defer_load``), and what-if runs go to
a worker thread, so the page never freezes.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from twinbench.scenarios import Scenario, ScenarioError, scenarios_from_dict
from twinbench.workbench import ApprovalLog, Workbench

pn.extension("plotly", "tabulator", notifications=True)


def _table(df: pd.DataFrame, **kw) -> pn.widgets.Tabulator:
    return pn.widgets.Tabulator(df, disabled=True, show_index=False, sizing_mode="stretch_width",
                                **kw)


def _user() -> str:
    return pn.state.user or "anonymous"


class OverviewPage(Viewer):
    """Line overview: the line, its data, its plan and its alerts."""

    def __init__(self, wb: Workbench, **params):
        super().__init__(**params)
        self.wb = wb

    def _counts(self):
        wb = self.wb
        spec = wb.plant.spec
        m = wb.machines
        nums = [("stations", len(spec.stations)), ("machines", len(spec.machines)),
                ("open orders", len(wb.plant.orders)),
                ("failures last year", int(m["failures"].sum())),
                ("data-quality findings", len(wb.quality.findings))]
        return pn.Row(*[pn.indicators.Number(name=n, value=v, format="{value:,.0f}",
                                             font_size="28pt", title_size="11pt")
                        for n, v in nums], css_classes=["kpi-row"])

    def _plan(self):
        plan = self.wb.supply_plan
        fill = float(plan.ds["fill_rate"].weighted(plan.ds["probability"]).mean())
        value = plan.ds["station_hour_value"].sum("period")
        bottleneck = str(value.idxmax().values)
        return pn.Column(
            pn.pane.Markdown(f"### Plan for the next {self.wb.supply_weeks} weeks"),
            pn.Row(pn.indicators.Number(name="expected supply cost [kEUR]",
                                        value=plan.objective / 1e3, format="{value:,.0f}",
                                        font_size="28pt", title_size="11pt"),
                   pn.indicators.Number(name="fill rate [%]", value=100 * fill,
                                        format="{value:.1f}", font_size="28pt",
                                        title_size="11pt")),
            pn.pane.Markdown(f"**Bottleneck**: {bottleneck} (an extra hour there is worth "
                             f"{float(value.max()):,.2f} EUR over the horizon)",
                             css_classes=["bottleneck"]))

    def _alerts(self):
        alerts = self.wb.alerts
        head = pn.pane.Markdown(f"### Wear alerts: {len(alerts)} on the history")
        return pn.Column(head, _table(alerts.tail(20)) if len(alerts) else
                         pn.pane.Markdown("No alert."))

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown(f"## {self.wb.plant.spec.name}\n{self.wb.plant.spec.description}"),
            self._counts(),
            _table(self.wb.machines, name="machines"),
            pn.panel(self._plan, defer_load=True),
            pn.panel(self._alerts, defer_load=True),
            sizing_mode="stretch_width")


class MaintenancePage(Viewer):
    """Maintenance risk: failure probability and remaining useful life per machine."""

    def __init__(self, wb: Workbench, **params):
        super().__init__(**params)
        self.wb = wb

    def _risk(self):
        from twinbench.viz.twin import risk_figure

        return pn.Column(
            pn.pane.Plotly(risk_figure(self.wb.failures, self.wb.wear),
                           sizing_mode="stretch_width"),
            _table(self.wb.risk_table(), name="risk"))

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("## Maintenance risk (from the calibrated twin)"),
                         pn.panel(self._risk, defer_load=True), sizing_mode="stretch_width")


class ApprovalGate(Viewer):
    """Approve or reject a plan; only approvers see the buttons; every decision is logged."""

    def __init__(self, log: ApprovalLog, plan_id, **params):
        super().__init__(**params)
        self.log = log
        self.plan_id = plan_id  # a callable: the id of the plan shown now
        self.comment = pn.widgets.TextInput(name="comment", placeholder="why (optional)")
        self.approve = pn.widgets.Button(name="Approve plan", button_type="success")
        self.reject = pn.widgets.Button(name="Reject plan", button_type="danger")
        self.approve.on_click(lambda _e: self._decide("approved"))
        self.reject.on_click(lambda _e: self._decide("rejected"))
        self.history = _table(self.log.entries(), name="decisions")

    def _decide(self, decision: str) -> None:
        try:
            self.log.decide(_user(), self.plan_id(), decision, self.comment.value)
        except PermissionError as err:
            pn.state.notifications.error(str(err))
            return
        self.history.value = self.log.entries()
        pn.state.notifications.success(f"plan {decision} by {_user()}")

    def __panel__(self):
        user = _user()
        if user in self.log.approvers:
            buttons = pn.Row(self.comment, self.approve, self.reject)
        else:
            buttons = pn.pane.Markdown(f"Signed in as **{user}**: you may view plans; "
                                       "approving needs the approver right.")
        return pn.Column(pn.pane.Markdown("### Approval"), buttons, self.history)


class SupplyPage(Viewer):
    """Supply plan: flows, production and stock, binding constraints, approval."""

    product = param.Selector()

    def __init__(self, wb: Workbench, log: ApprovalLog, **params):
        super().__init__(**params)
        self.wb = wb
        names = [p.name for p in wb.plant.spec.products]
        self.param.product.objects = names
        self.product = names[0]
        self.gate = ApprovalGate(log, self._plan_id)

    def _plan_id(self) -> str:
        plan = self.wb.supply_plan
        return f"supply:{plan.options['periods']}w:{plan.objective:.2f}"

    def _flows(self):
        from twinbench.viz.supply import flow_figure

        plan = self.wb.supply_plan
        return pn.Column(
            pn.pane.Markdown(f"Expected cost **{plan.objective:,.0f} EUR** ({plan.status}, "
                             f"{plan.options['scenarios']} samples, solved in "
                             f"{plan.options['solve_seconds']:.1f} s)"),
            pn.pane.Plotly(flow_figure(plan.ds, self.wb.plant.spec,
                                       self.wb.supply_problem.network),
                           sizing_mode="stretch_width"),
            _table(plan.binding.head(12), name="binding"))

    @param.depends("product")
    def _product(self):
        from twinbench.viz.supply import plan_figure

        return pn.pane.Plotly(plan_figure(self.wb.supply_plan.ds, self.product),
                              sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("## Supply plan"),
                         pn.panel(self._flows, defer_load=True),
                         pn.widgets.Select.from_param(self.param.product),
                         pn.panel(self._product, defer_load=True), self.gate,
                         sizing_mode="stretch_width")


class SchedulePage(Viewer):
    """The week's schedule: Gantt, on-time risk from the twin, KPIs, approval."""

    def __init__(self, wb: Workbench, log: ApprovalLog, **params):
        super().__init__(**params)
        self.wb = wb
        self.gate = ApprovalGate(log, self._plan_id)

    def _plan_id(self) -> str:
        s = self.wb.schedule
        return f"schedule:{s.options['input_hash']}:{s.objective:.3f}"

    def _plan(self):
        from twinbench.viz.schedule import on_time_figure, schedule_gantt

        s = self.wb.schedule
        ot = self.wb.schedule_on_time
        gap = "proven optimal" if s.status == "optimal" else (
            f"gap {s.gap:.1%}" if s.gap == s.gap else s.status)
        k = s.kpis
        nums = [("orders", len(s.problem.jobs), "{value:,.0f}"),
                ("tardy in plan", k["tardy_jobs"], "{value:,.0f}"),
                ("P(on time) in the twin [%]", 100 * ot["p_on_time"].mean(), "{value:.1f}"),
                ("EDD dispatch [%]", 100 * ot["p_on_time_edd"].mean(), "{value:.1f}"),
                ("energy cost [EUR]", k["energy_cost"], "{value:,.0f}")]
        return pn.Column(
            pn.pane.Markdown(f"{s.problem.n_ops} operations, {s.method} with "
                             f"{s.options['solver']}: {gap}, {s.seconds:.1f} s; independent "
                             f"check: {'passed' if not s.violations() else 'FAILED'}",
                             css_classes=["schedule-status"]),
            pn.Row(*[pn.indicators.Number(name=n, value=float(v), format=f,
                                          font_size="24pt", title_size="10pt")
                     for n, v, f in nums]),
            pn.pane.Plotly(schedule_gantt(s, ot), sizing_mode="stretch_width"),
            pn.pane.Plotly(on_time_figure(ot), sizing_mode="stretch_width"),
            _table(s.binding.head(12).round(4), name="binding"))

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("## Schedule of the week"),
                         pn.panel(self._plan, defer_load=True), self.gate,
                         sizing_mode="stretch_width")


WHATIF_KINDS = {"supplier_delay": "supplier delayed", "supplier_loss": "supplier lost",
                "machine_down": "machine down", "demand_change": "demand change",
                "energy_price": "energy price change", "add_shift": "extra shift"}


class ScenarioPage(Viewer):
    """Build a what-if from widgets, run it, compare it against the base."""

    def __init__(self, wb: Workbench, **params):
        super().__init__(**params)
        self.wb = wb
        spec = wb.plant.spec
        self.kind = pn.widgets.Select(name="what if", options={v: k for k, v in
                                                               WHATIF_KINDS.items()})
        self.supplier = pn.widgets.Select(name="supplier",
                                          options=[s.name for s in spec.suppliers])
        self.machine = pn.widgets.Select(name="machine", options=spec.machines)
        self.product = pn.widgets.Select(name="product",
                                         options=["all", *spec.product_map])
        self.days = pn.widgets.IntSlider(name="days (delay or downtime)", start=1, end=42,
                                         value=14)
        self.first_week = pn.widgets.IntSlider(name="from week", start=0, end=12, value=2)
        self.factor = pn.widgets.FloatSlider(name="factor (demand or price)", start=0.5,
                                             end=2.0, step=0.05, value=1.2)
        self.run = pn.widgets.Button(name="Run what-if", button_type="primary")
        self.run.on_click(self._on_run)
        self.status = pn.pane.Markdown("Choose a change and press *Run what-if*.",
                                       css_classes=["whatif-status"])
        self.result = pn.Column(sizing_mode="stretch_width")

    def edit(self) -> dict:
        """The edit the widgets describe, as plain data."""
        k = self.kind.value
        start = pd.Timestamp(self.wb.demand.ds["week"].values[0]) + pd.Timedelta(
            weeks=self.first_week.value, hours=6)
        return {
            "supplier_delay": {"kind": k, "supplier": self.supplier.value,
                               "delay": f"{self.days.value} d"},
            "supplier_loss": {"kind": k, "supplier": self.supplier.value,
                              "first_week": self.first_week.value,
                              "weeks": max(1, self.days.value // 7)},
            "machine_down": {"kind": k, "machine": self.machine.value,
                             "start": start.isoformat(), "duration": f"{self.days.value} d"},
            "demand_change": {"kind": k, "product": self.product.value,
                              "factor": self.factor.value},
            "energy_price": {"kind": k, "factor": self.factor.value},
            "add_shift": {"kind": k, "name": "night", "start": "22:00", "end": "06:00"},
        }[k]

    async def _on_run(self, _event=None) -> None:
        try:
            scenario = scenarios_from_dict({"scenarios": [
                {"name": "what-if", "edits": [self.edit()], "seed": self.wb.seed}]},
                self.wb.plant.spec)[0]
        except ScenarioError as err:
            self.status.object = f"**Not valid**: {err}"
            return
        self.run.disabled = True
        self.status.object = f"Running *{WHATIF_KINDS[self.kind.value]}* ..."
        try:
            table = await asyncio.to_thread(self.wb.whatif, scenario)
        except Exception as err:  # shown, not swallowed: the page stays usable
            self.status.object = f"**Failed**: {err}"
            return
        finally:
            self.run.disabled = False
        self._show(scenario, table)

    def _show(self, scenario: Scenario, table: pd.DataFrame) -> None:
        from twinbench.viz.scenarios import delta_figure

        cost = table[table["kpi"] == "supply cost"].iloc[0]
        self.status.object = (f"Done: supply cost changes by **{cost['delta']:,.0f} EUR** "
                              f"(90% interval {cost['ci_low']:,.0f} to {cost['ci_high']:,.0f})")
        cols = ["kpi", "unit", "base", "value", "delta", "ci_low", "ci_high"]
        self.result[:] = [
            pn.pane.Markdown(f"**{scenario.edits[0].kind}**: "
                             f"`{scenario.edits[0].model_dump(exclude={'kind'})}`"),
            _table(table[cols].round(3), name="comparison"),
            pn.pane.Plotly(delta_figure(table), sizing_mode="stretch_width")]

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("## What-if scenarios"),
            pn.Row(pn.Column(self.kind, self.supplier, self.machine, self.product),
                   pn.Column(self.days, self.first_week, self.factor, self.run)),
            self.status, self.result, sizing_mode="stretch_width")


class AskPage(Viewer):
    """Ask the twin: a chat whose answers are checked against computed facts; the last
    answer downloads as an HTML report."""

    def __init__(self, wb: Workbench, **params):
        super().__init__(**params)
        self.wb = wb
        self.last = None
        self.chat = pn.chat.ChatInterface(
            callback=self._answer, callback_user="twin", show_rerun=False, show_undo=False,
            show_clear=False, sizing_mode="stretch_width", height=520,
            placeholder_text="e.g. what if supplier S2 is two weeks late?")
        self.download = pn.widgets.FileDownload(
            callback=self._report, filename="twin_answer.html", button_type="primary",
            label="Download the last answer (HTML report)", disabled=True)

    async def _answer(self, contents: str, user: str, instance) -> str:
        from twinbench.llm.ask import ask

        try:
            answer = await asyncio.to_thread(ask, contents, self.wb.run_context,
                                             seed=self.wb.seed)
        except Exception as err:  # shown in the chat, the page stays usable
            return f"Failed: {err}"
        self.last = answer
        self.download.disabled = False
        return str(answer)

    def _report(self):
        import io

        from twinbench.llm.report import answer_report

        return io.StringIO(answer_report(self.last)) if self.last is not None else None

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("## Ask the twin\nWhat-if questions run as scenarios against the "
                             "base; how/why questions are answered from the plant's documents. "
                             "Every number shown is checked against computed facts; "
                             "AI-written text is labelled."),
            self.chat, self.download, sizing_mode="stretch_width")


class Dashboard(Viewer):
    """All pages in tabs."""

    def __init__(self, wb: Workbench, log: ApprovalLog, **params):
        super().__init__(**params)
        self.wb = wb
        self.pages = {"Overview": OverviewPage(wb), "Maintenance": MaintenancePage(wb),
                      "Schedule": SchedulePage(wb, log), "Supply": SupplyPage(wb, log),
                      "Scenarios": ScenarioPage(wb), "Ask the twin": AskPage(wb)}

    def __panel__(self):
        user = _user()
        header = pn.Row(pn.pane.Markdown("# twinbench"),
                        pn.pane.Markdown(f"signed in as **{user}** | [log out](/logout)"
                                         if pn.state.user else ""))
        return pn.Column(header, pn.Tabs(*self.pages.items(), dynamic=True),
                         sizing_mode="stretch_width")


def _workbench() -> Workbench:
    """One workbench per server process (cached across sessions)."""
    def make() -> Workbench:
        wb = Workbench(os.environ.get("TWINBENCH_PLANT") or None,
                       draws=int(os.environ.get("TWINBENCH_DRAWS", "400")))
        wb.start("twin", "demand")  # warm up in the background
        return wb

    return pn.state.as_cached("twinbench-workbench", make)


def create_app() -> Dashboard:
    """The dashboard for the current session."""
    results = Path(os.environ.get("TWINBENCH_RESULTS", "out/dashboard"))
    approvers = frozenset(filter(None, os.environ.get("TWINBENCH_APPROVERS", "").split(",")))
    return Dashboard(_workbench(), ApprovalLog(results / "approvals.jsonl", approvers))


if __name__.startswith("bokeh"):  # `panel serve dashboards/app.py`
    create_app().servable(title="twinbench")
