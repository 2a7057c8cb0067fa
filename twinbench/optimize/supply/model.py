"""Supply-chain planning: what to buy, make, store and ship, period by period (Pyomo).

The network is suppliers -> plant (the line) -> distribution centres (DCs) -> customer
regions. One linear program (a MILP in network-design mode) in extensive form over
scenarios ``w`` with probabilities ``pi[w]``:

First stage (decided now, the same in every scenario)
    ``buy[s, m, t]`` purchase orders of material ``m`` from supplier ``s`` placed in period
    ``t``; with a lead time of ``L[s]`` days they arrive on day ``7 t + L[s]``: the share
    ``(7 - f) / 7`` of the order in week ``k = t + floor(L[s] / 7)`` and ``f / 7`` in week
    ``k + 1``, ``f = L[s] mod 7`` (material arriving ``f`` days into a week is usable for
    ``(7 - f) / 7`` of its production; a whole number of weeks arrives in week ``k``, a
    0-day lead time in week ``t``; see
    :func:`~twinbench.optimize.supply.problem.arrival_shares`). An order is allowed when its
    first part arrives within the horizon. ``open[d]`` (network design: binary, else fixed
    to 1).
Second stage (per scenario: demand and supplier deliveries are known)
    ``make[p, t]`` units started on the line; ``spot[m, t]`` emergency buys at
    ``spot_price_factor`` x the cheapest offer, at most ``spot_capacity`` a week, arriving
    after ``spot_lead_time`` days by the same rule (defaults: unlimited, next week);
    ``deliver[p, d, r, t]`` plant -> DC ``d`` -> region ``r`` (DCs cross-dock within the
    week: what a DC ships in a week is what it received,
    ``ship[p, d, t] = sum_r deliver[p, d, r, t]``); inventories ``stock[m, t]``
    (materials) and ``fg_stock[p, t]`` (finished goods at the plant);
    ``short[p, r, t]`` (the open backlog, or the units lost in lost-sales mode).

Constraints per scenario and period: material balance (bill of materials per unit
started), station hours (processing time per unit x units <= available hours, from the
twin), finished-goods balance (good output = (1 - scrap) x started), DC throughput
capacity x open, lane capacities [kg], supplier capacity per material and week, and the
demand balance, by ``shortage`` mode: ``"backorder"`` carries unmet demand,
``short[t] = short[t-1] + demand[t] - delivered[t]``; ``"lost_sales"`` loses it,
``short[t] = demand[t] - delivered[t]``; ``"none"`` forces ``short = 0`` (a hard service
level, which may make the plan infeasible). Supplier ``s`` delivers the share
``supply[w, s, k]`` of an order due in week ``k`` (1 when reliable, 0 in a disruption), the
week its first part arrives: a delivery arrives or fails as a whole.

Cost (expected over scenarios): purchases paid on delivery, spot buys, holding of materials
and finished goods, transport (rate x weight), backorders (a fraction of the price per unit and
week) and the backlog left at the horizon's end (its price), or lost sales (a fraction of
the price per unit), and DC fixed costs, less the terminal value: stock left at the end
(materials, parts of orders still under way after the last week, finished goods at their
material content) at ``terminal_value`` x the cheapest offer's price (cost part
``"terminal"``, <= 0), so that the plan neither dumps nor hoards stock at the end.

This is a two-stage model: within a scenario the second stage sees the whole horizon (no
non-anticipativity between later periods), the usual approximation of a rolling plan.
Cross-docking DCs keep the extensive form small enough for HiGHS's interior point method
(52 weeks x 50 scenarios; stock held at the DCs made the LP ~30% larger and slower).
"""


from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from twinbench.optimize.supply.problem import SupplyProblem, check_options

__all__ = ["build_supply_model"]


