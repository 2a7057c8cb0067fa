"""The served dashboard under 10 concurrent browser sessions (issue 22).

Target: "10 concurrent browser sessions on 2 cores: every page renders in under 3 s at p95
(warm); what-if click to result under 30 s with 3 users asking at once."

What it does, in a real headless browser (Debian chromium via Playwright, never a
downloaded one):

1. makes a users file with ``twinbench users add`` (argon2 hashes; planners and
   approvers) and starts ``twinbench serve`` on a free localhost port;
2. warm-up (not counted): one session signs in and waits until the twin is calibrated
   and the plan solved (the overview complete), visits every page once, and runs one
   what-if (the base scenario's evaluation is cached by the server, as on a server in
   use; ``--no-whatif-warmup`` skips it);
3. ``--sessions`` browser contexts (one browser, a context each: own cookies, own Panel
   session) sign in, then all at once do ``--rounds`` rounds: load the app (a new Panel
   session: "Overview (load)"), then visit every other page by the navigation bar and
   come back to the overview ("Overview (nav)"), ``--think`` seconds between visits.
   Each visit is timed from the request (page load or navigation click) to the page's
   complete render: its deferred panels filled, its figures drawn, its tables' rows
   shown (:data:`READY`), not the empty shell;
4. ``--whatif-users`` of those sessions open the what-if page, each set to a different
   what-if (nothing cached), and click "Run what-if" at the same moment; each is timed
   from the click to the comparison shown (status line, delta figure, table).

Printed: per page n, p50, p95, max against 3 s (PASS/FAIL), each what-if against 30 s and
their max, the load average at start and end, and the CPU the server and the browser
used in each phase (with psutil). Exits 0 always.

    .venv/bin/python benchmarks/bench_dashboard.py [--sessions 10 --rounds 3 --draws 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}
#: users of the run: name -> role (sessions take them in turn)
USERS = {"plan1": "planner", "appr1": "approver", "plan2": "planner", "appr2": "approver"}
PAGE_TARGET = 3.0  # p95 of a warm page's complete render [s]
WHATIF_TARGET = 30.0  # what-if click to comparison, 3 users at once [s]
COLD_WAIT = 1800.0  # the first session: twin calibrated, plan solved [s]
#: the navigation's pages, in its order
PAGES = ["Overview", "Maintenance", "Schedule", "Supply", "What-if", "Live", "Ask the twin"]
#: per page, what shows only when its content is filled: Playwright selectors (they pierce
#: the shadow roots of Panel's panes), or ("plots", n): n Plotly figures drawn. The first
#: selector of each page is on no other page: waited for first, it means that the page has
#: replaced the previous one, so the later ones cannot match the previous page's leftovers.
READY: dict[str, list] = {
    "Overview": ["text=/Bottleneck: /", "text=/Wear alerts: /",
                 "text=Demand met (fill rate)", ".tabulator-row"],
    "Maintenance": ["text=/chance of failing in the next four weeks/", ("plots", 2),
                    ".tabulator-row"],
    "Schedule": ["text=/independent check: (passed|FAILED)/", ("plots", 2),
                 "text=/This plan \\(/", "text=Reschedule from the current state",
                 ".tabulator-row"],
    "Supply": ["text=What limits the plan", ("plots", 2), "text=/This plan \\(/"],
    "What-if": ["text=/Choose a change and press|Done: supply cost|Running /",
                "button:has-text('Run what-if')"],
    "Live": ["text=/Plant link:/", ("plots", 1)],
    "Ask the twin": ["text=/Every number shown is checked/", "textarea"],
}
#: the what-ifs the concurrent users run: (kind as the form shows it, supplier option,
#: machine option); the warm-up runs the form's default (supplier delayed, first supplier)
WHATIFS = [("demand change", 0, 0), ("machine down", 0, 0), ("supplier lost", 0, 0),
           ("energy price change", 0, 0), ("extra shift", 0, 0), ("supplier delayed", 1, 0),
           ("machine down", 0, 1), ("supplier lost", 1, 0)]
DONE = "text=/Done: supply cost changes by|Failed: |Not valid: /"


@dataclass
class Record:
    """Timings of the measured phase [s], per page label, and what went wrong."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    timeouts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)


# -- server ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _password(name: str) -> str:
    return f"{name}-bench-pass"


def make_users(path: Path) -> None:
    """Add :data:`USERS` to the users file ``path`` with ``twinbench users add``."""
    for name, role in USERS.items():
        subprocess.run([sys.executable, "-m", "twinbench.cli", "users", "add", name,
                        "--users", str(path), "--role", role, "--password-stdin"],
                       input=_password(name) + "\n", text=True, check=True,
                       capture_output=True)


