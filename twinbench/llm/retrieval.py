"""Retrieval over the plant's documents (SOPs, maintenance notes): BM25, no network.

Documents are cut into passages (a heading with its following lines, or a window of
``lines`` lines); each :class:`Passage` keeps its source file and line span so answers can
cite ``SOP-PRESS-hydraulics.md:5-9``. Passages are data: they go into prompts quoted
between delimiters and are never followed as instructions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DocumentIndex", "Passage", "passage_facts", "tokenize"]

_WORD = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_STOP = frozenset("""a an and are as at be by for from has have how i if in is it its of on or
that the this to was were what when where which who why will with do does should we our you
""".split())


def tokenize(text: str) -> list[str]:
    """Lower-case words without stop words; ``PRESS1`` also yields ``press``.

    >>> tokenize("Why did PRESS1 fail?")
    ['did', 'press1', 'press', 'fail']
    """
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        out.append(w)
        stem = w.rstrip("0123456789")
        if stem != w and len(stem) > 1:
            out.append(stem)
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            out.append(w[:-1])
    return out


@dataclass(frozen=True)
class Passage:
    """A piece of a document.

    Attributes
    ----------
    source
        File name.
    start, end
        First and last line (1-based, inclusive).
    text
        The lines.
    """

    source: str
    start: int
    end: int
    text: str

    @property
    def cite(self) -> str:
        """``file:start-end``."""
        return f"{self.source}:{self.start}-{self.end}"


class DocumentIndex:
    """BM25 (Okapi) index over passages.

    Parameters
    ----------
    passages
        The passages to search.
    k1, b
        BM25 term-frequency saturation and length normalisation.
    """

    def __init__(self, passages: Iterable[Passage], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = list(passages)
        self.k1, self.b = k1, b
        self._tf = [Counter(tokenize(p.source.rsplit(".", 1)[0] + " " + p.text))
                    for p in self.passages]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = sum(self._len) / max(1, len(self._len))
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self.passages)
        self._idf = {t: math.log(1 + (n - k + 0.5) / (k + 0.5)) for t, k in df.items()}

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], lines: int = 6) -> DocumentIndex:
        """Index text/Markdown files (see :meth:`from_texts`)."""
        docs = {}
        for p in paths:
            p = Path(p)
            if not p.is_file():
                raise FileNotFoundError(f"document {str(p)!r} not found")
            docs[p.name] = p.read_text(encoding="utf-8", errors="replace")
        return cls.from_texts(docs, lines)

    @classmethod
    def from_texts(cls, docs: dict[str, str], lines: int = 6) -> DocumentIndex:
        """Index ``{name: text}``: a passage starts at each heading and holds at most
        ``lines`` non-empty lines (the file name's words count for every passage)."""
        if lines < 1:
            raise ValueError(f"lines must be at least 1, found {lines!r}")
        out = []
        for name, text in docs.items():
            block: list[tuple[int, str]] = []
            for i, line in enumerate(text.splitlines(), start=1):
                if line.lstrip().startswith("#") and block:
                    out.append(_passage(name, block))
                    block = []
                if line.strip():
                    block.append((i, line))
                if len(block) >= lines:
                    out.append(_passage(name, block))
                    block = []
            if block and not (len(block) == 1 and block[0][1].lstrip().startswith("#")):
                out.append(_passage(name, block))
        return cls(out)

    def search(self, query: str, k: int = 3, min_score: float = 0.5
               ) -> list[tuple[Passage, float]]:
        """The ``k`` best passages for ``query`` with their BM25 scores (best first)."""
        q = tokenize(query)
        scored = []
        for i, tf in enumerate(self._tf):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self._len[i] / (self._avg or 1))
            for t in q:
                f = tf.get(t, 0)
                if f:
                    s += self._idf[t] * f * (self.k1 + 1) / (f + norm)
            if s >= min_score:
                scored.append((s, i))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [(self.passages[i], s) for s, i in scored[:k]]


def _passage(name: str, block: list[tuple[int, str]]) -> Passage:
    return Passage(name, block[0][0], block[-1][0], "\n".join(t for _, t in block))


_STEP = re.compile(r"^\s*(?:#+\s*|(?:step\s+)?\d{1,2}[.):]\s+|[-*\u2022]\s+)", re.IGNORECASE)
_ID = re.compile(r"\b[A-Za-z][\w-]*\d[\w-]*|\b\d+[A-Za-z][\w-]*")
_STEP_REF = re.compile(r"\b(?:steps?|items?|points?|sections?|lines?)\s+\d+(?:\s*(?:-|to|and)"
                       r"\s*\d+)?\b", re.IGNORECASE)


def passage_facts(passage: Passage, vocabulary: Iterable[str] = ()):
    """The checkable content of one passage, as a fact sheet: each number of its text with
    its unit, named by the words of its line.

    Step numbers (``"3. Open the valve"``, ``"see step 4"``), heading marks and the
    passage's own line span are not facts: a number of an answer is supported only by a
    number the passage states.

    Returns
    -------
    FactSheet
        Kind ``passage``, one fact per number and one text fact per line (its words).
    """
    from twinbench.llm.facts import FactSheet
    from twinbench.llm.mentions import extract_numbers

    sheet = FactSheet("passage", f"passage of {passage.source.rsplit('.', 1)[0]}")
    sheet.vocabulary |= set(vocabulary)
    for line in passage.text.splitlines():
        body = _STEP_REF.sub(" ", _STEP.sub("", line)).strip()
        if not body:
            continue
        # ids such as SOP-LASER-01 or LASER2 are names, not numbers
        masked = _ID.sub(lambda m: "x" * len(m.group(0)), body)
        nums = extract_numbers(masked)
        words = body
        for n in reversed(nums):
            words = words[:n.start] + "#" + words[n.end:]
        words = re.sub(r"[#\s]+", " ", words.replace("#", " ")).strip()
        sheet.add("passage says", words)
        for n in nums:
            sheet.add(f"number in: {words}", n.value, n.unit)
    return sheet
