"""The demo-data generator: seeded, consistent with its own physics and truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from twinbench.data.demo import generate_demo
from twinbench.data.plant import DEMO_DIR as DEMO
from twinbench.data.telemetry import file_sha256


@pytest.fixture(scope="module")
def short_runs(tmp_path_factory, demo_spec):
    a = generate_demo(demo_spec, tmp_path_factory.mktemp("a"), seed=7, days=60)
    b = generate_demo(demo_spec, tmp_path_factory.mktemp("b"), seed=7, days=60)
    c = generate_demo(demo_spec, tmp_path_factory.mktemp("c"), seed=8, days=60)
    return a, b, c


def test_same_seed_same_files_different_seed_different(short_runs) -> None:
    a, b, c = short_runs
    for name in ("events", "demand", "orders", "truth"):
        assert a[name].read_bytes() == b[name].read_bytes(), name
    assert pd.read_parquet(a["telemetry"]).equals(pd.read_parquet(b["telemetry"]))
    assert not pd.read_parquet(a["telemetry"]).equals(pd.read_parquet(c["telemetry"]))


def test_committed_demo_matches_generator(demo_spec, tmp_path) -> None:
    """data/ is exactly what `twinbench generate-demo` writes: nothing edited by hand."""
    truth = json.loads((DEMO / "truth.json").read_text())
    paths = generate_demo(demo_spec, tmp_path, seed=truth["seed"])
    for name in ("events", "demand", "drivers", "orders", "truth"):
        assert paths[name].read_bytes() == (DEMO / paths[name].name).read_bytes(), name
    assert pd.read_parquet(paths["telemetry"]).equals(pd.read_parquet(DEMO / "telemetry.parquet"))
    assert file_sha256(paths["telemetry"]) == file_sha256(DEMO / "telemetry.parquet")


def test_demo_physics_is_visible_in_data(demo_plant) -> None:
    """Wear drops at maintenance; failures happen at higher true wear than average."""
    truth = json.loads((DEMO / "truth.json").read_text())
    ev = demo_plant.events.merge(pd.DataFrame(truth["events_true_wear"]), on="event_id")
    pm = ev[ev.kind == "maintenance"]
    assert len(pm) >= 10 and (pm.true_wear_after < 0.2 * pm.true_wear_before).all()
    failures = ev[ev.kind == "failure"]
    assert len(failures) >= 30
    mean_wear = float(demo_plant.telemetry["wear"].mean())
    assert failures.true_wear_before.mean() > mean_wear
    # load is ~0 outside shifts, and power follows load
    ds = demo_plant.telemetry.sel(machine="LASER1")
    night = ds.sel(time=ds.time.dt.hour == 3)
    assert float(night["load"].max()) < 0.1
    corr = np.corrcoef(ds["load"].fillna(0), ds["power"].fillna(0))[0, 1]
    assert corr > 0.95


def test_demo_size_is_small() -> None:
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 20 * 1024 * 1024


def test_mismatch_generator_departs_from_the_model(demo_spec, tmp_path) -> None:
    """realism="mismatch" (issue 19 item 1) writes to its own folder; data/ is untouched."""
    from twinbench.data.demo import simulate_plant

    paths = generate_demo(demo_spec, tmp_path, seed=7, days=120, realism="mismatch")
    truth = json.loads(paths["truth"].read_text())["machines"]["mismatch"]
    tele, events, _ = simulate_plant(demo_spec, seed=7, days=120, realism="mismatch")
    short = truth["short_history_machine"]
    installed = pd.Timestamp(truth["installed"])
    before = tele.sel(machine=short, time=slice(None, installed - pd.Timedelta(hours=1)))
    assert np.isnan(before["wear"].values).all()
    assert (before["load"].values < 0.1).all()
    never = truth["never_fails_type"]
    failed_types = {demo_spec.physics_of(m).name
                    for m in events.loc[events["kind"] == "failure", "machine"]}
    assert never not in failed_types and len(failed_types) >= 3
    # idle hours inside shifts: running share of working hours well below the model's
    working = np.array(demo_spec.calendar.working_mask(pd.DatetimeIndex(tele["time"].values)))
    model_tele, _, _ = simulate_plant(demo_spec, seed=7, days=120)
    share = (tele["load"].values[:, working] > 0.1).mean()
    model_share = (model_tele["load"].values[:, working] > 0.1).mean()
    assert share < model_share - 0.05, (share, model_share)
    # the default is unchanged by the option's existence
    again, _, _ = simulate_plant(demo_spec, seed=7, days=120, realism="model")
    assert again.equals(model_tele)
    with pytest.raises(ValueError, match=r"unknown realism 'real'.*mismatch"):
        simulate_plant(demo_spec, seed=7, days=2, realism="real")
