"""What the question parser returns: edits, or a refusal with its reason (never an
exception for a question it cannot read)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from twinbench.scenarios.scenario import Scenario

__all__ = ["ParsedQuestion", "classify_question"]


@dataclass
class ParsedQuestion:
    """A question turned into edits, or refused.

    Attributes
    ----------
    question
        The text.
    edits
        Validated edit objects (empty when refused).
    method
        ``rules`` or ``llm`` (who produced the edits); ``none`` when nothing parsed.
    error
        Why the question was refused (empty when ``ok``): what was not understood, what is
        ambiguous, or which check of the scenario failed.
    raw
        The edits as plain dicts, before validation.
    unused
        Words of the question that no edit used (the consumption rule), when that is why
        it was refused.
    """

    question: str
    edits: list[Any] = field(default_factory=list)
    method: str = "none"
    error: str = ""
    raw: list[dict[str, Any]] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the question became valid edits."""
        return bool(self.edits) and not self.error

    @property
    def refused(self) -> bool:
        """Whether the question was refused (the reason is in ``error``)."""
        return not self.ok

    def scenario(self, name: str = "question", seed: int = 0) -> Scenario:
        """The edits as a scenario to run.

        Raises
        ------
        ValueError
            When the question was refused (the message says why).
        """
        if not self.ok:
            raise ValueError(f"question {self.question!r} gave no valid edit: {self.error}")
        return Scenario(name=name, description=self.question, edits=self.edits, seed=seed)


def classify_question(question: str) -> str:
    """``"what_if"`` (a scenario edit) or ``"how_why"`` (answered from documents).

    Questions about facts or results ("is S2 late?", "what is our OEE?", "how do I ...")
    are no what-if, unless they hold one ("what if ...", "suppose ...", "is it a problem
    if S3 is 3 days late?", "what is the impact of S2 being a week late?").
    """
    q = question.strip().lower()
    whatif = re.search(r"\bwhat if\b|\bsuppose\b|\bimagine\b|\b(?:impact|effect)s? of\b|"
                       r"\bwould an?\b.*\baffect\b|^(?:how|what) about\b", q)
    if re.match(r"^(how|why|when|where|who|which|what is|what are|what does|what's the|"
                r"explain|summari[sz]e|show|list|tell me)\b", q) and not whatif:
        return "how_why"
    if re.match(r"^(is|are|was|were|did|does|do|has|have|should|shall)\b", q) and not (
            whatif or re.search(r"\bif\b", q)):
        return "how_why"  # "is S2 two weeks late?": a question of fact
    return "what_if"
