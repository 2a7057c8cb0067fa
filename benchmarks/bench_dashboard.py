"""Dashboard response times in a real headless browser (Debian chromium via Playwright).

Starts ``twinbench serve`` (login required), signs in once to start the server's
workbench and waits until the twin is calibrated and the plan solved (warm server). Then,
in a fresh browser: time from requesting the overview page to its first complete render
(every deferred panel filled: "Bottleneck" and "Wear alerts" shown), and from clicking
"Run what-if" to the comparison showing. Targets (issue 10): under 3 s and under 30 s.

usage: python benchmarks/bench_dashboard.py [--draws 400]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _login(ctx, url: str):
    page = ctx.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "bench")
    page.click("button[type=submit]", no_wait_after=True)
    return page


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=400)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        users = Path(tmp) / "users.json"
        users.write_text(json.dumps({"alice": "bench"}))
        with socket.socket() as s:
            s.bind(("localhost", 0))
            port = s.getsockname()[1]
        url = f"http://localhost:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "twinbench.cli", "serve", "--port", str(port), "--users",
             str(users), "--approvers", "alice", "--draws", str(args.draws), "--results",
             tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            for _ in range(240):
                try:
                    socket.create_connection(("localhost", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                profile = tempfile.mkdtemp(dir=tmp)
                ctx = p.chromium.launch_persistent_context(
                    profile, executable_path="/usr/bin/chromium", headless=True, args=ARGS)
                t0 = time.perf_counter()
                page = _login(ctx, url)
                page.wait_for_selector("text=Wear alerts", timeout=900_000)
                print(f"cold start (server's first session, twin calibrated with "
                      f"{args.draws} draws, plan solved): {time.perf_counter() - t0:.1f} s")
                page.close()
                for attempt in range(3):
                    t0 = time.perf_counter()
                    page = ctx.new_page()
                    page.goto(url, wait_until="commit")
                    page.wait_for_selector("text=Bottleneck", timeout=60_000)
                    page.wait_for_selector("text=Wear alerts", timeout=60_000)
                    render = time.perf_counter() - t0
                    page.locator(".bk-tab", has_text="Scenarios").click()
                    # a different what-if each time: nothing cached
                    page.locator("select").nth(1).select_option(index=attempt)
                    t1 = time.perf_counter()
                    page.get_by_role("button", name="Run what-if").click()
                    page.wait_for_selector("text=Done: supply cost changes by",
                                           timeout=300_000)
                    whatif = time.perf_counter() - t1
                    print(f"warm #{attempt + 1}: overview complete render {render:.2f} s "
                          f"(target < 3 s) | what-if to comparison {whatif:.2f} s "
                          f"(target < 30 s)")
                    page.close()
                ctx.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
