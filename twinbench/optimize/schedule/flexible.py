"""Flexible job shops from the literature: Brandimarte's mk01-mk10.

Every operation may run on one of several machines, each with its own duration; the
makespan is minimised. The shipped instances (``instances/brandimarte/``, see
``instances/README.md``) carry the optimum where it is proven, else the best known lower and
upper bounds, so the scheduler is judged against outside truth.

>>> inst = load_fjsp("mk01")
>>> inst.n_jobs, inst.n_machines, inst.optimum
(10, 6, 40)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from twinbench.optimize.schedule.problem import ScheduleProblem

__all__ = ["FlexibleJobShop", "fjsp_names", "load_fjsp", "parse_fjsp", "problem_from_fjsp"]

_DIR = resources.files("twinbench.optimize.schedule") / "instances" / "brandimarte"


@dataclass(frozen=True)
class FlexibleJobShop:
    """A flexible job shop.

    Attributes
    ----------
    name
        Label.
    jobs
        Per job, its operations in routing order; each operation a tuple of ``(machine,
        duration)`` alternatives [time units].
    optimum
        Proven optimal makespan when known.
    lower, upper
        Best known bounds of the optimal makespan (both equal to ``optimum`` when proven).
    source
        Where the instance comes from.
    machines
        Machines the header declares (some may never be eligible).
    """

    name: str
    jobs: tuple[tuple[tuple[tuple[int, int], ...], ...], ...]
    optimum: int | None = None
    lower: int | None = None
    upper: int | None = None
    source: str = ""
    machines: int = 0

    @property
    def n_jobs(self) -> int:
        """Number of jobs."""
        return len(self.jobs)

    @property
    def n_machines(self) -> int:
        """Number of machines (as declared, or as used when more)."""
        return max(self.machines, 1 + max(m for job in self.jobs for op in job for m, _ in op))

    @property
    def n_operations(self) -> int:
        """Number of operations."""
        return sum(len(job) for job in self.jobs)

    def job_lower_bound(self) -> int:
        """The longest job at its fastest machines (a lower bound of the makespan)."""
        return max(sum(min(d for _, d in op) for op in job) for job in self.jobs)


def parse_fjsp(text: str, name: str = "fjsp", source: str = "") -> FlexibleJobShop:
    """Parse the Brandimarte text format (machines 0-based, as shipped).

    The first line holds ``n_jobs n_machines`` (a third number, the mean flexibility, is
    ignored); each job's line is ``n_ops`` then per operation ``k`` followed by ``k``
    pairs ``machine duration``.
    """
    lines = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise ValueError(f"{name}: no data (expected 'n_jobs n_machines' on the first line)")
    try:
        n, m = int(lines[0][0]), int(float(lines[0][1]))
        rows = [[int(float(x)) for x in ln] for ln in lines[1:1 + n]]
    except (ValueError, IndexError) as err:
        raise ValueError(f"{name}: numbers expected in the Brandimarte format ({err})") from err
    if len(rows) != n:
        raise ValueError(f"{name}: header says {n} jobs, found {len(rows)} job lines")
    jobs = []
    for j, r in enumerate(rows):
        pos, ops = 1, []
        for _ in range(r[0]):
            k = r[pos]
            alts = tuple((r[pos + 1 + 2 * a], r[pos + 2 + 2 * a]) for a in range(k))
            if not alts or any(not 0 <= mc < m or d < 0 for mc, d in alts):
                raise ValueError(f"{name} job {j}: machines must be in 0..{m - 1} and "
                                 f"durations non-negative; found {alts!r}")
            ops.append(alts)
            pos += 1 + 2 * k
        if pos != len(r):
            raise ValueError(f"{name} job {j}: {len(r) - pos} numbers left over after "
                             f"{r[0]} operations")
        jobs.append(tuple(ops))
    return FlexibleJobShop(name, tuple(jobs), source=source, machines=m)


def _bounds() -> dict[str, dict]:
    """The shipped instances' optima and bounds (``brandimarte/bounds.json``)."""
    return json.loads((_DIR / "bounds.json").read_text())


def fjsp_names() -> list[str]:
    """Names of the shipped flexible job shops."""
    return sorted(_bounds())


def load_fjsp(name_or_path: str | Path) -> FlexibleJobShop:
    """A shipped instance by name (:func:`fjsp_names`) or a file in Brandimarte format."""
    path = Path(name_or_path)
    if path.suffix or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"no flexible job-shop file at {str(path)!r}")
        return parse_fjsp(path.read_text(), path.stem, str(path))
    b = _bounds()
    name = str(name_or_path)
    if name not in b:
        raise ValueError(f"unknown flexible job-shop instance {name!r}; shipped: "
                         f"{fjsp_names()!r} (or give a file path)")
    inst = parse_fjsp((_DIR / f"{name}.txt").read_text(), name,
                      "Brandimarte (1993) via SchedulingLab/fjsp-instances (see "
                      "twinbench/optimize/schedule/instances/README.md)")
    e = b[name]
    opt = e.get("optimum")
    return FlexibleJobShop(inst.name, inst.jobs, opt, e.get("lower", opt), e.get("upper", opt),
                           inst.source, inst.machines)


def problem_from_fjsp(inst: FlexibleJobShop) -> ScheduleProblem:
    """A flexible job shop as a scheduling problem: eligible machines with their durations,
    no setups, releases 0, dues 0 (makespan is the objective); times in its units."""
    jobs = pd.DataFrame({"release": 0.0, "due": 0.0, "weight": 1.0, "family": "-",
                         "product": "-", "quantity": 1},
                        index=pd.Index([f"J{j}" for j in range(inst.n_jobs)], name="job"))
    rows, modes = [], []
    for j, job in enumerate(inst.jobs):
        for k, alts in enumerate(job):
            for m, d in alts:
                modes.append((len(rows), f"M{m}", float(d), 0.0))
            rows.append((f"J{j}", k, "-"))
    return ScheduleProblem(jobs, pd.DataFrame(rows, columns=["job", "step", "station"]),
                           pd.DataFrame(modes, columns=["op", "machine", "duration", "power"]),
                           [f"M{m}" for m in range(inst.n_machines)],
                           horizon=float(sum(max(d for _, d in op) for job in inst.jobs
                                             for op in job)),
                           name=inst.name)
