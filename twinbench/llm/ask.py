"""Ask the twin: a question in, a checked answer out.

``ask("what if supplier S2 is two weeks late?", ctx)`` turns the question into scenario
edits (:func:`~twinbench.llm.questions.parse_question`: rules, then the model under a JSON
schema), validates them against the line, runs the scenario and the base through the
scenario runner with the same seed, and explains the difference from the comparison's
facts. "How/why" questions are answered from the plant's documents (SOPs, maintenance
notes): the best passages are retrieved, quoted to the model as data, and every number of
the answer must appear in them; the sources are cited.

The model only reads and writes text: it has no tool, it writes no file (the caller decides
what to save, inside its results folder).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from twinbench.llm.explain import Explanation, explain
from twinbench.llm.facts import FactSheet, spec_vocabulary
from twinbench.llm.grounding import extract_numbers
from twinbench.llm.questions import ParsedQuestion, classify_question, parse_question
from twinbench.llm.retrieval import DocumentIndex

__all__ = ["Answer", "ask", "document_index"]


@dataclass
class Answer:
    """The answer to a question.

    Attributes
    ----------
    question
        The question.
    kind
        ``what_if``, ``how_why`` or ``rejected``.
    text
        What to show: the checked prose followed by the computed facts (what-if) or the
        quoted passages (how/why); the template alone when no model prose passed.
    explanation
        The checked explanation (None when rejected).
    parsed
        The edits the question became (what-if).
    comparison
        KPI deltas against the base (what-if).
    sources
        Cited passages (``file:start-end``).
    seconds
        Wall time [s].
    """

    question: str
    kind: str
    text: str
    explanation: Explanation | None = None
    parsed: ParsedQuestion | None = None
    comparison: pd.DataFrame | None = None
    sources: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        label = f"\n[{self.explanation.label()}]" if self.explanation else ""
        src = f"\nSources: {', '.join(self.sources)}" if self.sources else ""
        return f"{self.text}{label}{src}"


def document_index(plant_root: str | Path) -> DocumentIndex | None:
    """The plant's documents (``docs/*.md``, ``docs/*.txt``), or None when there are none."""
    docs = sorted(Path(plant_root, "docs").glob("*.md")) + sorted(
        Path(plant_root, "docs").glob("*.txt"))
    return DocumentIndex.from_files(docs) if docs else None


def _document_facts(passages, spec: Any) -> FactSheet:
    """The numbers and names of the retrieved passages as facts (each cited)."""
    sheet = FactSheet("documents", "answer from the plant's documents")
    if spec is not None:
        sheet.vocabulary |= spec_vocabulary(spec)
    for p, _ in passages:
        first = p.text.splitlines()[0].lstrip("# ").strip()
        sheet.add(f"passage {p.cite}", first, role="value")
        for n in extract_numbers(p.text):
            sheet.add(f"number in {p.cite}", n.value, n.unit or "")
    return sheet


def ask(question: str, ctx: Any, *, documents: DocumentIndex | None = None,
        engine: Any = None, method: str = "auto", use_llm: bool = True,
        seed: int | None = None) -> Answer:
    """Answer ``question`` about the plant of ``ctx``.

    Parameters
    ----------
    question
        A what-if (``"what if PRESS1 is down for 2 days?"``) or a how/why question
        (``"how do I change the laser nozzle?"``).
    ctx
        A :class:`~twinbench.scenarios.runner.RunContext` (the plant, its forecasts and the
        run settings).
    documents
        The plant's documents (default: ``docs/`` of the plant folder).
    engine, method, use_llm
        The model, the question parser (``auto``, ``rules``, ``llm``), and whether the
        model writes the prose (False: templates only).
    seed
        Seed of the scenario runs (default 0).
    """
    from twinbench.scenarios.compare import compare_pair
    from twinbench.scenarios.runner import evaluate

    tic = time.perf_counter()
    spec = ctx.plant.spec
    if documents is None:
        documents = document_index(ctx.plant.root)
    kind = classify_question(question)
    if kind == "how_why":
        found = documents.search(question, k=3) if documents is not None else []
        if not found:
            return Answer(question, "rejected", "No passage of the plant's documents matches "
                          "this question; ask about a procedure, a machine or a note by "
                          "name, or ask a what-if question.", seconds=time.perf_counter() - tic)
        sheet = _document_facts(found, spec)
        ex = explain(sheet, spec, engine=engine, use_llm=use_llm, question=question,
                     documents=documents, passages=len(found))
        quoted = "\n\n".join(f"From {p.cite}:\n{p.text}" for p, _ in found[:2])
        text = f"{ex.text}\n\n{quoted}" if ex.ai_generated else quoted
        return Answer(question, kind, text, ex, sources=[p.cite for p, _ in found],
                      seconds=time.perf_counter() - tic)
    parsed = parse_question(question, spec, method=method,
                            engine=engine if use_llm else None)
    if not parsed.ok:
        return Answer(question, "rejected", parsed.error, parsed=parsed,
                      seconds=time.perf_counter() - tic)
    scenario = parsed.scenario(name="question", seed=seed or 0)
    base = scenario.model_copy(update={"name": "base", "edits": []})
    table = compare_pair(evaluate(base, ctx), evaluate(scenario, ctx), "question")
    descr = {"question": question}
    ex = explain(table, spec, engine=engine, use_llm=use_llm, scenario="question",
                 descriptions=descr)
    # the computed figures always accompany the prose
    text = f"{ex.text}\n\nComputed: {ex.template}" if ex.ai_generated else ex.text
    return Answer(question, kind, text, ex, parsed, table, ex.sources,
                  time.perf_counter() - tic)
