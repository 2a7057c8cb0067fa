"""Bayesian calibration of the twin's wear and failure physics with PyMC.

Two likelihoods share one model:

* **Wear.** The measured wear indicator is the true wear plus noise. True wear starts each
  segment (between maintenance/repair events) at an unknown level and grows, hour by hour
  while the machine runs, at the rate of :func:`twinbench.twin.physics.wear_rate`. Daily
  means of the readings are compared with daily means of the modelled path. The reference
  rate is hierarchical: a machine's log-rate is its type's log-rate plus a machine effect
  with a shared spread; load exponent and activation energy are per type.
* **Failures.** A proportional-hazards model with the *latent* wear of the first
  likelihood as covariate (a joint wear-failure model), ``h = h0 * exp(beta * wear)``
  while running; ``log h0`` and ``beta`` per type are drawn from line-wide distributions
  (partial pooling: types with few failures borrow strength). The hazard is summed over
  each day's running hours and each failure counts at the wear the model estimates just
  before it (:mod:`twinbench.twin.exposure`). A slope fitted to the *measured* wear
  (sensor noise and drift) is biased towards zero (regression dilution); on the latent
  wear it is not, and a failure with no reading near it is still used.
* **Maintenance effects.** Each segment's level is free, so the wear just before and
  just after each maintenance or repair is estimated; ``event_restore`` is the share of
  wear each event removed; :func:`twinbench.twin.restore.restore_summary` summarises it
  per type, and failure forecasts with planned maintenance draw from it.

Priors (:data:`PRIORS`) are weakly informative, derived from the physics and the wear
scale (see there), and use neither the spec's physics values nor the demo's truth, so that
recovery of a plant's true parameters is a real test.
"""

from __future__ import annotations

import itertools
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.spec import LineSpec
from twinbench.twin.exposure import HazardDesign, hazard_design, running_order
from twinbench.twin.intake import IntakeReport, IntakeWarning, to_twin_grid
from twinbench.twin.physics import GAS_CONSTANT
from twinbench.twin.validity import UnconvergedTwinWarning, convergence_problems

__all__ = ["SAMPLERS", "CalibratedTwin", "CalibrationData", "calibrate", "fill_gaps", "prepare"]

RUN_THRESHOLD = 0.1  # load above which a machine counts as running [1]
HAZARD_CENTRE = 0.3  # wear at which the hazard's level parameter is defined [1]
#: Priors (mean, sd) derived from the physics and the 0-1 wear scale, not from any plant:
#: a machine reaches its wear limit (1) in about 5,000 running hours, within a factor of
#: about 10 (log-rate sd 1.2); inverse-power-law load exponents of 1-3 and Arrhenius
#: activation energies of 0.3-1 eV (29-96 kJ/mol) are the usual ranges of accelerated-life
#: testing (Nelson 1990, ch. 2); a machine at wear 0.3 fails about once per 5,000 running
#: hours (log sd 2: a factor of 50 either way); the hazard at the wear limit is about 10x
#: that of a new machine (slope log 10 = 2.3, sd 2); a segment's wear lies mid-scale.
PRIORS: dict[str, tuple[float, float]] = {
    "log_wear_rate_typical": (float(np.log(1 / 5000)), 1.2),
    "load_exponent": (2.0, 1.5),
    "activation_energy": (50.0, 30.0),
    "segment_anchor_wear": (0.5, 0.5),
    "log_hazard_mid_mean": (float(np.log(1 / 5000)), 2.0),
    "hazard_wear_mean": (float(np.log(10.0)), 2.0),
}
#: NUTS implementations: nutpie (Rust, numba-compiled model; the default, see
#: benchmarks/bench_calibrate.py) and PyMC's own
SAMPLERS = ("nutpie", "pymc")


