"""The watch client: subscribe to every machine, catch up after a break, never stop.

:class:`LiveClient` connects to a plant server (:mod:`twinbench.live.server`), finds the
machines under ``Objects/Machines``, subscribes to each machine's signals (trigger
StatusValueTimestamp, so that a stuck sensor's repeated value is still a sample; a FIFO
queue per item, so that no sample is overwritten between two publishes) and hands every
complete sample (all signals of one machine at one source timestamp) to a callback.

After a lost connection or a server restart it reconnects with exponential backoff,
subscribes again, then reads the server's history (HistoryRead, raw) from the last sample
it delivered per machine up to now: what was published while it was away is delivered too,
before the values the new subscription sent meanwhile (they are held until the history is
delivered, so that samples reach the consumer in time order).
A sample can therefore arrive twice (history overlapping the live stream, the initial
value of a new subscription); the callback's consumer removes duplicates by the key
``(machine, source timestamp)`` (:class:`twinbench.live.livetwin.LiveTwin` does, with the
historian's key).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from twinbench.live.playback import SIGNALS
from twinbench.live.security import CLIENT_URI, SecurityConfig
from twinbench.live.server import BROWSE_NAMES, NAMESPACE

__all__ = ["LiveClient", "Sample", "WatchConfig"]

_SIG = {v: k for k, v in BROWSE_NAMES.items()}
_ALL = (*SIGNALS, "state", "alarm")
_log = logging.getLogger(__name__)


@dataclass
class WatchConfig:
    """Settings of :class:`LiveClient`.

    Attributes
    ----------
    url
        ``opc.tcp://HOST:PORT/...`` of the plant server.
    security
        Certificate folder (client side); None: no security.
    user, password
        User name token (required by a secured server).
    publishing_ms
        Subscription publishing interval [ms].
    queue_size
        Notifications queued per monitored item between publishes [1].
    backoff
        First and largest wait between reconnection attempts [s].
    heartbeat
        Interval of the connection check [s].
    watchdog
        Interval of asyncua's own server-state probe, and its timeout [s]. asyncua's
        default (1 s) dropped healthy connections whenever either side stalled for a second
        on a loaded machine (seen in the live benchmark); the heartbeat above still finds a
        dead server within ``4 * heartbeat + 2`` s.
    backfill
        On the first connection, also deliver the server's whole history of machines
        without a resume point.
    """

    url: str
    security: SecurityConfig | None = None
    user: str | None = None
    password: str | None = None
    publishing_ms: int = 50
    queue_size: int = 1000
    backoff: tuple[float, float] = (0.2, 5.0)
    heartbeat: float = 0.5
    watchdog: float = 5.0
    backfill: bool = True


@dataclass
class Sample:
    """All signals of one machine at one plant time.

    Attributes
    ----------
    machine, time
        Key: machine and source timestamp (plant time, naive UTC).
    values
        Signal -> value in canonical units.
    state, alarm
        MachineryItemState and active alarm.
    server_time
        ServerTimestamp of the sample (wall clock, UTC) [s since the epoch].
    source
        ``"live"`` (subscription) or ``"history"`` (catch-up after a break).
    """

    machine: str
    time: pd.Timestamp
    values: dict[str, float]
    state: str
    alarm: str
    server_time: float
    source: str = "live"


@dataclass
class ClientStats:
    """Counters of a :class:`LiveClient`."""

    connects: int = 0
    failures: int = 0
    notifications: int = 0
    history_values: int = 0
    delivered: int = 0
    last_error: str = ""
    connected: bool = False
    ready: bool = False
    waits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each lost connection, with its time


def _naive(t: dt.datetime) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_convert(None) if ts.tzinfo is not None else ts


class _Assembler:
    """Collects signal values by (machine, source time) until a sample is complete."""

    def __init__(self, emit: Callable[[Sample], None]) -> None:
        self.emit = emit
        self.pending: dict[tuple[str, pd.Timestamp], dict[str, tuple]] = {}

    def add(self, machine: str, sig: str, dv, source: str) -> None:
        if dv.SourceTimestamp is None:
            return
        key = (machine, _naive(dv.SourceTimestamp))
        got = self.pending.setdefault(key, {})
        got[sig] = (dv.Value.Value, dv.ServerTimestamp)
        if len(got) == len(_ALL):
            del self.pending[key]
            st = max((v[1] for v in got.values() if v[1] is not None),
                     default=dt.datetime.now(dt.UTC))
            self.emit(Sample(machine, key[1], {s: float(got[s][0]) for s in SIGNALS},
                             str(got["state"][0]), str(got["alarm"][0]),
                             st.replace(tzinfo=dt.UTC).timestamp() if st.tzinfo is None
                             else st.timestamp(), source))


class _Handler:
    def __init__(self, client: LiveClient) -> None:
        self.c = client

    def datachange_notification(self, node, val, data) -> None:
        key = self.c._keys.get(node.nodeid)
        if key is not None:
            self.c.stats.notifications += 1
            item = (key[0], key[1], data.monitored_item.Value, "live")
            if self.c._held is not None:  # catching up: history first, then these
                self.c._held.append(item)
            else:
                self.c._asm.add(*item)

    def status_change_notification(self, status) -> None:
        self.c.stats.last_error = f"status change: {status}"


class LiveClient:
    """Subscribe to a plant server and deliver samples to ``on_sample`` (see the module).

    Parameters
    ----------
    config
        Where and how to connect.
    on_sample
        Called with every complete :class:`Sample`, in the event loop.
    resume_from
        Machine -> last plant time already stored (e.g.
        :meth:`twinbench.live.historian.Historian.last_times`): history is caught up
        from there on the first connection too.
    """

    def __init__(self, config: WatchConfig, on_sample: Callable[[Sample], None],
                 resume_from: dict[str, pd.Timestamp] | None = None) -> None:
        self.config = config
        self.on_sample = on_sample
        self.stats = ClientStats()
        self._last: dict[str, pd.Timestamp] = dict(resume_from or {})
        self._asm = _Assembler(self._deliver)
        self._keys: dict = {}
        self._held: list[tuple] | None = None
        self.machines: list[str] = []

    def _deliver(self, s: Sample) -> None:
        self.stats.delivered += 1
        if s.machine not in self._last or s.time > self._last[s.machine]:
            self._last[s.machine] = s.time
        self.on_sample(s)

    async def _client(self):
        from asyncua import Client
        from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

        c = Client(self.config.url, timeout=4, watchdog_intervall=self.config.watchdog)
        c.application_uri = CLIENT_URI
        if self.config.user:
            c.set_user(self.config.user)
            c.set_password(self.config.password or "")
        sec = self.config.security
        if sec is not None:
            from asyncua import ua

            await c.set_security(SecurityPolicyBasic256Sha256,
                                 str(sec.path("client_cert.der")),
                                 str(sec.path("client_key.pem")),
                                 server_certificate=str(sec.path("server_cert.der")),
                                 mode=ua.MessageSecurityMode.SignAndEncrypt)
        return c

    async def _discover(self, c) -> dict[str, dict[str, object]]:
        from asyncua import ua

        idx = await c.get_namespace_index(NAMESPACE)
        folder = await c.nodes.objects.get_child([f"{idx}:Machines"])
        out: dict[str, dict[str, object]] = {}
        for obj in await folder.get_children(refs=ua.ObjectIds.Organizes):
            name = (await obj.read_browse_name()).Name
            mon = await obj.get_child([f"{idx}:Monitoring"])
            out[name] = {}
            for var in await mon.get_children():
                bn = (await var.read_browse_name()).Name
                if bn in _SIG:
                    out[name][_SIG[bn]] = var
        return out

    async def _catch_up(self, nodes: dict[str, dict[str, object]],
                        since: dict[str, pd.Timestamp]) -> None:
        """Deliver what the server's history holds from ``since`` (per machine) on; all of
        it for machines not in ``since`` when ``backfill`` is set."""
        async def one(m: str, sig: str, node) -> None:
            start = (since[m].to_pydatetime().replace(tzinfo=dt.UTC) if m in since
                     else dt.datetime(1970, 1, 2, tzinfo=dt.UTC))
            values = await node.read_raw_history(start, dt.datetime.now(dt.UTC) +
                                                 dt.timedelta(days=3650))
            self.stats.history_values += len(values)
            for dv in values:
                self._asm.add(m, sig, dv, "history")

        jobs = [one(m, s, n) for m, sigs in nodes.items()
                if m in since or self.config.backfill for s, n in sigs.items()]
        for i in range(0, len(jobs), 24):
            await asyncio.gather(*jobs[i:i + 24])

    async def _session(self, stop: asyncio.Event) -> None:
        from asyncua import ua

        c = await self._client()
        since = dict(self._last)  # before the subscription delivers newer samples
        async with c:
            self.stats.connects += 1
            self.stats.connected = True
            nodes = await self._discover(c)
            self.machines = sorted(nodes)
            self._keys = {n.nodeid: (m, s) for m, sigs in nodes.items()
                          for s, n in sigs.items()}
            self._held = []  # live values wait until the history is delivered
            sub = await c.create_subscription(self.config.publishing_ms, _Handler(self))
            flt = ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp)
            items = [n for sigs in nodes.values() for n in sigs.values()]
            await sub._subscribe(items, ua.AttributeIds.Value, flt,
                                 queuesize=self.config.queue_size)
            try:
                await self._catch_up(nodes, since)
            finally:
                held, self._held = self._held or [], None
            for item in held:  # in order of arrival, after the older history
                self._asm.add(*item)
            self.stats.ready = True
            clock = c.get_node(ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime))
            while not stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.config.heartbeat)
                await asyncio.wait_for(clock.read_value(), 4 * self.config.heartbeat + 2)

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected until ``stop`` is set: reconnect with backoff after a failure."""
        wait = self.config.backoff[0]
        while not stop.is_set():
            before = self.stats.connects
            try:
                await self._session(stop)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                self.stats.failures += 1
                self.stats.last_error = f"{type(err).__name__}: {err}"
                self.stats.errors.append(f"{dt.datetime.now(dt.UTC):%H:%M:%S} "
                                         f"{self.stats.last_error}")
                _log.info("plant connection lost (%s); retrying in %.1f s", err, wait)
            self.stats.connected = self.stats.ready = False
            if stop.is_set():
                break
            if self.stats.connects > before:
                wait = self.config.backoff[0]  # it was connected: start the backoff again
            self.stats.waits.append(wait)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(2 * wait, self.config.backoff[1])
