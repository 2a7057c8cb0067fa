"""Checks that the calibration learns from data: simulation-based calibration and recovery.

* :func:`run_sbc`, simulation-based calibration (Talts, Betancourt, Simpson, Vehtari &
  Gelman 2018, *Validating Bayesian inference algorithms with simulation-based
  calibration*, arXiv:1804.06788): parameters are drawn from the calibration model's prior,
  data are drawn from the model given them (wear readings of the real design of load,
  temperature and maintenance segments; failures per day's running hours from the
  hazard at the latent wear), the model is fitted to each dataset, and the rank of each true
  value among thinned posterior draws is recorded. With a correct sampler the ranks are
  uniform; central 90% intervals hold the truth in 90% of datasets (binomial spread);
  posterior contraction ``1 - var(post) / var(prior)`` shows what the data identify.
* :func:`prior_twin` returns a twin whose "posterior" is the prior: the sampler that learned
  nothing. :func:`recovery_check` passes only when the truth is inside the intervals *and*
  the intervals are clearly narrower than the prior's, so that twin fails it.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.calibrate import CalibratedTwin, CalibrationData, build_model

__all__ = ["SBC_PARAMETERS", "SbcResult", "prior_twin", "recovery_check", "run_sbc"]

#: free (or directly derived) parameters whose ranks SBC records
SBC_PARAMETERS = ("log_wear_rate_typical", "load_exponent", "activation_energy",
                  "machine_spread", "log_machine_rate_typical", "wear_noise",
                  "log_hazard_mid_mean", "hazard_wear")
#: parameters compared on the log scale by :func:`recovery_check` (positive rates)
LOG_SCALE = ("wear_rate_ref", "machine_wear_rate", "hazard_base")


def _flat(ds: xr.Dataset, names) -> pd.DataFrame:
    """Draws (rows) by scalar parameter (columns ``name[index]``)."""
    cols = {}
    for name in names:
        da = ds[name].stack(sample=("chain", "draw")).transpose("sample", ...)
        vals = da.values.reshape(da.sizes["sample"], -1)
        if da.ndim == 1:
            cols[name] = vals[:, 0]
        else:
            labels = da[da.dims[1]].values
            for j, lab in enumerate(labels):
                cols[f"{name}[{lab}]"] = vals[:, j]
    return pd.DataFrame(cols)


@dataclass
class SbcResult:
    """Ranks and summaries of a simulation-based calibration.

    Attributes
    ----------
    ranks
        One row per (dataset, parameter): ``rank`` of the truth among ``n_ranks``
        thinned draws (0..n_ranks), ``inside90`` (truth in the central 90% interval),
        ``post_sd`` and ``prior_sd``, ``divergences`` of that fit.
    n_ranks
        Thinned posterior draws per fit (ranks take ``n_ranks + 1`` values).
    seconds
        Wall time [s] of the whole run, ``fit_seconds`` per fit.
    """

    ranks: pd.DataFrame
    n_ranks: int
    seconds: float
    fit_seconds: list[float]

    def summary(self, bins: int = 5) -> pd.DataFrame:
        """Per parameter: rank-uniformity test, 90% coverage with its bounds, contraction.

        Uniformity: Pearson chi-square of the rank histogram in ``bins`` equal bins
        against the uniform (``bins - 1`` degrees of freedom), ``p_uniform``. Coverage:
        ``covered`` of ``n`` datasets; ``cover_lo``/``cover_hi`` the central 99% binomial
        range under 90% coverage. Contraction ``1 - mean(post_sd^2) / prior_sd^2`` [1].
        """
        from scipy import stats

        rows = []
        for name, g in self.ranks.groupby("parameter", sort=False):
            n = len(g)
            edges = np.linspace(0, self.n_ranks + 1, bins + 1)
            counts = np.histogram(g["rank"], bins=edges)[0]
            p = float(stats.chisquare(counts).pvalue)
            lo, hi = stats.binom.interval(0.99, n, 0.9)
            rows.append({"parameter": name, "n": n, "p_uniform": p,
                         "covered": int(g["inside90"].sum()), "cover_lo": int(lo),
                         "cover_hi": int(hi),
                         "contraction": float(1 - (g["post_sd"] ** 2).mean()
                                              / g["prior_sd"].iloc[0] ** 2)})
        return pd.DataFrame(rows)

    def passed(self, alpha: float = 0.01) -> tuple[bool, list[str]]:
        """Whether every parameter passes, with Bonferroni-corrected level ``alpha``.

        Rules: ``p_uniform > alpha / K`` (``K`` parameters); coverage within the central
        ``1 - alpha / K`` binomial range. Returns ``(ok, problems)``.
        """
        from scipy import stats

        s = self.summary()
        k = len(s)
        problems = []
        for row in s.itertuples():
            if row.p_uniform <= alpha / k:
                problems.append(f"{row.parameter}: ranks not uniform (p={row.p_uniform:.2g})")
            lo, hi = stats.binom.interval(1 - alpha / k, row.n, 0.9)
            if not lo <= row.covered <= hi:
                problems.append(f"{row.parameter}: 90% interval covered {row.covered} of "
                                f"{row.n} (expected {lo:.0f}..{hi:.0f})")
        return not problems, problems


def _simulate(data: CalibrationData, n: int, seed: int
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Prior draws of the parameters and datasets drawn from the model given them.

    Failures are Poisson per piece of running hours, at the hazard of the piece's latent
    wear in that prior draw (the model's own failure process).
    """
    import pymc as pm

    with build_model(data, piece_hazard=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample_prior_predictive(
            draws=n, random_seed=seed,
            var_names=[*SBC_PARAMETERS, "wear_obs", "piece_log_hazard"])
    prior = idata.prior
    rng = np.random.default_rng(seed + 1)
    wear = (idata.prior_predictive["wear_obs"].stack(sample=("chain", "draw"))
            .transpose("sample", ...).values)
    log_h = prior["piece_log_hazard"].stack(sample=("chain", "draw")).values.T
    mean = data.hazard.piece_hours[None] * np.exp(np.clip(log_h, -50, np.log(1e6)))
    counts = rng.poisson(np.minimum(mean, 1e7)).astype(float)
    return _flat(prior, SBC_PARAMETERS), wear, counts


def run_sbc(data: CalibrationData, n_datasets: int = 20, draws: int = 250, tune: int = 400,
            chains: int = 4, n_ranks: int = 99, seed: int = 0) -> SbcResult:
    """Simulation-based calibration of the calibration model on the design ``data``.

    Parameters
    ----------
    data
        A prepared design (:func:`twinbench.twin.calibrate.prepare`): its covariates,
        segments and exposure are kept; wear readings and failure counts are redrawn.
    n_datasets
        Datasets drawn from the prior (Talts et al. use hundreds; 20 is the floor).
    draws, tune, chains
        NUTS settings per fit (nutpie; the model is compiled once).
    n_ranks
        Thinned posterior draws the truth is ranked among.
    seed
        Seed of the prior draws and of each fit.
    """
    import nutpie

    if draws * chains < n_ranks:
        raise ValueError(f"draws * chains = {draws * chains} is below n_ranks = {n_ranks}; "
                         "raise draws or lower n_ranks")
    t0 = time.perf_counter()
    model = build_model(data)
    truth, wear, counts = _simulate(data, n_datasets, seed)
    prior_big, _, _ = _simulate(data, 4000, seed + 7)
    prior_sd = prior_big.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        compiled = nutpie.compile_pymc_model(model, backend="numba")
    rows, fit_seconds = [], []
    for k in range(n_datasets):
        t1 = time.perf_counter()
        fit = compiled.with_data(wear_obs_data=wear[k], fail_count_data=counts[k])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = nutpie.sample(fit, draws=draws, tune=tune, chains=chains,
                                  cores=min(chains, 2), seed=seed + 1000 + k,
                                  progress_bar=False, low_rank_modified_mass_matrix=True)
        fit_seconds.append(time.perf_counter() - t1)
        div = int(idata.sample_stats["diverging"].sum())
        post = _flat(idata.posterior, SBC_PARAMETERS)
        thin = post.iloc[np.linspace(0, len(post) - 1, n_ranks).astype(int)]
        for name in post.columns:
            true = truth[name].iloc[k]
            lo, hi = np.quantile(post[name], [0.05, 0.95])
            rows.append({"dataset": k, "parameter": name,
                         "rank": int((thin[name] < true).sum()),
                         "inside90": bool(lo <= true <= hi), "post_sd": float(post[name].std()),
                         "prior_sd": float(prior_sd[name]), "divergences": div})
    return SbcResult(ranks=pd.DataFrame(rows), n_ranks=n_ranks,
                     seconds=time.perf_counter() - t0, fit_seconds=fit_seconds)


def prior_twin(twin: CalibratedTwin, draws: int = 1000, seed: int = 0) -> CalibratedTwin:
    """A twin of the same data whose posterior is the model's prior (learned nothing).

    The reference for contraction in :func:`recovery_check`, and the "sampler returning
    the prior" that a recovery check must reject.
    """
    import dataclasses

    import pymc as pm

    model = build_model(twin.data)
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prior = pm.sample_prior_predictive(draws=draws, random_seed=seed).prior
    names = [n for n in twin.posterior.data_vars if n in prior.data_vars]
    diag = twin.diagnostics.assign(r_hat=np.nan, ess_bulk=np.nan, ess_tail=np.nan)
    return dataclasses.replace(twin, posterior=prior[names], diagnostics=diag,
                               options={**twin.options, "sampler": "prior", "chains": 1})


def recovery_check(twin: CalibratedTwin, prior: CalibratedTwin, truth: pd.DataFrame,
                   min_inside: float = 0.75, min_contraction: float = 0.5,
                   min_contracted: float = 0.5) -> tuple[bool, pd.DataFrame]:
    """Truth inside the 90% intervals, and intervals clearly narrower than the prior's.

    Parameters
    ----------
    twin, prior
        The fitted twin and :func:`prior_twin` of the same data.
    truth
        ``parameter`` (a posterior variable), ``index`` (its label along the variable's
        third dim, e.g. a machine type or machine), ``true`` value.
    min_inside
        Share of parameters whose 90% interval must hold the truth.
    min_contraction, min_contracted
        A parameter counts as learned when ``1 - var(post)/var(prior) >= min_contraction``
        (log scale for rates); at least ``min_contracted`` of them must be.

    Returns
    -------
    ok, table
        Pass flag and per parameter: ``true``, ``q05``, ``q95``, ``inside``, ``contraction``.
    """
    rows = []
    for row in truth.itertuples():
        post = twin.posterior[row.parameter]
        pri = prior.posterior[row.parameter]
        dim = post.dims[2] if post.ndim > 2 else None
        if dim is not None:
            post, pri = post.sel({dim: row.index}), pri.sel({dim: row.index})
        p = post.values.ravel()
        q = pri.values.ravel()
        true = float(row.true)
        lo, hi = np.quantile(p, [0.05, 0.95])
        if row.parameter in LOG_SCALE:
            p, q = np.log(p), np.log(q)
        rows.append({"parameter": f"{row.parameter}[{row.index}]" if dim else row.parameter,
                     "true": true, "q05": float(lo), "q95": float(hi),
                     "inside": bool(lo <= true <= hi),
                     "contraction": float(1 - p.var() / q.var())})
    df = pd.DataFrame(rows)
    ok = bool(df["inside"].mean() >= min_inside
              and (df["contraction"] >= min_contraction).mean() >= min_contracted)
    return ok, df
