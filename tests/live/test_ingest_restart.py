"""Ingest over OPC UA, server restart, resume: every sample stored exactly once."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd

from tests.live.conftest import free_port, wait_for
from twinbench.live.client import LiveClient, WatchConfig
from twinbench.live.historian import Historian
from twinbench.live.livetwin import LiveTwin
from twinbench.live.playback import SIGNALS, build_playback
from twinbench.live.server import PlantServer, ServerConfig

MACHINES = ["LASER1", "PRESS2", "WELD2"]


def _playback(demo_plant, recording):
    rec = recording[recording["time"] >= pd.Timestamp("2025-12-29")]
    return build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=72,
                          seed=3, machines=MACHINES, plant_root=demo_plant.root)


async def _restart_run(pb, db, port: int) -> tuple[LiveClient, LiveTwin]:
    hist = Historian(db)
    twin = LiveTwin(hist)
    client = LiveClient(WatchConfig(f"opc.tcp://127.0.0.1:{port}/twinbench/",
                                    backoff=(0.3, 1.0)), twin.on_sample)
    stop = asyncio.Event()
    async with PlantServer(pb, ServerConfig(port=port, speed=40)) as a:
        task = asyncio.create_task(client.run(stop))
        assert await wait_for(lambda: client.stats.ready, 20)
        await a.play(until=60)
        assert await wait_for(lambda: twin.stats.received >= 3 * 55, 20)
        stopped_at = a.tick
    # the server is down: the client loses the link and backs off
    assert await wait_for(lambda: client.stats.failures >= 1, 20)
    async with PlantServer(pb, ServerConfig(port=port, speed=200,
                                            start_tick=stopped_at)) as b:
        await b.play(until=stopped_at + 30)  # published before the client is back
        assert await wait_for(lambda: client.stats.connects >= 2, 20)
        await b.play()
        n_pub = int(np.isfinite(pb.values[:, :, 0]).sum())
        await wait_for(lambda: twin.stats.received - twin.stats.duplicates >= n_pub, 20)
    stop.set()
    await task
    twin.finish()
    return client, twin


def test_every_sample_stored_exactly_once_across_a_server_restart(demo_plant, recording,
                                                                  tmp_path):
    pb = _playback(demo_plant, recording)
    client, twin = asyncio.run(_restart_run(pb, tmp_path / "h.duckdb", free_port()))
    hist = twin.historian
    expected = pb.table()
    stored, units = hist.table()
    assert client.stats.failures >= 1 and client.stats.connects >= 2
    assert client.stats.history_values > 0, "nothing came from the server's history"
    assert len(stored) == len(expected), (len(stored), len(expected))
    dup = hist.sql("SELECT machine, time, count(*) AS n FROM samples GROUP BY 1, 2 "
                   "HAVING n > 1")
    assert dup.empty
    pd.testing.assert_frame_equal(stored.reset_index(drop=True),
                                  expected.reset_index(drop=True), check_dtype=False)
    assert units == {s: {"load": "1", "temperature": "degC", "vibration": "mm/s",
                         "power": "kW", "wear": "1"}[s] for s in SIGNALS}
    # readable as today's telemetry files are
    ds = hist.dataset()
    assert set(ds["machine"].values) == set(MACHINES)
    assert ds["temperature"].attrs["units"] == "degC"

