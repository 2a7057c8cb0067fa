"""What a sentence states, read off its words: numbers (digits or words) with their units and
the precision they were written to, sentence splitting, clauses, and the word lists the
checker uses (direction, sides of a comparison, roles, causes).

Units convert to a canonical unit per dimension (``kEUR`` -> 1000 EUR, ``minutes`` ->
1/60 h, ``days`` -> 24 h, ``%`` -> 0.01 of ``1``), so ``"16.96 kEUR"`` and ``"16,956 EUR"``
state the same amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twinbench.llm.number_words import find_number_words

__all__ = ["CAUSAL", "DOWN", "UP", "NumberMention", "canonical_unit", "clauses",
           "extract_numbers", "keywords", "split_sentences"]

# unit as written -> (canonical unit, factor to it)
_UNIT_WORDS: list[tuple[str, str, float]] = [
    (r"k\s?EUR|thousand\s+euros?|thousand\s+EUR", "EUR", 1e3),
    (r"M\s?EUR|million\s+euros?|million\s+EUR", "EUR", 1e6),
    (r"EUR\s?/\s?h|euros?\s+per\s+hour|EUR\s+per\s+hour|EUR/hour", "EUR/h", 1.0),
    (r"EUR|euros?|\u20ac", "EUR", 1.0),
    (r"units?\s?/\s?h|units?\s+per\s+hour|pieces\s+per\s+hour", "unit/h", 1.0),
    (r"units?|pieces|pcs|parts", "unit", 1.0),
    (r"percentage\s+points?|pp", "1", 0.01),
    (r"%|percent|per\s+cent", "1", 0.01),
    (r"minutes?|mins?", "h", 1 / 60),
    (r"hours?|hrs?|h", "h", 1.0),
    (r"days?|d", "h", 24.0),
    (r"weeks?", "h", 168.0),
]
_UNIT_RE = re.compile(r"\s?(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, _, _) in
                                           enumerate(_UNIT_WORDS)) + r")(?![A-Za-z])")
_SCALE = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "mn": 1e6,
          "bn": 1e9, "billion": 1e9}
_NUM = re.compile(
    r"(?<![\w.,])(?P<sign>[-+\u2212]?)(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?:[eE](?P<exp>[-+]?\d+))?"
    r"(?:\s?(?P<scale>thousand|million|billion|bn|mn|k|K|M)(?![a-zA-Z]|\s?EUR\b))?")
_FACT_UNITS = {"EUR": ("EUR", 1.0), "h": ("h", 1.0), "d": ("h", 24.0), "days": ("h", 24.0),
               "weeks": ("h", 168.0), "min": ("h", 1 / 60), "1": ("1", 1.0),
               "unit": ("unit", 1.0), "units": ("unit", 1.0), "unit/h": ("unit/h", 1.0),
               "EUR/h": ("EUR/h", 1.0), "%": ("1", 0.01)}

UP = re.compile(r"\b(?:ris(?:e|es|en|ing)|rose|increas(?:e|es|ed|ing)|gr(?:ow|ows|own|ew|owing)"
                r"|climb(?:s|ed)?|up|higher|more|gain(?:s|ed)?|jump(?:s|ed)?|goes up|go up"
                r"|above|exceed(?:s|ed)?)\b", re.IGNORECASE)
DOWN = re.compile(r"\b(?:fall(?:s|en|ing)?|fell|decreas(?:e|es|ed|ing)|drop(?:s|ped)?"
                  r"|declin(?:e|es|ed)|down|lower|less|fewer|reduc(?:e|es|ed|tion)"
                  r"|shrink(?:s)?|sav(?:e|es|ed|ing)|cut(?:s)?|below|cheaper)\b", re.IGNORECASE)
CHANGE = re.compile(r"\b(?:chang(?:e|es|ed)|differ(?:s|ence)?|delta|by)\b", re.IGNORECASE)
CAUSAL = re.compile(r"\b(?:because|due to|driven by|drives?|drove|caused by|as a result|owing to|"
                    r"leads? to|results? in|thanks to|explained by|comes? from)\b",
                    re.IGNORECASE)
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s+")


@dataclass(frozen=True)
class NumberMention:
    """A number in a text.

    Attributes
    ----------
    text
        The number as written (without its unit).
    value
        Its value in ``unit`` (scale words and unit prefixes applied).
    percent
        Written as a percentage (``value`` is then a fraction of 1).
    half_step
        Half the last written step in ``unit``: the rounding the text allows.
    start, end
        Span in the text (unit included).
    unit
        Canonical unit (``EUR``, ``h``, ``1``, ``unit``, ``unit/h``, ``EUR/h``) or "".
    words
        Written in words (``"sixty thousand"``).
    signed
        Written with an explicit minus sign.
    """

    text: str
    value: float
    percent: bool
    half_step: float
    start: int
    end: int
    unit: str = ""
    words: bool = False
    signed: bool = False


def canonical_unit(unit: str) -> tuple[str, float]:
    """A fact's unit as ``(canonical unit, factor)`` (unknown units stand for themselves)."""
    return _FACT_UNITS.get(unit, (unit, 1.0))


