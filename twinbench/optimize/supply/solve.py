"""Solving the supply model and reading its plan: costs, shadow prices, binding constraints.

:func:`solve_supply` builds the model and solves it: LPs with HiGHS as a sparse matrix
built with numpy and passed to ``highspy`` (:mod:`twinbench.optimize.supply.matrix`, fast
for the large extensive form), network design or any other Pyomo solver through the Pyomo
model (:mod:`twinbench.optimize.supply.model`); both give the same optimum. It returns a
:class:`SupplyPlan` whose ``ds`` holds every decision on labelled sets; when no plan
exists it asks the diagnosis (:mod:`twinbench.optimize.supply.diagnose`) which constraint
groups conflict and raises
:class:`~twinbench.optimize.diagnose.Infeasible`. :func:`value_of_stochastic_solution`
compares the stochastic plan with the plan for the mean scenario.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from twinbench.optimize.diagnose import Infeasible
from twinbench.optimize.solvers import DEFAULT_SOLVER, solve_model
from twinbench.optimize.supply.benders import NotDecomposable, solve_supply_benders
from twinbench.optimize.supply.diagnose import diagnose
from twinbench.optimize.supply.matrix import (
    PARTS,
    LPSolution,
    SupplyLP,
    build_supply_lp,
    solve_supply_lp,
)
from twinbench.optimize.supply.model import build_supply_model
from twinbench.optimize.supply.problem import SupplyProblem

__all__ = ["SupplyPlan", "solve_supply", "value_of_stochastic_solution"]


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


def _values(var: pyo.Var, shape_index: list[list], keyfn: Callable[..., tuple | None],
            ) -> np.ndarray:
    """Values of ``var`` on the grid of ``shape_index`` (``keyfn`` maps labels to the
    variable's index, None where it has none: 0)."""
    out = np.zeros([len(ix) for ix in shape_index])
    for idx in np.ndindex(*out.shape):
        key = keyfn(*[shape_index[k][i] for k, i in enumerate(idx)])
        if key is None:
            continue
        v = var[key].value
        out[idx] = 0.0 if v is None else v
    return out


METHODS = ("auto", "matrix", "benders", "pyomo")
#: scenarios from which ``method="auto"`` decomposes (on the demo: 26 weeks x 20 scenarios
#: took about as long either way, 52 x 50 half the time by Benders)
BENDERS_FROM = 20


def solve_supply(prob: SupplyProblem, design: bool = False, shortage: str = "backorder",
                 solver: str = DEFAULT_SOLVER, time_limit: float | None = 120.0,
                 fix_first_stage: xr.Dataset | None = None,
                 dcs_open: Mapping[str, bool] | None = None,
                 options: Mapping[str, object] | None = None,
                 method: str = "auto", rel_gap: float = 1e-6) -> SupplyPlan:
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
    method
        ``"matrix"``: build the LP with numpy (:mod:`twinbench.optimize.supply.matrix`)
        and solve its extensive form with ``highspy`` directly; ``"benders"``: the same
        matrix by Benders decomposition, one scenario LP at a time
        (:mod:`twinbench.optimize.supply.benders`; complete recourse only, i.e. not
        ``shortage="none"``); ``"pyomo"``: the Pyomo model through ``solver``;
        ``"auto"`` (default): for LPs with HiGHS, Benders when the first stage is fixed
        (the scenarios are then independent) or there are at least
        :data:`BENDERS_FROM` scenarios, else the extensive form; Pyomo otherwise (network
        design, other solvers). All give the same optimum (Benders to the relative gap
        ``rel_gap``); Benders' shadow prices are those of the scenario LPs at the plan's
        purchases (with purchases fixed, as in an evaluation, the same as the extensive
        form's; with free purchases and a degenerate optimum they can differ).
    rel_gap
        Benders only: relative gap (upper - lower bound) / |upper| at which the plan is
        optimal [1]; the plan's expected cost is then within that share of the
        extensive form's optimum.

    Returns
    -------
    SupplyPlan
        ``ds`` holds ``buy`` (supplier, material, period) [unit], ``open`` (dc) [1];
        per scenario ``make`` (scenario, product, period), ``ship`` (scenario, product, dc,
        period), ``deliver`` (scenario, product, dc, region, period), ``stock``
        (scenario, material, period), ``fg_stock`` (scenario, product, period), ``spot``
        (scenario, material, period), ``short`` (scenario, product, region, period: open
        backlog at the period's end, or units lost in it) [unit]; ``fill_rate`` (scenario,
        product: share of demand delivered by the horizon's end) [1];
        ``fill_rate_on_time`` (scenario, product: share of demand delivered in its own
        week) [1]; ``cost`` (scenario, part; ``terminal`` is the value of the stock left
        at the end, <= 0) [EUR]; for LPs the shadow prices
        ``station_hour_value`` (station, period) [EUR/h] and ``demand_value`` (product,
        region, period) [EUR/unit], summed over scenarios (the probabilities are in the
        objective).

    Raises
    ------
    Infeasible
        When no plan exists; its message names the conflicting constraint groups.
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {METHODS!r}")
    lp = not design
    highs = solver in ("appsi_highs", "highs")
    use_matrix = lp and highs and method != "pyomo"
    if method in ("matrix", "benders") and not use_matrix:
        raise ValueError(f"method {method!r} needs an LP (design=False) and HiGHS")
    benders = use_matrix and shortage != "none" and (
        method == "benders" or (method == "auto" and (
            fix_first_stage is not None or len(prob.scenarios) >= BENDERS_FROM)))
    if method == "benders" and not benders:
        raise ValueError("method 'benders' needs complete recourse: shortage "
                         "'backorder' or 'lost_sales', found 'none'")
    figures: dict = {}
    if highs and lp and len(prob.scenarios) > 1:
        # the extensive form is large and sparse: the interior point method (with
        # crossover, so duals stay exact) was 4x faster than dual simplex on the demo
        options = {"solver": "ipm", **(options or {})}
    if use_matrix:
        mlp = build_supply_lp(prob, shortage=shortage, dcs_open=dcs_open,
                              fix_first_stage=fix_first_stage)
        build_s = time.perf_counter() - t0
        sol = None
        if benders:
            try:
                sol, figures = solve_supply_benders(mlp, time_limit, tol=rel_gap)
            except NotDecomposable:
                if method == "benders":
                    raise
                benders = False  # a scenario LP infeasible: the extensive form decides
        if sol is None:
            sol = solve_supply_lp(mlp, time_limit, options)
        term, has_solution, gap = sol.status, sol.has_solution, sol.gap
    else:
        m = build_supply_model(prob, design=design, shortage=shortage, dcs_open=dcs_open)
        if fix_first_stage is not None:
            b = fix_first_stage["buy"]
            for (s, mat) in m._meta["offers"]:
                for t in m.T:
                    m.buy[s, mat, t].fix(float(b.sel(supplier=s, material=mat).values[t]))
            for d in m.D:
                m.open[d].fix(float(fix_first_stage["open"].sel(dc=d)))
        build_s = time.perf_counter() - t0
        outcome = solve_model(m, solver, time_limit, options, duals=lp)
        term, has_solution, gap = outcome.status, outcome.has_solution, outcome.gap
        if has_solution and any(v.value is None for v in m.make.values()):
            has_solution = False
    solve_s = time.perf_counter() - t0 - build_s
    if term in ("infeasible", "infeasibleOrUnbounded"):
        scenario, groups = diagnose(prob, design=design, shortage=shortage,
                                    dcs_open=dcs_open, solver=solver)
        raise Infeasible(groups, scenario)
    if not has_solution:
        raise RuntimeError(f"solver {solver!r} returned no plan (status {term!r}); raise "
                           "the time limit or check the solver log")
    if use_matrix:
        values, duals, per, binding = _read_matrix(prob, mlp, sol)
        objective = sol.objective
    else:
        values = _read_pyomo(prob, m)
        duals = _duals_pyomo(prob, m) if lp and hasattr(m, "dual") else None
        fixed = float(pyo.value(m.fixed_cost))
        per = np.array([[float(pyo.value(m.cost_parts[w][k])) for k in PARTS] + [fixed]
                        for w in prob.scenarios])
        binding = _binding(m) if lp else pd.DataFrame(columns=["group", "index", "dual"])
        objective = float(pyo.value(m.expected_cost))
    ds = _dataset(prob, values, duals, shortage)
    ds["cost"] = xr.DataArray(per, dims=("scenario", "part"),
                              coords={"part": [*PARTS, "fixed"]},
                              attrs={"units": "EUR", "long_name": "cost by scenario and part"})
    expected = ds["cost"].weighted(ds["probability"]).sum("scenario")
    costs = {str(k): float(v) for k, v in zip(expected["part"].values, expected.values,
                                              strict=True)}
    return SupplyPlan(ds=ds, status=term, objective=objective,
                      costs=costs, binding=binding, gap=gap,
                      options={"solver": solver, "solver_options": dict(options or {}),
                               "time_limit": time_limit, "design": design,
                               "shortage": shortage, "dcs_open": dict(dcs_open or {}),
                               "scenarios": len(prob.scenarios), "periods": len(prob.periods),
                               "method": ("benders" if benders else "matrix")
                               if use_matrix else "pyomo",
                               **({"benders": figures} if benders else {}),
                               **({"columns": mlp.A.shape[1], "rows": mlp.A.shape[0],
                                   "nonzeros": int(mlp.A.nnz),
                                   "highs_seconds": round(sol.seconds, 3)}
                                  if use_matrix else {}),
                               "build_seconds": round(build_s, 3),
                               "solve_seconds": round(solve_s, 3)})


def _read_pyomo(prob: SupplyProblem, m: pyo.ConcreteModel) -> dict[str, np.ndarray]:
    """The solved Pyomo model's decisions on the plan's grids [unit]."""
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(prob.network.dcs)
    S = [s.name for s in prob.spec.suppliers]
    T = list(range(len(prob.periods)))
    offers = set(m._meta["offers"])
    ldr = set(m._meta["lanes_dr"])
    return {
        "buy": _values(m.buy, [S, M, T], lambda s, a, t: (s, a, t) if (s, a) in offers
                       else None),
        "make": _values(m.make, [W, P, T], lambda *k: k),
        "spot": _values(m.spot, [W, M, T], lambda *k: k),
        "stock": _values(m.stock, [W, M, T], lambda *k: k),
        "deliver": _values(m.deliver, [W, P, D, R, T],
                           lambda w, p, d, r, t: (w, p, d, r, t) if (d, r) in ldr else None),
        "fg_stock": _values(m.fg_stock, [W, P, T], lambda *k: k),
        "short": _values(m.short, [W, P, R, T], lambda *k: k),
        "open": np.array([m.open[d].value for d in D], dtype=float),
    }


def _duals_pyomo(prob: SupplyProblem, m: pyo.ConcreteModel) -> dict[str, np.ndarray]:
    """Shadow prices of station hours [EUR/h] and demand [EUR/unit], summed over
    scenarios."""
    P, R = prob.products, prob.regions
    st = m._meta["stations"]
    n_t = len(prob.periods)
    hv = np.zeros((len(st), n_t))
    for (_w, s, t), c in m.station_capacity.items():
        hv[st.index(s), t] += -m.dual.get(c, 0.0)
    dv = np.zeros((len(P), len(R), n_t))
    for (_w, p, r, t), c in m.demand.items():
        dv[P.index(p), R.index(r), t] += m.dual.get(c, 0.0)
    return {"station_hour_value": hv, "demand_value": dv, "stations": st}


def _read_matrix(prob: SupplyProblem, lp: SupplyLP, sol: LPSolution
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray,
                            pd.DataFrame]:
    """Decisions, shadow prices, cost parts (scenario, part + fixed) and binding
    constraints of the matrix path, on the same grids as the Pyomo path."""
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(prob.network.dcs)
    S = [s.name for s in prob.spec.suppliers]
    z = lp.sizes
    nT, nW, nP, nR, nM = z["nT"], len(W), len(P), len(R), len(M)
    lanes_dr, offers = lp.meta["lanes_dr"], lp.meta["offers"]
    nL = len(lanes_dr)
    xb = sol.x[:z["n_buy"]]
    xl = sol.x[z["n_buy"]:].reshape(nW, z["n_loc"])
    buy = np.zeros((len(S), nM, nT))
    for o, (s, mat) in enumerate(offers):
        buy[S.index(s), M.index(mat)] = xb[o * nT:(o + 1) * nT]
    deliver = np.zeros((nW, nP, len(D), nR, nT))
    dl = xl[:, z["o_del"]:z["o_fg"]].reshape(nW, nP, nL, nT)
    for li, (d, r) in enumerate(lanes_dr):
        deliver[:, :, D.index(d), R.index(r)] = dl[:, :, li]
    values = {
        "buy": buy,
        "make": xl[:, z["o_make"]:z["o_spot"]].reshape(nW, nP, nT),
        "spot": xl[:, z["o_spot"]:z["o_stock"]].reshape(nW, nM, nT),
        "stock": xl[:, z["o_stock"]:z["o_del"]].reshape(nW, nM, nT),
        "deliver": deliver,
        "fg_stock": xl[:, z["o_fg"]:z["o_short"]].reshape(nW, nP, nT),
        "short": xl[:, z["o_short"]:].reshape(nW, nP, nR, nT),
        "open": np.asarray(lp.meta["open"], dtype=float),
    }
    values = {k: np.where(np.abs(v) < 1e-12, 0.0, v) for k, v in values.items()}
    ydual = sol.row_dual.reshape(nW, z["n_row_loc"])
    yact = sol.row_value.reshape(nW, z["n_row_loc"])
    st_all, used = lp.meta["stations"], lp.meta["used_stations"]
    nST = len(used)
    hv = np.zeros((len(st_all), nT))
    st_dual = ydual[:, z["r_st"]:z["r_fg"]].reshape(nW, nST, nT)
    for j, st in enumerate(used):
        hv[st_all.index(st)] = -st_dual[:, j].sum(0)
    dv = ydual[:, z["r_dem"]:].reshape(nW, nP, nR, nT).sum(0)
    duals = {"station_hour_value": hv, "demand_value": dv, "stations": st_all}
    per = np.stack([xl @ lp.cost_loc[k] + lp.cost_buy[k] @ xb for k in PARTS], axis=1)
    per = np.hstack([per, np.full((nW, 1), lp.offset)])
    # binding capacity rows: at their limit with a non-zero dual, summed over scenarios
    # and periods (as the Pyomo path), then purchases at the supplier's capacity
    rows = []
    upper = lp.row_upper.reshape(nW, z["n_row_loc"])
    opened = lp.meta["open"]
    groups = [("station_capacity", z["r_st"], [(st,) for st in used]),
              ("dc_capacity", z["r_dc"], [(d,) for d in D]),
              ("lane_plant_dc", z["r_lpd"], [(d,) for d in lp.meta["lanes_pd"]]),
              ("lane_dc_region", z["r_ldr"], list(lanes_dr))]
    for name, r0, keys in groups:
        n = len(keys) * nT
        dual = ydual[:, r0:r0 + n].reshape(nW, len(keys), nT)
        act = yact[:, r0:r0 + n].reshape(nW, len(keys), nT)
        up = upper[:, r0:r0 + n].reshape(nW, len(keys), nT)
        if name == "dc_capacity":  # Pyomo moves capacity x open to the body
            rhs = np.zeros_like(up)
            act = act - np.array([prob.network.dcs[d].capacity * opened[j]
                                  for j, d in enumerate(D)])[None, :, None]
        else:
            rhs = up
        hit = (np.abs(dual) > 1e-6) & (np.abs(act - rhs) < 1e-5 * (1 + np.abs(rhs)))
        total = np.where(hit, np.abs(dual), 0.0).sum(axis=(0, 2))
        anyhit = hit.any(axis=(0, 2))
        first_w = np.where(hit.any(axis=2), np.arange(nW)[:, None], nW).min(axis=0)
        order = sorted(np.nonzero(anyhit)[0], key=lambda j: (first_w[j], j))
        for j in order:
            rows.append({"group": name, "index": "/".join(map(str, keys[j])),
                         "dual": float(total[j])})
    for o, (s, mat) in enumerate(offers):
        for t in range(nT):
            ub = lp.col_upper[o * nT + t]
            if np.isfinite(ub) and ub > 0 and xb[o * nT + t] >= ub - 1e-6:
                rows.append({"group": "supplier_capacity", "index": f"{s}/{mat}/{t}",
                             "dual": np.nan})
    df = pd.DataFrame(rows, columns=["group", "index", "dual"])
    binding = df.sort_values("dual", ascending=False, na_position="last", ignore_index=True)
    return values, duals, per, binding


def _dataset(prob: SupplyProblem, values: dict[str, np.ndarray],
             duals: dict[str, np.ndarray] | None, shortage: str) -> xr.Dataset:
    """The plan's decisions, fill rates and (for LPs) shadow prices, labelled."""
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(prob.network.dcs)
    S = [s.name for s in prob.spec.suppliers]
    dims = {"buy": ("supplier", "material", "period"),
            "make": ("scenario", "product", "period"),
            "spot": ("scenario", "material", "period"),
            "stock": ("scenario", "material", "period"),
            "deliver": ("scenario", "product", "dc", "region", "period"),
            "fg_stock": ("scenario", "product", "period"),
            "short": ("scenario", "product", "region", "period"),
            "open": ("dc",)}
    ds = xr.Dataset({k: xr.DataArray(values[k], dims=dims[k]) for k in dims},
                    coords={"supplier": S, "material": M, "period": prob.periods,
                            "scenario": W, "product": P, "dc": D, "region": R})
    ds["ship"] = ds["deliver"].sum("region")
    for k in [*dims, "ship"]:
        ds[k].attrs["units"] = "unit" if k != "open" else "1"
    ds["short"].attrs["long_name"] = ("open backlog at the period's end"
                                      if shortage != "lost_sales" else "units lost")
    demand = prob.demand.sum(("region", "period"))
    unmet = (ds["short"].isel(period=-1) if shortage != "lost_sales"
             else ds["short"].sum("period")).sum("region")
    ds["fill_rate"] = (1 - unmet / demand.where(demand > 0)).clip(0, 1)
    ds["fill_rate"].attrs = {"units": "1", "long_name": "share of demand delivered by the "
                             "horizon's end"}
    # on time: backlogs are served first (first in, first out), so of week t's demand
    # what is still open at the week's end is min(short[t], demand[t]); lost sales: short[t]
    dem = prob.demand.transpose(*ds["short"].dims)
    on_time = (dem - np.minimum(ds["short"], dem)).clip(min=0).sum(("region", "period"))
    ds["fill_rate_on_time"] = (on_time / demand.where(demand > 0)).clip(0, 1)
    ds["fill_rate_on_time"].attrs = {"units": "1", "long_name": "share of demand delivered "
                                     "in its own week"}
    ds["probability"] = prob.probability
    ds["demand"] = prob.demand
    ds["station_hours"] = prob.station_hours
    if duals is not None:
        ds["station_hour_value"] = xr.DataArray(duals["station_hour_value"],
                                                dims=("station", "period"),
                                                coords={"station": duals["stations"]},
                                                attrs={"units": "EUR/h"})
        ds["demand_value"] = xr.DataArray(duals["demand_value"],
                                          dims=("product", "region", "period"),
                                          attrs={"units": "EUR/unit"})
    ds.attrs["shortage"] = shortage
    return ds


def _binding(m: pyo.ConcreteModel, tol: float = 1e-6) -> pd.DataFrame:
    """Capacity constraints at their limit with a non-zero dual (summed over scenarios and
    periods), and purchases at the supplier's capacity."""
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
