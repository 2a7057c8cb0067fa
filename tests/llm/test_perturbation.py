"""The checker against a perturbation suite built from real fact sheets of every kind:
false sentences of seven kinds must be caught (at least 99 %), true paraphrases kept (at
least 95 %); every sentence frame the model may choose passes the checker."""

from __future__ import annotations

import pytest

from twinbench.llm.content_plan import content_plan, render_frame
from twinbench.llm.grounding import check_text
from twinbench.llm.perturb import KINDS, perturb, score
from twinbench.llm.writer import complete_sentence

KINDS_BUILT = {"scenario_comparison", "supply_plan", "demand_forecast", "schedule",
               "simulation", "calibrated_twin", "failure_forecast"}


@pytest.fixture(scope="session")
def sheets():
    """Real fact sheets from small runs on the demo plant (about 2 minutes once)."""
    from twinbench.llm.perturb import demo_sheets

    return demo_sheets(calibrate_twin=True, seed=0)


@pytest.fixture(scope="session")
def scored(sheets):
    return score(sheets, seed=0)


def test_the_suite_is_large_and_covers_every_kind(sheets, scored):
    table, _ = scored
    assert {s.kind for s in sheets.values()} == KINDS_BUILT
    assert table.loc["false, all", "cases"] >= 500
    assert table.loc["true", "cases"] >= 200
    for kind in KINDS:
        assert table.loc[kind, "cases"] >= 30, kind
    # every sheet kind gives true and false sentences
    for s in sheets.values():
        cases = perturb(s, 0)
        assert any(c.truth for c in cases) and any(not c.truth for c in cases), s.kind


def test_false_sentences_are_caught_and_true_ones_kept(scored):
    table, wrong = scored
    print(table.to_string())
    for kind in KINDS:
        assert table.loc[kind, "rate"] >= 0.99, (kind, [c.text for _, c in wrong
                                                         if c.kind == kind][:5])
    assert table.loc["false, all", "rate"] >= 0.99
    assert table.loc["true", "rate"] >= 0.95, [c.text for _, c in wrong if c.truth][:5]


def test_the_suite_knows_the_truth_of_its_sentences(sheets):
    """Its wrong numbers differ from their fact at the precision they are written to, its
    draws follow the seed, and each sheet's cases are its own."""
    from twinbench.llm.mentions import canonical_unit, extract_numbers

    checked = 0
    for s in sheets.values():
        facts = {f.name: f for f in s.facts}
        for c in perturb(s, 0):
            if c.kind not in ("off", "words"):
                continue
            f = facts[c.fact]
            n = extract_numbers(c.text)[-1]
            _, factor = canonical_unit(f.unit)
            assert abs(abs(n.value) - abs(float(f.value)) * factor) > n.half_step, c.text
            checked += 1
    assert checked >= 100
    s = sheets["comparison s4-out-6-weeks"]
    cases = perturb(s, 0)
    assert perturb(s, 0) == cases
    assert {c.text for c in perturb(s, 1) if c.kind == "off"} != {
        c.text for c in cases if c.kind == "off"}


def test_every_frame_the_model_may_write_passes_the_checker(sheets):
    """Explanations right by construction: each frame of each content-plan item, rendered,
    is a complete sentence the checker accepts, on every sheet."""
    n = 0
    for name, s in sheets.items():
        for item in content_plan(s):
            assert item.frames and render_frame(item.frames[0], s) == item.template
            for frame in item.frames:
                text = render_frame(frame, s)
                rep = check_text(text, s)
                assert rep.ok, (name, text, rep.unsupported)
                assert all(complete_sentence(x) for x in
                           [t if t.endswith(".") else t + "." for t in text.split(". ")]), text
                n += 1
    assert n >= 60


def test_phrasings_the_suite_does_not_write(sheets):
    """Held out from the generator: other verbs, orders and roundings, on a real sheet."""
    from twinbench.llm.facts import format_value

    s = sheets["comparison s4-out-6-weeks"]
    v = {f.name: f for f in s.facts}

    def w(name, scale=1.0, unit=None):
        f = v[name]
        return format_value(abs(float(f.value)) * scale, f.unit if unit is None else unit)

    d = v["change of supply cost"]
    up, down = ("went up", "went down") if d.value > 0 else ("went down", "went up")
    k = round(abs(float(d.value)) / 1000)
    kept = [f"Compared to the base, supply cost {up} by {w('change of supply cost')}.",
            f"With S4 out, supply cost comes to {w('supply cost in the scenario')}.",
            f"Supply cost grows by about {k} thousand EUR to "
            f"{w('supply cost in the scenario')}." if d.value > 0 else
            f"Supply cost shrinks by about {k} thousand EUR.",
            f"The scenario's supply cost differs by "
            f"{abs(float(d.value)) / 1000:.1f} kEUR from the base."]
    caught = [f"Compared to the base, supply cost {down} by {w('change of supply cost')}.",
              f"With S4 out, supply cost comes to {w('supply cost in the base')} in the "
              "scenario.",
              f"Supply cost changes by about {round(k * 1.3) + 2} thousand EUR.",
              f"Supply cost changes by {w('change of supply cost').split()[0]} hours.",
              "Supply cost is the cheapest part of the plan."]
    for t in kept:
        assert check_text(t, s).ok, (t, check_text(t, s).unsupported)
    for t in caught:
        assert not check_text(t, s).ok, t
