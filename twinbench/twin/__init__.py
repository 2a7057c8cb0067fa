"""The digital twin of the line: physics, calibration, forecasts, monitoring, simulation.

Lives here: ``physics`` and ``wear`` (wear rate and failure hazard), ``calibrate`` (the
hierarchical PyMC model), ``rul`` (failure risk and time to failure), ``greybox`` (wear
forecast: physics mean + ARMA residual), ``monitor`` (anomaly and drift alerts),
``demand`` (demand forecasting with statsmodels), and the line simulation
(``simulation``, its inputs and its numba engine).

May import: :mod:`twinbench.units` and :mod:`twinbench.spec` only, so that the data
layer, the planning models and the scenarios can all build on it.
"""
