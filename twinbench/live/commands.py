"""Bodies of the live-twin CLI commands: ``plant-server``, ``watch``, ``live-certs``,
``live-add-user``.

Each command is a function of an :class:`argparse.Namespace` that returns an exit code
(0: done, 1: stopped by a failure it reports, 2: bad arguments or files);
:func:`add_parsers` adds the four subcommands to an argparse ``subparsers`` object, and
:func:`main` runs them on their own (``python -m twinbench.live.commands --help``).

* ``plant-server``: an OPC UA server playing the plant (:mod:`twinbench.live.server`):
  the last ``--recorded-days`` of the recording, then ``--continuation-days`` generated
  from the physics, at ``--speed`` plant hours per second; Basic256Sha256 Sign & Encrypt
  with user names (``--secure``, the default, needs ``--certs``) or no security
  (``--insecure``: anonymous reads, still no writes).
* ``watch opc.tcp://HOST:PORT``: subscribe, store every sample in the DuckDB historian
  (``--db``), check quality online, filter the wear with the calibrated twin (unless
  ``--no-twin``), print alerts as they come and a summary at the end.
* ``live-certs DIR``: server and client certificates, the trust list, ``users.json``.
* ``live-add-user FILE NAME``: add a user to an OPC UA users file.

Passwords never go on the command line: they are read from the environment variable
named by ``--password-env`` (default ``TWINBENCH_OPCUA_PASSWORD``), else asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PASSWORD_ENV", "add_parsers", "add_user_cmd", "live_certs", "main",
           "plant_server", "run_watch", "watch"]

PASSWORD_ENV = "TWINBENCH_OPCUA_PASSWORD"
Printer = Callable[[str], None]


def _err(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


def _password(env: str | None, prompt: bool = True, confirm: bool = False) -> str | None:
    """The password in environment variable ``env``, else asked on the terminal."""
    name = env or PASSWORD_ENV
    if os.environ.get(name):
        return os.environ[name]
    if not prompt or not sys.stdin.isatty():
        return None
    pw = getpass.getpass("OPC UA password: ")
    if confirm and getpass.getpass("again: ") != pw:
        raise ValueError("the two passwords differ")
    return pw


# -- live-certs / live-add-user ------------------------------------------------------------
def live_certs(args: argparse.Namespace) -> int:
    """``twinbench live-certs DIR``: certificates, trust list and (optionally) a user."""
    from twinbench.live.security import make_certificates

    users = {}
    if args.user:
        try:
            pw = _password(args.password_env, confirm=True)
        except ValueError as err:
            return _err(str(err))
        if not pw:
            env = args.password_env or PASSWORD_ENV
            return _err(f"no password for user {args.user!r}: set ${env} or run on a "
                        "terminal to be asked")
        users[args.user] = pw
    files = make_certificates(args.dir, users=users, host=args.host, days=args.days)
    print(f"certificates written to {Path(args.dir).resolve()}:")
    for k, p in files.items():
        print(f"  {k:<12s} {p}")
    if users:
        print(f"user {args.user!r} added to {files['users']}")
    print(f"serve with: twinbench plant-server --certs {args.dir}\n"
          f"watch with: twinbench watch opc.tcp://HOST:PORT --certs {args.dir} --user NAME")
    return 0


def add_user_cmd(args: argparse.Namespace) -> int:
    """``twinbench live-add-user FILE NAME``: add (or replace) a user of the plant server."""
    from twinbench.live.security import add_user

    try:
        pw = _password(args.password_env, confirm=True)
    except ValueError as err:
        return _err(str(err))
    if not pw:
        env = args.password_env or PASSWORD_ENV
        return _err(f"no password: set ${env} or run on a terminal to be asked")
    try:
        path = add_user(args.file, args.name, pw)
    except ValueError as err:
        return _err(str(err))
    print(f"user {args.name!r} written to {path}")
    return 0


# -- plant-server ----------------------------------------------------------------------------
def _plant(plant_dir: str | None):
    from twinbench.data.plant import load_plant
    from twinbench.data.telemetry import read_table

    plant = load_plant(plant_dir)
    files = [plant.root / f"telemetry.{x}" for x in ("parquet", "csv")]
    path = next((p for p in files if p.exists()), None)
    if path is None:
        raise FileNotFoundError(f"no telemetry.parquet or telemetry.csv in {plant.root}")
    rec, _ = read_table(path)
    return plant, rec


def _security(args: argparse.Namespace):
    from twinbench.live.security import SecurityConfig

    if not args.secure:
        return None
    if args.certs is None:
        raise FileNotFoundError("a secured server needs --certs DIR (make one with "
                                "`twinbench live-certs DIR`), or pass --insecure")
    sec = SecurityConfig(Path(args.certs), users_file=Path(args.users) if args.users
                         else None)
    for name in ("server_cert.der", "server_key.pem", "trusted"):
        sec.path(name)
    sec.users()
    return sec


def plant_server(args: argparse.Namespace) -> int:
    """``twinbench plant-server``: play the plant over OPC UA until the playback ends (or
    ``--ticks``), then keep serving ``--hold`` seconds; Ctrl-C stops it."""
    from twinbench.live.playback import build_playback
    from twinbench.live.server import PlantServer, ServerConfig

    try:
        sec = _security(args)
        plant, rec = _plant(args.plant)
    except (FileNotFoundError, ValueError) as err:
        return _err(str(err))
    if args.recorded_days > 0:
        rec = rec[rec["time"] > rec["time"].max() - pd.Timedelta(days=args.recorded_days)]
    machines = args.machines.split(",") if args.machines else None
    try:
        pb = build_playback(plant.spec, rec, plant.events,
                            continuation_hours=int(args.continuation_days * 24),
                            seed=args.seed, machines=machines, plant_root=plant.root)
        cfg = ServerConfig(host=args.host, port=args.port, speed=args.speed,
                           start_tick=args.start_tick, security=sec)
        srv = PlantServer(pb, cfg)
    except ValueError as err:
        return _err(str(err))
    until = len(pb) if args.ticks is None else min(len(pb), args.start_tick + args.ticks)
    print(f"plant server at {cfg.url}: {len(pb.machines)} machines, ticks "
          f"{args.start_tick}..{until} of {len(pb)} ({pb.recorded} recorded), "
          f"{args.speed:g} plant hours per second, security "
          f"{'Basic256Sha256 Sign & Encrypt, user names' if sec else 'off (anonymous)'}",
          flush=True)

    async def run() -> None:
        async with srv:
            await srv.play(until=until)
            print(f"played up to tick {srv.tick} ({pb.times[srv.tick - 1]})", flush=True)
            if args.hold:
                await asyncio.sleep(args.hold if args.hold > 0 else float("inf"))

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print(f"stopped at tick {srv.tick}; restart with --start-tick {srv.tick}")
    except OSError as err:
        return _err(f"cannot serve on {cfg.url}: {err}")
    return 0


# -- watch -----------------------------------------------------------------------------------
def _calibrated_twin(plant, draws: int, seed: int):
    """The twin calibrated on the plant's quality-masked telemetry (as the workbench)."""
    from twinbench.data.quality import check_file
    from twinbench.twin.calibrate import calibrate

    files = [plant.root / f"telemetry.{x}" for x in ("parquet", "csv")]
    rep = check_file(next(p for p in files if p.exists()))
    clean = rep.mask(plant.telemetry)
    return calibrate(plant.spec, clean, plant.events, draws=draws, tune=draws, seed=seed)


