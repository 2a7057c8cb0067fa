"""A breakdown seen live opens a replanning proposal that waits for approval.

When a machine goes OutOfService with a failure alarm, :class:`ProposalBook` records a
:class:`Proposal`: the machine, the plant time, the expected repair time (the spec's
``repair_mean``) and a ``rescheduled`` part. With a ``replan`` the book has the week
replanned around the breakdown by the shop-floor rescheduler
(:func:`twinbench.optimize.schedule.reschedule.reschedule`):
:class:`twinbench.live.replan.WeekReplanner` does it in a worker process, so the proposal
is ``rescheduling`` until :meth:`ProposalBook.poll` finds the replan done (then
``awaiting_approval``, with the :class:`~twinbench.live.replan.Replan` in
:attr:`Proposal.rescheduled`: what moved, the objective before and after, whether the
checker passed); a plain callable ``replan(machine, down_from, hours)`` is run at once.
When the rescheduler cannot replan (no approved plan that week, the machine not in it)
or there is no ``replan``, the proposal says why, records the breakdown for a planner
(``awaiting_reschedule``), and :attr:`Proposal.rescheduled` holds the refusal or None.
Nothing is ever written back to the plant: a proposal is approved or rejected by a person
(:meth:`ProposalBook.decide`), and that decision is only recorded.
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
    future: Any = field(default=None, repr=False)


class ProposalBook:
    """Proposals opened by live breakdowns.

    Parameters
    ----------
    spec
        The line (repair times of the machine types).
    replan
        A :class:`~twinbench.live.replan.WeekReplanner` (anything with
        ``submit(machine, down_from, hours)`` returning a future: replanned in the
        background), or a callable ``replan(machine, down_from, hours)`` run at once;
        default None (no rescheduler: the proposal records what it would ask for).
    """

    def __init__(self, spec: LineSpec, replan: Callable[..., Any] | Any | None = None
                 ) -> None:
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
        if hasattr(self.replan, "submit"):  # in the background (WeekReplanner)
            p.status = "rescheduling"
            p.future = self.replan.submit(machine, p.down_from, hours)
            p.note = (f"replanning the week around {machine} down from {p.down_from} "
                      f"(about {hours:.0f} h)")
        elif self.replan is not None:
            self._settle(p, self.replan(machine, p.down_from, hours))
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

    def _settle(self, p: Proposal, result: Any) -> None:
        """Attach a replan's ``result`` to ``p`` and say what it is."""
        p.rescheduled = result
        if getattr(result, "ok", True):
            p.status = "awaiting_approval"
            if hasattr(result, "moved"):
                p.note = (f"replanned the week of {result.week_start:%Y-%m-%d}: "
                          f"{result.moved} operations moved, objective of the remaining "
                          f"work {result.objective_before:.1f} -> "
                          f"{result.objective_after:.1f}, checker "
                          f"{'passed' if result.check_passed else 'FAILED'}; waiting for "
                          "approval")
            else:
                p.note = "rescheduled around the breakdown; waiting for approval"
        else:
            p.status = "awaiting_reschedule"
            p.note = (f"not replanned: {result.reason}; the proposal records the breakdown "
                      f"({p.machine} down from {p.down_from}, about "
                      f"{p.expected_repair_h:.0f} h) for a planner; approve to acknowledge")

    def poll(self) -> list[Proposal]:
        """Settle the proposals whose background replan finished; those settled now."""
        done = []
        for p in self.proposals:
            if p.future is not None and p.future.done():
                fut, p.future = p.future, None
                try:
                    self._settle(p, fut.result())
                except Exception as err:  # the worker failed: say so, keep the breakdown
                    p.status = "awaiting_reschedule"
                    p.note = (f"the replan failed ({type(err).__name__}: {err}); the "
                              f"proposal records the breakdown ({p.machine} down from "
                              f"{p.down_from}) for a planner")
                done.append(p)
        return done

    def decide(self, proposal_id: str, user: str, decision: str, comment: str = "") -> Proposal:
        """Record ``approved`` or ``rejected`` by ``user`` (nothing goes to the plant)."""
        if decision not in ("approved", "rejected"):
            raise ValueError(f"decision must be 'approved' or 'rejected', found {decision!r}")
        self.poll()
        for p in self.proposals:
            if p.proposal_id == proposal_id:
                if p.status == "rescheduling" and decision == "approved":
                    raise ValueError(f"{proposal_id} is still being replanned: approve it "
                                     "when its replan is there (or reject it now)")
                p.status = decision
                p.decision = {"user": user, "comment": comment, "time": time.time()}
                self._open.discard(p.machine)
                return p
        raise KeyError(f"no proposal {proposal_id!r}; open ones: "
                       f"{[p.proposal_id for p in self.proposals]!r}")

    def table(self) -> pd.DataFrame:
        """Every proposal (background replans settled first)."""
        self.poll()
        cols = ["proposal_id", "machine", "down_from", "expected_repair_h", "status", "note"]
        return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in self.proposals],
                            columns=cols)
