"""Plotly figures of the twin's forecasts: failure risk, remaining useful life, demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from plotly.subplots import make_subplots

__all__ = ["demand_figure", "risk_figure"]


def risk_figure(failures: xr.Dataset, wear: xr.Dataset) -> go.Figure:
    """Failure probability by the end of the horizon and wear RUL per machine, with 90% bands.

    Parameters
    ----------
    failures
        :func:`twinbench.twin.rul.forecast_failures` result.
    wear
        :func:`twinbench.twin.greybox.greybox_forecast` result.
    """
    machines = [str(m) for m in failures["machine"].values]
    end = failures.isel(time=-1)
    p = end["failure_probability"].values
    iv = end["failure_probability_interval"]
    lo = iv.isel(quantile=0).values
    hi = iv.isel(quantile=-1).values
    horizon_d = failures.attrs.get("horizon_h", len(failures["time"])) / 24
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        f"P(failure within {horizon_d:.0f} days)",
        f"days until wear reaches its limit (within {wear.sizes['day']} days)"))
    fig.add_bar(x=machines, y=p, name="failure probability", marker_color="#d62728",
                error_y={"type": "data", "symmetric": False, "array": hi - p,
                         "arrayminus": p - lo}, row=1, col=1)
    rq = wear["rul_quantile"]
    med = rq.isel(quantile=len(rq["quantile"]) // 2).values
    shown = np.where(np.isfinite(med), med, np.nan)
    fig.add_bar(x=machines, y=shown, name="RUL to wear limit (median)",
                marker_color="#1f77b4", row=1, col=2)
    fig.update_yaxes(title_text="probability [1]", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="days [d]", row=1, col=2)
    fig.update_layout(height=380, showlegend=False, margin={"t": 40})
    return fig


def demand_figure(history: pd.DataFrame, forecast: xr.Dataset, product: str,
                  weeks_shown: int = 104) -> go.Figure:
    """Weekly demand of one product: history and forecast mean with its interval.

    Parameters
    ----------
    history
        Demand table (``week, product, quantity``).
    forecast
        ``DemandForecast.ds`` (``mean`` and ``interval`` over ``product, week, quantile``).
    product
        Product to show.
    weeks_shown
        History weeks shown [week].
    """
    h = history[history["product"] == product].sort_values("week").tail(weeks_shown)
    f = forecast.sel(product=product)
    weeks = pd.DatetimeIndex(f["week"].values)
    lo = f["interval"].isel(quantile=0).values
    hi = f["interval"].isel(quantile=-1).values
    fig = go.Figure()
    fig.add_scatter(x=h["week"], y=h["quantity"], name="history", line={"color": "#444"})
    fig.add_scatter(x=np.r_[weeks, weeks[::-1]], y=np.r_[hi, lo[::-1]], fill="toself",
                    name="90% interval", line={"width": 0}, fillcolor="rgba(31,119,180,0.25)")
    fig.add_scatter(x=weeks, y=f["mean"].values, name=f"forecast ({f['model'].values!s})",
                    line={"color": "#1f77b4"})
    fig.update_layout(title=f"Weekly demand of {product}", yaxis_title="units/week",
                      height=360, margin={"t": 40})
    return fig
