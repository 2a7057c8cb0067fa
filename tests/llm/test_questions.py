"""Questions into scenario edits: the deterministic parser on a set of what-if questions,
the schema-constrained model, and validation of everything that comes out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from twinbench.data.plant import load_plant
from twinbench.llm.questions import (
    classify_question,
    edit_schema,
    parse_question,
)
from twinbench.scenarios import scenarios_from_dict
from twinbench.scenarios.edits import EDIT_KINDS

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text())["questions"]


@pytest.fixture(scope="module")
def spec():
    return load_plant().spec


def _expected(item, spec):
    if item["expected"] == "reject":
        return None
    return list(scenarios_from_dict({"scenarios": [{"name": "x", "edits": item["expected"]}]},
                                    spec)[0].edits)


def _clear(msg: str) -> bool:
    """A rejection says what is allowed or what to write."""
    return any(w in msg for w in ("allowed", "e.g.", "one of", "would leave"))


#: the planner's edits added with the coupled twin (supplier terms, lead time, spot price,
#: DC status): written in scenario files or Python; the question parser does not read them
#: yet (the question-understanding issue), so the question set does not cover them
NOT_ASKED_YET = {"supplier_capacity", "supplier_price", "supplier_reliability", "lead_time",
                 "spot_price", "dc_status"}


def test_question_set_is_large_and_covers_every_kind(spec):
    assert len(QUESTIONS) >= 30
    kinds = {e["kind"] for q in QUESTIONS if q["expected"] != "reject" for e in q["expected"]}
    assert kinds == set(EDIT_KINDS) - NOT_ASKED_YET
    assert sum(q["expected"] == "reject" for q in QUESTIONS) >= 5


def test_rule_parser_share_exactly_right(spec, capsys):
    right, wrong = 0, []
    for item in QUESTIONS:
        r = parse_question(item["q"], spec, method="rules")
        exp = _expected(item, spec)
        ok = (not r.ok and bool(r.error)) if exp is None else (r.ok and r.edits == exp)
        right += ok
        if not ok:
            wrong.append((item["q"], r.raw, r.error))
    share = right / len(QUESTIONS)
    with capsys.disabled():
        print(f"\nrule parser: {right}/{len(QUESTIONS)} questions exactly right ({share:.0%})")
    assert share >= 0.9, wrong


def test_every_parse_is_valid_or_rejected_clearly(spec):
    for item in QUESTIONS:
        r = parse_question(item["q"], spec, method="rules")
        if r.ok:
            # valid for this line: the scenario validator accepts the edits as they are
            sc = r.scenario()
            scenarios_from_dict({"scenarios": [sc.model_dump(mode="json")]}, spec)
        else:
            assert r.error and _clear(r.error), (item["q"], r.error)
            with pytest.raises(ValueError, match="gave no valid edit"):
                r.scenario()


def test_model_parses_are_valid_or_rejected_clearly(spec):
    """The real model under the JSON schema: whatever it writes is validated."""
    for q in ("what if supplier S2 is two weeks late?", "what if we add a night shift?",
              "what is the weather like tomorrow?"):
        r = parse_question(q, spec, method="llm")
        assert r.method == "llm"
        if r.ok:
            scenarios_from_dict({"scenarios": [r.scenario().model_dump(mode="json")]}, spec)
        else:
            assert r.error, q
    # in auto mode a model edit naming nothing of the question is refused
    r = parse_question("what is the weather like tomorrow?", spec, method="auto")
    assert not r.ok
    assert "rephrase" in r.error or "no scenario edit" in r.error


def test_schemas_restrict_entities_to_the_line(spec):
    s = edit_schema("supplier_delay", spec)
    assert s["properties"]["supplier"]["enum"] == ["S1", "S2", "S3", "S4"]
    assert s["properties"]["kind"]["enum"] == ["supplier_delay"]
    assert set(s["required"]) == {"kind", "supplier", "delay"}
    assert "all" in edit_schema("demand_change", spec)["properties"]["product"]["enum"]
    with pytest.raises(ValueError, match="allowed kinds"):
        edit_schema("teleport", spec)
    with pytest.raises(ValueError, match="allowed"):
        parse_question("x", spec, method="magic")


def test_questions_are_classified():
    assert classify_question("How long does a press service take?") == "how_why"
    assert classify_question("Why is PAINT expensive before 08:00?") == "how_why"
    assert classify_question("What if S2 is late?") == "what_if"
    assert classify_question("S1 goes bankrupt") == "what_if"
