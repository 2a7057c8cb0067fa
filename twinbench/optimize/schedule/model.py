"""The scheduling MIP in Pyomo: a disjunctive flexible job shop.

Items are the operations and the maintenance tasks. Each item has a start variable ``s``
[h, working clock] bounded by a time window ``[est, lst]``; an operation with several
eligible machines has assignment binaries ``x``. For every two items that may share a
machine and whose windows allow either order, a binary ``y`` orders them, with big-M
constraints whose M is computed from the two windows (the tightest valid one); items whose
windows already force an order need nothing. Sequence-dependent setups sit in those
ordering constraints; blocks (machine unavailability) are disjunctions too. Makespan,
weighted tardiness, weighted completion time and energy cost (exact over each
operation's run: piecewise linear in its start, one binary per piece) form the objective. For
makespan, each machine's load plus its smallest head and tail bounds the makespan from
below (valid inequalities that let the solver prove optimality on classic job shops).
Crews (operator slots) and full buffers (a held machine frees at ``r``, not at its end)
are added by :mod:`twinbench.optimize.schedule.model_resources`; neither changes the
windows or the bounds above, which ignore them and stay valid.

Windows come from :func:`time_windows`: heads (releases plus predecessors' shortest
durations) and tails under an upper bound (the heuristic's makespan for makespan
objectives, the horizon otherwise); a neighbourhood ``around`` a reference schedule
restricts them further for large instances.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from twinbench.optimize.schedule.check import MAINT
from twinbench.optimize.schedule.model_resources import add_crews, add_holds, warm_crews
from twinbench.optimize.schedule.problem import ScheduleProblem
from twinbench.optimize.schedule.resources import hold_share

__all__ = ["ModelIndex", "build_model", "makespan_lower_bound", "time_windows", "warm_start"]


@dataclass
class ModelIndex:
    """How the model's index maps back to the problem.

    Attributes
    ----------
    n_ops
        Items ``0..n_ops-1`` are operations, the rest maintenance tasks.
    item_modes
        ``{item: {machine: duration [h]}}``.
    tasks
        Maintenance task names, item ``n_ops + k`` is ``tasks[k]``.
    family
        Family of each item (None for maintenance).
    est, lst
        Time window of each item's start [h].
    """

    n_ops: int
    item_modes: dict[int, dict[str, float]]
    tasks: list[str]
    family: list[str | None]
    est: np.ndarray
    lst: np.ndarray


def _heads_tails(problem: ScheduleProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Earliest starts (heads), least time after each end (tails) and shortest durations
    [h], with lot streaming (:meth:`ScheduleProblem.transfer_share`)."""
    modes = problem.mode_table()
    dmin = np.array([min(modes[o].values()) for o in range(problem.n_ops)])
    dmax = np.array([max(modes[o].values()) for o in range(problem.n_ops)])
    f = problem.transfer_share()
    rel = problem.jobs.loc[problem.ops["job"], "release"].to_numpy(float)
    head = rel.copy()
    nxt = problem.next_op()
    for o in range(problem.n_ops):
        n = nxt[o]
        if n >= 0:
            head[n] = max(head[n], head[o] + dmin[o] * f[o],
                          head[o] + dmin[o] - dmax[n] * (1 - f[o]))
    tail = np.zeros(problem.n_ops)  # work after the operation ends
    for o in range(problem.n_ops - 1, -1, -1):
        n = nxt[o]
        if n >= 0:
            tail[o] = max(tail[n] + dmin[n] * f[o], tail[n] + dmin[n] - dmax[o] * (1 - f[o]))
    return head, tail, dmin


def makespan_lower_bound(problem: ScheduleProblem) -> float:
    """A lower bound of the makespan [h]: the longest job (head + duration + tail) and, for
    operations with a single eligible machine, each machine's smallest head + load +
    smallest tail."""
    head, tail, dmin = _heads_tails(problem)
    lb = float(np.max(head + dmin + tail)) if problem.n_ops else 0.0
    modes = problem.mode_table()
    per: dict[str, list[int]] = {}
    for o in range(problem.n_ops):
        if len(modes[o]) == 1:
            per.setdefault(next(iter(modes[o])), []).append(o)
    for mc, ops in per.items():
        if sum(len(modes[o]) == 1 and mc in modes[o] for o in range(problem.n_ops)) == sum(
                mc in modes[o] for o in range(problem.n_ops)):
            lb = max(lb, min(head[ops]) + float(dmin[ops].sum()) + min(tail[ops]))
    mt = problem.maintenance
    if len(mt):
        lb = max(lb, float((mt["earliest"] + mt["duration"]).max()))
    return lb


