"""Overview page: the line, its data, its plan's headline KPIs and its wear alerts."""

from __future__ import annotations

import panel as pn

from twinbench.kpis import bottleneck, mean_fill_rate

from .shared import Page, number, table

__all__ = ["OverviewPage"]


class OverviewPage(Page):
    """Line overview: the line, its data, its plan and its alerts."""

    def _counts(self) -> pn.Row:
        wb = self.wb
        spec = wb.plant.spec
        nums = [("stations", len(spec.stations)), ("machines", len(spec.machines)),
                ("open orders", len(wb.plant.orders)),
                ("failures last year", int(wb.machines["failures"].sum())),
                ("data-quality findings", len(wb.quality.findings))]
        return pn.Row(*[number(n, v) for n, v in nums], css_classes=["kpi-row"])

    def _plan(self) -> pn.Column:
        plan = self.wb.supply_plan
        top = bottleneck(plan.ds)
        return pn.Column(
            pn.pane.Markdown(f"### Plan for the next {self.wb.supply_weeks} weeks"),
            pn.Row(number("expected supply cost [kEUR]", plan.objective / 1e3),
                   number("fill rate [%]", 100 * mean_fill_rate(plan.ds), "{value:.1f}")),
            pn.pane.Markdown(f"**Bottleneck**: {top.station} (an extra hour there is worth "
                             f"{top.hour_value:,.2f} EUR over the horizon)",
                             css_classes=["bottleneck"]))

    def _alerts(self) -> pn.Column:
        alerts = self.wb.alerts
        head = pn.pane.Markdown(f"### Wear alerts: {len(alerts)} on the history")
        return pn.Column(head, table(alerts.tail(20)) if len(alerts) else
                         pn.pane.Markdown("No alert."))

    def __panel__(self) -> pn.Column:
        spec = self.wb.plant.spec
        return pn.Column(
            pn.pane.Markdown(f"## {spec.name}\n{spec.description}"),
            self._counts(),
            table(self.wb.machines, name="machines"),
            pn.panel(self._plan, defer_load=True),
            pn.panel(self._alerts, defer_load=True),
            sizing_mode="stretch_width")
