"""Shared pieces of the live-twin tests: free ports, small playbacks, a running watcher."""

from __future__ import annotations

import asyncio
import socket

import pandas as pd
import pytest

from twinbench.data.telemetry import read_table


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def recording(demo_plant) -> pd.DataFrame:
    """The demo plant's telemetry table as it is in the file."""
    df, _ = read_table(demo_plant.root / "telemetry.parquet")
    return df


async def wait_for(cond, timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll ``cond()`` until true or ``timeout`` [s]."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if cond():
            return True
        await asyncio.sleep(step)
    return bool(cond())


async def stream_all(pb, live, speed: float, timeout: float = 120.0):
    """Play ``pb`` on a local server at ``speed`` [plant h/s] into ``live`` (a LiveTwin)
    through a subscribed client until every published sample was processed; returns
    ``live`` after ``finish()``."""
    import numpy as np

    from twinbench.live.client import LiveClient, WatchConfig
    from twinbench.live.server import PlantServer, ServerConfig

    port = free_port()
    client = LiveClient(WatchConfig(f"opc.tcp://127.0.0.1:{port}/twinbench/"),
                        live.on_sample)
    stop = asyncio.Event()
    n_pub = int(np.isfinite(pb.values[:, :, 0]).sum())
    async with PlantServer(pb, ServerConfig(port=port, speed=speed)) as srv:
        task = asyncio.create_task(client.run(stop))
        assert await wait_for(lambda: client.stats.ready, 20)
        await srv.play()
        assert await wait_for(lambda: live.stats.processed >= n_pub, timeout), \
            (live.stats.processed, n_pub)
        stop.set()
        await task
    live.finish()
    return live
