"""The compiled event loop of the line simulation (numba).

Everything is flat numpy arrays, handed in as one
:class:`~twinbench.twin.sim_inputs.SimInputs` (built by
:func:`~twinbench.twin.sim_inputs.build_inputs`); :mod:`twinbench.twin.simulation` reads
the results. Time is **working time** [h]: the shift calendar is compressed so that only
working hours exist (work stops at a shift's end and resumes at the next shift's start);
the caller maps wall-clock times in and out.

Per replication: units are released order by order, queue at their first station, are
picked by a dispatching rule (or by the replayed schedule) on the first free machine,
set up when the product family changes, processed for a time drawn from the step's
distribution (fixed, gamma, lognormal, normal redrawn until positive, or exponential; each
with the step's mean and cv), and move to the next station's buffer, or stay on the machine
(blocking) while that buffer is full. Failures strike during busy time with a constant
hazard (exponential time to failure in busy hours); the repair time is gamma; the
operation resumes afterwards. Planned-maintenance windows stop a machine; an operation
that meets one resumes after it. A unit is scrapped at the end of its route with the
product's scrap rate. A machine of a crew's stations starts (a setup or a unit) only when
an operator of the crew is free (rules: :mod:`twinbench.twin.sim_crews`).
"""

# Inside numba, each replication reseeds numba's own generator (np.random.seed) with the
# replication's seed from a SeedSequence spawn: the legacy calls are numba's RNG API here.
# ruff: noqa: NPY002

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from twinbench.twin import sim_crews as cr
from twinbench.twin import sim_heap
from twinbench.twin.sim_cache import refresh_cache
from twinbench.twin.sim_heap import heap_pop, heap_push

if TYPE_CHECKING:
    from twinbench.twin.sim_types import SimInputs

# dispatching rules
FIFO, EDD, SPT, SCHEDULE = 0, 1, 2, 3
# processing-time distributions (codes of ``ProcessingTime.dist``)
FIXED, GAMMA, LOGNORMAL, NORMAL, EXPONENTIAL = 0, 1, 2, 3, 4
DISTS = {"fixed": FIXED, "gamma": GAMMA, "lognormal": LOGNORMAL, "normal": NORMAL,
         "exponential": EXPONENTIAL}
BIG = 1e18


@njit(cache=True)
def _draw(mean: float, cv: float, dist: int) -> float:
    """One positive time with this mean and coefficient of variation."""
    if dist == EXPONENTIAL:
        return np.random.exponential(mean)
    if cv <= 0.0 or dist == FIXED:
        return mean
    if dist == LOGNORMAL:
        s2 = np.log(1.0 + cv * cv)
        return np.exp(np.random.normal(np.log(mean) - 0.5 * s2, np.sqrt(s2)))
    if dist == NORMAL:
        while True:  # truncated at zero by redrawing
            x = np.random.normal(mean, cv * mean)
            if x > 0.0:
                return x
    k = 1.0 / (cv * cv)
    return np.random.gamma(k, mean / k)


@njit(cache=True)
def _clip(a, b, lo, hi):
    x = min(b, hi) - max(a, lo)
    return x if x > 0 else 0.0


@njit(cache=True)
def _time_to_failure(hazard: float) -> float:
    """Busy hours to the next failure at a constant ``hazard`` [1/h] (never when 0)."""
    return np.random.exponential(1.0 / hazard) if hazard > 0 else BIG


@njit(cache=True)
def _run_work(t: float, work: float, m: int, mw_start, mw_end, mw_first, mw_count, m_ttf,
              haz, rep_mean, rep_cv, n_fail, rep: int) -> tuple[float, float]:
    """Run ``work`` hours of machine ``m`` from ``t``: paused by its maintenance windows,
    interrupted by failures (each repaired, then resumed). Returns the end [h] and the
    repair hours; ``m_ttf`` and ``n_fail`` are updated."""
    remaining = work
    c = t
    dn = 0.0
    w = mw_first[m]
    wend = mw_first[m] + mw_count[m]
    while remaining > 1e-12:
        while w < wend and mw_end[w] <= c:
            w += 1
        if w < wend and mw_start[w] <= c:
            c = mw_end[w]
            continue
        nxt = mw_start[w] if w < wend else BIG
        run_to = min(remaining, m_ttf[m], nxt - c)
        c += run_to
        remaining -= run_to
        m_ttf[m] -= run_to
        if m_ttf[m] <= 1e-12 and remaining > 1e-12:
            d = _draw(rep_mean[m], rep_cv[m], GAMMA)
            dn += d
            c += d
            n_fail[rep, m] += 1
            m_ttf[m] = _time_to_failure(haz[m])
    return c, dn


