"""Results store: one NetCDF file per scenario plus a catalog in SQLite.

Layout of a results folder::

    DIR/catalog.sqlite          scenario id, name, edits, seed, versions, status, error,
                                KPIs (mean, 90% interval), timings, times, hashes
    DIR/results/<id>.nc         the scenario's Dataset
    DIR/batch.lock              held (``flock``) by the batch that is writing the folder

A result file is written to a temporary name and renamed before the catalog marks the
scenario ``done``, so a batch killed at any moment leaves either a finished scenario (file
and row) or one to compute again: never a half-written one that counts as done.

Ids and names
-------------
A result is keyed by its scenario id (content: edits and seed, plus the hash of the data,
settings and code it ran on). A *name* is a label pointing at one id, and **a name points
at exactly one result** (table ``names``, name as primary key), so a folder never holds two
results under one name:

* the same content under a new name (a rename in the scenario file) is the same result,
  found again; the name moves, the old name is dropped;
* a name given to other content (the scenario was edited, or the data, settings or code
  changed) now points at the new result; the old result stays on disk as *retired* (no
  name, its last name kept in ``scenarios.name`` for reference) and is found again if its
  content comes back;
* two names with the same content in one batch both point at the one result.

:meth:`ResultStore.catalog` lists the named results, one row per name (``retired=True``
rows only on request).

Locking
-------
:meth:`ResultStore.lock` takes an exclusive ``flock`` on ``DIR/batch.lock`` (the kernel
drops it when its process ends, however it ends), so two batches never write one folder at
once: the second fails at once with :class:`FolderInUse`, naming the folder and the
holder's process id. The lock file keeps the holder's pid; a pid left by a process that
died (killed, power loss) is a stale record and is taken over. Readers (``compare``,
dashboards) need no lock. ``flock`` is POSIX; on network file systems it works where the
server supports locks (NFSv4).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

__all__ = ["FolderInUse", "Registration", "ResultStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,            -- the name it was last registered under
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
CREATE TABLE IF NOT EXISTS names (
    name TEXT PRIMARY KEY,         -- one result per name
    scenario_id TEXT NOT NULL,
    assigned REAL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

#: columns added after the first layout: name -> SQL type (added to old folders on open)
_ADDED_COLUMNS = {"description": "TEXT", "base_hash": "TEXT", "code_hash": "TEXT",
                  "worker_deaths": "INTEGER NOT NULL DEFAULT 0"}

_LOCK_NAME = "batch.lock"


class FolderInUse(RuntimeError):
    """Another process holds the lock of a results folder.

    Attributes
    ----------
    folder
        The results folder.
    pid
        Process id of the holder (None when it could not be read).
    """

    def __init__(self, folder: Path, pid: int | None, host: str | None = None) -> None:
        self.folder, self.pid = folder, pid
        who = f"process {pid}" if pid is not None else "another process (pid unknown)"
        if host and host != socket.gethostname():
            who += f" on host {host!r}"
        super().__init__(
            f"results folder {str(folder)!r} is in use by {who} (lock "
            f"{str(folder / _LOCK_NAME)!r}); wait for that batch to finish, stop it, or "
            "use another results folder")


@dataclass
class Registration:
    """What registering a batch changed in the catalog.

    Attributes
    ----------
    renamed
        ``old name -> new name`` of results found again under a new name.
    replaced
        Names that pointed at another result before (edited content, or other data,
        settings or code); that result is now retired.
    """

    renamed: dict[str, str] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)


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
            self._migrate(db)
        self._remove_orphans()

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring a folder written by an older version up to this layout (idempotent)."""
        have = {row[1] for row in db.execute("PRAGMA table_info(scenarios)")}
        for col, sql_type in _ADDED_COLUMNS.items():
            if col in have:
                continue
            try:
                db.execute(f"ALTER TABLE scenarios ADD COLUMN {col} {sql_type}")
            except sqlite3.OperationalError as err:  # another process added it first
                if "duplicate column" not in str(err):
                    raise
        if db.execute("SELECT value FROM meta WHERE key='names_from'").fetchone() is None:
            # older folders named results in ``scenarios.name`` only: the newest wins
            db.execute("INSERT OR REPLACE INTO names (name, scenario_id, assigned) "
                       "SELECT name, scenario_id, queued FROM scenarios ORDER BY queued")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('names_from', ?)",
                       (json.dumps("scenarios"),))

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

    # -- locking ---------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[int | None]:
        """Hold the folder's batch lock for the duration of the ``with`` block.

        Yields
        ------
        int or None
            Process id of a dead holder whose stale lock record was taken over.

        Raises
        ------
        FolderInUse
            Another live process holds the lock (raised at once, no waiting).
        """
        path = self.root / _LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_lock(path)
                for _ in range(20):  # the holder may be writing its record right now
                    if holder.get("pid") is not None:
                        break
                    time.sleep(0.01)
                    holder = _read_lock(path)
                raise FolderInUse(self.root, holder.get("pid"), holder.get("host")) from None
            stale = _read_lock(path).get("pid")
            record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.time()})
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode(), 0)
            try:
                yield stale if stale != os.getpid() else None
            finally:
                os.ftruncate(fd, 0)  # released cleanly: no stale record left behind
        finally:
            os.close(fd)  # closing drops the flock

    def holder(self) -> int | None:
        """Process id written in the lock file (a live holder or a stale record)."""
        return _read_lock(self.root / _LOCK_NAME).get("pid")

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
        """Add one scenario as ``pending`` unless known and point ``name`` at it.

        See :meth:`register_batch` (this is a batch of one).
        """
        self.register_batch([(scenario_id, name, "", edits, seed)])

    def register_batch(self, entries: list[tuple[str, str, str, list, int]],
                       base_hash: str | None = None, code_hash: str | None = None
                       ) -> Registration:
        """Register a batch's scenarios and give them their names, in one transaction.

        Parameters
        ----------
        entries
            ``(scenario_id, name, description, edits, seed)`` per scenario; names unique.
        base_hash, code_hash
            Hashes of the data and settings, and of the code, the batch runs on.

        Returns
        -------
        Registration
            Results renamed, and names that now point at other content.
        """
        names = [e[1] for e in entries]
        if len(set(names)) != len(names):
            raise ValueError(f"scenario names must be unique in a batch; found {names!r}")
        reg = Registration()
        now = time.time()
        with self._db() as db:
            ids = {e[0] for e in entries}
            for sid, name, description, edits, seed in entries:
                db.execute("INSERT OR IGNORE INTO scenarios (scenario_id, name, edits, seed, "
                           "status, queued, base_hash, code_hash) "
                           "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                           (sid, name, json.dumps(edits), seed, now, base_hash, code_hash))
                db.execute("UPDATE scenarios SET name=?, description=? WHERE scenario_id=?",
                           (name, description, sid))
            # names this batch's results had before and the batch no longer gives them
            marks = ",".join("?" * len(ids))
            old = db.execute(f"SELECT name, scenario_id FROM names WHERE scenario_id IN "
                             f"({marks})", sorted(ids)).fetchall() if ids else []
            new_name = {e[0]: e[1] for e in entries}
            for name, sid in old:
                if name not in names:
                    db.execute("DELETE FROM names WHERE name=?", (name,))
                    reg.renamed[name] = new_name[sid]
            for sid, name, *_ in entries:
                row = db.execute("SELECT scenario_id FROM names WHERE name=?",
                                 (name,)).fetchone()
                if row is not None and row[0] != sid:
                    reg.replaced.append(name)
                db.execute("INSERT OR REPLACE INTO names VALUES (?, ?, ?)", (name, sid, now))
        return reg

    def mark_running(self, scenario_id: str) -> None:
        """Mark a scenario as being computed (one more attempt)."""
        with self._db() as db:
            db.execute("UPDATE scenarios SET status='running', attempts=attempts+1, "
                       "started=? WHERE scenario_id=?", (time.time(), scenario_id))

    def note_worker_death(self, scenario_id: str, reason: str) -> int:
        """Record that the worker evaluating the scenario died; it waits to be retried.

        Returns
        -------
        int
            Worker deaths recorded against this scenario so far (all batches).
        """
        with self._db() as db:
            db.execute("UPDATE scenarios SET status='pending', error=?, "
                       "worker_deaths=worker_deaths+1 WHERE scenario_id=?",
                       (reason, scenario_id))
            return int(db.execute("SELECT worker_deaths FROM scenarios WHERE scenario_id=?",
                                  (scenario_id,)).fetchone()[0])

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
        """Where the scenario's Dataset is (or will be) stored."""
        return self.root / "results" / f"{scenario_id}.nc"

    def status(self, scenario_id: str) -> str | None:
        """Catalog status of a result (None: unknown id)."""
        with self._db() as db:
            row = db.execute("SELECT status FROM scenarios WHERE scenario_id=?",
                             (scenario_id,)).fetchone()
        return row[0] if row else None

    def is_done(self, scenario_id: str) -> bool:
        """Finished: catalog says done and the result file is there."""
        return self.status(scenario_id) == "done" and self.result_path(scenario_id).exists()

    def catalog(self, include_retired: bool = False) -> pd.DataFrame:
        """The catalog as a table (JSON columns decoded), one row per name.

        Parameters
        ----------
        include_retired
            Also list results no name points at any more (``retired`` True, ``name`` the
            one they last had, which a named row may now carry).
        """
        cols = ("s.scenario_id, s.edits, s.seed, s.status, s.error, s.kpis, s.timings, "
                "s.versions, s.completions, s.attempts, s.queued, s.started, s.finished, "
                "s.description, s.base_hash, s.code_hash, s.worker_deaths")
        sql = (f"SELECT n.name AS name, {cols}, 0 AS retired FROM names n "
               "JOIN scenarios s ON s.scenario_id = n.scenario_id")
        if include_retired:
            sql += (f" UNION ALL SELECT s.name AS name, {cols}, 1 AS retired FROM scenarios s"
                    " WHERE s.scenario_id NOT IN (SELECT scenario_id FROM names)")
        with self._db() as db:
            df = pd.read_sql_query(f"SELECT * FROM ({sql}) ORDER BY queued, name", db)
        for col in ("edits", "kpis", "timings", "versions"):
            df[col] = df[col].map(lambda v: json.loads(v) if isinstance(v, str) else None)
        df["retired"] = df["retired"].astype(bool)
        first = ["scenario_id", "name"]
        return df[first + [c for c in df.columns if c not in first]]

    def load(self, scenario_id: str) -> xr.Dataset:
        """A finished scenario's Dataset (loaded into memory)."""
        path = self.result_path(scenario_id)
        if not path.exists():
            raise KeyError(f"no result for scenario {scenario_id!r} in {str(self.root)!r}")
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()


def _read_lock(path: Path) -> dict:
    """The holder record of a lock file (empty when missing, empty or unreadable)."""
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
