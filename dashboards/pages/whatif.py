"""What-if page: a change built from widgets, run as a scenario and compared with the base.

The widgets' values become an edit in :func:`twinbench.scenarios.forms.form_edit`; the run
goes to a worker thread, so that the page stays responsive.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pandas as pd
import panel as pn

from twinbench.scenarios import Scenario, ScenarioError
from twinbench.scenarios.compare import SAME_IN_EVERY_WORLD
from twinbench.scenarios.forms import WHATIF_KINDS, form_edit, whatif_scenario
from twinbench.workbench import Workbench

from .shared import Page, kpi_card, kpi_row, table
from .words import num

__all__ = ["ScenarioPage"]


class ScenarioPage(Page):
    """Build a what-if from widgets, run it, compare it against the base.

    Parameters
    ----------
    wb
        The plant's session (its seed is the scenario's: the comparison pairs samples).
    """

    def __init__(self, wb: Workbench, **params: Any) -> None:
        super().__init__(wb, **params)
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

    def edit(self) -> dict[str, Any]:
        """The edit the widgets describe, as plain data."""
        return form_edit(self.kind.value, supplier=self.supplier.value,
                         machine=self.machine.value, product=self.product.value,
                         days=self.days.value, first_week=self.first_week.value,
                         factor=self.factor.value,
                         horizon_start=pd.Timestamp(self.wb.demand.ds["week"].values[0]))

    async def _on_run(self, _event: object = None) -> None:
        try:
            scenario = whatif_scenario(self.edit(), self.wb.plant.spec, self.wb.seed)
        except ScenarioError as err:
            self.status.object = f"**Not valid**: {err}"
            return
        self.run.disabled = True
        self.status.object = f"Running *{WHATIF_KINDS[self.kind.value]}* ..."
        try:
            result = await asyncio.to_thread(self.wb.whatif, scenario)
        except Exception as err:  # shown, not swallowed: the page stays usable
            self.status.object = f"**Failed**: {err}"
            return
        finally:
            self.run.disabled = False
        self._show(scenario, result)

    def _show(self, scenario: Scenario, result: pd.DataFrame) -> None:
        from twinbench.viz.scenarios import delta_figure

        cost = result[result["kpi"] == "supply cost"].iloc[0]
        self.status.object = (f"Done: supply cost changes by **{num(cost['delta'])} EUR** "
                              + ("(the same in every future: no interval)" if _fixed(cost)
                                 else f"(90 % interval {num(cost['ci_low'])} to "
                                      f"{num(cost['ci_high'])} EUR)"))
        cards = []
        for _, r in result.head(4).iterrows():
            state = "info" if r["delta"] == 0 or pd.isna(r["better"]) else (
                "good" if bool(r["better"]) else "act")
            cards.append(kpi_card(str(r["kpi"]).capitalize(),
                                  f"{r['delta']:+,.{_digits(r['delta'])}f} {r['unit']}",
                                  state, f"from {r['base']:,.{_digits(r['base'])}f}"))
        shown = pd.DataFrame({
            "What": result["kpi"].str.capitalize(), "Unit": result["unit"],
            "Now": [f"{v:,.{_digits(v)}f}" for v in result["base"]],
            "With the change": [f"{v:,.{_digits(v)}f}" for v in result["value"]],
            "Change": [f"{v:+,.{_digits(v)}f}" for v in result["delta"]],
            "90 % interval": ["same in every future" if _fixed(r) else
                              f"{r['ci_low']:+,.{_digits(r['ci_low'])}f} to "
                              f"{r['ci_high']:+,.{_digits(r['ci_high'])}f}"
                              for _, r in result.iterrows()]})
        self.result[:] = [
            pn.pane.Markdown(f"**{WHATIF_KINDS.get(self.kind.value, 'what-if')}**: "
                             f"{_describe(scenario.edits[0])}"),
            kpi_row(*cards),
            pn.pane.Plotly(delta_figure(result), sizing_mode="stretch_width"),
            table(shown, labels=False, name="comparison")]

    def __panel__(self) -> pn.Column:
        return pn.Column(
            pn.pane.Markdown("## What-if\nChange one thing, run the plant's twin with it and "
                             "see what moves against today's plan (the same futures on "
                             "both sides)."),
            pn.Row(pn.Column(self.kind, self.supplier, self.machine, self.product),
                   pn.Column(self.days, self.first_week, self.factor, self.run)),
            self.status, self.result, sizing_mode="stretch_width")


def _fixed(row: pd.Series) -> bool:
    """A delta no world varies (see :data:`~twinbench.scenarios.compare.
    SAME_IN_EVERY_WORLD`): shown as a number, not an interval."""
    return SAME_IN_EVERY_WORLD in str(row.get("note", ""))


def _digits(v: float) -> int:
    """Decimals that show ``v`` sensibly: none for thousands, two for small numbers."""
    a = abs(float(v)) if v == v else 0.0
    return 0 if a >= 100 else (1 if a >= 10 else 2)


def _describe(edit) -> str:
    """An edit's settings in words: ``supplier S2, delay 14 days``."""
    parts = []
    for k, v in edit.model_dump(exclude={"kind"}).items():
        if v is None or v == "" or v == []:
            continue
        parts.append(f"{k.replace('_', ' ')} {v}")
    return ", ".join(parts) or "no settings"