@njit(cache=True)
def _n_idle(m_state, first: int, count: int) -> int:
    """Idle machines among ``first .. first + count - 1``."""
    n = 0
    for m in range(first, first + count):
        if m_state[m] == 0:
            n += 1
    return n


@njit(cache=True)
def _count_wip(wip_area, wip_bins, rep: int, in_sys: int, t_from: float, t_to: float,
               warmup: float, n_bins: int) -> None:
    """Add ``in_sys`` units in the line from ``t_from`` to ``t_to`` [h] to the WIP area of
    the statistics window and to the working-hour bins of replication ``rep``."""
    a = max(t_from, warmup)
    if t_to > a:
        wip_area[rep] += in_sys * (t_to - a)
    b = int(t_from)
    while b < n_bins and b < t_to:
        wip_bins[rep, b] += in_sys * _clip(t_from, t_to, float(b), float(b + 1))
        b += 1


@njit(cache=True)
def run(inp: SimInputs):
    """Run every replication of ``inp``; see :func:`twinbench.twin.simulation.simulate`."""
    seeds, horizon, warmup, rule = inp.seeds, inp.horizon, inp.warmup, inp.rule
    n_bins, log_rep, log_cap = inp.n_bins, inp.log_rep, inp.log_cap
    st_first, st_count, buf_cap = inp.st_first, inp.st_count, inp.buf_cap
    mach_station, setup, fam_of_prod = inp.mach_station, inp.setup, inp.fam_of_prod
    r_station, r_mean, r_cv, r_dist = inp.r_station, inp.r_mean, inp.r_cv, inp.r_dist
    r_len, prod_scrap = inp.r_len, inp.prod_scrap
    o_prod, o_qty, o_release = inp.o_prod, inp.o_qty, inp.o_release
    o_due_w, o_first_unit = inp.o_due_w, inp.o_first_unit
    haz, rep_mean, rep_cv = inp.haz, inp.rep_mean, inp.rep_cv
    mw_start, mw_end, mw_first, mw_count = inp.mw_start, inp.mw_end, inp.mw_first, inp.mw_count
    lot_m, lot_pos, lot_t = inp.lot_m, inp.lot_pos, inp.lot_t
    st_crew, cr_duty0, cw_time, cw_crew, cw_val = (inp.st_crew, inp.cr_duty0, inp.cw_time,
                                                   inp.cw_crew, inp.cw_val)
    n_rep = seeds.shape[0]
    n_st = st_first.shape[0]
    n_m = mach_station.shape[0]
    n_o = o_prod.shape[0]
    n_u = int(o_qty.sum())
    span = horizon - warmup
    # outputs
    busy = np.zeros((n_rep, n_m))
    setup_t = np.zeros((n_rep, n_m))
    down_t = np.zeros((n_rep, n_m))
    maint_t = np.zeros((n_rep, n_m))
    blocked_t = np.zeros((n_rep, n_m))
    ideal_t = np.zeros((n_rep, n_m))
    n_fail = np.zeros((n_rep, n_m), dtype=np.int64)
    n_crew = cr_duty0.shape[0]  # crews (sim_crews): operators busy, on duty; waits
    op_busy = np.zeros((n_rep, n_crew))
    op_wait = np.zeros((n_rep, n_m))
    op_over = np.zeros((n_rep, n_crew))  # operator hours busy beyond the roster
    c_busy = np.zeros(n_crew, dtype=np.int64)
    c_duty = np.zeros(n_crew, dtype=np.int64)
    m_wprio = np.full(n_m, -1.0)  # since when the machine waits for an operator, -1 not
    m_wsince = np.zeros(n_m)  # start of its wait not yet counted
    busy_bins = np.zeros((n_rep, n_st, n_bins))
    active_bins = np.zeros((n_rep, n_st, n_bins))
    wip_bins = np.zeros((n_rep, n_bins))
    started = np.zeros(n_rep, dtype=np.int64)
    good = np.zeros((n_rep, prod_scrap.shape[0]), dtype=np.int64)
    scrapped = np.zeros(n_rep, dtype=np.int64)
    good_w = np.zeros(n_rep, dtype=np.int64)  # good units out within the window
    wip_end = np.zeros(n_rep, dtype=np.int64)
    wip_area = np.zeros(n_rep)
    flow_sum = np.zeros(n_rep)
    flow_n = np.zeros(n_rep, dtype=np.int64)
    sys_time_in_window = np.zeros(n_rep)
    o_done = np.full((n_rep, n_o), np.nan)
    o_left = np.zeros(n_o, dtype=np.int64)
    # event log of one replication
    lg_unit = np.full(log_cap, -1, dtype=np.int64)
    lg_step = np.zeros(log_cap, dtype=np.int64)
    lg_mach = np.zeros(log_cap, dtype=np.int64)
    lg_start = np.zeros(log_cap)
    lg_setup = np.zeros(log_cap)
    lg_end = np.zeros(log_cap)
    lg_down = np.zeros(log_cap)
    n_log = 0

    u_order = np.empty(n_u, dtype=np.int64)
    for o in range(n_o):
        for k in range(o_qty[o]):
            u_order[o_first_unit[o] + k] = o
    u_step = np.zeros(n_u, dtype=np.int64)
    u_arr = np.zeros(n_u)
    u_rel = np.zeros(n_u)
    u_in = np.zeros(n_u, dtype=np.bool_)  # released and not yet out
    touched = np.zeros(n_st, dtype=np.bool_)
    m_wake = np.full(n_m, -1.0)
    q = np.empty((n_st, n_u), dtype=np.int64)
    q_n = np.zeros(n_st, dtype=np.int64)
    q_h = np.zeros(n_st, dtype=np.int64)  # ring buffers: element i at (q_h + i) % n_u
    blk = np.empty((n_st, n_m), dtype=np.int64)  # machines blocked waiting for station s
    blk_n = np.zeros(n_st, dtype=np.int64)
    m_unit = np.full(n_m, -1, dtype=np.int64)
    m_state = np.zeros(n_m, dtype=np.int64)  # 0 idle, 1 busy, 2 blocked, 3 setting up
    m_fam = np.full(n_m, -1, dtype=np.int64)
    m_lot = np.full(n_m, -1, dtype=np.int64)  # schedule replay: lot (order, step) in hand
    m_lot_k = np.full(n_m, -1, dtype=np.int64)
    lot_cnt = np.zeros(lot_m.shape, dtype=np.int64)  # units of each lot started
    m_ttf = np.zeros(n_m)
    m_blk_since = np.zeros(n_m)
    # the replayed plan's lots of each machine in the plan's order (anticipatory setups)
    seq_cnt = np.zeros(n_m, dtype=np.int64)
    for o in range(n_o):
        for k in range(lot_m.shape[1]):
            if lot_m[o, k] >= 0:
                seq_cnt[lot_m[o, k]] += 1
    seq_first = np.zeros(n_m, dtype=np.int64)
    for m in range(1, n_m):
        seq_first[m] = seq_first[m - 1] + seq_cnt[m - 1]
    n_seq = int(seq_cnt.sum())
    seq_o = np.zeros(max(n_seq, 1), dtype=np.int64)
    seq_k = np.zeros(max(n_seq, 1), dtype=np.int64)
    for o in range(n_o):
        for k in range(lot_m.shape[1]):
            if lot_m[o, k] >= 0:
                i = seq_first[lot_m[o, k]] + lot_pos[o, k]
                seq_o[i] = o
                seq_k[i] = k
    m_ptr = np.zeros(n_m, dtype=np.int64)
    cap = 4 * (n_u + n_o + n_m) + 16 + cw_time.shape[0]
    ht = np.empty(cap)
    hk = np.empty(cap, dtype=np.int64)
    hi = np.empty(cap, dtype=np.int64)

    for rep in range(n_rep):
        np.random.seed(seeds[rep])
        hn = 0
        q_n[:] = 0
        q_h[:] = 0
        blk_n[:] = 0
        m_unit[:] = -1
        m_state[:] = 0
        m_fam[:] = -1
        m_wake[:] = -1.0
        u_in[:] = False
        m_lot[:] = -1
        m_lot_k[:] = -1
        m_ptr[:] = 0
        lot_cnt[:, :] = 0
        if n_crew > 0:
            hn = cr.crew_reset(cr_duty0, cw_time, horizon, c_duty, c_busy, m_wprio, ht, hk, hi, hn)
        for m in range(n_m):
            m_ttf[m] = _time_to_failure(haz[m])
        for o in range(n_o):
            o_left[o] = o_qty[o]
            if o_release[o] <= horizon:
                hn = heap_push(ht, hk, hi, hn, o_release[o], 0, o)
        in_sys = 0
        t_last = 0.0
        for m in range(n_m):  # maintenance windows inside the statistics window
            for w in range(mw_first[m], mw_first[m] + mw_count[m]):
                maint_t[rep, m] += _clip(mw_start[w], mw_end[w], warmup, horizon)
        while hn > 0:
            t, kind, idx, hn = heap_pop(ht, hk, hi, hn)
            if t > horizon:
                break
            _count_wip(wip_area, wip_bins, rep, in_sys, t_last, t, warmup, n_bins)
            if n_crew > 0:
                cr.crew_overtime(op_over, rep, c_busy, c_duty, t_last, t, warmup)
            t_last = t
            touched[:] = False
            if kind == 0:  # release of order idx
                o = idx
                s0 = r_station[o_prod[o], 0]
                for k in range(o_qty[o]):
                    u = o_first_unit[o] + k
                    u_step[u] = 0
                    u_arr[u] = t
                    u_rel[u] = t
                    u_in[u] = True
                    q[s0, (q_h[s0] + q_n[s0]) % n_u] = u
                    q_n[s0] += 1
                in_sys += o_qty[o]
                started[rep] += o_qty[o]
                touched[s0] = True
            elif kind == cr.SHIFT_CHANGE:  # a crew's operators on duty change
                cr.crew_shift(idx, cw_crew, cw_val, c_duty, st_crew, touched)
            elif kind == 1:  # machine idx finished its unit
                m = idx
                if n_crew > 0:
                    cr.crew_release(m, mach_station, st_crew, c_busy)
                u = m_unit[m]
                p = o_prod[u_order[u]]
                k = u_step[u]
                if k == r_len[p] - 1:  # leaves the line
                    m_unit[m] = -1
                    m_state[m] = 0
                    in_sys -= 1
                    o = u_order[u]
                    if np.random.random() < prod_scrap[p]:
                        scrapped[rep] += 1
                    else:
                        good[rep, p] += 1
                        if t >= warmup:
                            good_w[rep] += 1
                    if t >= warmup:
                        flow_sum[rep] += t - u_rel[u]
                        flow_n[rep] += 1
                    sys_time_in_window[rep] += _clip(u_rel[u], t, warmup, horizon)
                    u_in[u] = False
                    o_left[o] -= 1
                    if o_left[o] == 0:
                        o_done[rep, o] = t
                    touched[mach_station[m]] = True
                else:
                    s2 = r_station[p, k + 1]
                    n_idle = _n_idle(m_state, st_first[s2], st_count[s2])
                    if blk_n[s2] == 0 and q_n[s2] < buf_cap[s2] + n_idle:
                        u_step[u] = k + 1
                        u_arr[u] = t
                        q[s2, (q_h[s2] + q_n[s2]) % n_u] = u
                        q_n[s2] += 1
                        m_unit[m] = -1
                        m_state[m] = 0
                        touched[s2] = True
                        touched[mach_station[m]] = True
                    else:
                        m_state[m] = 2
                        m_blk_since[m] = t
                        blk[s2, blk_n[s2]] = m
                        blk_n[s2] += 1
            elif kind == 3:  # machine idx finished a setup ahead of its next lot
                m_state[idx] = 0
                if n_crew > 0:
                    cr.crew_release(idx, mach_station, st_crew, c_busy)
                touched[mach_station[idx]] = True
            else:  # kind 2: wake-up of machine idx (scheduled start reached)
                touched[mach_station[idx]] = True
            # dispatch until nothing changes (starting a unit frees buffer space upstream)
            changed = True
            while changed:
                changed = False
                for s in range(n_st):
                    if not touched[s]:
                        continue
                    touched[s] = False
                    crew = st_crew[s] >= 0
                    for m in range(st_first[s], st_first[s] + st_count[s]):
                        pw = (cr.crew_unflag(m, t, m_wprio, m_wsince, op_wait, rep, warmup,
                                          horizon) if crew else -1.0)
                        takes = False  # a waiting unit the replay below would start now
                        if rule == SCHEDULE and m_state[m] == 0 and m_lot[m] < 0:
                            for i in range(q_n[s]):
                                u = q[s, (q_h[s] + i) % n_u]
                                if (lot_m[u_order[u], u_step[u]] < 0
                                        or lot_t[u_order[u], u_step[u]] <= t):
                                    takes = True
                                    break
                        if rule == SCHEDULE and m_state[m] == 0 and m_lot[m] < 0 and not takes:
                            # as the plan: set up for the next planned lot from its planned
                            # setup start, even before its first unit arrives
                            while (m_ptr[m] < seq_cnt[m]
                                   and lot_cnt[seq_o[seq_first[m] + m_ptr[m]],
                                               seq_k[seq_first[m] + m_ptr[m]]] > 0):
                                m_ptr[m] += 1
                            if m_ptr[m] < seq_cnt[m] and m_fam[m] >= 0:
                                o_n = seq_o[seq_first[m] + m_ptr[m]]
                                k_n = seq_k[seq_first[m] + m_ptr[m]]
                                f_n = fam_of_prod[o_prod[o_n]]
                                arrived = False
                                for uu in range(o_first_unit[o_n], o_first_unit[o_n]
                                                + o_qty[o_n]):
                                    if u_in[uu] and u_step[uu] >= k_n:
                                        arrived = True
                                        break
                                su_n = setup[s, m_fam[m], f_n] if f_n != m_fam[m] else 0.0
                                if su_n > 0.0 and not arrived:
                                    if lot_t[o_n, k_n] > t:
                                        if m_wake[m] != lot_t[o_n, k_n]:
                                            m_wake[m] = lot_t[o_n, k_n]
                                            hn = heap_push(ht, hk, hi, hn, lot_t[o_n, k_n],
                                                            2, m)
                                    elif not crew or cr.crew_gate(
                                            m, s, t, pw, st_crew, mach_station, m_state,
                                            c_busy, c_duty, m_wprio, m_wsince):
                                        c, dn = _run_work(t, su_n, m, mw_start, mw_end,
                                                          mw_first, mw_count, m_ttf, haz,
                                                          rep_mean, rep_cv, n_fail, rep)
                                        m_fam[m] = f_n
                                        m_state[m] = 3
                                        share = (_clip(t, c, warmup, horizon) / (c - t)
                                                 if c > t else 0.0)
                                        busy[rep, m] += su_n * share
                                        if crew:
                                            op_busy[rep, st_crew[s]] += _clip(t, c, warmup,
                                                                              horizon)
                                        setup_t[rep, m] += su_n * share
                                        down_t[rep, m] += dn * share
                                        if c > t:
                                            rate = su_n / (c - t)
                                            b0 = int(t)
                                            while b0 < n_bins and b0 < c:
                                                ov = _clip(t, c, float(b0), float(b0 + 1))
                                                busy_bins[rep, s, b0] += ov * rate
                                                active_bins[rep, s, b0] += ov
                                                b0 += 1
                                        if rep == log_rep and n_log < log_cap:
                                            lg_unit[n_log] = -1 - o_n  # a setup for order
                                            lg_step[n_log] = k_n
                                            lg_mach[n_log] = m
                                            lg_start[n_log] = t
                                            lg_setup[n_log] = su_n
                                            lg_end[n_log] = c
                                            lg_down[n_log] = dn
                                            n_log += 1
                                        hn = heap_push(ht, hk, hi, hn, c, 3, m)
                                        continue
                                    else:  # waits for an operator
                                        continue
                        if m_state[m] != 0 or q_n[s] == 0:
                            continue
                        # choose a unit
                        best = -1
                        if rule == SCHEDULE:
                            # the plan's lots for this machine, in its order, not before
                            # their planned start; then due lots planned on a sibling
                            # machine of the station; lots outside the plan come last
                            bv = BIG
                            nxt_t = BIG
                            # finish the lot in hand first (no family change mid-lot),
                            # unless the station's buffer is full: then anything planned
                            if m_lot[m] >= 0:
                                for i in range(q_n[s]):
                                    u = q[s, (q_h[s] + i) % n_u]
                                    if u_order[u] == m_lot[m] and u_step[u] == m_lot_k[m]:
                                        best = i
                                        break
                                if best < 0 and q_n[s] < buf_cap[s]:
                                    continue
                            for i in range(q_n[s] if best < 0 else 0):
                                u = q[s, (q_h[s] + i) % n_u]
                                lm = lot_m[u_order[u], u_step[u]]
                                lt = lot_t[u_order[u], u_step[u]]
                                if lm < 0:
                                    v = BIG / 2
                                elif lt > t:
                                    if lm == m:
                                        nxt_t = min(nxt_t, lt)
                                    continue
                                elif lm == m:
                                    v = float(lot_pos[u_order[u], u_step[u]])
                                else:  # a sibling's lot that is due: help out
                                    v = BIG / 4 + float(lot_pos[u_order[u], u_step[u]])
                                if v < bv:  # ties: first arrived
                                    bv = v
                                    best = i
                            if best < 0 and nxt_t < BIG and m_wake[m] != nxt_t:
                                m_wake[m] = nxt_t
                                hn = heap_push(ht, hk, hi, hn, nxt_t, 2, m)
                        elif rule == FIFO:  # the ring holds units in arrival order
                            best = 0
                        else:
                            bv = BIG
                            for i in range(q_n[s]):
                                u = q[s, (q_h[s] + i) % n_u]
                                if rule == EDD:
                                    v = o_due_w[u_order[u]]
                                else:
                                    v = r_mean[o_prod[u_order[u]], u_step[u]]
                                if v < bv:  # ties: first arrived
                                    bv = v
                                    best = i
                        if best < 0:
                            continue
                        if crew:
                            if not cr.crew_gate(m, s, t, pw, st_crew, mach_station, m_state,
                                             c_busy, c_duty, m_wprio, m_wsince):
                                continue
                            touched[s] = True  # siblings that waited: still work for them?
                        u = q[s, (q_h[s] + best) % n_u]
                        for i in range(best, 0, -1):
                            q[s, (q_h[s] + i) % n_u] = q[s, (q_h[s] + i - 1) % n_u]
                        q_h[s] = (q_h[s] + 1) % n_u
                        q_n[s] -= 1
                        if rule == SCHEDULE:
                            o_u, k_u = u_order[u], u_step[u]
                            lot_cnt[o_u, k_u] += 1
                            if lot_cnt[o_u, k_u] < o_qty[o_u]:
                                m_lot[m] = o_u
                                m_lot_k[m] = k_u
                            else:  # the lot is through this step
                                for mm in range(st_first[s], st_first[s] + st_count[s]):
                                    if m_lot[mm] == o_u and m_lot_k[mm] == k_u:
                                        m_lot[mm] = -1
                                        m_lot_k[mm] = -1
                        # start: setup, processing, failures, maintenance
                        p = o_prod[u_order[u]]
                        k = u_step[u]
                        fam = fam_of_prod[p]
                        su = 0.0
                        if m_fam[m] >= 0 and m_fam[m] != fam:
                            su = setup[s, m_fam[m], fam]
                        m_fam[m] = fam
                        pt = _draw(r_mean[p, k], r_cv[p, k], r_dist[p, k])
                        c, dn = _run_work(t, su + pt, m, mw_start, mw_end, mw_first, mw_count,
                                          m_ttf, haz, rep_mean, rep_cv, n_fail, rep)
                        m_unit[m] = u
                        m_state[m] = 1
                        share = _clip(t, c, warmup, horizon) / (c - t) if c > t else 0.0
                        busy[rep, m] += (su + pt) * share
                        if crew:
                            op_busy[rep, st_crew[s]] += _clip(t, c, warmup, horizon)
                        setup_t[rep, m] += su * share
                        down_t[rep, m] += dn * share
                        # ideal time: the spec's mean, never more than the time taken
                        # (a fast cycle is no speed gain: performance stays <= 1)
                        ideal_t[rep, m] += min(r_mean[p, k], pt) * share
                        # busy time per working-hour bin (spread over the operation)
                        if c > t:
                            rate = (su + pt) / (c - t)
                            b0 = int(t)
                            while b0 < n_bins and b0 < c:
                                ov = _clip(t, c, float(b0), float(b0 + 1))
                                busy_bins[rep, s, b0] += ov * rate
                                active_bins[rep, s, b0] += ov
                                b0 += 1
                        if rep == log_rep and n_log < log_cap:
                            lg_unit[n_log] = u
                            lg_step[n_log] = k
                            lg_mach[n_log] = m
                            lg_start[n_log] = t
                            lg_setup[n_log] = su
                            lg_end[n_log] = c
                            lg_down[n_log] = dn
                            n_log += 1
                        hn = heap_push(ht, hk, hi, hn, c, 1, m)
                        changed = True
                    # space at s (buffer room or an idle machine): the machines blocked on s
                    # hand their units over, first blocked first
                    while blk_n[s] > 0:
                        n_idle = _n_idle(m_state, st_first[s], st_count[s])
                        if q_n[s] >= buf_cap[s] + n_idle:
                            break
                        mb = blk[s, 0]
                        blk_n[s] -= 1
                        for i in range(blk_n[s]):
                            blk[s, i] = blk[s, i + 1]
                        ub = m_unit[mb]
                        u_step[ub] += 1
                        u_arr[ub] = t
                        q[s, (q_h[s] + q_n[s]) % n_u] = ub
                        q_n[s] += 1
                        blocked_t[rep, mb] += _clip(m_blk_since[mb], t, warmup, horizon)
                        m_unit[mb] = -1
                        m_state[mb] = 0
                        touched[mach_station[mb]] = True
                        touched[s] = True
                        changed = True
                if not changed and n_crew > 0:  # an operator free, machines waiting
                    changed = cr.crew_sweep(st_crew, mach_station, c_busy, c_duty, m_wprio,
                                         touched)
        # close the statistics window
        _count_wip(wip_area, wip_bins, rep, in_sys, t_last, horizon, warmup, n_bins)
        if n_crew > 0:
            cr.crew_overtime(op_over, rep, c_busy, c_duty, t_last, horizon, warmup)
        for m in range(n_m):
            if m_state[m] == 2:
                blocked_t[rep, m] += _clip(m_blk_since[m], horizon, warmup, horizon)
        wip_end[rep] = in_sys
        for m in range(n_m):
            cr.crew_unflag(m, horizon, m_wprio, m_wsince, op_wait, rep, warmup, horizon)
        # time in the window of the units still in the system (Little's law, exactly)
        for u in range(n_u):
            if u_in[u]:
                sys_time_in_window[rep] += _clip(u_rel[u], horizon, warmup, horizon)
    wip_avg = wip_area / max(span, 1e-12)
    return (busy, setup_t, down_t, maint_t, blocked_t, ideal_t, n_fail, busy_bins,
            active_bins, wip_bins, good_w, started,
            good, scrapped, wip_end, wip_avg, flow_sum, flow_n, o_done, sys_time_in_window,
            op_busy, op_wait, op_over,
            lg_unit[:n_log], lg_step[:n_log], lg_mach[:n_log], lg_start[:n_log],
            lg_setup[:n_log], lg_end[:n_log], lg_down[:n_log])


refresh_cache(run, sim_heap, cr)  # numba's cache of run sees this file only
