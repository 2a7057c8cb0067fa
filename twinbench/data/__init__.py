"""Plant data in and out: telemetry files into xarray, data-quality checks, order, event,
demand and driver tables, the demo plant's generator and the loader of a plant folder.

Lives here: ``telemetry`` (Parquet / CSV / NetCDF -> ``xarray.Dataset``), ``quality``
(gaps, spikes, stuck sensors, unit mismatches), ``tables`` (orders, events, demand,
drivers validated against the spec), ``plant`` (:func:`load_plant`), ``demo`` (the demo
plant's generator).

May import: :mod:`twinbench.units`, :mod:`twinbench.spec` and :mod:`twinbench.twin` (the
demo generator draws wear and failures from the twin's physics); never the planning
models, scenarios, the language model or the dashboards.
"""
