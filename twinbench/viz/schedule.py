"""Figures of a production schedule: the plotly Gantt chart and the on-time risk."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["on_time_figure", "schedule_gantt"]

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf"]


def schedule_gantt(schedule, on_time: pd.DataFrame | None = None,
                   title: str = "Production schedule") -> go.Figure:
    """Gantt chart of a :class:`~twinbench.optimize.schedule.Schedule`: one row per machine,
    one colour per product, maintenance in grey, unavailable windows in red.

    Parameters
    ----------
    on_time
        Optional ``order, p_on_time`` (e.g. from replaying the plan in the simulation),
        shown in each bar's hover.
    """
    t = schedule.table
    p = schedule.problem
    wall = "start_time" in t
    x0, x1 = ("start_time", "end_time") if wall else ("start", "end")
    scale = 3.6e6 if wall else 1.0  # plotly date axes take durations in ms

    def span(df: pd.DataFrame, a: str, b: str):
        d = df[b] - df[a]
        return (d / pd.Timedelta(hours=1) if wall else d) * scale

    fig = go.Figure()
    jobs = t[t["job"] != "MAINT"].copy()
    jobs["product"] = p.jobs["product"].reindex(jobs["job"]).fillna("").to_numpy() \
        if "product" in p.jobs else ""
    risk = {} if on_time is None else dict(zip(on_time["order"], on_time["p_on_time"],
                                               strict=True))
    jobs["risk"] = [f"{risk[j]:.0%}" if j in risk else "n/a" for j in jobs["job"]]
    for i, prod in enumerate(sorted(set(jobs["product"]))):
        b = jobs[jobs["product"] == prod]
        fig.add_trace(go.Bar(
            base=b[x0], x=span(b, x0, x1), y=b["machine"], orientation="h",
            name=prod or "job", marker_color=COLOURS[i % len(COLOURS)],
            customdata=b[["job", "step", "setup", "risk"]].to_numpy(),
            hovertemplate="%{customdata[0]} step %{customdata[1]}, setup %{customdata[2]:.2f} "
                          "h, P(on time) %{customdata[3]}<extra>%{y}</extra>"))
    mt = t[t["job"] == "MAINT"]
    if len(mt):
        fig.add_trace(go.Bar(base=mt[x0], x=span(mt, x0, x1), y=mt["machine"],
                             orientation="h", name="maintenance", marker_color="#7f7f7f",
                             customdata=mt[["op"]].to_numpy(),
                             hovertemplate="%{customdata[0]}<extra>%{y}</extra>"))
    if len(p.blocks):
        b = p.blocks.copy()
        if wall:
            b["start"], b["end"] = p.to_wall(b["start"].to_numpy(float)), p.to_wall(
                b["end"].to_numpy(float))
        fig.add_trace(go.Bar(base=b["start"], x=span(b, "start", "end"), y=b["machine"],
                             orientation="h", name="unavailable", opacity=0.35,
                             marker_color="#d62728",
                             customdata=b[["reason"]].astype(str).to_numpy(),
                             hovertemplate="%{customdata[0]}<extra>%{y}</extra>"))
    order = [m for m in p.machines if m in set(t["machine"])]
    fig.update_layout(barmode="overlay", title=title,
                      xaxis={"type": "date" if wall else "linear",
                             "title": "time" if wall else "time [h]"},
                      yaxis={"categoryorder": "array", "categoryarray": order[::-1]},
                      height=max(320, 26 * len(order) + 140),
                      margin={"l": 80, "r": 20, "t": 50, "b": 40})
    return fig


def on_time_figure(on_time: pd.DataFrame, top: int = 30) -> go.Figure:
    """Probability each order is on time (lowest first), from replaying the plan."""
    d = on_time.sort_values("p_on_time").head(top)
    fig = go.Figure(go.Bar(x=d["p_on_time"], y=d["order"], orientation="h",
                           marker_color=["#d62728" if v < 0.9 else "#2ca02c"
                                         for v in d["p_on_time"]]))
    fig.update_layout(title="On-time probability per order (plan replayed in the twin)",
                      xaxis={"range": [0, 1], "tickformat": ".0%"},
                      yaxis={"autorange": "reversed"}, height=max(300, 18 * len(d) + 120),
                      margin={"l": 80, "r": 20, "t": 50, "b": 40})
    return fig
