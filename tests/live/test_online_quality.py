"""Bad values flagged online as the batch check flags them, over a real OPC UA link."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

from tests.live.conftest import stream_all
from twinbench.data.quality import check_table
from twinbench.data.telemetry import table_to_dataset
from twinbench.live.historian import Historian
from twinbench.live.livetwin import LiveTwin
from twinbench.live.online_quality import OnlineQuality
from twinbench.live.playback import build_playback

# the demo's defects in this period: PAINT1 stuck temperature (June 10), PRESS1 vibration
# spike (July 3), TEST1 temperature in degF (from August 4); plus a gap we cut into WELD2
MACHINES = ["PAINT1", "PRESS1", "TEST1", "WELD2"]
START, END = pd.Timestamp("2025-06-08"), pd.Timestamp("2025-08-08")
GAP = (pd.Timestamp("2025-06-20 04:00"), pd.Timestamp("2025-06-20 16:00"))


def _recording(recording: pd.DataFrame) -> pd.DataFrame:
    rec = recording[recording["machine"].isin(MACHINES) & (recording["time"] >= START)
                    & (recording["time"] < END)]
    cut = (rec["machine"] == "WELD2") & (rec["time"] >= GAP[0]) & (rec["time"] < GAP[1])
    return rec[~cut]


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background"])
def test_online_flags_equal_the_batch_report_on_the_same_samples(demo_plant, recording,
                                                                 background):
    """Inline, and with the day's checks in a worker thread (the watch's setting)."""
    rec = _recording(recording)
    pb = build_playback(demo_plant.spec, rec, demo_plant.events, continuation_hours=0,
                        machines=MACHINES)
    twin = asyncio.run(stream_all(pb, LiveTwin(Historian(), quality=OnlineQuality(
        background=background)), 150))
    samples, _ = twin.historian.table()
    assert len(samples) == int(np.isfinite(pb.values[:, :, 0]).sum())
    batch = check_table(samples)
    online = twin.quality.report()
    kinds = {"spike", "stuck", "unit_mismatch", "gap"}
    assert set(batch.findings["check"]) == kinds  # the period holds each kind of defect
    key = ["check", "machine", "variable", "start", "end", "n"]

    def rows(rep):
        f = rep.findings[rep.findings["check"].isin(kinds)]
        return sorted(map(tuple, f[key].astype(str).to_numpy()))

    assert rows(online) == rows(batch)
    # and they mask the same samples
    ds = table_to_dataset(samples)
    mb, mo = batch.mask(ds), online.mask(ds)
    for v in ("load", "temperature", "vibration", "power", "wear"):
        np.testing.assert_array_equal(mb[v].isnull().values, mo[v].isnull().values)
    assert mo.attrs["quality_masked_samples"] == mb.attrs["quality_masked_samples"] > 0
