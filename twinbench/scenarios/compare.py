"""Compare scenarios against the base: KPI deltas with intervals, tests, ranking.

All finished scenarios of a results folder are gathered into one Dataset with a
``scenario`` dimension (``kpi_samples`` dims ``scenario, kpi, sample``). A sample is one
*world* (a demand path, a supplier path, the failure draws); two scenarios run with the
same seed on the same data, settings and code see the same worlds (common random numbers),
so their deltas are **paired by world**: only worlds where both have a finite value count,
and the number of pairs used is reported (``n_pairs``). Scenarios with other seeds are
compared as independent samples (Welch). The interval is for the expected difference at
``level``; the test is the matching two-sided t-test (``p_value``; ``significant`` when
``p_value < 1 - level``, i.e. when the interval excludes zero).

Many tests at once
------------------
A comparison of S scenarios on K KPIs runs up to S x K tests, and at ``alpha = 1 - level``
chance alone flags about ``alpha x tests`` of them as "significant" even if no scenario
changed anything. :func:`compare` therefore also gives Benjamini-Hochberg q-values
(``q_value``; ``significant_fdr`` when ``q_value < alpha``: the expected share of false
discoveries among those flagged is at most ``alpha``) over all tests of the table, and
:func:`multiplicity_summary` (also in ``DataFrame.attrs["multiplicity"]``) states the
number of tests, the number flagged and the number expected by chance.

Nothing missing crashes a comparison: a KPI with NaN or infinite samples, a KPI one side
did not compute, a failed or unfinished scenario, or a scenario computed on other data
gets its row with a ``reason`` (and NaN estimates) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from twinbench.scenarios.store import ResultStore

__all__ = ["HIGHER_IS_BETTER", "LOWER_IS_BETTER", "DeltaTest", "collect", "compare",
           "compare_pair", "delta_interval", "delta_test", "direction",
           "multiplicity_summary", "summary_text"]

#: KPIs where a smaller value is better (costs, tardiness, WIP, times)
LOWER_IS_BETTER = frozenset({
    "supply cost", "purchase cost", "spot purchases", "shortage cost", "energy cost",
    "holding cost", "tardiness", "plan tardiness", "lead time", "flow time", "makespan",
    "plan makespan", "WIP", "material wait"})
#: KPIs where a larger value is better (output, effectiveness, service); any other KPI
#: (e.g. ``utilisation``: busy machines are not better in themselves) is of unknown
#: direction and not ranked
HIGHER_IS_BETTER = frozenset({
    "throughput", "OEE", "fill rate", "on-time share", "plan on-time share", "units made",
    "service level"})

#: columns of :func:`compare`, in order
COLUMNS = ["scenario", "kpi", "unit", "direction", "base", "value", "delta", "improvement",
           "ci_low", "ci_high", "paired", "n_pairs", "n_base", "n_scenario", "p_value",
           "significant", "q_value", "significant_fdr", "better", "rank", "reason", "note"]


def direction(kpi: str) -> str | None:
    """``"lower"`` or ``"higher"`` (is better), or None for a KPI of unknown direction."""
    if kpi in LOWER_IS_BETTER:
        return "lower"
    if kpi in HIGHER_IS_BETTER:
        return "higher"
    return None


def _stack(samples: list[xr.DataArray], names: list[str]) -> xr.Dataset:
    """KPI samples of several scenarios on one ``scenario, kpi, sample`` grid.

    A sample is a world: matched by the ``world`` names when every scenario has them,
    else by position (sample ``i`` is world ``i``). KPIs and worlds a scenario lacks are
    NaN, and ``kpi_present`` says which KPIs each scenario computed.
    """
    parts, units = [], {}
    # worlds are matched by their names when every scenario has them, else by position
    by_name = all("world" in s.coords and s["world"].dims == ("sample",) for s in samples)
    for s, name in zip(samples, names, strict=True):
        if "unit" in s.coords:
            for k, u in zip(s["kpi"].values, np.atleast_1d(s["unit"].values), strict=True):
                units.setdefault(str(k), str(u))
            s = s.drop_vars("unit")
        labels = s["world"].values.astype(str) if by_name else np.arange(s.sizes["sample"])
        s = s.drop_vars([c for c in s.coords if c not in ("kpi",) and c != "sample"])
        parts.append(s.assign_coords(sample=labels).expand_dims(scenario=[name]))
    arr = xr.concat(parts, dim="scenario", join="outer", fill_value=np.nan)
    present = [xr.ones_like(p.isel(sample=0, drop=True), dtype=bool) for p in parts]
    ds = arr.to_dataset(name="kpi_samples")
    ds["kpi_present"] = xr.concat(present, dim="scenario", join="outer",
                                  fill_value=False).reindex_like(arr.isel(sample=0, drop=True))
    ds = ds.assign_coords(unit=("kpi", [units.get(str(k), "") for k in ds["kpi"].values]))
    ds["kpi_samples"].attrs["long_name"] = "KPI value per sample (world)"
    return ds


def collect(out: str | Path | ResultStore) -> xr.Dataset:
    """Every finished, named scenario's KPI samples in one Dataset.

    Returns
    -------
    xarray.Dataset
        ``kpi_samples`` (scenario, kpi, sample: the world), ``kpi_present``
        (scenario, kpi: whether the scenario computed that KPI), coords ``unit`` (kpi),
        ``scenario_id``, ``seed``, ``base_hash``, ``code_hash`` (scenario; hashes ``""``
        when unknown).
    """
    store = out if isinstance(out, ResultStore) else ResultStore(out)
    cat = store.catalog().query("status == 'done'")
    if cat.empty:
        raise ValueError(f"no finished scenario in {str(store.root)!r}; run a batch first")
    ds = _stack([store.load(sid)["kpi_samples"] for sid in cat["scenario_id"]],
                list(cat["name"]))
    return ds.assign_coords(
        scenario_id=("scenario", list(cat["scenario_id"])),
        seed=("scenario", [int(v) for v in cat["seed"]]),
        base_hash=("scenario", [_text(v) for v in cat["base_hash"]]),
        code_hash=("scenario", [_text(v) for v in cat["code_hash"]]))


def _text(v: object) -> str:
    return v if isinstance(v, str) else ""


@dataclass(frozen=True)
class DeltaTest:
    """A KPI delta ``other - base``: estimate, interval and test.

    Attributes
    ----------
    base, other
        Means of each side over the samples used.
    delta, ci_low, ci_high
        Mean difference and its interval (NaN when it cannot be estimated).
    p_value
        Two-sided t-test of "no difference" (NaN when not testable). A difference with
        no spread at all (e.g. a deterministic KPI) has p 0 when not zero, else 1.
    paired
        Paired by sample (world) or independent samples (Welch).
    n_pairs, n_base, n_other
        Worlds used in pairs (0 when unpaired); finite samples used of each side.
    reason
        Why there is no estimate or test (``""`` when there is).
    """

    base: float
    other: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    paired: bool
    n_pairs: int
    n_base: int
    n_other: int
    reason: str = ""


#: the note of a delta that no world varies (its "interval" is one point)
SAME_IN_EVERY_WORLD = "the same change in every world"


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else np.nan


def _bad_worlds(x: np.ndarray) -> str:
    """NaN and inf samples of a side, not counting the NaN padding at the end.

    Steps with fewer samples than others are padded with NaN at the end (see
    :mod:`twinbench.scenarios.runner`): those worlds were not run, nothing was lost.
    """
    x = np.asarray(x, float)
    ran = len(x) - int(np.argmax(~np.isnan(x[::-1]))) if (~np.isnan(x)).any() else 0
    x = x[:ran]
    nan, inf = int(np.isnan(x).sum()), int(np.isinf(x).sum())
    return ", ".join(p for p in (f"{nan} NaN" if nan else "", f"{inf} inf" if inf else "")
                     if p)


def delta_test(base: np.ndarray, other: np.ndarray, paired: bool, level: float = 0.9
               ) -> DeltaTest:
    """Mean difference ``other - base``, its ``level`` interval and two-sided t-test.

    Parameters
    ----------
    base, other
        Samples; when ``paired``, sample ``i`` of both is world ``i``, and only worlds
        where both are finite count.
    paired
        Pair by world (common random numbers) or compare independent samples (Welch).
    level
        Confidence level of the interval.

    >>> t = delta_test(np.array([1., 2, np.nan, 4]), np.array([2., np.inf, 5, 6]), True)
    >>> (t.delta, t.n_pairs)
    (1.5, 2)
    """
    base, other = np.asarray(base, float), np.asarray(other, float)
    nan = np.nan
    if paired:
        n = min(len(base), len(other))
        x, y = base[:n], other[:n]
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        d = y - x
        k = len(d)
        mean = _mean(d)
        if k < 2:
            reason = (f"only {k} world(s) with finite values in both base and scenario; "
                      "no interval")
            return DeltaTest(_mean(x), _mean(y), mean, nan, nan, nan, True, k, k, k, reason)
        sd = float(d.std(ddof=1))
        if sd == 0:
            p = 0.0 if mean != 0 else 1.0
            return DeltaTest(_mean(x), _mean(y), mean, mean, mean, p, True, k, k, k)
        se = sd / np.sqrt(k)
        half = float(stats.t.ppf(0.5 + level / 2, k - 1) * se)
        p = float(2 * stats.t.sf(abs(mean) / se, k - 1))
        return DeltaTest(_mean(x), _mean(y), mean, mean - half, mean + half, p, True, k, k, k)
    x, y = base[np.isfinite(base)], other[np.isfinite(other)]
    mean = _mean(y) - _mean(x)
    if len(x) < 2 or len(y) < 2:
        reason = (f"independent samples need at least 2 finite values on each side; found "
                  f"{len(x)} (base) and {len(y)} (scenario)")
        return DeltaTest(_mean(x), _mean(y), mean, nan, nan, nan, False, 0, len(x), len(y),
                         reason)
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = float(np.sqrt(va + vb))
    if se == 0:
        p = 0.0 if mean != 0 else 1.0
        return DeltaTest(_mean(x), _mean(y), mean, mean, mean, p, False, 0, len(x), len(y))
    dof = (va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    p = float(2 * stats.t.sf(abs(mean) / se, dof))
    return DeltaTest(_mean(x), _mean(y), mean, mean - half, mean + half, p, False, 0, len(x),
                     len(y))


def delta_interval(base: np.ndarray, other: np.ndarray, paired: bool, level: float = 0.9
                   ) -> tuple[float, float, float]:
    """Mean difference ``other - base`` and its ``level`` confidence interval.

    See :func:`delta_test` (this is its ``delta, ci_low, ci_high``).

    >>> d, lo, hi = delta_interval(np.array([1., 2, 3]), np.array([2., 3, 4]), paired=True)
    >>> (d, lo, hi)
    (1.0, 1.0, 1.0)
    """
    t = delta_test(base, other, paired, level)
    return t.delta, t.ci_low, t.ci_high


def compare_pair(base_result, result, name: str = "what-if", paired: bool = True,
                 level: float = 0.9) -> pd.DataFrame:
    """KPI deltas of one scenario result against the base result; rows as :func:`compare`.

    ``paired``: both ran with the same seed (common random numbers), so their samples pair.
    """
    ds = _stack([base_result.ds["kpi_samples"], result.ds["kpi_samples"]], ["base", name])
    ds = ds.assign_coords(seed=("scenario", [0, 0 if paired else 1]))
    return compare(ds, base="base", level=level)


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[-1] if lines else "no error recorded"


def compare(out: str | Path | ResultStore | xr.Dataset, base: str = "base",
            level: float = 0.9, kpis: list[str] | None = None) -> pd.DataFrame:
    """KPI deltas of every scenario against ``base``, tested, corrected and ranked.

    Parameters
    ----------
    out
        A results folder or store (finished scenarios; failed and unfinished ones get
        rows with a reason), or a Dataset as :func:`collect` returns.
    base
        Name of the base scenario.
    level
        Confidence level of the intervals; ``alpha = 1 - level`` for the tests.
    kpis
        Only these KPIs (the family of tests is then the rows returned).

    Returns
    -------
    pandas.DataFrame
        One row per scenario and KPI, columns :data:`COLUMNS`:

        ``base, value``: means over the samples used [unit]; ``delta`` = value - base;
        ``direction``: "lower is better", "higher is better" or "unknown";
        ``improvement``: the delta signed so that positive is better; ``paired``,
        ``n_pairs, n_base, n_scenario``: see :class:`DeltaTest`; ``p_value``,
        ``significant`` (p < alpha); ``q_value``, ``significant_fdr``
        (Benjamini-Hochberg over every tested row); ``better``: a finite improvement
        above zero; ``rank``: 1 = largest improvement of that KPI among the scenarios
        (KPIs of unknown direction and rows without an estimate are not ranked);
        ``reason``: why a row has no estimate or test (else ``""``); ``note``: caveats
        of a tested row (worlds dropped for NaN/inf, independent samples).

        ``attrs["multiplicity"]``: :func:`multiplicity_summary` of the table.

    Raises
    ------
    ValueError
        No finished scenario, or the base is not among them (with the names found).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, found {level!r}")
    catalog = None
    if isinstance(out, xr.Dataset):
        ds = out
    else:
        store = out if isinstance(out, ResultStore) else ResultStore(out)
        catalog = store.catalog()
        if base in set(catalog["name"]):
            row = catalog.set_index("name").loc[base]
            if row["status"] != "done":
                raise ValueError(f"base scenario {base!r} is {row['status']!r}, not done"
                                 + (f": {_first_line(row['error'])}" if row["error"] else "")
                                 + "; nothing to compare against. Fix it and run the batch "
                                   "again, or pass base=...")
        ds = collect(store)
    names = [str(s) for s in ds["scenario"].values]
    if base not in names:
        raise ValueError(f"base scenario {base!r} not among the results; found {names!r}. "
                         "Add a scenario without edits named 'base' or pass base=...")
    s = ds["kpi_samples"]
    all_kpis = [str(k) for k in s["kpi"].values]
    if kpis is not None:
        unknown = sorted(set(kpis) - set(all_kpis))
        if unknown:
            raise ValueError(f"unknown KPI(s) {unknown!r}; allowed: {sorted(all_kpis)!r}")
        all_kpis = [k for k in all_kpis if k in kpis]
    units = ({str(k): str(u) for k, u in zip(s["kpi"].values, s["unit"].values, strict=True)}
             if "unit" in s.coords else {})
    # without the record of which KPIs each scenario computed, all count as computed
    present = ds["kpi_present"] if "kpi_present" in ds else xr.ones_like(
        s.isel(sample=0, drop=True), dtype=bool)
    b = s.sel(scenario=base)
    base_kpis = [k for k in all_kpis if bool(present.sel(scenario=base, kpi=k))]

    def coord(name: str, scenario: str) -> object:
        return ds[name].sel(scenario=scenario).item() if name in ds.coords else None

    rows: list[dict] = []

    def add(name: str, kpi: str, **values: object) -> None:
        d = direction(kpi)
        rows.append({"scenario": name, "kpi": kpi, "unit": units.get(kpi, ""),
                     "direction": f"{d} is better" if d else "unknown", **values})

    for name in names:
        if name == base:
            continue
        why = ""
        for h, what in (("base_hash", "data or settings"), ("code_hash", "code")):
            hb, hs = coord(h, base), coord(h, name)
            if hb and hs and hb != hs:
                why = (f"computed on other {what} than the base ({h} {hs} vs {hb}): not "
                       "comparable; run the batch again to recompute both")
                break
        if why:
            for kpi in all_kpis:
                add(name, kpi, base=_finite_mean(b.sel(kpi=kpi).values), reason=why)
            continue
        paired = coord("seed", name) == coord("seed", base)
        for kpi in all_kpis:
            x, y = b.sel(kpi=kpi).values, s.sel(scenario=name, kpi=kpi).values
            in_base = bool(present.sel(scenario=base, kpi=kpi))
            in_sc = bool(present.sel(scenario=name, kpi=kpi))
            if not (in_base and in_sc):
                side = "the base nor the scenario" if not (in_base or in_sc) else (
                    "the base" if not in_base else "the scenario")
                add(name, kpi, base=_finite_mean(x), value=_finite_mean(y), paired=paired,
                    reason=f"KPI not computed in {side}")
                continue
            t = delta_test(x, y, paired, level)
            notes = []
            if not paired:
                notes.append("other seed than the base: independent samples (Welch)")
            bad = [f"{side} {_bad_worlds(v)}" for side, v in (("base", x), ("scenario", y))
                   if _bad_worlds(v)]
            if bad:
                notes.append("non-finite samples left out (" + "; ".join(bad) + ")")
            if not t.reason and t.ci_low == t.ci_high:
                notes.append(f"{SAME_IN_EVERY_WORLD} ({t.n_pairs or t.n_other} worlds): "
                             "a fixed figure, no interval")
            add(name, kpi, base=t.base, value=t.other, delta=t.delta, ci_low=t.ci_low,
                ci_high=t.ci_high, paired=t.paired, n_pairs=t.n_pairs, n_base=t.n_base,
                n_scenario=t.n_other, p_value=t.p_value, reason=t.reason,
                note="; ".join(notes))
    if catalog is not None:
        others = catalog[(catalog["status"] != "done") & (catalog["name"] != base)]
        for _, row in others.iterrows():
            why = (f"scenario failed: {_first_line(row['error'])}" if row["status"] ==
                   "failed" else f"not finished (status {row['status']!r}); run the batch "
                                 "again to finish it")
            for kpi in base_kpis:
                add(str(row["name"]), kpi, base=_finite_mean(b.sel(kpi=kpi).values),
                    reason=why)
    return _finish(pd.DataFrame(rows, columns=COLUMNS[:4] + [
        c for c in COLUMNS[4:] if c not in ("improvement", "significant", "q_value",
                                             "significant_fdr", "better", "rank")]), level)


