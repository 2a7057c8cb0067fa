"""Independent check of a supply plan: flows conserved, capacities respected.

Written apart from the model (:mod:`twinbench.optimize.supply.model`): it reads only the
problem's data and the plan's numbers, recomputes every balance with array arithmetic and
reports each violation in the plant's terms. Every plan the optimizer returns must pass;
a plan edited by hand (or by a what-if) can be checked before anyone trusts it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twinbench.optimize.supply.problem import SupplyProblem

__all__ = ["check_supply_plan"]


def _arrival_matrix(lead_days: float, n: int) -> np.ndarray:
    """``A[k, t]``: share of an order placed in week ``t`` that arrives in week ``k`` [1].

    Day ``7 t + L`` falls ``f = L mod 7`` days into week ``t + floor(L / 7)``; that week
    gets ``(7 - f) / 7`` of the order, the next one ``f / 7``.
    """
    a = np.zeros((n, n))
    day = 7.0 * np.arange(n) + lead_days  # arrival day of each order
    week = np.floor(day / 7.0 + 1e-12).astype(int)
    f = day - 7.0 * week
    f[f < 1e-9] = 0.0
    for t in range(n):
        if week[t] < n:
            a[week[t], t] += (7.0 - f[t]) / 7.0
        if f[t] > 0 and week[t] + 1 < n:
            a[week[t] + 1, t] += f[t] / 7.0
    return a


def check_supply_plan(prob: SupplyProblem, ds: xr.Dataset, tol: float = 1e-4) -> list[str]:
    """Violations of ``ds`` (a :class:`~twinbench.optimize.supply.solve.SupplyPlan`'s ``ds``).

    Parameters
    ----------
    prob
        The :class:`~twinbench.optimize.supply.problem.SupplyProblem` the plan is for.
    ds
        The plan.
    tol
        Absolute tolerance, scaled by ``1 + |right-hand side|`` [unit].

    Returns
    -------
    list of str
        One line per violated (check, scenario, item, period); empty when the plan is sound.
    """
    spec, net = prob.spec, prob.network
    out: list[str] = []
    periods = list(range(ds.sizes["period"]))

    def report(check: str, excess: xr.DataArray, scale: xr.DataArray | float) -> None:
        """One line per item where ``excess`` is beyond the tolerance of ``scale``."""
        bad = excess > tol * (1 + abs(scale))
        if not bool(bad.any()):
            return
        for idx in zip(*np.nonzero(bad.values), strict=True):
            where = ", ".join(f"{d}={excess[d].values[i]}" if d in excess.coords
                              else f"{d}={i}" for d, i in zip(excess.dims, idx, strict=True))
            out.append(f"{check}: off by {float(excess.values[idx]):.6g} at {where}")

    # no negative flow or stock
    for name in ("buy", "make", "spot", "stock", "deliver", "fg_stock", "short"):
        report(f"{name} is negative", -ds[name], 0.0)

    # materials: stock[t] = stock[t-1] + arrivals[t] + spot arriving[t] - use[t]; an order
    # due in week k (its first part) arrives with the supplier's share of week k
    n = len(periods)
    spot_days = prob.spot_lead_days()
    spot_in_all = np.einsum("kt,wmt->wmk", _arrival_matrix(spot_days, n),
                            ds["spot"].transpose("scenario", "material", "period").values)
    for mat in [str(x) for x in ds["material"].values]:
        arrive = xr.zeros_like(ds["stock"].sel(material=mat))
        for sup in spec.suppliers:
            if mat not in sup.prices:
                continue
            days = sup.lead_time / 24.0
            placed = ds["buy"].sel(supplier=sup.name, material=mat).values
            first = np.floor(days / 7.0 + 1e-12).astype(int) + np.arange(n)  # due week
            share = prob.supply.sel(supplier=sup.name).transpose(
                "scenario", "period").values  # (scenario, period)
            ok = first < n
            due_share = np.zeros_like(share)
            due_share[:, ok] = share[:, first[ok]]
            amat = _arrival_matrix(days, n)
            arrive = arrive + (due_share * placed[None, :]) @ amat.T
            report(f"supplier {sup.name} order of {mat} due after the horizon",
                   ds["buy"].sel(supplier=sup.name, material=mat).where(
                       xr.DataArray(~ok, dims="period"), 0.0), 0.0)
            report(f"supplier {sup.name} capacity of {mat}",
                   ds["buy"].sel(supplier=sup.name, material=mat) - sup.capacity,
                   sup.capacity)
        use = sum(spec.product_map[p].bom.get(mat, 0.0) * ds["make"].sel(product=p)
                  for p in prob.products)
        before = ds["stock"].sel(material=mat).shift(period=1).fillna(
            prob.initial_stock.get(mat, 0.0))
        spot_in = xr.zeros_like(arrive) + spot_in_all[:, list(ds["material"].values).index(
            mat), :]
        cap = prob.spot_cap(mat)
        if np.isfinite(cap):
            report(f"spot capacity of {mat}", ds["spot"].sel(material=mat) - cap, cap)
        stock = ds["stock"].sel(material=mat)
        report(f"material balance of {mat}", abs(stock - (before + arrive + spot_in - use)),
               stock)

    # station hours
    for st in [str(x) for x in prob.station_hours["station"].values]:
        used = sum(step.time.mean * ds["make"].sel(product=p)
                   for p in prob.products for step in spec.product_map[p].routing
                   if step.station == st)
        if isinstance(used, int):
            continue
        cap = prob.station_hours.sel(station=st).values
        report(f"station {st} hours", used - cap[None, :], cap.max())

    # finished goods at the plant
    for p in prob.products:
        good = (1 - spec.product_map[p].scrap_rate) * ds["make"].sel(product=p)
        out_p = ds["deliver"].sel(product=p).sum(("dc", "region"))
        before = ds["fg_stock"].sel(product=p).shift(period=1).fillna(
            prob.initial_fg_stock.get(p, 0.0))
        fg = ds["fg_stock"].sel(product=p)
        report(f"finished-goods balance of {p}", abs(fg - (before + good - out_p)), fg)

    # DCs: throughput within capacity, nothing through a closed DC, lanes within capacity
    weight = xr.DataArray([net.products[p].unit_weight for p in prob.products],
                          dims="product", coords={"product": prob.products})
    for d, dc in net.dcs.items():
        through = ds["deliver"].sel(dc=d).sum(("product", "region"))
        report(f"DC {d} throughput", through - dc.capacity * float(ds["open"].sel(dc=d)),
               dc.capacity)
        lane = net.lane(net.plant, d)
        kg = (ds["deliver"].sel(dc=d).sum("region") * weight).sum("product")
        report(f"lane {net.plant}->{d} capacity", kg - lane.capacity, lane.capacity)
        for r in [str(x) for x in ds["region"].values]:
            flow = ds["deliver"].sel(dc=d, region=r)
            lane = net.lane(d, r)
            if lane is None:
                report(f"no lane {d}->{r}, yet goods on it", flow, 0.0)
                continue
            report(f"lane {d}->{r} capacity", (flow * weight).sum("product") - lane.capacity,
                   lane.capacity)

    # demand: short[t] = carried + demand[t] - delivered[t]
    mode = ds.attrs.get("shortage", "backorder")
    got = ds["deliver"].sum("dc")
    demand = prob.demand.transpose(*got.dims)
    carried = (ds["short"].shift(period=1).fillna(0.0) if mode == "backorder"
               else xr.zeros_like(ds["short"]))
    report("demand balance", abs(ds["short"] - (carried + demand - got)), demand)
    if mode == "none":
        report("shortage in no-shortage mode", ds["short"], 0.0)
    return out
