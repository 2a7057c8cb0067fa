"""Security on: Basic256Sha256 Sign & Encrypt with a user name; everything else refused.

Refused: anonymous sessions (also on a secure channel), a wrong password, unsigned (None)
channels with or without a user, a client whose certificate the server does not trust, a
client that encrypts for another server certificate, a rogue client that ignores the
endpoints' security and signs in on an unsigned channel, and every write."""

from __future__ import annotations

import asyncio
from unittest import mock

import pandas as pd
import pytest

from tests.live.conftest import free_port, wait_for
from twinbench.live.client import LiveClient, WatchConfig
from twinbench.live.historian import Historian
from twinbench.live.livetwin import LiveTwin
from twinbench.live.playback import build_playback
from twinbench.live.security import CLIENT_URI, SecurityConfig, make_certificates
from twinbench.live.server import PlantServer, ServerConfig

USER, PASSWORD = "operator", "s3cret-pw"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certs")
    make_certificates(folder, users={USER: PASSWORD}, host="localhost")
    return folder


async def _try(url: str, *, folder=None, user=None, password=None, secure=True,
               write=False, server_cert=None, rogue=False) -> str:
    """Connect with these credentials; "ok" or the error's type name.

    ``folder``: the client's certificate pair; ``server_cert``: the server certificate the
    client encrypts for (default the folder's); ``rogue``: ignore the endpoints' security
    (take the first endpoint whatever its mode, as a hostile client could).
    """
    from asyncua import Client, ua
    from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

    if rogue:
        with mock.patch.object(Client, "find_endpoint",
                               staticmethod(lambda eps, mode, uri: eps[0])):
            return await _try(url, folder=folder, user=user, password=password,
                              secure=secure, write=write, server_cert=server_cert)
    c = Client(url, timeout=4)
    c.application_uri = CLIENT_URI
    if user is not None:
        c.set_user(user)
        c.set_password(password or "")
    if secure:
        await c.set_security(SecurityPolicyBasic256Sha256, str(folder / "client_cert.der"),
                             str(folder / "client_key.pem"),
                             server_certificate=str(server_cert or
                                                    folder / "server_cert.der"),
                             mode=ua.MessageSecurityMode.SignAndEncrypt)
    try:
        async with c:
            node = c.get_node("ns=2;s=LASER1.load")
            value = await node.read_value()
            assert isinstance(value, float)
            if write:
                await node.write_value(ua.DataValue(ua.Variant(0.5, ua.VariantType.Double)))
        return "ok"
    except Exception as err:  # the refusal's kind is what the test compares
        return type(err).__name__


async def _run(pb, certs, port: int, other) -> dict[str, str]:
    url = f"opc.tcp://127.0.0.1:{port}/twinbench/"
    out: dict[str, str] = {}
    sec = SecurityConfig(certs)
    async with PlantServer(pb, ServerConfig(port=port, speed=100, security=sec)) as srv:
        await srv.play(until=5)
        out["user"] = await _try(url, folder=certs, user=USER, password=PASSWORD)
        out["write"] = await _try(url, folder=certs, user=USER, password=PASSWORD,
                                  write=True)
        out["anonymous"] = await _try(url, folder=certs)
        out["wrong_password"] = await _try(url, folder=certs, user=USER, password="nope")
        out["unsigned"] = await _try(url, user=USER, password=PASSWORD, secure=False)
        out["unsigned_anonymous"] = await _try(url, secure=False)
        out["rogue_unsigned_user"] = await _try(url, user=USER, password=PASSWORD,
                                                secure=False, rogue=True)
        out["rogue_unsigned_anonymous"] = await _try(url, secure=False, rogue=True)
        out["untrusted_client_cert"] = await _try(url, folder=other, user=USER,
                                                  password=PASSWORD,
                                                  server_cert=certs / "server_cert.der")
        out["other_server_cert"] = await _try(url, folder=other, user=USER,
                                              password=PASSWORD)
        # the watch client over the secured link receives samples
        twin = LiveTwin(Historian())
        client = LiveClient(WatchConfig(url, security=SecurityConfig(certs), user=USER,
                                        password=PASSWORD), twin.on_sample)
        stop = asyncio.Event()
        task = asyncio.create_task(client.run(stop))
        ok = await wait_for(lambda: client.stats.ready, 30)
        await srv.play(until=20)
        ok = ok and await wait_for(lambda: twin.stats.processed >= 2 * 20, 20)
        out["watch"] = "ok" if ok else f"no samples ({client.stats.last_error})"
        stop.set()
        await task
    return out


def test_secured_server_takes_only_signed_encrypted_user_sessions(demo_plant, recording,
                                                                   certs, tmp_path):
    rec = recording[recording["time"] >= pd.Timestamp("2025-12-30")]
    pb = build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=0,
                        machines=["LASER1", "PRESS2"])
    # a second, valid certificate pair the server has never been told to trust
    other = tmp_path / "other"
    make_certificates(other, host="localhost")
    out = asyncio.run(_run(pb, certs, free_port(), other))
    assert out["user"] == "ok", out
    assert out["watch"] == "ok", out
    refused = {k: v for k, v in out.items() if k not in ("user", "watch")}
    assert all(v != "ok" for v in refused.values()), out
    assert out["write"] == "BadUserAccessDenied", out
    assert out["untrusted_client_cert"] == "BadCertificateUntrusted", out
    # the rogue client reaches ActivateSession on a None channel: refused by the server
    assert out["rogue_unsigned_user"] in ("BadUserAccessDenied",
                                          "BadIdentityTokenRejected"), out


def test_insecure_server_refuses_anonymous_writes(demo_plant, recording):
    rec = recording[recording["time"] >= pd.Timestamp("2025-12-30")]
    pb = build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=0,
                        machines=["LASER1"])

    async def run(port: int) -> tuple[str, str]:
        url = f"opc.tcp://127.0.0.1:{port}/twinbench/"
        async with PlantServer(pb, ServerConfig(port=port, speed=100)) as srv:
            await srv.play(until=3)
            return (await _try(url, secure=False),
                    await _try(url, secure=False, write=True))

    read, write = asyncio.run(run(free_port()))
    assert read == "ok"  # no security: anonymous reads
    assert write == "BadUserAccessDenied"  # but never a write


def test_certificate_folder_is_complete_and_clear_errors(tmp_path):
    from cryptography import x509

    files = make_certificates(tmp_path / "c", users={USER: PASSWORD}, host="plant.local")
    for key in ("server_cert", "server_key", "client_cert", "client_key", "users"):
        assert files[key].exists(), key
    cert = x509.load_der_x509_certificate(files["server_cert"].read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "urn:twinbench:plant-server" in san.get_values_for_type(
        x509.UniformResourceIdentifier)
    assert "plant.local" in san.get_values_for_type(x509.DNSName)
    assert (files["trusted"] / "client_cert.der").read_bytes() == \
        files["client_cert"].read_bytes()
    assert PASSWORD not in files["users"].read_text()  # hashed, not stored
    with pytest.raises(FileNotFoundError, match="live-certs"):
        SecurityConfig(tmp_path / "nowhere").path("server_cert.der")
