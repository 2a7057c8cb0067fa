"""Convergence of the twin's calibration, carried by everything built on it.

A posterior that has not converged (Vehtari et al. 2021, *Rank-normalization, folding and
localization: an improved R-hat*, Bayesian Analysis 16(2)) says little about the plant. The
rules here make that visible and enforced:

* :data:`MIN_CHAINS` chains at least: R-hat compares chains, and two chains are too few to
  see a chain stuck in another mode;
* :func:`convergence_attrs` gives the flag and its figures as plain attributes that the
  forecasts (:func:`twinbench.twin.rul.forecast_failures`,
  :func:`twinbench.twin.greybox.greybox_forecast`) copy into their results, so reports,
  dashboards and maintenance windows built from them carry it;
* :func:`require_converged` refuses an unconverged twin (or a forecast made from one)
  unless the caller overrides it with ``allow_unconverged=True``; the maintenance planner
  calls it before turning remaining useful life into maintenance windows.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MIN_CHAINS", "R_HAT_MAX", "UnconvergedTwinError", "UnconvergedTwinWarning",
           "convergence_attrs", "convergence_problems", "require_converged"]

#: fewest chains a calibration may run (R-hat needs several chains to compare)
MIN_CHAINS = 4
#: largest R-hat accepted [1] (Vehtari et al. 2021)
R_HAT_MAX = 1.01
#: smallest bulk effective sample size per chain [1] (Vehtari et al. 2021)
ESS_PER_CHAIN_MIN = 100


class UnconvergedTwinError(RuntimeError):
    """The twin's calibration did not converge and the caller did not accept that."""


class UnconvergedTwinWarning(UserWarning):
    """Warning issued when a calibration ends without converging."""


def convergence_problems(diagnostics, chains: int, divergences: int) -> list[str]:
    """Reasons, in words, why a fit is not converged (empty list: converged).

    Parameters
    ----------
    diagnostics
        Table with ``parameter``, ``r_hat``, ``ess_bulk`` per parameter.
    chains
        Number of chains run.
    divergences
        Divergent transitions after tuning.
    """
    problems = []
    if chains < MIN_CHAINS:
        problems.append(f"{chains} chains (at least {MIN_CHAINS} needed to judge R-hat)")
    worst = diagnostics.sort_values("r_hat").iloc[-1]
    if not worst["r_hat"] < R_HAT_MAX:
        problems.append(f"largest R-hat {worst['r_hat']:.3f} ({worst['parameter']}), "
                        f"limit {R_HAT_MAX}")
    low = diagnostics.sort_values("ess_bulk").iloc[0]
    if not low["ess_bulk"] > ESS_PER_CHAIN_MIN * chains:
        problems.append(f"smallest bulk ESS {low['ess_bulk']:.0f} ({low['parameter']}), "
                        f"need > {ESS_PER_CHAIN_MIN * chains}")
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    return problems


def convergence_attrs(twin) -> dict[str, Any]:
    """The twin's convergence flag and figures as netCDF-safe attributes.

    Returns
    -------
    dict
        ``twin_converged`` (1 or 0), ``twin_max_r_hat`` [1], ``twin_min_ess_bulk`` [1],
        ``twin_chains``, ``twin_divergences`` and ``twin_convergence_problems`` (text,
        empty when converged).
    """
    d = twin.diagnostics
    return {"twin_converged": int(twin.converged),
            "twin_max_r_hat": float(d["r_hat"].max()),
            "twin_min_ess_bulk": float(d["ess_bulk"].min()),
            "twin_chains": int(twin.options.get("chains", 0)),
            "twin_divergences": int(twin.divergences),
            "twin_convergence_problems": "; ".join(twin.convergence_problems)}


def require_converged(result, allow_unconverged: bool = False,
                      purpose: str = "plan maintenance") -> bool:
    """Refuse an unconverged twin, or a forecast made from one, unless overridden.

    Parameters
    ----------
    result
        A :class:`~twinbench.twin.calibrate.CalibratedTwin` or a forecast Dataset whose
        ``attrs`` carry :func:`convergence_attrs`.
    allow_unconverged
        Accept an unconverged twin anyway (the result still carries the flag).
    purpose
        What the caller is about to do, for the error message.

    Returns
    -------
    bool
        Whether the twin converged (True, or False when overridden).

    Raises
    ------
    UnconvergedTwinError
        The twin did not converge (or the forecast carries no flag) and
        ``allow_unconverged`` is False.
    """
    if hasattr(result, "diagnostics") and hasattr(result, "converged"):
        ok, why = bool(result.converged), "; ".join(result.convergence_problems)
    else:
        attrs = getattr(result, "attrs", {})
        if "twin_converged" not in attrs:
            if allow_unconverged:
                return False
            raise UnconvergedTwinError(
                f"cannot {purpose}: the forecast carries no convergence flag "
                "('twin_converged' attribute); make it with forecast_failures or "
                "greybox_forecast from a calibrated twin, or pass allow_unconverged=True")
        ok, why = bool(int(attrs["twin_converged"])), str(
            attrs.get("twin_convergence_problems", ""))
    if ok or allow_unconverged:
        return ok
    raise UnconvergedTwinError(
        f"cannot {purpose}: the twin's calibration did not converge ({why}). Calibrate "
        f"again with more tuning/draws or at least {MIN_CHAINS} chains, or pass "
        "allow_unconverged=True to accept an unconverged twin knowingly")
