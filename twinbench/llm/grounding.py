"""The checker for any text (model prose, an edited draft, a larger model's answer).

:func:`check_text` splits a text into sentences and clauses and checks every claim against
a :class:`~twinbench.llm.facts.FactSheet`:

* **numbers** (digits or words, ``"16,956 EUR"``, ``"17 thousand euros"``, ``"16.96 kEUR"``,
  ``"sixty thousand euros"``, ``"283 minutes"``): a fact of the same unit (after conversion)
  must equal the number to the text's own rounding (``16,956`` to the unit, ``17 thousand``
  to the thousand, ``sixty thousand`` to the ten thousand); no tolerance beyond that;
* **the quantity**: the words before a number name what it is; only the facts whose names
  match them best may support it, about the entity the clause names;
* **the side of a comparison**: a number said to be the base's (``"in the base"``,
  ``"from A"``) must be the base's fact, one said to be the scenario's (``"to B"``,
  ``"in the scenario"``) the scenario's, and a change (``"rises by"``) a change fact;
* **direction**: ``rises``/``falls``/``higher``/``lower`` must agree with the sign of the
  change fact of the quantity the clause names; ``better``/``worse`` with the KPI's sense;
* **roles and superlatives** (``bottleneck``, ``highest risk``, ``main driver``,
  ``cheapest``, ``busiest``) only where a fact states that role for the named entity;
* **causal words** (``because``, ``driven by``) only with the fact that decomposes the
  change (its main driver) named in the sentence;
* **dates** and **names**: every date string and every entity name (the plant's vocabulary
  and id-like tokens such as ``S7``) must appear in a fact.

Numbers in documents or data never count: only the fact sheet does, so text injected into a
document cannot smuggle a number through.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from twinbench.llm.facts import Fact, FactSheet, format_value
from twinbench.llm.mentions import (
    CAUSAL,
    CHANGE,
    DOWN,
    UP,
    NumberMention,
    canonical_unit,
    clauses,
    extract_numbers,
    keywords,
    split_sentences,
)

__all__ = ["Claim", "GroundingReport", "NumberMention", "SentenceCheck", "check_text",
           "extract_numbers", "keywords", "split_sentences"]

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\b|\b\d{1,2}:\d{2}\b")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9]|[A-Za-z]")
_CITE = re.compile(r"[\w.-]+\.(?:md|txt|pdf|csv|yaml|json):\d+(?:-\d+)?|\[\d{1,2}\]")
_PAREN = re.compile(r"\([^()]*\)")
_BASE = re.compile(r"\b(?:base|baseline|today|currently|now)\b", re.IGNORECASE)
_SCEN = re.compile(r"\b(?:scenario|what-if|would|will)\b", re.IGNORECASE)
_INTERVAL = re.compile(r"\b(?:interval|between|range|band|bounds?)\b", re.IGNORECASE)
_BETTER = re.compile(r"\b(?:better|improv(?:e|es|ed|ing))\b", re.IGNORECASE)
_WORSE = re.compile(r"\b(?:worse|worsen(?:s|ed)?|deteriorat(?:e|es|ed))\b", re.IGNORECASE)
_UNCHANGED = re.compile(r"\b(?:unchanged|same|no change|does not change|stays)\b",
                        re.IGNORECASE)
# role words of a clause -> what a fact's name must say to support them
_ROLES = [
    (re.compile(r"\bbottlenecks?\b", re.IGNORECASE), re.compile(r"bottleneck")),
    (re.compile(r"\bbusiest\b", re.IGNORECASE), re.compile(r"busiest")),
    (re.compile(r"\bmost (?:utilised|utilized|loaded)\b", re.IGNORECASE),
     re.compile(r"most utilised")),
    (re.compile(r"\bbinding\b", re.IGNORECASE), re.compile(r"binding")),
    (re.compile(r"\b(?:highest|most) (?:failure )?risk|riskiest|most likely to fail\b",
                re.IGNORECASE), re.compile(r"highest failure risk|highest risk")),
    (re.compile(r"\b(?:main|biggest|largest|primary|key) (?:driver|contributor|cause)\b",
                re.IGNORECASE), re.compile(r"main driver")),
    (re.compile(r"\bcheapest\b", re.IGNORECASE), re.compile(r"cheapest")),
    (re.compile(r"\b(?:most expensive|costliest)\b", re.IGNORECASE),
     re.compile(r"most expensive")),
    (re.compile(r"\b(?:highest|largest|biggest|most) demand\b", re.IGNORECASE),
     re.compile(r"highest demand")),
    (re.compile(r"\b(?:best|worst|ranks?|ranked)\b", re.IGNORECASE), re.compile(r"rank")),
]
_SUPERLATIVE = re.compile(r"\b(?:highest|lowest|largest|smallest|biggest|most|least|fewest|"
                          r"greatest|maximum|minimum|top)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    """One checked mention: ``kind`` (number, date, entity, direction, side, role, cause,
    fragment), whether a fact supports it, the fact, and why not."""

    text: str
    kind: str
    supported: bool
    fact: str | None = None
    reason: str = ""


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


# --------------------------------------------------------------------------- the facts
@dataclass(frozen=True)
class _Num:
    value: float          # in the canonical unit
    unit: str             # canonical unit
    text: str             # the fact as shown
    entities: frozenset[str]
    kw: frozenset[str]
    side: str             # base / scenario / change / interval / "" (plain) / label
    kpi: str
    fact: Fact | None


_SIDE = [(re.compile(r"interval"), "interval"),
         (re.compile(r"(?:^|: )(?:relative )?change of "), "change"),
         (re.compile(r" in the base$"), "base"), (re.compile(r" in the scenario$"), "scenario")]


def _side_kpi(name: str) -> tuple[str, str]:
    base = name.split(": ", 1)[1] if ": " in name and not name.startswith("binding") else name
    for pat, side in _SIDE:
        if pat.search(name):
            if side == "interval":
                b = re.search(r"\b(low|from|high|to)$", name)
                side = {"low": "low", "from": "low", "high": "high", "to": "high"}.get(
                    b.group(1) if b else "", "interval")
            kpi = re.sub(r"^(?:relative )?change of | in the (?:base|scenario)$", "", base)
            return side, kpi.strip()
    if base.endswith(" unchanged at"):
        return "", base[:-len(" unchanged at")]
    return "", base


class _Support:
    """What a fact sheet allows: numbers with units, strings, entity names, roles."""

    def __init__(self, sheet: FactSheet) -> None:
        self.numbers: list[_Num] = []
        self.kind = sheet.kind
        texts = []
        # kpi -> [(entities of the fact, absolute change)], one per scenario
        self.changes: dict[str, list[tuple[frozenset[str], float]]] = {}
        self.worse: dict[str, list[frozenset[str]]] = {}
        self.unchanged: dict[str, list[frozenset[str]]] = {}
        for f in sheet.facts:
            t = f.text()
            texts.append(t)
            side, kpi = _side_kpi(f.name)
            ents = frozenset(f.entities)
            if f.is_number and math.isfinite(float(f.value)):
                unit, factor = canonical_unit(f.unit)
                self.numbers.append(_Num(float(f.value) * factor, unit, t, ents,
                                         keywords(f.name), side, kpi, f))
                if side == "change" and not f.name.split(": ")[-1].startswith("relative"):
                    self.changes.setdefault(kpi.lower(), []).append((ents, float(f.value)))
                if f.name.endswith("unchanged at"):
                    self.unchanged.setdefault(kpi.lower(), []).append(ents)
            elif f.name.endswith("gets worse"):
                self.worse.setdefault(str(f.value).lower(), []).append(ents)
            # numbers written inside a fact's name or text value are labels ("rank 1"),
            # explanations in brackets aside ("(1 = best)")
            label = _mask_names(re.sub(r"\([^)]*\)", " ", f.name), sheet.vocabulary)
            for n in extract_numbers(_mask_dates(label + " " + (
                    f.value if isinstance(f.value, str) else ""))):
                self.numbers.append(_Num(n.value, n.unit, t, ents, keywords(f.name), "label",
                                         kpi, f))
        for n in extract_numbers(_mask_dates(sheet.title)):
            self.numbers.append(_Num(n.value, n.unit, sheet.title, frozenset(),
                                     keywords(sheet.title), "label", "", None))
        texts.append(sheet.title)
        self.facts = sheet.facts
        self.text = "\n".join(texts)
        ents = set(sheet.entities)
        for t in texts:
            ents |= set(_TOKEN.findall(t))
        self.entities = ents
        self.vocabulary = set(sheet.vocabulary)
        self.kpis = sorted({n.kpi.lower() for n in self.numbers if n.side in
                            ("change", "base", "scenario")} | set(self.unchanged), key=len,
                           reverse=True)
        self.text_values = {str(f.value) for f in sheet.facts if isinstance(f.value, str)}
        self.number_entities = {e for x in self.numbers for e in x.entities}
        self.scenarios = {e for x in self.numbers if x.side in ("base", "scenario")
                          for e in x.entities}
        # several scenarios (or entities) with a change each: a clause must name its own
        self.multi = any(len({e for e, _ in rows}) > 1 for rows in self.changes.values())

    # ------------------------------------------------------------------ numbers
    def number(self, n: NumberMention, side: str, near: set[str], context: frozenset[str],
               direction: int, clause_kw: frozenset[str] = frozenset()
               ) -> tuple[str | None, str]:
        """The fact supporting ``n`` (or None) and why not: same value to the text's
        rounding, same unit, about the entity named, of the quantity the words name, on
        the side said. A number written in a fact's name (a label such as ``rank 1``)
        supports only a clause that shares a word with that name."""
        # a name no number is about (a supplier in "with S4 out") binds no number
        near = near & self.number_entities
        if self.kind == "passage" and side in ("change", "base", "scenario"):
            side = ""     # a document states levels and limits; its verbs are no sides
        pool = [x for x in self.numbers if x.side != "label" or x.kw & clause_kw]
        # the quantity named: the facts (on the side said) whose names share most words
        best = max((len(x.kw & context) for x in pool if x.side != "label"
                    and self._side_ok(side, x, n, direction)[0]), default=0)
        reason = "no fact has this value"
        for x in pool:
            if not self._value_ok(n, x, side, direction):
                continue
            if best and len(x.kw & context) < best and x.side != "label":
                reason = f"the value is that of {x.text!r}, not of the quantity named"
                continue
            if n.unit and x.unit and n.unit != x.unit:
                reason = f"wrong unit: the fact is {x.text!r}"
                continue
            if n.unit and not x.unit and n.unit == "EUR":
                continue
            if near and x.entities and not (x.entities & near):
                reason = f"the value is that of {x.text!r}, another entity"
                continue
            ok, why = self._side_ok(side, x, n, direction)
            if not ok:
                reason = why
                continue
            return x.text, ""
        return None, reason

    @staticmethod
    def _value_ok(n: NumberMention, x: _Num, side: str, direction: int) -> bool:
        tol = n.half_step * 1.0001 + 1e-12
        if x.side == "change":
            said = n.value if (n.signed or not direction) else direction * abs(n.value)
            v = x.value
        else:
            said, v = abs(n.value), abs(x.value)
        if x.unit == "1" and not n.unit:
            # "0.12" or "12.3" (a percentage without its sign) for a fraction of 0.123
            return abs(said - v) <= tol if abs(said) < 1 else abs(said / 100 - v) <= tol / 100
        return abs(said - v) <= tol

    @staticmethod
    def _side_ok(side: str, x: _Num, n: NumberMention, direction: int) -> tuple[bool, str]:
        if x.side == "label":
            return True, ""
        bounds = ("interval", "low", "high")
        if side in bounds:
            if x.side not in bounds:
                return False, f"said to be an interval bound, the fact is {x.text!r}"
            if "interval" not in (side, x.side) and side != x.side:
                return False, f"the other bound of the interval: {x.text!r}"
            return True, ""
        if x.side in bounds:
            return False, f"the value is an interval bound ({x.text!r})"
        if side == "change":
            if x.side != "change":
                return False, f"said to be a change, the fact is {x.text!r}"
            return True, ""
        if x.side == "change":
            return False, f"the value is a change ({x.text!r}), said to be a level"
        if side in ("base", "scenario") and x.side in ("base", "scenario") and x.side != side:
            return False, f"the other side's value: {x.text!r}"
        return True, ""

    # ------------------------------------------------------------------ kpis
    def kpi_in(self, clause: str) -> str | None:
        low = clause.lower()
        for k in self.kpis:
            if k and re.search(rf"\b{re.escape(k)}\b", low):
                return k
        return None


def _mask_names(text: str, vocabulary: set[str]) -> str:
    """``text`` with its entity names (``s4-out-6-weeks``, ``PRESS1``) blanked out."""
    return _TOKEN.sub(lambda m: "#" * len(m.group(0)) if _is_entity_like(
        m.group(0), vocabulary) else m.group(0), text)


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


def _direction(clause: str) -> int:
    """+1 (rises), -1 (falls), 0 (none or both)."""
    up, down = bool(UP.search(clause)), bool(DOWN.search(clause))
    return 0 if up == down else (1 if up else -1)


def _number_side(clause: str, n: NumberMention, direction: int, sentence: str,
                 scenario_named: bool = False) -> str:
    """What the text says a number is: ``base``, ``scenario``, ``change``, ``low``/``high``
    (an interval's bounds), ``interval`` (a bound, which one unsaid) or "" (a level)."""
    before = clause[:n.start].lower()
    after = clause[n.end:].lower()
    # a bracket is its own scope: "(95% interval 19 h to 22 h)" says nothing of the
    # number before it, "(6.7%)" takes the side of the words around it
    opened = clause.rfind("(", 0, n.start)
    if opened >= 0 and clause.find(")", opened) in (-1, *range(n.start, len(clause) + 1)):
        close = clause.find(")", n.start)
        scope = clause[opened:close if close >= 0 else len(clause)]
    else:
        scope = _PAREN.sub(lambda m: " " * len(m.group(0)), clause)
    outer = _PAREN.sub(lambda m: " " * len(m.group(0)), sentence)
    if _INTERVAL.search(scope) or (_INTERVAL.search(outer) and not direction
                                   and not CHANGE.search(clause)):
        if re.search(r"\bto\s*$|\band\s*$", before):
            return "high"
        if re.search(r"(?:\bfrom|\bbetween|interval)\s*$", before):
            return "low"
        low = re.search(r"\b(?:low|lower bound|from|minimum)\b", before + " " + after)
        high = re.search(r"\b(?:high|upper bound|to|maximum)\b", before + " " + after)
        if bool(low) != bool(high):
            return "low" if low else "high"
        return "interval"
    if re.search(r"\bfrom\s*$", before):
        return "base"
    if re.search(r"\bto\s*$", before) and (direction or re.search(r"\bfrom\b", before)):
        return "scenario"
    if direction or CHANGE.search(clause):
        return "change"
    if _BASE.search(clause):
        return "base"
    if _SCEN.search(clause) or scenario_named:
        return "scenario"
    return ""


def _changes_of(sup: _Support, table: dict, kpi: str, near: set[str]) -> list:
    """The rows of ``table[kpi]`` about the entities named (all when none is named)."""
    rows = table.get(kpi, [])
    named = [r for r in rows if (r[0] if isinstance(r, tuple) else r) & near]
    return named or ([] if any((r[0] if isinstance(r, tuple) else r) for r in rows) and near
                     and sup.multi else rows)


def _check_clause(sup: _Support, sent: str, a: int, b: int, plain: str,
                  near_sentence: set[str], ents_in: dict[int, str],
                  sentence_kpi: str | None) -> list[Claim]:
    clause, pclause = sent[a:b], plain[a:b]
    claims: list[Claim] = []
    direction = _direction(pclause)
    near = {e for pos, e in ents_in.items() if a <= pos < b} or near_sentence
    kpi = sup.kpi_in(pclause)
    for n in extract_numbers(pclause):
        side = _number_side(pclause, n, direction, plain,
                            bool(sup.scenarios & {e for p, e in ents_in.items() if a <= p < b}))
        context = keywords(pclause[:n.start]) or keywords(pclause[n.end:]) or (
            keywords(sentence_kpi) if sentence_kpi else frozenset())
        fact, why = sup.number(n, side, near, context, direction, keywords(pclause))
        claims.append(Claim(n.text, "number", fact is not None, fact, why))
    if direction and kpi is None and sentence_kpi and not any(
            c.kind == "number" for c in claims) and re.search(
            r"\b(?:ris|fall|increas|decreas|higher|lower|go(?:es)? (?:up|down))", pclause,
            re.IGNORECASE):
        kpi = sentence_kpi
    if direction and kpi is not None and not any(c.kind == "number" and not c.supported
                                                 for c in claims):
        rows = _changes_of(sup, sup.changes, kpi, near)
        signs = {d > 0 for _, d in rows if d != 0}
        if not rows:
            claims.append(Claim(clause, "direction", False, None,
                                f"no fact says {kpi} changes"))
        elif signs != {direction > 0}:
            said = "rises" if direction > 0 else "falls"
            claims.append(Claim(clause, "direction", False, None,
                                f"the text says {kpi} {said}; the facts say otherwise"
                                if len(signs) < 2 else f"{kpi} rises in one scenario and "
                                "falls in another: name the scenario"))
        else:
            claims.append(Claim(clause, "direction", True, f"change of {kpi}"))
    elif direction and kpi is None and not claims and not sup.changes and re.search(
            r"\b(?:ris|fall|increas|decreas|higher|lower)", pclause, re.IGNORECASE):
        claims.append(Claim(clause, "direction", False, None, "no fact states a change"))
    if kpi is not None and (_BETTER.search(pclause) or _WORSE.search(pclause)):
        worse = bool(_changes_of(sup, sup.worse, kpi, near))
        said_worse = bool(_WORSE.search(pclause))
        ok = said_worse == worse and bool(_changes_of(sup, sup.changes, kpi, near))
        claims.append(Claim(clause, "direction", ok, f"change of {kpi}" if ok else None,
                            "" if ok else f"{kpi} {'gets worse' if worse else 'does not get worse'}"
                            " in the facts"))
    if kpi is not None and _UNCHANGED.search(pclause):
        ok = bool(_changes_of(sup, sup.unchanged, kpi, near))
        claims.append(Claim(clause, "direction", ok, None, "" if ok else
                            f"{kpi} changes in the facts"))
    claims += _roles(sup, clause, near)
    return claims


def _named(sup: _Support, clause: str, near: set[str]) -> set[str]:
    low = clause.lower()
    out = set(near)
    for v in sup.text_values:
        if v and re.search(rf"\b{re.escape(v.lower())}\b", low):
            out.add(v)
    return out


def _states_role(f: Fact, clause: str, named: set[str], near: set[str]) -> bool:
    """Whether fact ``f`` (of a role) backs the clause: its text value (the entity or
    cause holding the role) is named, about the entities the clause names."""
    about = set(f.entities) | set(_TOKEN.findall(f.name))
    if isinstance(f.value, str):
        val = f.value.lower()
        if not re.search(rf"(?<![\w-]){re.escape(val)}(?![\w-])", clause.lower()):
            return False
        others = near - {f.value}
        return not others or bool(about & others) or not (set(f.entities) - {f.value})
    return bool(about & named)


def _roles(sup: _Support, clause: str, near: set[str]) -> list[Claim]:
    out = []
    named = _named(sup, clause, near)
    for said, fact_pat in _ROLES:
        m = said.search(clause)
        if not m:
            continue
        facts = [f for f in sup.facts if fact_pat.search(f.name)]
        if not facts:
            out.append(Claim(m.group(0), "role", False, None,
                             f"no fact states {m.group(0)!r}"))
            continue
        if not named:
            out.append(Claim(m.group(0), "role", True, facts[0].text()))
            continue
        hit = [f for f in facts if _states_role(f, clause, named, near)]
        out.append(Claim(m.group(0), "role", bool(hit), hit[0].text() if hit else None,
                         "" if hit else f"the facts give {facts[0].text()!r}"))
    if not out:
        m = _SUPERLATIVE.search(clause)
        if m and not any(re.search(rf"\b{m.group(0).lower()}\b", f.name) for f in sup.facts):
            out.append(Claim(m.group(0), "role", False, None,
                             f"no fact states a {m.group(0)!r}"))
    return out


def _causes(sup: _Support, sent: str, near: set[str]) -> list[Claim]:
    m = CAUSAL.search(sent)
    if not m:
        return []
    drivers = [f for f in sup.facts if "main driver" in f.name and isinstance(f.value, str)]
    low = sent.lower()
    hit = [f for f in drivers if str(f.value).lower() in low]
    return [Claim(m.group(0), "cause", bool(hit), hit[0].text() if hit else None,
                  "" if hit else "no fact decomposes this change into this cause")]


def check_sentence(sent: str, sup: _Support) -> SentenceCheck:
    """Every claim of one sentence."""
    claims: list[Claim] = []
    masked = list(sent)
    # citations of a source ("SOP-PRESS.md:5-9", "[2]") are no claims
    for m in _CITE.finditer(sent):
        masked[m.start():m.end()] = " " * (m.end() - m.start())
    sent_masked = "".join(masked)
    for m in _DATE.finditer(sent_masked):
        ok = m.group(0) in sup.text
        claims.append(Claim(m.group(0), "date", ok, m.group(0) if ok else None,
                            "" if ok else "no fact has this date"))
        masked[m.start():m.end()] = "#" * (m.end() - m.start())
    no_dates = "".join(masked)
    ents_at: dict[int, str] = {}
    for m in _TOKEN.finditer(no_dates):
        tok = m.group(0)
        if _is_entity_like(tok, sup.vocabulary):
            ok = tok in sup.entities
            claims.append(Claim(tok, "entity", ok, tok if ok else None,
                                "" if ok else "no fact names it"))
            masked[m.start():m.end()] = "#" * (m.end() - m.start())
            if ok:
                ents_at[m.start()] = tok
        elif any(c.isdigit() for c in tok):
            masked[m.start():m.end()] = "#" * (m.end() - m.start())
    plain = "".join(masked)
    near = set(ents_at.values())
    skpi = sup.kpi_in(plain)
    for a, b in clauses(plain):
        claims += _check_clause(sup, sent, a, b, plain, near, ents_at, skpi)
    claims += _causes(sup, sent, near)
    return SentenceCheck(sent, claims)


def check_text(text: str, sheet: FactSheet, rel_tol: float = 0.0) -> GroundingReport:
    """Check every sentence of ``text`` against ``sheet``.

    Parameters
    ----------
    text
        The draft (from the model or anywhere else).
    sheet
        The facts that may be stated.
    rel_tol
        Kept for callers of the old signature; must be 0: a number's tolerance comes from
        the text's own rounding only.
    """
    if rel_tol:
        raise ValueError(f"rel_tol must be 0 (tolerance comes from the text's rounding), "
                         f"found {rel_tol!r}")
    sup = _Support(sheet)
    return GroundingReport([check_sentence(s, sup) for s in split_sentences(text)])


def fact_phrase(f: Fact) -> str:
    """A fact's value as the checker accepts it (``format_value``)."""
    return format_value(f.value, f.unit)
