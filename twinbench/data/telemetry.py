"""Telemetry: read sensor tables (Parquet, CSV, NetCDF) into an ``xarray.Dataset``.

A telemetry *table* is long in machines and wide in variables: one row per
(``time``, ``machine``) with one column per sensor variable. Units are declared per column:
in Parquet in the schema metadata key ``twinbench.units`` (JSON ``{column: unit}``), in CSV
in the header as ``temperature[degC]``. Declared units are converted to the canonical units
of :data:`VARIABLES`; a unit of the wrong kind is an error.

The Dataset has dims ``(machine, time)``, one variable per sensor with ``units`` and
``long_name`` attributes, and ``attrs`` recording the source file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xarray as xr

from twinbench.units import CANONICAL, UnitError, convert, dimension_of

__all__ = [
    "VARIABLES",
    "TelemetryError",
    "Variable",
    "file_sha256",
    "load_telemetry",
    "read_table",
    "table_to_dataset",
    "write_table",
]

UNITS_KEY = b"twinbench.units"


@dataclass(frozen=True)
class Variable:
    """A telemetry variable: its physical dimension, canonical unit and plausible range.

    Attributes
    ----------
    dimension
        Physical dimension (a key of :data:`twinbench.units.CANONICAL`).
    long_name
        Human-readable name.
    plausible
        Range of values a healthy sensor reports, in the canonical unit.
    stationary
        Whether the variable has a usual level (by weekday); False for cumulative
        indicators such as wear, whose level moves with maintenance.
    """

    dimension: str
    long_name: str
    plausible: tuple[float, float]
    stationary: bool = True

    @property
    def unit(self) -> str:
        """Canonical unit."""
        return CANONICAL[self.dimension]


#: the sensor variables twinbench knows
VARIABLES: dict[str, Variable] = {
    "load": Variable("fraction", "machine load (fraction of rated)", (0.0, 1.2)),
    "temperature": Variable("temperature", "machine temperature", (-20.0, 150.0)),
    "vibration": Variable("velocity", "vibration velocity RMS", (0.0, 50.0)),
    "power": Variable("power", "electrical power", (0.0, 1000.0)),
    "wear": Variable("fraction", "wear indicator (0 new, 1 worn out)", (-0.2, 2.0), False),
}


class TelemetryError(ValueError):
    """A telemetry file cannot be read as telemetry."""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.+)\])?\s*$")


def read_table(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a telemetry table as it is in the file: no sorting, no de-duplication.

    Parameters
    ----------
    path
        A ``.parquet`` or ``.csv`` file.

    Returns
    -------
    table
        Columns ``time`` (datetime64), ``machine`` (str) and one float column per variable.
    units
        Declared unit of each variable column, as found in the file.

    Raises
    ------
    TelemetryError
        If the format is unknown or ``time``/``machine`` columns are missing.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"telemetry file {str(path)!r} not found")
    suffix = path.suffix.lower()
    units: dict[str, str] = {}
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        if UNITS_KEY in meta:
            units = json.loads(meta[UNITS_KEY])
        df = table.to_pandas()
    elif suffix == ".csv":
        df = pd.read_csv(path)
        renamed = {}
        for col in df.columns:
            m = _HEADER.match(str(col))
            if not m:
                raise TelemetryError(
                    f"{path}: cannot read column header {col!r}; write 'name' or 'name[unit]'"
                )
            renamed[col] = m.group(1)
            if m.group(2):
                units[m.group(1)] = m.group(2).strip()
        df = df.rename(columns=renamed)
    else:
        raise TelemetryError(
            f"{path}: unknown telemetry format {suffix!r}; expected '.parquet' or '.csv' "
            "(NetCDF files load directly with load_telemetry)"
        )
    missing = [c for c in ("time", "machine") if c not in df.columns]
    if missing:
        raise TelemetryError(
            f"{path}: missing column(s) {missing!r}; found {list(df.columns)!r}. A telemetry "
            "table needs 'time', 'machine' and one column per variable"
        )
    df["time"] = pd.to_datetime(df["time"])
    df["machine"] = df["machine"].astype(str)
    return df, units


def _to_canonical(df: pd.DataFrame, units: dict[str, str], source: str) -> pd.DataFrame:
    """Convert declared units to canonical ones; unknown variables are kept as they are."""
    df = df.copy()
    for col in df.columns:
        if col in ("time", "machine") or col not in VARIABLES:
            continue
        var = VARIABLES[col]
        unit = units.get(col, var.unit)
        try:
            dim = dimension_of(unit)
        except UnitError as err:
            raise TelemetryError(f"{source}: column {col!r}: {err}") from None
        if dim != var.dimension:
            raise TelemetryError(
                f"{source}: column {col!r} declared in {unit!r} ({dim}); {col!r} is a "
                f"{var.dimension} in {var.unit!r}. Fix the unit in the file's header/metadata"
            )
        if unit != var.unit:
            df[col] = convert(df[col].to_numpy(dtype=float), unit, var.unit)
    return df


def table_to_dataset(
    df: pd.DataFrame, units: dict[str, str] | None = None, source: str = "<table>"
) -> xr.Dataset:
    """Turn a telemetry table into a ``(machine, time)`` Dataset in canonical units.

    Rows are sorted by time; of duplicate (machine, time) rows the first is kept (the data
    quality report lists them: nothing is dropped silently). Missing hours stay missing
    (NaN) on a regular time axis when the table's step is regular.
    """
    df = _to_canonical(df, units or {}, source)
    df = df.sort_values(["machine", "time"], kind="stable")
    n_dup = int(df.duplicated(["machine", "time"]).sum())
    df = df.drop_duplicates(["machine", "time"], keep="first")
    ds = df.set_index(["machine", "time"]).to_xarray()
    step = pd.Series(ds["time"].values).diff().mode()
    if len(step) and len(ds["time"]) > 2:
        full = pd.date_range(ds["time"].values[0], ds["time"].values[-1], freq=step.iloc[0])
        if len(full) <= 4 * len(ds["time"]):
            ds = ds.reindex(time=full)
    for name in ds.data_vars:
        ds[name] = ds[name].astype(float)
        if name in VARIABLES:
            ds[name].attrs = {"units": VARIABLES[name].unit, "long_name": VARIABLES[name].long_name}
        else:
            ds[name].attrs = {"units": (units or {}).get(name, "unknown")}
    ds["machine"] = ds["machine"].astype(str)
    ds.attrs.update({"source": source, "duplicates_dropped": n_dup})
    return ds


def load_telemetry(path: str | Path) -> xr.Dataset:
    """Load a telemetry file (Parquet, CSV or NetCDF) as a ``(machine, time)`` Dataset.

    Parameters
    ----------
    path
        ``.parquet`` / ``.csv`` table (see module docs) or a ``.nc`` Dataset written by
        twinbench.

    Returns
    -------
    xarray.Dataset
        Variables from :data:`VARIABLES` (canonical units in ``attrs['units']``);
        ``attrs['sha256']`` is the hash of the file read.
    """
    path = Path(path)
    if path.suffix.lower() in (".nc", ".netcdf", ".h5"):
        if not path.exists():
            raise FileNotFoundError(f"telemetry file {str(path)!r} not found")
        ds = xr.load_dataset(path)
        missing = [d for d in ("machine", "time") if d not in ds.dims]
        if missing:
            raise TelemetryError(f"{path}: NetCDF telemetry needs dims (machine, time), "
                                 f"missing {missing!r}; found dims {list(ds.dims)!r}")
        for name in list(ds.data_vars):
            if name in VARIABLES:
                unit = ds[name].attrs.get("units", VARIABLES[name].unit)
                frame = _to_canonical(
                    pd.DataFrame({name: ds[name].values.ravel()}), {name: unit}, str(path)
                )
                ds[name] = (ds[name].dims, frame[name].to_numpy().reshape(ds[name].shape))
                ds[name].attrs = {"units": VARIABLES[name].unit,
                                  "long_name": VARIABLES[name].long_name}
    else:
        df, units = read_table(path)
        ds = table_to_dataset(df, units, str(path))
    ds.attrs["sha256"] = file_sha256(path)
    return ds


def write_table(df: pd.DataFrame, path: str | Path, units: dict[str, str] | None = None) -> Path:
    """Write a telemetry table to Parquet (zstd) or CSV with its units declared."""
    path = Path(path)
    units = units or {c: VARIABLES[c].unit for c in df.columns if c in VARIABLES}
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[UNITS_KEY] = json.dumps(units).encode()
        pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")
    elif path.suffix.lower() == ".csv":
        out = df.rename(columns={c: f"{c}[{u}]" for c, u in units.items()})
        out.to_csv(path, index=False)
    else:
        raise TelemetryError(f"unknown telemetry format {path.suffix!r}; use .parquet or .csv")
    return path
