"""The live twin: the plant's telemetry streamed over OPC UA keeps the twin current.

Lives here: ``playback`` (the demo plant in accelerated time: its recorded telemetry, then a
continuation from the twin's physics with failures and maintenance), ``server`` (the
asyncua server playing it, one object per machine under ``Objects/Machines``),
``security`` (certificates, users, the read-only permission rules), ``client`` (subscribe,
catch up from the server's history, reconnect with backoff, dedupe, late samples),
``historian`` (every sample stored exactly once in DuckDB, read back like the telemetry
files), ``online_quality`` (the batch data-quality checks of :mod:`twinbench.data.quality`
applied as samples arrive), ``state_filter`` (each machine's wear now by a particle filter
over the calibrated twin's posterior; failure risk from :mod:`twinbench.twin.rul`),
``alerts`` (drift, anomaly, risk over a threshold, stale machine), ``livetwin`` (the
processing chain a sample goes through), ``proposals`` (a breakdown opens a replanning
proposal that waits for approval), ``commands`` (bodies of the CLI commands).

Layer: above :mod:`twinbench.twin`, :mod:`twinbench.data` and :mod:`twinbench.optimize`,
below :mod:`twinbench.llm`. May import :mod:`twinbench.units`, :mod:`twinbench.spec`,
:mod:`twinbench.twin`, :mod:`twinbench.data` and :mod:`twinbench.optimize`; nothing is
written back to the plant.
"""
