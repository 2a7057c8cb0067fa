"""The calibrated wear physics applied to telemetry: hourly rates, daily means, event days.

Shared by monitoring (:mod:`twinbench.twin.monitor`), the grey-box forecast
(:mod:`twinbench.twin.greybox`) and the failure forecast (:mod:`twinbench.twin.rul`).
A machine's wear rate while running is (:func:`twinbench.twin.physics.wear_rate`)::

    r = exp(log_wear_rate[m] + n[type] * log(L / L_ref) + Ea[type] / R * (1/T_ref - 1/T))

with ``log_wear_rate`` the machine's log-rate at reference load and temperature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.calibrate import RUN_THRESHOLD, CalibratedTwin, fill_gaps
from twinbench.twin.physics import GAS_CONSTANT

__all__ = ["acceleration_terms", "daily_mean", "event_days", "hourly_rate", "rate_draws"]


def rate_draws(twin: CalibratedTwin, max_draws: int | None = None) -> dict[str, np.ndarray]:
    """Posterior draws of each machine's rate parameters, shaped (machine, sample).

    Keys: ``log_wear_rate`` [log 1/h], ``load_exponent`` [1], ``activation_energy``
    [kJ/mol], ``log_hazard_base`` [log 1/h], ``hazard_wear`` [1], ``wear_now`` [1].
    ``max_draws`` thins the posterior evenly.
    """
    post = twin.posterior.stack(sample=("chain", "draw"))
    n_s = post.sizes["sample"]
    if max_draws is not None and max_draws < n_s:
        post = post.isel(sample=np.linspace(0, n_s - 1, max_draws).astype(int))
    k = twin.data.types
    out = {"log_wear_rate": post["log_wear_rate"].values,
           "wear_now": post["wear_now"].values}
    for name in ("load_exponent", "activation_energy", "log_hazard_base", "hazard_wear"):
        out[name] = post[name].values[k]
    return out


def acceleration_terms(twin: CalibratedTwin, telemetry: xr.Dataset
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log(L/L_ref)``, ``1/T_ref - 1/T`` [1/K] and running (0/1) per (machine, hour).

    Machines in ``twin.data.machines`` order; missing load or temperature is interpolated
    along time (edges: nearest), as in calibration.
    """
    spec = twin.spec
    ds = telemetry.sel(machine=twin.data.machines)
    load = fill_gaps(ds["load"].values.astype(float))
    temp = fill_gaps(ds["temperature"].values.astype(float))
    mts = [spec.physics_of(m) for m in twin.data.machines]
    load_ref = np.array([mt.load_ref for mt in mts])[:, None]
    t_ref = np.array([mt.temp_ref for mt in mts])[:, None] + 273.15
    running = (load > RUN_THRESHOLD).astype(float)
    log_load = np.where(running > 0, np.log(np.clip(load, 1e-3, None) / load_ref), 0.0)
    inv_temp = 1.0 / t_ref - 1.0 / (temp + 273.15)
    return log_load, inv_temp, running


def hourly_rate(twin: CalibratedTwin, telemetry: xr.Dataset) -> xr.DataArray:
    """Wear rate [1/h] per (machine, hour) at the measured conditions, 0 when idle.

    Uses the posterior mean of each parameter (the physics part of the grey-box model).
    """
    draws = rate_draws(twin)
    log_load, inv_temp, running = acceleration_terms(twin, telemetry)
    log_r = draws["log_wear_rate"].mean(1)[:, None]
    n = draws["load_exponent"].mean(1)[:, None]
    e = draws["activation_energy"].mean(1)[:, None]
    rate = np.exp(log_r + n * log_load + e / GAS_CONSTANT * inv_temp) * running
    return xr.DataArray(rate, dims=("machine", "time"),
                        coords={"machine": twin.data.machines,
                                "time": telemetry["time"].values},
                        attrs={"units": "1/h", "long_name": "modelled wear rate"})


def daily_mean(da: xr.DataArray, min_hours: int = 18) -> xr.DataArray:
    """Daily mean of an hourly (machine, time) array; NaN for days with < ``min_hours``."""
    grouped = da.resample(time="1D")
    mean = grouped.mean()
    count = grouped.count()
    out = mean.where(count >= min_hours).rename(time="day")
    out.attrs = dict(da.attrs)
    return out


def event_days(events: pd.DataFrame, machines: list[str], days: pd.DatetimeIndex
               ) -> xr.DataArray:
    """True on each (machine, day) that holds the start of a failure or maintenance."""
    flags = np.zeros((len(machines), len(days)), dtype=bool)
    day_index = {d: i for i, d in enumerate(days)}
    for row in events.itertuples():
        if row.machine in machines:
            i = day_index.get(pd.Timestamp(row.start).normalize())
            if i is not None:
                flags[machines.index(row.machine), i] = True
    return xr.DataArray(flags, dims=("machine", "day"),
                        coords={"machine": machines, "day": days})