def build_twin(historian, spec=None, twin=None, risk_threshold: float = 0.2,
               stale_after: float = 5.0, quality: bool = True, n_particles: int = 400,
               seed: int = 0, replan=None):
    """A :class:`~twinbench.live.livetwin.LiveTwin` with every part the watch uses.

    Parameters
    ----------
    historian
        Where samples are stored.
    spec
        The line (replanning proposals on breakdowns); None: no proposals.
    twin
        Calibrated twin (wear filter, risk); None: no twin state.
    risk_threshold
        Failure probability over a week that raises a risk alert [1].
    stale_after
        Wall time without a sample before a machine is stale [s].
    quality
        Check data quality online.
    n_particles
        Particles of the wear filter per machine [1].
    seed
        Seed of the filter.
    replan
        What replans a breakdown's week (:class:`~twinbench.live.replan.WeekReplanner`);
        None: proposals record the breakdown only.
    """
    from twinbench.live.alerts import AlertBook, ResidualMonitor
    from twinbench.live.livetwin import LiveTwin
    from twinbench.live.online_quality import OnlineQuality
    from twinbench.live.proposals import ProposalBook
    from twinbench.live.state_filter import WearFilter

    return LiveTwin(historian, quality=OnlineQuality(background=True) if quality else None,
                    wear_filter=WearFilter(twin, n_particles=n_particles, seed=seed)
                    if twin is not None else None,
                    alerts=AlertBook(risk_threshold=risk_threshold, stale_after=stale_after),
                    proposals=ProposalBook(spec, replan) if spec is not None else None,
                    residuals=ResidualMonitor() if twin is not None else None)


