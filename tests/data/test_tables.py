"""Order, event and demand tables: the demo loads; bad rows are reported clearly."""

from __future__ import annotations

import pandas as pd
import pytest

from twinbench.data.plant import DEMO_DIR as DEMO
from twinbench.data.tables import TableError, load_demand, load_events, load_orders


def test_demo_tables(demo_plant) -> None:
    assert demo_plant.orders["order_id"].is_unique
    assert (demo_plant.orders["due"] > demo_plant.orders["release"]).all()
    assert set(demo_plant.events["kind"]) == {"failure", "maintenance"}
    assert demo_plant.demand.groupby("product").size().min() == 156
    assert len(demo_plant.documents) >= 3
    assert set(demo_plant.hashes) >= {"spec", "telemetry", "orders"}


def test_bad_orders_list_every_problem(demo_spec, tmp_path) -> None:
    df = pd.read_csv(DEMO / "orders.csv", dtype={"quantity": object})
    df.loc[0, "product"] = "CAB-XL"
    df.loc[1, "quantity"] = -3
    df.loc[2, "due"] = df.loc[2, "release"]
    df.loc[3, "order_id"] = df.loc[4, "order_id"]
    df.loc[5, "quantity"] = "many"
    df.to_csv(tmp_path / "orders.csv", index=False)
    with pytest.raises(TableError) as info:
        load_orders(tmp_path / "orders.csv", demo_spec)
    text = str(info.value)
    assert "row 2, column 'product': unknown product 'CAB-XL'" in text
    assert "'CAB-S'" in text  # lists what is allowed
    assert "row 3, column 'quantity': must be > 0, found -3" in text
    assert "row 4: due" in text and "not after release" in text
    assert "duplicate id" in text
    assert "row 7, column 'quantity': cannot read 'many' as int" in text


def test_bad_events_and_demand(demo_spec, tmp_path) -> None:
    ev = pd.read_csv(DEMO / "events.csv")
    ev.loc[0, "machine"] = "LASER9"
    ev.loc[1, "kind"] = "explosion"
    ev.to_csv(tmp_path / "events.csv", index=False)
    with pytest.raises(TableError, match="unknown machine 'LASER9'") as info:
        load_events(tmp_path / "events.csv", demo_spec)
    assert "unknown event kind 'explosion'" in str(info.value)
    dm = pd.read_csv(DEMO / "demand.csv").drop(columns=["quantity"])
    dm.to_csv(tmp_path / "demand.csv", index=False)
    with pytest.raises(TableError, match=r"missing column\(s\) \['quantity'\]"):
        load_demand(tmp_path / "demand.csv", demo_spec)
