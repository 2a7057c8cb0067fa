"""The plant's state now, read from its data and never from a what-if's edits.

A what-if changes what happens from now on; it cannot change what is on the shelf. So the
opening stock, the open purchase orders, the work in progress and each machine's wear are
computed once from the base plant's files and handed unchanged to every scenario.

Files read from the plant folder when present:

``stock.csv``
    ``item, quantity`` [unit]: materials and finished goods on hand.
``purchase_orders.csv``
    ``supplier, material, quantity, due`` [unit, wall clock]: open orders in transit.

Without ``stock.csv`` the opening stock is a stated default computed from the *recorded
demand history* (not the forecast, not an edit): each material for its longest supplier
lead time plus one week of the last quarter's mean use, and one week of finished goods.
The record's ``source`` says which applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twinbench.data.plant import PlantData

__all__ = ["PlantState", "plant_state"]


@dataclass(frozen=True)
class PlantState:
    """What the plant holds now.

    Attributes
    ----------
    stock
        Material on hand by material [unit].
    fg_stock
        Finished goods at the plant by product [unit].
    open_pos
        Open purchase orders ``supplier, material, quantity, due`` [unit, wall clock].
    wip
        Orders in progress (``order_id, product, quantity``); empty when none is recorded.
    wear
        Each machine's wear now [wear scale of its type] (from the twin when given).
    source
        Where each part came from (file name or the stated default).
    """

    stock: dict[str, float]
    fg_stock: dict[str, float]
    open_pos: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["supplier", "material", "quantity", "due"]))
    wip: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["order_id", "product", "quantity"]))
    wear: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)


def _weekly_use(plant: PlantData, weeks: int = 13) -> tuple[dict[str, float], dict[str, float]]:
    """Mean weekly demand per product over the last ``weeks`` of history, and the material
    use it implies [unit/week]."""
    spec = plant.spec
    hist = plant.demand.copy()
    hist["week"] = pd.to_datetime(hist["week"])
    recent = hist[hist["week"] > hist["week"].max() - pd.Timedelta(weeks=weeks)]
    per = recent.groupby("product")["quantity"].sum() / weeks
    demand = {p: float(per.get(p, 0.0)) for p in spec.product_map}
    use: dict[str, float] = {}
    for p, q in demand.items():
        for mat, k in spec.product_map[p].bom.items():
            use[mat] = use.get(mat, 0.0) + k * q
    return demand, use


def plant_state(plant: PlantData, wear=None) -> PlantState:
    """The state of ``plant`` now (see the module's notes for the files read).

    Parameters
    ----------
    plant
        The *base* plant (a what-if's edited plant would be a mistake: edits do not
        change what is on hand).
    wear
        The twin's wear forecast (:func:`twinbench.twin.greybox.greybox_forecast`); its
        ``origin_wear`` is each machine's wear now.

    Raises
    ------
    ValueError
        A state file lacks a column or names an unknown material, product or supplier.
    """
    spec = plant.spec
    root = plant.root
    source: dict[str, str] = {}
    materials = {m.name for m in spec.materials}
    path = root / "stock.csv"
    if path.exists():
        tab = pd.read_csv(path)
        _need(tab, {"item", "quantity"}, path.name)
        unknown = sorted(set(tab["item"]) - materials - set(spec.product_map))
        if unknown:
            raise ValueError(f"{path.name}: unknown item(s) {unknown!r}; expected a "
                             f"material {sorted(materials)!r} or a product "
                             f"{sorted(spec.product_map)!r}")
        qty = tab.groupby("item")["quantity"].sum()
        stock = {m: float(qty.get(m, 0.0)) for m in sorted(materials)}
        fg = {p: float(qty.get(p, 0.0)) for p in spec.product_map}
        source["stock"] = path.name
    else:
        demand, use = _weekly_use(plant)
        cover = {}
        for mat in materials:
            leads = [s.lead_time for s in spec.suppliers if mat in s.prices]
            cover[mat] = (int(np.ceil(max(leads, default=0.0) / 168 - 1e-9)) + 1)
        stock = {m: float(use.get(m, 0.0) * cover[m]) for m in sorted(materials)}
        fg = dict(demand)
        source["stock"] = ("default: longest lead time + 1 week of the last 13 weeks' mean "
                           "use (materials), 1 week of demand (finished goods)")
    path = root / "purchase_orders.csv"
    if path.exists():
        pos = pd.read_csv(path, parse_dates=["due"])
        _need(pos, {"supplier", "material", "quantity", "due"}, path.name)
        bad = sorted(set(pos["supplier"]) - {s.name for s in spec.suppliers})
        if bad:
            raise ValueError(f"{path.name}: unknown supplier(s) {bad!r}; allowed: "
                             f"{sorted(s.name for s in spec.suppliers)!r}")
        source["open_pos"] = path.name
    else:
        pos = pd.DataFrame(columns=["supplier", "material", "quantity", "due"])
        source["open_pos"] = "none recorded"
    wear_now = {}
    if wear is not None:
        wear_now = {str(m): float(v) for m, v in zip(
            wear["machine"].values, wear["origin_wear"].values, strict=True)}
        source["wear"] = "twin wear forecast (origin)"
    return PlantState(stock=stock, fg_stock=fg, open_pos=pos, wear=wear_now, source=source)


def _need(tab: pd.DataFrame, cols: set[str], name: str) -> None:
    missing = sorted(cols - set(tab.columns))
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing!r}; expected "
                         f"{sorted(cols)!r}, found {list(tab.columns)!r}")
