"""Classic job-shop instances: parsing, the shipped literature benchmarks, random ones.

A :class:`JobShop` is the literature's problem: every job visits machines in a fixed order,
one operation per visit, and the makespan is minimised. The shipped instances (ft06,
ft10, ft20, la01-la40, orb01-orb10, Taillard's ta01-ta30, see ``instances/README.md``) carry
their proven optima or best known bounds, so the scheduler is tested against outside truth.

>>> inst = load_jobshop("ft06")
>>> inst.n_jobs, inst.n_machines, inst.optimum
(6, 6, 55)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from twinbench.optimize.schedule.decode import SEQUENCE, decode, new_plan, priority, timing
from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["JobShop", "evaluate_sequence", "jobshop_names", "load_jobshop", "parse_jobshop",
           "problem_from_jobshop", "random_jobshop"]

_DIR = resources.files("twinbench.optimize.schedule") / "instances"


@dataclass(frozen=True)
class JobShop:
    """A job shop.

    Attributes
    ----------
    name
        Label.
    jobs
        Per job, its operations in routing order as ``(machine, duration)`` [time units].
    optimum
        Proven optimal makespan when known.
    source
        Where the instance comes from.
    lower, upper
        Best known bounds of the optimal makespan (both equal to ``optimum`` when proven;
        see :attr:`best_known`).
    """

    name: str
    jobs: tuple[tuple[tuple[int, int], ...], ...]
    optimum: int | None = None
    source: str = ""
    lower: int | None = None
    upper: int | None = None

    @property
    def best_known(self) -> int | None:
        """The optimum when proven, else the best known makespan (upper bound)."""
        return self.optimum if self.optimum is not None else self.upper

    @property
    def n_jobs(self) -> int:
        """Number of jobs."""
        return len(self.jobs)

    @property
    def n_machines(self) -> int:
        """Number of machines."""
        return 1 + max(m for job in self.jobs for m, _ in job)

    @property
    def n_operations(self) -> int:
        """Number of operations."""
        return sum(len(job) for job in self.jobs)

    def job_lower_bound(self) -> int:
        """The longest job's total duration (a lower bound of the makespan)."""
        return max(sum(d for _, d in job) for job in self.jobs)

    def machine_lower_bound(self) -> int:
        """Max over machines of the smallest head + the machine's load + the smallest tail
        (a lower bound of the makespan)."""
        best = 0
        for m in range(self.n_machines):
            heads, tails, load = [], [], 0
            for job in self.jobs:
                for k, (mm, d) in enumerate(job):
                    if mm == m:
                        heads.append(sum(x for _, x in job[:k]))
                        tails.append(sum(x for _, x in job[k + 1:]))
                        load += d
            if heads:
                best = max(best, min(heads) + load + min(tails))
        return best


def parse_jobshop(text: str, name: str = "jobshop", optimum: int | None = None,
                  source: str = "") -> JobShop:
    """A job shop from OR-Library text (``n m`` then one line of ``machine duration`` pairs
    per job; ``#`` comments)."""
    lines = [(i + 1, ln.split()) for i, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"{name}: no data; expected a line 'n_jobs n_machines' then one line "
                         "per job of 'machine duration' pairs")
    lineno, head = lines[0]
    try:
        n, m = (int(x) for x in head)
    except ValueError:
        raise ValueError(f"{name} line {lineno}: expected 'n_jobs n_machines' (two integers), "
                         f"found {' '.join(head)!r}") from None
    if len(lines) - 1 != n:
        raise ValueError(f"{name}: the header announces {n} jobs, found {len(lines) - 1} job "
                         "line(s); fix the header or the job lines")
    jobs = []
    for lineno, tok in lines[1:]:
        try:
            vals = [int(x) for x in tok]
        except ValueError:
            raise ValueError(f"{name} line {lineno}: expected integers, found "
                             f"{' '.join(tok)!r}") from None
        if len(vals) % 2:
            raise ValueError(f"{name} line {lineno}: expected 'machine duration' pairs, found "
                             f"an odd count of {len(vals)} numbers")
        ops = tuple((vals[i], vals[i + 1]) for i in range(0, len(vals), 2))
        bad = [mm for mm, d in ops if not 0 <= mm < m or d < 0]
        if bad or any(d < 0 for _, d in ops):
            raise ValueError(f"{name} line {lineno}: machines must be in 0..{m - 1} and "
                             f"durations non-negative; found machine(s) {bad!r}")
        jobs.append(ops)
    return JobShop(name, tuple(jobs), optimum, source)


def _optima() -> dict[str, dict]:
    """The shipped instances' optima, by name (``instances/optima.json``)."""
    return json.loads((_DIR / "optima.json").read_text())


def jobshop_names() -> list[str]:
    """Names of the shipped instances."""
    return sorted(_optima())