async def run_watch(config, live, duration: float | None = None,
                    out: Printer | None = print, stop: asyncio.Event | None = None,
                    check_every: float = 0.5) -> dict[str, Any]:
    """Watch the plant into ``live`` until ``duration`` [s] or ``stop``; the summary.

    Every ``check_every`` [s]: stale machines are flagged, buffered samples stored, and
    alerts raised since the last check printed with ``out``.
    """
    from twinbench.live.client import LiveClient

    stop = stop or asyncio.Event()
    client = LiveClient(config, live.on_sample, resume_from=live.historian.last_times())
    task = asyncio.create_task(client.run(stop))
    t0, shown = time.monotonic(), 0
    try:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), check_every)
            live.check_stale()
            live._flush(force=True)
            for p in live.proposals.poll() if live.proposals is not None else []:
                if out is not None:
                    out(f"proposal {p.proposal_id}: {p.status}: {p.note}")
            for a in live.alerts.alerts[shown:]:
                if out is not None:
                    out(f"[{pd.Timestamp(a.raised, unit='s'):%H:%M:%S}] {a.severity:<8s} "
                        f"{a.kind:<9s} {a.machine:<8s} {a.message}")
            shown = len(live.alerts.alerts)
            if duration is not None and time.monotonic() - t0 >= duration:
                stop.set()
    finally:
        stop.set()
        await task
        live.finish()
    return summary(client, live, time.monotonic() - t0)


def summary(client, live, wall: float) -> dict[str, Any]:
    """What a watch did: connections, samples, lag, alerts, proposals, wear now."""
    st = live.stats
    lags = np.asarray(st.lags) if st.lags else np.array([np.nan])
    kinds = pd.Series([a.kind for a in live.alerts.alerts], dtype=object).value_counts()
    out = {"wall_s": wall, "connects": client.stats.connects,
           "failures": client.stats.failures, "received": st.received,
           "duplicates": st.duplicates, "late": st.late, "processed": st.processed,
           "stored": live.historian.count(),
           "lag_p50_s": float(np.nanquantile(lags, 0.5)),
           "lag_p99_s": float(np.nanquantile(lags, 0.99)),
           "alerts": {str(k): int(v) for k, v in kinds.items()},
           "quality_findings": len(live.quality.findings) if live.quality is not None else 0,
           "proposals": len(live.proposals.proposals) if live.proposals is not None else 0,
           "machines": live.snapshot()}
    return out


