"""Supply-chain planning: what to buy, make, store and ship, period by period (Pyomo).

The network is suppliers -> plant (the line) -> distribution centres (DCs) -> customer
regions. One linear program (a MILP in network-design mode) in extensive form over
scenarios ``w`` with probabilities ``pi[w]``:

First stage (decided now, the same in every scenario)
    ``buy[s, m, t]`` purchase orders of material ``m`` from supplier ``s`` placed in period
    ``t``; they arrive ``L[s]`` periods later. ``open[d]`` (network design: binary, else
    fixed to 1).
Second stage (per scenario: demand and supplier deliveries are known)
    ``make[p, t]`` units started on the line; ``spot[m, t]`` emergency buys at
    ``spot_price_factor`` x the cheapest offer, arriving next period; ``deliver[p, d, r, t]``
    plant -> DC ``d`` -> region ``r`` (DCs cross-dock within the week: what a DC ships in a
    week is what it received, ``ship[p, d, t] = sum_r deliver[p, d, r, t]``); inventories
    ``stock[m, t]`` (materials) and ``fg_stock[p, t]`` (finished goods at the plant);
    ``short[p, r, t]`` (the open backlog, or the units lost in lost-sales mode).

Constraints per scenario and period: material balance (bill of materials per unit
started), station hours (processing time per unit x units <= available hours, from the
twin), finished-goods balance (good output = (1 - scrap) x started), DC throughput
capacity x open, lane capacities [kg], supplier capacity per material and week, and the
demand balance, by ``shortage`` mode: ``"backorder"`` carries unmet demand,
``short[t] = short[t-1] + demand[t] - delivered[t]``; ``"lost_sales"`` loses it,
``short[t] = demand[t] - delivered[t]``; ``"none"`` forces ``short = 0`` (a hard service
level, which may make the plan infeasible). Supplier ``s`` delivers the share
``supply[w, s, t]`` of what arrives in ``t`` (1 when reliable, 0 in a disruption).

Cost (expected over scenarios): purchases paid on delivery, spot buys, holding of materials
and finished goods, transport (rate x weight), backorders (a fraction of the price per unit and
week) and the backlog left at the horizon's end (its price), or lost sales (a fraction of
the price per unit), and DC fixed costs.

This is a two-stage model: within a scenario the second stage sees the whole horizon (no
non-anticipativity between later periods), the usual approximation of a rolling plan.
Cross-docking DCs keep the extensive form small enough for HiGHS's interior point method
(52 weeks x 50 scenarios; stock held at the DCs made the LP ~30% larger and slower).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from twinbench.optimize.network import Network
from twinbench.optimize.solvers import DEFAULT_SOLVER, solve_model
from twinbench.spec import LineSpec

__all__ = ["SHORTAGE_MODES", "SupplyPlan", "SupplyProblem", "build_supply_model",
           "solve_supply", "value_of_stochastic_solution"]

SHORTAGE_MODES = ("backorder", "lost_sales", "none")


@dataclass
class SupplyProblem:
    """Everything the supply model reads, on labelled sets.

    Attributes
    ----------
    spec, network
        The line and its distribution network.
    periods
        Period start dates (weeks).
    demand
        Dims ``(scenario, product, region, period)`` [unit/period].
    probability
        Dims ``(scenario,)`` [1], summing to one.
    supply
        Share of each supplier's due deliveries that arrives, dims ``(scenario, supplier,
        period)`` [1].
    station_hours
        Available hours per station and period, dims ``(station, period)`` [h].
    initial_stock
        Material at the plant at the start, by material [unit].
    initial_fg_stock
        Finished goods at the plant at the start, by product [unit].
    """

    spec: LineSpec
    network: Network
    periods: pd.DatetimeIndex
    demand: xr.DataArray
    probability: xr.DataArray
    supply: xr.DataArray
    station_hours: xr.DataArray
    initial_stock: dict[str, float] = field(default_factory=dict)
    initial_fg_stock: dict[str, float] = field(default_factory=dict)

    @property
    def products(self) -> list[str]:
        return [str(p) for p in self.demand["product"].values]

    @property
    def regions(self) -> list[str]:
        return [str(r) for r in self.demand["region"].values]

    @property
    def scenarios(self) -> list[str]:
        return [str(w) for w in self.demand["scenario"].values]

    @property
    def materials(self) -> list[str]:
        used = {m for p in self.products for m in self.spec.product_map[p].bom}
        return [m.name for m in self.spec.materials if m.name in used]

    def offers(self) -> list[tuple[str, str]]:
        """(supplier, material) pairs with a price."""
        return [(s.name, m) for s in self.spec.suppliers for m in s.prices
                if m in self.materials]

    def lead_periods(self, supplier: str) -> int:
        """Lead time of ``supplier`` in whole periods (weeks, rounded up)."""
        s = next(x for x in self.spec.suppliers if x.name == supplier)
        return int(np.ceil(s.lead_time / (7 * 24) - 1e-9))

    def unit_hours(self) -> dict[tuple[str, str], float]:
        """Mean processing hours per unit started, by (product, station) [h/unit]."""
        out: dict[tuple[str, str], float] = {}
        for p in self.products:
            for step in self.spec.product_map[p].routing:
                out[p, step.station] = out.get((p, step.station), 0.0) + step.time.mean
        return out

    def spot_price(self, material: str) -> float:
        """Emergency price of ``material`` [EUR/unit]."""
        prices = [s.prices[material] for s in self.spec.suppliers if material in s.prices]
        return self.network.spot_price_factor * min(prices)

    def expected(self) -> SupplyProblem:
        """The deterministic problem of the expected scenario ``"mean"``."""
        one = xr.DataArray([1.0], dims="scenario", coords={"scenario": ["mean"]})
        return self.with_scenarios(
            self.demand.weighted(self.probability).mean("scenario").expand_dims(
                scenario=["mean"]),
            self.supply.weighted(self.probability).mean("scenario").expand_dims(
                scenario=["mean"]), one)

    def scenario(self, name: str) -> SupplyProblem:
        """The deterministic problem of one scenario."""
        one = xr.DataArray([1.0], dims="scenario", coords={"scenario": [name]})
        return self.with_scenarios(self.demand.sel(scenario=[name]),
                                   self.supply.sel(scenario=[name]), one)

    def with_scenarios(self, demand: xr.DataArray, supply: xr.DataArray,
                       probability: xr.DataArray) -> SupplyProblem:
        """A copy with other scenarios."""
        return SupplyProblem(self.spec, self.network, self.periods, demand, probability,
                             supply, self.station_hours, self.initial_stock,
                             self.initial_fg_stock)


def build_supply_model(prob: SupplyProblem, design: bool = False,
                       shortage: str = "backorder",
                       dcs_open: Mapping[str, bool] | None = None) -> pyo.ConcreteModel:
    """The Pyomo model of :mod:`twinbench.optimize.supply` for ``prob``.

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
    if shortage not in SHORTAGE_MODES:
        raise ValueError(f"unknown shortage mode {shortage!r}; allowed: {SHORTAGE_MODES!r}")
    spec, net = prob.spec, prob.network
    unknown = sorted(set(dcs_open or {}) - set(net.dcs))
    if unknown:
        raise ValueError(f"unknown DC(s) {unknown!r} in dcs_open; allowed: {sorted(net.dcs)!r}")
    T = list(range(len(prob.periods)))
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(net.dcs)
    S = [s.name for s in spec.suppliers]
    offers = prob.offers()
    lead = {s: prob.lead_periods(s) for s in S}
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
    def buy_bounds(_, s, mat, t):
        cap = next(x for x in spec.suppliers if x.name == s).capacity
        return (0.0, cap if t + lead[s] < n_t else 0.0)

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
    m.spot = pyo.Var(m.W, m.M, m.T, within=pyo.NonNegativeReals)
    m.stock = pyo.Var(m.W, m.M, m.T, within=pyo.NonNegativeReals)
    m.deliver = pyo.Var(m.W, m.P, m.LDR, m.T, within=pyo.NonNegativeReals)
    m.fg_stock = pyo.Var(m.W, m.P, m.T, within=pyo.NonNegativeReals)
    m.short = pyo.Var(m.W, m.P, m.R, m.T, within=pyo.NonNegativeReals,
                      bounds=(0, 0) if shortage == "none" else (0, None))

    def arrivals(w, mat, t):
        return sum(sup[wi[w], sidx[s], t] * m.buy[s, mm, t - lead[s]]
                   for (s, mm) in offers if mm == mat and t - lead[s] >= 0)

    def material_balance(_, w, mat, t):
        before = m.stock[w, mat, t - 1] if t > 0 else prob.initial_stock.get(mat, 0.0)
        spot_in = m.spot[w, mat, t - 1] if t > 0 else 0.0
        use = sum(bom.get((p, mat), 0.0) * m.make[w, p, t] for p in P if (p, mat) in bom)
        return m.stock[w, mat, t] == before + arrivals(w, mat, t) + spot_in - use

    m.material_balance = pyo.Constraint(m.W, m.M, m.T, rule=material_balance)

    m.STATION = pyo.Set(initialize=stations)
    st_idx = {s: i for i, s in enumerate(stations)}

    def station_capacity(_, w, st, t):
        used = [hours[p, st] * m.make[w, p, t] for p in P if (p, st) in hours]
        if not used:
            return pyo.Constraint.Skip
        return sum(used) <= cap_h[st_idx[st], t]

    m.station_capacity = pyo.Constraint(m.W, m.STATION, m.T, rule=station_capacity)

    def fg_balance(_, w, p, t):
        before = m.fg_stock[w, p, t - 1] if t > 0 else prob.initial_fg_stock.get(p, 0.0)
        out = sum(m.deliver[w, p, d, r, t] for (d, r) in lanes_dr)
        return m.fg_stock[w, p, t] == before + yld[p] * m.make[w, p, t] - out

    m.fg_balance = pyo.Constraint(m.W, m.P, m.T, rule=fg_balance)

    def dc_capacity(_, w, d, t):
        return sum(m.deliver[w, p, d, r, t] for p in P for (dd, r) in lanes_dr if dd == d) \
            <= net.dcs[d].capacity * m.open[d]

    m.dc_capacity = pyo.Constraint(m.W, m.D, m.T, rule=dc_capacity)

    def lane_pd(_, w, d, t):
        return sum(weight[p] * m.deliver[w, p, d, r, t] for p in P
                   for (dd, r) in lanes_dr if dd == d) <= net.lane(net.plant, d).capacity

    m.lane_plant_dc = pyo.Constraint(m.W, m.LPD, m.T, rule=lane_pd)

    def lane_dr(_, w, d, r, t):
        return sum(weight[p] * m.deliver[w, p, d, r, t] for p in P) <= net.lane(d, r).capacity

    m.lane_dc_region = pyo.Constraint(m.W, m.LDR, m.T, rule=lane_dr)

    def demand(_, w, p, r, t):
        before = m.short[w, p, r, t - 1] if t > 0 and shortage == "backorder" else 0.0
        got = sum(m.deliver[w, p, d, r, t] for (d, rr) in lanes_dr if rr == r)
        return m.short[w, p, r, t] == before + float(dem[wi[w], pidx[p], ridx[r], t]) - got

    m.demand = pyo.Constraint(m.W, m.P, m.R, m.T, rule=demand)

    # --- cost ------------------------------------------------------------------------
    price_of = {(s.name, mat): s.prices[mat] for s in spec.suppliers for mat in s.prices}

    def scenario_cost(w):
        i = wi[w]
        buy = sum(price_of[s, mat] * sup[i, sidx[s], t + lead[s]] * m.buy[s, mat, t]
                  for (s, mat) in offers for t in T if t + lead[s] < n_t)
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
        return {"purchase": buy, "spot": spot, "holding": hold, "transport": freight,
                "shortage": late}

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