def load_jobshop(name_or_path: str | Path) -> JobShop:
    """A shipped instance by name (see :func:`jobshop_names`) or a file in OR-Library
    format."""
    path = Path(name_or_path)
    if path.suffix or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"no job-shop file at {str(path)!r}")
        return parse_jobshop(path.read_text(), path.stem, source=str(path))
    optima = _optima()
    if str(name_or_path) not in optima:
        raise ValueError(f"unknown job-shop instance {str(name_or_path)!r}; shipped: "
                         f"{jobshop_names()!r} (or give a file path)")
    name = str(name_or_path)
    text = (_DIR / f"{name}.txt").read_text()
    e = optima[name]
    opt = e["optimum"]
    inst = parse_jobshop(text, name, opt, "OR-Library via JSPLIB (see "
                         "twinbench/optimize/schedule/instances/README.md)")
    return JobShop(inst.name, inst.jobs, opt, inst.source, e.get("lower", opt),
                   e.get("upper", opt))


def random_jobshop(n_jobs: int, n_machines: int, seed: int = 0, low: int = 1,
                   high: int = 99) -> JobShop:
    """A Taillard-like random instance: each job visits every machine once in a random
    order, durations uniform in ``[low, high]``; the same seed gives the same instance."""
    rng = np.random.default_rng(seed)
    jobs = tuple(tuple((int(m), int(rng.integers(low, high + 1)))
                       for m in rng.permutation(n_machines)) for _ in range(n_jobs))
    return JobShop(f"random-{n_jobs}x{n_machines}-s{seed}", jobs, None, f"seed {seed}")


def problem_from_jobshop(inst: JobShop) -> ScheduleProblem:
    """A literature job shop as a scheduling problem: one machine per operation, no setups,
    releases 0, dues 0 (makespan is the objective); times in the instance's units."""
    jobs = pd.DataFrame({"release": 0.0, "due": 0.0, "weight": 1.0, "family": "-",
                         "product": "-", "quantity": 1},
                        index=pd.Index([f"J{j}" for j in range(len(inst.jobs))], name="job"))
    rows, modes = [], []
    for j, job in enumerate(inst.jobs):
        for k, (m, d) in enumerate(job):
            modes.append((len(rows), f"M{m}", float(d), 0.0))
            rows.append((f"J{j}", k, f"M{m}"))
    ops = pd.DataFrame(rows, columns=["job", "step", "station"])
    modes_df = pd.DataFrame(modes, columns=["op", "machine", "duration", "power"])
    n_m = 1 + max(m for job in inst.jobs for m, _ in job)
    horizon = float(sum(d for job in inst.jobs for _, d in job))
    return ScheduleProblem(jobs, ops, modes_df, [f"M{m}" for m in range(n_m)],
                           horizon=horizon, name=inst.name)


def evaluate_sequence(inst: JobShop, machine_orders: list[list[tuple[int, int]]],
                      ) -> tuple[dict[tuple[int, int], int], int]:
    """Semi-active schedule of per-machine orders of operations ``(job, step)``, timed by
    the one decoder (:func:`twinbench.optimize.schedule.decode.decode`).

    Parameters
    ----------
    inst
        The job shop.
    machine_orders
        For each machine ``0..n_machines-1``, the operations ``(job, step)`` it runs, in
        order; every operation once, on its own machine.

    Returns
    -------
    starts
        Start of each operation ``(job, step)`` [time units], by job and step.
    makespan
        Completion of the last operation [time units].

    Raises
    ------
    ValueError
        An operation is missing, unknown or on another machine, or the orders contradict
        the routings (a cycle).
    """
    n_ops = inst.n_operations
    pos = {op: (m, i) for m, seq in enumerate(machine_orders) for i, op in enumerate(seq)}
    if len(pos) != n_ops:
        raise ValueError(f"the machine orders list {len(pos)} operations, the instance has "
                         f"{n_ops}: list every (job, step) once")
    first = np.cumsum([0] + [len(job) for job in inst.jobs])
    index: dict[tuple[int, int], int] = {}
    for (j, k), (m, _) in pos.items():
        if not (0 <= j < inst.n_jobs and 0 <= k < len(inst.jobs[j])):
            raise ValueError(f"operation {(j, k)!r} is not in the instance")
        if inst.jobs[j][k][0] != m:
            raise ValueError(f"operation {(j, k)!r} runs on machine {inst.jobs[j][k][0]}, "
                             f"listed on machine {m}")
        index[j, k] = int(first[j] + k)
    problem = problem_from_jobshop(inst)
    plan = new_plan(n_ops, len(problem.machines))
    for m, seq in enumerate(machine_orders):
        ops = [index[op] for op in seq]
        plan.assign[ops] = m
        if ops:
            plan.mfirst[m] = ops[0]
            plan.mnext[ops[:-1]] = ops[1:]
    if not decode(timing(problem), plan, SEQUENCE, priority()):
        raise ValueError("the machine orders contradict the jobs' routings (a cycle): no "
                         "schedule can follow them")
    starts = {op: int(plan.start[index[op]]) for op in sorted(index)}
    return starts, int(plan.end.max())
