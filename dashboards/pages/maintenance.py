"""Maintenance page: failure risk of every machine over the next four weeks, and one
machine's history and explanation (chosen here or from an overview alert)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
import plotly.graph_objects as go

from twinbench.workbench import Workbench

from .shared import Page, kpi_card, kpi_row, status, table
from .words import day, num, pct

__all__ = ["MaintenancePage", "risk_over_time"]


def risk_over_time(failures, highlight: str | None = None) -> go.Figure:
    """Chance of a failure by each day of the horizon, one line a machine [%] (the
    forecast's hourly steps read once a day, and at its end: a day's point is the chance
    from now to that moment, so nothing is averaged away)."""
    fig = go.Figure()
    p = failures["failure_probability"]
    n = p.sizes["time"]
    p = p.isel(time=sorted({*range(0, n, 24), n - 1}))
    for m in p["machine"].values:
        s = p.sel(machine=m)
        on = highlight is None or m == highlight
        fig.add_scatter(x=s["time"].values, y=100 * s.values, name=str(m), mode="lines",
                        line={"width": 3 if on and highlight else 1.5},
                        opacity=1.0 if on else 0.35)
    fig.update_layout(title="Chance of a failure from now to each day [%]", height=330,
                      margin={"l": 50, "r": 10, "t": 40, "b": 40}, yaxis_title="%",
                      legend={"orientation": "h", "y": -0.2}, hovermode="x unified")
    return fig


class MaintenancePage(Page):
    """Maintenance risk: every machine's in a table; the chosen machine's history and why,
    its risk over time beside every other machine's (faded)."""

    machine = param.Selector()

    def __init__(self, wb: Workbench, **params: Any) -> None:
        super().__init__(wb, **params)
        self.param.machine.objects = list(wb.plant.spec.machines)
        self.machine = wb.plant.spec.machines[0]

    def select(self, machine: str) -> None:
        """Show ``machine`` (an overview alert's link)."""
        self.machine = machine

    async def _risk(self) -> pn.Column:
        await self.need("failures", "wear")
        rt = self.wb.risk_table()
        df = pd.DataFrame({
            "Machine": rt["machine"],
            "Chance of failure in 4 weeks": [pct(v) for v in rt["P(failure, 4 weeks)"]],
            "Wear now [share of limit]": [num(v, 2) for v in rt["wear now"]],
            "Days to wear limit (median)": [num(v, 0) for v in
                                            rt["days to wear limit (median)"]]})
        # the figure over time is the chosen machine's (below): every machine is on it
        return pn.Column(table(df, labels=False, name="risk"), sizing_mode="stretch_width")

    @param.depends("machine")
    async def _machine(self) -> pn.Column:
        from twinbench.viz.telemetry import telemetry_figure

        await self.need("failures", "wear", "alerts")
        wb, m = self.wb, self.machine
        spec = wb.plant.spec
        station = spec.machine_station[m]
        row = wb.risk_table().set_index("machine").loc[m]
        p, wear, days = (float(row["P(failure, 4 weeks)"]), float(row["wear now"]),
                         float(row["days to wear limit (median)"]))
        info = wb.machines.set_index("machine").loc[m]
        alerts = wb.alerts[wb.alerts["machine"] == m]
        last = (f" The last alert was on {day(alerts['day'].max())} ({len(alerts)} in the "
                "history)." if len(alerts) else " No wear alert in the history.")
        why = (f"**{m}** (station {station}, {info['type']}) has a **{pct(p)}** chance of "
               f"failing in the next four weeks. Its wear is at {num(100 * wear, 0)} % of "
               f"the limit now and reaches the limit in about {num(days, 0)} days (median "
               f"of the twin's forecasts). Last year: {info['failures']} failure(s), "
               f"{info['maintenance']} maintenance job(s).{last}")
        cards = kpi_row(
            kpi_card("Chance of failure, 4 weeks", pct(p), status(p, 0.1, 0.3, False)),
            kpi_card("Wear now", f"{num(100 * wear, 0)} % of limit",
                     status(wear, 0.6, 0.85, False)),
            kpi_card("Days to wear limit", num(days, 0), status(days, 28, 14)))
        parts = [pn.pane.Markdown(why, css_classes=["machine-why"]), cards,
                 pn.pane.Plotly(risk_over_time(wb.failures, m), sizing_mode="stretch_width"),
                 pn.pane.Plotly(telemetry_figure(wb.daily_telemetry, m, wb.plant.events,
                                                 resample=None),
                                sizing_mode="stretch_width")]
        if len(alerts):
            shown = alerts.assign(day=alerts["day"].map(day),
                                  value=alerts["value"].round(3), z=alerts["z"].round(1))
            parts.append(table(shown.iloc[::-1], name="machine-alerts"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        return pn.Column(
            pn.pane.Markdown("## Maintenance risk\nFrom the calibrated twin: how likely each "
                             "machine is to fail, and how close its wear is to the limit."),
            pn.panel(self._risk, defer_load=True),
            pn.pane.Markdown("### One machine: its history and why"),
            pn.widgets.Select.from_param(self.param.machine, name="machine", width=220),
            pn.panel(self._machine, defer_load=True), sizing_mode="stretch_width")
