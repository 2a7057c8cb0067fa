"""Material arrivals per day and the time each order's material is on hand.

The supply plan's first-stage purchases ``buy[supplier, material, period]`` are placed at
the start of their week and arrive ``lead time + lateness`` days later, the share
``delivered`` of them (a world's supplier path). Open purchase orders arrive on their due
date. Orders of the line take their material in order of release, then due date, from the
opening stock plus what has arrived: an order is *material-ready* on the first day its
whole bill of materials is covered. That day is a release constraint of the schedule (in
the plan's expected world) and of the line simulation (in each world).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["daily_arrivals", "material_ready"]


def daily_arrivals(buy: xr.DataArray, spec, day0: pd.Timestamp, days: int,
                   delivered: xr.DataArray | None = None,
                   lead_delay: xr.DataArray | None = None,
                   open_pos: pd.DataFrame | None = None,
                   spot: xr.DataArray | None = None) -> xr.DataArray:
    """Units of each material arriving on each day, dims ``(material, day)`` [unit/d].

    Parameters
    ----------
    buy
        Purchases placed at the start of each period, dims ``(supplier, material,
        period)`` [unit].
    spec
        The line (suppliers' nominal lead times).
    day0, days
        First day and number of days covered.
    delivered
        Share arriving, dims ``(supplier, period)`` [1] (one world's); default all.
    lead_delay
        Lateness against the nominal lead time, dims ``(supplier, period)`` [d]
        (one world's); default none.
    open_pos
        Open purchase orders ``supplier, material, quantity, due``: they arrive on their
        due day, the share ``delivered`` of their supplier in that period (a miss or an
        outage takes orders in transit too).
    spot
        Spot buys of one world, dims ``(material, period)`` [unit]: bought in a period,
        they arrive at the start of the next (the supply model's recourse).
    """
    materials = [str(m) for m in buy["material"].values]
    suppliers = [str(x) for x in buy["supplier"].values]
    out = np.zeros((len(materials), days))
    lead = {s.name: s.lead_time / 24.0 for s in spec.suppliers}
    periods = pd.DatetimeIndex(buy["period"].values)
    day0 = pd.Timestamp(day0).normalize()
    start_day = np.asarray((periods - day0) / pd.Timedelta(days=1), dtype=float)
    q_all = buy.transpose("supplier", "material", "period").values
    share_all = _per_supplier(delivered, suppliers, len(periods), 1.0)
    late_all = _per_supplier(lead_delay, suppliers, len(periods), 0.0)
    for i, s in enumerate(suppliers):
        for t in range(len(periods)):
            q = q_all[i, :, t]
            if not np.any(q > 0):
                continue
            day = int(np.floor(start_day[t] + lead[s] + late_all[i, t]))
            if 0 <= day < days:
                out[:, day] += share_all[i, t] * q
    if spot is not None:
        spot_v = spot.sel(material=materials).transpose("material", "period").values
        for t in range(len(periods) - 1):
            day = int(start_day[t + 1])
            if 0 <= day < days:
                out[:, day] += spot_v[:, t]
    if open_pos is not None and len(open_pos):
        for _, row in open_pos.iterrows():
            due = pd.Timestamp(row["due"]).normalize()
            day = int((due - day0) / pd.Timedelta(days=1))
            if row["material"] not in materials or not 0 <= day < days:
                continue
            share = 1.0
            if delivered is not None and row["supplier"] in delivered["supplier"]:
                t = int(np.clip(periods.searchsorted(due, side="right") - 1, 0,
                                len(periods) - 1))
                share = float(delivered.sel(supplier=row["supplier"]).isel(period=t))
            out[materials.index(row["material"]), day] += share * float(row["quantity"])
    return xr.DataArray(out, dims=("material", "day"),
                        coords={"material": materials,
                                "day": pd.date_range(day0, periods=days, freq="D")},
                        attrs={"units": "unit/d"})


def _per_supplier(da: xr.DataArray | None, suppliers: list[str], periods: int,
                  default: float) -> np.ndarray:
    """``da`` (dims ``supplier, period``) as an array in the order of ``suppliers``;
    ``default`` everywhere when None."""
    if da is None:
        return np.full((len(suppliers), periods), default)
    return np.asarray(da.sel(supplier=suppliers).transpose("supplier", "period").values,
                      dtype=float)[:, :periods]


def material_ready(orders: pd.DataFrame, spec, stock: dict[str, float],
                   arrivals: xr.DataArray) -> pd.Series:
    """The time each order's material is on hand (wall clock; the day after the last day
    ``arrivals`` covers when it is not on hand by then).

    Orders draw in order of ``release`` then ``due``; an order's whole bill of materials
    (``quantity`` x per-unit use) is taken at once, on the first day the cumulative
    supply (opening stock plus arrivals up to and including that day) covers the
    cumulative need of it and every order before it. Materials arrive at the start of
    their day.
    """
    days = pd.DatetimeIndex(arrivals["day"].values)
    cum = {str(m): stock.get(str(m), 0.0) + np.cumsum(arrivals.sel(material=m).values)
           for m in arrivals["material"].values}
    need: dict[str, float] = {}
    never = days[-1] + pd.Timedelta(days=1)
    ready = pd.Series(never, index=orders.index, dtype="datetime64[ns]")
    order = orders.assign(_r=pd.to_datetime(orders["release"]),
                          _d=pd.to_datetime(orders["due"])).sort_values(["_r", "_d"])
    for idx, row in order.iterrows():
        day: int | None = 0
        for mat, k in spec.product_map[row["product"]].bom.items():
            need[mat] = need.get(mat, 0.0) + k * float(row["quantity"])
            ok = np.nonzero(cum[mat] >= need[mat] - 1e-9)[0] if mat in cum else [0]
            day = None if day is None or not len(ok) else max(day, int(ok[0]))
        if day is not None:
            ready[idx] = days[day]
    return ready
