"""Results store: one NetCDF file per scenario plus a catalog in SQLite.

Layout of a results folder::

    DIR/catalog.sqlite          scenario id, name, edits, seed, versions, status, error,
                                KPIs (mean, 90% interval), timings, times
    DIR/results/<id>.nc         the scenario's Dataset

A result file is written to a temporary name and renamed before the catalog marks the
scenario ``done``, so a batch killed at any moment leaves either a finished scenario (file
and row) or one to compute again: never a half-written one that counts as done.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pandas as pd
import xarray as xr

__all__ = ["ResultStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    edits TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,          -- pending, running, done, failed
    error TEXT,
    kpis TEXT,                     -- JSON list of {kpi, unit, mean, p05, p95}
    timings TEXT,                  -- JSON {step: seconds}
    versions TEXT,                 -- JSON {package: version}
    completions INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    queued REAL, started REAL, finished REAL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


class ResultStore:
    """The results folder of a batch (created if missing).

    Parameters
    ----------
    root
        Folder holding ``catalog.sqlite`` and ``results/``.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        (self.root / "results").mkdir(parents=True, exist_ok=True)
        self.path = self.root / "catalog.sqlite"
        with self._db() as db:
            db.executescript(_SCHEMA)
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Delete temporary result files left by a process that was killed mid-write.

        A file ``<id>.tmp<pid>`` belongs to a writer that is still alive only if that
        process exists; otherwise it is a half-written file nobody will finish.
        """
        for tmp in (self.root / "results").glob("*.tmp*"):
            pid = tmp.suffix.removeprefix(".tmp")
            if pid.isdigit() and _alive(int(pid)):
                continue
            tmp.unlink(missing_ok=True)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    # -- writing ---------------------------------------------------------------------------
    def set_meta(self, **items: object) -> None:
        """Store batch-level facts (base hash, settings, command) as JSON."""
        with self._db() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [(k, json.dumps(v, default=str)) for k, v in items.items()])

    def meta(self) -> dict[str, object]:
        """Batch-level facts."""
        with self._db() as db:
            return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}

    def register(self, scenario_id: str, name: str, edits: list, seed: int) -> None:
        """Add a scenario as ``pending`` unless it is already known."""
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO scenarios (scenario_id, name, edits, seed, "
                       "status, queued) VALUES (?, ?, ?, ?, 'pending', ?)",
                       (scenario_id, name, json.dumps(edits), seed, time.time()))

    def mark_running(self, scenario_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE scenarios SET status='running', attempts=attempts+1, "
                       "started=? WHERE scenario_id=?", (time.time(), scenario_id))

    def save(self, scenario_id: str, ds: xr.Dataset, kpis: pd.DataFrame,
             timings: dict[str, float], versions: dict[str, str]) -> Path:
        """Write the result file (atomically), then mark the scenario ``done``."""
        path = self.result_path(scenario_id)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            ds.to_netcdf(tmp, engine="h5netcdf")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        with self._db() as db:
            db.execute("UPDATE scenarios SET status='done', error=NULL, kpis=?, timings=?, "
                       "versions=?, completions=completions+1, finished=? "
                       "WHERE scenario_id=?",
                       (kpis.to_json(orient="records"), json.dumps(timings),
                        json.dumps(versions), time.time(), scenario_id))
        return path

    def fail(self, scenario_id: str, error: str, timings: dict[str, float] | None = None
             ) -> None:
        """Record a failed scenario with its error."""
        with self._db() as db:
            db.execute("UPDATE scenarios SET status='failed', error=?, timings=?, finished=? "
                       "WHERE scenario_id=?",
                       (error, json.dumps(timings or {}), time.time(), scenario_id))

    # -- reading ---------------------------------------------------------------------------
    def result_path(self, scenario_id: str) -> Path:
        return self.root / "results" / f"{scenario_id}.nc"

    def is_done(self, scenario_id: str) -> bool:
        """Finished: catalog says done and the result file is there."""
        with self._db() as db:
            row = db.execute("SELECT status FROM scenarios WHERE scenario_id=?",
                             (scenario_id,)).fetchone()
        return bool(row and row[0] == "done" and self.result_path(scenario_id).exists())

    def catalog(self) -> pd.DataFrame:
        """The catalog as a table (JSON columns decoded)."""
        with self._db() as db:
            df = pd.read_sql_query("SELECT * FROM scenarios ORDER BY queued, name", db)
        for col in ("edits", "kpis", "timings", "versions"):
            df[col] = df[col].map(lambda v: json.loads(v) if isinstance(v, str) else None)
        return df

    def load(self, scenario_id: str) -> xr.Dataset:
        """A finished scenario's Dataset (loaded into memory)."""
        path = self.result_path(scenario_id)
        if not path.exists():
            raise KeyError(f"no result for scenario {scenario_id!r} in {str(self.root)!r}")
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