@dataclass
class SupplyPlan:
    """A solved supply plan.

    Attributes
    ----------
    ds
        Labelled results (see :func:`solve_supply`).
    status, objective
        Solver termination condition and expected total cost [EUR].
    costs
        Expected cost by part [EUR].
    binding
        Binding constraints (slack ~ 0, non-zero dual): group, index, dual.
    options
        Solver, time limit, mode, seconds (build and solve).
    gap
        Relative optimality gap [1]: 0 when proven optimal; in design mode (MILP) stopped
        by the time limit, how far the plan may be from the best possible.
    """

    ds: xr.Dataset
    status: str
    objective: float
    costs: dict[str, float]
    binding: pd.DataFrame
    options: dict
    gap: float = 0.0


def _values(var, shape_index: list[list], keyfn) -> np.ndarray:
    out = np.zeros([len(ix) for ix in shape_index])
    for idx in np.ndindex(*out.shape):
        key = keyfn(*[shape_index[k][i] for k, i in enumerate(idx)])
        if key is None:
            continue
        v = var[key].value
        out[idx] = 0.0 if v is None else v
    return out


def solve_supply(prob: SupplyProblem, design: bool = False, shortage: str = "backorder",
                 solver: str = DEFAULT_SOLVER, time_limit: float | None = 120.0,
                 fix_first_stage: xr.Dataset | None = None,
                 dcs_open: Mapping[str, bool] | None = None,
                 options: Mapping[str, object] | None = None) -> SupplyPlan:
    """Build, solve and read the supply model.

    Parameters
    ----------
    prob
        The problem (scenarios included: one scenario is the deterministic plan).
    design, shortage, dcs_open
        See :func:`build_supply_model`.
    solver, time_limit, options
        Any Pyomo solver by name (HiGHS by default), a time limit [s] and the solver's own
        options (for HiGHS e.g. ``{"solver": "simplex", "mip_rel_gap": 1e-4}``; stochastic
        LPs default to HiGHS's interior point method).
    fix_first_stage
        A plan's ``buy`` and ``open`` to hold fixed (to evaluate a given plan).

    Returns
    -------
    SupplyPlan
        ``ds`` holds ``buy`` (supplier, material, period) [unit], ``open`` (dc) [1];
        per scenario ``make`` (scenario, product, period), ``ship`` (scenario, product, dc,
        period), ``deliver`` (scenario, product, dc, region, period), ``stock``
        (scenario, material, period), ``fg_stock`` (scenario, product, period), ``spot``
        (scenario, material, period), ``short`` (scenario, product, region, period: open
        backlog at the period's end, or units lost in it) [unit]; ``fill_rate`` (scenario,
        product) [1]; ``cost`` (scenario, part) [EUR]; for LPs the shadow prices
        ``station_hour_value`` (station, period) [EUR/h] and ``demand_value`` (product,
        region, period) [EUR/unit], summed over scenarios (the probabilities are in the
        objective).

    Raises
    ------
    Infeasible
        When no plan exists; its message names the conflicting constraint groups.
    """
    from twinbench.optimize.supply_diagnose import Infeasible, diagnose

    t0 = time.perf_counter()
    m = build_supply_model(prob, design=design, shortage=shortage, dcs_open=dcs_open)
    if fix_first_stage is not None:
        b = fix_first_stage["buy"]
        for (s, mat) in m._meta["offers"]:
            for t in m.T:
                m.buy[s, mat, t].fix(float(b.sel(supplier=s, material=mat).values[t]))
        for d in m.D:
            m.open[d].fix(float(fix_first_stage["open"].sel(dc=d)))
    build_s = time.perf_counter() - t0
    lp = not design
    if solver in ("appsi_highs", "highs") and lp and len(prob.scenarios) > 1:
        # the extensive form is large and sparse: the interior point method (with
        # crossover, so duals stay exact) was 4x faster than dual simplex on the demo
        options = {"solver": "ipm", **(options or {})}
    outcome = solve_model(m, solver, time_limit, options, duals=lp)
    term = outcome.status
    solve_s = time.perf_counter() - t0 - build_s
    if term in ("infeasible", "infeasibleOrUnbounded"):
        scenario, groups = diagnose(prob, design=design, shortage=shortage,
                                    dcs_open=dcs_open, solver=solver)
        raise Infeasible(groups, scenario)
    if not outcome.has_solution or any(v.value is None for v in m.make.values()):
        raise RuntimeError(f"solver {solver!r} returned no plan (status {term!r}); raise "
                           "the time limit or check the solver log")
    ds = _dataset(prob, m, lp, shortage)
    parts = ("purchase", "spot", "holding", "transport", "shortage")
    fixed = float(pyo.value(m.fixed_cost))
    per = np.array([[float(pyo.value(m.cost_parts[w][k])) for k in parts] + [fixed]
                    for w in prob.scenarios])
    ds["cost"] = xr.DataArray(per, dims=("scenario", "part"),
                              coords={"part": [*parts, "fixed"]},
                              attrs={"units": "EUR", "long_name": "cost by scenario and part"})
    expected = ds["cost"].weighted(ds["probability"]).sum("scenario")
    costs = {str(k): float(v) for k, v in zip(expected["part"].values, expected.values,
                                              strict=True)}
    binding = _binding(m) if lp else pd.DataFrame(columns=["group", "index", "dual"])
    return SupplyPlan(ds=ds, status=term, objective=float(pyo.value(m.expected_cost)),
                      costs=costs, binding=binding, gap=outcome.gap,
                      options={"solver": solver, "solver_options": dict(options or {}),
                               "time_limit": time_limit, "design": design,
                               "shortage": shortage, "dcs_open": dict(dcs_open or {}),
                               "scenarios": len(prob.scenarios), "periods": len(prob.periods),
                               "build_seconds": round(build_s, 3),
                               "solve_seconds": round(solve_s, 3)})


