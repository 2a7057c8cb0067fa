"""Embedded historian: every live sample stored exactly once, in DuckDB.

One table ``samples`` keyed by ``(machine, time)`` (the sample's source timestamp): a
sample that arrives twice (the server's history overlapping the live stream after a
reconnect, a re-sent value) is stored once, by the key, whatever the order of arrival.
Columns are the telemetry variables of :data:`twinbench.data.telemetry.VARIABLES` in their
canonical units, the machine state and alarm, the server timestamp and the arrival time.

Read back like the telemetry files: :meth:`Historian.table` gives the table
:func:`twinbench.data.telemetry.read_table` gives (``time``, ``machine``, variables) with
its units, :meth:`Historian.dataset` the ``(machine, time)`` Dataset of
:func:`twinbench.data.telemetry.table_to_dataset`, and :meth:`Historian.export` a Parquet
file that :func:`twinbench.data.telemetry.load_telemetry` and the batch data-quality report
read.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import xarray as xr

from twinbench.data.telemetry import VARIABLES, table_to_dataset, write_table
from twinbench.live.playback import SIGNALS

__all__ = ["COLUMNS", "Historian"]

COLUMNS = ["machine", "time", *SIGNALS, "state", "alarm", "server_time", "received"]


class Historian:
    """A DuckDB file (or ``":memory:"``) of live samples.

    Parameters
    ----------
    path
        Database file; created with its table when missing.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        import duckdb

        self.path = str(path)
        self._con = duckdb.connect(self.path)
        self._lock = threading.Lock()
        cols = ", ".join(f"{s} DOUBLE" for s in SIGNALS)
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS samples (machine VARCHAR NOT NULL, time TIMESTAMP NOT "
            f"NULL, {cols}, state VARCHAR, alarm VARCHAR, server_time TIMESTAMP, received "
            "TIMESTAMP, PRIMARY KEY (machine, time))")

    def insert(self, rows: pd.DataFrame) -> int:
        """Store rows (columns :data:`COLUMNS`); rows whose key is stored are ignored.

        Returns
        -------
        int
            Rows newly stored.
        """
        if not len(rows):
            return 0
        missing = sorted(set(COLUMNS) - set(rows.columns))
        if missing:
            raise ValueError(f"historian rows need columns {COLUMNS!r}; missing {missing!r}")
        df = rows[COLUMNS].drop_duplicates(["machine", "time"])  # noqa: F841 (used by SQL)
        with self._lock:
            before = self.count()
            self._con.execute("INSERT OR IGNORE INTO samples SELECT * FROM df")
            return self.count() - before

    def count(self) -> int:
        """Samples stored."""
        return int(self._con.execute("SELECT count(*) FROM samples").fetchone()[0])

    def has(self, machine: str, time: pd.Timestamp) -> bool:
        """Whether the sample of ``machine`` at ``time`` is stored."""
        with self._lock:
            return self._con.execute("SELECT 1 FROM samples WHERE machine = ? AND time = ?",
                                     [machine, pd.Timestamp(time).to_pydatetime()]
                                     ).fetchone() is not None

    def last_times(self) -> dict[str, pd.Timestamp]:
        """Latest stored source time per machine."""
        with self._lock:
            df = self._con.execute(
                "SELECT machine, max(time) AS t FROM samples GROUP BY machine").df()
        return {str(r.machine): pd.Timestamp(r.t) for r in df.itertuples()}

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Any read-only SQL over the ``samples`` table, as a DataFrame."""
        with self._lock:
            return self._con.execute(query, params or []).df()

    def table(self, machines: list[str] | None = None, start=None, end=None
              ) -> tuple[pd.DataFrame, dict[str, str]]:
        """Samples as a telemetry table and its units, like
        :func:`twinbench.data.telemetry.read_table` (sorted by machine and time)."""
        where, params = ["TRUE"], []
        if machines:
            where.append(f"machine IN ({', '.join('?' * len(machines))})")
            params += list(machines)
        if start is not None:
            where.append("time >= ?")
            params.append(pd.Timestamp(start).to_pydatetime())
        if end is not None:
            where.append("time <= ?")
            params.append(pd.Timestamp(end).to_pydatetime())
        df = self.sql(f"SELECT time, machine, {', '.join(SIGNALS)} FROM samples WHERE "
                      f"{' AND '.join(where)} ORDER BY machine, time", params)
        df["time"] = pd.to_datetime(df["time"])
        df["machine"] = df["machine"].astype(str)
        return df, {s: VARIABLES[s].unit for s in SIGNALS}

    def dataset(self, **kw) -> xr.Dataset:
        """Samples as a ``(machine, time)`` Dataset (keywords of :meth:`table`)."""
        df, units = self.table(**kw)
        return table_to_dataset(df, units, source=f"historian:{self.path}")

    def export(self, path: str | Path, **kw) -> Path:
        """Write the samples as a telemetry file (``.parquet`` or ``.csv``)."""
        df, units = self.table(**kw)
        return write_table(df, path, units)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._con.close()
