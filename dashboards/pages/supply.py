"""Supply page: the supply plan over time, its flows, what limits it (in words), and its
approval."""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from twinbench.kpis import mean_fill_rate
from twinbench.plan_ids import supply_plan_id
from twinbench.workbench import ApprovalLog, Workbench

from .shared import PlanPage, kpi_card, kpi_row, status
from .words import binding_sentences, eur, num, pct

__all__ = ["SupplyPage"]

COST_WORDS = {"purchase": "materials bought", "spot": "spot-market buys",
              "transport": "transport", "holding": "stock held", "shortage": "demand missed",
              "terminal": "end-of-plan stock", "fixed": "warehouses open"}


class SupplyPage(PlanPage):
    """Supply plan: over time, flows, what limits it, approval."""

    product = param.Selector()  # whose production and stock are drawn

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(wb, log, **params)
        names = [p.name for p in wb.plant.spec.products]
        self.param.product.objects = names
        self.product = names[0]

    def plan_id(self) -> str:
        """The id of the supply plan (the hash of its decisions)."""
        return supply_plan_id(self.wb.supply_plan)

    async def _summary(self) -> pn.Column:
        from twinbench.viz.supply import flow_figure

        await self.need("base")
        wb = self.wb
        plan = wb.supply_plan
        fill = mean_fill_rate(plan.ds)
        costs = sorted(((k, v) for k, v in plan.costs.items() if abs(v) >= 0.5),
                       key=lambda kv: -abs(kv[1]))[:3]
        cards = kpi_row(
            kpi_card("Expected cost", eur(plan.objective), "info",
                     f"over {wb.supply_weeks} weeks"),
            kpi_card("Demand met (fill rate)", pct(fill), status(fill, 0.95, 0.90)),
            *[kpi_card(f"of which {COST_WORDS.get(k, k.replace('_', ' '))}", eur(v))
              for k, v in costs])
        limits = binding_sentences(plan.binding)
        n = plan.options.get("scenarios", wb.supply_scenarios)
        return pn.Column(
            pn.pane.Markdown(f"Planned over {wb.supply_weeks} weeks against {num(n)} possible "
                             "futures of demand and supplier deliveries; the cost is the "
                             "average over them.", css_classes=["supply-status"]),
            cards,
            pn.pane.Markdown("**What limits the plan**\n\n" + (
                "\n".join(f"- {s}" for s in limits) if limits else
                "- Nothing binds: every limit has room."), css_classes=["supply-limits"]),
            pn.pane.Plotly(flow_figure(plan.ds, wb.plant.spec, wb.supply_problem.network),
                           sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    @param.depends("product")
    async def _product(self) -> pn.pane.Plotly:
        from twinbench.viz.supply import plan_figure

        await self.need("base")
        return pn.pane.Plotly(plan_figure(self.wb.supply_plan.ds, self.product),
                              sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        return pn.Column(pn.pane.Markdown("## Supply plan"),
                         pn.panel(self._summary, defer_load=True),
                         pn.pane.Markdown("### Production and stock over time"),
                         pn.widgets.Select.from_param(self.param.product, width=220),
                         pn.panel(self._product, defer_load=True), self.gate,
                         sizing_mode="stretch_width")