def _dataset(prob: SupplyProblem, m: pyo.ConcreteModel, lp: bool,
             shortage: str) -> xr.Dataset:
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(prob.network.dcs)
    S = [s.name for s in prob.spec.suppliers]
    T = list(range(len(prob.periods)))
    offers = set(m._meta["offers"])
    ldr = set(m._meta["lanes_dr"])
    v = {
        "buy": (("supplier", "material", "period"),
                _values(m.buy, [S, M, T], lambda s, a, t: (s, a, t) if (s, a) in offers
                        else None)),
        "make": (("scenario", "product", "period"), _values(m.make, [W, P, T],
                                                            lambda *k: k)),
        "spot": (("scenario", "material", "period"), _values(m.spot, [W, M, T],
                                                             lambda *k: k)),
        "stock": (("scenario", "material", "period"), _values(m.stock, [W, M, T],
                                                              lambda *k: k)),
        "deliver": (("scenario", "product", "dc", "region", "period"),
                    _values(m.deliver, [W, P, D, R, T],
                            lambda w, p, d, r, t: (w, p, d, r, t) if (d, r) in ldr
                            else None)),
        "fg_stock": (("scenario", "product", "period"),
                     _values(m.fg_stock, [W, P, T], lambda *k: k)),
        "short": (("scenario", "product", "region", "period"),
                  _values(m.short, [W, P, R, T], lambda *k: k)),
        "open": (("dc",), np.array([m.open[d].value for d in D], dtype=float)),
    }
    ds = xr.Dataset({k: xr.DataArray(a, dims=dims) for k, (dims, a) in v.items()},
                    coords={"supplier": S, "material": M, "period": prob.periods,
                            "scenario": W, "product": P, "dc": D, "region": R})
    ds["ship"] = ds["deliver"].sum("region")
    for k in [*v, "ship"]:
        ds[k].attrs["units"] = "unit" if k != "open" else "1"
    ds["short"].attrs["long_name"] = ("open backlog at the period's end"
                                      if shortage != "lost_sales" else "units lost")
    demand = prob.demand.sum(("region", "period"))
    unmet = (ds["short"].isel(period=-1) if shortage != "lost_sales"
             else ds["short"].sum("period")).sum("region")
    ds["fill_rate"] = (1 - unmet / demand.where(demand > 0)).clip(0, 1)
    ds["fill_rate"].attrs = {"units": "1", "long_name": "share of demand delivered by the "
                             "horizon's end"}
    ds["probability"] = prob.probability
    ds["demand"] = prob.demand
    ds["station_hours"] = prob.station_hours
    if lp and hasattr(m, "dual"):
        st = m._meta["stations"]
        hv = np.zeros((len(st), len(T)))
        for (_w, s, t), c in m.station_capacity.items():
            hv[st.index(s), t] += -m.dual.get(c, 0.0)
        ds["station_hour_value"] = xr.DataArray(hv, dims=("station", "period"),
                                                coords={"station": st},
                                                attrs={"units": "EUR/h"})
        dv = np.zeros((len(P), len(R), len(T)))
        for (_w, p, r, t), c in m.demand.items():
            dv[P.index(p), R.index(r), t] += m.dual.get(c, 0.0)
        ds["demand_value"] = xr.DataArray(dv, dims=("product", "region", "period"),
                                          attrs={"units": "EUR/unit"})
    ds.attrs["shortage"] = shortage
    return ds


