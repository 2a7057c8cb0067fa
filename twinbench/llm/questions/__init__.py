"""Questions into scenario edits: a grammar over normalised text, refusing rather than
guessing, with the local model as a fallback under the same rules.

``parse_question("what if S1 and S2 are both 5 days late?", spec)`` returns a
:class:`ParsedQuestion` with validated edits (two ``SupplierDelay`` of 120 h) or a refusal
whose ``error`` says why. The pieces, in the order they run:

* :mod:`.lexicon` - the plant's words (names, machine-type and station words,
  descriptions resolved from the data: "our second supplier", "the cheapest steel sheet
  supplier", "the east DC", "the bottleneck" when the twin names one);
* :mod:`.normalise` - tokens: numbers, fractions and ordinals in words, durations ("a
  fortnight", "a full shift" from the calendar), multipliers, dates, keywords;
* :mod:`.refine` and :mod:`.phrasing` - phrasings read on the tokens ("not 40 but 55",
  "weld robot no. 2", "a Saturday morning shift 6 to 12", "half the BRK-A demand");
* :mod:`.unknown` - a word that is neither a token nor harmless refuses the question
  ("S2 is 3 days late on alternating weeks"); typos one letter off a known word;
* :mod:`.grammar` - the lark grammar: clauses, coordination, phrases;
* :mod:`.interpret` (with :mod:`.frames`) - each what-if kind reads the phrases it needs;
  the consumption rule: every number and name must be used, or the question is refused;
* :mod:`.model` - the model's reading under JSON schemas (with a ``none`` choice),
  :mod:`.consume` - the consumption rule for it;
* :mod:`.parse` - ``parse_question``: the above, then the scenario's checks (line,
  network, plan window).

This package belongs to the ``llm`` layer: it imports ``spec`` and ``scenarios``.
"""

from twinbench.llm.questions.model import edit_schema, llm_parse
from twinbench.llm.questions.parse import DEFAULT_START, METHODS, parse_question, rule_parse
from twinbench.llm.questions.result import ParsedQuestion, classify_question

__all__ = ["DEFAULT_START", "METHODS", "ParsedQuestion", "classify_question", "edit_schema",
           "llm_parse", "parse_question", "rule_parse"]
