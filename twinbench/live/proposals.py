"""A breakdown seen live opens a replanning proposal that waits for approval.

When a machine goes OutOfService with a failure alarm, :class:`ProposalBook` records a
:class:`Proposal`: the machine, the plant time, the expected repair time (the spec's
``repair_mean``) and a ``rescheduled`` part. The shop-floor rescheduler
(:func:`twinbench.optimize.schedule.reschedule.reschedule`) replans an *approved* schedule
from its working-clock hour; the live twin does not hold one, so the caller that does (the
dashboard, with the approved week) passes ``replan(machine, down_from, hours)`` and the
proposal carries its result. Without it the proposal records what a replan would be
given (machine down from when, for how long) with status ``awaiting_reschedule``, and
:attr:`Proposal.rescheduled` stays None. Nothing is ever written back to the plant: a
proposal is approved or rejected by a person (:meth:`ProposalBook.decide`), and that
decision is only recorded.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from twinbench.spec import LineSpec

__all__ = ["Proposal", "ProposalBook", "reschedule_available"]

RESCHEDULE_MODULE = "twinbench.optimize.schedule.reschedule"


def reschedule_available() -> bool:
    """Whether the shop-floor rescheduler exists in this installation."""
    return importlib.util.find_spec(RESCHEDULE_MODULE) is not None


@dataclass
class Proposal:
    """A replanning proposal after a breakdown (see the module docstring)."""

    proposal_id: str
    machine: str
    down_from: pd.Timestamp
    expected_repair_h: float
    status: str = "awaiting_approval"
    rescheduled: Any = None
    note: str = ""
    opened: float = field(default_factory=time.time)
    decision: dict | None = None


class ProposalBook:
    """Proposals opened by live breakdowns.

    Parameters
    ----------
    spec
        The line (repair times of the machine types).
    replan
        ``replan(machine, down_from, hours)`` -> a rescheduled plan; default None (no
        rescheduler: the proposal records what it would ask for).
    """

    def __init__(self, spec: LineSpec, replan: Callable[..., Any] | None = None) -> None:
        self.spec = spec
        self.replan = replan
        self.proposals: list[Proposal] = []
        self._open: set[str] = set()

    def open(self, machine: str, down_from: pd.Timestamp) -> Proposal | None:
        """Open a proposal for a breakdown of ``machine`` (one open proposal a machine)."""
        if machine in self._open:
            return None
        hours = float(self.spec.physics_of(machine).repair_mean)
        p = Proposal(f"P{len(self.proposals) + 1:04d}-{machine}", machine,
                     pd.Timestamp(down_from), hours)
        if self.replan is not None:
            p.rescheduled = self.replan(machine, p.down_from, hours)
            p.note = "rescheduled around the breakdown; waiting for approval"
        else:
            p.status = "awaiting_reschedule"
            why = ("no approved schedule was given to replan" if reschedule_available()
                   else f"{RESCHEDULE_MODULE} is not available")
            p.note = (f"{why}: the proposal records the breakdown ({machine} down from "
                      f"{p.down_from}, about {hours:.0f} h) for a planner; approve to "
                      "acknowledge")
        self.proposals.append(p)
        self._open.add(machine)
        return p

    def decide(self, proposal_id: str, user: str, decision: str, comment: str = "") -> Proposal:
        """Record ``approved`` or ``rejected`` by ``user`` (nothing goes to the plant)."""
        if decision not in ("approved", "rejected"):
            raise ValueError(f"decision must be 'approved' or 'rejected', found {decision!r}")
        for p in self.proposals:
            if p.proposal_id == proposal_id:
                p.status = decision
                p.decision = {"user": user, "comment": comment, "time": time.time()}
                self._open.discard(p.machine)
                return p
        raise KeyError(f"no proposal {proposal_id!r}; open ones: "
                       f"{[p.proposal_id for p in self.proposals]!r}")

    def table(self) -> pd.DataFrame:
        """Every proposal."""
        cols = ["proposal_id", "machine", "down_from", "expected_repair_h", "status", "note"]
        return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in self.proposals],
                            columns=cols)
