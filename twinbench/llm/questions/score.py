"""Scoring the question parser on a question set (``tests/llm/question_set/``): each
question is *exact* (the edits the set expects, or refused when the set expects a
refusal), *refused* (a question the set parses was refused: safe, but not answered) or
*silently wrong* (edits other than the expected ones, or edits for a question to refuse).

Edits are compared after validation through the ``Edit`` model, as unordered lists;
factors with a relative tolerance of 1e-4; ``add_shift.name`` loosely, and
``new_order.order_id`` loosely when the question gives no id (tag ``no-id``): any id not
in the order book is right; ``lead_time(change=d)`` equals ``supplier_delay(delay=d)``
(the same lead time) and shift days compare in any order (the set's README).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from twinbench.scenarios.edits import Edit

__all__ = ["Outcome", "SetScore", "compare", "load_set", "score_set"]

_ADAPTER = TypeAdapter(list[Edit])
_REL = 1e-4


@dataclass
class Outcome:
    """One question of the set: ``verdict`` (``exact``, ``refused``, ``wrong``), what the
    parser said and what the set expects."""

    question: str
    verdict: str
    expected: Any
    got: list[dict[str, Any]]
    error: str
    tags: list[str] = field(default_factory=list)


@dataclass
class SetScore:
    """Verdicts of one parser method on one split [count], with the outcomes."""

    method: str
    split: str
    outcomes: list[Outcome]
    seconds: float

    @property
    def counts(self) -> Counter:
        return Counter(o.verdict for o in self.outcomes)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def share(self, verdict: str) -> float:
        """Share of the questions with ``verdict`` [1]."""
        return self.counts[verdict] / max(1, self.n)

    def line(self) -> str:
        """``exact / refused / silently wrong`` as one printable line."""
        c = self.counts
        return (f"{self.split:>5s} {self.method:>5s}: exact {c['exact']}/{self.n} "
                f"({self.share('exact'):.0%}), refused {c['refused']}, silently wrong "
                f"{c['wrong']}; {self.seconds / max(1, self.n):.3f} s per question")


def load_set(path: str | Path) -> list[dict[str, Any]]:
    """The questions of a split file (``questions:`` list of question/expect/tags).

    Raises
    ------
    ValueError
        When the file does not hold a ``questions`` list.
    """
    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ValueError(f"{path}: expected a mapping with a 'questions' list, found "
                         f"{type(data).__name__}; see tests/llm/question_set/README.md")
    return data["questions"]


def _dump(edits: list[Any]) -> list[dict[str, Any]]:
    return [e.model_dump(mode="python") for e in edits]


def _canonical(e: dict[str, Any]) -> dict[str, Any]:
    """One form for edits the set's README counts as equal: a lead-time change of d is a
    delay of d (both give the same lead time); shift days in any order."""
    if e.get("kind") == "lead_time" and e.get("change") is not None:
        return {"kind": "supplier_delay", "supplier": e["supplier"], "delay": e["change"]}
    if e.get("kind") == "add_shift":
        return {**e, "days": sorted(e["days"])}
    return e


def _same(a: dict[str, Any], b: dict[str, Any], loose: set[str], order_ids: set[str]
          ) -> bool:
    if a.get("kind") != b.get("kind") or set(a) != set(b):
        return False
    for k, va in a.items():
        vb = b[k]
        if (a["kind"], k) in loose:
            if k == "order_id" and vb in order_ids:
                return False
            continue
        if isinstance(va, float) or isinstance(vb, float):
            if va is None or vb is None:
                return va is vb
            if abs(va - vb) > _REL * max(1.0, abs(va), abs(vb)):
                return False
        elif va != vb:
            return False
    return True


def compare(got: list[Any], expected: list[dict[str, Any]], tags: list[str],
            order_ids: set[str]) -> bool:
    """Whether validated edits ``got`` are the set's ``expected`` edits (unordered)."""
    exp = [_canonical(e) for e in _dump(_ADAPTER.validate_python(expected))]
    have = [_canonical(e) for e in _dump(got)]
    loose = {("add_shift", "name")} | ({("new_order", "order_id")} if "no-id" in tags
                                       else set())
    if len(exp) != len(have):
        return False
    left = list(have)
    for e in exp:
        hit = next((k for k, h in enumerate(left) if _same(e, h, loose, order_ids)), None)
        if hit is None:
            return False
        left.pop(hit)
    return True


def score_set(questions: list[dict[str, Any]], parse: Any, order_ids: set[str],
              method: str = "rules", split: str = "") -> SetScore:
    """Verdicts of ``parse(question) -> ParsedQuestion`` on ``questions``."""
    out = []
    t0 = time.perf_counter()
    for q in questions:
        r = parse(q["question"])
        tags = list(q.get("tags", []))
        if q["expect"] == "refuse":
            verdict = "wrong" if r.ok else "exact"
        elif not r.ok:
            verdict = "refused"
        else:
            verdict = "exact" if compare(r.edits, q["expect"], tags, order_ids) else "wrong"
        out.append(Outcome(q["question"], verdict, q["expect"],
                           _dump(r.edits) if r.ok else r.raw, r.error, tags))
    return SetScore(method, split, out, time.perf_counter() - t0)
