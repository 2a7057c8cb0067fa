"""Worlds (common random numbers, independent roles, lead-time draws) and the plant's
state from data."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.data.plant import load_plant
from twinbench.pipeline.state import plant_state
from twinbench.pipeline.worlds import draw_worlds

PERIODS = pd.date_range("2026-01-05", periods=8, freq="7D")


@pytest.fixture(scope="module")
def plant():
    return load_plant()


def _paths(scale: float = 1.0):
    def demand(n, seed):
        z = np.random.default_rng(seed).standard_normal((n, 1, 1, len(PERIODS)))
        return xr.DataArray(scale * 100 * np.exp(0.2 * z),
                            dims=("scenario", "product", "region", "period"),
                            coords={"scenario": range(n), "product": ["P"],
                                    "region": ["r"], "period": PERIODS})

    def supply(n, seed):
        u = np.random.default_rng(seed).random((n, 4, len(PERIODS)))
        return xr.DataArray((u < 0.9).astype(float), dims=("scenario", "supplier", "period"),
                            coords={"scenario": range(n),
                                    "supplier": ["S1", "S2", "S3", "S4"],
                                    "period": PERIODS})
    return demand, supply


def test_same_seed_same_worlds_and_edits_keep_the_draws(plant) -> None:
    a = draw_worlds(*_paths(), plant.spec, PERIODS, 5, 7, seed=3)
    b = draw_worlds(*_paths(), plant.spec, PERIODS, 5, 7, seed=3)
    c = draw_worlds(*_paths(1.5), plant.spec, PERIODS, 5, 7, seed=3)  # demand x 1.5
    d = draw_worlds(*_paths(), plant.spec, PERIODS, 5, 7, seed=4)
    assert a.names == b.names and a.demand.equals(b.demand)
    xr.testing.assert_allclose(c.demand, 1.5 * a.demand)  # common random numbers
    assert a.failure_seed.equals(c.failure_seed) and a.lead_delay.equals(c.lead_delay)
    assert not a.demand.equals(d.demand)
    assert list(a.role.values) == ["train"] * 5 + ["eval"] * 7


def test_training_and_evaluation_worlds_are_independent_streams(plant) -> None:
    a = draw_worlds(*_paths(), plant.spec, PERIODS, 5, 7, seed=3)
    more = draw_worlds(*_paths(), plant.spec, PERIODS, 5, 30, seed=3)
    xr.testing.assert_equal(a.select("train").demand, more.select("train").demand)
    tr, ev = a.select("train"), a.select("eval")
    assert not np.isin(tr.failure_seed.values, ev.failure_seed.values).any()
    assert not np.allclose(tr.demand.values[:5], ev.demand.values[:5])
    with pytest.raises(ValueError, match="at least one training"):
        draw_worlds(*_paths(), plant.spec, PERIODS, 0, 7, seed=3)


def test_lead_times_follow_the_suppliers_mean_and_cv(plant) -> None:
    w = draw_worlds(*_paths(), plant.spec, PERIODS, 1, 4000, seed=1).select("eval")
    for s in plant.spec.suppliers:
        lead = s.lead_time / 24 + w.lead_delay.sel(supplier=s.name).values.ravel()
        assert lead.min() > 0
        assert lead.mean() == pytest.approx(s.lead_time / 24, rel=0.02)
        assert lead.std() / lead.mean() == pytest.approx(s.lead_time_cv, rel=0.05)


def test_state_comes_from_the_plants_files(plant, tmp_path) -> None:
    st = plant_state(plant)
    stock = pd.read_csv(plant.root / "stock.csv").set_index("item")["quantity"]
    assert st.stock["steel_sheet"] == stock["steel_sheet"]
    assert st.fg_stock["BRK-A"] == stock["BRK-A"]
    assert len(st.open_pos) == len(pd.read_csv(plant.root / "purchase_orders.csv"))
    assert st.source["stock"] == "stock.csv"
    # without the files: a stated default from the recorded history, never the forecast
    root = tmp_path / "plant"
    shutil.copytree(plant.root, root, ignore=shutil.ignore_patterns("stock.csv",
                                                                    "purchase_orders.csv"))
    bare = load_plant(root)
    st2 = plant_state(bare)
    assert st2.source["stock"].startswith("default") and len(st2.open_pos) == 0
    hist = bare.demand.assign(week=pd.to_datetime(bare.demand["week"]))
    last = hist[hist["week"] > hist["week"].max() - pd.Timedelta(weeks=13)]
    tube = sum(bare.spec.product_map[p].bom.get("steel_tube", 0.0) * q
               for p, q in last.groupby("product")["quantity"].sum().items()) / 13
    assert st2.stock["steel_tube"] == pytest.approx(tube * (2 + 1))  # S1/S2: 10/14 d -> 2 w


def test_a_bad_stock_file_says_what_is_wrong(plant, tmp_path) -> None:
    root = tmp_path / "plant"
    shutil.copytree(plant.root, root)
    (root / "stock.csv").write_text("item,quantity\nunobtainium,3\n")
    with pytest.raises(ValueError, match=r"unknown item.*unobtainium.*expected a material"):
        plant_state(load_plant(root))
    (root / "stock.csv").write_text("material,qty\nsteel_sheet,3\n")
    with pytest.raises(ValueError, match="missing column"):
        plant_state(load_plant(root))
