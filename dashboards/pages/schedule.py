"""Schedule page: the week's schedule as a Gantt chart, its on-time risk in the twin, its
KPIs and its approval."""

from __future__ import annotations

import panel as pn

from twinbench.plan_ids import schedule_plan_id

from .shared import PlanPage, number, table

__all__ = ["SchedulePage"]


class SchedulePage(PlanPage):
    """The week's schedule: Gantt, on-time risk from the twin, KPIs, approval."""

    def plan_id(self) -> str:
        """The id of the week's schedule."""
        return schedule_plan_id(self.wb.schedule)

    def _plan(self) -> pn.Column:
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
            pn.Row(*[number(n, float(v), f, font_size="24pt", title_size="10pt")
                     for n, v, f in nums]),
            pn.pane.Plotly(schedule_gantt(s, ot), sizing_mode="stretch_width"),
            pn.pane.Plotly(on_time_figure(ot), sizing_mode="stretch_width"),
            table(s.binding.head(12).round(4), name="binding"))

    def __panel__(self) -> pn.Column:
        return pn.Column(pn.pane.Markdown("## Schedule of the week"),
                         pn.panel(self._plan, defer_load=True), self.gate,
                         sizing_mode="stretch_width")
