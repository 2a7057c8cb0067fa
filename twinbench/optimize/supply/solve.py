"""Solving the supply model and reading its plan: costs, shadow prices, binding constraints.

:func:`solve_supply` builds the model (:mod:`twinbench.optimize.supply.model`), solves it
with HiGHS (or any Pyomo solver by name) and returns a :class:`SupplyPlan` whose ``ds``
holds every decision on labelled sets; when no plan exists it asks the diagnosis
(:mod:`twinbench.optimize.supply.diagnose`) which constraint groups conflict and raises
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
from twinbench.optimize.supply.diagnose import diagnose
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
    """The solved model's decisions, fill rates and (for LPs) shadow prices, labelled."""
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
