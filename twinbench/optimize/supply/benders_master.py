"""The master LP of :mod:`twinbench.optimize.supply.benders`: cuts, trust region, bounds.

The master minimises ``cb' x + sum_w theta_w`` over the purchases ``x`` in their bounds
subject to the optimality cuts ``theta_w - g' x >= Q_w(x^) - g' x^`` (one per scenario
and evaluated point). It lives in one persistent HiGHS instance: cuts are appended
(``addRows``) and deleted (``deleteRows``), and the purchases' bounds are narrowed to a
trust-region box (``changeColsBounds``), all of which keep HiGHS's basis, so each solve is
a warm dual simplex. A numpy copy of the cuts gives the Lagrangian lower bound of a
boxed solve (:meth:`Master.dual_bound`): the master's value inside a box is a bound only
when the box does not bind, the Lagrangian one over the full bounds always is.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["Master"]


def _finite(a: np.ndarray, sign: float, inf: float) -> np.ndarray:
    return np.where(np.isfinite(a), a, sign * inf)


class Master:
    """The Benders master LP over purchases ``x`` (``nb``) and ``theta`` (``n`` scenarios).

    Parameters
    ----------
    cb
        Purchase costs [EUR/unit].
    lo, hi
        Purchase bounds [unit] (``hi`` may be infinite).
    n
        Scenarios (one ``theta`` each).
    """

    def __init__(self, cb: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> None:
        import highspy
        from pyomo.common.tee import capture_output

        self.inf = inf = highspy.kHighsInf
        self.nb, self.n = len(cb), n
        self.cb, self.lo, self.hi = cb, lo, hi
        with capture_output(capture_fd=True):  # HiGHS's banner
            self.h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.addCols(self.nb + n, np.concatenate([cb, np.ones(n)]),
                  np.concatenate([lo, np.full(n, -inf)]),
                  np.concatenate([_finite(hi, 1, inf), np.full(n, inf)]), 0,
                  np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.cols = np.arange(self.nb, dtype=np.int32)
        self.a = np.zeros((0, self.nb))  # the cuts' purchase coefficients
        self.rhs = np.zeros(0)
        self.scen = np.zeros(0, dtype=int)  # the scenario of each cut
        self.idle = np.zeros(0, dtype=int)  # solves each cut has had a zero dual
        self.cuts = 0

    @property
    def rows(self) -> int:
        """Cuts in the master."""
        return len(self.rhs)

    def add_cuts(self, q: np.ndarray, grads: np.ndarray, x: np.ndarray) -> None:
        """One cut per scenario at purchases ``x`` [unit]: values ``q`` [EUR] and
        gradients ``grads`` (scenario, nb) [EUR/unit]."""
        a = np.where(np.abs(grads) > 1e-12, -grads, 0.0)
        rhs = q - grads @ x
        m = sp.csr_matrix(np.hstack([a, np.eye(self.n)]))
        self.h.addRows(self.n, rhs, np.full(self.n, self.inf), m.nnz,
                       m.indptr.astype(np.int32), m.indices.astype(np.int32), m.data)
        self.a = np.vstack([self.a, a])
        self.rhs = np.concatenate([self.rhs, rhs])
        self.scen = np.concatenate([self.scen, np.arange(self.n)])
        self.idle = np.concatenate([self.idle, np.zeros(self.n, dtype=int)])
        self.cuts += self.n

    def solve(self, lo: np.ndarray, hi: np.ndarray) -> tuple[float, np.ndarray,
                                                               np.ndarray]:
        """The master with the purchases in ``[lo, hi]`` [unit] (a box inside the full
        bounds): its value [EUR], purchases [unit] and row duals [1]."""
        self.h.changeColsBounds(self.nb, self.cols, lo, _finite(hi, 1, self.inf))
        self.h.run()
        sol = self.h.getSolution()
        return (float(self.h.getInfo().objective_function_value),
                np.asarray(sol.col_value)[:self.nb], np.asarray(sol.row_dual))

    def dual_bound(self, y: np.ndarray) -> float:
        """Lagrangian lower bound over the full purchase bounds [EUR] from row duals
        ``y`` of any master solve: with ``y >= 0`` scaled to sum to one over each
        scenario's cuts, ``min cb'x + sum theta >= y' rhs + sum_i min(d_i lo_i, d_i
        hi_i)``, ``d = cb - a' y``, for every ``x`` in the bounds satisfying the cuts."""
        y = np.maximum(y, 0.0)
        s = np.bincount(self.scen, weights=y, minlength=self.n)
        if np.any(s <= 0):
            return -np.inf
        y = y / s[self.scen]
        d = self.cb - self.a.T @ y
        with np.errstate(invalid="ignore"):  # 0 * inf where the where() drops it
            at_lo = np.where(d > 0, d * self.lo, 0.0)
            at_hi = np.where(d < 0, d * self.hi, 0.0)
        return float(y @ self.rhs + at_lo.sum() + at_hi.sum())

    def drop_idle(self, y: np.ndarray, after: int) -> None:
        """Delete the cuts whose dual has been zero for more than ``after`` solves in a
        row (``y``: the last solve's row duals); 0 keeps every cut."""
        if after <= 0:
            return
        self.idle = np.where(np.abs(y) > 1e-12, 0, self.idle + 1)
        drop = np.nonzero(self.idle > after)[0]
        if len(drop):
            self.h.deleteRows(len(drop), drop.astype(np.int32))
            keep = np.ones(self.rows, dtype=bool)
            keep[drop] = False
            self.a, self.rhs = self.a[keep], self.rhs[keep]
            self.scen, self.idle = self.scen[keep], self.idle[keep]
