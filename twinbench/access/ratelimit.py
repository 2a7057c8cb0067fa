"""Failed sign-ins counted per user and per client address; too many lock the pair out.

A lock-out refuses even the right password until it ends, so that guessing cannot go on;
it is per (user, address), so one attacker does not lock a user out everywhere, plus a
looser limit per address alone against trying many user names.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Sliding-window count of failed sign-ins.

    Parameters
    ----------
    max_failures
        Failures of one user from one address allowed within ``window``.
    window
        Length of the window [s]; also how long a lock-out lasts at most.
    max_per_address
        Failures from one address (any user) allowed within ``window``.
    clock
        Time source [s] (monotonic; replaced in tests).
    """

    def __init__(self, max_failures: int = 5, window: float = 300.0,
                 max_per_address: int = 50,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_failures < 1 or window <= 0 or max_per_address < 1:
            raise ValueError(f"max_failures and max_per_address must be >= 1 and window > 0 "
                             f"[s]; found {max_failures}, {max_per_address}, {window}")
        self.max_failures = max_failures
        self.window = window
        self.max_per_address = max_per_address
        self._clock = clock
        self._fails: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, user: str, address: str) -> float:
        """Seconds until ``user`` may try again from ``address`` (0: may try now)."""
        now = self._clock()
        with self._lock:
            waits = []
            for key, limit in (((user.lower(), address), self.max_failures),
                               (("", address), self.max_per_address)):
                q = self._recent(key, now)
                if len(q) >= limit:
                    waits.append(q[len(q) - limit] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, user: str, address: str) -> None:
        """Count a failed sign-in of ``user`` from ``address``."""
        now = self._clock()
        with self._lock:
            self._fails[(user.lower(), address)].append(now)
            self._fails[("", address)].append(now)

    def succeeded(self, user: str, address: str) -> None:
        """A successful sign-in clears the user's failures from that address."""
        with self._lock:
            self._fails.pop((user.lower(), address), None)
