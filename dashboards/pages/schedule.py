"""Schedule page: the week's schedule as a Gantt chart, its on-time risk in the twin, its
KPIs and its approval; and rescheduling from the current state (a breakdown now), with the
plan before and after and what moved."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import panel as pn

from twinbench.plan_ids import schedule_plan_id

from .shared import PlanPage, number, table
from .words import num, plan_quality

__all__ = ["SchedulePage", "reschedule_view"]


def reschedule_view(schedule, now: float, machine: str, repair_h: float, freeze: float = 4.0,
                    time_limit: float = 15.0) -> pn.Column:
    """Replan ``schedule`` from hour ``now`` [h, working clock] after ``machine`` breaks
    down for ``repair_h`` [h]: the plan before and after, the candidates and what moved."""
    from twinbench.optimize.schedule.reschedule import reschedule
    from twinbench.viz.schedule import schedule_gantt

    bd = pd.DataFrame({"machine": [machine], "start": [now], "end": [now + repair_h],
                       "reason": ["breakdown"]})
    res = reschedule(schedule, now, freeze=freeze, breakdowns=bd, time_limit=time_limit)
    after = SimpleNamespace(table=res.table, problem=res.problem)
    kept = int((res.table["state"] != "replanned").sum())
    moved = res.moved.assign(shift=res.moved["shift"].round(2),
                             start_before=res.moved["start_before"].round(2),
                             start_after=res.moved["start_after"].round(2))
    return pn.Column(
        pn.pane.Markdown(
            f"{machine} down {now:.1f}-{now + repair_h:.1f} h: {kept} operations kept "
            f"(done, running or frozen), {res.n_moved} moved, replanned in {res.seconds:.1f} s;"
            f" independent check: {'passed' if not res.violations() else 'FAILED'}",
            css_classes=["reschedule-status"]),
        pn.Row(pn.pane.Plotly(schedule_gantt(schedule, title="Before (approved)"),
                              sizing_mode="stretch_width"),
               pn.pane.Plotly(schedule_gantt(after, title="After (replanned)"),
                              sizing_mode="stretch_width")),
        table(res.candidates.round(3), name="reschedule-candidates"),
        table(moved, name="moved"), sizing_mode="stretch_width")


class SchedulePage(PlanPage):
    """The week's schedule: Gantt, on-time risk from the twin, KPIs, approval, rescheduling."""

    def plan_id(self) -> str:
        """The id of the week's schedule."""
        return schedule_plan_id(self.wb.schedule)

    def _plan(self) -> pn.Column:
        from twinbench.viz.schedule import on_time_figure, schedule_gantt

        s = self.wb.schedule
        ot = self.wb.schedule_on_time
        k = s.kpis
        nums = [("orders", len(s.problem.jobs), "{value:,.0f}"),
                ("tardy in plan", k["tardy_jobs"], "{value:,.0f}"),
                ("P(on time) in the twin [%]", 100 * ot["p_on_time"].mean(), "{value:.1f}"),
                ("EDD dispatch [%]", 100 * ot["p_on_time_edd"].mean(), "{value:.1f}"),
                ("energy cost [EUR]", k["energy_cost"], "{value:,.0f}")]
        return pn.Column(
            pn.pane.Markdown(f"{num(s.problem.n_ops)} operations: "
                             f"{plan_quality(s.status, s.gap, s.stage, s.seconds)}; "
                             f"independent check: "
                             f"{'passed' if not s.violations() else 'FAILED'}",
                             css_classes=["schedule-status"]),
            pn.Row(*[number(n, float(v), f, font_size="24pt", title_size="10pt")
                     for n, v, f in nums]),
            pn.pane.Plotly(schedule_gantt(s, ot), sizing_mode="stretch_width"),
            pn.pane.Plotly(on_time_figure(ot), sizing_mode="stretch_width"),
            table(s.binding.head(12).round(4), name="binding"))

    def _replan_controls(self) -> pn.Column:
        """A breakdown form; the replanned week appears below it on demand."""
        machines = list(self.wb.schedule.problem.machines)
        machine = pn.widgets.Select(name="machine down", options=machines, value=machines[0])
        now = pn.widgets.FloatInput(name="now [h, working clock]", value=20.0, start=0.0)
        repair = pn.widgets.FloatInput(name="repair [h]", value=6.0, start=0.1)
        freeze = pn.widgets.FloatInput(name="frozen window [h]", value=4.0, start=0.0)
        go = pn.widgets.Button(name="Reschedule", button_type="primary")
        out = pn.Column(sizing_mode="stretch_width")

        def run(_event: object) -> None:
            out[:] = [reschedule_view(self.wb.schedule, float(now.value), str(machine.value),
                                      float(repair.value), float(freeze.value))]

        go.on_click(run)
        return pn.Column(pn.pane.Markdown("### Reschedule from the current state"),
                         pn.Row(machine, now, repair, freeze, go), out,
                         sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        return pn.Column(pn.pane.Markdown("## Schedule of the week"),
                         pn.panel(self._plan, defer_load=True), self.gate,
                         pn.panel(self._replan_controls, defer_load=True),
                         sizing_mode="stretch_width")
