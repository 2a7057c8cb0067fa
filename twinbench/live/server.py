"""The plant as an OPC UA server (asyncua) playing a :class:`~twinbench.live.playback.Playback`.

Address space (OPC UA modelling conventions; the Machinery companion model's layout where
practical, without loading its NodeSet, which is not shipped)::

    Objects/
      Machines/                       FolderType, like Machinery's "Machines" entry point
        LASER1/                       one object per machine (BaseObjectType)
          Identification/             Manufacturer, Model (machine type), SerialNumber,
                                      ComponentName, Location (station), ProductInstanceUri
          Monitoring/
            Load, Temperature,        AnalogItemType: EURange and EngineeringUnits
            Vibration, Power,         (UNECE codes), Historizing, read-only
            WearIndicator
            MachineryItemState        String: Executing | NotExecuting | OutOfService
            ActiveAlarm               String: "" | failure | maintenance
            Sequence                  UInt64: ticks the machine has published

Each tick (one plant hour, ``speed`` ticks per wall second) writes every signal of every
machine with the plant time as SourceTimestamp and the wall clock as ServerTimestamp. The
server's history (HistoryRead, raw) is served from the playback for the ticks already
played within ``history_hours``: a client that lost the connection, or a server that
restarted at the tick where it stopped (``start_tick``), loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass

import numpy as np

from twinbench.data.telemetry import VARIABLES
from twinbench.live.playback import SIGNALS, STATES, Playback
from twinbench.live.security import SERVER_URI, SecurityConfig

__all__ = ["BROWSE_NAMES", "NAMESPACE", "PlantServer", "ServerConfig"]

NAMESPACE = "http://twinbench.org/UA/demo-plant/"
#: browse name of each signal's variable under Monitoring
BROWSE_NAMES = {"load": "Load", "temperature": "Temperature", "vibration": "Vibration",
                "power": "Power", "wear": "WearIndicator", "state": "MachineryItemState",
                "alarm": "ActiveAlarm"}
#: UNECE Recommendation 20 codes of the canonical units (OPC UA EUInformation)
UNECE = {"1": ("C62", "1", "one"), "degC": ("CEL", "°C", "degree Celsius"),
         "mm/s": ("C16", "mm/s", "millimetre per second"), "kW": ("KWT", "kW", "kilowatt")}
_log = logging.getLogger(__name__)


@dataclass
class ServerConfig:
    """Settings of :class:`PlantServer`.

    Attributes
    ----------
    host, port
        Where to listen.
    speed
        Ticks (plant hours) per wall second [1/s].
    start_tick
        First tick to play (a restarted server goes on from where it stopped).
    history_hours
        Plant hours of history served by HistoryRead [h].
    security
        Certificate folder; None: no security (anonymous reads allowed, writes refused).
    """

    host: str = "127.0.0.1"
    port: int = 4840
    speed: float = 10.0
    start_tick: int = 0
    history_hours: int = 7 * 24
    security: SecurityConfig | None = None

    @property
    def url(self) -> str:
        """Endpoint URL."""
        return f"opc.tcp://{self.host}:{self.port}/twinbench/"


def _eu(ua, unit: str):
    code, short, long = UNECE.get(unit, UNECE["1"])
    uid = 0
    for c in code:
        uid = (uid << 8) | ord(c)
    return ua.EUInformation(NamespaceUri="http://www.opcfoundation.org/UA/units/un/cefact",
                            UnitId=uid, DisplayName=ua.LocalizedText(short),
                            Description=ua.LocalizedText(long))


class _History:
    """HistoryRead served from the playback (asyncua history storage interface)."""

    def __init__(self, server: PlantServer) -> None:
        self.s = server
        self.max_history_data_response_size = 10000

    async def init(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def new_historized_node(self, node_id, period, count=0) -> None:
        return None

    async def save_node_value(self, node_id, datavalue) -> None:
        return None

    async def read_node_history(self, node_id, start, end, nb_values):
        """Values of the played ticks within the history window in ``[start, end]``."""
        from asyncua import ua

        key = self.s._by_node.get(node_id)
        if key is None:
            return [], None
        i, sig = key
        pb, hi = self.s.playback, self.s.tick
        lo = max(0, hi - self.s.config.history_hours)
        times = pb.times[lo:hi]
        sel = np.ones(len(times), dtype=bool)
        if start is not None and start > dt.datetime(1601, 1, 2, tzinfo=dt.UTC):
            sel &= times >= _naive(start)
        if end is not None and end > dt.datetime(1601, 1, 2, tzinfo=dt.UTC):
            sel &= times <= _naive(end)
        sel &= np.isfinite(pb.values[lo:hi, i, 0])
        ks = lo + np.flatnonzero(sel)
        cont = None
        if nb_values and len(ks) > nb_values:
            cont = pb.times[ks[nb_values]].to_pydatetime().replace(tzinfo=dt.UTC)
            ks = ks[:nb_values]
        return [self.s._datavalue(ua, k, i, sig, None) for k in ks], cont

    async def new_historized_event(self, *a, **k) -> None:
        return None

    async def save_event(self, event) -> None:
        return None

    async def read_event_history(self, *a, **k):
        return [], None


def _naive(t: dt.datetime) -> np.datetime64:
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(t)


class PlantServer:
    """An asyncua server playing ``playback`` (see the module docstring).

    Use as ``async with PlantServer(pb, cfg) as srv: await srv.play(until=...)``.
    """

    def __init__(self, playback: Playback, config: ServerConfig | None = None) -> None:
        self.playback = playback
        self.config = config or ServerConfig()
        if not 0 <= self.config.start_tick <= len(playback):
            raise ValueError(f"start_tick must be in [0, {len(playback)}] (the playback's "
                             f"ticks); found {self.config.start_tick}")
        self.tick = self.config.start_tick
        self.server = None
        self._nodes: dict[tuple[int, str], object] = {}
        self._by_node: dict[object, tuple[int, str]] = {}
        self._seq_nodes: dict[int, object] = {}

    async def __aenter__(self) -> PlantServer:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def start(self) -> None:
        """Build the address space and open the endpoint."""
        from asyncua import Server, ua
        from asyncua.server.user_managers import UserManager  # noqa: F401 (interface)

        from twinbench.live.security import PasswordUserManager, ReadOnlyRuleset

        # instantiating AnalogItemType reports the type's unset attributes: not a fault
        logging.getLogger("asyncua.common.copy_node_util").setLevel(logging.ERROR)
        sec = self.config.security
        users = sec.users() if sec else {}
        server = Server(user_manager=PasswordUserManager(
            users, anonymous=sec is None, require_channel_certificate=sec is not None))
        await server.init()
        server.set_endpoint(self.config.url)
        server.set_server_name("twinbench demo plant")
        await server.set_application_uri(SERVER_URI)
        if sec is None:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity],
                                       permission_ruleset=ReadOnlyRuleset(anonymous_read=True))
            server.set_identity_tokens([ua.AnonymousIdentityToken, ua.UserNameIdentityToken])
        else:
            from asyncua.crypto.truststore import TrustStore
            from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions

            await server.load_certificate(str(sec.path("server_cert.der")))
            await server.load_private_key(str(sec.path("server_key.pem")))
            server.set_security_policy(
                [ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt],
                permission_ruleset=ReadOnlyRuleset(anonymous_read=False))
            server.set_identity_tokens([ua.UserNameIdentityToken])
            store = TrustStore([sec.path("trusted")], [])
            await store.load()
            server.set_certificate_validator(CertificateValidator(
                CertificateValidatorOptions.TRUSTED_VALIDATION
                | CertificateValidatorOptions.PEER_CLIENT, store))
        server.iserver.history_manager.set_storage(_History(self))
        idx = await server.register_namespace(NAMESPACE)
        await self._build(server, idx, ua)
        await server.start()
        self.server = server

    async def _build(self, server, idx: int, ua) -> None:
        from asyncua.common.instantiate_util import instantiate

        spec_units = {s: VARIABLES[s].unit for s in SIGNALS}
        folder = await server.nodes.objects.add_folder(idx, "Machines")
        analog = server.get_node(ua.NodeId(ua.ObjectIds.AnalogItemType))
        read = ua.AccessLevel.CurrentRead.mask | ua.AccessLevel.HistoryRead.mask
        for i, m in enumerate(self.playback.machines):
            obj = await folder.add_object(ua.NodeId(f"{m}", idx), m)
            ident = await obj.add_object(idx, "Identification")
            for name, val in (("Manufacturer", "twinbench demo"), ("Model", m.rstrip("0123456789")),
                              ("SerialNumber", f"TB-{i + 1:04d}"), ("ComponentName", m),
                              ("ProductInstanceUri", f"urn:twinbench:machine:{m}")):
                await ident.add_property(idx, name, val)
            mon = await obj.add_object(idx, "Monitoring")
            for sig in (*SIGNALS, "state", "alarm"):
                nid = ua.NodeId(f"{m}.{sig}", idx)
                if sig in SIGNALS:
                    var = (await instantiate(mon, analog, nodeid=nid,
                                             bname=ua.QualifiedName(BROWSE_NAMES[sig], idx),
                                             dname=ua.LocalizedText(BROWSE_NAMES[sig]),
                                             idx=idx, instantiate_optional=False))[0]
                    await var.write_attribute(ua.AttributeIds.DataType, ua.DataValue(
                        ua.Variant(ua.NodeId(ua.ObjectIds.Double), ua.VariantType.NodeId)))
                    await var.write_value(ua.Variant(0.0, ua.VariantType.Double))
                    lo, hi = VARIABLES[sig].plausible
                    eur = await var.get_child(["0:EURange"])
                    await eur.write_value(ua.Range(Low=lo, High=hi))
                    await var.add_property(0, "EngineeringUnits", _eu(ua, spec_units[sig]))
                else:
                    var = await mon.add_variable(nid, BROWSE_NAMES[sig], "",
                                                 varianttype=ua.VariantType.String)
                await var.write_attribute(ua.AttributeIds.AccessLevel, ua.DataValue(
                    ua.Variant(read, ua.VariantType.Byte)))
                await var.write_attribute(ua.AttributeIds.UserAccessLevel, ua.DataValue(
                    ua.Variant(read, ua.VariantType.Byte)))
                await var.write_attribute(ua.AttributeIds.Historizing, ua.DataValue(
                    ua.Variant(True, ua.VariantType.Boolean)))
                self._nodes[(i, sig)] = var.nodeid
                self._by_node[var.nodeid] = (i, sig)
            seq = await mon.add_variable(ua.NodeId(f"{m}.sequence", idx), "Sequence", 0,
                                         varianttype=ua.VariantType.UInt64)
            self._seq_nodes[i] = seq.nodeid

    def _datavalue(self, ua, k: int, i: int, sig: str, now: dt.datetime | None):
        pb = self.playback
        if sig in SIGNALS:
            var = ua.Variant(float(pb.values[k, i, SIGNALS.index(sig)]), ua.VariantType.Double)
        elif sig == "state":
            var = ua.Variant(STATES[int(pb.state[k, i])], ua.VariantType.String)
        else:
            var = ua.Variant(str(pb.alarm[k, i]), ua.VariantType.String)
        src = pb.times[k].to_pydatetime().replace(tzinfo=dt.UTC)
        return ua.DataValue(var, SourceTimestamp=src,
                            ServerTimestamp=now or dt.datetime.now(dt.UTC))

    async def publish_tick(self, k: int) -> int:
        """Write tick ``k`` of every machine that has a sample then; the number written."""
        from asyncua import ua

        pb, n = self.playback, 0
        now = dt.datetime.now(dt.UTC)
        for i in range(len(pb.machines)):
            if not np.isfinite(pb.values[k, i, 0]):
                continue
            for sig in (*SIGNALS, "state", "alarm"):
                await self.server.write_attribute_value(self._nodes[(i, sig)],
                                                        self._datavalue(ua, k, i, sig, now))
            await self.server.write_attribute_value(self._seq_nodes[i], ua.DataValue(
                ua.Variant(k + 1, ua.VariantType.UInt64), SourceTimestamp=now,
                ServerTimestamp=now))
            n += 1
        return n

    async def play(self, until: int | None = None) -> None:
        """Publish ticks at ``speed`` per second until tick ``until`` (default the end)."""
        until = len(self.playback) if until is None else min(until, len(self.playback))
        period = 1.0 / self.config.speed
        t0, k0 = time.perf_counter(), self.tick
        while self.tick < until:
            await self.publish_tick(self.tick)
            self.tick += 1
            delay = t0 + (self.tick - k0) * period - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))

    async def stop(self) -> None:
        """Close the endpoint (sessions are dropped as by a restart)."""
        if self.server is not None:
            with contextlib.suppress(Exception):
                await self.server.stop()
            self.server = None
