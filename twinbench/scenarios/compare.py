"""Compare scenarios against the base: KPI deltas with confidence intervals, ranking.

All finished scenarios of a results folder are gathered into one Dataset with a
``scenario`` dimension (``kpi_samples`` dims ``scenario, kpi, sample``). A delta against
the base is paired when both ran the same samples (same seed and sample count: common
random numbers), else compared as two independent samples (Welch). The interval is for the
expected difference at ``level``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from twinbench.scenarios.store import ResultStore

__all__ = ["LOWER_IS_BETTER", "collect", "compare", "compare_pair", "delta_interval"]

#: KPIs where a smaller value is better (for ranking); others: larger is better
LOWER_IS_BETTER = {"supply cost", "purchase cost", "spot purchases", "shortage cost",
                   "tardiness", "lead time", "flow time", "energy cost", "makespan", "WIP",
                   "plan tardiness", "plan makespan"}


def collect(out: str | Path | ResultStore) -> xr.Dataset:
    """Every finished scenario's KPI samples in one Dataset (dims scenario, kpi, sample)."""
    store = out if isinstance(out, ResultStore) else ResultStore(out)
    cat = store.catalog().query("status == 'done'")
    if cat.empty:
        raise ValueError(f"no finished scenario in {str(store.root)!r}; run a batch first")
    parts = []
    for _, row in cat.iterrows():
        ds = store.load(row["scenario_id"])
        s = ds["kpi_samples"].expand_dims(scenario=[row["name"]])
        parts.append(s.assign_coords(scenario_id=("scenario", [row["scenario_id"]]),
                                     seed=("scenario", [int(row["seed"])])))
    out_ds = xr.concat(parts, dim="scenario", join="outer").to_dataset(name="kpi_samples")
    out_ds["kpi_samples"].attrs["long_name"] = "KPI value per sample"
    return out_ds


def delta_interval(base: np.ndarray, other: np.ndarray, paired: bool, level: float = 0.9
                   ) -> tuple[float, float, float]:
    """Mean difference ``other - base`` and its ``level`` confidence interval.

    >>> d, lo, hi = delta_interval(np.array([1., 2, 3]), np.array([2., 3, 4]), paired=True)
    >>> (d, lo, hi)
    (1.0, 1.0, 1.0)
    """
    base, other = base[np.isfinite(base)], other[np.isfinite(other)]
    if paired and len(base) == len(other):
        d = other - base
        n = len(d)
        mean = float(d.mean())
        if n < 2:
            return mean, np.nan, np.nan
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
        return mean, mean - half, mean + half
    mean = float(other.mean() - base.mean())
    if len(base) < 2 or len(other) < 2:
        return mean, np.nan, np.nan
    va, vb = base.var(ddof=1) / len(base), other.var(ddof=1) / len(other)
    se = np.sqrt(va + vb)
    if se == 0:
        return mean, mean, mean
    dof = (va + vb) ** 2 / (va**2 / (len(base) - 1) + vb**2 / (len(other) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    return mean, mean - half, mean + half


def compare_pair(base_result, result, name: str = "what-if", paired: bool = True,
                 level: float = 0.9) -> pd.DataFrame:
    """KPI deltas of one scenario result against the base result; rows as :func:`compare`.

    ``paired``: both ran with the same seed (common random numbers), so their samples pair.
    """
    both = [base_result, result]
    seeds = [0, 0 if paired else 1]
    ds = xr.concat([r.ds["kpi_samples"].expand_dims(scenario=[n]) for r, n in
                    zip(both, ["base", name], strict=True)], dim="scenario")
    ds = ds.to_dataset(name="kpi_samples").assign_coords(seed=("scenario", seeds))
    return compare(ds, base="base", level=level)


def compare(out: str | Path | ResultStore | xr.Dataset, base: str = "base",
            level: float = 0.9) -> pd.DataFrame:
    """KPI deltas of every scenario against ``base``.

    Returns
    -------
    pandas.DataFrame
        ``scenario, kpi, unit, base, value, delta, ci_low, ci_high, paired, significant,
        better, rank`` (rank 1 = best change of that KPI among the scenarios).
    """
    ds = out if isinstance(out, xr.Dataset) else collect(out)
    names = [str(s) for s in ds["scenario"].values]
    if base not in names:
        raise ValueError(f"base scenario {base!r} not among the results; found {names!r}. "
                         "Add a scenario without edits named 'base' or pass base=...")
    s = ds["kpi_samples"]
    b = s.sel(scenario=base)
    rows = []
    for name in names:
        if name == base:
            continue
        paired = int(ds["seed"].sel(scenario=name)) == int(ds["seed"].sel(scenario=base))
        for kpi in s["kpi"].values:
            x, y = b.sel(kpi=kpi).values, s.sel(scenario=name, kpi=kpi).values
            d, lo, hi = delta_interval(x, y, paired, level)
            lower = kpi in LOWER_IS_BETTER
            rows.append({"scenario": name, "kpi": str(kpi), "unit": str(s["unit"].sel(kpi=kpi)
                                                                     .values),
                         "base": float(np.nanmean(x)), "value": float(np.nanmean(y)),
                         "delta": d, "ci_low": lo, "ci_high": hi, "paired": paired,
                         "significant": bool(np.isfinite(lo) and (lo > 0 or hi < 0)),
                         "better": bool((d < 0) if lower else (d > 0))})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    sign = df["kpi"].map(lambda k: 1.0 if k in LOWER_IS_BETTER else -1.0)
    df["rank"] = (df.assign(score=sign * df["delta"]).groupby("kpi")["score"]
                  .rank(method="min").astype(int))
    return df
