"""The plan workflow over the audit log: draft -> approved -> released.

A planner submits the plan shown (its id is the hash of its content,
:mod:`twinbench.plan_ids`) as a draft; an approver approves or rejects the draft; a planner
releases an approved plan to the floor. Under the four-eyes rule the approver must not be
the draft's author. Every step is checked here, on the server, against the user's roles
from the user store, whatever the page showed; refused steps raise
:class:`PermissionError` and are not written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .audit import AuditLog, Verification
from .roles import ACTIONS, allowed

if TYPE_CHECKING:
    import pandas

__all__ = ["STATES", "ApprovalLog", "WorkflowError"]

#: action -> (states it may start from, state it leads to); ``None``: no entry yet
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    "submit": ((None, "rejected"), "draft"),
    "approve": (("draft",), "approved"),
    "reject": (("draft",), "rejected"),
    "release": (("approved",), "released"),
}
STATES = ("draft", "approved", "rejected", "released")
COLUMNS = ["entry", "time", "user", "action", "plan_id", "comment", "check"]


class WorkflowError(ValueError):
    """A step the plan's state does not allow (approving a plan that is no draft...)."""


class ApprovalLog:
    """Decisions on plans, in the hash-chained audit log ``path``.

    Parameters
    ----------
    path
        The SQLite audit database (created on first use).
    roles
        User name -> roles (read at each step: the user store's current content).
    four_eyes
        Whether a draft's author is refused as its approver.
    """

    def __init__(self, path: str | Path, roles: Callable[[str], Iterable[str]],
                 four_eyes: bool = True) -> None:
        self.audit = AuditLog(path)
        self.roles = roles
        self.four_eyes = four_eyes

    @property
    def path(self) -> Path:
        """The audit database."""
        return self.audit.path

    def may(self, user: str, action: str) -> bool:
        """Whether ``user``'s roles allow ``action`` (the state aside)."""
        return allowed(action, self.roles(user))

    def _history(self, plan_id: str) -> list[dict]:
        try:
            rows = self.audit.rows()
        except sqlite3.DatabaseError:
            return []
        return [r for r in rows if r.get("plan_id") == plan_id and r.get("action") in ACTIONS]

    def state(self, plan_id: str) -> str | None:
        """The plan's state (``None``: never submitted)."""
        hist = self._history(plan_id)
        return TRANSITIONS[hist[-1]["action"]][1] if hist else None

    def author(self, plan_id: str) -> str | None:
        """Who submitted the plan's current draft."""
        subs = [r["user"] for r in self._history(plan_id) if r["action"] == "submit"]
        return subs[-1] if subs else None

    def record(self, user: str, action: str, plan_id: str, comment: str = "") -> dict:
        """Take ``action`` on ``plan_id`` as ``user`` and log it.

        Raises
        ------
        PermissionError
            ``user``'s roles do not allow the action, or the four-eyes rule refuses it.
        WorkflowError
            The plan's state does not allow it (e.g. approving a plan not submitted).
        """
        if action not in TRANSITIONS:
            raise ValueError(f"unknown action {action!r}; expected one of "
                             f"{list(TRANSITIONS)!r}")
        roles = tuple(self.roles(user))
        if not allowed(action, roles):
            need = " or ".join(sorted(ACTIONS[action]))
            raise PermissionError(f"user {user!r} (roles: {', '.join(roles) or 'none'}) may "
                                  f"not {action} plans; that needs the {need} role")
        now = self.state(plan_id)
        starts, _ = TRANSITIONS[action]
        if now not in starts:
            raise WorkflowError(f"cannot {action} plan {plan_id!r}: it is "
                                f"{now or 'not submitted'}; {action} needs it "
                                f"{' or '.join(s or 'not submitted' for s in starts)}")
        if self.four_eyes and action in ("approve", "reject") and \
                self.author(plan_id) == user:
            raise PermissionError(f"four-eyes rule: {user!r} submitted plan {plan_id!r} and "
                                  "may not decide on it; another approver must")
        return self.audit.append(user, action, plan_id, comment)

    def verify(self) -> Verification:
        """The audit chain's check (:meth:`twinbench.access.audit.AuditLog.verify`)."""
        return self.audit.verify()

    def entries(self) -> pandas.DataFrame:
        """Every entry, newest first, with a ``check`` column ("ok" or what is wrong);
        never raises on a damaged log."""
        import pandas as pd

        check = self.verify()
        try:
            rows = self.audit.rows()
        except sqlite3.DatabaseError:
            rows = []
        out = pd.DataFrame(
            [{"entry": r.get("seq"), **{k: str(r.get(k)) for k in COLUMNS[1:6]},
              "check": check.damaged.get(r.get("seq"), "ok")} for r in rows], columns=COLUMNS)
        return out.iloc[::-1].reset_index(drop=True)
