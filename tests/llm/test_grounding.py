"""The grounding check: numbers, dates and names against the facts."""

from __future__ import annotations

import pytest

from twinbench.llm.facts import Fact, FactSheet, fact_sheet, format_value
from twinbench.llm.grounding import check_text, extract_numbers, split_sentences


@pytest.fixture
def sheet() -> FactSheet:
    s = FactSheet("supply_plan", "test plan")
    s.add("expected total supply cost", 1234.4, "EUR")
    s.add("share of spot cost", 0.1234, "1")
    s.add("bottleneck station", "WELD", entities=["WELD"], role="bottleneck")
    s.add("change of purchase cost", -38184.5, "EUR", role="driver")
    s.add("machine down from", "2026-01-12 06:00", entities=["PRESS1"])
    s.vocabulary |= {"WELD", "LASER", "PRESS1", "S2", "steel_sheet"}
    return s


def test_numbers_are_read_with_separators_scales_and_percent():
    got = [(n.value, n.percent) for n in extract_numbers(
        "1,234 EUR, 1.2 kEUR, 12.3%, 3 million, -5 h and 20 percent")]
    assert got == [(1234.0, False), (1200.0, False), (pytest.approx(0.123), True),
                   (3e6, False), (-5.0, False), (0.2, True)]


@pytest.mark.parametrize("text", [
    "The cost is 1,234 EUR.", "The cost is 1.2 kEUR.", "The cost is 1234.4 EUR.",
    "Spot buys are 12.3% of the cost.", "Spot buys are 12% of the cost.",
    "Purchases fall by 38,185 EUR.", "Purchases fall by 38.2 kEUR.",
    "WELD is the bottleneck.", "PRESS1 is down from 2026-01-12 06:00."])
def test_supported_claims_pass(sheet, text):
    rep = check_text(text, sheet)
    assert rep.ok, rep.unsupported
    assert rep.kept_text() == text


@pytest.mark.parametrize(("text", "bad"), [
    ("The cost is 1,500 EUR.", "1,500"),            # wrong number
    ("The cost is 2 kEUR.", "2"),                    # rounding does not reach 1,234
    ("Spot buys are 15% of the cost.", "15"),
    ("LASER is the bottleneck.", "LASER"),           # a real station no fact names
    ("Supplier S7 is late.", "S7"),                  # an invented id
    ("PRESS1 is down from 2026-02-01.", "2026-02-01"),
])
def test_unsupported_claims_are_caught(sheet, text, bad):
    rep = check_text(text, sheet)
    assert not rep.ok
    assert [c.text for c in rep.unsupported] == [bad]
    assert rep.kept_text() == ""


def test_only_sentences_with_unsupported_claims_are_removed(sheet):
    text = ("WELD is the bottleneck. The cost is 999,999 EUR. Spot buys are 12.3% of it.\n"
            "- Supplier S2 fails.")
    rep = check_text(text, sheet)
    assert rep.removed == ["The cost is 999,999 EUR.", "Supplier S2 fails."]
    assert rep.kept_text() == "WELD is the bottleneck. Spot buys are 12.3% of it."
    assert rep.supported_claims == 3     # WELD, its role, 12.3%


def test_sentences_and_list_items_split_without_breaking_decimals():
    assert split_sentences("Cost 1.2 kEUR. Next one!\n1. item one\n- item two") == [
        "Cost 1.2 kEUR.", "Next one!", "item one", "item two"]


def test_format_value_roundtrips_through_the_check():
    s = FactSheet("x", "t")
    for v, u in ((1234567.8, "EUR"), (0.98765, "1"), (5.25, "h"), (0.0042, "1"),
                 (41016.7, "unit"), (-0.37, "EUR")):
        s.add("v", v, u)
        assert check_text(f"It is {format_value(v, u)}.", s).ok, (v, u)


def test_fact_rejects_unknown_role_and_registry_explains_missing_builder():
    with pytest.raises(ValueError, match="allowed"):
        Fact("x", 1.0, role="opinion")
    with pytest.raises(TypeError, match="no fact-sheet builder for int"):
        fact_sheet(42)


