"""Pyomo planning models: production scheduling and supply-chain planning.

Every model solves with HiGHS by default (``appsi_highs``) or any Pyomo solver by name,
returns its results on the model's labelled sets (xarray / pandas), and explains
infeasibility in the plant's own terms.

What lives here:

``schedule/``
    Production scheduling (:mod:`twinbench.optimize.schedule`).
``supply/``
    Supply-chain planning (:mod:`twinbench.optimize.supply`).
``solvers``
    The solver registry both use: any Pyomo solver by name, time limits, outcomes.
``diagnose``
    What both use to explain infeasibility: :class:`~twinbench.optimize.diagnose.Infeasible`
    and the deletion filter over named constraint groups.

Imports: ``solvers`` imports no other part of twinbench, ``diagnose`` only ``solvers``;
``schedule`` and ``supply`` may import both (and ``twinbench.spec``) but never each other.
Nothing here imports scenarios, llm, viz or dashboards. This ``__init__`` imports nothing,
so importing one room does not load the other.
"""
