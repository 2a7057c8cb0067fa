"""The audit log: append-only, hash-chained, in an embedded SQLite database.

Each entry stores the hash of the entry before it and its own hash, SHA-256 over the
previous hash and its fields in canonical JSON. Triggers refuse ``UPDATE`` and ``DELETE``
through SQLite; an edit made around them (another tool, a hex editor) breaks the chain,
and :meth:`AuditLog.verify` (``twinbench audit verify``) names the entries that no longer
check. A damaged entry is reported, never raised: pages that show the log keep working.

What a chain cannot show alone: the newest entries cut off together. Keep the head that
``twinbench audit verify`` prints (entry count and last hash) somewhere else to compare.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FIELDS", "GENESIS", "AuditLog", "Verification"]

#: the fields of an entry, in the order they are hashed
FIELDS = ("time", "user", "action", "plan_id", "comment")
GENESIS = "0" * 64  # the "previous hash" of the first entry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
    plan_id TEXT NOT NULL, comment TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash and the entry's :data:`FIELDS`."""
    vals = [v if isinstance(v, str | int | float | None) else repr(v)
            for v in (entry.get(k) for k in FIELDS)]
    body = json.dumps([prev_hash, *vals], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class Verification:
    """What :meth:`AuditLog.verify` found.

    Attributes
    ----------
    entries
        Entries read.
    damaged
        Sequence number -> what is wrong with that entry.
    head
        Hash of the last entry (compare it with one kept elsewhere).
    """

    entries: int
    damaged: dict[int, str] = field(default_factory=dict)
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        """Whether every entry checks."""
        return not self.damaged

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, head {self.head}"
        lines = [f"audit log DAMAGED: {len(self.damaged)} of {self.entries} entries fail "
                 "the check"]
        lines += [f"  entry {seq}: {why}" for seq, why in sorted(self.damaged.items())]
        return "\n".join(lines)


class AuditLog:
    """An append-only, hash-chained log in the SQLite file ``path``.

    Parameters
    ----------
    path
        The database (created with its table on first use).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.executescript(_SCHEMA)
        return con

    def append(self, user: str, action: str, plan_id: str, comment: str = "") -> dict:
        """Add an entry (time now, UTC); returns it with its ``seq`` and hashes."""
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"),
                 "user": str(user), "action": str(action), "plan_id": str(plan_id),
                 "comment": str(comment)}
        with self._lock, self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # the previous hash and the insert, atomically
            try:
                row = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC "
                                  "LIMIT 1").fetchone()
                seq, prev = (row[0] + 1, str(row[1])) if row else (1, GENESIS)
                entry.update(seq=seq, prev_hash=prev, hash=entry_hash(prev, entry))
                con.execute("INSERT INTO audit (seq, time, user, action, plan_id, comment, "
                            "prev_hash, hash) VALUES (:seq, :time, :user, :action, "
                            ":plan_id, :comment, :prev_hash, :hash)", entry)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return entry

    def rows(self) -> list[dict[str, Any]]:
        """Every entry as stored, oldest first (values as SQLite holds them)."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY seq")]

    def verify(self) -> Verification:
        """Check every entry's hash and its link to the one before (a database that
        cannot be read at all is reported as entry 0)."""
        try:
            rows = self.rows()
        except sqlite3.DatabaseError as err:
            return Verification(0, {0: f"the database cannot be read: {err}"})
        out = Verification(len(rows))
        prev_stored, expect_seq = GENESIS, 1
        for r in rows:
            why = []
            if r["seq"] != expect_seq:
                why.append(f"entries missing before it (expected number {expect_seq})")
            if r["prev_hash"] != prev_stored:
                why.append("does not link to the entry before it (an entry was removed, "
                           "inserted or rewritten)")
            if not all(isinstance(r[k], str) for k in FIELDS):
                why.append("a field is not text (written around the log)")
            if entry_hash(str(r["prev_hash"]), r) != r["hash"]:
                why.append("its content does not match its hash (edited after writing)")
            if why:
                out.damaged[r["seq"]] = "; ".join(why)
            prev_stored, expect_seq = r["hash"], r["seq"] + 1
        out.head = prev_stored
        return out