def test_numbers_must_fit_the_unit_and_entity_of_their_sentence():
    s = FactSheet("demand_forecast", "forecast")
    s.add("expected demand of BRK-A", 500.0, "unit", entities=["BRK-A"])
    s.add("expected demand of CAB-S", 80.0, "unit", entities=["CAB-S"])
    s.add("expected total supply cost", 1234.0, "EUR")
    s.vocabulary |= {"BRK-A", "CAB-S"}
    assert check_text("BRK-A demand is 500 units.", s).ok
    assert check_text("Demand is 500 units.", s).ok             # no entity named: any fact
    assert not check_text("CAB-S demand is 500 units.", s).ok   # 500 is BRK-A's
    assert not check_text("The cost is 500 EUR.", s).ok         # 500 is not a cost
    assert not check_text("It makes 1,234 units.", s).ok        # 1,234 is a cost
    assert check_text("The cost is 1,234 EUR.", s).ok


def test_a_right_number_attached_to_the_wrong_quantity_is_caught():
    s = FactSheet("scenario_comparison", "comparison")
    s.add("purchase cost in the base", 147539.0, "EUR")
    s.add("change of supply cost", 305.7, "EUR", role="driver")
    s.add("change of flow time", 32.2, "h", role="driver")
    assert check_text("The change of supply cost is 306 EUR.", s).ok
    assert check_text("The purchase cost in the base is 147,539 EUR.", s).ok
    bad = check_text("The change of supply cost is 147,539 EUR.", s)
    assert [c.text for c in bad.unsupported] == ["147,539"]
    # words naming no quantity leave every fact of that value possible
    assert check_text("It comes to 147,539 EUR.", s).ok


@pytest.fixture
def issue_sheet() -> FactSheet:
    """The scenario comparison of issue 20 (supply cost and spot purchases both rise)."""
    import pandas as pd

    df = pd.DataFrame({"kpi": ["supply cost", "spot purchases", "holding cost"],
                       "unit": ["EUR"] * 3, "base": [261646.0, 60112.0, 6125.0],
                       "delta": [16956.0, 49657.0, -1995.0],
                       "ci_low": [14000.0, 45000.0, -2096.0],
                       "ci_high": [19000.0, 52000.0, -1894.0]})
    return fact_sheet(df, scenario=None)


@pytest.mark.parametrize("text", [
    "Supply cost falls by 16,956 EUR.",                    # it rises
    "Supply cost is lower than in the base.",
    "278,602 EUR is the base supply cost.",                # that is the scenario's
    "The supply cost in the base is 266,356 EUR.",         # 1.8 % off
    "Spot purchases fall by 49,657 EUR.",                  # they rise
    "Supply cost rises by sixty thousand euros.",
    "Supply cost rises by 20%.",                           # the change is 6.5 %
    "Supply cost rises by 16,956 hours.",                  # wrong unit
    "Supply cost rises by 16,956 kEUR.",                   # wrong unit prefix
    "Supply cost rises mainly because of holding cost.",   # not the driver
    "Holding cost is the cheapest cost.",                  # no fact says cheapest
    "The 90% interval of the change of supply cost runs from 19,000 EUR to 14,000 EUR.",
])
def test_the_false_sentences_of_the_issue_are_caught(issue_sheet, text):
    assert not check_text(text, issue_sheet).ok, text


@pytest.mark.parametrize("text", [
    "Supply cost rises by 16,956 EUR, from 261,646 EUR to 278,602 EUR.",
    "278,602 EUR is the scenario's supply cost.",
    "Supply cost rises by about seventeen thousand euros.",
    "Supply cost rises by 17.0 kEUR (6.5%).",
    "Spot purchases rise by 49.7 kEUR.",
    "Supply cost rises mainly because of spot purchases.",
    "Holding cost is lower than in the base.",
    "The 90% interval of the change of supply cost runs from 14,000 EUR to 19,000 EUR.",
])
def test_true_paraphrases_of_the_issue_sheet_are_kept(issue_sheet, text):
    rep = check_text(text, issue_sheet)
    assert rep.ok, rep.unsupported