def _binding(m: pyo.ConcreteModel, tol: float = 1e-6) -> pd.DataFrame:
    rows = []
    for name in ("station_capacity", "dc_capacity", "lane_plant_dc", "lane_dc_region"):
        con = getattr(m, name)
        agg: dict[tuple, float] = {}
        for idx, c in con.items():
            dual = m.dual.get(c, 0.0)
            if abs(dual) > tol and abs(pyo.value(c.body) - pyo.value(c.upper)) < 1e-5 * (
                    1 + abs(pyo.value(c.upper))):
                key = tuple(idx[1:-1])  # drop scenario and period
                agg[key] = agg.get(key, 0.0) + abs(dual)
        for key, total in agg.items():
            rows.append({"group": name, "index": "/".join(map(str, key)),
                         "dual": total})
    for (s, mat, t), v in m.buy.items():
        ub = v.ub
        if ub is not None and ub > 0 and v.value is not None and v.value >= ub - 1e-6:
            rows.append({"group": "supplier_capacity", "index": f"{s}/{mat}/{t}",
                         "dual": np.nan})
    df = pd.DataFrame(rows, columns=["group", "index", "dual"])
    return df.sort_values("dual", ascending=False, na_position="last", ignore_index=True)


def value_of_stochastic_solution(prob: SupplyProblem, rp: SupplyPlan | None = None,
                                 **solve_kw) -> dict[str, float]:
    """Value of the stochastic solution: ``EEV - RP`` [EUR].

    ``RP``: expected cost of the stochastic plan (``rp`` when given, else solved here).
    ``EV`` plan: the plan for the mean scenario (mean demand, mean deliveries); ``EEV``:
    its purchases (and DCs) held fixed and evaluated in every scenario. ``VSS >= 0`` up to
    solver tolerance.
    """
    rp = rp if rp is not None else solve_supply(prob, **solve_kw)
    ev = solve_supply(prob.expected(), **solve_kw)
    eev = solve_supply(prob, fix_first_stage=ev.ds, **solve_kw)
    return {"RP": rp.objective, "EV": ev.objective, "EEV": eev.objective,
            "VSS": eev.objective - rp.objective}
