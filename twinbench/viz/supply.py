"""Figures of a supply plan: the flow through the network and the plan over time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import xarray as xr
from plotly.subplots import make_subplots

__all__ = ["flow_figure", "plan_figure"]


def flow_figure(ds: xr.Dataset, spec, network) -> go.Figure:
    """Sankey of the expected flows of a plan: suppliers -> plant -> DCs -> regions.

    Link widths are values [kEUR] so that materials in different units add up: purchases
    at their price (what arrives, expected over scenarios), shipments at the product's
    sales price.

    Parameters
    ----------
    ds
        ``SupplyPlan.ds``.
    spec, network
        The line (prices) and its distribution network.
    """
    pi = ds["probability"]
    nodes: list[str] = []

    def node(name: str) -> int:
        if name not in nodes:
            nodes.append(name)
        return nodes.index(name)

    src, dst, val, label = [], [], [], []
    plant = node(network.plant)
    for sup in spec.suppliers:
        value = sum(float(ds["buy"].sel(supplier=sup.name, material=m).sum()) * p
                    for m, p in sup.prices.items() if m in ds["material"].values)
        if value > 0:
            src.append(node(f"supplier {sup.name}"))
            dst.append(plant)
            val.append(value / 1e3)
            label.append("purchases")
    price = xr.DataArray([spec.product_map[str(p)].price for p in ds["product"].values],
                         dims="product", coords={"product": ds["product"].values})
    deliver = (ds["deliver"] * price).sum(("product", "period")).weighted(pi).mean("scenario")
    for d in ds["dc"].values:
        total = float(deliver.sel(dc=d).sum())
        if total <= 0:
            continue
        src.append(plant)
        dst.append(node(str(d)))
        val.append(total / 1e3)
        label.append("shipments")
        for r in ds["region"].values:
            v = float(deliver.sel(dc=d, region=r))
            if v > 0:
                src.append(node(str(d)))
                dst.append(node(f"region {r}"))
                val.append(v / 1e3)
                label.append("deliveries")
    fig = go.Figure(go.Sankey(
        node={"label": nodes, "pad": 18, "thickness": 16},
        link={"source": src, "target": dst, "value": np.round(val, 1), "label": label,
              "hovertemplate": "%{label}: %{value:,.1f} kEUR<extra></extra>"}))
    fig.update_layout(title="Expected flows over the horizon [kEUR: purchases at cost, "
                            "shipments at sales price]", height=420,
                      margin={"l": 20, "r": 20, "t": 50, "b": 20})
    return fig


def plan_figure(ds: xr.Dataset, product: str) -> go.Figure:
    """Production, demand and stock of ``product`` by week: scenario mean and 10-90% band.

    Parameters
    ----------
    ds
        ``SupplyPlan.ds``.
    product
        One of ``ds.product``.
    """
    if product not in ds["product"].values:
        raise ValueError(f"unknown product {product!r}; allowed: "
                         f"{[str(p) for p in ds['product'].values]!r}")
    weeks = ds["period"].values
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(f"{product}: production and demand [unit/week]",
                                        "finished goods at the plant and open backlog [unit]"))
    series = {
        "production": (ds["make"].sel(product=product), 1, "#1f77b4"),
        "demand": (ds["demand"].sel(product=product).sum("region"), 1, "#7f7f7f"),
        "finished goods": (ds["fg_stock"].sel(product=product), 2, "#2ca02c"),
        "short": (ds["short"].sel(product=product).sum("region"), 2, "#d62728"),
    }
    for name, (da, row, colour) in series.items():
        lo, hi = (da.quantile(q, dim="scenario").values for q in (0.1, 0.9))
        fig.add_trace(go.Scatter(x=np.concatenate([weeks, weeks[::-1]]),
                                 y=np.concatenate([hi, lo[::-1]]), fill="toself",
                                 line={"width": 0}, fillcolor=colour, opacity=0.2,
                                 name=f"{name} 10-90%", showlegend=False,
                                 hoverinfo="skip"), row=row, col=1)
        fig.add_trace(go.Scatter(x=weeks, y=da.weighted(ds["probability"]).mean(
            "scenario").values, name=name, line={"color": colour}), row=row, col=1)
    fig.update_layout(height=520, margin={"l": 50, "r": 20, "t": 50, "b": 30})
    return fig