def _finite_mean(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    return _mean(x[np.isfinite(x)])


def _finish(df: pd.DataFrame, level: float) -> pd.DataFrame:
    """Add the signed improvement, significance, BH q-values and ranks."""
    from statsmodels.stats.multitest import multipletests

    alpha = 1 - level
    for col in ("base", "value", "delta", "ci_low", "ci_high", "p_value"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    for col in ("n_pairs", "n_base", "n_scenario"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype(int)
    df["paired"] = df["paired"].map(lambda v: bool(v) if isinstance(v, bool | np.bool_)
                                    else False)
    for col in ("reason", "note"):
        df[col] = df[col].map(lambda v: v if isinstance(v, str) else "").astype(str)
    sign = df["kpi"].map(lambda k: {"lower": -1.0, "higher": 1.0}.get(direction(k) or "",
                                                                      np.nan))
    df["improvement"] = sign * df["delta"]
    tested = np.isfinite(df["p_value"].to_numpy())
    df["significant"] = tested & (df["p_value"].fillna(1.0) < alpha)
    df["q_value"] = np.nan
    if tested.any():
        _, q, _, _ = multipletests(df.loc[tested, "p_value"].to_numpy(), alpha=alpha,
                                   method="fdr_bh")
        df.loc[tested, "q_value"] = q
    df["significant_fdr"] = tested & (df["q_value"].fillna(1.0) < alpha)
    df["better"] = np.isfinite(df["improvement"]) & (df["improvement"].fillna(0) > 0)
    df["rank"] = (df.groupby("kpi")["improvement"].rank(method="min", ascending=False)
                  .astype("Int64"))
    df = df[COLUMNS]
    df.attrs["multiplicity"] = multiplicity_summary(df, level)
    return df


def multiplicity_summary(df: pd.DataFrame, level: float = 0.9) -> dict[str, float | int]:
    """How many "significant" flags chance alone would give in a :func:`compare` table.

    Returns
    -------
    dict
        ``alpha`` (1 - level), ``tests`` (rows with a p-value), ``significant`` (flagged
        at alpha), ``expected_by_chance`` (alpha x tests: flags expected if no scenario
        changed any KPI), ``significant_fdr`` (flagged after Benjamini-Hochberg at FDR
        alpha), ``untested`` (rows with a reason).

    >>> t = pd.DataFrame({"p_value": [0.001, 0.04, 0.3, np.nan],
    ...                   "significant": [True, True, False, False],
    ...                   "significant_fdr": [True, False, False, False]})
    >>> multiplicity_summary(t, level=0.95)["expected_by_chance"]
    0.15
    """
    alpha = round(1 - level, 12)
    tests = int(np.isfinite(df["p_value"].to_numpy(float)).sum())
    return {"alpha": alpha, "tests": tests, "significant": int(df["significant"].sum()),
            "expected_by_chance": round(alpha * tests, 12),
            "significant_fdr": int(df["significant_fdr"].sum()),
            "untested": int(len(df) - tests)}


def summary_text(summary: dict[str, float | int]) -> str:
    """One paragraph for people: flags, flags expected by chance, flags after BH."""
    a, m = summary["alpha"], summary["tests"]
    text = (f"{summary['significant']} of {m} changes are significant at alpha = {a:g}; "
            f"chance alone would flag about {summary['expected_by_chance']:.1f} of {m} even "
            f"if no scenario changed anything (alpha x tests). After the Benjamini-Hochberg "
            f"correction (false discovery rate {a:g}): {summary['significant_fdr']} remain "
            "(column significant_fdr, q_value).")
    if summary["untested"]:
        text += f" {summary['untested']} row(s) could not be tested (column reason says why)."
    return text