@dataclass
class CalibrationData:
    """Arrays the calibration model reads, prepared from telemetry and events.

    Attributes
    ----------
    machines, types
        Machine names and the type index of each machine.
    log_load, inv_temp
        ``log(load/load_ref)`` and ``1/T_ref - 1/T`` [1/K] per (machine, hour).
    running
        1 where the machine runs, else 0, per (machine, hour).
    segment_machine, segment_anchor
        Machine of each segment (time between two events) and its anchor day (a middle
        day: the model's level parameter is the wear at the start of that day, which
        decorrelates level and rate).
    obs_machine, obs_day, obs_segment, obs_wear
        Machine, day and segment of each day used, and its observed mean wear [1].
    log_load_centre, inv_temp_centre
        Per type, the mean of ``log_load`` and ``inv_temp`` over running hours; the model
        centres its covariates there so that rate and exponents are not correlated.
    fail_type, fail_wear
        Type index and last reading of wear in the 6 h before each failure the likelihood
        counts (NaN when there is none: the model's latent wear is used all the same).
    hazard
        Pieces of running hours, the failures counted in each, and the events between
        segments (:class:`twinbench.twin.exposure.HazardDesign`).
    intake
        What was done to the telemetry to bring it onto the grid (resampling, partial
        days, wear scale) and what was left out: ``intake.unused_failures`` lists the
        failures the likelihood cannot place (outside the history, or with no running
        hour since the event before), ``intake.failures_without_reading`` those counted at
        the latent wear with no reading near them, ``intake.types_without_running`` the
        machine types with no running hour.
    """

    machines: list[str]
    type_names: list[str]
    types: np.ndarray
    hours: pd.DatetimeIndex
    log_load: np.ndarray
    inv_temp: np.ndarray
    running: np.ndarray
    segment_machine: np.ndarray
    segment_anchor: np.ndarray
    n_segments: int
    last_segment: np.ndarray
    obs_machine: np.ndarray
    obs_day: np.ndarray
    obs_segment: np.ndarray
    obs_wear: np.ndarray
    fail_type: np.ndarray
    fail_wear: np.ndarray
    hazard: HazardDesign
    log_load_centre: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inv_temp_centre: np.ndarray = field(default_factory=lambda: np.zeros(0))
    recent_load: np.ndarray = field(default_factory=lambda: np.zeros(0))
    recent_temp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intake: IntakeReport = field(default_factory=IntakeReport)


def fill_gaps(a: np.ndarray) -> np.ndarray:
    """Fill NaNs along the last axis by linear interpolation (edges: nearest)."""
    out = a.copy()
    for row in out:
        bad = np.isnan(row)
        if bad.all():
            row[:] = 0.0
        elif bad.any():
            idx = np.arange(len(row))
            row[bad] = np.interp(idx[bad], idx[~bad], row[~bad])
    return out