def _unit_after(text: str, pos: int) -> tuple[str, float, int] | None:
    m = _UNIT_RE.match(text, pos)
    if not m:
        return None
    for i, (_, canon, factor) in enumerate(_UNIT_WORDS):
        if m.group(f"u{i}"):
            return canon, factor, m.end()
    return None


def extract_numbers(text: str) -> list[NumberMention]:
    """Numbers written in ``text``, in digits or words, with units and precision.

    Small numbers in words without a unit (``"one of the machines"``) are prose, not claims.

    >>> [(round(n.value, 6), n.unit) for n in extract_numbers("cost 1.2 kEUR, 12.3% of 1,234 EUR")]
    [(1200.0, 'EUR'), (0.123, '1'), (1234.0, 'EUR')]
    """
    out: list[NumberMention] = []
    taken: list[tuple[int, int]] = []
    for m in _NUM.finditer(text):
        whole = m.group("num").replace(",", "")
        dec = m.group("dec") or ""
        scale = _SCALE.get(m.group("scale") or "", 1.0)
        exp = int(m.group("exp")) if m.group("exp") else 0
        value = float(whole + dec) * scale * 10.0 ** exp
        if dec:
            step = 10.0 ** (-(len(dec) - 1)) * scale * 10.0 ** exp
        else:
            zeros = len(whole) - len(whole.rstrip("0")) if whole.strip("0") else 0
            step = (1000.0 if zeros >= 3 and "," in m.group("num") else 1.0) * scale * 10.0 ** exp
        neg = m.group("sign") in ("-", "\u2212")
        if neg:
            value = -value
        unit, end, pct = "", m.end(), False
        u = _unit_after(text, m.end())
        if u:
            unit, factor, end = u
            value, step, pct = value * factor, step * factor, unit == "1"
        out.append(NumberMention(m.group(0).strip(), value, pct, step / 2, m.start(), end,
                                 unit, False, neg))
        taken.append((m.start(), end))
    for w in find_number_words(text):
        if any(a <= w.start < b for a, b in taken):
            continue
        value, half, unit, end = w.value, w.half_step, "", w.end
        u = _unit_after(text, w.end)
        if u:
            unit, factor, end = u
            value, half = value * factor, half * factor
        if not unit and w.value < 10:
            continue
        out.append(NumberMention(w.text, value, unit == "1", half, w.start, end, unit, True))
    out.sort(key=lambda n: n.start)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of ``text``, stripped, list markers removed."""
    out = []
    for line in text.splitlines():
        line = _LIST_MARK.sub("", line).strip()
        if not line:
            continue
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])", line)
        out += [p.strip() for p in parts if p.strip()]
    return out


_CLAUSE = re.compile(r";|:\s|,(?!\d)|\s(?:while|whereas|but|and)\s")


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence (split at ``;``, commas, ``while``, ``but``,
    ``and`` except in ``between A and B``)."""
    spans, start = [], 0
    for m in _CLAUSE.finditer(sentence):
        if _between_and(sentence, m):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip()]


def _between_and(sentence: str, m: re.Match) -> bool:
    if "and" not in m.group(0):
        return False
    return bool(re.search(r"\b(?:between|from)\s+\S+(?:\s\S+){0,2}$", sentence[:m.start()]))


_STOP = {"with", "from", "that", "this", "than", "into", "over", "about", "which", "their",
         "there", "were", "have", "been", "will", "when", "while", "also", "each", "every",
         "facts", "data", "base", "scenario", "expected"}


def keywords(text: str) -> frozenset[str]:
    """Lower-case words of 4+ letters without function words, plural ``s`` dropped: what a
    quantity is called (``"change of supply costs"`` -> ``{change, supply, cost}``)."""
    out = set()
    for w in re.findall(r"[a-z]{4,}", text.lower()):
        if w in _STOP:
            continue
        out.add(w[:-1] if w.endswith("s") and not w.endswith("ss") else w)
    return frozenset(out)
