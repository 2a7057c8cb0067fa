"""Material arrivals per day and material-ready times, checked by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twinbench.pipeline.materials import daily_arrivals, material_ready
from twinbench.pipeline.week import plan_orders

DAY0 = pd.Timestamp("2026-01-05")
PERIODS = pd.date_range(DAY0, periods=3, freq="7D")


def _spec():
    sup = [SimpleNamespace(name="S1", lead_time=10 * 24.0), SimpleNamespace(name="S2",
                                                                          lead_time=3 * 24.0)]
    products = {"A": SimpleNamespace(bom={"steel": 2.0}),
                "B": SimpleNamespace(bom={"steel": 1.0, "paint": 1.0})}
    return SimpleNamespace(suppliers=sup, product_map=products)


def _buy(values: dict[tuple[str, int], float]) -> xr.DataArray:
    a = xr.DataArray(np.zeros((2, 1, 3)), dims=("supplier", "material", "period"),
                     coords={"supplier": ["S1", "S2"], "material": ["steel"],
                             "period": PERIODS})
    for (s, t), q in values.items():
        a.loc[{"supplier": s, "period": PERIODS[t]}] = q
    return a


def test_purchases_arrive_after_their_lead_time_in_days() -> None:
    # S1 (10 d) ordered in week 0 and S2 (3 d) ordered in week 1 both land on day 10
    arr = daily_arrivals(_buy({("S1", 0): 100.0, ("S2", 1): 40.0}), _spec(), DAY0, 21)
    got = arr.sel(material="steel").values
    assert got[10] == 140.0 and got.sum() == 140.0
    # S2 ordered in week 2: day 17; S1 in week 2: day 24, past the 21 days covered
    got = daily_arrivals(_buy({("S2", 2): 40.0, ("S1", 2): 5.0}), _spec(), DAY0, 21).sel(
        material="steel").values
    assert got[17] == 40.0 and got.sum() == 40.0


def test_a_miss_a_late_delivery_and_an_open_order_in_a_world() -> None:
    buy = _buy({("S1", 0): 100.0})
    delivered = xr.DataArray(np.ones((2, 3)), dims=("supplier", "period"),
                             coords={"supplier": ["S1", "S2"], "period": PERIODS})
    late = xr.zeros_like(delivered)
    late.loc[{"supplier": "S1", "period": PERIODS[0]}] = 2.6  # 12.6 days: day 12
    pos = pd.DataFrame({"supplier": ["S2"], "material": ["steel"], "quantity": [30.0],
                        "due": [pd.Timestamp("2026-01-08 10:00")]})
    arr = daily_arrivals(buy, _spec(), DAY0, 21, delivered=delivered, lead_delay=late,
                         open_pos=pos).sel(material="steel").values
    assert arr[12] == 100.0 and arr[10] == 0.0 and arr[3] == 30.0
    # S2 misses week 0: its open order due then is lost too
    delivered.loc[{"supplier": "S2", "period": PERIODS[0]}] = 0.0
    arr = daily_arrivals(buy, _spec(), DAY0, 21, delivered=delivered, lead_delay=late,
                         open_pos=pos).sel(material="steel").values
    assert arr[3] == 0.0 and arr.sum() == 100.0
    # half of S1's week-0 order arrives
    delivered.loc[{"supplier": "S1", "period": PERIODS[0]}] = 0.5
    arr = daily_arrivals(buy, _spec(), DAY0, 21, delivered=delivered).sel(
        material="steel").values
    assert arr[10] == 50.0


def test_spot_buys_arrive_at_the_start_of_the_next_period() -> None:
    spot = xr.DataArray([[5.0, 7.0, 9.0]], dims=("material", "period"),
                        coords={"material": ["steel"], "period": PERIODS})
    arr = daily_arrivals(_buy({}), _spec(), DAY0, 21, spot=spot).sel(material="steel")
    assert arr.values[7] == 5.0 and arr.values[14] == 7.0 and arr.values.sum() == 12.0


def test_orders_take_material_in_release_order() -> None:
    days = pd.date_range(DAY0, periods=10, freq="D")
    steel = np.zeros(10)
    steel[2] = 10.0
    steel[5] = 10.0
    paint = np.zeros(10)
    arrivals = xr.DataArray(np.vstack([steel, paint]), dims=("material", "day"),
                            coords={"material": ["steel", "paint"], "day": days})
    orders = pd.DataFrame({"order_id": ["o1", "o2", "o3", "o4"],
                           "product": ["A", "A", "B", "B"],
                           "quantity": [4, 5, 1, 1],
                           "release": pd.to_datetime(["2026-01-05 06:00", "2026-01-05 07:00",
                                                      "2026-01-06 00:00", "2026-01-06 00:00"]),
                           "due": pd.to_datetime(["2026-01-09"] * 4)})
    ready = material_ready(orders, _spec(), {"steel": 9.0, "paint": 1.0}, arrivals)
    # o1 needs 8 of the 9 on hand: day 0; o2 needs 10 more (18): 9 + 10 on day 2;
    # o3 needs 1 steel (19, on hand by day 2) and 1 paint (on hand); o4's paint never comes
    assert list(ready) == [days[0], days[2], days[2], days[-1] + pd.Timedelta(days=1)]
    planned = plan_orders(orders.assign(ready=ready), line_end=DAY0 + pd.Timedelta(days=8))
    assert list(planned["release"]) == [pd.Timestamp("2026-01-05 06:00"),
                                        pd.Timestamp("2026-01-07"),
                                        pd.Timestamp("2026-01-07"),
                                        DAY0 + pd.Timedelta(days=8)]


@pytest.mark.parametrize("late", [0.0, -2.0])
def test_an_early_delivery_is_valid(late: float) -> None:
    delivered = xr.DataArray(np.ones((2, 3)), dims=("supplier", "period"),
                             coords={"supplier": ["S1", "S2"], "period": PERIODS})
    arr = daily_arrivals(_buy({("S1", 0): 1.0}), _spec(), DAY0, 21, delivered=delivered,
                         lead_delay=xr.full_like(delivered, late))
    assert arr.sel(material="steel").values[int(10 + late)] == 1.0
