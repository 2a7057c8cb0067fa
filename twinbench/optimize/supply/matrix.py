"""The supply LP as a sparse matrix, built with numpy and solved by HiGHS directly.

The same linear program as :func:`twinbench.optimize.supply.model.build_supply_model`
(same variables, constraints and costs; see that module for the model), for the LP case
(no network design): DCs are open or closed by ``dcs_open`` (else open) and enter as
constants. Building the Pyomo model of the demo's extensive form (52 weeks x 50 scenarios)
took seconds of Python per constraint; here one scenario's block ``A0`` is built once from
index arrays and repeated along the diagonal (``kron(I, A0)``), the first-stage purchases
couple the blocks through the arrival rows (which carry each scenario's supplier shares),
and the matrix goes to ``highspy`` in one call. The Pyomo model stays the reference for
small problems, network design, other solvers and the infeasibility diagnosis; a test
checks that both give the same optimum.

Column order: ``buy[o, t]`` (offers x periods), then per scenario ``make[p, t]``,
``spot[m, t]``, ``stock[m, t]``, ``deliver[p, l, t]`` (lanes DC -> region), ``fg[p, t]``,
``short[p, r, t]``. Row order per scenario: material balance ``[m, t]``, station hours
``[st, t]`` (stations some product uses), finished goods ``[p, t]``, DC throughput
``[d, t]``, lanes plant -> DC ``[d, t]``, lanes DC -> region ``[l, t]``, demand
``[p, r, t]``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from twinbench.optimize.supply.problem import SupplyProblem, check_options

__all__ = ["SupplyLP", "build_supply_lp", "solve_supply_lp"]

PARTS = ("purchase", "spot", "holding", "transport", "shortage", "terminal")


@dataclass
class SupplyLP:
    """The supply LP in matrix form, with what it takes to read a solution.

    Attributes
    ----------
    A
        Constraint matrix (CSC), rows x columns.
    c, col_lower, col_upper, row_lower, row_upper
        Objective (expected cost [EUR per unit of the column]) and bounds.
    offset
        Constant of the objective (DC fixed costs) [EUR].
    sizes
        Set sizes and block offsets (``n_buy``, ``n_loc``, ``n_row_loc``, ...).
    cost_loc, cost_buy
        Per cost part: coefficients of one scenario's block (n_loc,) and of the purchases
        per scenario (scenario, n_buy) [EUR/unit].
    meta
        Labels: offers, lanes, stations used, shortage mode, open DCs.
    build_seconds
        Time to build [s].
    """

    A: sp.csc_matrix
    c: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float
    sizes: dict[str, int]
    cost_loc: dict[str, np.ndarray]
    cost_buy: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)
    build_seconds: float = 0.0


def build_supply_lp(prob: SupplyProblem, shortage: str = "backorder",
                    dcs_open: Mapping[str, bool] | None = None,
                    fix_first_stage: object | None = None) -> SupplyLP:
    """The LP of :func:`~twinbench.optimize.supply.model.build_supply_model` as matrices.

    Parameters
    ----------
    prob
        The problem.
    shortage, dcs_open
        As for the Pyomo model (no design mode here).
    fix_first_stage
        A plan's dataset whose ``buy`` (supplier, material, period) [unit] and ``open``
        (dc) [1] are held fixed.
    """
    t0 = time.perf_counter()
    check_options(prob, shortage, dcs_open)
    spec, net = prob.spec, prob.network
    nT = len(prob.periods)
    P, R, W, M = prob.products, prob.regions, prob.scenarios, prob.materials
    D = list(net.dcs)
    S = [s.name for s in spec.suppliers]
    offers = prob.offers()
    nP, nR, nW, nM, nD, nO = len(P), len(R), len(W), len(M), len(D), len(offers)
    midx = {x: i for i, x in enumerate(M)}
    didx = {x: i for i, x in enumerate(D)}
    sidx = {x: i for i, x in enumerate(S)}
    arr = {s: prob.arrivals(s) for s in S}
    first = {s: arr[s][0][0] for s in S}
    spot_arr = prob.spot_arrivals()
    hours = prob.unit_hours()
    stations = [str(s) for s in prob.station_hours["station"].values]
    used_st = [st for st in stations if any((p, st) in hours for p in P)]
    bom = np.array([[spec.product_map[p].bom.get(mat, 0.0) for mat in M] for p in P])
    yld = np.array([1.0 - spec.product_map[p].scrap_rate for p in P])
    price = np.array([spec.product_map[p].price for p in P])
    weight = np.array([net.products[p].unit_weight for p in P])
    lanes_pd = [d for d in D if net.lane(net.plant, d)]
    lanes_dr = [(d, r) for d in D for r in R if net.lane(d, r)]
    nL, nLP = len(lanes_dr), len(lanes_pd)
    dem = prob.demand.transpose("scenario", "product", "region", "period").values
    sup = prob.supply.transpose("scenario", "supplier", "period").sel(supplier=S).values
    cap_h = prob.station_hours.transpose("station", "period").values
    pi = np.asarray(prob.probability.values, dtype=float)
    opened = np.ones(nD)
    for d, v in (dcs_open or {}).items():
        opened[didx[d]] = 1.0 if v else 0.0
    if fix_first_stage is not None:
        opened = np.array([float(fix_first_stage["open"].sel(dc=d)) for d in D])
    tt = np.arange(nT)

    # -- local (one scenario) columns ---------------------------------------------------
    o_make = 0
    o_spot = o_make + nP * nT
    o_stock = o_spot + nM * nT
    o_del = o_stock + nM * nT
    o_fg = o_del + nP * nL * nT
    o_short = o_fg + nP * nT
    n_loc = o_short + nP * nR * nT

    def make(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_make + p * nT + t

    def spot(m_: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_spot + m_ * nT + t

    def stock(m_: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_stock + m_ * nT + t

    def deliver(p: np.ndarray, lane: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_del + (p * nL + lane) * nT + t

    def fg(p: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_fg + p * nT + t

    def short(p: np.ndarray, r: np.ndarray, t: np.ndarray) -> np.ndarray:
        return o_short + (p * nR + r) * nT + t

    # -- local rows -----------------------------------------------------------------------
    nST = len(used_st)
    r_mat = 0
    r_st = r_mat + nM * nT
    r_fg = r_st + nST * nT
    r_dc = r_fg + nP * nT
    r_lpd = r_dc + nD * nT
    r_ldr = r_lpd + nLP * nT
    r_dem = r_ldr + nL * nT
    n_row_loc = r_dem + nP * nR * nT

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        r, c, v = np.broadcast_arrays(np.asarray(r), np.asarray(c), np.asarray(v, float))
        rows.append(r.ravel())
        cols.append(c.ravel())
        vals.append(v.ravel())

    row_lo = np.zeros(n_row_loc)
    row_hi = np.zeros(n_row_loc)
    # material balance: stock[t] - stock[t-1] - spot arriving + use = initial (t = 0)
    for j, mat in enumerate(M):
        rr = r_mat + j * nT + tt
        add(rr, stock(j, tt), 1.0)
        add(rr[1:], stock(j, tt[:-1]), -1.0)
        for k, share in spot_arr:
            ok = (tt - k >= 0) & (tt - k + spot_arr[0][0] < nT)
            add(rr[ok], spot(j, tt[ok] - k), -share)
        for i in range(nP):
            if bom[i, j]:
                add(rr, make(i, tt), bom[i, j])
        row_lo[r_mat + j * nT] = row_hi[r_mat + j * nT] = prob.initial_stock.get(mat, 0.0)
    # station hours
    for j, st in enumerate(used_st):
        rr = r_st + j * nT + tt
        for i, p in enumerate(P):
            if (p, st) in hours:
                add(rr, make(i, tt), hours[p, st])
        row_lo[rr] = -np.inf
        row_hi[rr] = cap_h[stations.index(st)]
    # finished goods: fg[t] - fg[t-1] - yield x make + delivered = initial (t = 0)
    for i, p in enumerate(P):
        rr = r_fg + i * nT + tt
        add(rr, fg(i, tt), 1.0)
        add(rr[1:], fg(i, tt[:-1]), -1.0)
        add(rr, make(i, tt), -yld[i])
        for li in range(nL):
            add(rr, deliver(i, li, tt), 1.0)
        row_lo[r_fg + i * nT] = row_hi[r_fg + i * nT] = prob.initial_fg_stock.get(p, 0.0)
    # DCs, lanes
    for li, (d, _r) in enumerate(lanes_dr):
        dj = didx[d]
        for i in range(nP):
            add(r_dc + dj * nT + tt, deliver(i, li, tt), 1.0)
            if d in lanes_pd:
                add(r_lpd + lanes_pd.index(d) * nT + tt, deliver(i, li, tt), weight[i])
            add(r_ldr + li * nT + tt, deliver(i, li, tt), weight[i])
    for dj, d in enumerate(D):
        rr = r_dc + dj * nT + tt
        row_lo[rr], row_hi[rr] = -np.inf, net.dcs[d].capacity * opened[dj]
    for j, d in enumerate(lanes_pd):
        rr = r_lpd + j * nT + tt
        row_lo[rr], row_hi[rr] = -np.inf, net.lane(net.plant, d).capacity
    for li, (d, r) in enumerate(lanes_dr):
        rr = r_ldr + li * nT + tt
        row_lo[rr], row_hi[rr] = -np.inf, net.lane(d, r).capacity
    # demand: short[t] - short[t-1] (backorder) + delivered = demand
    for i in range(nP):
        for k, r in enumerate(R):
            rr = r_dem + (i * nR + k) * nT + tt
            add(rr, short(i, k, tt), 1.0)
            if shortage == "backorder":
                add(rr[1:], short(i, k, tt[:-1]), -1.0)
            for li, (_d, rl) in enumerate(lanes_dr):
                if rl == r:
                    add(rr, deliver(i, li, tt), 1.0)
    A0 = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(n_row_loc, n_loc)).tocsr()

    # -- coupling: purchases arriving in each scenario's material rows --------------------
    n_buy = nO * nT
    bw_rows, bw_cols, bw_vals = [], [], []
    for o, (s, mat) in enumerate(offers):
        j, si = midx[mat], sidx[s]
        for k, share in arr[s]:
            ok = (tt - k >= 0) & (tt - k + first[s] < nT)
            t_ord = tt[ok] - k
            for w in range(nW):
                bw_rows.append(w * n_row_loc + r_mat + j * nT + tt[ok])
                bw_cols.append(o * nT + t_ord)
                bw_vals.append(-share * sup[w, si, t_ord + first[s]])
    B = sp.coo_matrix((np.concatenate(bw_vals) if bw_vals else np.zeros(0),
                       (np.concatenate(bw_rows) if bw_rows else np.zeros(0, int),
                        np.concatenate(bw_cols) if bw_cols else np.zeros(0, int))),
                      shape=(nW * n_row_loc, n_buy))
    A = sp.hstack([B, sp.kron(sp.identity(nW, format="csr"), A0)], format="csc")

    # -- bounds -----------------------------------------------------------------------
    buy_lo = np.zeros(n_buy)
    buy_hi = np.zeros(n_buy)
    for o, (s, _mat) in enumerate(offers):
        cap = next(x for x in spec.suppliers if x.name == s).capacity
        buy_hi[o * nT + tt] = np.where(tt + first[s] < nT, cap, 0.0)
    if fix_first_stage is not None:
        b = fix_first_stage["buy"]
        for o, (s, mat) in enumerate(offers):
            v = np.asarray(b.sel(supplier=s, material=mat).values, dtype=float)
            buy_lo[o * nT + tt] = buy_hi[o * nT + tt] = v
    lo = np.zeros(n_loc)
    hi = np.full(n_loc, np.inf)
    for j, mat in enumerate(M):
        cap = prob.spot_cap(mat)
        hi[spot(j, tt)] = np.where(tt + spot_arr[0][0] < nT, cap, 0.0)
    if shortage == "none":
        hi[o_short:] = 0.0

    # -- costs ------------------------------------------------------------------------
    cost_loc = {k: np.zeros(n_loc) for k in PARTS}
    cost_buy = {k: np.zeros((nW, n_buy)) for k in PARTS}
    price_of = {(s.name, mat): s.prices[mat] for s in spec.suppliers for mat in s.prices}
    for o, (s, _mat) in enumerate(offers):
        ok = tt + first[s] < nT
        cost_buy["purchase"][:, o * nT + tt[ok]] = (price_of[s, _mat]
                                                     * sup[:, sidx[s], tt[ok] + first[s]])
    hold_m = {m_.name: m_.holding_cost for m_ in spec.materials}
    for j, mat in enumerate(M):
        cost_loc["spot"][spot(j, tt)] = prob.spot_price(mat)
        cost_loc["holding"][stock(j, tt)] = hold_m.get(mat, 0.0)
    for i, p in enumerate(P):
        cost_loc["holding"][fg(i, tt)] = net.products[p].holding_cost
        for li, (d, r) in enumerate(lanes_dr):
            cost_loc["transport"][deliver(i, li, tt)] = (
                (net.lane(net.plant, d).rate + net.lane(d, r).rate) * weight[i])
        for k, r in enumerate(R):
            if shortage == "lost_sales":
                cost_loc["shortage"][short(i, k, tt)] = net.regions[r].lost_sale_cost * price[i]
            else:
                cost_loc["shortage"][short(i, k, tt)] = net.regions[r].backorder_cost * price[i]
                cost_loc["shortage"][short(i, k, nT - 1)] += price[i]
    tv = float(prob.terminal_value)
    if tv:
        pp = np.array([prob.purchase_price(mat) for mat in M])
        cost_loc["terminal"][stock(np.arange(nM), nT - 1)] -= tv * pp
        cost_loc["terminal"][fg(np.arange(nP), nT - 1)] -= tv * (bom @ pp)
        for k, share in spot_arr:  # spot buys still under way at the end
            t_ord = nT - k
            if 0 <= t_ord < nT and t_ord + spot_arr[0][0] < nT:
                cost_loc["terminal"][spot(np.arange(nM), t_ord)] -= tv * pp * share
        for o, (s, mat) in enumerate(offers):
            for k, share in arr[s]:
                t_ord = nT - k
                if 0 <= t_ord < nT and t_ord + first[s] < nT:
                    cost_buy["terminal"][:, o * nT + t_ord] -= (
                        tv * pp[midx[mat]] * share * sup[:, sidx[s], t_ord + first[s]])
    c_loc = sum(cost_loc.values())
    c_buy = pi @ sum(cost_buy.values())
    c = np.concatenate([c_buy, np.kron(pi, c_loc)])
    offset = float(sum(net.dcs[d].fixed_cost * nT * opened[didx[d]] for d in D))
    return SupplyLP(
        A=A, c=c, col_lower=np.concatenate([buy_lo, np.tile(lo, nW)]),
        col_upper=np.concatenate([buy_hi, np.tile(hi, nW)]),
        row_lower=np.tile(row_lo, nW) + _demand_rhs(dem, n_row_loc, r_dem),
        row_upper=np.tile(row_hi, nW) + _demand_rhs(dem, n_row_loc, r_dem),
        offset=offset,
        sizes={"n_buy": n_buy, "n_loc": n_loc, "n_row_loc": n_row_loc, "nT": nT,
               "o_make": o_make, "o_spot": o_spot, "o_stock": o_stock, "o_del": o_del,
               "o_fg": o_fg, "o_short": o_short, "r_st": r_st, "r_fg": r_fg, "r_dc": r_dc,
               "r_lpd": r_lpd, "r_ldr": r_ldr, "r_dem": r_dem},
        cost_loc=cost_loc, cost_buy=cost_buy,
        meta={"offers": offers, "lanes_dr": lanes_dr, "lanes_pd": lanes_pd,
              "stations": stations, "used_stations": used_st, "shortage": shortage,
              "open": opened, "design": False},
        build_seconds=time.perf_counter() - t0)


def _demand_rhs(dem: np.ndarray, n_row_loc: int, r_dem: int) -> np.ndarray:
    """Each scenario's demand [unit] on its demand rows, zeros elsewhere."""
    n_w = dem.shape[0]
    out = np.zeros((n_w, n_row_loc))
    out[:, r_dem:] = dem.reshape(n_w, -1)  # (product, region, period), period fastest
    return out.ravel()


