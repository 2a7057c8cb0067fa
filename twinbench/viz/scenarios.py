"""Figures of a scenario comparison: tornado of KPI deltas with confidence intervals."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["delta_figure", "tornado_figure"]


def tornado_figure(comparison: pd.DataFrame, kpi: str, top: int = 20) -> go.Figure:
    """Deltas of ``kpi`` against the base, largest first, with their intervals.

    Parameters
    ----------
    comparison
        :func:`twinbench.scenarios.compare.compare` output.
    kpi
        One of its KPIs.
    top
        Show at most this many scenarios.
    """
    known = sorted(comparison["kpi"].unique())
    if kpi not in known:
        raise ValueError(f"unknown KPI {kpi!r}; allowed: {known!r}")
    df = comparison[comparison["kpi"] == kpi].copy()
    df = df.reindex(df["delta"].abs().sort_values(ascending=False).index).head(top)
    df = df.iloc[::-1]  # largest at the top
    unit = df["unit"].iloc[0] if len(df) else ""
    colour = ["#2ca02c" if b else "#d62728" for b in df["better"]]
    fig = go.Figure(go.Bar(
        x=df["delta"], y=df["scenario"], orientation="h", marker_color=colour,
        error_x={"type": "data", "symmetric": False,
                 "array": (df["ci_high"] - df["delta"]).fillna(0),
                 "arrayminus": (df["delta"] - df["ci_low"]).fillna(0)},
        hovertemplate="%{y}: %{x:,.4g} " + unit + "<extra></extra>"))
    fig.update_layout(title=f"{kpi}: change against the base [{unit}] (green: better; "
                            "bars: 90% interval)",
                      height=max(300, 28 * len(df) + 120),
                      margin={"l": 140, "r": 20, "t": 50, "b": 40})
    return fig


def delta_figure(comparison: pd.DataFrame, scenario: str | None = None) -> go.Figure:
    """Relative change of every KPI of one scenario against the base [%], with intervals.

    Parameters
    ----------
    comparison
        :func:`twinbench.scenarios.compare.compare` output.
    scenario
        Which scenario (default: the first).
    """
    names = list(dict.fromkeys(comparison["scenario"]))
    scenario = scenario or names[0]
    if scenario not in names:
        raise ValueError(f"unknown scenario {scenario!r}; allowed: {names!r}")
    df = comparison[comparison["scenario"] == scenario].iloc[::-1]
    base = df["base"].abs().where(df["base"] != 0)
    rel = 100 * df["delta"] / base
    colour = ["#2ca02c" if b else "#d62728" for b in df["better"]]
    fig = go.Figure(go.Bar(
        x=rel, y=df["kpi"], orientation="h", marker_color=colour,
        error_x={"type": "data", "symmetric": False,
                 "array": (100 * (df["ci_high"] - df["delta"]) / base).fillna(0),
                 "arrayminus": (100 * (df["delta"] - df["ci_low"]) / base).fillna(0)},
        customdata=df[["delta", "unit"]].to_numpy(),
        hovertemplate="%{y}: %{x:.2f}% (%{customdata[0]:,.4g} %{customdata[1]})"
                      "<extra></extra>"))
    fig.update_layout(title=f"{scenario}: change of each KPI against the base [%] (green: "
                            "better; bars: 90% interval)",
                      height=max(300, 32 * len(df) + 120),
                      margin={"l": 140, "r": 20, "t": 50, "b": 40})
    return fig
