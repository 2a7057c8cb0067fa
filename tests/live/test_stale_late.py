"""Over a real OPC UA link: a machine that goes quiet is flagged stale (and cleared when it
speaks again); late, out-of-order and repeated samples are stored exactly once, recorded
as out of order, and do not move the twin's state back in time."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd

from tests.live.conftest import free_port, wait_for
from twinbench.live.client import LiveClient, WatchConfig
from twinbench.live.commands import build_twin
from twinbench.live.historian import Historian
from twinbench.live.playback import build_playback
from twinbench.live.server import PlantServer, ServerConfig

MACHINES = ["LASER1", "PRESS2", "WELD2"]
QUIET = "WELD2"


def _playback(demo_plant, recording):
    rec = recording[recording["time"] >= pd.Timestamp("2025-12-28")]
    return build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=0,
                          machines=MACHINES)


async def _quiet_run(pb, port: int, quiet: tuple[int, int]):
    live = build_twin(Historian(), stale_after=0.8, quality=False)
    client = LiveClient(WatchConfig(f"opc.tcp://127.0.0.1:{port}/twinbench/"),
                        live.on_sample)
    stop = asyncio.Event()
    seen: dict[str, list] = {"during": [], "after": []}

    async def checker() -> None:  # what the watch does every half second
        while not stop.is_set():
            live.check_stale()
            await asyncio.sleep(0.1)

    async with PlantServer(pb, ServerConfig(port=port, speed=10)) as srv:
        task = asyncio.create_task(client.run(stop))
        check = asyncio.create_task(checker())
        assert await wait_for(lambda: client.stats.ready, 20)
        await srv.play(until=quiet[1] - 2)  # the quiet machine has been silent for 1.8 s+
        await asyncio.sleep(0.3)
        snap = live.snapshot().set_index("machine")
        seen["during"] = [m for m in MACHINES if bool(snap.loc[m, "stale"])]
        seen["active_during"] = sorted(a.machine for a in live.alerts.active()
                                       if a.kind == "stale")
        await srv.play(until=quiet[1] + 10)  # it speaks again
        await asyncio.sleep(0.3)
        seen["active_after"] = sorted(a.machine for a in live.alerts.active()
                                      if a.kind == "stale")
        stop.set()
        await task
        await check
    # the server is gone: every machine goes quiet
    await asyncio.sleep(1.0)
    seen["after"] = live.check_stale()
    live.finish()
    return live, seen


def test_a_quiet_machine_is_flagged_stale_then_cleared(demo_plant, recording):
    pb = _playback(demo_plant, recording)
    quiet = (10, 40)  # ticks in which QUIET publishes nothing (3 s at 10 ticks/s)
    pb.values[quiet[0]:quiet[1], MACHINES.index(QUIET), :] = np.nan
    live, seen = asyncio.run(_quiet_run(pb, free_port(), quiet))
    assert seen["during"] == [QUIET], seen
    assert seen["active_during"] == [QUIET], seen
    assert seen["active_after"] == [], seen  # cleared once it published again
    stale = [a for a in live.alerts.alerts if a.kind == "stale" and a.machine == QUIET]
    assert stale and stale[0].cleared is not None and stale[0].value > 0.8
    assert sorted(seen["after"]) == MACHINES  # a lost plant: every machine is stale


async def _late_run(pb, port: int):
    live = build_twin(Historian(), quality=True)
    client = LiveClient(WatchConfig(f"opc.tcp://127.0.0.1:{port}/twinbench/"),
                        live.on_sample)
    stop = asyncio.Event()
    n = len(MACHINES)
    async with PlantServer(pb, ServerConfig(port=port, speed=50)) as srv:
        task = asyncio.create_task(client.run(stop))
        assert await wait_for(lambda: client.stats.ready, 20)
        await srv.play(until=30)
        assert await wait_for(lambda: live.stats.received >= 30 * n, 20)
        # ticks 30..34 arrive out of order: 33 and 34 first, then 30, 31, 32; 34 again
        for k in (33, 34, 30, 31, 32, 34):
            await srv.publish_tick(k)
            await asyncio.sleep(0.1)
        assert await wait_for(lambda: live.stats.received >= 35 * n, 20)
        newest = {m: v["time"] for m, v in live.last.items()}
        srv.tick = 35
        await srv.play()
        n_pub = int(np.isfinite(pb.values[:, :, 0]).sum())
        assert await wait_for(
            lambda: live.stats.received - live.stats.duplicates >= n_pub, 20)
        stop.set()
        await task
    live.finish()
    return live, newest


def test_late_out_of_order_and_repeated_samples(demo_plant, recording):
    pb = _playback(demo_plant, recording)
    live, newest = asyncio.run(_late_run(pb, free_port()))
    n = len(MACHINES)
    # the state was not moved back: after the late ticks it stood at tick 34
    assert newest == {m: pb.times[34] for m in MACHINES}, newest
    assert live.stats.late == 3 * n, live.stats
    # stored exactly once, whatever the order of arrival
    stored, _ = live.historian.table()
    pd.testing.assert_frame_equal(stored.reset_index(drop=True),
                                  pb.table().reset_index(drop=True), check_dtype=False)
    # recorded as out-of-order findings, one per late sample
    f = live.quality.report().findings
    ooo = f[f["check"] == "out_of_order"]
    assert len(ooo) == 3 * n
    assert set(pd.to_datetime(ooo["start"])) == {pb.times[k] for k in (30, 31, 32)}
    # the repeated tick (34 sent twice) was dropped as a duplicate when it came through
    assert live.stats.received - live.stats.duplicates == len(stored)