def prepare(spec: LineSpec, telemetry: xr.Dataset, events: pd.DataFrame,
            recent_days: int = 28) -> CalibrationData:
    """Build :class:`CalibrationData` from (quality-masked) telemetry and events.

    Hours with missing load or temperature are interpolated for the wear path and their
    days are left out of the likelihood; days containing an event are left out too. The
    telemetry is first brought onto whole days of hourly bins with wear as a share of its
    type's limit (:func:`twinbench.twin.intake.to_twin_grid`: bad data refused with the
    fix, repairs reported in ``intake``); failures the likelihood cannot use are listed
    there and warned about (:class:`~twinbench.twin.intake.IntakeWarning`).
    """
    telemetry, intake = to_twin_grid(spec, telemetry)
    ds = telemetry.sel(machine=spec.machines)
    hours = pd.DatetimeIndex(ds["time"].values)
    n_days = len(hours) // 24
    hours = hours[: n_days * 24]
    ds = ds.isel(time=slice(0, n_days * 24))
    machines = spec.machines
    type_names = [t.name for t in spec.machine_types]
    types = np.array([type_names.index(spec.physics_of(m).name) for m in machines])
    load_raw = ds["load"].values.astype(float)
    temp_raw = ds["temperature"].values.astype(float)
    wear_raw = ds["wear"].values.astype(float)
    missing = np.isnan(load_raw) | np.isnan(temp_raw)
    load, temp = fill_gaps(load_raw), fill_gaps(temp_raw)
    running = (load > RUN_THRESHOLD).astype(float)
    mts = [spec.physics_of(m) for m in machines]
    load_ref = np.array([mt.load_ref for mt in mts])[:, None]
    t_ref = np.array([mt.temp_ref for mt in mts])[:, None] + 273.15
    log_load = np.where(running > 0, np.log(np.clip(load, 1e-3, None) / load_ref), 0.0)
    inv_temp = 1.0 / t_ref - 1.0 / (temp + 273.15)

    n_m, n_h = load.shape
    segment = np.zeros((n_m, n_h), dtype=int)
    anchors: list[int] = []
    seg_machine: list[int] = []
    event_day = np.zeros((n_m, n_days), dtype=bool)
    last_segment = np.zeros(n_m, dtype=int)
    fail_type, fail_wear, failures, far = [], [], [], []
    unused: list[tuple[str, pd.Timestamp, str, float]] = []
    ev_rows: list[tuple[int, str, pd.Timestamp, int]] = []
    seg_id = 0
    t0 = hours[0]
    for i, m in enumerate(machines):
        ev = events[events["machine"] == m].sort_values("start")
        kind_at: dict[int, tuple[str, pd.Timestamp]] = {}
        for kind, s in zip(ev["kind"], ev["start"], strict=True):
            if t0 <= s <= hours[-1]:
                kind_at.setdefault(int((s - t0) / pd.Timedelta(hours=1)), (kind, s))
        starts = sorted(kind_at)
        bounds = [0, *[s for s in starts if s > 0], n_h]
        for a, b in itertools.pairwise(bounds):
            segment[i, a:b] = seg_id
            seg_machine.append(i)
            first_full, last_full = -(-a // 24), b // 24 - 1
            anchors.append((first_full + last_full) // 2 if last_full >= first_full
                           else a // 24)
            seg_id += 1
        last_segment[i] = seg_id - 1
        for s in starts:
            event_day[i, s // 24] = True
            if s > 0:
                ev_rows.append((i, *kind_at[s], s))
        for s in ev.loc[ev["kind"] == "failure", "start"]:
            h = int((s - t0) / pd.Timedelta(hours=1))
            if not 0 < h < n_h:
                unused.append((m, s, "outside the history (or in its first hour)", np.nan))
                continue
            failures.append((i, h, m, s))
            before = wear_raw[i, max(0, h - 6):h]
            read_before = before[np.isfinite(before)]
            fail_type.append(types[i])
            fail_wear.append(float(read_before[-1]) if len(read_before) else np.nan)
            if not len(read_before):
                read = np.flatnonzero(np.isfinite(wear_raw[i]))
                far.append((m, s, float(np.abs(read - h).min()) if len(read) else np.inf))
    # daily means of wear on usable days
    wear_days = wear_raw.reshape(n_m, n_days, 24)
    good = (np.isfinite(wear_days).sum(-1) >= 18) & ~missing.reshape(n_m, n_days, 24).any(-1)
    good &= ~event_day
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        daily = np.nanmean(wear_days, axis=-1)
    obs_m, obs_d = np.nonzero(good)
    obs_seg = segment[obs_m, obs_d * 24]
    design, unplaced = hazard_design(
        running, segment, types, [(i, h) for i, h, _, _ in failures],
        pd.DataFrame(ev_rows, columns=["machine", "kind", "time", "hour"]), obs_seg)
    for j in unplaced:
        unused.append((failures[j][2], failures[j][3],
                       "no running hour since the event before", np.nan))
    keep = np.setdiff1d(np.arange(len(failures)), unplaced).astype(int)
    design.events["machine"] = [machines[i] for i in design.events["machine"]]
    n_t = len(type_names)
    run_b = running > 0
    # a type that never ran is centred at its reference conditions (0), not at NaN
    ran = [bool(run_b[types == j].any()) for j in range(n_t)]
    ll_c = np.array([log_load[(types == j)[:, None] & run_b].mean() if ran[j]
                     else 0.0 for j in range(n_t)])
    it_c = np.array([inv_temp[(types == j)[:, None] & run_b].mean() if ran[j]
                     else 0.0 for j in range(n_t)])
    _flag_unused(intake, unused, far, [type_names[j] for j in range(n_t) if not ran[j]])
    recent = slice(n_h - recent_days * 24, n_h)
    rl = np.array([load[i, recent][running[i, recent] > 0].mean()
                   if running[i, recent].any() else 0.7 for i in range(n_m)])
    rt = np.array([temp[i, recent][running[i, recent] > 0].mean()
                   if running[i, recent].any() else 40.0 for i in range(n_m)])
    return CalibrationData(
        machines=machines, type_names=type_names, types=types, hours=hours,
        log_load=log_load, inv_temp=inv_temp, running=running,
        segment_machine=np.array(seg_machine), segment_anchor=np.array(anchors),
        n_segments=seg_id, last_segment=last_segment,
        obs_machine=obs_m, obs_day=obs_d, obs_segment=obs_seg, obs_wear=daily[obs_m, obs_d],
        fail_type=np.array(fail_type, dtype=int)[keep],
        fail_wear=np.array(fail_wear, dtype=float)[keep], hazard=design,
        log_load_centre=ll_c, inv_temp_centre=it_c, recent_load=rl, recent_temp=rt,
        intake=intake,
    )


def _flag_unused(intake: IntakeReport, unused: list, far: list, idle_types: list[str]
                 ) -> None:
    """Record failures the likelihood cannot use or places without a reading, and types
    that never ran; warn once."""
    if unused:
        intake.unused_failures = pd.DataFrame(
            unused, columns=["machine", "time", "reason", "hours_to_reading"])
        listed = "; ".join(f"{m} at {t} ({r}" + (f", nearest reading {g:g} h away)"
                                                  if np.isfinite(g) else ")")
                           for m, t, r, g in unused)
        intake.notes.append(f"{len(unused)} failure(s) not used by the failure "
                            f"likelihood: {listed}")
    if far:
        intake.failures_without_reading = pd.DataFrame(
            far, columns=["machine", "time", "hours_to_reading"])
        listed = "; ".join(f"{m} at {t} (nearest reading {g:g} h away)" for m, t, g in far)
        intake.notes.append(f"{len(far)} failure(s) with no wear reading in the 6 h before: "
                            f"counted at the model's latent wear: {listed}")
    intake.types_without_running = idle_types
    if idle_types:
        intake.notes.append(
            f"machine type(s) {idle_types!r} never ran in the history: their wear rate comes "
            "from the prior (the model has no line-wide wear-rate distribution), their "
            "hazard from the line-wide distribution of the types; forecasts for them are wide")
    if unused or far or idle_types:
        warnings.warn(str(intake), IntakeWarning, stacklevel=3)


def build_model(data: CalibrationData, piece_hazard: bool = False):
    """The PyMC model of :mod:`twinbench.twin.calibrate` (see the module docstring).

    ``piece_hazard`` keeps the log-hazard of every piece of running hours as a
    deterministic ``piece_log_hazard`` (for simulating failures; large in a trace).
    """
    import pymc as pm
    import pytensor.tensor as pt

    n_m, n_h = data.running.shape
    coords = {"machine_type": data.type_names, "machine": data.machines,
              "segment": np.arange(data.n_segments),
              "event": np.arange(len(data.hazard.events))}
    with pm.Model(coords=coords) as model:
        # --- wear ------------------------------------------------------------------
        # rates at each type's typical running conditions (centred covariates)
        log_rate_type = pm.Normal("log_wear_rate_typical", *PRIORS["log_wear_rate_typical"],
                                  dims="machine_type")
        load_exp = pm.TruncatedNormal("load_exponent", *PRIORS["load_exponent"], lower=0.0,
                                      upper=6.0, dims="machine_type")
        act_energy = pm.TruncatedNormal("activation_energy", *PRIORS["activation_energy"],
                                        lower=0.0, upper=150.0, dims="machine_type")
        spread = pm.HalfNormal("machine_spread", 0.3)
        k = data.types
        # centred: each machine's rate is well identified by its own wear history, so the
        # non-centred form would make (spread, z) strongly correlated
        log_rate_typ = pm.Normal("log_machine_rate_typical", log_rate_type[k], spread,
                                 dims="machine")
        shift = load_exp * data.log_load_centre + act_energy / GAS_CONSTANT * data.inv_temp_centre
        log_ref_type = log_rate_type - shift
        log_rate = pm.Deterministic("log_wear_rate", log_rate_typ - shift[k], dims="machine")
        pm.Deterministic("wear_rate_ref", pt.exp(log_ref_type), dims="machine_type")
        pm.Deterministic("machine_wear_rate", pt.exp(log_rate), dims="machine")
        w_mid = pm.Normal("segment_anchor_wear", *PRIORS["segment_anchor_wear"],
                          dims="segment")
        noise = pm.HalfNormal("wear_noise", 0.05)

        # wear increments of running hours only, in (machine, day, hour) order; cumulative
        # sums turn them into the wear gained between any two day starts of a machine
        rm, rd, rpos = running_order(data.running)
        hours_flat = rm * n_h + rd * 24 + rpos
        kk = k[rm]
        ll = data.log_load.ravel()[hours_flat] - data.log_load_centre[kk]
        it = data.inv_temp.ravel()[hours_flat] - data.inv_temp_centre[kk]
        inc = pt.exp(log_rate_typ[rm] + load_exp[kk] * ll
                     + (act_energy[kk] / GAS_CONSTANT) * it)
        n_d = n_h // 24
        # offset[m * n_d + d]: running hours before day d of machine m, in the flat order
        per_day = np.bincount(rm * n_d + rd, minlength=n_m * n_d)
        offset = np.concatenate([[0], np.cumsum(per_day)])
        zero = pt.zeros(1)
        gained = pt.concatenate([zero, pt.cumsum(inc)])
        # the mean over a day of the wear after each hour: each increment counts with the
        # share of the day's hours that follow it
        gained_w = pt.concatenate([zero, pt.cumsum(inc * ((24 - rpos) / 24))])
        seg_m, anchor = data.segment_machine, data.segment_anchor
        s_obs = data.obs_segment
        j_obs = data.obs_machine * n_d + data.obs_day
        j_anchor = seg_m[s_obs] * n_d + anchor[s_obs]
        mean = (w_mid[s_obs] + gained[offset[j_obs]] - gained[offset[j_anchor]]
                + gained_w[offset[j_obs + 1]] - gained_w[offset[j_obs]])
        obs = pm.Data("wear_obs_data", data.obs_wear)
        pm.Normal("wear_obs", mean, noise, observed=obs)
        last = data.last_segment
        j_end = (np.arange(n_m) + 1) * n_d
        wear_now = (w_mid[last] + gained[offset[j_end]]
                    - gained[offset[np.arange(n_m) * n_d + anchor[last]]])
        pm.Deterministic("wear_now", wear_now, dims="machine")

        # --- failures ----------------------------------------------------------------
        # hazard at wear HAZARD_CENTRE, so that level and slope are not correlated
        mu_h = pm.Normal("log_hazard_mid_mean", *PRIORS["log_hazard_mid_mean"])
        sd_h = pm.HalfNormal("log_hazard_mid_sd", 0.5)
        zh = pm.Normal("log_hazard_mid_z", 0.0, 1.0, dims="machine_type")
        log_hc = mu_h + sd_h * zh
        mu_b = pm.Normal("hazard_wear_mean", *PRIORS["hazard_wear_mean"])
        sd_b = pm.HalfNormal("hazard_wear_sd", 0.5)
        zb = pm.Normal("hazard_wear_z", 0.0, 1.0, dims="machine_type")
        beta = pm.Deterministic("hazard_wear", mu_b + sd_b * zb, dims="machine_type")
        log_h0 = pm.Deterministic("log_hazard_base", log_hc - beta * HAZARD_CENTRE,
                                  dims="machine_type")
        pm.Deterministic("hazard_base", pt.exp(log_h0), dims="machine_type")
        # Poisson process on the latent path: each piece (a machine's running hours of a
        # day in one segment) at the wear in its middle (twinbench.twin.exposure)
        hz = data.hazard
        anc_off = offset[seg_m * n_d + anchor]  # flat index of each segment's anchor

        def latent(seg: np.ndarray, gain):
            return w_mid[seg] - gained[anc_off[seg]] + gain

        end = hz.piece_start + hz.piece_hours.astype(int)
        w_piece = latent(hz.piece_segment, 0.5 * (gained[hz.piece_start] + gained[end]))
        log_h = log_hc[hz.piece_type] + beta[hz.piece_type] * (w_piece - HAZARD_CENTRE)
        counts = pm.Data("fail_count_data", hz.fail_count)
        pm.Potential("failure_loglik", pt.sum(counts * log_h)
                     - pt.sum(hz.piece_hours * pt.exp(log_h)))
        if piece_hazard:
            pm.Deterministic("piece_log_hazard", log_h)
        # maintenance effects: the latent wear just before and just after each event
        if len(hz.events):
            f = hz.events["flat"].to_numpy()
            before = latent(hz.events["before"].to_numpy(), gained[f])
            after = latent(hz.events["after"].to_numpy(), gained[f])
            pm.Deterministic("event_wear_before", before, dims="event")
            pm.Deterministic("event_restore", 1 - after / before, dims="event")
    return model


@dataclass
class CalibratedTwin:
    """Posterior of the line's physics and what is needed to forecast from it.

    Attributes
    ----------
    posterior
        Posterior draws, dims ``(chain, draw, ...)``: ``wear_rate_ref`` [1/h],
        ``load_exponent`` [1], ``activation_energy`` [kJ/mol], ``machine_wear_rate`` [1/h],
        ``hazard_base`` [1/h], ``hazard_wear`` [1], ``wear_now`` [1].
    diagnostics
        Per parameter: ``r_hat``, ``ess_bulk``, ``ess_tail``; ``attrs['divergences']``.
    data
        The prepared arrays.
    options
        Sampler, draws, tune, chains, seed, wall time [s].
    """

    posterior: xr.Dataset
    diagnostics: pd.DataFrame
    data: CalibrationData
    spec: LineSpec
    options: dict

    PARAMETERS = ("wear_rate_ref", "load_exponent", "activation_energy", "machine_wear_rate",
                  "hazard_base", "hazard_wear", "machine_spread", "wear_noise")

    @property
    def divergences(self) -> int:
        """Number of divergent transitions after tuning."""
        return int(self.options.get("divergences", 0))

    @property
    def convergence_problems(self) -> list[str]:
        """Why the fit is not converged, in words (empty: converged).

        Rules (Vehtari et al. 2021): at least :data:`~twinbench.twin.validity.MIN_CHAINS`
        chains, every reported parameter with R-hat < 1.01 and bulk ESS > 100 per chain,
        no divergences.
        """
        return convergence_problems(self.diagnostics, int(self.options.get("chains", 0)),
                                    self.divergences)

    @property
    def converged(self) -> bool:
        """True when :attr:`convergence_problems` is empty."""
        return not self.convergence_problems

    def interval(self, name: str, prob: float = 0.9) -> xr.Dataset:
        """Central credible interval of posterior variable ``name``: ``lower``, ``upper``."""
        da = self.posterior[name].stack(sample=("chain", "draw"))
        q = da.quantile([(1 - prob) / 2, (1 + prob) / 2], dim="sample")
        return xr.Dataset({"lower": q.isel(quantile=0, drop=True),
                           "upper": q.isel(quantile=1, drop=True),
                           "median": da.median("sample")})

    def summary(self) -> pd.DataFrame:
        """Posterior mean, 90% interval and diagnostics per parameter."""
        rows = []
        for name in self.PARAMETERS:
            da = self.posterior[name]
            iv = self.interval(name)
            for idx in np.ndindex(*da.shape[2:]) if da.ndim > 2 else [()]:
                sel = {d: da[d].values[i] for d, i in zip(da.dims[2:], idx, strict=True)}
                label = name + ("[" + ",".join(str(v) for v in sel.values()) + "]" if sel
                                else "")
                rows.append({"parameter": label,
                             "mean": float(da.sel(sel).mean()),
                             "q05": float(iv["lower"].sel(sel)),
                             "q95": float(iv["upper"].sel(sel))})
        out = pd.DataFrame(rows)
        return out.merge(self.diagnostics, on="parameter", how="left")


def _diagnostics(idata, names: tuple[str, ...]) -> pd.DataFrame:
    import arviz as az

    summ = az.summary(idata, var_names=list(names), kind="diagnostics", round_to="none")
    return pd.DataFrame({"parameter": [str(i) for i in summ.index],
                         "r_hat": summ["r_hat"].to_numpy(),
                         "ess_bulk": summ["ess_bulk"].to_numpy(),
                         "ess_tail": summ["ess_tail"].to_numpy()})


def calibrate(spec: LineSpec, telemetry: xr.Dataset, events: pd.DataFrame, *,
              draws: int = 600, tune: int = 500, chains: int = 2, seed: int = 0,
              sampler: str = "nutpie", target_accept: float = 0.9, low_rank: bool = True,
              progressbar: bool = False) -> CalibratedTwin:
    """Fit the wear and failure physics of every machine to its history.

    Parameters
    ----------
    spec
        The line (machine types, reference load and temperature).
    telemetry
        Quality-masked telemetry, dims ``(machine, time)``, hourly.
    events
        Failures and maintenance (``machine, kind, start``).
    draws, tune, chains
        NUTS settings per chain. Fewer than
        :data:`~twinbench.twin.validity.MIN_CHAINS` chains run, but the fit is flagged
        unconverged. The default of 2 chains keeps the demo's calibration near a minute on
        2 cores (4 chains of the current model took about 300 s and still missed R-hat
        1.01), so a default fit is always flagged; pass ``chains=4`` for a fit that can
        pass the check.
    seed
        Seed of the sampler.
    sampler
        One of :data:`SAMPLERS`: ``"nutpie"`` (default: about 8x fewer gradient
        evaluations per draw on this model thanks to its mass-matrix adaptation) or
        ``"pymc"`` (PyMC's NUTS).
    target_accept
        Target acceptance rate of the step-size adaptation.
    low_rank
        nutpie only: adapt a low-rank modified mass matrix (captures the correlation of
        rates, exponents and segment levels; fewer steps per draw than a diagonal one).
    progressbar
        Show the sampler's progress bar.

    Returns
    -------
    CalibratedTwin
        Posterior, diagnostics and the options used (with wall times [s]).

    Warns
    -----
    UnconvergedTwinWarning
        The fit did not converge (:attr:`CalibratedTwin.convergence_problems` says why);
        every forecast made from it carries the flag.
    """
    import pymc as pm

    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; allowed: {list(SAMPLERS)!r}")
    data = prepare(spec, telemetry, events)
    model = build_model(data)
    t0 = time.perf_counter()
    compile_seconds = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if sampler == "nutpie":
            import nutpie

            compiled = nutpie.compile_pymc_model(model, backend="numba")
            compile_seconds = time.perf_counter() - t0
            idata = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains,
                                  cores=min(chains, 2), seed=seed,
                                  target_accept=target_accept, progress_bar=progressbar,
                                  low_rank_modified_mass_matrix=low_rank)
        else:
            with model:
                idata = pm.sample(draws=draws, tune=tune, chains=chains,
                                  cores=min(chains, 2), random_seed=seed,
                                  target_accept=target_accept, progressbar=progressbar,
                                  compute_convergence_checks=False)
    seconds = time.perf_counter() - t0
    divergences = int(idata.sample_stats["diverging"].sum()) \
        if "diverging" in idata.sample_stats else 0
    posterior = idata.posterior
    units = {"wear_rate_ref": "1/h", "machine_wear_rate": "1/h", "load_exponent": "1",
             "activation_energy": "kJ/mol", "hazard_base": "1/h", "hazard_wear": "1",
             "wear_now": "1", "wear_noise": "1", "machine_spread": "1"}
    for name, unit in units.items():
        posterior[name].attrs["units"] = unit
    diag = _diagnostics(idata, CalibratedTwin.PARAMETERS)
    twin = CalibratedTwin(posterior=posterior, diagnostics=diag, data=data, spec=spec,
                          options={"sampler": sampler, "draws": draws, "tune": tune,
                                   "chains": chains, "seed": seed,
                                   "target_accept": target_accept,
                                   "low_rank": low_rank if sampler == "nutpie" else None,
                                   "seconds": round(seconds, 2),
                                   "compile_seconds": round(compile_seconds, 2),
                                   "divergences": divergences})
    if not twin.converged:
        warnings.warn("the twin's calibration did not converge: "
                      + "; ".join(twin.convergence_problems), UnconvergedTwinWarning,
                      stacklevel=2)
    return twin
