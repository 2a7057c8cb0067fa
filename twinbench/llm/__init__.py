"""The local language model: llama.cpp engine, fact sheets, grounded explanations,
questions into scenario edits, retrieval over the plant's documents.

Numbers shown to a user come only from fact sheets; the model's prose is checked against
them (:mod:`twinbench.llm.grounding`) and replaced by a template when it fails.
"""

from twinbench.llm import facts_plan  # noqa: F401  (registers schedule/simulation facts)
from twinbench.llm.ask import Answer, ask, document_index
from twinbench.llm.engine import Engine, LLMConfig, LLMUnavailable, default_model_path, get_engine
from twinbench.llm.explain import Explanation, explain, template_explanation
from twinbench.llm.facts import Fact, FactSheet, fact_sheet, register_facts
from twinbench.llm.grounding import GroundingReport, check_text
from twinbench.llm.questions import ParsedQuestion, classify_question, parse_question
from twinbench.llm.retrieval import DocumentIndex, Passage

__all__ = [
           "Answer",
           "DocumentIndex",
           "Engine",
           "Explanation",
           "Fact",
           "FactSheet",
           "GroundingReport",
           "LLMConfig",
           "LLMUnavailable",
           "ParsedQuestion",
           "Passage",
           "ask",
           "check_text",
           "classify_question",
           "default_model_path",
           "document_index",
           "explain",
           "fact_sheet",
           "get_engine",
           "parse_question",
           "register_facts",
           "template_explanation",
]