def start_server(port: int, users: Path, results: Path, draws: int,
                 log: Path) -> subprocess.Popen:
    """``twinbench serve`` on ``port`` (own process group), once it accepts connections."""
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "twinbench.cli", "serve", "--port", str(port), "--users",
         str(users), "--draws", str(draws), "--results", str(results)],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            socket.create_connection(("localhost", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)
    raise TimeoutError("server did not start in 180 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's process group (its calibration worker too)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


class CPU:
    """CPU time [s] of the server's processes and of the other children of this process
    (the Playwright driver and chromium), read with psutil (None without it)."""

    def __init__(self, server_pid: int) -> None:
        try:
            import psutil
        except ImportError:
            self.ps = None
            return
        self.ps = psutil
        self.server = psutil.Process(server_pid)

    def read(self) -> tuple[float, float] | None:
        """(server, browser) CPU seconds so far of the processes alive now."""
        if self.ps is None:
            return None

        def cpu(procs) -> tuple[float, set[int]]:
            total, pids = 0.0, set()
            for p in procs:
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                    pids.add(p.pid)
                except self.ps.Error:
                    pass
            return total, pids

        server, pids = cpu([self.server, *self.server.children(recursive=True)])
        others = [p for p in self.ps.Process().children(recursive=True) if p.pid not in pids]
        browser, _ = cpu(others)
        return server, browser


def _cpu_line(cpu: CPU, before: tuple[float, float] | None, wall: float) -> str:
    after = cpu.read()
    if before is None or after is None or wall <= 0:
        return "CPU: psutil missing"
    s, b = after[0] - before[0], after[1] - before[1]
    return (f"CPU over {wall:.0f} s: server {s:.0f} s ({s / wall:.2f} cores), browser "
            f"{b:.0f} s ({b / wall:.2f} cores) of {os.cpu_count()} cores")


def _load() -> str:
    return "load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


# -- browser --------------------------------------------------------------------------------
async def sign_in(ctx: BrowserContext, url: str, user: str, timeout: float) -> Page:
    """A new page of ``ctx`` signed in as ``user`` (on the app after the redirect; the
    app's page arrives once the server has built the session: ``timeout`` [s])."""
    page = await ctx.new_page()
    await page.goto(f"{url}/login")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", _password(user))
    async with page.expect_navigation(wait_until="commit", timeout=timeout * 1000):
        await page.click("button[type=submit]")
    if "/login" in page.url:
        raise RuntimeError(f"sign-in of {user} refused")
    return page


async def ready(page: Page, name: str, timeout: float) -> None:
    """Wait until page ``name`` is completely rendered (:data:`READY`) [timeout: s]."""
    ms = timeout * 1000
    for sel in READY[name]:
        if isinstance(sel, tuple):
            await page.locator(".js-plotly-plot").nth(sel[1] - 1).wait_for(
                state="attached", timeout=ms)
        else:
            await page.locator(sel).first.wait_for(state="attached", timeout=ms)


async def nav(page: Page, name: str) -> None:
    """Click ``name`` in the navigation bar."""
    await page.locator(".nav").get_by_role("button", name=name, exact=True).click()


async def timed(rec: Record | None, label: str, action, page: Page, name: str,
                timeout: float) -> float | None:
    """Time ``action()`` (a load or a click) to page ``name``'s complete render [s]."""
    t0 = time.perf_counter()
    try:
        await action()
        await ready(page, name, timeout)
    except Exception as err:  # a timeout or a broken page: counted, the run goes on
        if rec is not None:
            rec.timeouts[label] += 1
            rec.errors.append(f"{label}: {type(err).__name__}: {str(err).splitlines()[0]}")
        return None
    dt = time.perf_counter() - t0
    if rec is not None:
        rec.times[label].append(dt)
    return dt


async def session_rounds(i: int, page: Page, url: str, rounds: int, think: float,
                         timeout: float, rec: Record, start: asyncio.Event) -> None:
    """Session ``i``: ``rounds`` of load + every page by the navigation (its order rotated
    by ``i``, so that the sessions are not all on the same page at once)."""
    others = PAGES[1:]
    order = others[i % len(others):] + others[:i % len(others)]
    await start.wait()
    for _ in range(rounds):
        await timed(rec, "Overview (load)", lambda: page.goto(url, wait_until="commit"),
                    page, "Overview", timeout)
        for name in [*order, "Overview"]:
            await asyncio.sleep(think)
            label = "Overview (nav)" if name == "Overview" else name
            await timed(rec, label, lambda n=name: nav(page, n), page, name, timeout)
        await asyncio.sleep(think)


async def set_whatif(page: Page, kind: str, supplier: int, machine: int,
                     timeout: float) -> None:
    """Open the what-if page of ``page`` and set its form (options by label / index)."""
    await nav(page, "What-if")
    await ready(page, "What-if", timeout)
    selects = page.locator("select")
    await selects.nth(0).select_option(label=kind)
    await selects.nth(1).select_option(index=supplier)
    await selects.nth(2).select_option(index=machine)
    await asyncio.sleep(0.5)  # the form's values reach the server before the click


async def run_whatif(page: Page, timeout: float) -> tuple[float | None, str]:
    """Click "Run what-if"; seconds to the comparison shown, and its status line."""
    t0 = time.perf_counter()
    ms = timeout * 1000
    try:
        await page.get_by_role("button", name="Run what-if").click()
        status = page.locator(DONE).first
        await status.wait_for(state="attached", timeout=ms)
        text = (await status.inner_text()).strip()
        if text.startswith("Done"):
            await page.locator(".js-plotly-plot").first.wait_for(state="attached",
                                                                  timeout=ms)
            await page.locator(".tabulator-row").first.wait_for(state="attached",
                                                                 timeout=ms)
        return (time.perf_counter() - t0 if text.startswith("Done") else None), text
    except Exception as err:
        return None, f"{type(err).__name__}: {str(err).splitlines()[0]}"


async def warm_up(browser: Browser, url: str, timeout: float, whatif: bool) -> None:
    """One session: wait for the calibrated twin and the solved plan, visit each page,
    run one what-if (printed, not counted)."""
    ctx = await browser.new_context(viewport=VIEWPORT)
    t0 = time.perf_counter()
    page = await sign_in(ctx, url, next(iter(USERS)), COLD_WAIT)
    await ready(page, "Overview", COLD_WAIT)
    print(f"cold start (server's first session until the overview is complete: twin "
          f"calibrated, plan solved): {time.perf_counter() - t0:.1f} s", flush=True)
    visits = []
    for name in [*PAGES[1:], "Overview"]:
        dt = await timed(None, name, lambda n=name: nav(page, n), page, name, COLD_WAIT)
        visits.append(f"{name} {dt:.1f} s" if dt is not None else f"{name} FAILED")
    print("warm-up visits (first render of each page on the server): " + ", ".join(visits),
          flush=True)
    if whatif:
        await nav(page, "What-if")
        await ready(page, "What-if", timeout)
        dt, text = await run_whatif(page, COLD_WAIT)
        print(f"warm-up what-if (supplier delayed, the form's default; evaluates and "
              f"caches the base too): {f'{dt:.1f} s' if dt else 'FAILED'} | {text}",
              flush=True)
    await ctx.close()


# -- report ---------------------------------------------------------------------------------
def page_table(rec: Record) -> list[str]:
    """Per page: n, p50, p95, max [s], timeouts, PASS/FAIL against :data:`PAGE_TARGET`."""
    labels = ["Overview (load)", "Overview (nav)", *PAGES[1:]]
    lines = [f"{'page':<17s} {'n':>4s} {'p50':>7s} {'p95':>7s} {'max':>7s} {'failed':>6s}  "
             f"p95 < {PAGE_TARGET:.0f} s"]
    every: list[float] = []
    failed = 0
    for label in labels:
        t = np.array(rec.times.get(label, []))
        bad = rec.timeouts.get(label, 0)
        every += list(t)
        failed += bad
        if not len(t):
            lines.append(f"{label:<17s} {0:>4d} {'-':>7s} {'-':>7s} {'-':>7s} {bad:>6d}  FAIL")
            continue
        p50, p95 = np.percentile(t, [50, 95])
        verdict = "PASS" if p95 < PAGE_TARGET and not bad else "FAIL"
        lines.append(f"{label:<17s} {len(t):>4d} {p50:>6.2f}s {p95:>6.2f}s {t.max():>6.2f}s "
                     f"{bad:>6d}  {verdict}")
    if every:
        a = np.array(every)
        p50, p95 = np.percentile(a, [50, 95])
        verdict = "PASS" if p95 < PAGE_TARGET and not failed else "FAIL"
        lines.append(f"{'every page':<17s} {len(a):>4d} {p50:>6.2f}s {p95:>6.2f}s "
                     f"{a.max():>6.2f}s {failed:>6d}  {verdict}")
    return lines


# -- main -----------------------------------------------------------------------------------
async def run(args: argparse.Namespace, url: str, cpu: CPU) -> None:
    """The warm-up, the page phase and the what-if phase (see the module)."""
    async with async_playwright() as p:
        # one browser, a context a session; Playwright starts it with a fresh profile
        # (its own temporary --user-data-dir) each run
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=ARGS)
        await warm_up(browser, url, args.page_timeout, not args.no_whatif_warmup)
        print(_load(), flush=True)

        ctxs = [await browser.new_context(viewport=VIEWPORT) for _ in range(args.sessions)]
        names = list(USERS)
        page_errors: list[str] = []
        pages = await asyncio.gather(*[sign_in(c, url, names[i % len(names)], args.page_timeout)
                                       for i, c in enumerate(ctxs)])
        for pg in pages:
            pg.on("pageerror", lambda e: page_errors.append(str(e).splitlines()[0]))
        await asyncio.gather(*[ready(pg, "Overview", args.page_timeout) for pg in pages])
        print(f"{args.sessions} sessions signed in as {', '.join(sorted(set(names)))} "
              f"({', '.join(sorted(set(USERS.values())))}); page phase: {args.rounds} "
              f"round(s) each, {args.think:g} s between visits", flush=True)

        rec = Record()
        start = asyncio.Event()
        tasks = [asyncio.create_task(session_rounds(i, pg, url, args.rounds, args.think,
                                                    args.page_timeout, rec, start))
                 for i, pg in enumerate(pages)]
        c0, t0 = cpu.read(), time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
        print(f"\n== pages: {args.sessions} concurrent sessions, warm server, request to "
              f"complete render ({wall:.0f} s) ==")
        print("\n".join(page_table(rec)))
        print(_cpu_line(cpu, c0, wall))
        for e in rec.errors[:10]:
            print(f"  failed: {e}")
        if page_errors:
            print(f"  browser page errors: {len(page_errors)}, e.g. {page_errors[0]}")

        n = min(args.whatif_users, len(pages))
        chosen = [WHATIFS[k % len(WHATIFS)] for k in range(n)]
        await asyncio.gather(*[set_whatif(pages[k], *chosen[k], args.page_timeout)
                               for k in range(n)])
        print(f"\n== what-if: {n} users click 'Run what-if' at once ({args.sessions - n} "
              f"other sessions stay open) ==", flush=True)
        c0, t0 = cpu.read(), time.perf_counter()
        results = await asyncio.gather(*[run_whatif(pages[k], args.whatif_timeout)
                                         for k in range(n)])
        wall = time.perf_counter() - t0
        for k, ((kind, sup, mac), (dt, text)) in enumerate(zip(chosen, results, strict=True)):
            shown = f"{dt:6.1f} s" if dt is not None else "FAILED"
            print(f"user {k + 1} ({names[k % len(names)]}): {kind} (supplier option {sup}, "
                  f"machine option {mac}): {shown} | {text}")
        done = [dt for dt, _ in results if dt is not None]
        worst = max(done) if len(done) == n and n else float("nan")
        verdict = "PASS" if len(done) == n and worst < WHATIF_TARGET else "FAIL"
        print(f"max what-if click to comparison: {worst:.1f} s (target < "
              f"{WHATIF_TARGET:.0f} s): {verdict}")
        print(_cpu_line(cpu, c0, wall))
        for c in ctxs:
            await c.close()
        await browser.close()


def main() -> None:
    """Parse the options, start the server, run, print; exit 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds per session: load + every page by the navigation")
    ap.add_argument("--draws", type=int, default=200,
                    help="posterior draws of the server's twin calibration")
    ap.add_argument("--whatif-users", type=int, default=3,
                    help="sessions that run a what-if at the same moment")
    ap.add_argument("--think", type=float, default=1.0,
                    help="pause between a session's page visits [s]")
    ap.add_argument("--page-timeout", type=float, default=120.0,
                    help="longest wait for one page's complete render [s]")
    ap.add_argument("--whatif-timeout", type=float, default=600.0,
                    help="longest wait for one what-if [s]")
    ap.add_argument("--no-whatif-warmup", action="store_true",
                    help="no what-if in the warm-up (the base is evaluated in the timed "
                         "what-ifs)")
    ap.add_argument("--log", type=Path, help="keep the server's output in this file")
    args = ap.parse_args()
    print(f"bench_dashboard: {args.sessions} sessions x {args.rounds} rounds, "
          f"{args.whatif_users} what-if users, draws {args.draws}; {os.cpu_count()} cores "
          f"(affinity {len(os.sched_getaffinity(0))}); {_load()}", flush=True)
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_") as tmp:
        tmp_path = Path(tmp)
        users = tmp_path / "users.json"
        make_users(users)
        log = args.log or tmp_path / "server.log"
        port = _free_port()
        server = start_server(port, users, tmp_path, args.draws, log)
        url = f"http://localhost:{port}"
        try:
            asyncio.run(run(args, url, CPU(server.pid)))
        except Exception as err:  # a benchmark: say what broke, exit 0
            print(f"\nbenchmark stopped: {type(err).__name__}: {err}")
            print("server output (tail):\n" + log.read_text()[-3000:])
        finally:
            stop_server(server)
    print(f"\nat the end: {_load()}; whole run {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
