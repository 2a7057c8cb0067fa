"""Server-side sign-in sessions that expire.

The browser holds only a random token (in a signed cookie); the server maps it to the user
and the time the session ends. A session ends after ``lifetime`` or ``idle`` without a
request, when the user signs out, or when the user is removed from the store.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Session", "SessionStore"]


@dataclass
class Session:
    """One sign-in: ``user``, when it started and when it was last used [s, clock]."""

    user: str
    started: float
    last_seen: float


class SessionStore:
    """Tokens of signed-in users.

    Parameters
    ----------
    lifetime
        Longest a session lasts [s] (default 8 h: a shift).
    idle
        Longest a session lasts without a request [s] (default 1 h).
    clock
        Time source [s] (replaced in tests).
    """

    def __init__(self, lifetime: float = 8 * 3600.0, idle: float = 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        if lifetime <= 0 or idle <= 0:
            raise ValueError(f"session lifetime and idle time must be > 0 [s]; found "
                             f"{lifetime}, {idle}")
        self.lifetime = lifetime
        self.idle = idle
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> str:
        """Start a session of ``user``; returns its token."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._sessions[token] = Session(user, now, now)
        return token

    def user(self, token: str | None, touch: bool = True) -> str | None:
        """The user of a live session (``None``: unknown or expired token); ``touch``
        counts this as use of the session (resets the idle time)."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            s = self._sessions.get(token)
            if s is None:
                return None
            if now - s.started > self.lifetime or now - s.last_seen > self.idle:
                del self._sessions[token]
                return None
            if touch:
                s.last_seen = now
            return s.user

    def close(self, token: str | None) -> None:
        """End a session (sign-out)."""
        with self._lock:
            self._sessions.pop(token or "", None)

    def close_user(self, user: str) -> int:
        """End every session of ``user``; returns how many."""
        with self._lock:
            gone = [t for t, s in self._sessions.items() if s.user == user]
            for t in gone:
                del self._sessions[t]
        return len(gone)
