"""Comparisons that never crash on missing values, pair by world, rank by direction and
say how many "significant" flags chance alone would give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats
from typer.testing import CliRunner

from twinbench.cli import app
from twinbench.scenarios.compare import (
    compare,
    delta_test,
    direction,
    multiplicity_summary,
)
from twinbench.scenarios.store import ResultStore

N = 10  # worlds


def samples_ds(data: dict[str, dict[str, np.ndarray]], seeds: dict[str, int] | None = None,
               units: dict[str, str] | None = None) -> xr.Dataset:
    """A comparison Dataset by hand: {scenario: {kpi: samples}} (all with every KPI)."""
    names = list(data)
    kpis = list(next(iter(data.values())))
    arr = np.array([[data[n][k] for k in kpis] for n in names], float)
    return xr.Dataset(
        {"kpi_samples": (("scenario", "kpi", "sample"), arr)},
        coords={"scenario": names, "kpi": kpis,
                "unit": ("kpi", [(units or {}).get(k, "EUR") for k in kpis]),
                "seed": ("scenario", [(seeds or {}).get(n, 0) for n in names])})


def result(kpis: dict[str, np.ndarray], units: dict[str, str]) -> xr.Dataset:
    names = list(kpis)
    n = max(len(v) for v in kpis.values())
    arr = np.full((len(names), n), np.nan)
    for i, v in enumerate(kpis.values()):
        arr[i, :len(v)] = v
    return xr.Dataset({"kpi_samples": (("kpi", "sample"), arr)},
                      coords={"kpi": names, "unit": ("kpi", [units[k] for k in names])})


def with_p(base: np.ndarray, p: float, mean: float = 1.0) -> np.ndarray:
    """``base`` plus paired differences whose two-sided t-test has exactly p-value ``p``."""
    z = np.random.default_rng(7).normal(size=len(base))
    z = (z - z.mean()) / z.std(ddof=1)
    t = stats.t.isf(p / 2, len(base) - 1)
    return base + mean + mean / t * np.sqrt(len(base)) * z


def test_nan_inf_and_single_worlds_are_reported_not_crashed():
    rng = np.random.default_rng(0)
    base = rng.normal(100, 5, N)
    other = base + 3 + rng.normal(0, 1, N)
    b_cost, o_cost = base.copy(), other.copy()
    b_cost[2], o_cost[5] = np.nan, np.inf  # two worlds lost, one on each side
    lone = np.full(N, np.nan)
    lone[0] = 1.0
    ds = samples_ds({
        "base": {"supply cost": b_cost, "OEE": np.full(N, np.nan), "WIP": lone,
                 "energy cost": base},
        "x": {"supply cost": o_cost, "OEE": np.full(N, np.nan), "WIP": lone + 1,
              "energy cost": np.full(N, np.inf)}})
    with np.errstate(all="raise"):  # not even a warning of an empty mean
        df = compare(ds).set_index("kpi")
    cost = df.loc["supply cost"]
    keep = np.isfinite(b_cost) & np.isfinite(o_cost)
    assert cost["n_pairs"] == N - 2 and cost["paired"]
    assert cost["delta"] == pytest.approx(np.mean(o_cost[keep] - b_cost[keep]))
    assert cost["base"] == pytest.approx(b_cost[keep].mean())
    assert cost["p_value"] == pytest.approx(stats.ttest_rel(o_cost[keep], b_cost[keep]).pvalue)
    assert cost["reason"] == "" and "base 1 NaN" in cost["note"] and "scenario 1 inf" in \
        cost["note"]
    assert np.isnan(df.loc["OEE", "delta"]) and "only 0 world(s)" in df.loc["OEE", "reason"]
    wip = df.loc["WIP"]
    assert wip["delta"] == 1.0 and wip["n_pairs"] == 1 and np.isnan(wip["ci_low"])
    assert "only 1 world(s)" in wip["reason"] and not wip["significant"]
    assert "only 0 world(s)" in df.loc["energy cost", "reason"]
    untested = df[df["reason"] != ""]
    assert untested["p_value"].isna().all() and untested["q_value"].isna().all()
    assert not untested["significant"].any() and not untested["significant_fdr"].any()
    # ranked where there is an estimate (even a weak one), never where there is none
    assert df.loc["WIP", "rank"] == 1 and not df.loc["WIP", "better"]  # WIP: lower is better
    assert df.loc[["OEE", "energy cost"], "rank"].isna().all()
    assert not df.loc[["OEE", "energy cost"], "better"].any()
    assert df.attrs["multiplicity"]["tests"] == 1
    assert df.attrs["multiplicity"]["untested"] == 3


def test_pairs_only_worlds_finite_in_both():
    # world i of the base pairs with world i of the scenario, never with another world
    b = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    y = np.array([2.0, 5.0, np.nan, 6.0, 8.0])
    t = delta_test(b, y, paired=True)
    assert t.n_pairs == 3 and t.delta == pytest.approx(np.mean([1.0, 2.0, 3.0]))
    w = delta_test(b, y, paired=False)  # other seed: independent samples
    assert w.n_pairs == 0 and (w.n_base, w.n_other) == (4, 4)
    assert w.delta == pytest.approx(np.mean([2.0, 5, 6, 8]) - np.mean([1.0, 3, 4, 5]))
    ref = stats.ttest_ind([2.0, 5, 6, 8], [1.0, 3, 4, 5], equal_var=False).pvalue
    assert w.p_value == pytest.approx(ref)


def test_ranks_follow_the_direction_of_each_kpi():
    assert direction("tardiness") == "lower" and direction("fill rate") == "higher"
    assert direction("WIP") == "lower" and direction("on-time share") == "higher"
    assert direction("flow time") == "lower" and direction("OEE") == "higher"
    base = np.linspace(10, 20, N)
    bump = np.random.default_rng(1).normal(0, 0.01, N)
    ds = samples_ds({
        "base": {"supply cost": base, "throughput": base, "mystery": base},
        "cheap": {"supply cost": base - 10 + bump, "throughput": base - 1 + bump,
                  "mystery": base + 1 + bump},
        "dear": {"supply cost": base + 5 + bump, "throughput": base + 2 + bump,
                 "mystery": base - 1 + bump}})
    df = compare(ds).set_index(["scenario", "kpi"])
    assert df.loc[("cheap", "supply cost"), "rank"] == 1  # lower cost is better
    assert df.loc[("dear", "supply cost"), "rank"] == 2
    assert df.loc[("cheap", "supply cost"), "improvement"] == pytest.approx(10, abs=0.1)
    assert df.loc[("dear", "throughput"), "rank"] == 1  # more throughput is better
    assert df.loc[("cheap", "throughput"), "better"] == False  # noqa: E712
    assert df.loc[("cheap", "supply cost"), "direction"] == "lower is better"
    mystery = df.xs("mystery", level="kpi")
    assert mystery["rank"].isna().all() and (mystery["direction"] == "unknown").all()
    assert not mystery["better"].any()


def test_multiplicity_on_a_hand_made_example():
    """Four tests with p = 0.01, 0.04, 0.03, 0.2 at alpha = 0.05.

    By hand: three have p < 0.05; chance alone gives 0.05 x 4 = 0.2 flags. BH: sorted p
    0.01, 0.03, 0.04, 0.2 -> p m / i = 0.04, 0.06, 0.0533, 0.2 -> running minimum from
    the top: 0.04, 0.0533, 0.0533, 0.2; only the first stays below 0.05.
    """
    base = np.linspace(100, 110, N)
    ps = {"s1": 0.01, "s2": 0.04, "s3": 0.03, "s4": 0.2}
    data = {"base": {"tardiness": base}} | {n: {"tardiness": with_p(base, p)}
                                              for n, p in ps.items()}
    df = compare(samples_ds(data, units={"tardiness": "h"}), level=0.95).set_index("scenario")
    assert df["p_value"].to_dict() == pytest.approx(ps, rel=1e-6)
    assert df["q_value"].to_dict() == pytest.approx(
        {"s1": 0.04, "s2": 0.16 / 3, "s3": 0.16 / 3, "s4": 0.2}, rel=1e-6)
    assert df["significant"].to_dict() == {"s1": True, "s2": True, "s3": True, "s4": False}
    assert df["significant_fdr"].to_dict() == {"s1": True, "s2": False, "s3": False,
                                               "s4": False}
    # the interval agrees with the test: it excludes zero exactly when p < alpha
    assert ((df["ci_low"] > 0) == df["significant"]).all()
    summary = df.attrs["multiplicity"]
    assert summary == multiplicity_summary(df.reset_index(), level=0.95)
    assert summary == {"alpha": 0.05, "tests": 4, "significant": 3,
                       "expected_by_chance": 0.2, "significant_fdr": 1, "untested": 0}


def test_pure_noise_flags_about_what_chance_predicts():
    rng = np.random.default_rng(3)
    base = rng.normal(50, 5, N)
    data = {"base": {"WIP": base}} | {f"n{i}": {"WIP": base + rng.normal(0, 1, N)}
                                      for i in range(200)}
    df = compare(samples_ds(data, units={"WIP": "unit"}))  # alpha 0.1
    summary = df.attrs["multiplicity"]
    assert summary["expected_by_chance"] == pytest.approx(20.0)
    assert 8 <= summary["significant"] <= 32  # binomial(200, 0.1): 20 +- 2.7 sd
    assert summary["significant_fdr"] <= 2  # BH keeps false discoveries rare


def make_folder(tmp_path) -> ResultStore:
    """A results folder by hand: base, a scenario missing a KPI and with NaN/inf samples,
    one failed, one unfinished, one computed on other data."""
    store = ResultStore(tmp_path / "out")
    entries = [("b0", "base", "", [], 0), ("x0", "x", "", [], 0), ("f0", "broken", "", [], 0),
               ("p0", "waiting", "", [], 0)]
    store.register_batch(entries, base_hash="data1", code_hash="code1")
    store.register_batch([("o0", "stale", "", [], 0)], base_hash="data0", code_hash="code1")
    units = {"supply cost": "EUR", "fill rate": "1", "tardiness": "h"}
    rng = np.random.default_rng(5)
    cost = rng.normal(1000, 50, N)
    fill = rng.uniform(0.8, 0.9, N)
    tard = rng.normal(20, 2, N)
    x_cost = cost + 40 + rng.normal(0, 5, N)
    x_cost[[1, 3]] = [np.nan, np.inf]
    for sid, kpis in (("b0", {"supply cost": cost, "fill rate": fill, "tardiness": tard}),
                      ("x0", {"supply cost": x_cost, "fill rate": fill + 0.01}),
                      ("o0", {"supply cost": cost, "fill rate": fill, "tardiness": tard})):
        store.mark_running(sid)
        store.save(sid, result(kpis, units), pd.DataFrame({"kpi": list(kpis)}), {}, {})
    store.fail("f0", "Traceback ...\nInfeasible: no plan meets the demand of week 3")
    return store


def test_compare_a_folder_with_missing_failed_unfinished_and_stale_results(tmp_path):
    store = make_folder(tmp_path)
    df = compare(store).set_index(["scenario", "kpi"])
    assert not df.index.duplicated().any()
    assert set(df.index.get_level_values(0)) == {"x", "broken", "waiting", "stale"}
    x = df.loc["x"]
    assert x.loc["tardiness", "reason"] == "KPI not computed in the scenario"
    assert x.loc["supply cost", "n_pairs"] == N - 2 and x.loc["supply cost", "reason"] == ""
    assert "scenario 1 NaN, 1 inf" in x.loc["supply cost", "note"]
    assert x.loc["fill rate", "better"] and x.loc["fill rate", "unit"] == "1"
    assert (df.loc["broken", "reason"] ==
            "scenario failed: Infeasible: no plan meets the demand of week 3").all()
    assert len(df.loc["broken"]) == 3  # one row per KPI of the base
    assert df.loc["waiting", "reason"].str.startswith("not finished (status 'pending')").all()
    assert df.loc["stale", "reason"].str.startswith(
        "computed on other data or settings than the base").all()
    assert df["delta"].notna().sum() == 2
    assert df.attrs["multiplicity"]["tests"] == 2
    with pytest.raises(ValueError, match="unknown KPI"):
        compare(store, kpis=["nope"])
    only = compare(store, kpis=["supply cost"])
    assert set(only["kpi"]) == {"supply cost"} and only.attrs["multiplicity"]["tests"] == 1


def test_a_failed_base_is_a_clear_error(tmp_path):
    store = ResultStore(tmp_path / "out")
    store.register_batch([("b0", "base", "", [], 0), ("x0", "x", "", [], 0)])
    store.save("x0", result({"WIP": np.ones(3)}, {"WIP": "unit"}), pd.DataFrame(), {}, {})
    store.fail("b0", "ValueError: bad edit")
    with pytest.raises(ValueError, match=r"base scenario 'base' is 'failed'.*bad edit"):
        compare(store)


def test_cli_compare_prints_the_chance_figure_and_reasons(tmp_path):
    store = make_folder(tmp_path)
    csv = tmp_path / "c.csv"
    res = CliRunner().invoke(app, ["compare", str(store.root), "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    assert "chance alone would flag about 0.2 of 2" in res.output
    assert "Benjamini-Hochberg" in res.output and "scenario failed: Infeasible" in res.output
    assert "KPI not computed in the scenario" in res.output
    assert "note x / supply cost" in res.output
    table = pd.read_csv(csv)
    assert {"p_value", "q_value", "significant_fdr", "n_pairs", "reason"} <= set(table)
    res = CliRunner().invoke(app, ["compare", str(store.root), "--kpi", "tardiness"])
    assert res.exit_code == 0, res.output
    assert "0 of 0 changes" in res.output and "could not be tested" in res.output
    res = CliRunner().invoke(app, ["compare", str(store.root), "--kpi", "nope"])
    assert res.exit_code == 2 and "unknown KPI" in res.output


def test_a_delta_no_world_varies_is_a_fixed_figure_not_an_interval():
    rng = np.random.default_rng(3)
    base = rng.normal(100.0, 10.0, N)
    ds = samples_ds({"base": {"cost": base, "fill": base / 200},
                     "s": {"cost": base + 0.0, "fill": base / 200 + rng.normal(0, .01, N)}})
    out = compare(ds).set_index("kpi")
    assert out.loc["cost", "delta"] == 0.0
    assert "the same change in every world (10 worlds)" in out.loc["cost", "note"]
    assert "same change" not in out.loc["fill", "note"]  # it varies: a real interval
    assert out.loc["fill", "ci_low"] < out.loc["fill", "ci_high"]
