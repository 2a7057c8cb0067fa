"""Data-quality checks: each injected defect is found, clean data yields no findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from twinbench.data.demo import simulate_telemetry
from twinbench.data.plant import DEMO_DIR as DEMO
from twinbench.data.quality import check_file, check_table
from twinbench.data.telemetry import table_to_dataset, write_table


@pytest.fixture(scope="module")
def clean(demo_spec) -> pd.DataFrame:
    times = pd.date_range("2025-05-01", periods=24 * 60, freq="h")
    table, _, _ = simulate_telemetry(demo_spec, times, np.random.default_rng(11))
    return table[table.machine.isin(["LASER1", "PAINT2", "WELD3"])].reset_index(drop=True)


def rows(df: pd.DataFrame, machine: str, start: str, hours: int) -> pd.Index:
    t0 = pd.Timestamp(start)
    sel = (df.machine == machine) & (df.time >= t0) & (df.time < t0 + pd.Timedelta(hours=hours))
    return df.index[sel]


def only(report, check: str) -> pd.DataFrame:
    """The findings of ``check``, asserting there is no other finding."""
    f = report.findings
    assert set(f["check"]) == {check}, f
    return f


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_clean_data_has_no_findings(demo_spec, seed: int) -> None:
    times = pd.date_range("2025-01-01", periods=24 * 90, freq="h")
    table, _, _ = simulate_telemetry(demo_spec, times, np.random.default_rng(seed))
    report = check_table(table)
    assert len(report) == 0, report.findings
    assert report.ok


def test_demo_findings_are_exactly_the_injected_defects() -> None:
    truth = json.loads((DEMO / "truth.json").read_text())["defects"]
    report = check_file(DEMO / "telemetry.parquet")
    f = report.findings
    expected = {(d["check"], d["machine"]) for d in truth}
    assert set(zip(f["check"], f["machine"], strict=True)) == expected
    spikes = f[f.check == "spike"]
    assert sorted(spikes.start.astype(str)) == sorted(
        pd.Timestamp(d["start"]).isoformat(sep=" ") for d in truth if d["check"] == "spike")
    assert (spikes.variable == "vibration").all()
    assert f[f.check == "gap"].n.sum() == 12
    assert f[f.check == "duplicate"].n.sum() == 5
    assert f[f.check == "out_of_order"].n.sum() == 3
    assert f[f.check == "stuck"].n.sum() == 30
    assert f[f.check == "unit_mismatch"].n.sum() == 14 * 24
    assert "degF" in f[f.check == "unit_mismatch"].message.iloc[0]
    assert not report.ok


def test_gap(clean: pd.DataFrame) -> None:
    df = clean.drop(index=rows(clean, "WELD3", "2025-05-20 09:00", 7))
    [gap] = only(check_table(df), "gap").itertuples()
    assert (gap.machine, gap.n) == ("WELD3", 7)
    assert gap.start == pd.Timestamp("2025-05-20 09:00")
    assert gap.end == pd.Timestamp("2025-05-20 15:00")


def test_duplicates_and_out_of_order(clean: pd.DataFrame) -> None:
    dup = pd.concat([clean, clean.loc[rows(clean, "LASER1", "2025-06-02 10:00", 4)]],
                    ignore_index=True)
    [d] = only(check_table(dup), "duplicate").itertuples()
    assert (d.machine, d.n) == ("LASER1", 4)
    swapped = clean.copy()
    for ts in ("2025-05-05 07:00", "2025-05-19 12:00", "2025-06-10 18:00"):
        i, j = rows(swapped, "PAINT2", ts, 2)
        swapped.loc[[i, j]] = swapped.loc[[j, i]].to_numpy()
    [o] = only(check_table(swapped), "out_of_order").itertuples()
    assert (o.machine, o.n) == ("PAINT2", 3)


def test_spikes(clean: pd.DataFrame) -> None:
    df = clean.copy()
    times = ["2025-05-07 10:00", "2025-05-21 15:00", "2025-06-18 09:00"]
    for ts in times:
        i = rows(df, "WELD3", ts, 1)
        df.loc[i, "vibration"] = df.loc[i, "vibration"] * 8
    f = only(check_table(df), "spike")
    assert list(f.machine) == ["WELD3"] * 3 and set(f.variable) == {"vibration"}
    assert sorted(f.start) == [pd.Timestamp(t) for t in times]


def test_stuck(clean: pd.DataFrame) -> None:
    df = clean.copy()
    i = rows(df, "LASER1", "2025-05-14 20:00", 10)
    df.loc[i, "temperature"] = df.loc[i[0], "temperature"]
    [s] = only(check_table(df), "stuck").itertuples()
    assert (s.machine, s.variable, s.n) == ("LASER1", "temperature", 10)
    assert s.start == pd.Timestamp("2025-05-14 20:00")


def test_unit_mismatch_degf_and_watts(clean: pd.DataFrame) -> None:
    df = clean.copy()
    i = rows(df, "PAINT2", "2025-05-12 00:00", 5 * 24)
    df.loc[i, "temperature"] = df.loc[i, "temperature"] * 1.8 + 32
    j = rows(df, "LASER1", "2025-06-03 00:00", 3 * 24)
    df.loc[j, "power"] = df.loc[j, "power"] * 1000
    f = only(check_table(df), "unit_mismatch").set_index("machine")
    assert f.loc["PAINT2", "n"] == 120 and "degF" in f.loc["PAINT2", "message"]
    assert f.loc["PAINT2", "start"] == pd.Timestamp("2025-05-12 00:00")
    assert f.loc["LASER1", "n"] == 72 and "looks like W " in f.loc["LASER1", "message"]


def test_declared_units(clean: pd.DataFrame) -> None:
    df = clean.copy()
    df["temperature"] = df["temperature"] * 1.8 + 32
    report = check_table(df, {"temperature": "degF"})
    [f] = report.findings.itertuples()
    assert (f.check, f.severity) == ("unit_declared", "info")
    assert report.ok
    report = check_table(clean, {"temperature": "kW"})
    [f] = report.findings.itertuples()
    assert (f.check, f.severity) == ("unit_declared", "error")
    assert "'kW'" in f.message and "'degC'" in f.message and "'degF'" in f.message
    assert not report.ok


def test_mask_sets_flagged_samples_to_nan_only(clean: pd.DataFrame) -> None:
    df = clean.copy()
    spike = rows(df, "WELD3", "2025-05-07 10:00", 1)
    df.loc[spike, "vibration"] *= 8
    stuck = rows(df, "LASER1", "2025-05-14 20:00", 10)
    df.loc[stuck, "temperature"] = df.loc[stuck[0], "temperature"]
    ds = table_to_dataset(df)
    report = check_table(df)
    masked = report.mask(ds)
    assert masked is not ds and int(ds["vibration"].isnull().sum()) == 0
    assert int(masked["vibration"].isnull().sum()) == 1
    assert np.isnan(float(masked["vibration"].sel(machine="WELD3", time="2025-05-07 10:00")))
    assert int(masked["temperature"].isnull().sum()) == 10
    assert masked.attrs["quality_masked_samples"] == 11
    untouched = masked["load"].equals(ds["load"])
    assert untouched


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_file_formats_give_same_findings(clean: pd.DataFrame, tmp_path, suffix: str) -> None:
    df = clean.drop(index=rows(clean, "WELD3", "2025-05-20 09:00", 3))
    path = write_table(df, tmp_path / f"t{suffix}")
    a, b = check_file(path).findings, check_table(df).findings
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert len(a) == 1
