"""Plotly figures of telemetry and events."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from plotly.subplots import make_subplots

__all__ = ["telemetry_figure"]

_EVENT_STYLE = {"failure": ("#d62728", "x"), "maintenance": ("#2ca02c", "triangle-up")}


def telemetry_figure(ds: xr.Dataset, machine: str, events: pd.DataFrame | None = None,
                     variables: tuple[str, ...] = ("load", "temperature", "vibration", "wear"),
                     resample: str | None = "1D") -> go.Figure:
    """Stacked time series of one machine's sensors, with failures and maintenance marked.

    Parameters
    ----------
    ds
        Telemetry, dims ``(machine, time)``.
    machine
        Machine to show; must be in ``ds.machine``.
    events
        Optional events table (``machine, kind, start``).
    variables
        Variables to plot, one row each.
    resample
        Resample to this step with the mean (keeps figures small); None for the data as
        given (a dataset resampled before says so in its ``resampled`` attribute, e.g.
        :attr:`twinbench.workbench.Workbench.daily_telemetry`).
    """
    machines = [str(m) for m in ds["machine"].values]
    if machine not in machines:
        raise KeyError(f"unknown machine {machine!r}; allowed: {machines!r}")
    sub = ds.sel(machine=machine)
    if resample:
        sub = sub.resample(time=resample).mean()
    step = resample or ds.attrs.get("resampled")
    fig = make_subplots(rows=len(variables), cols=1, shared_xaxes=True, vertical_spacing=0.03)
    for r, var in enumerate(variables, start=1):
        unit = ds[var].attrs.get("units", "")
        fig.add_trace(go.Scatter(x=sub["time"].values, y=sub[var].values, name=var,
                                 mode="lines", line={"width": 1}), row=r, col=1)
        fig.update_yaxes(title_text=f"{var} [{unit}]", row=r, col=1)
    if events is not None and len(events):
        ev = events[events["machine"] == machine]
        for kind, (color, symbol) in _EVENT_STYLE.items():
            e = ev[ev["kind"] == kind]
            if len(e):
                y = sub["wear"].interp(time=e["start"].values).values if "wear" in variables \
                    else None
                fig.add_trace(go.Scatter(x=e["start"], y=y, mode="markers", name=kind,
                                         marker={"color": color, "symbol": symbol, "size": 9}),
                              row=variables.index("wear") + 1 if "wear" in variables else 1,
                              col=1)
    fig.update_layout(title=f"{machine}: telemetry" + (f" ({step} means)" if step else ""),
                      height=180 * len(variables) + 80, margin={"l": 60, "r": 20, "t": 50,
                                                                 "b": 30})
    return fig
