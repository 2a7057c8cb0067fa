"""What holds a plan back: the binding constraints of its sequence and their shadow prices.

The plan's sequence (machine choices and orders) is fixed and the LP that remains is solved
for its duals; constraints with a non-zero dual are reported in the plant's terms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import pyomo.environ as pyo

from twinbench.optimize.schedule.model import ModelIndex, build_model, time_windows, warm_start
from twinbench.optimize.schedule.problem import ScheduleProblem
from twinbench.optimize.solvers import DEFAULT_SOLVER, solve_model

__all__ = ["binding_constraints"]


def _labels(problem: ScheduleProblem, idx: ModelIndex) -> list[str]:
    """The model's items in the plant's words (``O0007 step 2``, ``maintenance ...``)."""
    ops = [f"{j} step {k}" for j, k in zip(problem.ops["job"], problem.ops["step"],
                                           strict=True)]
    return ops + [f"maintenance {t}" for t in idx.tasks]


def _resource_rows(m: pyo.ConcreteModel, problem: ScheduleProblem, lab: list[str],
                   add: Callable[[str, str, pyo.Constraint], None]) -> None:
    """The crews' and full buffers' constraints of the fixed sequence, in plant words."""
    for comp in (m.crew_first, m.crew_second):
        for (c, i, j, _r), con in comp.items():
            a, b = (i, j) if comp is m.crew_first else (j, i)
            add(f"crew {c}: {lab[b]} waits for the operator of {lab[a]}", "crew", con)
    for comp in (m.crew_block_before, m.crew_block_after):
        for (c, _r, b, i), con in comp.items():
            _, _, _, a_k, names = m.crew_info[c]
            shift = f" on the {names[b]} shift" if names[b] else ""
            k = int(a_k[b])
            add(f"crew {c}: {k} operator{'' if k == 1 else 's'}{shift} around {lab[i]}",
                "crew", con)
    if len(m.H):
        nxt = problem.next_op()
        st = problem.ops["station"]
        for o, con in m.hold_buffer.items():
            down = st.iat[int(nxt[o])]
            add(f"buffer in front of {down} full: {st.iat[o]} holds {lab[o]} until "
                f"{down} takes it", "buffer", con)


def binding_constraints(problem: ScheduleProblem, table: pd.DataFrame,
                        weights: Mapping[str, float], solver: str = DEFAULT_SOLVER,
                        top: int = 25) -> pd.DataFrame:
    """Fix the plan's sequence (machine choices and orders), solve the LP that remains and
    report the constraints with a non-zero dual: what holds the plan back, in the plant's
    terms.

    The shadow price is the change of the objective per hour the constraint is relaxed
    (an earlier release, a later deadline, a shorter setup...), for this sequence.
    """
    m, idx = build_model(problem, weights, time_windows(problem))
    warm_start(m, idx, problem, table)
    for v in m.component_data_objects(pyo.Var):
        if v.is_binary():
            val = round(pyo.value(v)) if v.value is not None else 0
            v.domain = pyo.UnitInterval
            v.fix(val)
    for i in m.I:
        m.s[i].setlb(0.0)
        m.s[i].setub(None)
    m.cmax.setub(None)
    out = solve_model(m, solver, duals=True)
    if out.status != "optimal":
        return pd.DataFrame(columns=["constraint", "kind", "shadow_price"])
    lab = _labels(problem, idx)
    blocks = problem.blocks.reset_index(drop=True)
    rows = []

    def add(text: str, kind: str, c: pyo.Constraint) -> None:
        """Report constraint ``c`` as ``text`` when its dual is not zero."""
        d = m.dual.get(c, 0.0) or 0.0
        if abs(d) > 1e-7:
            rows.append((text, kind, abs(float(d))))

    nxt = problem.next_op()
    for o, c in list(m.prec.items()) + list(m.prec_end.items()):
        add(f"{lab[int(nxt[o])]} waits for {lab[o]} (routing)", "routing", c)
    for o, c in m.release.items():
        add(f"release of {problem.ops['job'].iat[o]}", "release", c)
    for k, c in m.maint_deadline.items():
        add(f"{lab[idx.n_ops + k]} due by {problem.maintenance['deadline'].iat[k]:.1f} h "
            "(failure-risk threshold)", "maintenance", c)
    for (i, j, mc), c in list(m.before.items()) + list(m.forced.items()):
        add(f"{mc}: {lab[j]} after {lab[i]}", "machine", c)
    for (i, j, mc), c in m.after.items():
        add(f"{mc}: {lab[i]} after {lab[j]}", "machine", c)
    for (i, b), c in list(m.block_before.items()) + list(m.block_after.items()):
        r = blocks.iloc[b]
        add(f"{r['machine']} unavailable {r['start']:.1f}-{r['end']:.1f} h "
            f"({r.get('reason', '')}) around {lab[i]}", "unavailability", c)
    for (i, mc), c in m.initial_setup.items():
        add(f"{mc} ready (and set up) for {lab[i]}", "machine", c)
    for j, c in m.due.items():
        add(f"due date of {j}", "due date", c)
    for j, c in m.deadline.items():
        add(f"deadline of {j}", "deadline", c)
    _resource_rows(m, problem, lab, add)
    df = pd.DataFrame(rows, columns=["constraint", "kind", "shadow_price"])
    return df.sort_values("shadow_price", ascending=False, ignore_index=True).head(top)
