"""Figures of a simulation: Gantt replay of one replication, KPI intervals, bottlenecks."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["bottleneck_figure", "gantt_figure"]


def gantt_figure(log: pd.DataFrame, spec, max_orders: int = 40) -> go.Figure:
    """Gantt chart of one replication's operations: one row per machine, one colour per
    product, setups hatched; consecutive units of an order on a machine are merged.

    Parameters
    ----------
    log
        ``SimulationResult.event_log`` (or any table with ``order, machine, start, end,
        setup`` and a ``product`` or ``order`` column).
    spec
        The line (machine order, products).
    max_orders
        Show only the first orders released, to keep the chart readable.
    """
    if log is None or log.empty:
        raise ValueError("no operations to draw: run simulate(..., event_log=True)")
    df = log.copy()
    keep = list(dict.fromkeys(df.sort_values("start")["order"]))[:max_orders]
    df = df[df["order"].isin(keep)]
    # merge the units of an order that run back to back on a machine
    df = df.sort_values(["machine", "start"])
    new_block = (df["order"] != df["order"].shift()) | (df["machine"] != df["machine"].shift())
    df["block"] = new_block.cumsum()
    blocks = df.groupby("block").agg(order=("order", "first"), machine=("machine", "first"),
                                     start=("start", "min"), end=("end", "max"),
                                     setup=("setup", "sum"), units=("order", "size"))
    product = log.drop_duplicates("order").set_index("order")["product"] \
        if "product" in log else pd.Series(dtype=str)
    blocks["product"] = blocks["order"].map(product).fillna("")
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    names = [p.name for p in spec.products]
    fig = go.Figure()
    for i, prod in enumerate(sorted(set(blocks["product"]), key=lambda p: (p not in names, p))):
        b = blocks[blocks["product"] == prod]
        hours = (b["end"] - b["start"]) / pd.Timedelta(hours=1)
        fig.add_trace(go.Bar(
            base=b["start"], x=hours * 3.6e6, y=b["machine"], orientation="h",
            name=prod or "order", marker_color=colours[i % len(colours)],
            customdata=b[["order", "units", "setup"]].to_numpy(),
            hovertemplate="%{customdata[0]}: %{customdata[1]} units, setup "
                          "%{customdata[2]:.2f} h<extra>%{y}</extra>"))
    order = [m for m in spec.machines if m in set(blocks["machine"])]
    fig.update_layout(barmode="overlay", title="Replay of one replication (first orders)",
                      xaxis={"type": "date", "title": "time"},
                      yaxis={"categoryorder": "array", "categoryarray": order[::-1]},
                      height=max(320, 26 * len(order) + 140),
                      margin={"l": 80, "r": 20, "t": 50, "b": 40})
    return fig


def bottleneck_figure(bottlenecks: pd.DataFrame) -> go.Figure:
    """Share of working hours each station is the sole or a shifting bottleneck."""
    fig = go.Figure([
        go.Bar(x=bottlenecks["station"], y=bottlenecks["sole"], name="sole bottleneck"),
        go.Bar(x=bottlenecks["station"], y=bottlenecks["shifting"], name="shifting bottleneck"),
    ])
    fig.update_layout(barmode="stack", title="Bottlenecks (active-period method, per working "
                                             "hour)", yaxis={"title": "share of hours",
                                                             "tickformat": ".0%"},
                      height=360, margin={"l": 60, "r": 20, "t": 50, "b": 40})
    return fig
