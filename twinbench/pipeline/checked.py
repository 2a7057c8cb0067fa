"""Checked plans of the chain's stages: the solver's status read, the independent checker
run, and a stage without a checked plan stopped with :class:`StageFailed`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["StageFailed", "checked", "plan_status"]


class StageFailed(RuntimeError):
    """A stage produced no checked result (infeasible, time limit without a plan, or a
    plan the independent checker refuses); ``stage`` and ``status`` say which."""

    def __init__(self, stage: str, status: str, detail: str) -> None:
        super().__init__(f"stage {stage!r} failed ({status}): {detail}")
        self.stage, self.status, self.detail = stage, status, detail

    def __reduce__(self):  # kept whole when it travels from a worker process
        return (type(self), (self.stage, self.status, self.detail))


def plan_status(status: str, gap: float) -> str:
    """``ok`` for a proven optimum, else the solver's status and gap (a checked plan that
    a time limit stopped is used, and says so)."""
    if status == "optimal":
        return "ok"
    return f"ok: checked plan, solver status {status}" + (
        f", gap {gap:.1%}" if gap == gap else ", gap unknown")


def checked(stage: str, solve: Callable[[], Any], check: Callable[[Any], list]) -> Any:
    """Solve, read the solver status and run the independent checker."""
    from twinbench.optimize.diagnose import Infeasible

    try:
        out = solve()
    except Infeasible as err:
        raise StageFailed(stage, "infeasible", str(err)) from err
    except RuntimeError as err:
        raise StageFailed(stage, "no plan", str(err)) from err
    problems = check(out)
    if problems:
        raise StageFailed(stage, "checker refused the plan",
                          "; ".join(map(str, problems[:5])))
    return out
