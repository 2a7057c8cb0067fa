"""Plotly figures shared by the HTML report, the notebooks and the dashboards.

Lives here: one module per result (telemetry, twin, schedule, supply, simulation,
scenarios) and the small HTML report writer.

May import: :mod:`twinbench.units`, :mod:`twinbench.spec`, :mod:`twinbench.data`,
:mod:`twinbench.twin` and :mod:`twinbench.optimize` (to read their results); never the
scenario runner, the language model or the dashboards. Figures compute nothing new: they
draw what the package computed.
"""
