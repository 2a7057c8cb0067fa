"""``twinbench serve``: the dashboard on a Panel server, with sign-in and the origins the
websocket accepts.

Bokeh refuses a websocket whose page came from a host it was not told about. Listening on
one address, that address (and localhost) is enough; listening on every interface
(``--address 0.0.0.0`` or ``::``), browsers reach the server by this machine's names and
addresses, so each of them is allowed (:func:`allowed_origins`); a name a proxy adds is
given with ``--allow-origin``. IPv6 literals are left out: Bokeh's allow-list splits
``host:port`` on the colon and refuses them.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from collections.abc import Iterable
from pathlib import Path

__all__ = ["allowed_origins", "serve_dashboard"]

APP = Path(__file__).resolve().parent / "app.py"
ANY = {"0.0.0.0", "::", ""}


def _host(h: str) -> str:
    return f"[{h}]" if _is_ipv6(h) else h


def _is_ipv6(h: str) -> bool:
    try:
        return ipaddress.ip_address(h).version == 6
    except ValueError:
        return False


def _local_addresses() -> set[str]:
    """This machine's names and interface addresses."""
    out = {socket.gethostname(), socket.getfqdn()}
    try:
        import psutil

        for addrs in psutil.net_if_addrs().values():
            out.update(a.address.split("%")[0] for a in addrs
                       if a.family in (socket.AF_INET, socket.AF_INET6))
    except ImportError:  # fall back on what the resolver knows of this host
        for info in socket.getaddrinfo(socket.gethostname(), None):
            out.add(str(info[4][0]))
    return out


def allowed_origins(address: str, port: int, extra: Iterable[str] = ()) -> list[str]:
    """``host:port`` entries the websocket accepts for a server on ``address:port``.

    Parameters
    ----------
    address
        The listening address (``0.0.0.0`` / ``::``: every interface).
    port
        The port.
    extra
        More origins (``host`` or ``host:port``), e.g. a reverse proxy's name.
    """
    hosts = {"localhost", "127.0.0.1", address}
    if address in ANY:
        hosts |= _local_addresses()
    hosts.discard("")
    # Bokeh's allow-list reads "host:port" by splitting on ":", so an IPv6 literal cannot
    # be listed: browsers reach the server by name or IPv4 address (or via --allow-origin)
    hosts = {h for h in hosts if not _is_ipv6(h)}
    out = {f"{h}:{port}" for h in hosts}
    out |= set(extra)  # Bokeh reads "host" alone as port 80
    return sorted(out)


def serve_dashboard(port: int, address: str, users: Path | None, results: Path,
                    plant: Path | None, draws: int, four_eyes: bool, allow_origin: list[str],
                    show: bool, lifetime: float, idle: float, max_failures: int,
                    whatif_workers: int = 3) -> str:
    """Serve the dashboard (blocks until stopped); returns nothing useful before then.

    Raises
    ------
    twinbench.access.users.UsersFileError
        The users file cannot be used (plain text, missing, empty): the message says how
        to fix it.
    """
    import importlib

    import panel as pn

    from dashboards.auth import configure

    provider = None
    if users is not None:
        provider = configure(users, max_failures=max_failures, lifetime=lifetime, idle=idle)
    os.environ.update({"TWINBENCH_PLANT": str(plant or ""), "TWINBENCH_RESULTS": str(results),
                       "TWINBENCH_DRAWS": str(draws),
                       "TWINBENCH_WHATIF_WORKERS": str(whatif_workers),
                       "TWINBENCH_FOUR_EYES": "1" if four_eyes else "0"})
    module = importlib.import_module("dashboards.app")  # reads the settings above
    origins = allowed_origins(address, port, allow_origin)
    print(f"twinbench dashboard on http://{_host(address or 'localhost')}:{port}/"
          + (" (login required)" if provider else " (no login: view only)"), flush=True)
    kw = {"auth_provider": provider} if provider is not None else {}
    pn.serve({"/": module.create_app}, port=port, address=address, show=show,
             title="twinbench", cookie_secret=secrets.token_hex(32),
             websocket_origin=origins, num_threads=4, **kw)
    return ""
