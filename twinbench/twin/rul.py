"""Remaining useful life and failure probability from the calibrated twin.

For every posterior draw, the wear of each machine is carried forward from its current
level (``wear_now``) over the planning horizon, hour by hour, at the physics rate for the
machine's recent running load and temperature, only in hours the shift calendar runs the
line. Planned maintenance stops a machine for its type's duration and cuts its wear by
the restore fraction the twin estimated from past events (:mod:`twinbench.twin.restore`).
The hazard ``h0 * exp(beta * wear)`` accumulates into the probability of a failure
by each hour; a failure time per draw gives the remaining useful life (RUL). Uncertainty
in the physics (posterior) and in the failure time (hazard) are both carried.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.calibrate import CalibratedTwin
from twinbench.twin.physics import GAS_CONSTANT
from twinbench.twin.validity import convergence_attrs
from twinbench.twin.wear import rate_draws

__all__ = ["forecast_failures"]


def forecast_failures(twin: CalibratedTwin, horizon: float = 28 * 24, start=None,
                      quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
                      load: dict[str, float] | None = None, seed: int = 0,
                      max_draws: int = 400, maintenance: dict | None = None) -> xr.Dataset:
    """Failure probability over time and RUL per machine (posterior predictive).

    Parameters
    ----------
    twin
        Calibrated twin.
    horizon
        Planning horizon [h].
    start
        First hour of the horizon; default the hour after the history.
    quantiles
        Quantiles to report.
    load
        Planned running load per machine [1]; default the recent running load.
    seed
        Seed of the failure-time draws.
    max_draws
        Posterior draws used (thinned evenly).
    maintenance
        Planned preventive maintenance, machine -> start (wall clock, inside the
        horizon): the machine stands for its type's ``maintenance_duration`` [h], and its
        wear is multiplied by ``1 - r`` with ``r`` drawn per posterior draw from the
        twin's estimates of past maintenance (:func:`twinbench.twin.restore.restore_draws`;
        ``attrs['maintenance_effect']`` says which events they came from).

    Returns
    -------
    xarray.Dataset
        ``failure_probability`` (machine, time) [1]: P(failure by the end of that hour);
        ``failure_probability_interval`` (machine, time, quantile) [1] across the posterior;
        ``wear`` (machine, time, quantile) [1]; ``rul`` (machine, draw) [h] calendar hours
        to failure, ``inf`` beyond the horizon; ``rul_quantile`` (machine, quantile) [h];
        ``running`` (time) [1]. ``attrs`` carry the twin's convergence flag
        (:func:`twinbench.twin.validity.convergence_attrs`).
    """
    d, spec = twin.data, twin.spec
    unknown = sorted(set(load or {}) - set(d.machines))
    if unknown:
        raise ValueError(f"load names unknown machines {unknown!r}; allowed: {d.machines!r}")
    start = pd.Timestamp(start) if start is not None else d.hours[-1] + pd.Timedelta(hours=1)
    n = int(np.ceil(horizon))
    times = pd.date_range(start, periods=n, freq="h")
    running = np.array(spec.calendar.working_mask(times), dtype=float)

    draws = rate_draws(twin, max_draws=max_draws)
    log_rate, n_exp = draws["log_wear_rate"], draws["load_exponent"]
    e_act, log_h0 = draws["activation_energy"], draws["log_hazard_base"]
    beta, wear0 = draws["hazard_wear"], draws["wear_now"]  # (machine, sample)
    n_draws = log_rate.shape[1]

    mts = [spec.physics_of(m) for m in d.machines]
    plan_load = np.array([(load or {}).get(m, d.recent_load[i])
                          for i, m in enumerate(d.machines)])
    log_l = np.log(np.clip(plan_load, 1e-3, None) / np.array([mt.load_ref for mt in mts]))
    inv_t = 1 / (np.array([mt.temp_ref for mt in mts]) + 273.15) - 1 / (d.recent_temp
                                                                         + 273.15)
    rate = np.exp(log_rate + n_exp * log_l[:, None] + e_act / GAS_CONSTANT * inv_t[:, None])
    run_m = np.repeat(running[None], len(d.machines), axis=0)  # (machine, time)
    cuts = _maintenance_cuts(twin, maintenance or {}, times, run_m, n_draws, seed)
    # wear after each hour: (machine, sample, time)
    cum = np.cumsum(run_m, axis=-1)
    wear = wear0[..., None] + rate[..., None] * cum[:, None, :]
    for i, t_m, r, _ in cuts:
        before = wear[i, :, t_m - 1] if t_m > 0 else wear0[i]
        gained = cum[i, t_m:] - (cum[i, t_m - 1] if t_m > 0 else 0.0)
        wear[i, :, t_m:] = (before * (1 - r))[:, None] + rate[i][:, None] * gained[None]
    hazard = np.exp(log_h0[..., None] + beta[..., None] * wear) * run_m[:, None, :]
    cum_h = np.cumsum(hazard, axis=-1)
    prob = -np.expm1(-cum_h)
    rng = np.random.default_rng(seed)
    target = -np.log(rng.random(cum_h.shape[:2]))
    idx = (cum_h < target[..., None]).sum(-1)  # hours before the failure hour
    rul = np.where(idx < n, idx + 1.0, np.inf)

    q = np.asarray(quantiles)
    machine, time_c = d.machines, times
    ds = xr.Dataset(
        {
            "failure_probability": (("machine", "time"), prob.mean(1)),
            "failure_probability_interval": (("machine", "time", "quantile"),
                                             np.moveaxis(np.quantile(prob, q, axis=1), 0, -1)),
            "wear": (("machine", "time", "quantile"),
                     np.moveaxis(np.quantile(wear, q, axis=1), 0, -1)),
            "rul": (("machine", "draw"), rul),
            "rul_quantile": (("machine", "quantile"),
                             np.quantile(rul, q, axis=1, method="inverted_cdf").T),
            "running": (("time",), running),
        },
        coords={"machine": machine, "time": time_c, "quantile": q,
                "draw": np.arange(rul.shape[1])},
    )
    units = {"failure_probability": "1", "failure_probability_interval": "1", "wear": "1",
             "rul": "h", "rul_quantile": "h", "running": "1"}
    for name, unit in units.items():
        ds[name].attrs["units"] = unit
    ds["rul"].attrs["long_name"] = "calendar hours to failure (inf: beyond the horizon)"
    ds.attrs.update({"horizon_h": n, "seed": seed, "draws": n_draws, **convergence_attrs(twin)})
    if cuts:
        ds.attrs["maintenance_effect"] = "; ".join(
            f"{d.machines[i]} at {times[t]}: restore {r.mean():.2f} on average "
            f"(from {src})" for i, t, r, src in cuts)
    return ds


def _maintenance_cuts(twin: CalibratedTwin, maintenance: dict, times: pd.DatetimeIndex,
                      run_m: np.ndarray, n_draws: int, seed: int
                      ) -> list[tuple[int, int, np.ndarray, str]]:
    """Stop each maintained machine in ``run_m`` (in place); its index, hour, restore
    draws and their source in words."""
    from twinbench.twin.restore import restore_draws

    d = twin.data
    rng = np.random.default_rng([seed, 1])
    cuts = []
    for m, at in maintenance.items():
        if m not in d.machines:
            raise ValueError(f"maintenance names unknown machine {m!r}; allowed: "
                             f"{d.machines!r}")
        t_m = int(np.ceil((pd.Timestamp(at) - times[0]) / pd.Timedelta(hours=1)))
        if not 0 <= t_m < len(times):
            raise ValueError(f"maintenance of {m} at {at} is outside the horizon "
                             f"{times[0]} .. {times[-1]}; plan it inside or drop it")
        i = d.machines.index(m)
        dur = int(np.ceil(twin.spec.physics_of(m).maintenance_duration))
        run_m[i, t_m:t_m + dur] = 0.0
        r, src = restore_draws(twin, m, "maintenance", n_draws, rng)
        cuts.append((i, t_m, r, src))
    return cuts