def build_supply_model(prob: SupplyProblem, design: bool = False,
                       shortage: str = "backorder",
                       dcs_open: Mapping[str, bool] | None = None) -> pyo.ConcreteModel:
    """The Pyomo model of :mod:`twinbench.optimize.supply.model` for ``prob``.

    Parameters
    ----------
    design
        Network-design mode: DCs open or close (binary, fixed cost per period open).
    shortage
        ``"backorder"``, ``"lost_sales"`` or ``"none"`` (every unit delivered in its period;
        may be infeasible).
    dcs_open
        DCs held open (True) or closed (False), whatever the mode: a strategic what-if.
    """
    check_options(prob, shortage, dcs_open)
    spec, net = prob.spec, prob.network
    T = list(range(len(prob.periods)))
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(net.dcs)
    S = [s.name for s in spec.suppliers]
    offers = prob.offers()
    arr = {s: prob.arrivals(s) for s in S}  # (weeks after the order, share)
    first = {s: arr[s][0][0] for s in S}  # week of the (first part of the) delivery
    spot_arr = prob.spot_arrivals()
    hours = prob.unit_hours()
    stations = [str(s) for s in prob.station_hours["station"].values]
    bom = {(p, m): q for p in P for m, q in spec.product_map[p].bom.items()}
    yld = {p: 1.0 - spec.product_map[p].scrap_rate for p in P}
    price = {p: spec.product_map[p].price for p in P}
    weight = {p: net.products[p].unit_weight for p in P}
    lanes_pd = [d for d in D if net.lane(net.plant, d)]
    lanes_dr = [(d, r) for d in D for r in R if net.lane(d, r)]
    dem = prob.demand.transpose("scenario", "product", "region", "period").values
    sup = prob.supply.transpose("scenario", "supplier", "period").sel(supplier=S).values
    cap_h = prob.station_hours.transpose("station", "period").values
    pi = prob.probability.values
    hold_m = {m.name: m.holding_cost for m in spec.materials}
    n_t = len(T)

    m = pyo.ConcreteModel(name="supply")
    m.T, m.P, m.R, m.W, m.M, m.D = (pyo.Set(initialize=x, ordered=True)
                                    for x in (T, P, R, W, M, D))
    m.OFFER = pyo.Set(initialize=offers, dimen=2)
    m.LPD = pyo.Set(initialize=lanes_pd)
    m.LDR = pyo.Set(initialize=lanes_dr, dimen=2)
    wi = {w: i for i, w in enumerate(W)}
    pidx = {p: i for i, p in enumerate(P)}
    ridx = {r: i for i, r in enumerate(R)}
    sidx = {s: i for i, s in enumerate(S)}

    # first stage
    def buy_bounds(_: pyo.ConcreteModel, s: str, mat: str, t: int) -> tuple[float, float]:
        """Up to the supplier's capacity [unit/period], 0 when it would arrive too late."""
        cap = next(x for x in spec.suppliers if x.name == s).capacity
        return (0.0, cap if t + first[s] < n_t else 0.0)

    m.buy = pyo.Var(m.OFFER, m.T, bounds=buy_bounds)
    m.open = pyo.Var(m.D, within=pyo.Binary if design else pyo.NonNegativeReals,
                     bounds=(0, 1))
    for d in D:
        if d in (dcs_open or {}):
            m.open[d].fix(1.0 if dcs_open[d] else 0.0)
        elif not design:
            m.open[d].fix(1.0)
    # second stage
    m.make = pyo.Var(m.W, m.P, m.T, within=pyo.NonNegativeReals)
    def spot_bounds(_: pyo.ConcreteModel, w: str, mat: str, t: int
                    ) -> tuple[float, float | None]:
        """Up to the spot capacity [unit/period], 0 when it would arrive too late."""
        if t + spot_arr[0][0] >= n_t:
            return (0.0, 0.0)
        cap = prob.spot_cap(mat)
        return (0.0, None if cap == float("inf") else cap)

    m.spot = pyo.Var(m.W, m.M, m.T, bounds=spot_bounds)
    m.stock = pyo.Var(m.W, m.M, m.T, within=pyo.NonNegativeReals)
    m.deliver = pyo.Var(m.W, m.P, m.LDR, m.T, within=pyo.NonNegativeReals)
    m.fg_stock = pyo.Var(m.W, m.P, m.T, within=pyo.NonNegativeReals)
    m.short = pyo.Var(m.W, m.P, m.R, m.T, within=pyo.NonNegativeReals,
                      bounds=(0, 0) if shortage == "none" else (0, None))

    def arrivals(w: str, mat: str, t: int) -> pyo.Expression:
        """Material ``mat`` from suppliers arriving in period ``t`` of scenario ``w``
        [unit] (``t`` may be past the horizon: what is still under way at its end)."""
        return sum(share * sup[wi[w], sidx[s], t - k + first[s]] * m.buy[s, mm, t - k]
                   for (s, mm) in offers if mm == mat for k, share in arr[s]
                   if 0 <= t - k < n_t and t - k + first[s] < n_t)

    def spot_arriving(w: str, mat: str, t: int) -> pyo.Expression:
        """Spot buys of ``mat`` arriving in period ``t`` of scenario ``w`` [unit]."""
        return sum(share * m.spot[w, mat, t - k] for k, share in spot_arr
                   if 0 <= t - k < n_t and t - k + spot_arr[0][0] < n_t)

    def material_balance(_: pyo.ConcreteModel, w: str, mat: str, t: int) -> pyo.Expression:
        """Stock = stock before + arrivals + spot buys arriving - use [unit]."""
        before = m.stock[w, mat, t - 1] if t > 0 else prob.initial_stock.get(mat, 0.0)
        spot_in = spot_arriving(w, mat, t)
        use = sum(bom.get((p, mat), 0.0) * m.make[w, p, t] for p in P if (p, mat) in bom)
        return m.stock[w, mat, t] == before + arrivals(w, mat, t) + spot_in - use

    m.material_balance = pyo.Constraint(m.W, m.M, m.T, rule=material_balance)

    m.STATION = pyo.Set(initialize=stations)
    st_idx = {s: i for i, s in enumerate(stations)}

    def station_capacity(_: pyo.ConcreteModel, w: str, st: str, t: int) -> pyo.Expression:
        """Hours used at station ``st`` <= hours available [h]."""
        used = [hours[p, st] * m.make[w, p, t] for p in P if (p, st) in hours]
        if not used:
            return pyo.Constraint.Skip
        return sum(used) <= cap_h[st_idx[st], t]

    m.station_capacity = pyo.Constraint(m.W, m.STATION, m.T, rule=station_capacity)

    def fg_balance(_: pyo.ConcreteModel, w: str, p: str, t: int) -> pyo.Expression:
        """Finished goods = before + good output - shipped [unit]."""
        before = m.fg_stock[w, p, t - 1] if t > 0 else prob.initial_fg_stock.get(p, 0.0)
        out = sum(m.deliver[w, p, d, r, t] for (d, r) in lanes_dr)
        return m.fg_stock[w, p, t] == before + yld[p] * m.make[w, p, t] - out

    m.fg_balance = pyo.Constraint(m.W, m.P, m.T, rule=fg_balance)

    def dc_capacity(_: pyo.ConcreteModel, w: str, d: str, t: int) -> pyo.Expression:
        """What DC ``d`` ships <= its throughput x open [unit/period]."""
        return sum(m.deliver[w, p, d, r, t] for p in P for (dd, r) in lanes_dr if dd == d) \
            <= net.dcs[d].capacity * m.open[d]

    m.dc_capacity = pyo.Constraint(m.W, m.D, m.T, rule=dc_capacity)

    def lane_pd(_: pyo.ConcreteModel, w: str, d: str, t: int) -> pyo.Expression:
        """Weight on the lane plant -> ``d`` <= its capacity [kg/period]."""
        return sum(weight[p] * m.deliver[w, p, d, r, t] for p in P
                   for (dd, r) in lanes_dr if dd == d) <= net.lane(net.plant, d).capacity

    m.lane_plant_dc = pyo.Constraint(m.W, m.LPD, m.T, rule=lane_pd)

    def lane_dr(_: pyo.ConcreteModel, w: str, d: str, r: str, t: int) -> pyo.Expression:
        """Weight on the lane ``d`` -> ``r`` <= its capacity [kg/period]."""
        return sum(weight[p] * m.deliver[w, p, d, r, t] for p in P) <= net.lane(d, r).capacity

    m.lane_dc_region = pyo.Constraint(m.W, m.LDR, m.T, rule=lane_dr)

    def demand(_: pyo.ConcreteModel, w: str, p: str, r: str, t: int) -> pyo.Expression:
        """Shortage = (backlog before) + demand - delivered [unit]."""
        before = m.short[w, p, r, t - 1] if t > 0 and shortage == "backorder" else 0.0
        got = sum(m.deliver[w, p, d, r, t] for (d, rr) in lanes_dr if rr == r)
        return m.short[w, p, r, t] == before + float(dem[wi[w], pidx[p], ridx[r], t]) - got

    m.demand = pyo.Constraint(m.W, m.P, m.R, m.T, rule=demand)

    # --- cost ------------------------------------------------------------------------
    price_of = {(s.name, mat): s.prices[mat] for s in spec.suppliers for mat in s.prices}
    fg_value = {p: sum(q * prob.purchase_price(mat) for (pp, mat), q in bom.items() if pp == p)
                for p in P}  # material content [EUR/unit]

    def scenario_cost(w: str) -> dict[str, pyo.Expression]:
        """Cost parts of scenario ``w`` [EUR]."""
        i = wi[w]
        buy = sum(price_of[s, mat] * sup[i, sidx[s], t + first[s]] * m.buy[s, mat, t]
                  for (s, mat) in offers for t in T if t + first[s] < n_t)
        spot = sum(prob.spot_price(mat) * m.spot[w, mat, t] for mat in M for t in T)
        hold = sum(hold_m.get(mat, 0.0) * m.stock[w, mat, t] for mat in M for t in T)
        hold += sum(net.products[p].holding_cost * m.fg_stock[w, p, t] for p in P for t in T)
        freight = sum((net.lane(net.plant, d).rate + net.lane(d, r).rate) * weight[p]
                      * m.deliver[w, p, d, r, t] for p in P for (d, r) in lanes_dr for t in T)
        if shortage == "lost_sales":
            late = sum(net.regions[r].lost_sale_cost * price[p] * m.short[w, p, r, t]
                       for p in P for r in R for t in T)
        else:
            late = sum(net.regions[r].backorder_cost * price[p] * m.short[w, p, r, t]
                       for p in P for r in R for t in T)
            late += sum(price[p] * m.short[w, p, r, T[-1]] for p in P for r in R)
        terminal = 0.0
        if prob.terminal_value:
            left = sum(prob.purchase_price(mat) * (m.stock[w, mat, T[-1]]
                                                   + arrivals(w, mat, n_t)
                                                   + spot_arriving(w, mat, n_t))
                       for mat in M)
            left += sum(fg_value[p] * m.fg_stock[w, p, T[-1]] for p in P)
            terminal = -prob.terminal_value * left
        return {"purchase": buy, "spot": spot, "holding": hold, "transport": freight,
                "shortage": late, "terminal": terminal}

    parts = {w: scenario_cost(w) for w in W}
    m.cost_parts = parts
    fixed = sum(net.dcs[d].fixed_cost * n_t * m.open[d] for d in D)
    m.fixed_cost = pyo.Expression(expr=fixed)
    m.expected_cost = pyo.Objective(
        expr=fixed + sum(pi[wi[w]] * sum(parts[w].values()) for w in W),
        sense=pyo.minimize)
    m._meta = {"stations": stations, "lanes_pd": lanes_pd, "lanes_dr": lanes_dr,
               "offers": offers, "design": design, "shortage": shortage}
    return m
