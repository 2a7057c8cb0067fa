"""Each machine's wear now: a particle filter over the calibrated twin's posterior.

For every machine, ``n_particles`` particles each carry one posterior draw of the
machine's wear physics (rate at reference conditions, load exponent, activation energy,
hazard; :func:`twinbench.twin.wear.rate_draws`) and a wear level. Each plant hour:

* **predict**: a running machine's particles gain wear at their draw's rate for the
  measured load and temperature (:mod:`twinbench.twin.wear`'s rate law) plus a small
  random walk (``process_sd``, which also keeps the particles from collapsing); a machine
  entering maintenance or repair has its wear reduced by the spec's restore fraction
  (with a spread of ``reset_sd``);
* **update**: the wear indicator reading weighs the particles by a Gaussian likelihood
  with an outlier floor (``outlier`` share of a wide uniform), so a spike cannot carry the
  estimate away; the reading's noise is the robust spread of the machine's hour-to-hour
  changes while idle (no wear gained then);
* **resample** (systematic) when the effective sample size drops below half.

The wear estimate is the weighted mean with a central interval. Failure risk is the
computation of :func:`twinbench.twin.rul.forecast_failures` with each particle's wear-rate
draw and its filtered wear as ``wear_now`` (so the risk carries both the physics' and the
state's uncertainty), from the current plant hour on, done on the particles directly
(:meth:`WearFilter.risk`; :meth:`WearFilter.risk_forecast` goes through the forecast).

The hazard parameters (``log_hazard_base``, ``hazard_wear``) are *not* taken from the
particles' draws. The wear readings carry no information about them, yet resampling on
those readings makes the particles descend from fewer and fewer posterior draws (path
degeneracy), so after weeks a machine's risk would rest on a handful of hazard draws and
jump whenever the surviving set changes (seen: a run-to-failure machine's 7-day risk
moving 0.09 -> 0.10 -> 0.09 while its wear rose 0.46 -> 0.53). Each resampled particle is
paired instead with one of a fixed set of hazard draws per machine (``n_risk``, drawn once
from the whole posterior with the filter's seed), so the risk integrates over the hazard
posterior and successive refreshes are paired (common random numbers). This takes the
hazard and wear parameters as independent given the calibration data; in the demo
posterior their correlations are within +-0.15 (hazard vs rate, load exponent,
activation energy and wear now, per machine).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.calibrate import RUN_THRESHOLD, CalibratedTwin
from twinbench.twin.physics import GAS_CONSTANT
from twinbench.twin.wear import rate_draws

__all__ = ["WearFilter"]


class WearFilter:
    """Particle filter of every machine's wear (see the module docstring).

    Parameters
    ----------
    twin
        The calibrated twin.
    n_particles
        Particles per machine [1].
    seed
        Seed of every draw of the filter.
    init
        ``"posterior"``: start from the posterior's ``wear_now`` (the playback continues
        the calibration history); ``"reading"``: start at each machine's first reading
        +- ``init_sd``.
    process_sd
        Random-walk standard deviation of wear per hour [1].
    reset_sd
        Spread of the wear removed by maintenance or repair [1].
    outlier
        Share of readings taken as possibly wild [1].
    """

    def __init__(self, twin: CalibratedTwin, n_particles: int = 400, seed: int = 0,
                 init: str = "reading", process_sd: float = 0.002, reset_sd: float = 0.03,
                 init_sd: float = 0.05, outlier: float = 0.02, n_risk: int = 1000) -> None:
        if init not in ("posterior", "reading"):
            raise ValueError(f"init must be 'posterior' or 'reading'; found {init!r}")
        self.twin = twin
        self.machines = list(twin.data.machines)
        self.rng = np.random.default_rng(seed)
        self.draws = rate_draws(twin)
        n_s = self.draws["log_wear_rate"].shape[1]
        m, p = len(self.machines), n_particles
        self.n = p
        self.idx = self.rng.integers(0, n_s, (m, p))  # posterior draw of each particle
        # hazard draws of the risk (module docstring): fixed, from their own stream
        self.n_risk = n_risk
        self.hazard_idx = np.random.default_rng([seed, 1]).integers(0, n_s, (m, n_risk))
        self.wear = np.take_along_axis(self.draws["wear_now"], self.idx, 1).astype(float)
        self.ready = np.full(m, init == "posterior")
        self.logw = np.zeros((m, p))
        self.process_sd, self.reset_sd, self.init_sd = process_sd, reset_sd, init_sd
        self.outlier = outlier
        spec = twin.spec
        mts = [spec.physics_of(x) for x in self.machines]
        self.load_ref = np.array([mt.load_ref for mt in mts])
        self.t_ref = np.array([mt.temp_ref for mt in mts]) + 273.15
        self.restore = {"maintenance": np.array([mt.maintenance_restore for mt in mts]),
                        "failure": np.array([mt.repair_restore for mt in mts])}
        self._prev_state = [""] * m
        self._idle_diffs: list[list[float]] = [[] for _ in range(m)]
        self._last_obs = np.full(m, np.nan)
        self._last_running = np.zeros(m, dtype=bool)
        self.recent_load = np.array(twin.data.recent_load, dtype=float)
        self.recent_temp = np.array(twin.data.recent_temp, dtype=float)
        self.time = pd.Series(pd.NaT, index=self.machines)

    def index(self, machine: str) -> int:
        """Position of ``machine``; a clear error when the twin does not know it."""
        try:
            return self.machines.index(machine)
        except ValueError:
            raise KeyError(f"machine {machine!r} is not in the twin; it knows "
                           f"{self.machines!r}") from None

    def noise(self, i: int) -> float:
        """Reading noise of machine ``i`` [1]: robust spread of idle hour-to-hour changes."""
        d = np.asarray(self._idle_diffs[i][-500:])
        if len(d) < 24:
            return 0.02
        return max(1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2), 1e-3)

    def update(self, machine: str, time: pd.Timestamp, load: float, temperature: float,
               wear: float, state: str, alarm: str) -> None:
        """Advance machine ``machine`` by one plant hour and weigh by its wear reading."""
        i = self.index(machine)
        running = state == "Executing" and np.isfinite(load) and load > RUN_THRESHOLD
        if np.isfinite(wear) and np.isfinite(self._last_obs[i]) and not running \
                and not self._last_running[i] and state != "OutOfService":
            self._idle_diffs[i].append(wear - self._last_obs[i])
        if np.isfinite(wear):
            self._last_obs[i] = wear
        self._last_running[i] = running
        self.time[machine] = time
        if not self.ready[i]:
            if not np.isfinite(wear):
                return
            self.wear[i] = wear + self.rng.normal(0, self.init_sd, self.n)
            self.ready[i] = True
            return
        w = self.wear[i]
        if state == "OutOfService" and self._prev_state[i] != "OutOfService" \
                and alarm in self.restore:
            w *= 1 - self.restore[alarm][i]
            w += self.rng.normal(0, self.reset_sd, self.n)
        self._prev_state[i] = state
        if running:
            temp = float(np.clip(temperature, -20.0, 150.0)) if np.isfinite(temperature) \
                else self.recent_temp[i]
            k = self.idx[i]
            log_l = np.log(max(load, 1e-3) / self.load_ref[i])
            inv_t = 1.0 / self.t_ref[i] - 1.0 / (temp + 273.15)
            rate = np.exp(self.draws["log_wear_rate"][i, k]
                          + self.draws["load_exponent"][i, k] * log_l
                          + self.draws["activation_energy"][i, k] / GAS_CONSTANT * inv_t)
            w += rate
            a = 1 / (24 * 28)
            self.recent_load[i] += a * (load - self.recent_load[i])
            self.recent_temp[i] += a * (temp - self.recent_temp[i])
        w += self.rng.normal(0, self.process_sd, self.n)
        if np.isfinite(wear):
            sd = self.noise(i)
            like = (1 - self.outlier) * np.exp(-0.5 * ((wear - w) / sd) ** 2) / (
                sd * np.sqrt(2 * np.pi)) + self.outlier / 2.2
            self.logw[i] += np.log(like)
            self.logw[i] -= self.logw[i].max()
            wt = np.exp(self.logw[i])
            wt /= wt.sum()
            if 1.0 / np.sum(wt ** 2) < self.n / 2:
                pos = (self.rng.random() + np.arange(self.n)) / self.n
                pick = np.minimum(np.searchsorted(np.cumsum(wt), pos), self.n - 1)
                self.wear[i] = w[pick]
                self.idx[i] = self.idx[i][pick]
                self.logw[i] = 0.0
                return
        self.wear[i] = w

    def weights(self, i: int) -> np.ndarray:
        """Normalised particle weights of machine ``i``."""
        wt = np.exp(self.logw[i] - self.logw[i].max())
        return wt / wt.sum()

    def estimate(self, prob: float = 0.9) -> pd.DataFrame:
        """Wear now per machine: ``mean``, ``lower``, ``upper`` (central ``prob``) [1]."""
        rows = []
        for i, m in enumerate(self.machines):
            wt = self.weights(i)
            order = np.argsort(self.wear[i])
            cdf = np.cumsum(wt[order])
            q = [self.wear[i][order][min(np.searchsorted(cdf, p), self.n - 1)]
                 for p in ((1 - prob) / 2, (1 + prob) / 2)]
            rows.append({"machine": m, "time": self.time[m], "mean": float(wt @ self.wear[i]),
                         "lower": float(q[0]), "upper": float(q[1]),
                         "ready": bool(self.ready[i])})
        return pd.DataFrame(rows)

    def risk(self, machine: str, horizon: float = 7 * 24, pick: np.ndarray | None = None
             ) -> dict[str, float]:
        """P(failure within ``horizon`` [h]) of ``machine`` from its filtered state.

        The computation of :func:`twinbench.twin.rul.forecast_failures` for one machine
        (wear carried forward at each draw's rate for the recent load and temperature in
        the calendar's running hours, hazard ``h0 * exp(beta * wear)`` accumulated), done
        directly on the filter's particles: each particle's posterior draw and filtered
        wear (``pick``: the particles, default a systematic resample of 200). A few
        milliseconds instead of the forecast's ~0.5 s (which builds the whole line's
        Dataset), so the risk can refresh at the stream's rate; :meth:`risk_forecast` is
        the same through :func:`~twinbench.twin.rul.forecast_failures` (equal figures).
        Particle ``j`` of ``pick`` is paired with hazard draw ``j`` of the machine's fixed
        set (module docstring).

        Returns ``probability`` (mean over particles) and ``lower``/``upper`` (5% and 95%
        across particles) [1].
        """
        i = self.index(machine)
        pick = self._resampled(i) if pick is None else pick
        k, kh = self.idx[i][pick], self._hazard(i, len(pick))
        n = int(np.ceil(horizon))
        running = self._running(self._start(machine), n)
        d = self.draws
        log_l = np.log(max(float(self.recent_load[i]), 1e-3) / self.load_ref[i])
        inv_t = 1 / self.t_ref[i] - 1 / (self.recent_temp[i] + 273.15)
        rate = np.exp(d["log_wear_rate"][i, k] + d["load_exponent"][i, k] * log_l
                      + d["activation_energy"][i, k] / GAS_CONSTANT * inv_t)
        wear = self.wear[i][pick][:, None] + rate[:, None] * np.cumsum(running)[None, :]
        hazard = np.exp(d["log_hazard_base"][i, kh][:, None]
                        + d["hazard_wear"][i, kh][:, None] * wear) * running[None, :]
        prob = -np.expm1(-hazard.sum(-1))
        return {"probability": float(prob.mean()), "lower": float(np.quantile(prob, 0.05)),
                "upper": float(np.quantile(prob, 0.95))}

    def _start(self, machine: str) -> pd.Timestamp:
        start = self.time[machine]
        return (pd.Timestamp(start) if pd.notna(start) else self.twin.data.hours[-1]
                ) + pd.Timedelta(hours=1)

    def _running(self, start: pd.Timestamp, n: int) -> np.ndarray:
        """The calendar's running hours from ``start`` (cached: one call per plant hour)."""
        cache = self.__dict__.setdefault("_running_cache", {})
        key = (start, n)
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            times = pd.date_range(start, periods=n, freq="h")
            cache[key] = np.asarray(self.twin.spec.calendar.working_mask(times), dtype=float)
        return cache[key]

    def risk_forecast(self, machine: str, horizon: float = 7 * 24, seed: int = 0,
                      pick: np.ndarray | None = None) -> dict[str, float]:
        """:meth:`risk` through :func:`twinbench.twin.rul.forecast_failures` on the twin
        with each particle's posterior draw and its filtered wear as ``wear_now``."""
        from twinbench.twin.rul import forecast_failures

        i = self.index(machine)
        pick = self._resampled(i) if pick is None else pick
        post = self._posterior(i, pick)
        data = dataclasses.replace(self.twin.data, recent_load=self.recent_load.copy(),
                                   recent_temp=self.recent_temp.copy())
        twin = dataclasses.replace(self.twin, posterior=post, data=data)
        ds = forecast_failures(twin, horizon=horizon, start=self._start(machine), seed=seed,
                               max_draws=len(pick))
        end = ds.isel(time=-1).sel(machine=machine)
        iv = end["failure_probability_interval"]
        return {"probability": float(end["failure_probability"]),
                "lower": float(iv.isel(quantile=0)), "upper": float(iv.isel(quantile=-1))}

    def _hazard(self, i: int, n: int) -> np.ndarray:
        """The first ``n`` of machine ``i``'s fixed hazard draws (cycled if n > n_risk)."""
        return self.hazard_idx[i][np.arange(n) % self.n_risk]

    def _resampled(self, i: int, n: int | None = None) -> np.ndarray:
        """``n`` particles (default ``n_risk``) of machine ``i`` resampled by weight."""
        n = self.n_risk if n is None else n
        wt = self.weights(i)
        pos = (self.rng.random() + np.arange(n)) / n
        return np.minimum(np.searchsorted(np.cumsum(wt), pos), self.n - 1)

    def _posterior(self, i: int, pick: np.ndarray) -> xr.Dataset:
        """The posterior at particles ``pick`` of machine ``i`` with their wear as wear_now
        and the hazard variables at the paired hazard draws (:meth:`risk`)."""
        names = ["log_wear_rate", "wear_now", "load_exponent", "activation_energy",
                 "log_hazard_base", "hazard_wear"]
        keep = [v for v in self.twin.posterior.data_vars
                if "segment" not in self.twin.posterior[v].dims] or names
        flat = self.twin.posterior[keep].stack(sample=("chain", "draw"))
        flat = flat.drop_vars(["sample", "chain", "draw"])
        sub = flat.isel(sample=self.idx[i][pick]).rename(sample="draw").expand_dims(
            chain=1).transpose("chain", "draw", ...)
        wn = sub["wear_now"].values.copy()
        wn[0, :, i] = self.wear[i][pick]
        sub["wear_now"] = (sub["wear_now"].dims, wn)
        hz = flat.isel(sample=self._hazard(i, len(pick))).rename(sample="draw")
        for v in (v for v in keep if "hazard" in v):  # the risk's own hazard draws
            sub[v] = hz[v].expand_dims(chain=1).transpose(*sub[v].dims)
        return sub
