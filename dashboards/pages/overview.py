"""Overview page: the line's headline figures as KPI cards, its bottleneck in words, and
its alerts, each one click from the machine's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn

from twinbench.kpis import bottleneck, mean_fill_rate
from twinbench.workbench import Workbench

from .shared import Page, kpi_card, kpi_row, status, table
from .words import day, eur, num, pct

__all__ = ["OverviewPage"]

RISK = 0.3  # P(failure in 4 weeks) from which a machine counts as at risk [1]
ALERT_WORDS = {"drift": "wear drifting above its normal band",
               "anomaly": "unusual wear reading"}


class OverviewPage(Page):
    """Line overview: KPI cards, the bottleneck, the alerts (each opens its machine).

    Parameters
    ----------
    wb
        The plant's session.
    goto
        Shows another page: ``goto("Maintenance", machine=...)`` (none: alerts do not
        link).
    """

    def __init__(self, wb: Workbench, goto: Callable[..., None] | None = None,
                 **params: Any) -> None:
        super().__init__(wb, **params)
        self.goto = goto

    def _counts(self) -> pn.FlexBox:  # the data only: fast
        wb = self.wb
        spec = wb.plant.spec
        findings = len(wb.quality.findings)
        return kpi_row(
            kpi_card("Stations / machines", f"{len(spec.stations)} / {len(spec.machines)}"),
            kpi_card("Open orders", num(len(wb.plant.orders))),
            kpi_card("Failures last year", num(int(wb.machines["failures"].sum()))),
            kpi_card("Data-quality findings", num(findings),
                     status(findings, 0, 10, higher_is_better=False),
                     "in the sensor data"))

    async def _plan(self) -> pn.Column:
        await self.need("supply_plan", "failures", "schedule_on_time")
        wb = self.wb
        plan = wb.supply_plan
        fill = mean_fill_rate(plan.ds)
        p_fail = wb.failures["failure_probability"].isel(time=-1)
        at_risk = int((p_fail >= RISK).sum())
        on_time = float(wb.schedule_on_time["p_on_time"].mean())
        top = bottleneck(plan.ds)
        cards = kpi_row(
            kpi_card("Demand met (fill rate)", pct(fill), status(fill, 0.95, 0.90),
                     f"over {wb.supply_weeks} weeks"),
            kpi_card("Orders on time this week", pct(on_time), status(on_time, 0.9, 0.75),
                     "chance, in the twin"),
            kpi_card("Machines at risk", num(at_risk),
                     status(at_risk, 0, 1, higher_is_better=False),
                     f"{RISK:.0%}+ chance of failure in 4 weeks"),
            kpi_card("Expected supply cost", num(plan.objective / 1e3, 0, "kEUR"), "info",
                     f"over {wb.supply_weeks} weeks"))
        att = wb.failures.attrs
        trust = ([] if int(att.get("twin_converged", 0)) else [pn.pane.Alert(
            "The twin's model fit has not settled (its sampling checks failed: "
            f"{att.get('twin_convergence_problems', 'no check recorded')}). Failure risks and "
            "maintenance windows below come from it: treat them as indicative.",
            alert_type="warning", css_classes=["twin-unconverged"])])
        return pn.Column(
            *trust,
            pn.pane.Markdown(f"### Plan for the next {wb.supply_weeks} weeks"), cards,
            pn.pane.Markdown(f"**Bottleneck: {top.station}.** An extra hour there is worth "
                             f"{eur(top.hour_value, 2)} over the plan.",
                             css_classes=["bottleneck"]),
            sizing_mode="stretch_width")

    async def _alerts(self) -> pn.Column:
        await self.need("alerts")
        alerts = self.wb.alerts
        head = pn.pane.Markdown(f"### Wear alerts: {len(alerts)} in the history")
        if not len(alerts):
            return pn.Column(head, pn.pane.Markdown("No alert."))
        latest = alerts.sort_values("day").groupby("machine", sort=False).tail(1)
        latest = latest.sort_values("day", ascending=False).head(8)
        buttons = []
        for _, a in latest.iterrows():
            n = int((alerts["machine"] == a["machine"]).sum())
            text = (f"{a['machine']}: {ALERT_WORDS.get(a['kind'], a['kind'])} on "
                    f"{day(a['day'])} ({n} alert{'s' if n != 1 else ''}) - open machine")
            b = pn.widgets.Button(name=text, button_type="light", css_classes=["alert-link"],
                                  sizing_mode="stretch_width")
            b.on_click(lambda _e, m=a["machine"]: self._open(m))
            buttons.append(b)
        return pn.Column(head, pn.pane.Markdown("The latest alert of each machine; click "
                                                "one for its history and explanation."),
                         *buttons, sizing_mode="stretch_width")

    def _open(self, machine: str) -> None:
        if self.goto is not None:
            self.goto("Maintenance", machine=machine)

    def _machines(self) -> pn.widgets.Tabulator:
        df = self.wb.machines.copy()
        df["running_h"] = df["running_h"].map(lambda v: num(v))
        df["type"] = df["type"].str.replace("_", " ")
        return table(df, name="machines")

    def __panel__(self) -> pn.Column:
        spec = self.wb.plant.spec
        return pn.Column(
            pn.pane.Markdown(f"## {spec.name}\n{spec.description}"),
            self._counts(),
            pn.panel(self._plan, defer_load=True),
            pn.panel(self._alerts, defer_load=True),
            pn.pane.Markdown("### Machines"), self._machines(),
            sizing_mode="stretch_width")


