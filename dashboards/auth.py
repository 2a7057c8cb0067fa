"""Sign-in for the served dashboard: Panel's login page over twinbench's user store.

Replaces Panel's plain-text ``basic_auth`` with :mod:`twinbench.access`: passwords are
checked against argon2 hashes (off the server's event loop), failed sign-ins are counted
per user and address and lock the pair out for a while, and a sign-in opens a server-side
session that expires (``lifetime``, ``idle``) or ends at sign-out or when the user is
removed. The browser holds only the session's random token, in a signed cookie; the
``user`` cookie Panel reads for ``pn.state.user`` is set beside it and must agree.

For sites with a single sign-on service, Panel's OAuth providers (``panel serve
--oauth-provider ...``) are the alternative: see README, "Signing in".
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path

import panel as pn
import tornado.escape
from panel.auth import BasicAuthProvider, BasicLoginHandler, LogoutHandler, _validate_next_url
from panel.io.state import state
from tornado.web import decode_signed_value
from tornado.websocket import WebSocketHandler

from twinbench.access.ratelimit import LoginLimiter
from twinbench.access.sessions import SessionStore
from twinbench.access.users import UserStore

__all__ = ["SESSION_COOKIE", "Access", "access", "configure", "current_user"]

SESSION_COOKIE = "twinbench_session"
INVALID = "Invalid username or password!"


@dataclass
class Access:
    """The server's user store, sign-in limiter and sessions (one per process)."""

    users: UserStore | None = None
    limiter: LoginLimiter | None = None
    sessions: SessionStore | None = None

    def roles(self, user: str | None) -> tuple[str, ...]:
        """Roles of ``user`` now (none without a user store: no login, nobody decides)."""
        return self.users.roles(user) if self.users is not None and user else ()


_ACCESS = Access()


def access() -> Access:
    """This process's :class:`Access` (empty until :func:`configure`)."""
    return _ACCESS


def configure(users: str | Path, max_failures: int = 5, window: float = 300.0,
              lifetime: float = 8 * 3600.0, idle: float = 3600.0) -> TwinbenchAuthProvider:
    """Set up sign-in from the users file ``users``; returns the provider for
    ``pn.serve(auth_provider=...)``.

    Parameters
    ----------
    users
        The users file (:mod:`twinbench.access.users`); checked now.
    max_failures, window
        Failed sign-ins of a user from one address allowed within ``window`` [s].
    lifetime, idle
        Longest session, and longest without a request [s].
    """
    store = UserStore(users)
    store.check()
    _ACCESS.users = store
    _ACCESS.limiter = LoginLimiter(max_failures, window)
    _ACCESS.sessions = SessionStore(lifetime, idle)
    return TwinbenchAuthProvider(login_template=str(Path(__file__).parent / "login.html"))


def _session_token(get_cookie) -> str | None:
    raw = get_cookie(SESSION_COOKIE)
    return raw.decode() if raw else None


def session_user(cookies: dict[str, str], touch: bool = False) -> str | None:
    """The user of the live session named by the signed cookies ``cookies`` (the
    browser's, as ``pn.state.cookies`` holds them); ``None``: expired or signed out."""
    if _ACCESS.sessions is None:
        return None
    raw = cookies.get(SESSION_COOKIE)
    token = decode_signed_value(pn.config.cookie_secret, SESSION_COOKIE, raw) if raw else None
    user = _ACCESS.sessions.user(token.decode() if token else None, touch=touch)
    return user if user and _ACCESS.roles(user) else None


def current_user() -> str | None:
    """The signed-in user of the current Bokeh session, if the sign-in is still live
    (``"anonymous"`` when the dashboard is served without login)."""
    if _ACCESS.sessions is None:
        return "anonymous"
    user = session_user(dict(pn.state.cookies or {}), touch=True)
    return user if user is not None and user == pn.state.user else None


class TwinbenchLoginHandler(BasicLoginHandler):
    """Panel's login form, checked against hashes, rate limited, opening a session."""

    def _page(self, message: str, status: int = 200) -> None:
        self.set_status(status)
        self.write(self._login_template.render(errormessage=message,
                                               login_endpoint=self._login_endpoint))

    async def post(self) -> None:
        """Check the form's user and password."""
        a = _ACCESS
        name = self.get_argument("username", "")
        password = self.get_argument("password", "")
        address = self.request.remote_ip or "?"
        wait = a.limiter.retry_after(name, address)
        if wait > 0:
            self.set_header("Retry-After", str(math.ceil(wait)))
            self._page(f"Too many failed sign-ins for {name!r} from your address: try again "
                       f"in {math.ceil(wait / 60)} min.", 429)
            return
        ok = await asyncio.to_thread(a.users.verify, name, password)
        if not ok:
            a.limiter.failed(name, address)
            self.redirect(self.request.path + "?error=" + tornado.escape.url_escape(INVALID))
            return
        a.limiter.succeeded(name, address)
        old = _session_token(self.get_secure_cookie)
        a.sessions.close(old)
        self.set_secure_cookie(SESSION_COOKIE, a.sessions.open(name), expires_days=None,
                               httponly=True, samesite="Strict", path=pn.config.cookie_path)
        self.set_current_user(name)
        self.redirect(_validate_next_url(self.get_cookie("next_url", state.base_url)) or "/")


class TwinbenchLogoutHandler(LogoutHandler):
    """Panel's sign-out, ending the server-side session too."""

    def get(self) -> None:
        """Sign out."""
        if _ACCESS.sessions is not None:
            _ACCESS.sessions.close(_session_token(self.get_secure_cookie))
        self.clear_cookie(SESSION_COOKIE, path=pn.config.cookie_path)
        super().get()


class TwinbenchAuthProvider(BasicAuthProvider):
    """Bokeh auth provider: a request is signed in when its session is live."""

    @property
    def get_user(self):
        """The user of a request (``None``: sign in again)."""
        def get_user(handler) -> str | None:
            token = _session_token(lambda n: handler.get_secure_cookie(n, max_age_days=1))
            user = _ACCESS.sessions.user(token) if _ACCESS.sessions is not None else None
            cookie = handler.get_secure_cookie("user", max_age_days=1)
            if user is None or not _ACCESS.roles(user) or \
                    (cookie or b"").decode("utf-8", "replace") != user:
                return None
            if isinstance(handler, WebSocketHandler):  # Panel's count of active users
                state._active_users[user] += 1
            return user
        return get_user

    @property
    def login_handler(self):
        """The login form's handler."""
        TwinbenchLoginHandler._login_endpoint = self._login_endpoint
        TwinbenchLoginHandler._login_template = self._login_template
        return TwinbenchLoginHandler

    @property
    def logout_handler(self):
        """The sign-out handler."""
        TwinbenchLogoutHandler._logout_template = self._logout_template
        TwinbenchLogoutHandler._login_endpoint = self._login_endpoint
        return TwinbenchLogoutHandler