def time_windows(problem: ScheduleProblem, ub: float | None = None,
                 around: pd.DataFrame | None = None, radius: float | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Start windows ``[est, lst]`` of every item (operations, then maintenance tasks).

    Parameters
    ----------
    ub
        Every item ends by ``ub`` [h] (default: the problem's horizon).
    around, radius
        Keep each operation within ``radius`` [h] of its start in the schedule ``around``
        (a neighbourhood search; None: the full windows).
    """
    head, tail, dmin = _heads_tails(problem)
    ub = problem.horizon if ub is None else min(ub, problem.horizon)
    mt = problem.maintenance
    est = np.concatenate([head, mt["earliest"].to_numpy(float)])
    lst = np.concatenate([ub - tail - dmin, (np.minimum(mt["deadline"].to_numpy(float), ub)
                                             - mt["duration"].to_numpy(float))])
    if around is not None and radius is not None:
        ops = around[around["job"] != MAINT]
        ref = np.full(problem.n_ops, np.nan)
        ref[ops["op"].astype(int).to_numpy()] = ops["start"].to_numpy(float)
        ok = np.isfinite(ref)
        est[: problem.n_ops][ok] = np.maximum(est[: problem.n_ops][ok], ref[ok] - radius)
        lst[: problem.n_ops][ok] = np.minimum(lst[: problem.n_ops][ok], ref[ok] + radius)
        # keep windows consistent along each job (start lags of the lot streaming)
        nxt = problem.next_op()
        f = problem.transfer_share()
        for o in range(problem.n_ops):
            if nxt[o] >= 0:
                est[nxt[o]] = max(est[nxt[o]], est[o] + dmin[o] * f[o])
        for o in range(problem.n_ops - 1, -1, -1):
            if nxt[o] >= 0:
                lst[o] = min(lst[o], lst[nxt[o]] - dmin[o] * f[o])
    return est, lst


def build_model(problem: ScheduleProblem, weights: Mapping[str, float],
                windows: tuple[np.ndarray, np.ndarray] | None = None,
                ) -> tuple[pyo.ConcreteModel, ModelIndex]:
    """The Pyomo model of ``problem`` with objective ``weights`` (``makespan``,
    ``tardiness``, ``cost``) and start windows (default :func:`time_windows`)."""
    est, lst = windows if windows is not None else time_windows(problem)
    n = problem.n_ops
    mt = problem.maintenance.reset_index(drop=True)
    item_modes = dict(problem.mode_table())
    for k, r in mt.iterrows():
        item_modes[n + k] = {r["machine"]: float(r["duration"])}
    fam_ops = list(problem.family_of_op())
    family: list[str | None] = fam_ops + [None] * len(mt)
    items = list(range(n + len(mt)))
    dmax = {i: max(item_modes[i].values()) for i in items}
    m = pyo.ConcreteModel(name=problem.name)
    m.I = pyo.Set(initialize=items)
    m.s = pyo.Var(m.I, bounds=lambda _m, i: (float(est[i]), float(max(lst[i], est[i]))))
    multi = [(i, mc) for i in range(n) if len(item_modes[i]) > 1 for mc in item_modes[i]]
    m.X = pyo.Set(initialize=multi, dimen=2)
    m.x = pyo.Var(m.X, within=pyo.Binary)
    multi_ops = sorted({i for i, _ in multi})
    m.assign = pyo.Constraint(multi_ops, rule=lambda _m, i: sum(
        _m.x[i, mc] for mc in item_modes[i]) == 1)

    def xv(i: int, mc: str) -> pyo.Var | int:
        """1 when item ``i`` runs on ``mc`` (its binary, or 1 for a single machine)."""
        return m.x[i, mc] if len(item_modes[i]) > 1 else 1

    def dur(i: int) -> pyo.Expression | float:
        """Duration of item ``i`` on the machine it gets [h]."""
        md = item_modes[i]
        if len(md) == 1:
            return next(iter(md.values()))
        return sum(d * m.x[i, mc] for mc, d in md.items())

    m.end = pyo.Expression(m.I, rule=lambda _m, i: _m.s[i] + dur(i))
    # routing precedence and release
    nxt = problem.next_op()
    share = problem.transfer_share()
    with_next = [o for o in range(n) if nxt[o] >= 0]
    m.prec = pyo.Constraint(with_next, rule=lambda _m, o: _m.s[int(nxt[o])] >= _m.s[o] + float(
        share[o]) * dur(o))
    # lot streaming: the last transfer batch still has to go through the next step
    m.prec_end = pyo.Constraint([o for o in with_next if share[o] < 1], rule=lambda _m, o:
                                _m.end[int(nxt[o])] >= _m.end[o] + float(share[o]) * dur(
                                    int(nxt[o])))
    job_of = problem.ops["job"].to_numpy()
    first = [o for o in range(n) if o == 0 or job_of[o] != job_of[o - 1]]
    rel = problem.jobs["release"].to_dict()
    m.release = pyo.Constraint(first, rule=lambda _m, o: _m.s[o] >= float(rel[job_of[o]]))
    # maintenance windows as named constraints (their duals price the deadline)
    m.maint_deadline = pyo.Constraint(range(len(mt)), rule=lambda _m, k: _m.end[n + k]
                                      <= float(mt["deadline"].iat[k]))
    m.maint_earliest = pyo.Constraint(range(len(mt)), rule=lambda _m, k: _m.s[n + k]
                                      >= float(mt["earliest"].iat[k]))
    # machine sequencing
    on_machine: dict[str, list[int]] = {mc: [] for mc in problem.machines}
    for i in items:
        for mc in item_modes[i]:
            on_machine[mc].append(i)
    max_su = {mc: max(problem.setup.get(mc, {}).values(), default=0.0)
              for mc in problem.machines}
    # full buffers: held operations free their machine at r (model_resources)
    r_ub = add_holds(m, problem, est, lst, item_modes, dur)

    def free_ub(i: int, mc: str) -> float:
        """Latest hour item ``i`` can free ``mc`` [h]."""
        return r_ub[i] if i in r_ub else float(lst[i] + item_modes[i][mc])

    def base(i: int, mc: str) -> pyo.Expression:
        """Hour item ``i`` frees ``mc`` when on it [h]."""
        return m.r[i] if i in r_ub else m.s[i] + item_modes[i][mc]

    free, forced = [], []
    for mc, its in on_machine.items():
        its = sorted(its, key=lambda i: est[i])
        for a in range(len(its)):
            i = its[a]
            for b in range(a + 1, len(its)):
                j = its[b]
                if est[j] >= max(lst[i] + dmax[i], r_ub.get(i, 0.0)) + max_su[mc]:
                    break  # this j and every later one start after i can have ended
                i_first = est[i] + item_modes[i][mc] + problem.setup_time(
                    mc, family[i], family[j]) <= lst[j] + 1e-9
                j_first = est[j] + item_modes[j][mc] + problem.setup_time(
                    mc, family[j], family[i]) <= lst[i] + 1e-9
                if i_first != j_first:  # the windows allow one order only
                    forced.append((i, j, mc) if i_first else (j, i, mc))
                else:  # both orders possible (or neither: the solver proves infeasibility)
                    free.append((i, j, mc))
    m.P = pyo.Set(initialize=free, dimen=3)
    m.y = pyo.Var(m.P, within=pyo.Binary)  # 1: i before j on machine mc

    def off(i: int, j: int, mc: str) -> pyo.Expression | int:
        """0 when both items are on ``mc``, >= 1 otherwise."""
        return (1 - xv(i, mc)) + (1 - xv(j, mc))

    def big_m(i: int, j: int, mc: str) -> float:
        """Smallest M that relaxes "j after i" for every start in the windows."""
        return max(0.0, float(free_ub(i, mc) + problem.setup_time(
            mc, family[i], family[j]) - est[j]))

    def after_i(i: int, j: int, mc: str) -> pyo.Expression:
        """Earliest start of ``j`` when it follows ``i`` on ``mc``: ``i`` freed the
        machine (ended, for maintenance: a held machine can be maintained) and the setup
        is done [h]."""
        if j >= n:
            return m.s[i] + item_modes[i][mc]
        return base(i, mc) + problem.setup_time(mc, family[i], family[j])

    m.before = pyo.Constraint(m.P, rule=lambda _m, i, j, mc: _m.s[j] >= after_i(
        i, j, mc) - big_m(i, j, mc) * (1 - _m.y[i, j, mc] + off(i, j, mc)))
    m.after = pyo.Constraint(m.P, rule=lambda _m, i, j, mc: _m.s[i] >= after_i(
        j, i, mc) - big_m(j, i, mc) * (_m.y[i, j, mc] + off(i, j, mc)))
    m.F = pyo.Set(initialize=forced, dimen=3)
    m.forced = pyo.Constraint(m.F, rule=lambda _m, i, j, mc: _m.s[j] >= after_i(
        i, j, mc) - big_m(i, j, mc) * off(i, j, mc))
    add_crews(m, problem, est, lst, item_modes, family, xv, dur)
    # initial setups
    def ready(i: int, mc: str) -> float:
        """Earliest start of item ``i`` as ``mc``'s first job (readiness + setup) [h]."""
        return float(problem.machine_ready.get(mc, 0.0)) + problem.setup_time(
            mc, problem.initial_family.get(mc), family[i])

    init = [(i, mc) for i in items for mc in item_modes[i] if ready(i, mc) > est[i]]
    m.initial_setup = pyo.Constraint(init, rule=lambda _m, i, mc: _m.s[i] >= ready(
        i, mc) * xv(i, mc))
    # blocks
    zi = []
    for b_idx, b in enumerate(problem.blocks.itertuples(index=False)):
        for i in on_machine.get(b.machine, []):
            d = item_modes[i][b.machine]
            if lst[i] + d <= b.start or est[i] >= b.end:
                continue
            zi.append((i, b_idx))
    blocks = problem.blocks.reset_index(drop=True)
    m.Z = pyo.Set(initialize=zi, dimen=2)
    m.z = pyo.Var(m.Z, within=pyo.Binary)  # 1: before the block

    def _block_before(_m: pyo.ConcreteModel, i: int, b: int) -> pyo.Expression:
        """Item ``i`` ends before block ``b`` starts (when ``z`` is 1 and it is on the
        block's machine)."""
        r = blocks.iloc[b]
        d = item_modes[i][r["machine"]]
        big = float(lst[i] + d - r["start"])
        return _m.s[i] + d <= float(r["start"]) + big * (1 - _m.z[i, b] + 1 - xv(i, r["machine"]))

    def _block_after(_m: pyo.ConcreteModel, i: int, b: int) -> pyo.Expression:
        """Item ``i`` starts after block ``b`` ends (when ``z`` is 0 and it is on the
        block's machine)."""
        r = blocks.iloc[b]
        big = float(r["end"] - est[i])
        return _m.s[i] >= float(r["end"]) - big * (_m.z[i, b] + 1 - xv(i, r["machine"]))

    m.block_before = pyo.Constraint(m.Z, rule=_block_before)
    m.block_after = pyo.Constraint(m.Z, rule=_block_after)
    # objective parts
    last = [o for o in range(n) if nxt[o] < 0]
    ub = float(max(lst[i] + dmax[i] for i in items)) if items else 0.0
    m.cmax = pyo.Var(bounds=(0, ub))
    m.makespan = pyo.Constraint(last + list(range(n, n + len(mt))),
                                rule=lambda _m, i: _m.cmax >= _m.end[i])
    jobs_last = {problem.ops["job"].iat[o]: o for o in last}
    m.J = pyo.Set(initialize=list(jobs_last))
    m.tard = pyo.Var(m.J, bounds=(0, None))
    m.due = pyo.Constraint(m.J, rule=lambda _m, j: _m.tard[j] >= _m.end[jobs_last[j]] - float(
        problem.jobs.at[j, "due"]))
    dl = problem.deadlines().dropna()
    m.D = pyo.Set(initialize=[j for j in dl.index if j in jobs_last])
    m.deadline = pyo.Constraint(m.D, rule=lambda _m, j: _m.end[jobs_last[j]] <= float(dl[j]))
    w_mk = float(weights.get("makespan", 0.0))
    w_td = float(weights.get("tardiness", 0.0))
    w_fl = float(weights.get("flow", 0.0))
    w_c = float(weights.get("cost", 0.0))
    if w_mk > 0:  # machine-load lower bounds: smallest head + load + smallest tail
        head, tail, _ = _heads_tails(problem)
        head = np.concatenate([head, mt["earliest"].to_numpy(float)])
        tail = np.concatenate([tail, np.zeros(len(mt))])
        cuts = [(mc, min(head[i] for i in its), min(tail[i] for i in its))
                for mc, its in on_machine.items() if its]
        m.load_bound = pyo.Constraint(range(len(cuts)), rule=lambda _m, k: _m.cmax >= cuts[k][
            1] + cuts[k][2] + sum(item_modes[i][cuts[k][0]] * xv(i, cuts[k][0])
                                  for i in on_machine[cuts[k][0]]))
    energy = 0.0
    if w_c > 0 and len(problem.tariff):
        m.energy_cost = _energy_cost(m, problem, item_modes, est, lst, n)
        energy = m.energy_cost
    wj = {j: float(problem.jobs.at[j, "weight"]) for j in m.J}
    m.obj = pyo.Objective(expr=w_mk * m.cmax
                          + sum(wj[j] * (w_td * m.tard[j] + w_fl * m.end[jobs_last[j]])
                                for j in m.J) + w_c * energy)
    return m, ModelIndex(n, item_modes, list(mt["task"]), family, est, lst)


def tariff_integral(problem: ScheduleProblem) -> tuple[np.ndarray, Callable]:
    """The tariff's breakpoints [h, working clock] and ``F(t)``, its integral from the first
    breakpoint [EUR/kWh x h] (the first and last prices extend beyond the tariff)."""
    a = problem.tariff["start"].to_numpy(float)
    b = problem.tariff["end"].to_numpy(float)
    price = problem.tariff["price"].to_numpy(float)
    knots = np.concatenate([a, b[-1:]])
    cum = np.concatenate([[0.0], np.cumsum((b - a) * price)])

    def integral(t: np.ndarray) -> np.ndarray:
        """``F(t)`` [EUR/kWh x h] at working-clock hours ``t`` [h]."""
        return (np.interp(t, knots, cum) + np.minimum(t - knots[0], 0.0) * price[0]
                + np.maximum(t - knots[-1], 0.0) * price[-1])

    return knots, integral


def energy_pieces(knots: np.ndarray, integral: Callable, duration: float, kwh: float,
                  lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact energy cost of an operation as a piecewise-linear function of its start.

    An operation of ``duration`` [h] drawing ``kwh / duration`` [kW] that starts at ``s``
    costs ``kwh / duration x (F(s + duration) - F(s))`` [EUR], ``knots`` and ``F`` from
    :func:`tariff_integral`. That is linear between the tariff's breakpoints and the
    breakpoints minus ``duration``.

    Returns
    -------
    points, cost
        Breakpoints in ``[lo, hi]`` [h, working clock], at least two (``[lo, lo]`` when the
        start is fixed), and the cost at each [EUR].
    """
    inner = np.concatenate([knots, knots - duration])
    points = np.unique(np.concatenate([[lo, hi], inner[(inner > lo) & (inner < hi)]]))
    if len(points) == 1:
        points = np.repeat(points, 2)
    rate = kwh / duration if duration > 0 else 0.0
    return points, rate * (integral(points + duration) - integral(points))


def _energy_cost(m: pyo.ConcreteModel, problem: ScheduleProblem,
                 item_modes: list[dict[str, float]], est: np.ndarray, lst: np.ndarray,
                 n: int) -> pyo.Expression:
    """Energy cost of the operations, exact over each operation's run (:func:`energy_pieces`).

    Each operation's start falls in one piece ``[p_k, p_k+1]`` (binary ``u``; ``sigma`` is
    the start when in that piece, else 0) where its cost is linear. An operation whose
    machines differ in duration or power is priced with their means.
    """
    power = problem.power_table()
    knots, integral = tariff_integral(problem)
    pieces: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for o in range(n):
        dur = float(np.mean(list(item_modes[o].values())))
        kwh = float(np.mean([power[(o, mc)] * d for mc, d in item_modes[o].items()]))
        if kwh > 0:
            pieces[o] = energy_pieces(knots, integral, dur, kwh, float(est[o]), float(lst[o]))
    ui = [(o, k) for o, (pts, _) in pieces.items() for k in range(len(pts) - 1)]
    m.energy_points = {o: pts for o, (pts, _) in pieces.items()}  # for warm_start
    m.U = pyo.Set(initialize=ui, dimen=2)
    m.u = pyo.Var(m.U, within=pyo.Binary)
    m.sigma = pyo.Var(m.U, within=pyo.NonNegativeReals)
    m.one_piece = pyo.Constraint(list(pieces), rule=lambda _m, o: sum(
        _m.u[o, k] for k in range(len(pieces[o][0]) - 1)) == 1)
    m.piece_lo = pyo.Constraint(m.U, rule=lambda _m, o, k: _m.sigma[o, k] >= float(
        pieces[o][0][k]) * _m.u[o, k])
    m.piece_hi = pyo.Constraint(m.U, rule=lambda _m, o, k: _m.sigma[o, k] <= float(
        pieces[o][0][k + 1]) * _m.u[o, k])
    m.piece_start = pyo.Constraint(list(pieces), rule=lambda _m, o: _m.s[o] == sum(
        _m.sigma[o, k] for k in range(len(pieces[o][0]) - 1)))

    def cost(o: int, k: int) -> pyo.Expression:
        """Cost of operation ``o`` if its start falls in piece ``k`` [EUR]."""
        pts, c = pieces[o]
        width = pts[k + 1] - pts[k]
        slope = (c[k + 1] - c[k]) / width if width > 0 else 0.0
        return float(c[k] - slope * pts[k]) * m.u[o, k] + float(slope) * m.sigma[o, k]

    return pyo.Expression(expr=sum(cost(o, k) for o, k in ui))


def warm_start(m: pyo.ConcreteModel, idx: ModelIndex, problem: ScheduleProblem,
               table: pd.DataFrame) -> None:
    """Load a feasible schedule ``table`` into the model's variables (a MIP start)."""
    start: dict[int, float] = {}
    mach: dict[int, str] = {}
    for r in table.itertuples(index=False):
        i = idx.n_ops + idx.tasks.index(r.op) if r.job == MAINT else int(r.op)
        start[i], mach[i] = float(r.start), r.machine
    for i in m.I:
        m.s[i].set_value(min(max(start[i], m.s[i].lb), m.s[i].ub), skip_validation=True)
    for i, mc in m.X:
        m.x[i, mc].set_value(1 if mach[i] == mc else 0)
    for i, j, mc in m.P:
        m.y[i, j, mc].set_value(1 if start[i] <= start[j] else 0)
    blocks = problem.blocks.reset_index(drop=True)
    for i, b in m.Z:
        m.z[i, b].set_value(1 if start[i] < float(blocks.at[b, "end"]) else 0)
    end = {i: start[i] + idx.item_modes[i][mach[i]] for i in start}
    m.cmax.set_value(max(end.values()))
    nxt_op, hold = problem.next_op(), hold_share(problem)
    for o in m.H:
        n = int(nxt_op[o])
        m.r[o].set_value(max(end[o], start[n] + hold[o] * (end[n] - start[n])),
                         skip_validation=True)
    warm_crews(m, start, end)
    nxt = problem.next_op()
    for o in range(idx.n_ops):
        if nxt[o] < 0:
            j = problem.ops["job"].iat[o]
            m.tard[j].set_value(max(0.0, end[o] - float(problem.jobs.at[j, "due"])))
    if hasattr(m, "u"):
        for o, pts in m.energy_points.items():
            s_o = float(m.s[o].value)
            kk = int(np.clip(np.searchsorted(pts, s_o, side="right") - 1, 0, len(pts) - 2))
            for k in range(len(pts) - 1):
                m.u[o, k].set_value(1 if k == kk else 0)
                m.sigma[o, k].set_value(s_o if k == kk else 0.0)
