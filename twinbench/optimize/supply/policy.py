"""Safety stocks and reorder points from the demand forecast's error (a policy view).

Where a planner wants a rule rather than a plan, each finished good and each material gets
a base-stock policy: order up to the mean demand over the protection period plus a safety
stock ``z(service level) x sd(forecast error over the protection period)``.

* One week's forecast error sd per product comes from the forecast's first-week 90%
  interval: ``(q95 - q05) / (2 x 1.645)`` [unit/week].
* Over a protection period of ``k`` weeks, weekly errors correlated with ``rho`` (AR(1), as
  in the demand scenarios) add up to ``sd_k = sd_1 x sqrt(sum_ij rho^|i-j|)``; ``rho=0``
  gives the textbook ``sd_1 x sqrt(k)``.
* Finished goods are protected for the review period; a material for its supplier's lead
  time plus the review period, its error sd combining the products that use it through the
  bill of materials (independent products): ``sqrt(sum_p (bom[p, m] x sd_p)^2)``.
* A material's safety stock also covers the supplier's uncertain lead time (the
  standard formula, :func:`combined_safety_stock`):
  ``SS = z x sqrt(L x sigma_d^2 + d^2 x sigma_L^2)`` with ``L`` the protection period
  (lead time + review period, in weeks, not rounded), ``sigma_d`` the weekly demand
  error sd, ``d`` the mean weekly demand and ``sigma_L = lead_time_cv x lead time``
  [week] (the review period is certain). With ``rho > 0`` the demand term uses the
  correlated per-week factor of :func:`protection_sd`. ``lead_time_variance=False``
  gives the demand-only safety stock; ``sd_lead_time`` is reported either way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import norm

from twinbench.spec import LineSpec

__all__ = ["combined_safety_stock", "protection_sd", "safety_stocks"]

Z90 = 1.6448536269514722


def protection_sd(sd_week: float | np.ndarray, weeks: float, rho: float = 0.0,
                  ) -> float | np.ndarray:
    """Sd of the summed forecast error over ``weeks`` (rounded up) [unit].

    >>> float(round(protection_sd(10.0, 4), 6))
    20.0
    >>> float(round(protection_sd(10.0, 2, rho=0.5), 6))  # sqrt(2 + 2 x 0.5) x 10
    17.320508
    """
    k = max(int(np.ceil(weeks - 1e-9)), 1)
    i = np.arange(k)
    factor = float(np.sum(rho ** np.abs(i[:, None] - i[None, :])))
    return np.asarray(sd_week) * np.sqrt(factor)


def combined_safety_stock(z: float, weeks: float, sd_week: float, mean_week: float,
                          sd_lead_weeks: float, rho: float = 0.0) -> float:
    """Safety stock against demand and lead-time variance [unit].

    ``z x sqrt(L x sigma_d^2 + d^2 x sigma_L^2)``.

    Parameters
    ----------
    z
        Standard normal quantile of the service level [1].
    weeks
        Protection period ``L`` [week].
    sd_week, mean_week
        Weekly demand error sd ``sigma_d`` and mean demand ``d`` [unit/week].
    sd_lead_weeks
        Sd of the lead time ``sigma_L`` [week].
    rho
        Week-to-week correlation of demand errors [1]; ``L x sigma_d^2`` then becomes
        ``L x sigma_d^2 x`` the per-week factor of :func:`protection_sd`.

    >>> round(combined_safety_stock(2.0, 4.0, 10.0, 50.0, 0.5), 6)  # 2 x sqrt(400 + 625)
    64.031242
    """
    if weeks <= 0:
        return 0.0
    k = max(int(np.ceil(weeks - 1e-9)), 1)
    per_week = float(protection_sd(1.0, k, rho)) ** 2 / k  # 1 when rho = 0
    var = weeks * per_week * sd_week**2 + mean_week**2 * sd_lead_weeks**2
    return float(z * np.sqrt(var))


def safety_stocks(spec: LineSpec, forecast: xr.Dataset, service_level: float = 0.95,
                  review_weeks: float = 1.0, rho: float = 0.0,
                  lead_time_variance: bool = True) -> pd.DataFrame:
    """Safety stock and reorder point per product and per (material, supplier).

    Parameters
    ----------
    forecast
        ``DemandForecast.ds``: ``mean`` (product, week) and ``interval`` (product, week,
        quantile 0.05/0.5/0.95) [unit/week].
    service_level
        Probability of no stock-out in a protection period (cycle service level) [1].
    review_weeks
        How often orders are placed [week].
    rho
        Week-to-week correlation of forecast errors [1].
    lead_time_variance
        Materials: cover the supplier's lead-time variance too (``lead_time_cv``), by
        :func:`combined_safety_stock` over the unrounded protection period (default);
        False: demand variance only.

    Returns
    -------
    pandas.DataFrame
        ``item, kind, supplier, unit, protection_weeks, mean_weekly, sd_weekly,
        sd_lead_time [week], service_level, safety_stock, reorder_point`` (quantities in the
        item's unit; the reorder point is the mean demand over ``protection_weeks`` plus
        the safety stock).
    """
    if not 0.5 <= service_level < 1:
        raise ValueError(f"service_level must be in [0.5, 1), found {service_level!r}")
    if review_weeks <= 0:
        raise ValueError(f"review_weeks must be positive, found {review_weeks!r}")
    z = float(norm.ppf(service_level))
    products = [str(p) for p in forecast["product"].values]
    first = forecast["interval"].isel(week=0)
    q = [float(x) for x in forecast["quantile"].values]
    if not (np.isclose(q[0], 0.05) and np.isclose(q[-1], 0.95)):
        raise ValueError(f"forecast interval quantiles must be 0.05 ... 0.95, found {q!r}")
    sd = ((first.isel(quantile=-1) - first.isel(quantile=0)) / (2 * Z90)).clip(min=0)
    sd = dict(zip(products, sd.values.astype(float), strict=True))
    mean = dict(zip(products, forecast["mean"].isel(week=0).values.astype(float),
                    strict=True))
    rows = []
    for p in products:
        s = float(protection_sd(sd[p], review_weeks, rho))
        k = np.ceil(review_weeks - 1e-9)
        rows.append({"item": p, "kind": "product", "supplier": "", "unit": "unit",
                     "protection_weeks": k, "mean_weekly": mean[p], "sd_weekly": sd[p],
                     "sd_lead_time": 0.0, "service_level": service_level, "safety_stock": z * s,
                     "reorder_point": mean[p] * k + z * s})
    units = {m.name: m.unit for m in spec.materials}
    for sup in spec.suppliers:
        for mat in sup.prices:
            use = [(spec.product_map[p].bom.get(mat, 0.0), p) for p in products]
            if not any(b for b, _ in use):
                continue
            mu = sum(b * mean[p] for b, p in use)
            sd_m = float(np.sqrt(sum((b * sd[p]) ** 2 for b, p in use)))
            weeks = sup.lead_time / (7 * 24) + review_weeks
            k = np.ceil(weeks - 1e-9)
            sd_lt = sup.lead_time_cv * sup.lead_time / (7 * 24)  # [week]
            if lead_time_variance:
                ss = combined_safety_stock(z, weeks, sd_m, mu, sd_lt, rho)
            else:
                ss = z * float(protection_sd(sd_m, weeks, rho))
            rows.append({"item": mat, "kind": "material", "supplier": sup.name,
                         "unit": units.get(mat, ""), "protection_weeks": k,
                         "mean_weekly": mu, "sd_weekly": sd_m, "sd_lead_time": sd_lt,
                         "service_level": service_level, "safety_stock": ss,
                         "reorder_point": mu * k + ss})
    return pd.DataFrame(rows)
