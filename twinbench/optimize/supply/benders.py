"""The stochastic supply LP by Benders decomposition (the L-shaped method, multi-cut).

The extensive form of :mod:`twinbench.optimize.supply.matrix` is block-angular: the
first-stage purchases ``buy`` (offers x periods) couple one block ``A0`` per scenario
through that scenario's arrival rows, ``B_w buy``. Given the purchases, the scenarios fall
apart into small LPs (one world's production, stock, deliveries and shortages). The
L-shaped method (Van Slyke and Wets 1969; Birge and Louveaux, *Introduction to Stochastic
Programming*, ch. 5) alternates a master LP over the purchases, with one variable
``theta_w`` per scenario bounded below by cuts, and the scenario LPs at the master's
purchases, whose row duals ``pi_w`` give the cut ``theta_w >= Q_w(x^) - pi_w' B_w (x -
x^)``. Each scenario LP lives in its own persistent HiGHS instance and is re-solved by
dual simplex from its last basis, so only the arrival rows' bounds change per iteration.

Stabilisation: the first purchases evaluated are the optimum of the expected-value
problem (one LP over the probability-weighted scenario block, a much better start than
buying nothing); cuts are then taken at a point between the master's solution and the
best purchases so far (in-out separation, Ben-Ameur and Neto 2007, weight ``alpha``); the
master's value is a valid lower bound, the best evaluated purchases an upper bound, and
the method stops when they are within ``tol`` (relative). Cuts with a zero dual in the
master for ``drop_after`` iterations in a row are deleted (the cuts are dense in the
purchases: a master with every cut spent as long as all scenario LPs together). The
recourse must be complete (every purchase plan has a feasible second stage): true for
backorders and lost sales, not for ``shortage="none"``, for which
:func:`solve_supply_benders` refuses.

The result is an :class:`~twinbench.optimize.supply.matrix.LPSolution` of the extensive
form (columns, row activities and duals of the scenario LPs at the final purchases), so
the plan is read exactly as the extensive form's.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from twinbench.optimize.supply.benders_master import Master
from twinbench.optimize.supply.matrix import LPSolution, SupplyLP

__all__ = ["NotDecomposable", "solve_supply_benders"]


class NotDecomposable(ValueError):
    """The LP has no complete recourse (a scenario LP can be infeasible)."""


def _finite(a: np.ndarray, sign: float, inf: float) -> np.ndarray:
    return np.where(np.isfinite(a), a, sign * inf)


class _Scenarios:
    """One persistent HiGHS LP per scenario (the block ``A0`` with that scenario's costs
    and bounds), re-solved at given purchases."""

    def __init__(self, lp: SupplyLP, threads: int) -> None:
        import highspy
        from pyomo.common.tee import capture_output

        self.inf = inf = highspy.kHighsInf
        nb, nl, nr = lp.sizes["n_buy"], lp.sizes["n_loc"], lp.sizes["n_row_loc"]
        self.nb, self.nl, self.nr = nb, nl, nr
        A = lp.A.tocsr()
        self.n = (A.shape[1] - nb) // nl
        A0 = A[:nr, nb:nb + nl].tocsc()
        self.subs, self.B, self.rows, self.lo, self.hi = [], [], [], [], []
        for w in range(self.n):
            r = slice(w * nr, (w + 1) * nr)
            c = slice(nb + w * nl, nb + (w + 1) * nl)
            Bw = A[r, :nb].tocsr()
            if (A[r, nb:][:, :w * nl].nnz or A[r, nb + (w + 1) * nl:].nnz
                    or (A[r, c] != A0).nnz):
                raise NotDecomposable("the scenario blocks are not block-angular")
            rows = np.unique(Bw.nonzero()[0]).astype(np.int32)
            with capture_output(capture_fd=True):  # HiGHS's banner
                h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("solver", "simplex")
            h.setOptionValue("presolve", "off")
            m = highspy.HighsLp()
            m.num_col_, m.num_row_ = nl, nr
            m.col_cost_ = lp.c[c]
            m.col_lower_ = _finite(lp.col_lower[c], -1, inf)
            m.col_upper_ = _finite(lp.col_upper[c], 1, inf)
            m.row_lower_ = _finite(lp.row_lower[r], -1, inf)
            m.row_upper_ = _finite(lp.row_upper[r], 1, inf)
            m.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            m.a_matrix_.start_, m.a_matrix_.index_ = A0.indptr, A0.indices
            m.a_matrix_.value_ = A0.data
            m.a_matrix_.num_col_, m.a_matrix_.num_row_ = nl, nr
            h.passModel(m)
            self.subs.append(h)
            self.B.append(Bw[rows])
            self.rows.append(rows)
            self.lo.append(lp.row_lower[r][rows])
            self.hi.append(lp.row_upper[r][rows])
        blocks = lp.c[nb:].reshape(self.n, nl)
        self.c_ref = blocks.sum(0)  # the local costs for probability one
        self.pool = ThreadPoolExecutor(max(1, threads)) if threads > 1 else None

    def expected_value_purchases(self, lp: SupplyLP, lo: np.ndarray,
                                 hi: np.ndarray) -> np.ndarray:
        """Optimal purchases of the expected-value problem [unit]: one scenario block with
        the probability-weighted coupling rows and right-hand sides."""
        import highspy
        from pyomo.common.tee import capture_output

        nb, nl, nr, inf = self.nb, self.nl, self.nr, self.inf
        A = lp.A.tocsr()
        pw = np.array([float(lp.c[nb + w * nl:nb + (w + 1) * nl] @ self.c_ref)
                       for w in range(self.n)]) / float(self.c_ref @ self.c_ref)
        pw = pw / pw.sum() if pw.sum() > 0 else np.full(self.n, 1.0 / self.n)
        Bm = sum(pw[w] * A[w * nr:(w + 1) * nr, :nb] for w in range(self.n))
        M = sp.hstack([Bm, A[:nr, nb:nb + nl]], format="csc")
        RL = lp.row_lower.reshape(self.n, nr)
        RU = lp.row_upper.reshape(self.n, nr)
        rl = np.where(np.isfinite(RL[0]), pw @ np.where(np.isfinite(RL), RL, 0.0), -inf)
        ru = np.where(np.isfinite(RU[0]), pw @ np.where(np.isfinite(RU), RU, 0.0), inf)
        with capture_output(capture_fd=True):
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        m = highspy.HighsLp()
        m.num_col_, m.num_row_ = nb + nl, nr
        m.col_cost_ = np.concatenate([lp.c[:nb], self.c_ref])
        m.col_lower_ = _finite(np.concatenate([lo, lp.col_lower[nb:nb + nl]]), -1, inf)
        m.col_upper_ = _finite(np.concatenate([hi, lp.col_upper[nb:nb + nl]]), 1, inf)
        m.row_lower_, m.row_upper_ = rl, ru
        m.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        m.a_matrix_.start_, m.a_matrix_.index_ = M.indptr, M.indices
        m.a_matrix_.value_ = M.data
        m.a_matrix_.num_col_, m.a_matrix_.num_row_ = nb + nl, nr
        h.passModel(m)
        h.run()
        if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
            return np.clip(np.zeros(nb), lo, hi)
        return np.clip(np.asarray(h.getSolution().col_value)[:nb], lo, hi)

    def _one(self, w: int, x: np.ndarray) -> tuple[str, float, np.ndarray, np.ndarray,
                                                    np.ndarray, np.ndarray]:
        h, bx = self.subs[w], self.B[w] @ x
        h.changeRowsBounds(len(self.rows[w]), self.rows[w], _finite(self.lo[w] - bx, -1,
                                                                     self.inf),
                           _finite(self.hi[w] - bx, 1, self.inf))
        h.run()
        status = str(h.getModelStatus()).split(".")[-1]
        sol = h.getSolution()
        dual = np.asarray(sol.row_dual)
        grad = -(self.B[w].T @ dual[self.rows[w]])
        return (status, float(h.getInfo().objective_function_value), grad,
                np.asarray(sol.col_value), np.asarray(sol.row_value), dual)

    def evaluate(self, x: np.ndarray) -> list[tuple]:
        """Every scenario LP at purchases ``x``: (status, value [EUR], gradient, columns,
        row activities, row duals)."""
        run = (self.pool.map if self.pool is not None else map)
        out = list(run(lambda w: self._one(w, x), range(self.n)))
        bad = [w for w, o in enumerate(out) if o[0] != "kOptimal"]
        if bad:
            raise NotDecomposable(f"scenario LP {bad[0]} ended {out[bad[0]][0]} at the "
                                  "master's purchases: the recourse is not complete")
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _box_scale(x: np.ndarray, hi: np.ndarray, n_t: int) -> np.ndarray:
    """Per-purchase scale of the trust region [unit]: the offer's largest purchase in
    ``x``, else a tenth of its largest finite upper bound, at least 1."""
    if n_t <= 0 or len(x) % n_t:
        return np.maximum(np.abs(x), 1.0)
    per = np.abs(x).reshape(-1, n_t).max(1)
    h = np.where(np.isfinite(hi), hi, 0.0).reshape(-1, n_t).max(1)
    s = np.where(per > 0, per, 0.1 * h)
    return np.repeat(np.maximum(s, 1.0), n_t)


def solve_supply_benders(lp: SupplyLP, time_limit: float | None = None, tol: float = 1e-6,
                         alpha: float = 0.5, threads: int = 2,
                         max_iterations: int = 500, drop_after: int = 3,
                         start: str = "expected", stabilise: str = "trust",
                         radius: float = 0.05) -> tuple[LPSolution, dict]:
    """Solve the extensive form ``lp`` by multi-cut Benders decomposition.

    Parameters
    ----------
    lp
        The supply LP (:func:`~twinbench.optimize.supply.matrix.build_supply_lp`).
    time_limit
        Wall-clock limit [s]; on reaching it the best purchases so far are returned with
        status ``maxTimeLimit`` and their gap.
    tol
        Relative gap (upper - lower bound) / |upper| at which the plan is optimal [1].
    alpha
        With ``stabilise="inout"``: weight of the master's solution in the separation
        point (1: plain L-shaped) [1].
    threads
        Threads solving the scenario LPs.
    max_iterations
        Master iterations before stopping with status ``maxIterations``.
    drop_after
        Master iterations a cut may stay inactive (zero dual) before it is deleted; 0
        keeps every cut [1].
    start
        First purchases evaluated: ``"expected"`` (optimum of the expected-value problem)
        or ``"zero"`` (the lower bounds).
    stabilise
        ``"trust"``: the master is solved in an L-infinity box around the best
        purchases (trust region, Linderoth and Wright 2003); ``"inout"``: the master
        unboxed, cuts taken between its solution and the best purchases (weight
        ``alpha``).
    radius
        With ``"trust"``: the box's initial half-width as a fraction of each offer's
        largest purchase in the start [1].

    Returns
    -------
    LPSolution, dict
        The solution of the extensive form and the run's figures (``iterations``,
        ``lower_bound``, ``upper_bound`` [EUR], ``gap`` [1], ``cuts`` added,
        ``master_rows`` at the end, ``master_solves``, ``serious_steps`` (trust region
        moved), ``radius`` at the end [1], and seconds: ``setup_seconds`` (scenario LPs
        built), ``start_seconds`` (expected-value LP), ``subproblem_seconds``,
        ``master_seconds``; ``history``: the relative gap after each iteration [1]).

    Raises
    ------
    NotDecomposable
        A scenario LP is infeasible at some purchases (no complete recourse, e.g.
        ``shortage="none"``): solve the extensive form instead.
    """
    if start not in ("expected", "zero"):
        raise ValueError(f"unknown start {start!r}; allowed: ('expected', 'zero')")
    if stabilise not in ("trust", "inout"):
        raise ValueError(f"unknown stabilise {stabilise!r}; allowed: ('trust', 'inout')")
    t0 = time.perf_counter()
    nb = lp.sizes["n_buy"]
    subs = _Scenarios(lp, threads)
    setup_s = time.perf_counter() - t0
    lo, hi, cb = lp.col_lower[:nb].copy(), lp.col_upper[:nb].copy(), lp.c[:nb]
    fixed = bool(np.all(hi - lo <= 0))
    t_start = t_sub = t_master = 0.0
    history: list[float] = []
    trust = stabilise == "trust"
    try:
        mp = Master(cb, lo, hi, subs.n)
        if fixed:
            x = lo.copy()
        elif start == "expected":
            ts = time.perf_counter()
            x = subs.expected_value_purchases(lp, lo, hi)
            t_start = time.perf_counter() - ts
        else:
            x = np.clip(np.zeros(nb), lo, hi)
        scale, delta = _box_scale(x, hi, lp.sizes.get("nT", 0)), radius
        best, best_x, best_out, lower = np.inf, x, None, -np.inf
        it, solves, serious, status = 0, 0, 0, "optimal"
        pred, kelley, nulls, centre = np.inf, True, 0, x
        while True:
            ts = time.perf_counter()
            out = subs.evaluate(x)
            t_sub += time.perf_counter() - ts
            value = float(cb @ x) + sum(o[1] for o in out)
            previous = best
            if value < best:
                best, best_x, best_out = value, x.copy(), out
            if fixed:
                lower = best
                break
            mp.add_cuts(np.array([o[1] for o in out]), np.array([o[2] for o in out]), x)
            if trust and not kelley:  # ratio of actual to predicted decrease
                drop = previous - value
                if drop >= 1e-4 * pred:  # a serious step: the box moves there
                    serious, nulls = serious + 1, 0
                    if drop >= 0.5 * pred and np.max(np.abs(x - centre) / scale) >= (
                            0.99 * delta):
                        delta = min(2.0 * delta, 1e3)
                else:  # a null step: shrink the box when the model was far off
                    rho = -drop / max(pred, 1e-12)
                    nulls += rho > 0
                    if rho > 3 or (nulls >= 3 and 1 < rho <= 3):
                        delta, nulls = delta / min(max(rho, 1.0), 4.0), 0
            ts = time.perf_counter()
            centre, kelley = best_x, not trust
            if trust:
                mval, xm, y = mp.solve(np.maximum(lo, centre - delta * scale),
                                       np.minimum(hi, centre + delta * scale))
                lower = max(lower, min(mval, mp.dual_bound(y)))
                pred = best - mval
                if pred <= tol * max(abs(best), 1.0) < best - lower:
                    # the box model is spent: the unboxed master's value bounds, and
                    # its solution is the next point (a plain cutting-plane step)
                    mval, xm, y = mp.solve(lo, hi)
                    lower, kelley, solves = max(lower, mval), True, solves + 1
            else:
                mval, xm, y = mp.solve(lo, hi)
                lower = max(lower, mval)
            solves += 1
            t_master += time.perf_counter() - ts
            it += 1
            history.append(max(0.0, (best - lower) / max(abs(best), 1.0)))
            if (best - lower) <= tol * max(abs(best), 1.0):
                break
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                status = "maxTimeLimit"
                break
            if it >= max_iterations:
                status = "maxIterations"
                break
            mp.drop_idle(y, drop_after)  # inactive cuts out: the bounds stay valid
            if trust:
                x = np.clip(xm, lo, hi)
            else:
                x = np.clip(alpha * xm + (1 - alpha) * best_x, lo, hi)
                if np.allclose(x, best_x, atol=1e-9, rtol=0):  # the point stalls
                    x = xm
        master_rows = mp.rows
    finally:
        subs.close()
    cols = np.concatenate([best_x, *[o[3] for o in best_out]])
    sol = LPSolution(status=status, has_solution=True, objective=best + lp.offset, x=cols,
                     row_value=np.concatenate([o[4] for o in best_out]),
                     row_dual=np.concatenate([o[5] for o in best_out]),
                     seconds=time.perf_counter() - t0,
                     gap=max(0.0, (best - lower) / max(abs(best), 1.0)))
    figures = {"iterations": it, "lower_bound": lower + lp.offset,
               "upper_bound": best + lp.offset, "gap": sol.gap, "tol": tol,
               "cuts": mp.cuts, "master_rows": master_rows, "master_solves": solves,
               "serious_steps": serious, "radius": delta, "stabilise": stabilise,
               "scenario_lps": subs.n,
               "setup_seconds": round(setup_s, 3), "start_seconds": round(t_start, 3),
               "subproblem_seconds": round(t_sub, 3), "master_seconds": round(t_master, 3),
               "history": history}
    return sol, figures
