"""The question parser on the question set written apart from it (tests/llm/question_set/,
issue 20 item 5): at least 200 paraphrases in a dev and a test split. The target on the
test split is at least 90 % exactly right and none silently wrong; what the parser reaches
now, and the floor guarding it, are in :data:`FLOOR`.

Failures on the test split report counts only: its questions are for measuring, not for
reading while writing parser rules (tests/llm/question_set/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from twinbench.data.plant import load_plant
from twinbench.llm.questions import ParsedQuestion, parse_question
from twinbench.llm.questions.score import compare, load_set, score_set
from twinbench.optimize.supply import load_network
from twinbench.scenarios.edits import EDIT_KINDS

SET = Path(__file__).parent / "question_set"


@pytest.fixture(scope="module")
def plant():
    p = load_plant()
    return p, load_network(p.root / "network.yaml", p.spec), set(p.orders["order_id"])


def _load(split: str) -> list[dict]:
    path = SET / f"{split}.yaml"
    if not path.exists():  # the test split is written apart from the parser, and added later
        pytest.skip(f"{path.name} is not there yet: the {split} split is written apart from "
                    "the parser and added when it is complete (see question_set/README.md)")
    return load_set(path)


SPLITS = ("dev", "test", "dev2", "test2", "test3", "dev3", "dev4", "dev5", "test4", "dev6",
          "test5")


@pytest.fixture(scope="module")
def splits():
    return {s: load_set(SET / f"{s}.yaml") for s in SPLITS if (SET / f"{s}.yaml").exists()}


def _rules(plant):
    p, net, ids = plant

    def parse(q: str) -> ParsedQuestion:
        return parse_question(q, p.spec, method="rules", network=net, order_ids=ids)
    return parse


def test_the_set_is_large_and_covers_every_kind_and_refusals(splits):
    assert "dev" in splits
    assert sum(len(v) for v in splits.values()) >= 200
    for name, qs in splits.items():
        kinds = {e["kind"] for q in qs if q["expect"] != "refuse" for e in q["expect"]}
        refused_kinds = {t for q in qs if q["expect"] == "refuse" for t in q["tags"]}
        assert kinds == set(EDIT_KINDS), name
        assert sum(q["expect"] == "refuse" for q in qs) >= 0.2 * len(qs), name
        assert {"combination", "coordination", "ambiguous", "implausible"} <= {
            t for q in qs for t in q["tags"]}, name
        assert len(refused_kinds & set(EDIT_KINDS)) >= 12, name
    seen: set[str] = set()
    for name, qs in splits.items():  # the splits are apart
        words = {" ".join(q["question"].lower().split()) for q in qs}
        assert not words & seen, name
        seen |= words


#: what each split must reach. The issue's target is at least 90 % exactly right and none
#: silently wrong on an unseen split. Dev and dev2 are tuned on; test and test2 are scored,
#: not read. Test (written 2026-12-02, scored once per stop): 186/211 at stop 27, 187/211
#: with 1 silently wrong at stop 28. Test2 (written 2026-12-02 by a third author, scored
#: first at stop 28 after the rules were tuned on dev2): 91/115 (79 %), 22 refused, 2
#: silently wrong (the stop-27 rules: 89/115, 2 wrong). Dev2: 80/119 before tuning,
#: 106/119 after. The targets are not met on either unseen split (issue 20 stays open);
#: the floors guard these figures against regressions. Stop 29 (rules tuned on dev2's
#: last 13 and dev's last 4): dev 302/304, dev2 118/119, test 189/211 (1 wrong), test2
#: 93/115 (2 wrong). Test3 (150, written 2026-12-02 by a fourth author, scored first at
#: stop 29): 120/150 (80 %), 29 refused, 1 silently wrong; the stop-28 rules: 115/150, 1
#: wrong. Dev3 (written 2026-12-02 by a fifth author, 152 questions, then 12 refusals
#: appended: 164): 120/152 (79 %), 32 refused, 0 wrong before tuning (the stop-29 rules:
#: 132/164 with the appended refusals); 164/164 after the rules were tuned on it in
#: general classes (issue 20 item 5), dev 302/304 and dev2 118/119 kept; then, scored
#: once: test 192/211 (91 %, 19 refused, 0 wrong), test2 98/115 (85 %, 16 refused, 1
#: wrong), test3 126/150 (84 %, 23 refused, 1 wrong). Dev4 (written 2026-12-03 by a
#: seventh author, 150, 9 repeating other splits removed: 141), scored first with the
#: stop-30 rules: 121/141 (86 %), 19 refused, 1 silently wrong; 137/141 after tuning on it
#: (dev, dev2, dev3 kept); then, scored once: test 192/211, test2 98/115, test3 127/150.
#: 8 refusals appended to dev4 by an eighth author after the tuning: all 8 refused.
#: Dev5 and test4 (2026-12-03, a ninth author, 142 each): dev5 scored first with the
#: stop-32 rules: 102/142 (72 %), 40 refused, 0 wrong; 140/142 after tuning on it (dev
#: 303/304, dev2 118/119, dev3 164/164, dev4 149/149 kept); then, scored once: test4
#: 115/142 (81 %, 26 refused, 1 wrong), and test 194/211 (0 wrong), test2 98/115 (1
#: wrong), test3 133/150 (1 wrong). The test floors guard those figures; the target
#: (>= 90 %, 0 wrong on an unseen split) is not met. Dev6 and test5 (2026-12-03, a tenth
#: author, 111 each), both first scored with those rules before any tuning on dev6: dev6
#: 100/111 (90 %, 0 wrong), test5 98/111 (88 %, 11 and 13 refused, 0 wrong). After
#: tuning on dev6 (110/111; dev..dev5 kept), scored again: test5 101/111 (91 %, 10
#: refused, 0 wrong), test 195/211 (0 wrong), test2 100/115 (1 wrong), test3 133/150 (1
#: wrong), test4 115/142 (1 wrong): all test splits 644/729 (88 %), 3 silently wrong.
FLOOR = {"dev": (0.95, 0), "test": (0.92, 0), "dev2": (0.95, 0), "test2": (0.86, 1),
         "test3": (0.88, 1), "dev3": (0.95, 0), "dev4": (0.95, 0), "dev5": (0.95, 0),
         "test4": (0.8, 1), "dev6": (0.95, 0), "test5": (0.9, 0)}


@pytest.mark.parametrize("split", SPLITS)
def test_rules_parser_is_right_or_refuses(plant, split, capsys):
    s = score_set(_load(split), _rules(plant), plant[2], "rules", split)
    with capsys.disabled():
        print(f"\nquestion set, {s.line()}")
    c = s.counts
    exact, wrong = FLOOR[split]
    # counts only in the message: the test split is not for reading
    assert c["wrong"] <= wrong, f"{split}: {c['wrong']} silently wrong"
    assert s.share("exact") >= exact, f"{split}: exact {c['exact']}/{s.n}"
    for o in s.outcomes:  # every refusal says why (the silently wrong are counted above)
        assert (o.verdict == "wrong" or (o.verdict == "exact" and o.expected != "refuse")
                or o.error), split


def test_the_scorer_tells_right_from_refused_from_wrong(plant, splits):
    """Guards the figures above: a parser that refuses everything scores only the
    refusals, one that answers with another supplier or factor is silently wrong."""
    ids = plant[2]
    qs = [q for q in splits["dev"] if q["expect"] != "refuse"][:20] + \
        [q for q in splits["dev"] if q["expect"] == "refuse"][:5]
    never = score_set(qs, lambda q: ParsedQuestion(q, error="no"), ids)
    assert never.counts["refused"] == 20 and never.counts["exact"] == 5
    good = _rules(plant)
    exact = {q["question"]: q for q in qs}

    def off(q: str) -> ParsedQuestion:  # the right parse, one field changed
        r = good(q)
        e = r.edits[0]
        field = next((f for f in ("factor", "delay", "duration", "supplier", "machine",
                                  "capacity", "count", "product", "dc", "quantity",
                                  "reliability", "lead_time", "change", "start", "open",
                                  "first_week", "weeks")
                      if getattr(e, f, None) is not None), None)
        bump = {"supplier": "S4" if getattr(e, "supplier", "") != "S4" else "S1",
                "machine": "LASER1" if getattr(e, "machine", "") != "LASER1" else "TEST1",
                "product": "FRM-1" if getattr(e, "product", "") != "FRM-1" else "CAB-S",
                "dc": "DC-EAST" if getattr(e, "dc", "") != "DC-EAST" else "DC-WEST"}
        v = getattr(e, field)
        if field == "start":
            new = v.replace(hour=(v.hour + 1) % 24)
        else:
            new = bump.get(field, (not v) if isinstance(v, bool) else v + 1)
        return ParsedQuestion(q, [e.model_copy(update={field: new}), *r.edits[1:]], "rules")

    wrong = score_set([q for q in qs if q["expect"] != "refuse"], off, ids)
    assert wrong.counts["wrong"] == 20, [(o.question, o.got) for o in wrong.outcomes
                                         if o.verdict != "wrong"]
    q = next(iter(exact.values()))
    r = good(q["question"])
    assert compare(r.edits, q["expect"], q["tags"], ids)
    assert not compare(r.edits + r.edits, q["expect"], q["tags"], ids)  # an extra edit


#: probes of general behaviour, written for this test (in neither split): phrasings a plant
#: manager may use that the parser must read right, and ones it must refuse rather than
#: guess (an unknown word, a contradiction, a time said for one part only, an ambiguity)
PROBES = [
    ("S2 is 3 days early", [{"kind": "supplier_delay", "supplier": "S2", "delay": "-72 h"}]),
    ("an order of 2 million BRK-A due 2026-02-01", "refuse"),  # not 2 units: implausible
    ("S2 ships 20 thousand units a week",
     [{"kind": "supplier_capacity", "supplier": "S2", "capacity": 20000}]),
    ("S2 ships 5k units a week", [{"kind": "supplier_capacity", "supplier": "S2",
                                   "capacity": 5000}]),
    ("double the welders", [{"kind": "add_machines", "station": "WELD", "count": 3}]),
    ("add three welders at WELD", [{"kind": "add_machines", "station": "WELD", "count": 3}]),
    ("test time for FRM-1 up by 25%",
     [{"kind": "processing_time", "station": "TEST", "product": "FRM-1", "factor": 1.25}]),
    ("Demnad for FRM-1 up 40%", [{"kind": "demand_change", "product": "FRM-1",
                                  "factor": 1.4}]),  # a typo: two letters swapped
    ("WELD3 and PRESS1 down for 2 days and 1 day, both from 2026-01-12", "refuse"),
    ("WELD3 down for 2 days and PRESS1 for 1 day, both from 2026-01-12 06:00",
     [{"kind": "machine_down", "machine": "WELD3", "start": "2026-01-12 06:00",
       "duration": "48 h"},
      {"kind": "machine_down", "machine": "PRESS1", "start": "2026-01-12 06:00",
       "duration": "24 h"}]),
    # unknown words refuse the question: they may change what it means
    ("S2 is 3 days late on alternating weeks", "refuse"),
    ("S2 is 3 days late on odd weeks", "refuse"),
    ("demand for CAB-S is 20% higher than last year", "refuse"),
    ("S2 rather than S1 is 3 days late", "refuse"),
    ("neither S1 nor S2 is late", "refuse"),
    ("S2 capacity 20000 tonnes per week", "refuse"),
    ("PRESS1 down 5units", "refuse"),
    # contradictions and ambiguities
    ("demand for CAB-S rises to 20%", "refuse"),
    ("S2 lead time rises to 10 days", "refuse"),  # it is 14 days
    ("S2 reliability falls 10%", "refuse"),  # points or relative?
    ("WELD buffer by 50", "refuse"),  # up or down?
    ("what if demand for the bracket goes up 10%?", "refuse"),  # BRK-A or BRK-B
    ("S1 goes bust in week 3", "refuse"),  # from week 3, or in week 3 only?
    ("PRESS1 down for 2 hours and WELD1 down for 3 hours on 2026-01-12", "refuse"),
    ("S2 is 3 to 4 days late", "refuse"),
    ("S1 is 5 days late, not 3", "refuse"),
    ("demand up 20% for everything except FRM-1", "refuse"),
    ("all suppliers but S2 are 3 days late", "refuse"),
    ("close DC-SOUTH but not DC-WEST", "refuse"),  # no change, or open it?
    ("S2 is 3 working days late", "refuse"),
    ("S2 is late by up to 3 days", "refuse"),  # a bound, not a size
    ("CAB-XL demand up 10%", "refuse"),  # an unknown product, not a typo of CAB-L
    ("LASR1 down for 2 hours", [{"kind": "machine_down", "machine": "LASER1",
                                 "start": "2026-01-05 06:00", "duration": "2 h"}]),
    ("S2 capacity goes up to 40000", [{"kind": "supplier_capacity", "supplier": "S2",
                                       "capacity": 40000}]),
    ("energy is half the price", [{"kind": "energy_price", "factor": 0.5}]),
    ("PRESS2 fails on 2026-01-20 at 09:00 and is out for 5 hours",
     [{"kind": "machine_down", "machine": "PRESS2", "start": "2026-01-20 09:00",
       "duration": "5 h"}]),
    ("PRESS2 down for 3 hours on Friday of the last week",
     [{"kind": "machine_down", "machine": "PRESS2", "start": "2026-04-03 06:00",
       "duration": "3 h"}]),
    ("there is no buffer before PAINT", [{"kind": "buffer_change", "station": "PAINT",
                                          "capacity": 0}]),
    # stop 28 (rules tuned on dev2): "no X demand" is zero demand, "no change" is no size
    ("what if there is no demand for FRM-1 in week 3",
     [{"kind": "demand_change", "product": "FRM-1", "factor": 0.0, "first_week": 3,
       "last_week": 3}]),
    ("no change in demand for CAB-S", "refuse"),
    ("demand for CAB-S does not change", "refuse"),
    # day/month/year dates only where one reading is a date
    ("PRESS1 down on 27/02/2026 from 06:00 to 10:00",
     [{"kind": "machine_down", "machine": "PRESS1", "start": "2026-02-27 06:00",
       "duration": "4 h"}]),
    ("PRESS1 down on 4/3/2026 from 06:00 to 10:00", "refuse"),  # 4 March or 3 April
    ("S2 is a week and a half late", [{"kind": "supplier_delay", "supplier": "S2",
                                       "delay": "252 h"}]),
    ("cut the WELD buffer by a quarter", [{"kind": "buffer_change", "station": "WELD",
                                           "capacity": 30}]),
    ("how about S3 being 2 days late", [{"kind": "supplier_delay", "supplier": "S3",
                                         "delay": "48 h"}]),
    ("energy price up by one third", [{"kind": "energy_price", "factor": 1.333333}]),
    ("add a shift from 6 to 10 in the evening on Saturdays",
     [{"kind": "add_shift", "name": "saturday", "start": "18:00", "end": "22:00",
       "days": ["Sat"]}]),
    ("PRESS1 down from 7 in the morning to 3 in the afternoon on 2026-01-14",
     [{"kind": "machine_down", "machine": "PRESS1", "start": "2026-01-14 07:00",
       "duration": "8 h"}]),
    ("test times for FRM-1 up 20%", [{"kind": "processing_time", "station": "TEST",
                                      "product": "FRM-1", "factor": 1.2}]),
    ("demand for CAB-S goes up three times", [{"kind": "demand_change", "product": "CAB-S",
                                               "factor": 3.0}]),
    ("WELD2 down on 2026-01-14 from 7:30 am to 11:45 am",
     [{"kind": "machine_down", "machine": "WELD2", "start": "2026-01-14 07:30",
       "duration": "4.25 h"}]),
]


@pytest.mark.parametrize(("question", "expect"), PROBES, ids=[q for q, _ in PROBES])
def test_probes_are_read_right_or_refused(plant, question, expect):
    r = _rules(plant)(question)
    if expect == "refuse":
        assert not r.ok, (question, r.raw)
        assert r.error
    else:
        assert r.ok, (question, r.error)
        assert compare(r.edits, expect, [], plant[2]), (question, r.raw)


def test_model_edit_must_fit_the_words_that_name_a_kind(plant):
    """The model's fallback under the consumption rule: an edit of another kind than the
    question's words name is refused even when its names and numbers are the question's
    ("delivers nothing for 2 weeks" read as a delay of 2 weeks)."""
    from twinbench.llm.questions.consume import model_unused
    from twinbench.llm.questions.lexicon import Context, Lexicon
    from twinbench.llm.questions.refine import normalise

    lex = Lexicon(plant[0].spec, Context())
    q = normalise("S2 delivers nothing for 2 weeks", lex)
    assert model_unused(q, [{"kind": "supplier_loss", "supplier": "S2", "weeks": 2}],
                        lex) == []
    assert model_unused(q, [{"kind": "supplier_delay", "supplier": "S2", "delay": 336.0}],
                        lex)
    q = normalise("S2 capacity doubles", lex)
    assert model_unused(q, [{"kind": "supplier_price", "supplier": "S2", "factor": 2.0}],
                        lex)
    q = normalise("S2 is 3 days late on alternating weeks", lex)  # a word not understood
    assert model_unused(q, [{"kind": "supplier_delay", "supplier": "S2", "delay": 72.0}],
                        lex)
    # times and days the question does not give ("add a shift": the model made up 20:15)
    q = normalise("add a shift", lex)
    assert model_unused(q, [{"kind": "add_shift", "name": "extra", "start": "20:15",
                             "end": "20:16", "days": ["Mon", "Sat"]}], lex)
    q = normalise("add a shift from 18:00 to 22:00", lex)
    assert model_unused(q, [{"kind": "add_shift", "name": "extra", "start": "18:00",
                             "end": "22:00", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"]}],
                        lex) == []
    q = normalise("PRESS1 is broken for 4 hours", lex)
    assert model_unused(q, [{"kind": "machine_down", "machine": "PRESS1",
                             "start": "2026-01-06 06:00", "duration": 4.0}], lex)
