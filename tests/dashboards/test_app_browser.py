"""The dashboard in a real headless browser: Debian's Chromium driven by Playwright.

Serves the app with ``twinbench serve`` over a users file of argon2 hashes (a viewer, a
planner, an approver, an admin), then: a wrong password is refused and repeated failures
lock the sign-in out; a viewer cannot approve, neither by the page (the button is
disabled) nor by a direct call (the button enabled in the browser and clicked: the server
refuses); the four-eyes rule holds; the plan goes draft -> approved -> released; a
tampered audit log is reported by ``twinbench audit verify`` and on the page, which keeps
working; an alert opens its machine in one click; every page fits 1366x768 and is
screenshot to ``out/screenshots/`` (gitignored); a server on every interface accepts the
websocket from this machine's address.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from twinbench.access.approvals import ApprovalLog
from twinbench.access.users import UserStore

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SHOTS = Path(__file__).parents[2] / "out" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
USERS = {"vic": "viewer", "pat": "planner", "ann": "approver", "adm": "admin",
         "carol": "viewer"}
PLAN_WAIT = 600_000  # the first plan: the twin calibrated and the chain run [ms]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian chromium missing: run scripts/test to install")


def _pw(name: str) -> str:
    return f"{name}-secret-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _start(args: list[str], port: int, host: str = "localhost") -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "twinbench.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own process group: the twin's worker dies with it
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.5)
    raise TimeoutError("server did not start")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dash")
    SHOTS.mkdir(parents=True, exist_ok=True)
    store = UserStore(tmp / "users.json")
    for name, role in USERS.items():
        store.add(name, _pw(name), [role])
    port = _free_port()
    proc = _start(["--users", str(tmp / "users.json"), "--draws", "150", "--results",
                   str(tmp), "--max-failed-logins", "3"], port)
    yield f"http://localhost:{port}", tmp
    _stop(proc)


@pytest.fixture()
def browser():
    with playwright.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM),
                                                   headless=True, args=ARGS,
                                                   viewport=VIEWPORT)
        yield ctx
        ctx.close()


def _login(page, url: str, user: str, password: str | None = None):
    page.goto(f"{url}/logout")
    page.goto(f"{url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password or _pw(user))
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def _nav(page, name: str) -> None:
    page.locator(".nav").get_by_role("button", name=name, exact=True).click()


def _plan_id(page) -> str:
    page.wait_for_selector("text=/This plan \\(/", timeout=PLAN_WAIT)
    # the text is inside the Markdown pane's shadow root, not the host element's own
    text = page.get_by_text(re.compile(r"This plan \(")).first.inner_text()
    found = re.search(r"\((\S+:\S+)\)", text)
    assert found, f"no plan id in the plan's state line: {text!r}"
    return found.group(1)


def _audit(tmp: Path) -> list[dict]:
    return ApprovalLog(tmp / "audit.sqlite", lambda _u: ()).audit.rows()


def test_users_file_holds_hashes_only(server):
    _, tmp = server
    text = (tmp / "users.json").read_text()
    assert all(_pw(n) not in text for n in USERS)
    assert text.count("$argon2id$") == len(USERS)


def test_wrong_password_refused_then_locked_out(server, browser):
    url, _ = server
    page = browser.new_page()
    _login(page, url, "carol", "not-her-password")
    assert "/login" in page.url
    assert page.locator(".errormessage").inner_text() == "Invalid username or password!"
    page.goto(url)  # still no way in
    assert "/login" in page.url
    for _ in range(2):  # 3 failures in all
        _login(page, url, "carol", "guess-again")
    # locked out: the right password is refused too, with the reason and a 429
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", _pw("carol"))
    with page.expect_response(lambda r: r.request.method == "POST") as resp:
        page.click("button[type=submit]")
    assert resp.value.status == 429
    assert "Too many failed sign-ins" in page.locator(".errormessage").inner_text()
    page.goto(url)
    assert "/login" in page.url
    # another user from the same address is not locked out
    _login(page, url, "vic")
    page.wait_for_selector("text=signed in as", timeout=60_000)


def test_viewer_cannot_approve_by_page_or_direct_call(server, browser):
    url, tmp = server
    page = _login(browser.new_page(), url, "vic")
    _nav(page, "Supply")
    pid = _plan_id(page)
    page.wait_for_selector("text=Viewing only", timeout=60_000)
    approve = page.get_by_role("button", name="Approve plan")
    expect(approve).to_be_disabled()
    # a draft by the planner, written through the workflow as the server would
    roles = {n: [r] for n, r in USERS.items()}
    ApprovalLog(tmp / "audit.sqlite", lambda u: roles.get(u, ())).record("pat", "submit", pid)
    before = len(_audit(tmp))
    # the direct call: enable the button in the browser's model and click it
    page.evaluate("""() => {
        for (const doc of Bokeh.documents)
            for (const m of doc.all_models)
                if (m.label === "Approve plan") m.disabled = false;
    }""")
    expect(approve).to_be_enabled()
    approve.click()
    page.wait_for_selector("text=/may not approve plans/", timeout=30_000)
    assert len(_audit(tmp)) == before  # nothing written
    assert all(r["action"] != "approve" for r in _audit(tmp))


def test_four_eyes_and_the_release(server, browser):
    url, tmp = server
    page = _login(browser.new_page(), url, "adm")
    _nav(page, "Schedule")
    pid = _plan_id(page)
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_selector("text=plan submitted by adm", timeout=30_000)
    page.get_by_role("button", name="Approve plan").click()
    page.wait_for_selector("text=/four-eyes rule/", timeout=30_000)
    assert [r["action"] for r in _audit(tmp) if r["plan_id"] == pid] == ["submit"]
    page = _login(page, url, "ann")
    _nav(page, "Schedule")
    assert _plan_id(page) == pid
    page.get_by_role("button", name="Approve plan").click()
    page.wait_for_selector("text=plan approved by ann", timeout=30_000)
    expect(page.get_by_role("button", name="Release to the floor")).to_be_disabled()
    page = _login(page, url, "pat")
    _nav(page, "Schedule")
    _plan_id(page)
    page.get_by_role("button", name="Release to the floor").click()
    page.wait_for_selector("text=plan released by pat", timeout=30_000)
    assert [(r["user"], r["action"]) for r in _audit(tmp) if r["plan_id"] == pid] == [
        ("adm", "submit"), ("ann", "approve"), ("pat", "release")]
    page.wait_for_selector("text=released to the floor", timeout=30_000)


def test_tampering_detected_and_pages_keep_working(server, browser):
    url, tmp = server
    roles = {n: [r] for n, r in USERS.items()}
    log = ApprovalLog(tmp / "audit.sqlite", lambda u: roles.get(u, ()))
    log.record("pat", "submit", "supply:test:tamper")
    seq = _audit(tmp)[-1]["seq"]
    res = subprocess.run([sys.executable, "-m", "twinbench.cli", "audit", "verify",
                          "--results", str(tmp)], capture_output=True, text=True)
    assert res.returncode == 0 and "intact" in res.stdout
    con = sqlite3.connect(tmp / "audit.sqlite")
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET user = 'mallory' WHERE seq = ?", (seq,))
    con.commit()
    con.close()
    res = subprocess.run([sys.executable, "-m", "twinbench.cli", "audit", "verify",
                          "--results", str(tmp)], capture_output=True, text=True)
    assert res.returncode == 1 and f"entry {seq}:" in res.stdout, res.stdout
    page = _login(browser.new_page(), url, "ann")
    _nav(page, "Supply")
    page.wait_for_selector("text=failed its integrity check", timeout=PLAN_WAIT)
    assert str(seq) in page.locator("text=failed its integrity check").inner_text()
    expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=60_000)
    _nav(page, "Schedule")  # the other plan page too
    page.wait_for_selector("text=failed its integrity check", timeout=60_000)
    page.screenshot(path=str(SHOTS / "tampered_log.png"))


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"page {width} px wide: scrolls sideways at 1366"


def test_every_page_at_1366x768_alert_to_machine_and_a_whatif(server, browser):
    url, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _login(browser.new_page(), url, "ann")
    page.wait_for_selector("text=signed in as", timeout=60_000)
    page.wait_for_selector("text=/Bottleneck: /", timeout=PLAN_WAIT)
    page.wait_for_selector("text=Wear alerts", timeout=60_000)
    for text in ("Demand met (fill rate)", "Machines at risk", "Orders on time this week"):
        expect(page.get_by_text(text).first).to_be_visible()
    body = page.locator("body").inner_text()
    for jargon in ("shadow_price", "appsi", "running_h", "1.0e+", "e+0"):
        assert jargon not in body, f"internal word {jargon!r} on the overview"
    _fits(page)
    page.screenshot(path=str(SHOTS / "overview.png"))
    # one click from an alert to the machine's history and explanation
    alert = page.locator(".alert-link").first
    machine = alert.inner_text().split(":")[0].strip()
    alert.get_by_role("button").click()
    page.wait_for_selector(f"text=/{machine}.*chance of failing/", timeout=60_000)
    expect(page.locator(".js-plotly-plot").nth(1)).to_be_attached(timeout=60_000)
    _fits(page)
    page.screenshot(path=str(SHOTS / "maintenance.png"))
    for name, ready in (("Schedule", ".js-plotly-plot"), ("Supply", "text=What limits")):
        _nav(page, name)
        page.wait_for_selector(ready, timeout=120_000)
        page.wait_for_selector("text=/This plan \\(/", timeout=60_000)
        _fits(page)
        page.screenshot(path=str(SHOTS / f"{name.lower()}.png"))
    _nav(page, "What-if")
    page.get_by_role("button", name="Run what-if").click()
    page.wait_for_selector("text=Done: supply cost changes by", timeout=240_000)
    expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=60_000)
    _fits(page)
    page.screenshot(path=str(SHOTS / "whatif.png"))
    _nav(page, "Ask the twin")
    page.wait_for_selector("textarea", timeout=60_000)
    _fits(page)
    page.screenshot(path=str(SHOTS / "ask.png"))
    assert {p.name for p in SHOTS.glob("*.png")} >= {
        "overview.png", "maintenance.png", "schedule.png", "supply.png", "whatif.png",
        "ask.png"}


def test_every_interface_accepts_this_machines_address(browser):
    from dashboards.serve import _local_addresses

    ips = sorted(a for a in _local_addresses() if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a)
                 and not a.startswith("127."))
    if not ips:
        pytest.skip("no non-loopback IPv4 address on this machine")
    port = _free_port()
    proc = _start(["--address", "0.0.0.0"], port, host=ips[0])
    try:
        page = browser.new_page()
        page.goto(f"http://{ips[0]}:{port}/")
        # the page's content arrives over the websocket: it shows only if the origin passed
        page.wait_for_selector("text=Open orders", timeout=60_000)
    finally:
        _stop(proc)
