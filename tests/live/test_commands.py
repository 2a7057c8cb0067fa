"""The live CLI commands through their functions: live-certs, live-add-user, a secured
plant-server and a watch of it, and their refusals of bad arguments."""

from __future__ import annotations

import argparse
import json
import socket
import time

import duckdb
import pytest

from tests.live.conftest import free_port
from twinbench.live.commands import add_parsers, main, run_in_thread

PW = "pass-w0rd-long"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="twinbench")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _wait_port(port: int, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def test_certs_and_users(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TWINBENCH_OPCUA_PASSWORD", PW)
    assert main(["live-certs", str(tmp_path / "c"), "--user", "op", "--host", "localhost"]) == 0
    users = json.loads((tmp_path / "c" / "users.json").read_text())
    assert set(users) == {"op"} and PW not in (tmp_path / "c" / "users.json").read_text()
    assert main(["live-add-user", str(tmp_path / "c" / "users.json"), "second"]) == 0
    assert set(json.loads((tmp_path / "c" / "users.json").read_text())) == {"op", "second"}
    monkeypatch.delenv("TWINBENCH_OPCUA_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["live-add-user", str(tmp_path / "c" / "users.json"), "third"]) == 2
    assert "no password" in capsys.readouterr().err


def test_refusals(tmp_path, capsys):
    assert main(["plant-server", "--port", str(free_port())]) == 2  # secure needs --certs
    assert "live-certs" in capsys.readouterr().err
    assert main(["plant-server", "--certs", str(tmp_path / "none")]) == 2
    assert main(["watch", "http://example.org", "--no-twin"]) == 2
    assert main(["watch", "opc.tcp://127.0.0.1:1", "--certs", str(tmp_path),
                 "--no-twin"]) == 2  # no client certificate there


def test_secured_plant_server_and_watch(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TWINBENCH_OPCUA_PASSWORD", PW)
    certs = tmp_path / "certs"
    assert main(["live-certs", str(certs), "--user", "op", "--host", "localhost"]) == 0
    port = free_port()
    server = _parse(["plant-server", "--port", str(port), "--speed", "40", "--certs",
                     str(certs), "--machines", "LASER1,PRESS2", "--recorded-days", "2",
                     "--continuation-days", "1", "--ticks", "60", "--hold", "8"])
    thread, code = run_in_thread(server.func, server)
    assert _wait_port(port)
    db = tmp_path / "h.duckdb"
    assert main(["watch", f"opc.tcp://127.0.0.1:{port}", "--db", str(db), "--duration",
                 "5", "--certs", str(certs), "--user", "op", "--no-twin"]) == 0
    thread.join(30)
    assert code == [0]
    out = capsys.readouterr().out
    assert "Basic256Sha256" in out and "watched" in out and "lag from server" in out
    con = duckdb.connect(str(db), read_only=True)
    n, dup = con.execute("SELECT count(*), count(*) - count(DISTINCT (machine, time)) "
                         "FROM samples").fetchone()
    assert (n, dup) == (2 * 60, 0)
    # the same database again: a second watch resumes after what is stored
    with pytest.raises(SystemExit):
        _parse(["watch"])  # the address is required
