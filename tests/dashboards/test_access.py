"""The access layer without a browser: hashed users, the plain-text refusal, the login
limiter, expiring sessions, the hash-chained audit log, the plan workflow and its roles,
the websocket origins, and the CLI's users/audit commands."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from twinbench.access.approvals import ApprovalLog, WorkflowError
from twinbench.access.audit import AuditLog
from twinbench.access.ratelimit import LoginLimiter
from twinbench.access.sessions import SessionStore
from twinbench.access.users import PlainTextUsers, UserStore, migrate_plain_text
from twinbench.cli import app

runner = CliRunner()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_users_store_only_argon2_hashes(tmp_path):
    path = tmp_path / "users.json"
    store = UserStore(path)
    store.add("alice", "wonderland", ["approver"])
    text = path.read_text()
    assert "wonderland" not in text
    stored = json.loads(text)["users"]["alice"]
    assert stored["hash"].startswith("$argon2id$") and stored["roles"] == ["approver"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert store.verify("alice", "wonderland")
    assert not store.verify("alice", "Wonderland")
    assert not store.verify("nobody", "wonderland")
    with pytest.raises(ValueError, match="at least 8"):
        store.add("bob", "short")
    with pytest.raises(ValueError, match="exists"):
        store.add("alice", "another-one")
    with pytest.raises(ValueError, match="unknown role"):
        store.add("carol", "carol-pass", ["boss"])
    store.remove("alice")
    assert store.roles("alice") == ()


def test_plain_text_users_file_refused_then_migrated(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"alice": "wonderland", "bob": "builder1"}))
    with pytest.raises(PlainTextUsers, match="twinbench users migrate"):
        UserStore(path).check()
    assert migrate_plain_text(path, {"alice": ["approver"]}) == 2
    assert "wonderland" not in path.read_text()
    store = UserStore(path)
    assert store.verify("alice", "wonderland") and store.verify("bob", "builder1")
    assert store.list() == {"alice": ("approver",), "bob": ("viewer",)}


def test_login_limiter_locks_the_pair_out_then_lets_it_in():
    clock = Clock()
    lim = LoginLimiter(max_failures=3, window=60, clock=clock)
    for _ in range(3):
        assert lim.retry_after("alice", "1.2.3.4") == 0
        lim.failed("alice", "1.2.3.4")
    assert lim.retry_after("Alice", "1.2.3.4") == pytest.approx(60)
    assert lim.retry_after("alice", "5.6.7.8") == 0  # another address is not locked out
    clock.t += 30
    assert lim.retry_after("alice", "1.2.3.4") == pytest.approx(30)
    clock.t += 31
    assert lim.retry_after("alice", "1.2.3.4") == 0


def test_sessions_expire_on_lifetime_and_idle():
    clock = Clock()
    s = SessionStore(lifetime=100, idle=30, clock=clock)
    tok = s.open("alice")
    clock.t += 20
    assert s.user(tok) == "alice"
    clock.t += 31  # idle too long
    assert s.user(tok) is None
    tok = s.open("alice")
    for _ in range(5):  # active, but past the lifetime
        clock.t += 25
        s.user(tok)
    assert s.user(tok) is None
    tok = s.open("bob")
    assert s.close_user("bob") == 1 and s.user(tok) is None


def test_audit_chain_detects_an_edit_and_a_removal(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    for i in range(4):
        log.append("alice", "submit", f"plan-{i}", "")
    assert log.verify().ok and log.verify().entries == 4
    con = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit SET user = 'mallory' WHERE seq = 2")
    con.execute("DROP TRIGGER audit_no_update")  # tampering around the triggers
    con.execute("UPDATE audit SET user = 'mallory' WHERE seq = 2")
    con.commit()
    check = log.verify()
    assert set(check.damaged) == {2} and "content does not match" in check.damaged[2]
    con.execute("DROP TRIGGER audit_no_delete")
    con.execute("DELETE FROM audit WHERE seq = 3")
    con.commit()
    assert set(log.verify().damaged) == {2, 4}
    con.execute("DROP TRIGGER audit_no_update")  # each use of the log puts them back
    con.execute("UPDATE audit SET comment = x'00ff' WHERE seq = 1")  # not text any more
    con.commit()
    assert 1 in log.verify().damaged
    con.close()


def test_workflow_roles_four_eyes_and_states(tmp_path):
    roles = {"vic": ["viewer"], "pat": ["planner"], "ann": ["approver"],
             "adm": ["admin"]}
    log = ApprovalLog(tmp_path / "audit.sqlite", lambda u: roles.get(u, ()))
    with pytest.raises(PermissionError, match="needs the admin or planner role"):
        log.record("vic", "submit", "p1")
    with pytest.raises(WorkflowError, match="not submitted"):
        log.record("ann", "approve", "p1")
    log.record("adm", "submit", "p1")
    with pytest.raises(PermissionError, match="four-eyes"):
        log.record("adm", "approve", "p1")
    with pytest.raises(PermissionError):
        log.record("vic", "approve", "p1")
    with pytest.raises(PermissionError):
        log.record("pat", "approve", "p1")
    with pytest.raises(WorkflowError, match="needs it approved"):
        log.record("pat", "release", "p1")
    log.record("ann", "approve", "p1")
    assert log.state("p1") == "approved"
    log.record("pat", "release", "p1")
    assert log.state("p1") == "released"
    # without the rule an admin may approve its own draft
    free = ApprovalLog(tmp_path / "b.sqlite", lambda u: roles.get(u, ()), four_eyes=False)
    free.record("adm", "submit", "p2")
    free.record("adm", "approve", "p2")
    df = log.entries()
    assert list(df["action"]) == ["release", "approve", "submit"]
    assert set(df["check"]) == {"ok"}


def test_damaged_log_is_reported_not_raised(tmp_path):
    path = tmp_path / "audit.sqlite"
    log = ApprovalLog(path, lambda u: ["admin"], four_eyes=False)
    log.record("adm", "submit", "p1")
    path.write_bytes(b"this is no database" * 100)
    assert not log.verify().ok and 0 in log.verify().damaged
    assert log.entries().empty and log.state("p1") is None


def test_origins_for_every_interface():
    from dashboards.serve import allowed_origins

    one = allowed_origins("localhost", 5006)
    assert one == ["127.0.0.1:5006", "localhost:5006"]
    every = allowed_origins("0.0.0.0", 5006, ["plant.example.com"])
    import socket

    assert f"{socket.gethostname()}:5006" in every and "plant.example.com" in every
    assert len(every) > len(one) + 1  # this machine's interface addresses
    # every entry is one Bokeh's allow-list accepts (it refuses IPv6 literals)
    from bokeh.server.util import create_hosts_allowlist

    assert len(create_hosts_allowlist(every, 5006)) == len(every)


def test_users_and_audit_commands(tmp_path):
    users = tmp_path / "u.json"
    res = runner.invoke(app, ["users", "add", "alice", "--users", str(users), "--role",
                              "approver", "--role", "planner", "--password-stdin"],
                        input="wonderland\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["users", "list", "--users", str(users)])
    assert "alice" in res.output and "planner, approver" in res.output
    assert "$argon2" not in res.output
    res = runner.invoke(app, ["users", "remove", "nobody", "--users", str(users)])
    assert res.exit_code == 2 and "no user 'nobody'" in res.output
    res = runner.invoke(app, ["audit", "verify", "--results", str(tmp_path)])
    assert res.exit_code == 2 and "no audit log" in res.output
    log = ApprovalLog(tmp_path / "audit.sqlite", lambda u: ["admin"], four_eyes=False)
    log.record("alice", "submit", "p1")
    res = runner.invoke(app, ["audit", "verify", "--results", str(tmp_path)])
    assert res.exit_code == 0 and "intact: 1 entries" in res.output
    con = sqlite3.connect(tmp_path / "audit.sqlite")
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET action = 'approve'")
    con.commit()
    con.close()
    res = runner.invoke(app, ["audit", "verify", "--results", str(tmp_path)])
    assert res.exit_code == 1 and "entry 1" in res.output and "DAMAGED" in res.output
    plain = tmp_path / "old.json"
    plain.write_text(json.dumps({"bob": "builder1"}))
    res = runner.invoke(app, ["serve", "--users", str(plain)])
    assert res.exit_code == 2 and "plain-text passwords" in res.output
    assert "twinbench users migrate" in res.output
