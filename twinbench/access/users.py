"""The user store: argon2id password hashes and roles, in one JSON file.

The file (``users.json``, written with owner-only permissions) holds no password::

    {"format": "twinbench-users", "version": 1,
     "users": {"alice": {"hash": "$argon2id$v=19$...", "roles": ["approver"]}}}

The old format, ``{"alice": "her password"}`` (plain text), is refused with the command
that converts it (:func:`migrate_plain_text`, ``twinbench users migrate FILE``).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .roles import check_roles

__all__ = ["MIN_PASSWORD", "PlainTextUsers", "UserStore", "UsersFileError",
           "migrate_plain_text"]

FORMAT = "twinbench-users"
MIN_PASSWORD = 8  # characters

_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters (RFC 9106)


class UsersFileError(ValueError):
    """The users file cannot be read: the message says what was found and what to do."""


class PlainTextUsers(UsersFileError):
    """The users file holds plain-text passwords (the old format)."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password too short: {len(password)} characters, at least "
                         f"{MIN_PASSWORD} expected")


def _read(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise UsersFileError(f"cannot read users file {str(path)!r}: {err}") from err
    if isinstance(data, dict) and data.get("format") == FORMAT:
        users = data.get("users")
        if not isinstance(users, dict) or not all(
                isinstance(u, dict) and isinstance(u.get("hash"), str) for u in users.values()):
            raise UsersFileError(f"users file {str(path)!r}: 'users' must map each name to "
                                 '{"hash": ..., "roles": [...]}; edit it with `twinbench '
                                 "users add/remove`")
        return users
    if isinstance(data, dict) and data and all(isinstance(v, str) for v in data.values()):
        raise PlainTextUsers(
            f"users file {str(path)!r} holds plain-text passwords (the old "
            '{"user": "password"} format), which twinbench no longer reads. Convert it once '
            f"with `twinbench users migrate {path}` (stores argon2 hashes only and gives "
            "every user the viewer role; add --approvers/--planners/--admins to grant more), "
            "or create a new file with `twinbench users add NAME --users FILE`.")
    raise UsersFileError(f"users file {str(path)!r} is not a twinbench users file (expected "
                         f'{{"format": "{FORMAT}", "version": 1, "users": {{...}}}}); create '
                         "one with `twinbench users add NAME --users FILE`")


def _write(path: Path, users: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"format": FORMAT, "version": 1, "users": users}, indent=2,
                      sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class UserStore:
    """Users, their password hashes and roles, kept in ``path``.

    The file is read again at each call, so that ``twinbench users add/remove`` takes
    effect on a running server without a restart.

    Parameters
    ----------
    path
        The users file (need not exist until the first :meth:`add`).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # a fixed hash to verify unknown names against: the same time for every name
        self._dummy = _HASHER.hash("twinbench-no-such-user")

    def _users(self) -> dict[str, dict]:
        try:
            return _read(self.path)
        except FileNotFoundError:
            return {}

    def check(self) -> int:
        """Read the file once (raising :class:`UsersFileError` if it cannot be used);
        returns the number of users."""
        if not self.path.exists():
            raise UsersFileError(f"users file {str(self.path)!r} not found; create it with "
                                 f"`twinbench users add NAME --users {self.path}`")
        n = len(_read(self.path))
        if not n:
            raise UsersFileError(f"users file {str(self.path)!r} has no user; add one with "
                                 f"`twinbench users add NAME --users {self.path}`")
        return n

    def add(self, name: str, password: str, roles: Iterable[str] = ("viewer",),
            replace: bool = False) -> None:
        """Add ``name`` (or replace its password and roles when ``replace``).

        Raises
        ------
        ValueError
            Empty or oddly spelt name, short password, unknown role, or the user exists
            and ``replace`` is false.
        """
        if not name or name != name.strip() or any(c in name for c in ":/\\\n"):
            raise ValueError(f"user name {name!r}: expected a non-empty name without "
                             "spaces at the ends and without : / \\")
        _check_password(password)
        roles = check_roles(roles)
        with self._lock:
            users = self._users()
            if name in users and not replace:
                raise ValueError(f"user {name!r} exists in {str(self.path)!r}; pass "
                                 "--replace to set a new password and roles")
            users[name] = {"hash": _HASHER.hash(password), "roles": list(roles)}
            _write(self.path, users)

    def remove(self, name: str) -> None:
        """Remove ``name``.

        Raises
        ------
        KeyError
            No such user.
        """
        with self._lock:
            users = self._users()
            if name not in users:
                raise KeyError(f"no user {name!r} in {str(self.path)!r}; users: "
                               f"{sorted(users)!r}")
            del users[name]
            _write(self.path, users)

    def list(self) -> dict[str, tuple[str, ...]]:
        """User name -> roles."""
        return {n: tuple(u.get("roles", ["viewer"])) for n, u in sorted(self._users().items())}

    def roles(self, name: str | None) -> tuple[str, ...]:
        """Roles of ``name`` (none for an unknown user)."""
        u = self._users().get(name or "")
        return tuple(u.get("roles", ["viewer"])) if u else ()

    def verify(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (the same work for an unknown name)."""
        u = self._users().get(name)
        try:
            return _HASHER.verify(u["hash"] if u else self._dummy, password) and u is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def migrate_plain_text(path: str | Path, roles: dict[str, Iterable[str]] | None = None) -> int:
    """Convert an old plain-text users file in place to hashes; returns the user count.

    Parameters
    ----------
    path
        A ``{"user": "password"}`` file.
    roles
        User -> roles (default: viewer for everyone).

    Raises
    ------
    UsersFileError
        The file is not in the plain-text format (already converted, or something else).
    """
    path = Path(path)
    try:
        _read(path)
    except PlainTextUsers:
        pass
    else:
        raise UsersFileError(f"users file {str(path)!r} holds no plain-text passwords: "
                             "nothing to migrate")
    plain = json.loads(path.read_text(encoding="utf-8"))
    roles = roles or {}
    unknown = sorted(set(roles) - set(plain))
    if unknown:
        raise ValueError(f"roles given for users not in {str(path)!r}: {unknown!r}")
    users = {n: {"hash": _HASHER.hash(p), "roles": list(check_roles(roles.get(n, ())))}
             for n, p in plain.items()}
    _write(path, users)
    return len(users)
