"""Supply page: the supply plan's flows, production and stock, binding constraints and
its approval."""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from twinbench.plan_ids import supply_plan_id
from twinbench.workbench import ApprovalLog, Workbench

from .shared import PlanPage, table

__all__ = ["SupplyPage"]


class SupplyPage(PlanPage):
    """Supply plan: flows, production and stock, binding constraints, approval."""

    product = param.Selector()  # whose production and stock are drawn

    def __init__(self, wb: Workbench, log: ApprovalLog, **params: Any) -> None:
        super().__init__(wb, log, **params)
        names = [p.name for p in wb.plant.spec.products]
        self.param.product.objects = names
        self.product = names[0]

    def plan_id(self) -> str:
        """The id of the supply plan."""
        return supply_plan_id(self.wb.supply_plan)

    def _flows(self) -> pn.Column:
        from twinbench.viz.supply import flow_figure

        plan = self.wb.supply_plan
        return pn.Column(
            pn.pane.Markdown(f"Expected cost **{plan.objective:,.0f} EUR** ({plan.status}, "
                             f"{plan.options['scenarios']} samples, solved in "
                             f"{plan.options['solve_seconds']:.1f} s)"),
            pn.pane.Plotly(flow_figure(plan.ds, self.wb.plant.spec,
                                       self.wb.supply_problem.network),
                           sizing_mode="stretch_width"),
            table(plan.binding.head(12), name="binding"))

    @param.depends("product")
    def _product(self) -> pn.pane.Plotly:
        from twinbench.viz.supply import plan_figure

        return pn.pane.Plotly(plan_figure(self.wb.supply_plan.ds, self.product),
                              sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        return pn.Column(pn.pane.Markdown("## Supply plan"),
                         pn.panel(self._flows, defer_load=True),
                         pn.widgets.Select.from_param(self.param.product),
                         pn.panel(self._product, defer_load=True), self.gate,
                         sizing_mode="stretch_width")