def print_summary(s: dict[str, Any], out: Printer = print) -> None:
    """The summary of :func:`run_watch` in words."""
    out(f"\nwatched {s['wall_s']:.1f} s: {s['connects']} connection(s), {s['failures']} "
        f"lost; {s['received']} samples received, {s['stored']} stored, "
        f"{s['duplicates']} duplicates dropped, {s['late']} late")
    out(f"lag from server timestamp to updated state: p50 {1000 * s['lag_p50_s']:.0f} ms, "
        f"p99 {1000 * s['lag_p99_s']:.0f} ms")
    out("alerts: " + (", ".join(f"{k} {v}" for k, v in s["alerts"].items()) or "none")
        + f"; quality findings {s['quality_findings']}; replanning proposals "
        f"{s['proposals']}")
    if s.get("proposal_table") is not None:
        out("replanning proposals (nothing is sent to the plant; a planner decides):")
        for p in s["proposal_table"].itertuples(index=False):
            out(f"  {p.proposal_id} {p.status}: {p.note}")
    snap = s["machines"]
    if len(snap):
        cols = [c for c in ("machine", "time", "state", "wear", "wear_now", "wear_low",
                            "wear_high", "risk", "stale") if c in snap]
        out(snap[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def watch(args: argparse.Namespace) -> int:
    """``twinbench watch opc.tcp://HOST:PORT``: see the module docstring."""
    from twinbench.data.plant import load_plant
    from twinbench.live.client import WatchConfig
    from twinbench.live.historian import Historian
    from twinbench.live.security import SecurityConfig

    if not args.url.startswith("opc.tcp://"):
        return _err(f"the plant server's address is opc.tcp://HOST:PORT[/path]; found "
                    f"{args.url!r}")
    url = args.url if args.url.count("/") > 2 else args.url + "/twinbench/"
    sec = SecurityConfig(Path(args.certs)) if args.certs else None
    try:
        if sec is not None:
            for name in ("client_cert.der", "client_key.pem", "server_cert.der"):
                sec.path(name)
        plant = load_plant(args.plant)
    except FileNotFoundError as err:
        return _err(str(err))
    password = None
    if args.user:
        password = _password(args.password_env)
        if password is None:
            return _err(f"no password for {args.user!r}: set "
                        f"${args.password_env or PASSWORD_ENV}")
    if sec is not None and not args.user:
        return _err("a secured plant server takes only user-name sessions: pass --user")
    twin = None
    if args.twin:
        print(f"calibrating the twin ({args.draws} draws; about a minute)...", flush=True)
        twin = _calibrated_twin(plant, args.draws, args.seed)
    if args.db != ":memory:":
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    hist = Historian(args.db)
    replan = None
    if args.replan:
        from twinbench.live.replan import WeekReplanner

        replan = WeekReplanner(args.plant, time_limit=args.replan_time, seed=args.seed)
    live = build_twin(hist, plant.spec, twin, args.risk_threshold, args.stale_after,
                      replan=replan)
    cfg = WatchConfig(url, security=sec, user=args.user, password=password)
    print(f"watching {url} into {args.db} "
          f"({'until Ctrl-C' if args.duration is None else f'{args.duration:g} s'})",
          flush=True)

    def echo(line: str) -> None:
        print(line, flush=True)

    stop: asyncio.Event | None = None

    async def run() -> dict[str, Any]:
        nonlocal stop
        stop = asyncio.Event()
        return await run_watch(cfg, live, args.duration, echo, stop)

    try:
        s = asyncio.run(run())
    except KeyboardInterrupt:
        live.finish()
        print("stopped")
        return 0
    finally:
        with contextlib.suppress(Exception):
            hist.close()
        if replan is not None:
            replan.close()  # waits for a replan under way
    if live.proposals is not None and live.proposals.proposals:
        s["proposal_table"] = live.proposals.table()
    print_summary(s, echo)
    return 0 if s["connects"] > 0 else 1


# -- parsers ---------------------------------------------------------------------------------
def add_parsers(subparsers: Any) -> None:
    """Add ``plant-server``, ``watch``, ``live-certs`` and ``live-add-user`` to an argparse
    subparsers object; each sets ``func`` (call ``args.func(args)`` for the exit code)."""
    p = subparsers.add_parser("plant-server", help="play the plant over OPC UA")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=4840, help="TCP port")
    p.add_argument("--speed", type=float, default=10.0, help="plant hours per second [1/s]")
    sec = p.add_mutually_exclusive_group()
    sec.add_argument("--secure", dest="secure", action="store_true", default=True,
                     help="Basic256Sha256 Sign & Encrypt with user names (default)")
    sec.add_argument("--insecure", dest="secure", action="store_false",
                     help="no security: anonymous reads (writes are still refused)")
    p.add_argument("--certs", help="certificate folder of `twinbench live-certs`")
    p.add_argument("--users", help="users file (default CERTS/users.json)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated continuation")
    p.add_argument("--plant", help="plant folder (default: the shipped demo)")
    p.add_argument("--machines", help="comma-separated machines (default: all)")
    p.add_argument("--recorded-days", type=float, default=7.0,
                   help="days of the recording played before the continuation [d]")
    p.add_argument("--continuation-days", type=float, default=30.0,
                   help="days generated from the physics after the recording [d]")
    p.add_argument("--start-tick", type=int, default=0,
                   help="first tick (resume a stopped server where it stopped)")
    p.add_argument("--ticks", type=int, help="stop after this many ticks")
    p.add_argument("--hold", type=float, default=-1.0,
                   help="keep serving this long after the end [s] (negative: until Ctrl-C)")
    p.set_defaults(func=plant_server)

    w = subparsers.add_parser("watch", help="subscribe to a plant server, keep the twin live")
    w.add_argument("url", help="opc.tcp://HOST:PORT of the plant server")
    w.add_argument("--db", default="out/live/historian.duckdb", help="historian file")
    w.add_argument("--duration", type=float, help="stop after this long [s]")
    w.add_argument("--certs", help="certificate folder (client side) for a secured server")
    w.add_argument("--user", help="user name of a secured server")
    w.add_argument("--password-env", default=PASSWORD_ENV,
                   help="environment variable holding the password")
    w.add_argument("--plant", help="plant folder the twin is calibrated on (default demo)")
    w.add_argument("--no-twin", dest="twin", action="store_false",
                   help="no calibrated twin: store, check quality and flag stale only")
    w.add_argument("--draws", type=int, default=200, help="posterior draws of the twin")
    w.add_argument("--seed", type=int, default=0, help="seed of calibration and filter")
    w.add_argument("--risk-threshold", type=float, default=0.2,
                   help="P(failure within a week) that raises an alert [1]")
    w.add_argument("--stale-after", type=float, default=5.0,
                   help="wall seconds without a sample before a machine is stale [s]")
    w.add_argument("--no-replan", dest="replan", action="store_false",
                   help="breakdowns open proposals without replanning the week")
    w.add_argument("--replan-time", type=float, default=20.0,
                   help="solver time of a breakdown's replan [s]")
    w.set_defaults(func=watch)

    c = subparsers.add_parser("live-certs", help="make the plant link's certificates")
    c.add_argument("dir", help="output folder")
    c.add_argument("--user", help="also add this user (password from --password-env)")
    c.add_argument("--password-env", default=PASSWORD_ENV,
                   help="environment variable holding the password")
    c.add_argument("--host", help="host name in the certificates (default this machine)")
    c.add_argument("--days", type=int, default=365, help="validity [d]")
    c.set_defaults(func=live_certs)

    u = subparsers.add_parser("live-add-user", help="add a user to an OPC UA users file")
    u.add_argument("file", help="users file (e.g. CERTS/users.json)")
    u.add_argument("name", help="user name")
    u.add_argument("--password-env", default=PASSWORD_ENV,
                   help="environment variable holding the password")
    u.set_defaults(func=add_user_cmd)


def main(argv: list[str] | None = None) -> int:
    """Run one live command: ``main(["watch", "opc.tcp://..."])``; its exit code."""
    parser = argparse.ArgumentParser(prog="twinbench", description="live twin commands")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def run_in_thread(func: Callable[[argparse.Namespace], int], args: argparse.Namespace
                  ) -> tuple[threading.Thread, list[int]]:
    """Start a command in a daemon thread (tests, notebooks); the thread and its code."""
    code: list[int] = []
    t = threading.Thread(target=lambda: code.append(func(args)), daemon=True)
    t.start()
    return t, code


if __name__ == "__main__":  # python -m twinbench.live.commands
    sys.exit(main())
