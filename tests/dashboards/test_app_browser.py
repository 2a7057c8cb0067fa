"""The dashboard in a real headless browser: Debian's Chromium driven by Playwright.

Serves the app with ``twinbench serve`` (login required, alice may approve, bob may not),
signs in, visits every page, approves a plan, runs a what-if from the widgets, and saves
screenshots to ``out/test-artifacts/``. A wrong password is refused.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[2] / "out" / "test-artifacts"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian chromium missing: run scripts/test to install")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dash")
    users = tmp / "users.json"
    users.write_text(json.dumps({"alice": "wonderland", "bob": "builder"}))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "twinbench.cli", "serve", "--port", str(port), "--users",
         str(users), "--approvers", "alice", "--draws", "150", "--results", str(tmp)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own process group: the twin's worker dies with it
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("localhost", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.5)
    yield f"http://localhost:{port}", tmp
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture()
def browser():
    with playwright.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM),
                                                   headless=True, args=ARGS,
                                                   viewport={"width": 1400, "height": 1000})
        yield ctx
        ctx.close()


def _login(page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).click()


def test_wrong_password_is_refused(server, browser):
    url, _ = server
    page = browser.new_page()
    _login(page, url, "alice", "not-her-password")
    assert "/login" in page.url
    assert page.locator(".errormessage").inner_text() == "Invalid username or password!"
    page.goto(url)  # still no way in
    assert "/login" in page.url


def test_viewer_cannot_approve(server, browser):
    url, _ = server
    page = browser.new_page()
    _login(page, url, "bob", "builder")
    page.wait_for_selector("text=signed in as", timeout=60_000)
    _tab(page, "Supply")
    page.wait_for_selector("text=approving needs the approver right", timeout=240_000)
    assert page.get_by_role("button", name="Approve plan").count() == 0


def test_every_page_and_a_whatif(server, browser):
    url, results = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    _login(page, url, "alice", "wonderland")
    page.wait_for_selector("text=signed in as", timeout=60_000)
    assert "alice" in page.locator("text=signed in as").first.inner_text()
    # overview: counts at once; plan KPIs and alerts once the twin is calibrated
    for text in ("stations", "machines", "open orders", "data-quality findings"):
        assert page.get_by_text(text, exact=True).count() >= 1
    page.wait_for_selector("text=Bottleneck", timeout=300_000)
    page.wait_for_selector("text=Wear alerts", timeout=300_000)
    expect(page.get_by_text("expected supply cost [kEUR]")).to_have_count(1, timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard_overview.png"), full_page=True)

    _tab(page, "Maintenance")
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    expect(page.get_by_text("P(failure, 4 weeks)").first).to_be_attached(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard_maintenance.png"), full_page=True)

    _tab(page, "Schedule")
    page.wait_for_selector("text=independent check: passed", timeout=240_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    expect(page.get_by_text("P(on time) in the twin [%]")).to_have_count(1, timeout=60_000)
    page.get_by_role("button", name="Reject plan").click()
    page.wait_for_selector("text=plan rejected by alice", timeout=30_000)
    log = [json.loads(x) for x in (results / "approvals.jsonl").read_text().splitlines()]
    assert log[-1]["decision"] == "rejected" and log[-1]["plan_id"].startswith("schedule:")
    page.screenshot(path=str(ARTIFACTS / "dashboard_schedule.png"), full_page=True)

    _tab(page, "Supply")
    page.wait_for_selector("text=Expected cost", timeout=120_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.get_by_role("button", name="Approve plan").click()
    page.wait_for_selector("text=plan approved by alice", timeout=30_000)
    log = [json.loads(x) for x in (results / "approvals.jsonl").read_text().splitlines()]
    assert log[-1]["user"] == "alice" and log[-1]["decision"] == "approved"
    assert log[-1]["plan_id"].startswith("supply:")
    page.screenshot(path=str(ARTIFACTS / "dashboard_supply.png"), full_page=True)

    _tab(page, "Scenarios")
    page.get_by_role("button", name="Run what-if").click()
    page.wait_for_selector("text=Done: supply cost changes by", timeout=180_000)
    # the figure and table render after the text: wait for them (a loaded machine is slow)
    expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=60_000)
    expect(page.get_by_text("fill rate").first).to_be_attached(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard_whatif.png"), full_page=True)

    _tab(page, "Ask the twin")
    box = page.locator("textarea").first
    box.fill("what if supplier S2 is two weeks late?")
    box.press("Enter")
    # the checked answer arrives, labelled
    page.wait_for_selector("text=/AI-generated|Template text from the facts/",
                           timeout=240_000)
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Download the last answer (HTML report)").click()
    report = Path(dl.value.path()).read_text()
    assert "what if supplier S2 is two weeks late?" in report and "supply cost" in report
    page.screenshot(path=str(ARTIFACTS / "dashboard_ask.png"), full_page=True)
