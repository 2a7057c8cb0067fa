"""Telemetry loading: formats, units, dims and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twinbench.data.telemetry import (
    VARIABLES,
    TelemetryError,
    load_telemetry,
    read_table,
    write_table,
)


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    times = pd.date_range("2025-01-01", periods=48, freq="h")
    rows = []
    for m in ("M1", "M2"):
        rows.append(pd.DataFrame({"time": times, "machine": m,
                                  "load": rng.uniform(0, 1, 48),
                                  "temperature": rng.normal(40, 1, 48),
                                  "power": rng.uniform(1, 10, 48)}))
    return pd.concat(rows, ignore_index=True)


def test_demo_telemetry_dataset(demo_plant) -> None:
    ds = demo_plant.telemetry
    assert ds["load"].dims == ("machine", "time")
    assert ds.sizes["time"] == 365 * 24
    assert sorted(ds["machine"].values.tolist()) == sorted(demo_plant.spec.machines)
    for name, var in VARIABLES.items():
        assert ds[name].attrs["units"] == var.unit
    assert ds.attrs["duplicates_dropped"] == 5
    # the 12-hour gap on WELD2 is kept as missing values on the regular axis
    gap = ds["load"].sel(machine="WELD2", time=slice("2025-03-10 04:00", "2025-03-10 15:00"))
    assert int(gap.isnull().sum()) == 12
    assert len(ds.attrs["sha256"]) == 64


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_roundtrip_formats(table: pd.DataFrame, tmp_path, suffix: str) -> None:
    path = write_table(table, tmp_path / f"t{suffix}")
    df, units = read_table(path)
    assert list(df.columns) == list(table.columns)
    assert units == {"load": "1", "temperature": "degC", "power": "kW"}
    ds = load_telemetry(path)
    np.testing.assert_allclose(ds["temperature"].sel(machine="M2").values,
                               table[table.machine == "M2"]["temperature"].values)


def test_declared_units_are_converted(table: pd.DataFrame, tmp_path) -> None:
    t = table.copy()
    t["temperature"] = t["temperature"] * 1.8 + 32
    t["power"] = t["power"] * 1000
    path = write_table(t, tmp_path / "t.csv", units={"temperature": "degF", "power": "W",
                                                     "load": "1"})
    ds = load_telemetry(path)
    np.testing.assert_allclose(ds["temperature"].sel(machine="M1").values,
                               table[table.machine == "M1"]["temperature"].values)
    np.testing.assert_allclose(ds["power"].sel(machine="M1").values,
                               table[table.machine == "M1"]["power"].values)
    assert ds["power"].attrs["units"] == "kW"


def test_netcdf_roundtrip(table: pd.DataFrame, tmp_path) -> None:
    ds = load_telemetry(write_table(table, tmp_path / "t.parquet"))
    ds.to_netcdf(tmp_path / "t.nc", engine="h5netcdf")
    again = load_telemetry(tmp_path / "t.nc")
    np.testing.assert_allclose(again["load"].values, ds["load"].values)
    assert again["load"].attrs["units"] == "1"


def test_wrong_dimension_unit_is_an_error(table: pd.DataFrame, tmp_path) -> None:
    path = write_table(table, tmp_path / "t.csv", units={"temperature": "kW"})
    with pytest.raises(TelemetryError, match=r"'temperature' declared in 'kW'.*degC"):
        load_telemetry(path)


def test_missing_columns_and_format(tmp_path) -> None:
    (tmp_path / "t.csv").write_text("timestamp,load\n2025-01-01,0.5\n")
    with pytest.raises(TelemetryError, match=r"missing column\(s\) \['time', 'machine'\]"):
        load_telemetry(tmp_path / "t.csv")
    (tmp_path / "t.xlsx").write_text("")
    with pytest.raises(TelemetryError, match=r"'\.xlsx'"):
        load_telemetry(tmp_path / "t.xlsx")
    with pytest.raises(FileNotFoundError):
        load_telemetry(tmp_path / "none.parquet")
