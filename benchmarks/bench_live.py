"""The live twin under load: 12 machines x 6 signals at 10 samples per second (accelerated).

A plant server (``twinbench plant-server --insecure``) runs in a separate process and plays
the demo plant at ``--speed`` plant hours per wall second (each tick, every machine
publishes load, temperature, vibration, power, wear indicator and state, plus its alarm)
for ``--duration`` wall seconds. This process runs the watch: the asyncua client, the
historian (DuckDB), the online data-quality checks and, unless ``--no-twin``, the wear
particle filter and the risk refresh of the calibrated twin (calibrated first; not timed).

Printed: lag from a sample's server timestamp to the twin's updated state (p50, p95, p99,
max; live samples after the first connection's history catch-up, whose held values are
reported apart), the client's
CPU (process CPU time / wall time while the plant plays), the server's CPU, and samples
sent (the playback's published samples of the ticks played) against stored (lost,
duplicated). Target of issue 23: p99 lag < 1 s, under one core, nothing lost.

    .venv/bin/python benchmarks/bench_live.py --duration 60

On a shared machine, give the benchmark its core. Linux groups processes by session
("autogroup") and shares the CPU between sessions before ``nice`` counts, so a plain
``nice -n -15`` does not stop other sessions' jobs from taking the watch's CPU (with three
other busy sessions the watch got about half a core and fell tens of seconds behind).
As root, in a session of its own with that session's priority raised::

    setsid bash -c 'echo -15 > /proc/self/autogroup; exec nice -n -15 \
        .venv/bin/python benchmarks/bench_live.py'

The scheduling group and the load average at the start are printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` [s] (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU time [s] of process ``pid`` and its living descendants (the watch's worker
    processes: data-quality checks, replanning)."""
    kids: dict[int, list[int]] = {}
    for st in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(st.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(st.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += _cpu_seconds(p)
        except (OSError, ValueError, IndexError):
            continue
        todo += kids.get(p, [])
    return total


def _wait_port(port: int, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the plant server did not open port {port} in {timeout:.0f} s")


async def _watch(url: str, live, ticks_wall: float, drain: float, server_pid: int
                 ) -> dict:
    from twinbench.live.client import LiveClient, WatchConfig

    lags: list[float] = []
    arrived: list[float] = []  # wall time each lag was measured [s]
    startup: list[float] = []  # live values held while the first catch-up ran

    def on_sample(s) -> None:
        before = live.stats.processed
        live.on_sample(s)
        if s.source == "live" and live.stats.processed > before:
            now = time.time()
            (lags if client.stats.ready else startup).append(now - s.server_time)
            if client.stats.ready:
                arrived.append(now)

    client = LiveClient(WatchConfig(url), on_sample)
    stop = asyncio.Event()
    task = asyncio.create_task(client.run(stop))
    while not client.stats.ready:
        await asyncio.sleep(0.05)
    me = os.getpid()
    c0, w0, s0 = _tree_cpu(me) - _tree_cpu(server_pid), time.monotonic(), \
        _cpu_seconds(server_pid)
    end = w0 + ticks_wall
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        live.check_stale()
        live._flush(force=True)
    c1, w1, s1 = _tree_cpu(me) - _tree_cpu(server_pid), time.monotonic(), \
        _cpu_seconds(server_pid)
    await asyncio.sleep(drain)  # what is still in flight when the playing ends
    stop.set()
    await task
    live.finish()
    return {"lags": np.asarray(lags), "arrived": np.asarray(arrived),
            "startup": np.asarray(startup), "cpu": (c1 - c0) / (w1 - w0),
            "server_cpu": (s1 - s0) / (w1 - w0), "wall": w1 - w0, "client": client}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=600.0, help="wall seconds played [s]")
    ap.add_argument("--speed", type=float, default=10.0, help="samples per second [1/s]")
    ap.add_argument("--no-twin", dest="twin", action="store_false",
                    help="no wear filter / risk (store and check only)")
    ap.add_argument("--draws", type=int, default=200, help="posterior draws of the twin")
    ap.add_argument("--risk-every", type=int, default=12,
                    help="plant hours between risk refreshes of a machine [h]")
    args = ap.parse_args()

    from twinbench.data.plant import load_plant
    from twinbench.data.telemetry import read_table
    from twinbench.live.commands import _calibrated_twin, build_twin
    from twinbench.live.historian import Historian
    from twinbench.live.playback import build_playback

    ticks = round(args.duration * args.speed)
    rec_days, cont_days = 1, int(np.ceil(ticks / 24)) + 1
    port = _free_port()
    cmd = [sys.executable, "-m", "twinbench.live.commands", "plant-server", "--insecure",
           "--port", str(port), "--speed", str(args.speed), "--recorded-days",
           str(rec_days), "--continuation-days", str(cont_days), "--ticks", str(ticks),
           "--hold", "600"]
    plant = load_plant()
    group = Path("/proc/self/autogroup")
    print(f"scheduling: nice {os.nice(0)}, "
          f"{group.read_text().strip() if group.exists() else 'no autogroup'}; "
          f"load average {os.getloadavg()[0]:.2f}")
    twin = None
    if args.twin:
        t0 = time.perf_counter()
        twin = _calibrated_twin(plant, args.draws, 0)
        print(f"calibrated the twin in {time.perf_counter() - t0:.0f} s (not timed below)")
    # what the server will publish: the same playback (same arguments, same seed)
    rec, _ = read_table(plant.root / "telemetry.parquet")
    rec = rec[rec["time"] > rec["time"].max() - pd.Timedelta(days=rec_days)]
    pb = build_playback(plant.spec, rec, plant.events, continuation_hours=cont_days * 24,
                        seed=0, plant_root=plant.root)
    sent = int(np.isfinite(pb.values[:ticks, :, 0]).sum())
    live = build_twin(Historian(), plant.spec, twin, stale_after=5.0)
    live.risk_every = args.risk_every
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        _wait_port(port)
        url = f"opc.tcp://127.0.0.1:{port}/twinbench/"
        res = asyncio.run(_watch(url, live, ticks / args.speed, 5.0, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    hist = live.historian
    stored = hist.count()
    played = hist.sql("SELECT count(*) AS n FROM samples WHERE time <= ?",
                      [pb.times[ticks - 1].to_pydatetime()])["n"].iloc[0]
    dup_stored = int(hist.sql("SELECT count(*) - count(DISTINCT (machine, time)) AS d "
                              "FROM samples")["d"].iloc[0])
    lags = res["lags"]
    q = np.quantile(lags, [0.5, 0.95, 0.99]) if len(lags) else [np.nan] * 3
    n_sig = 6
    print(f"plant: {len(pb.machines)} machines x {n_sig} signals (+ alarm) at "
          f"{args.speed:g} samples/s for {res['wall']:.0f} s ({ticks} ticks, "
          f"{sent} machine samples, {sent * 7} values); twin: "
          + (f"wear filter + risk every {args.risk_every} h" if twin else "none"))
    print(f"lag server timestamp -> updated twin state [ms]: p50 {1000 * q[0]:.0f}, "
          f"p95 {1000 * q[1]:.0f}, p99 {1000 * q[2]:.0f}, max {1000 * lags.max():.0f} "
          f"({len(lags)} live samples after the first catch-up; the "
          f"{len(res['startup'])} held during it: max "
          f"{1000 * res['startup'].max() if len(res['startup']) else float('nan'):.0f})")
    arr = res["arrived"]
    if len(arr):
        # lag over the run in windows: a transient after connecting, or a steady tail?
        win = pd.Series(lags, index=pd.to_datetime(arr - arr[0], unit="s"))
        rows = win.resample(f"{max(args.duration / 10, 5):.0f}s").agg(
            ["count", lambda x: x.quantile(0.5), lambda x: x.quantile(0.99)])
        print("lag by window of the run (samples, p50 [ms], p99 [ms]): " + "; ".join(
            f"{int((t - rows.index[0]).total_seconds())} s: {int(r.iloc[0])}, "
            f"{1000 * r.iloc[1]:.0f}, {1000 * r.iloc[2]:.0f}"
            for t, r in rows.iterrows() if r.iloc[0]))
        steady = lags[arr - arr[0] >= 10.0]
        if len(steady):
            qs = np.quantile(steady, [0.5, 0.99])
            print(f"lag after the first 10 s of the live stream [ms]: p50 {1000 * qs[0]:.0f}, "
                  f"p99 {1000 * qs[1]:.0f} ({len(steady)} samples)")
    print(f"client CPU: {res['cpu']:.2f} core (CPU time of the watch and its worker "
          "processes / wall time); "
          f"server CPU: {res['server_cpu']:.2f} core")
    print(f"samples sent {sent}, stored {played} (lost {sent - played}), duplicates "
          f"received and dropped {live.stats.duplicates}, duplicates stored {dup_stored}, "
          f"late {live.stats.late}; connections {res['client'].stats.connects}, "
          f"stored in all {stored}")
    cs = res["client"].stats
    if cs.failures:
        print(f"connection lost {cs.failures} time(s): " + "; ".join(cs.errors))


if __name__ == "__main__":
    main()
