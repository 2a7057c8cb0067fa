"""The digital twin of the line: physics, calibration, forecasts, monitoring, simulation.

Lives here: ``physics`` and ``wear`` (wear rate and failure hazard), ``calibrate`` (the
hierarchical PyMC model), ``rul`` (failure risk and time to failure), ``greybox`` (wear
forecast: physics mean + ARMA residual), ``monitor`` (anomaly and drift alerts),
``demand`` (demand forecasting with statsmodels), the line simulation
(``simulation``, its inputs, its numba engine and ``sim_bottleneck``), and the evidence
that the twin can be trusted: ``validity`` (convergence rules and the flag results
carry), ``sbc`` (simulation-based calibration, the recovery check), ``scoring`` and
``baselines`` (failure and RUL forecasts scored on held-out history against a constant
hazard and a Weibull per type).

May import: :mod:`twinbench.units` and :mod:`twinbench.spec` only, so that the data
layer, the planning models and the scenarios can all build on it.
"""
