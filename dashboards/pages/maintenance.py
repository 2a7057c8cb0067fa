"""Maintenance page: failure probability and remaining useful life per machine."""

from __future__ import annotations

import panel as pn

from .shared import Page, table

__all__ = ["MaintenancePage"]


class MaintenancePage(Page):
    """Maintenance risk: failure probability and remaining useful life per machine."""

    def _risk(self) -> pn.Column:
        from twinbench.viz.twin import risk_figure

        return pn.Column(
            pn.pane.Plotly(risk_figure(self.wb.failures, self.wb.wear),
                           sizing_mode="stretch_width"),
            table(self.wb.risk_table(), name="risk"))

    def __panel__(self) -> pn.Column:
        return pn.Column(pn.pane.Markdown("## Maintenance risk (from the calibrated twin)"),
                         pn.panel(self._risk, defer_load=True), sizing_mode="stretch_width")
