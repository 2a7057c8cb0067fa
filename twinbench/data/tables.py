"""Entity tables of a plant: orders, maintenance/failure events, demand history, drivers.

Each loader reads a CSV, checks columns, types and references against the
:class:`~twinbench.spec.LineSpec`, and raises :class:`TableError` listing every problem
(row, column, value found, what is allowed).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from twinbench.spec import LineSpec

__all__ = ["TableError", "load_demand", "load_drivers", "load_events", "load_orders"]


class TableError(ValueError):
    """A table file is invalid; ``problems`` lists each issue."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source, self.problems = source, problems
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20
                                 else [])
        super().__init__(f"invalid table {source}: {len(problems)} problem(s)\n"
                         + "\n".join(f"  - {p}" for p in shown))


def _read(path: str | Path, columns: dict[str, str]) -> tuple[pd.DataFrame, list[str], str]:
    """Read ``path`` and coerce ``columns`` ({name: 'str'|'int'|'float'|'time'})."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"table {str(path)!r} not found")
    df = pd.read_csv(path)
    src = str(path)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(src, [f"missing column(s) {missing!r}; found {list(df.columns)!r}; "
                               f"expected {list(columns)!r}"])
    problems: list[str] = []
    for col, kind in columns.items():
        raw = df[col]
        if kind == "str":
            df[col] = raw.astype(str)
            continue
        if kind == "time":
            conv = pd.to_datetime(raw, errors="coerce")
        else:
            conv = pd.to_numeric(raw, errors="coerce")
        bad = conv.isna() & raw.notna()
        for i in df.index[bad][:5]:
            problems.append(f"row {i + 2}, column {col!r}: cannot read {raw[i]!r} as {kind}")
        if kind == "int":
            frac = conv.notna() & (conv % 1 != 0)
            for i in df.index[frac][:5]:
                problems.append(f"row {i + 2}, column {col!r}: expected a whole number, "
                                f"found {raw[i]!r}")
        df[col] = conv
    return df, problems, src


def _fmt(value: object) -> str:
    """A cell value as the user wrote it: ``-3`` rather than ``np.float64(-3.0)``."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value)


def _unknown(df: pd.DataFrame, col: str, allowed: Iterable[str], what: str) -> list[str]:
    allowed = sorted(set(allowed))
    bad = ~df[col].isin(allowed)
    return [f"row {i + 2}, column {col!r}: unknown {what} {df[col][i]!r}; allowed: {allowed!r}"
            for i in df.index[bad][:10]]


def load_orders(path: str | Path, spec: LineSpec) -> pd.DataFrame:
    """Load the order book.

    Columns: ``order_id`` (unique), ``product`` (a spec product), ``quantity`` [unit] > 0,
    ``release`` and ``due`` (timestamps, due after release), ``weight`` [1] > 0 (tardiness
    weight), ``region`` (customer region).
    """
    df, problems, src = _read(path, {"order_id": "str", "product": "str", "quantity": "int",
                                     "release": "time", "due": "time", "weight": "float",
                                     "region": "str"})
    problems += _unknown(df, "product", spec.product_map, "product")
    dup = df["order_id"][df["order_id"].duplicated()]
    problems += [f"column 'order_id': duplicate id {v!r}; ids must be unique" for v in dup[:10]]
    for col in ("quantity", "weight"):
        for i in df.index[df[col] <= 0][:10]:
            problems.append(f"row {i + 2}, column {col!r}: must be > 0, found {_fmt(df[col][i])}")
    for i in df.index[df["due"] <= df["release"]][:10]:
        problems.append(f"row {i + 2}: due {df['due'][i]} is not after release "
                        f"{df['release'][i]}; fix one of the dates")
    if problems:
        raise TableError(src, problems)
    df["quantity"] = df["quantity"].astype(int)
    return df


def load_events(path: str | Path, spec: LineSpec) -> pd.DataFrame:
    """Load failure and maintenance events.

    Columns: ``event_id``, ``machine`` (a spec machine), ``kind`` (``failure`` or
    ``maintenance``), ``start`` and ``end`` (timestamps, end not before start).
    """
    df, problems, src = _read(path, {"event_id": "str", "machine": "str", "kind": "str",
                                     "start": "time", "end": "time"})
    problems += _unknown(df, "machine", spec.machines, "machine")
    problems += _unknown(df, "kind", ["failure", "maintenance"], "event kind")
    for i in df.index[df["end"] < df["start"]][:10]:
        problems.append(f"row {i + 2}: end {df['end'][i]} is before start {df['start'][i]}")
    if problems:
        raise TableError(src, problems)
    return df


def load_demand(path: str | Path, spec: LineSpec) -> pd.DataFrame:
    """Load weekly demand history: ``week`` (Monday), ``product``, ``quantity`` [unit] >= 0."""
    df, problems, src = _read(path, {"week": "time", "product": "str", "quantity": "float"})
    problems += _unknown(df, "product", spec.product_map, "product")
    for i in df.index[df["quantity"] < 0][:10]:
        problems.append(f"row {i + 2}, column 'quantity': must be >= 0, found "
                        f"{_fmt(df['quantity'][i])}")
    dup = df.duplicated(["week", "product"])
    for i in df.index[dup][:10]:
        problems.append(f"row {i + 2}: second row for week {df['week'][i].date()} and product "
                        f"{df['product'][i]!r}; keep one")
    if problems:
        raise TableError(src, problems)
    return df


def load_drivers(path: str | Path) -> pd.DataFrame:
    """Load exogenous demand drivers: ``week`` and one numeric column per driver."""
    df = pd.read_csv(path)
    cols = {c: ("time" if c == "week" else "float") for c in df.columns}
    if "week" not in cols:
        raise TableError(str(path), [f"missing column 'week'; found {list(df.columns)!r}"])
    df, problems, src = _read(path, cols)
    if problems:
        raise TableError(src, problems)
    return df
