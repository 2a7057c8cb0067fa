"""OR-Tools CP-SAT on the plant's scheduling problem (benchmarks only, never imported by the
package): the same :class:`~twinbench.optimize.schedule.problem.ScheduleProblem` as the
Pyomo model - eligible parallel machines (optional intervals), sequence-dependent setups
(pairwise order literals), lot streaming, releases, blocks and maintenance windows - with
makespan as the objective. Times are integers in units of 1/``scale`` hour.
"""

from __future__ import annotations

import math
import time

from cpsat_jobshop import CpSatResult
from ortools.sat.python import cp_model

from twinbench.optimize.schedule.problem import ScheduleProblem


def solve_cpsat_problem(problem: ScheduleProblem, time_limit: float = 60.0, workers: int = 2,
                        seed: int = 0, scale: int = 100) -> CpSatResult:
    """Minimise the makespan [h] of ``problem`` with CP-SAT."""
    m = cp_model.CpModel()
    H = math.ceil(problem.horizon * scale)
    modes = problem.mode_table()
    fam = problem.family_of_op()
    share = problem.transfer_share()
    nxt = problem.next_op()
    start, end, dur = {}, {}, {}
    on: dict[str, list] = {mc: [] for mc in problem.machines}
    rel = problem.jobs["release"].to_dict()
    for o in range(problem.n_ops):
        s = m.new_int_var(int(rel[problem.ops["job"].iat[o]] * scale), H, f"s{o}")
        e = m.new_int_var(0, H, f"e{o}")
        d = m.new_int_var(0, H, f"d{o}")
        lits = []
        for mc, du in modes[o].items():
            p = m.new_bool_var(f"x{o}_{mc}")
            di = math.ceil(du * scale)
            iv = m.new_optional_interval_var(s, di, e, p, f"i{o}_{mc}")
            m.add(d == di).only_enforce_if(p)
            on[mc].append((o, iv, p, s, e))
            lits.append(p)
        m.add_exactly_one(lits)
        start[o], end[o], dur[o] = s, e, d
    for o in range(problem.n_ops):  # routing with lot streaming (share 1: after the end)
        n = int(nxt[o])
        if n < 0:
            continue
        f = share[o]
        if f >= 1:
            m.add(start[n] >= end[o])
        else:  # s_n >= s_o + f d_o and e_n >= e_o + f d_n, f = 1/k
            k = round(1 / f)
            m.add(k * start[n] >= k * start[o] + dur[o])
            m.add(k * end[n] >= k * end[o] + dur[n])
    for r in problem.blocks.itertuples(index=False):
        a, b = int(r.start * scale), math.ceil(r.end * scale)
        on[r.machine].append((None, m.new_fixed_size_interval_var(a, b - a, "blk"), None, None,
                              None))
    for k, r in enumerate(problem.maintenance.itertuples(index=False)):
        di = math.ceil(r.duration * scale)
        s = m.new_int_var(int(r.earliest * scale), int(r.deadline * scale) - di, f"ms{k}")
        e = m.new_int_var(0, H, f"me{k}")
        on[r.machine].append((None, m.new_interval_var(s, di, e, f"mt{k}"), None, s, e))
    cmax = m.new_int_var(0, H, "cmax")
    for o in range(problem.n_ops):
        if nxt[o] < 0:
            m.add(cmax >= end[o])
    for mc, items in on.items():
        m.add_no_overlap([iv for _, iv, *_ in items])
        ops = [(o, p, s, e) for o, _, p, s, e in items if o is not None]
        for a in range(len(ops)):
            for b in range(a + 1, len(ops)):
                i, pi, si, ei = ops[a]
                j, pj, sj, ej = ops[b]
                su_ij = math.ceil(problem.setup_time(mc, fam[i], fam[j]) * scale)
                su_ji = math.ceil(problem.setup_time(mc, fam[j], fam[i]) * scale)
                if su_ij == 0 and su_ji == 0:
                    continue
                first = m.new_bool_var("")
                m.add(sj >= ei + su_ij).only_enforce_if([first, pi, pj])
                m.add(si >= ej + su_ji).only_enforce_if([first.Not(), pi, pj])
        f0 = problem.initial_family.get(mc)
        ready = problem.machine_ready.get(mc, 0.0)
        for o, _iv, p, s, _e in [x for x in items if x[0] is not None]:
            lead = ready + problem.setup_time(mc, f0, fam[o])
            if lead > 0:
                m.add(s >= math.ceil(lead * scale)).only_enforce_if(p)
    m.minimize(cmax)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    t0 = time.perf_counter()
    status = solver.solve(m)
    sec = time.perf_counter() - t0
    ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return CpSatResult(solver.objective_value / scale if ok else float("nan"),
                       solver.best_objective_bound / scale, solver.status_name(status), sec)