_STATUS = {"kOptimal": "optimal", "kInfeasible": "infeasible",
           "kUnboundedOrInfeasible": "infeasibleOrUnbounded", "kUnbounded": "unbounded",
           "kTimeLimit": "maxTimeLimit", "kIterationLimit": "maxIterations"}


@dataclass
class LPSolution:
    """What HiGHS returned: status, objective [EUR], columns, row activities and duals."""

    status: str
    has_solution: bool
    objective: float
    x: np.ndarray
    row_value: np.ndarray
    row_dual: np.ndarray
    seconds: float
    gap: float = 0.0


def solve_supply_lp(lp: SupplyLP, time_limit: float | None = None,
                    options: Mapping[str, object] | None = None) -> LPSolution:
    """Solve ``lp`` with ``highspy`` (HiGHS's own options passed through)."""
    import highspy
    from pyomo.common.tee import capture_output

    with capture_output(capture_fd=True):  # HiGHS prints its banner on construction
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    model = highspy.HighsLp()
    n_row, n_col = lp.A.shape
    inf = highspy.kHighsInf
    model.num_col_, model.num_row_ = n_col, n_row
    model.col_cost_ = lp.c
    model.col_lower_ = np.where(np.isfinite(lp.col_lower), lp.col_lower, -inf)
    model.col_upper_ = np.where(np.isfinite(lp.col_upper), lp.col_upper, inf)
    model.row_lower_ = np.where(np.isfinite(lp.row_lower), lp.row_lower, -inf)
    model.row_upper_ = np.where(np.isfinite(lp.row_upper), lp.row_upper, inf)
    model.offset_ = lp.offset
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = lp.A.indptr
    model.a_matrix_.index_ = lp.A.indices
    model.a_matrix_.value_ = lp.A.data
    model.a_matrix_.num_col_, model.a_matrix_.num_row_ = n_col, n_row
    h.passModel(model)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    for k, v in (options or {}).items():
        h.setOptionValue(k, v)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    status = h.getModelStatus()
    name = _STATUS.get(str(status).split(".")[-1], str(status).split(".")[-1])
    info = h.getInfo()
    has = info.primal_solution_status == 2  # feasible
    sol = h.getSolution()
    return LPSolution(status=name, has_solution=bool(has),
                      objective=float(info.objective_function_value),
                      x=np.asarray(sol.col_value), row_value=np.asarray(sol.row_value),
                      row_dual=np.asarray(sol.row_dual), seconds=seconds,
                      gap=0.0 if name == "optimal" else float("nan"))
