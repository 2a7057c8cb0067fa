"""BM25 retrieval over the plant's documents, with citable line spans."""

from __future__ import annotations

import pytest

from twinbench.data.plant import load_plant
from twinbench.llm.retrieval import DocumentIndex, tokenize


@pytest.fixture(scope="module")
def index() -> DocumentIndex:
    return DocumentIndex.from_files(load_plant().documents)


@pytest.mark.parametrize(("query", "source"), [
    ("how long does a hydraulic service of the press brakes take?", "SOP-PRESS-hydraulics.md"),
    ("why do the weld torch liners wear out?", "NOTE-WELD-torch.md"),
    ("when should the paint booth filters be changed?", "SOP-PAINT-filters.md"),
    ("what must be handed over at the end of a shift?", "NOTE-shift-handover.md"),
])
def test_the_right_document_comes_first(index, query, source):
    hits = index.search(query, k=3)
    assert hits and hits[0][0].source == source
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_passages_cite_their_exact_lines(index):
    docs = {p.name: p.read_text().splitlines() for p in load_plant().documents}
    for p in index.passages:
        lines = docs[p.source][p.start - 1:p.end]
        assert [t for t in lines if t.strip()] == p.text.splitlines()
        assert p.cite == f"{p.source}:{p.start}-{p.end}"


def test_unrelated_query_finds_nothing_and_bad_input_is_explained(index, tmp_path):
    assert index.search("zebra giraffe", k=3) == []
    assert tokenize("Why did PRESS1 fail?") == ["did", "press1", "press", "fail"]
    with pytest.raises(FileNotFoundError, match=r"nope\.md"):
        DocumentIndex.from_files([tmp_path / "nope.md"])
    with pytest.raises(ValueError, match="at least 1"):
        DocumentIndex.from_texts({"a": "x"}, lines=0)


def test_how_why_numbers_count_only_in_their_own_passage(index):
    """A passage's facts are its numbers with units: not its step numbers, not its line
    span, not another passage's numbers."""
    from twinbench.llm.grounding import check_text
    from twinbench.llm.retrieval import passage_facts

    laser = index.search("how do I change the laser nozzle?", k=1)[0][0]
    press = index.search("how long does a hydraulic service of the press brakes take?",
                         k=1)[0][0]
    sheet = passage_facts(laser)
    assert check_text("Let the cutting head cool for 15 minutes.", sheet).ok
    assert check_text("Let the cutting head cool for a quarter of an hour.", sheet).ok
    assert not check_text("Let the cutting head cool for 8 minutes.", sheet).ok
    assert not check_text("Let the cutting head cool for 15 hours.", sheet).ok  # unit
    assert not check_text("Change the nozzle in step 3.", sheet).ok          # a step number
    assert not check_text(f"Change it within {laser.end} hours.", sheet).ok  # the line span
    assert check_text(f"Cool it for 15 minutes ({laser.cite}).", sheet).ok    # a citation
    # a number of the other passage is not supported by this one
    said = "The preventive service is due every 3,000 running hours."
    assert "3,000 running hours" in press.text
    assert not check_text(said, sheet).ok
    assert check_text(said, passage_facts(press)).ok
