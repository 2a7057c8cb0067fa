"""The demand forecast: the model chosen per product by backtest, refitted and run ahead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.twin.demand.backtest import _check_backtest, _ranking, backtest, coverage_band
from twinbench.twin.demand.inputs import _check_int, _check_level, _check_models, _prepare
from twinbench.twin.demand.models import BASELINE, CANDIDATES, _quantile_levels, _run

__all__ = ["DemandForecast", "forecast_demand"]

UNITS = "unit/week"


@dataclass
class DemandForecast:
    """Demand forecast per product with intervals, and how each model was chosen.

    Attributes
    ----------
    ds
        Dims ``(product, week, quantile)``. ``mean`` (product, week) [unit/week]: expected
        demand; ``interval`` (product, week, quantile) [unit/week]: forecast quantiles
        ``((1 - level)/2, 0.5, (1 + level)/2)``, e.g. ``[0.05, 0.5, 0.95]`` for level 0.9.
        Coordinate ``model`` (product): the model used. ``week`` holds the ``horizon``
        Mondays after the last history week. Attributes record level, horizon and the
        selection rule.
    chosen
        Model name per product.
    backtest
        The backtest table the choice was based on (see :func:`backtest`).
    converged
        Per product, whether the final fit of the chosen model converged.
    claimed
        The honest figure for the choice (a nested check, so that the model is not chosen
        and judged on the same backtest): per product, the model the rule picks on the
        selection origins only (``chosen_early``), and its MASE [1] and coverage [1] on the
        last origin, which it never saw (``mase_last``, ``coverage_last``), beside the
        seasonal-naive baseline's MASE there (``baseline_mase_last``); empty when the
        backtest has no selection origins (too short a history, one origin).
    """

    ds: xr.Dataset
    chosen: dict[str, str]
    backtest: pd.DataFrame
    converged: dict[str, bool] = field(default_factory=dict)
    claimed: pd.DataFrame = field(default_factory=pd.DataFrame)



def forecast_demand(demand: pd.DataFrame, drivers: pd.DataFrame, horizon: int = 13,
                    level: float = 0.9, models: Iterable[str] = CANDIDATES,
                    backtest_result: pd.DataFrame | None = None,
                    known_drivers: Iterable[str] = ()) -> DemandForecast:
    """Forecast weekly demand per product with intervals, model chosen by backtest.

    Per product, the model with the lowest backtest MASE among those whose coverage lies in
    :func:`coverage_band` (``[0.75, 0.99]`` at level 0.9) is chosen; if none does, the lowest
    MASE wins. It is refitted on the whole history and forecasts the ``horizon`` weeks after
    the last history week with the driver values ``drivers`` gives for those weeks. Should
    that fit fail numerically, the next-ranked model is used.

    Parameters
    ----------
    demand
        Weekly demand: ``week`` (Monday), ``product``, ``quantity`` [unit/week]; every product
        with at least :data:`MIN_HISTORY` consecutive weeks ending in the same week.
    drivers
        ``week`` and one numeric column per exogenous driver, a row for every history week
        and every horizon week.
    horizon
        Number of weeks to forecast [week].
    level
        Central probability of the interval [1], e.g. 0.9 for quantiles 0.05 and 0.95.
    models
        Candidate names from :data:`CANDIDATES`.
    backtest_result
        A :func:`backtest` table to choose from; computed with default origins if ``None``.
    known_drivers
        Passed to :func:`backtest` when it is run here: drivers known in advance; the
        others are forecast at each backtest origin (no look-ahead). The final forecast
        uses the horizon rows of ``drivers`` (planned or forecast values the caller gives).

    Returns
    -------
    DemandForecast
        ``ds`` with ``mean`` and ``interval`` [unit/week], ``chosen``, ``backtest``,
        ``converged``.

    Raises
    ------
    ValueError
        Unknown model name; drivers missing weeks or values for the history or horizon;
        demand with gaps, negative values, or fewer than :data:`MIN_HISTORY` weeks;
        a ``backtest_result`` that does not match.
    """
    models = _check_models(models)
    horizon = _check_int("horizon", horizon, 1)
    level = _check_level(level)
    panel = _prepare(demand, drivers, horizon, need_future=True)
    if backtest_result is None:
        bt = backtest(demand, drivers, horizon=horizon, level=level, models=models,
                      known_drivers=known_drivers)
    else:
        bt = _check_backtest(backtest_result, panel.products, models, horizon, level)
    assert panel.x_future is not None
    xf = panel.x_future.to_numpy(float)
    means, quants, chosen, converged = [], [], {}, {}
    for p in panel.products:
        y, weeks, x = panel.series(p)
        for m in _ranking(bt, p, models, level):
            fit = _run(m, y, weeks, x, xf, panel.future, level)
            if fit is not None:
                break
        else:
            raise RuntimeError(f"every model in {list(models)!r} failed to fit product {p!r}")
        chosen[p], converged[p] = m, fit.converged
        means.append(fit.mean)
        quants.append(np.sort(fit.quantiles, axis=1))
    q = _quantile_levels(level)
    ds = xr.Dataset(
        {"mean": (("product", "week"), np.array(means)),
         "interval": (("product", "week", "quantile"), np.array(quants))},
        coords={"product": panel.products, "week": panel.future, "quantile": q,
                "model": ("product", [chosen[p] for p in panel.products])},
    )
    ds["mean"].attrs.update(units=UNITS, long_name="expected weekly demand")
    ds["interval"].attrs.update(units=UNITS, long_name=f"forecast quantiles ({level:.0%} "
                                f"central interval and median)")
    ds["quantile"].attrs["units"] = "1"
    lo, hi = coverage_band(level)
    ds.attrs.update(level=level, horizon=horizon, history_end=str(panel.y.index[-1].date()),
                    selection=(f"lowest backtest MASE among models with coverage in "
                               f"[{lo}, {hi}], else lowest MASE"),
                    candidates=list(models))
    return DemandForecast(ds=ds, chosen=chosen, backtest=bt, converged=converged,
                          claimed=_claimed(bt, panel.products, models, level))


def _claimed(bt: pd.DataFrame, products: list[str], models: tuple[str, ...],
             level: float) -> pd.DataFrame:
    """The nested check of the choice (see :attr:`DemandForecast.claimed`)."""
    need = {"mase_select", "coverage_select", "n_select", "mase_last", "coverage_last"}
    if not need <= set(bt.columns):
        return pd.DataFrame()
    rows = []
    for p in products:
        sub = bt[bt["product"] == p].set_index("model")
        if not (sub["n_select"] > 0).any() or not (sub["n_last"] > 0).any():
            continue
        m = _ranking(bt, p, models, level, suffix="_select")[0]
        rows.append({"product": p, "chosen_early": m,
                     "mase_last": float(sub.loc[m, "mase_last"]),
                     "coverage_last": float(sub.loc[m, "coverage_last"]),
                     "n_last": int(sub.loc[m, "n_last"]),
                     "baseline_mase_last": float(sub.loc[BASELINE, "mase_last"])
                     if BASELINE in sub.index else np.nan})
    return pd.DataFrame(rows)
