"""Grounding check: every number, date and named entity of a text must come from the facts.

:func:`check_text` splits a text into sentences and finds its claims:

* numbers, with thousands separators, decimals, scale words and units (``"1,234 EUR"``,
  ``"1.2 kEUR"``, ``"12.3%"``, ``"3 million"``); a number is supported when a fact's value
  (or a number written in a fact) equals it up to the text's rounding or a relative
  tolerance, signs aside ("fell by 3,400 EUR" states a delta of -3,400) and percentages
  against fractions (``"12.3%"`` vs ``0.1234``);
* dates and clock times, supported when the same string is in a fact;
* entity names: the plant's vocabulary (stations, machines, products, suppliers, DCs,
  regions, scenarios) and anything id-like (``S7``, ``WELD9``, ``O0042``, ``DC-NORTH``),
  supported when a fact names it.

Sentences with an unsupported claim are removed by :meth:`GroundingReport.kept_text`.
Numbers written in documents or data never count: only the fact sheet does, so text
injected into a document cannot smuggle a number through.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from twinbench.llm.facts import FactSheet, format_value

__all__ = ["Claim", "GroundingReport", "NumberMention", "SentenceCheck", "check_text",
           "extract_numbers", "split_sentences"]

_SCALE = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "m": 1e6, "million": 1e6,
          "mn": 1e6, "bn": 1e9, "billion": 1e9}
_NUM = re.compile(
    r"(?<![\w.,])(?P<sign>[-+\u2212]?)(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?:\s?(?P<scale>thousand|million|billion|bn|mn|k|K|M)(?![a-df-zA-DF-Z]))?"
    r"(?P<pct>\s?(?:%|percent|per cent))?"
    r"(?P<unit>\s?(?:EUR|euros?|\u20ac|units?|pcs|hours?|h|days?|weeks?)\b)?")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?\b|\b\d{1,2}:\d{2}\b")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9]|[A-Za-z]")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s+")


@dataclass(frozen=True)
class NumberMention:
    """A number in a text: ``value`` [as written x scale], ``percent``, ``half_step``
    (half the last written digit x scale: the rounding the text allows)."""

    text: str
    value: float
    percent: bool
    half_step: float
    start: int
    end: int
    unit: str = ""


@dataclass(frozen=True)
class Claim:
    """One checked mention: ``kind`` number/date/entity, and the fact that supports it."""

    text: str
    kind: str
    supported: bool
    fact: str | None = None


@dataclass
class SentenceCheck:
    """A sentence and its claims."""

    sentence: str
    claims: list[Claim] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.supported for c in self.claims)

    @property
    def unsupported(self) -> list[Claim]:
        return [c for c in self.claims if not c.supported]


@dataclass
class GroundingReport:
    """The result of :func:`check_text`."""

    sentences: list[SentenceCheck]

    @property
    def ok(self) -> bool:
        """True when every claim is supported."""
        return all(s.ok for s in self.sentences)

    @property
    def unsupported(self) -> list[Claim]:
        return [c for s in self.sentences for c in s.unsupported]

    @property
    def removed(self) -> list[str]:
        """Sentences with an unsupported claim."""
        return [s.sentence for s in self.sentences if not s.ok]

    @property
    def supported_claims(self) -> int:
        """Claims backed by a fact [1]."""
        return sum(c.supported for s in self.sentences for c in s.claims)

    def kept_text(self) -> str:
        """The text without the sentences that carry unsupported claims."""
        return " ".join(s.sentence for s in self.sentences if s.ok).strip()


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


def extract_numbers(text: str) -> list[NumberMention]:
    """Numbers written in ``text`` (digits only; ``two`` is a word, not a claim).

    >>> [(n.value, n.percent) for n in extract_numbers("cost 1.2 kEUR, 12.3% of 1,234 EUR")]
    [(1200.0, False), (12.3, True), (1234.0, False)]
    """
    out = []
    for m in _NUM.finditer(text):
        whole = m.group("num").replace(",", "")
        dec = m.group("dec") or ""
        scale = _SCALE.get(m.group("scale") or "", 1.0)
        value = float(whole + dec) * scale
        if m.group("sign") in ("-", "\u2212"):
            value = -value
        half = 0.5 * 10.0 ** (-(len(dec) - 1 if dec else 0)) * scale
        unit = (m.group("unit") or "").strip().lower()
        unit = {"euro": "EUR", "euros": "EUR", "\u20ac": "EUR", "eur": "EUR", "units": "unit",
                "pcs": "unit", "hours": "h", "hour": "h", "days": "d", "day": "d",
                "weeks": "weeks", "week": "weeks"}.get(unit, unit)
        text = m.group(0).strip()
        if unit:  # the claim is the number; its unit only narrows the facts it may match
            text = text[:len(text) - len(m.group("unit").strip())].strip()
        out.append(NumberMention(text, value, bool(m.group("pct")), half, m.start(),
                                 m.end(), unit))
    return out


_STOP = {"with", "from", "that", "this", "than", "into", "over", "about", "which", "their",
         "there", "were", "have", "been", "will", "when", "while", "also", "each", "every",
         "facts", "data"}


def keywords(text: str) -> frozenset[str]:
    """Lower-case words of 4+ letters, without common function words: what a quantity is
    called (``"change of supply cost"`` -> ``{change, supply, cost}``)."""
    return frozenset(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP)


class _Support:
    """What a fact sheet allows: numbers with units, strings, entity names."""

    def __init__(self, sheet: FactSheet) -> None:
        # value, unit, fact text, entities of the fact, keywords of its name
        self.numbers: list[tuple[float, str, str, frozenset[str], frozenset[str]]] = []
        texts = []
        for f in sheet.facts:
            t = f.text()
            texts.append(t)
            ents = frozenset(f.entities)
            kw = keywords(f.name)
            if f.is_number and math.isfinite(float(f.value)):
                self.numbers.append((float(f.value), f.unit, t, ents, kw))
            for n in extract_numbers(_mask_dates(f.name + " " + (
                    f.value if isinstance(f.value, str) else format_value(f.value, f.unit)))):
                self.numbers.append((n.value / 100 if n.percent else n.value,
                                     "1" if n.percent else n.unit, t, ents, kw))
        for n in extract_numbers(_mask_dates(sheet.title)):
            self.numbers.append((n.value, n.unit, sheet.title, frozenset(),
                                 keywords(sheet.title)))
        texts.append(sheet.title)
        self.text = "\n".join(texts)
        ents = set(sheet.entities)
        for t in texts:
            ents |= set(_TOKEN.findall(t))
        self.entities = ents
        self.vocabulary = set(sheet.vocabulary)

    def number(self, n: NumberMention, rel_tol: float, near: set[str] = frozenset(),
               context: frozenset[str] = frozenset()) -> str | None:
        """The fact text supporting ``n``: same unit when the text gives one, about an
        entity of the sentence when the sentence names any (and the fact is about one), and
        about the quantity the words just before the number name: when those words match
        some fact's name, only the facts matching them best may support the number (a
        right number attached to the wrong quantity is not supported)."""
        x = abs(n.value)
        best = max((len(kw & context) for *_, kw in self.numbers), default=0)
        for v, unit, text, ents, kw in self.numbers:
            if best and len(kw & context) < best:
                continue
            if n.unit and unit and not _same_unit(n.unit, unit):
                continue
            if n.unit and not unit and n.unit == "EUR":
                continue
            if near and ents and not (ents & near):
                continue
            v = abs(v)
            cands = [(x, n.half_step)]
            if n.percent:
                cands = [(x / 100, n.half_step / 100)] if unit == "1" else [(x, n.half_step)]
            elif unit == "1":
                cands.append((x / 100, n.half_step / 100))
            for c, half in cands:
                if abs(c - v) <= max(rel_tol * v, half * 1.0001) or abs(c - v) <= 1e-12:
                    return text
        return None


def _same_unit(said: str, fact: str) -> bool:
    if said == "EUR":
        return fact.startswith("EUR")
    if said == "unit":
        return fact in ("unit", "")
    if said in ("h", "d"):
        return fact in ("h", "d")
    return said == fact


def _mask_dates(text: str) -> str:
    return _DATE.sub(lambda m: "#" * len(m.group(0)), text)


def _is_entity_like(tok: str, vocabulary: set[str]) -> bool:
    if tok in vocabulary:
        return True
    has_digit = any(c.isdigit() for c in tok)
    has_upper = any(c.isupper() for c in tok)
    if has_digit and has_upper:
        return True
    return "-" in tok and tok.replace("-", "").isupper() and len(tok) > 3


def check_text(text: str, sheet: FactSheet, rel_tol: float = 0.02) -> GroundingReport:
    """Check every sentence of ``text`` against ``sheet``.

    Parameters
    ----------
    text
        The draft (from the model or anywhere else).
    sheet
        The facts that may be stated.
    rel_tol
        Relative tolerance of a number against a fact [1] (on top of the text's rounding).
    """
    sup = _Support(sheet)
    report = []
    for sent in split_sentences(text):
        claims: list[Claim] = []
        masked = list(sent)
        for m in _DATE.finditer(sent):
            ok = m.group(0) in sup.text
            claims.append(Claim(m.group(0), "date", ok, m.group(0) if ok else None))
            masked[m.start():m.end()] = "#" * (m.end() - m.start())
        no_dates = "".join(masked)
        for m in _TOKEN.finditer(no_dates):
            tok = m.group(0)
            if _is_entity_like(tok, sup.vocabulary):
                ok = tok in sup.entities
                claims.append(Claim(tok, "entity", ok, tok if ok else None))
                masked[m.start():m.end()] = "#" * (m.end() - m.start())
            elif any(c.isdigit() for c in tok):
                masked[m.start():m.end()] = "#" * (m.end() - m.start())
        near = {c.text for c in claims if c.kind == "entity" and c.supported}
        plain = "".join(masked)
        prev = 0
        for n in extract_numbers(plain):
            # the words since the previous number (or the sentence start) name the quantity
            context = keywords(plain[prev:n.start])
            prev = n.end
            fact = sup.number(n, rel_tol, near, context)
            claims.append(Claim(n.text, "number", fact is not None, fact))
        report.append(SentenceCheck(sent, claims))
    return GroundingReport(report)
