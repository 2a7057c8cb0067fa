"""Station capacity after a what-if's downtime, for the supply plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["remove_downtime"]


def remove_downtime(hours: xr.DataArray, downtime: pd.DataFrame, spec) -> xr.DataArray:
    """Station hours per week [h] minus the working hours machines are down.

    Parameters
    ----------
    hours
        Available hours, dims ``(station, period)``; periods are week starts.
    downtime
        ``machine, start, end`` windows.
    spec
        The line (its calendar says which hours are working hours).
    """
    out = hours.copy()
    for _, row in downtime.iterrows():
        station = spec.machine_station[row["machine"]]
        n_mach = len(spec.station_map[station].machine_ids)
        for k, week in enumerate(pd.DatetimeIndex(hours["period"].values)):
            lo, hi = max(week, row["start"]), min(week + pd.Timedelta(days=7), row["end"])
            if hi <= lo:
                continue
            grid = pd.date_range(lo.floor("h"), hi, freq="h", inclusive="left")
            lost = float(np.sum(spec.calendar.working_mask(grid)))
            # the machine's share of the station's (availability-weighted) hours
            share = float(out.sel(station=station).isel(period=k)) / max(n_mach, 1)
            lost = min(lost, share)
            out.loc[{"station": station, "period": week}] = float(
                out.sel(station=station).isel(period=k)) - lost
    return out
