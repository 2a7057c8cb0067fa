"""The coupled twin: one chain from a what-if's edits to KPIs over worlds.

Lives here: ``chain`` (:class:`Pipeline`, its named stages demand -> supply -> arrivals ->
schedule -> simulate, and :class:`ChainResult`), ``worlds`` (training and evaluation
worlds: demand paths, supplier paths, failure seeds), ``state`` (stock, open purchase
orders, WIP and wear now, from data), ``materials`` (arrivals per day, material-ready
times), ``week`` (the line's week: firm and forecast-driven orders), ``capacity``
(station hours after downtime), ``checked`` (each plan's solver status and independent
check; :class:`StageFailed`).

May import: :mod:`twinbench.units`, :mod:`twinbench.spec`, :mod:`twinbench.data`,
:mod:`twinbench.twin` and :mod:`twinbench.optimize`; never the scenarios (a scenario is
passed in: anything with the ``apply_*`` and ``downtime`` methods), the language model
or the dashboards. The scenario runner, the workbench and the demo build on it.
"""

from twinbench.pipeline.chain import STAGES, ChainResult, ChainSettings, Pipeline
from twinbench.pipeline.checked import StageFailed
from twinbench.pipeline.state import PlantState, plant_state
from twinbench.pipeline.worlds import Worlds, draw_worlds

__all__ = ["STAGES", "ChainResult", "ChainSettings", "Pipeline", "PlantState", "StageFailed",
           "Worlds", "draw_worlds", "plant_state"]
