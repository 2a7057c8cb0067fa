"""Normalised text: a question as a list of typed tokens the grammar reads.

Numbers in digits or words (``5``, ``five``, ``twenty-five``, ``1e9``), fractions
(``half``, ``a third``, ``two thirds``, ``a tenth``), ordinals (``second``, ``2nd``,
``last``), durations (``a fortnight``, ``a full shift`` from the plant's calendar),
multipliers (``double``, ``triple``, ``halve``), dates and clock times, the plant's
names and descriptive words (:mod:`.lexicon`) and the keywords of each what-if kind.

Every token keeps its place in the text; tokens marked ``significant`` (numbers, names,
negation, direction words, words the parser cannot honour such as "or" and "except")
must be used by the parse, or the question is refused (the consumption rule). A word that
is neither a token nor harmless (:data:`.vocab.HARMLESS`) becomes ``UNKW`` and refuses the
question (:mod:`.unknown`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from twinbench.llm.questions.lexicon import Lexicon, Phrase
from twinbench.llm.questions.rewrite import rewrite
from twinbench.llm.questions.unknown import not_understood, one_edit
from twinbench.llm.questions.vocab import (
    COUNT_UNITS,
    DAYS,
    FILLERS,
    FRACTIONS,
    KEYWORDS,
    MULTIPLIERS,
    ONES,
    ORDINALS,
    PHRASES,
    SCALE_AFTER_DIGITS,
    SCALES,
    SIGNIFICANT,
    SUPERLATIVES,
    TENS,
    TYPO_WORDS,
    UNITS,
    WEAK_ADD,
    WEEK,
)

__all__ = ["Tok", "UnitError", "tokens"]

_SHIFT_H: list[float | None] = [None]
#: words after which "up to" says where a value is raised to ("capacity goes up to 40000"),
#: not a bound ("late by up to 3 days")
_RAISED = {"buffer", "buffers", "capacity", "capacities", "price", "prices", "demand",
           "goes", "go", "going", "went", "raise", "raises", "raised", "increase",
           "increases", "increased", "bumped", "moves", "move", "moved", "rises", "rise",
           "grows", "grow", "time", "times"}
#: words before "week" that make a number in words after it the week's ("in week two")
_BEFORE_WEEK = {"in", "from", "to", "and", "between", "until", "till", "through", "during",
                "by", "after", "before", "of"}
#: a singular family word after these names one product of the family ("the bracket")
_ONE_OF = {"the", "a", "an", "this", "that", "one", "our"}
#: ... unless a noun follows that makes it the family's ("the bracket demand")
_FAMILY_NOUNS = {"demand", "orders", "sales", "volume", "volumes", "family", "range",
                 "products", "line", "forecast"}
#: capitalised words that are no names (the pronoun, greetings)
KNOWN_TITLE = {"i", "please", "thanks", "hello", "hi", "ok", "okay", "what", "if", "then"}


_RAW = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[ T](?P<dtime>\d{1,2}:\d{2}))?"
    r"|(?P<clock>\b\d{1,2}:\d{2}\b)"
    r"|(?P<num>(?<![\w.])[+-]?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?(?!\w|\.\d))"
    r"|(?P<numunit>\d+(?:\.\d+)?)(?P<u>h|d|w|x|k|wk|hrs?|st|nd|rd|th|am|pm)\b"
    r"|(?P<xnum>\bx\d+(?:\.\d+)?)\b"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_]*(?:[-'][A-Za-z0-9_]+)*)"
    r"|(?P<pct>%)|(?P<punct>[,;&/?!.+-])"
    r"|(?P<junk>\d[\w.,]*)", re.I)  # "5units", "20pc": digits the parser cannot read


@dataclass
class Tok:
    """One token: grammar ``type``, meaning ``value``, text and place ``[start, end)``."""

    type: str
    value: Any
    text: str
    start: int
    end: int

    @property
    def significant(self) -> bool:
        return self.type in SIGNIFICANT and not (self.type == "ADD" and
                                                 self.text.lower() in WEAK_ADD)


class UnitError(ValueError):
    """A unit that the plant does not define (a shift length that varies)."""


def _shift_hours(lex: Lexicon) -> float | None:
    lengths = {s.hours for s in lex.spec.calendar.shifts}
    return lengths.pop() if len(lengths) == 1 else None


def _raw_tokens(text: str) -> list[tuple[str, str, int, int]]:
    out = []
    for m in _RAW.finditer(text):
        kind = m.lastgroup if m.lastgroup not in ("dtime", "u") else "date"
        if m.group("date"):
            kind = "date"
        elif m.group("numunit"):
            kind = "numunit"
        out.append((kind, m.group(0), m.start(), m.end()))
    return out



def _words_number(words: list[str], i: int) -> tuple[float, int] | None:
    """A number written in words from ``words[i]``: (value, words used)."""
    total, cur, j = 0, None, i
    while j < len(words):
        w = words[j].replace("-", " ").split()
        if len(w) > 1 and all(x in ONES or x in TENS for x in w):
            v = sum(ONES.get(x, TENS.get(x, 0)) for x in w)
            cur = (cur or 0) + v
            j += 1
            continue
        x = words[j]
        if x in ONES:
            cur = (cur or 0) + ONES[x]
        elif x in TENS:
            cur = (cur or 0) + TENS[x]
        elif x in SCALES and cur is not None:
            total += cur * SCALES[x]
            cur = 0
        elif x == "and" and cur is not None and j + 1 < len(words) and \
                (words[j + 1] in ONES or words[j + 1] in TENS) and total:
            pass
        elif x == "dozen":
            cur = (cur or 1) * 12
        else:
            break
        j += 1
    if j == i:
        return None
    return float(total + (cur or 0)), j - i


def tokens(text: str, lex: Lexicon) -> list[Tok]:
    """The question as tokens (see the module docstring), before
    :func:`twinbench.llm.questions.refine.normalise` refines them.

    Parameters
    ----------
    text
        The question.
    lex
        The plant's phrase table.

    Returns
    -------
    list of Tok
        Words that mean nothing here (``what``, ``if``, ``we``) are left out.
    """
    text = rewrite(text, lex)  # month dates, "three-day", a follow-up question dropped
    raw = _raw_tokens(text)
    words = [re.sub(r"'s$", "", r[1].lower()) for r in raw]
    _SHIFT_H[0] = _shift_hours(lex)
    out: list[Tok] = []
    i = 0
    shift_h = _shift_hours(lex)

    covered: set[int] = set()
    letters = [c for c in text if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))

    def emit(t: str, v: Any, a: int, b: int) -> None:
        out.append(Tok(t, v, text[raw[a][2]:raw[b - 1][3]], raw[a][2], raw[b - 1][3]))
        covered.update(range(a, b))

    while i < len(raw):
        kind, s, a, b = raw[i]
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(raw) else ""
        if kind == "date":
            emit("DATE", s.replace("T", " "), i, i + 1)
            i += 1
            continue
        if kind == "clock":  # "7:30", "7:30 pm" -> "07:30", "19:30"
            hh, mm = (int(x) for x in s.split(":"))
            half = nxt if nxt in ("am", "pm") and 0 < hh <= 12 else ""
            hh = hh % 12 + (12 if half == "pm" else 0) if half else hh
            emit("CLOCK", f"{hh:02d}:{mm:02d}", i, i + (2 if half else 1))
            i += 2 if half else 1
            continue
        if kind == "num":
            if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):  # "15.000": 15 or 15000?
                emit("UNKW", s, i, i + 1)
                i += 1
                continue
            v = float(s.replace(",", "")) if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", s) \
                else float(s.replace(",", "."))
            if s.startswith("+"):
                out.append(Tok("UP", "+", "+", a, a + 1))
            if nxt in ("am", "pm") and float(v).is_integer() and 0 < v <= 12:
                hh = int(v) % 12 + (12 if nxt == "pm" else 0)
                emit("CLOCK", f"{hh:02d}:00", i, i + 2)
                i += 2
                continue
            emit("NUM", v, i, i + 1)
            i += 1
            continue
        if kind == "numunit":
            m = re.fullmatch(r"(\d+(?:\.\d+)?)(\w+)", s)
            n, u = float(m.group(1)), m.group(2).lower()
            if u in ("am", "pm"):
                hh = int(n) % 12 + (12 if u == "pm" else 0)
                emit("CLOCK", f"{hh:02d}:00" if n <= 12 else s, i, i + 1)
            elif u in ("st", "nd", "rd", "th"):
                emit("ORD", int(n), i, i + 1)
            elif u == "x":
                emit("MULT", n, i, i + 1)
            elif u == "k":  # "5k units"
                emit("NUM", n * 1000, i, i + 1)
            else:
                emit("NUM", n, i, i + 1)
                out.append(Tok("UNIT", UNITS[u], u, b - len(u), b))
            i += 1
            continue
        if kind == "xnum":
            if s[0] == "X":  # "X77": an id, not "times 77"
                emit("UNK", s, i, i + 1)
            else:
                emit("MULT", float(s[1:]), i, i + 1)
            i += 1
            continue
        if kind == "junk":
            emit("UNKW", s, i, i + 1)
            i += 1
            continue
        if kind == "pct":
            emit("PCT", None, i, i + 1)
            i += 1
            continue
        if kind == "punct":
            if s in (",", "&"):
                emit("AND", None, i, i + 1)
            elif s == ";":
                emit("SEP", None, i, i + 1)
            elif s == "-" and out and out[-1].type in ("NUM", "CLOCK") and \
                    i + 1 < len(raw) and raw[i + 1][0] in ("num", "clock"):
                emit("TO", "-", i, i + 1)
            elif s == "/" and nxt in ("week", "wk"):
                emit("PERWEEK", None, i, i + 2)
                i += 2
                continue
            i += 1
            continue
        if w in SCALE_AFTER_DIGITS and out and out[-1].type == "NUM" and i and \
                raw[i - 1][0] == "num" and out[-1].end == raw[i - 1][3]:
            prev = out.pop()  # "2 million", "20 thousand": the scale word multiplies
            out.append(Tok("NUM", prev.value * SCALE_AFTER_DIGITS[w], text[prev.start:b],
                           prev.start, b))
            covered.add(i)
            i += 1
            continue
        if w == "time" and out and out[-1].type in ("PROCW", "MNOUN", "MACH") and \
                out[-1].end == raw[i - 1][3]:
            emit("PROC", w, i, i + 1)  # "laser time", "test time": a processing time
            i += 1
            continue
        if w == "up" and nxt == "to" and i and (words[i - 1] in _RAISED or (words[i - 1] in (
                "them", "it") and _RAISED & set(words[max(0, i - 6):i]))):
            emit("UP", w, i, i + 1)  # "the buffer up to 100": raised to (not "at most")
            i += 1
            continue
        # words: the plant's phrases and fixed phrases, longest first
        hit = None
        for n in range(min(7, len(raw) - i), 0, -1):
            key = tuple(words[i:i + n])
            if any(raw[i + k][0] != "word" for k in range(n)):
                continue
            ph = lex.phrases.get(key) or PHRASES.get(key)
            if ph is not None:
                hit = (ph, n)
                break
            if key in SUPERLATIVES:
                hit = (Phrase("SUPERL", SUPERLATIVES[key]), n)
                break
        if hit is not None:
            ph, n = hit
            t, v = ph.type, ph.value
            if t == "SHIFTU":
                t, v = "UNIT", shift_h if shift_h is not None else "shift"
            if t == "SKIP":  # "than forecast": says nothing more
                covered.update(range(i, i + n))
                i += n
                continue
            if t == "PROD" and len(v) > 1 and n == 1 and not w.endswith("s") and i and \
                    words[i - 1] in _ONE_OF and nxt not in _FAMILY_NOUNS:
                emit("PRODONE", v, i - 1, i + 1)  # "the bracket": one of the family
                i += 1
                continue
            emit(t, v, i, i + n)
            i += n
            continue
        if w in ("a", "an", "one") and nxt in ("full", "whole", "single"):
            i += 1  # "a full shift": the article is the number
            words_after = words[i:i + 2]
            if tuple(words_after) in PHRASES:
                emit("NUM", 1.0, i - 1, i)
            continue
        if w in ("a", "an") and nxt == "shift" and i and words[i - 1] in ("for", "during"):
            emit("NUM", 1.0, i, i + 1)  # "down for a shift": a duration
            i += 1
            continue
        if w in ("a", "an") and nxt in SCALES:  # "a hundred"
            num = _words_number(["one", *words[i + 1:]], 0)
            if num is not None:
                emit("NUM", num[0], i, i + num[1])
                i += num[1]
                continue
        if w in ("a", "an") and nxt == "dozen":
            emit("NUM", 12.0, i, i + 2)
            i += 2
            continue
        after = words[i + 2] if i + 2 < len(raw) else ""
        frac = w in ("a", "an", "one") and nxt in FRACTIONS and nxt not in ("second",) \
            and not ((nxt in ORDINALS and after in ("shift", "supplier", "week"))
                     or after in lex_nouns(lex))  # "a third", "one quarter"
        num = _words_number(words, i)
        if num is not None and w not in ("a", "an") and not frac:
            v, n = num
            emit("NUM", v, i, i + n)
            i += n
            continue
        if frac:
            emit("FRAC", 1 / FRACTIONS[nxt], i, i + 2)
            i += 2
            continue
        if w in ("a", "an", "per", "each") and nxt in ("week", "wk", "day", "month", "hour",
                                                     "year") and out and \
                out[-1].type in ("QUNIT", "NUM"):
            emit("PERWEEK" if nxt in ("week", "wk") else "STOPW", None, i, i + 2)
            i += 2
            continue
        if w in ("a", "an") and (nxt in UNITS or nxt in ("couple",)):
            if nxt == "couple":
                emit("NUM", 2.0, i, i + 2)
                i += 3 if i + 2 < len(raw) and words[i + 2] == "of" else 2
                continue
            emit("NUM", 1.0, i, i + 1)
            i += 1
            continue
        if w == "half":
            emit("FRAC", 0.5, i, i + 1)
            i += 2 if nxt in ("a", "an") else 1
            continue
        if w in FRACTIONS and out and out[-1].type == "NUM" and w.endswith("s"):
            prev = out.pop()  # "two thirds"
            out.append(Tok("FRAC", prev.value / FRACTIONS[w], text[prev.start:b],
                           prev.start, b))
            covered.add(i)
            i += 1
            continue
        if w in ORDINALS:
            emit("ORD", ORDINALS[w], i, i + 1)
            i += 1
            continue
        if w in MULTIPLIERS:
            emit("MULT", MULTIPLIERS[w], i, i + 1)
            i += 1
            continue
        if (w in UNITS and w not in ("d", "h", "w", "min")) or (w in ("d", "h", "w") and out
                                                            and out[-1].type == "NUM"):
            if w.startswith("week") and i + 1 < len(raw) and (raw[i + 1][0] == "num" or ((
                    nxt in ONES or nxt in TENS) and i and words[i - 1] in _BEFORE_WEEK)):
                emit("WEEKIDX", None, i, i + 1)  # "week 7", "between week seven and ..."
            else:
                emit("UNIT", UNITS[w], i, i + 1)
            i += 1
            continue
        if w in COUNT_UNITS:
            emit("QUNIT", w, i, i + 1)
            i += 1
            continue
        if w == "x" and out and out[-1].type == "NUM":
            emit("TIMES", None, i, i + 1)
            i += 1
            continue
        if w == "plus" and i + 1 < len(raw) and raw[i + 1][0] == "num":
            emit("UP", w, i, i + 1)
            i += 1
            continue
        if w in ("and", "plus"):
            emit("AND", None, i, i + 1)
            i += 1
            continue
        if w in ("then", "while", "meanwhile", "whereas", "but"):
            emit("SEP", None, i, i + 1)
            i += 1
            continue
        if w in ("bottleneck", "bottlenecks"):
            emit("BOTTLENECK", lex.ctx.bottleneck, i, i + 1)
            i += 1
            continue
        if w.endswith("n't") or w in ("cannot", "can't", "won't", "doesn't", "don't"):
            emit("NEG", None, i, i + 1)
            i += 1
            continue
        if w == "down" and (nxt in ("to", "by") or (
                i + 2 < len(raw) and raw[i + 1][0] == "num" and
                words[i + 2] in ("%", "percent", "pct", "per"))):
            emit("DOWNDIR", w, i, i + 1)  # "down to 25", "down 10%": a direction
            i += 1
            continue
        if w in ("discount", "discounts", "rebate"):  # "a 10% discount": prices down
            emit("PRICE", w, i, i + 1)
            out.append(Tok("DOWNDIR", w, s, a, b))
            i += 1
            continue
        if w in KEYWORDS:
            emit(KEYWORDS[w], DAYS.get(w, w), i, i + 1)
            i += 1
            continue
        close = get_close_matches(w, TYPO_WORDS, n=1, cutoff=0.88) if len(w) >= 6 else []
        sentence_start = not re.search(r"\w", text[:a]) or bool(
            re.search(r"[.?!:;]\s*$", text[:a]))
        plain = s.islower() or (sentence_start and s[1:].islower())
        if not close and plain and len(w) >= 6:
            close = one_edit(w, TYPO_WORDS)  # "demnad": two letters swapped
        if close and plain:
            emit(KEYWORDS[close[0]], DAYS.get(close[0], close[0]), i, i + 1)  # "electricty"
            i += 1
            continue
        plant_words = [k[0] for k in lex.phrases if len(k) == 1 and len(k[0]) >= 6]
        close = get_close_matches(w, plant_words, n=2, cutoff=0.88) \
            if len(w) >= 6 and plain else []
        if len(close) == 1 or (close and close[0] in words):
            ph = lex.phrases[(close[0],)]  # "weldng", "asembly": one plant word is near
            emit(ph.type, ph.value, i, i + 1)
            i += 1
            continue
        if shouting and not re.search(r"[\d-]", s):
            i += 1
            continue
        if (re.fullmatch(r"[A-Z]+[0-9]+[A-Z0-9]*|[A-Z]{2,}(?:-[A-Z0-9]+)*|[A-Z]+-[A-Z0-9]+",
                        s) and s not in ("I", "OK", "EUR", "CNC", "WIP", "KPI", "A", "AM",
                                         "PM", "UTC")) or re.search(r"\d", s):
            ids = [k[0] for k, p in lex.phrases.items() if len(k) == 1 and len(k[0]) >= 5
                   and p.type in ("MACH", "SUP", "PROD", "DC")]
            near = one_edit(w, ids, longer=False) if len(w) >= 5 else []
            if near:  # "PRES1": one letter off one name of the plant
                ph = lex.phrases[(near[0],)]
                emit(ph.type, ph.value, i, i + 1)
            else:
                emit("UNK", s, i, i + 1)  # looks like a name the plant does not have
        elif re.fullmatch(r"[A-Z][a-z]+", s) and a > 0 and not re.search(
                r"[.?!:;]\s*$|^\s*$", text[:a]) and w not in KNOWN_TITLE:
            emit("UNK", s, i, i + 1)  # "on Funday": a name this parser does not know
        i += 1
    for k, w in enumerate(words):  # "demand for widgets": a word after for/of unknown here
        if w not in ("for", "of"):
            continue
        j = k + 1
        while j < len(raw) and words[j] in FILLERS:
            j += 1
        if j < len(raw) and raw[j][0] == "word" and j not in covered and \
                words[j] not in FILLERS and words[j] not in KEYWORDS:
            out.append(Tok("UNK", raw[j][1], raw[j][1], raw[j][2], raw[j][3]))
    out += [Tok("UNKW", w, w, a, b) for w, a, b in not_understood(raw, words, covered, lex)]
    out.sort(key=lambda t: t.start)
    return _post(out)


def _post(out: list[Tok]) -> list[Tok]:
    """Second pass: "N in M" and "N out of M" as a fraction, "N shifts" as a duration."""
    res: list[Tok] = []
    k = 0
    while k < len(out):
        t = out[k]
        m = 0  # "8 in 10", "nine (times) out of ten": the tokens of the ratio
        if t.type == "NUM" and k + 2 < len(out) and out[k + 1].type == "IN" and \
                out[k + 2].type == "NUM" and out[k + 2].value in (4, 5, 10, 20, 100):
            m = 2
        elif t.type == "NUM" and k + 3 < len(out) and out[k + 1].type == "DOWN" and \
                out[k + 1].text.lower() == "out" and out[k + 2].type == "OF" and \
                out[k + 3].type == "NUM" and out[k + 3].value > 0:
            m = 3
        elif t.type == "NUM" and k + 4 < len(out) and out[k + 1].type == "TIMES" and \
                out[k + 2].type == "DOWN" and out[k + 2].text.lower() == "out" and \
                out[k + 3].type == "OF" and out[k + 4].type == "NUM" and out[k + 4].value > 0:
            m = 4
        if m and 0 <= t.value <= out[k + m].value:
            res.append(Tok("FRAC", t.value / out[k + m].value, "", t.start, out[k + m].end))
            k += m + 1
            if k < len(out) and out[k].type == "TIMES":  # "eight in ten times"
                k += 1
            continue
        if t.type == "OF" and res and res[-1].type == "FRAC" and k + 1 < len(out) and (
                out[k + 1].type == "UNIT" or (out[k + 1].type == "NUM" and out[k + 1].value == 1
                                              and out[k + 1].text.lower() in ("a", "an")
                                              and k + 2 < len(out)
                                              and out[k + 2].type == "UNIT")):
            k += 1 if out[k + 1].type == "UNIT" else 2  # "a tenth of a day"
            continue
        if t.type == "AND" and res and res[-1].type in ("NUM", "UNIT") and k + 1 < len(out) \
                and out[k + 1].type == "FRAC" and out[k + 1].text.lower() in (
                    "a half", "half", "a quarter"):
            f = out[k + 1].value  # "one and a half days", "a day and a half"
            if res[-1].type == "NUM":
                prev = res.pop()
                res.append(Tok("NUM", prev.value + f, f"{prev.text} and {out[k + 1].text}",
                               prev.start, out[k + 1].end))
            elif len(res) >= 2 and res[-2].type == "NUM":
                unit = res.pop()
                prev = res.pop()
                res.append(Tok("NUM", prev.value + f, prev.text, prev.start, prev.end))
                res.append(Tok(unit.type, unit.value, unit.text + " and " + out[k + 1].text,
                               unit.start, out[k + 1].end))
            else:
                res.append(t)
                k += 1
                continue
            k += 2
            continue
        if t.type == "DAYNAME" and res and res[-1].type == "TO" and len(res) >= 2 and \
                res[-2].type == "DAYNAME" and t.value in WEEK and res[-2].value in WEEK:
            res.pop()
            first = res.pop()  # "Monday to Friday"
            order = WEEK
            a, b = order.index(first.value), order.index(t.value)
            if a <= b:
                res.append(Tok("DAYNAME", tuple(order[a:b + 1]), f"{first.text} to {t.text}",
                               first.start, t.end))
                k += 1
                continue
            res += [first, Tok("TO", "to", "to", first.end, t.start)]
        if t.type == "UP" and t.text.lower() in ("more", "extra", "additional") and res and \
                res[-1].type in ("NUM", "FRAC") and k + 1 < len(out) and \
                out[k + 1].type in ("UNIT", "QUNIT"):
            res += [out[k + 1], t]  # "4 more days", "ten more places": "4 days more"
            k += 2
            continue
        if t.type == "STOPW" and t.text.lower() == "between" and k + 4 < len(out) and \
                out[k + 1].type == "WEEKIDX" and out[k + 2].type == "NUM" and \
                out[k + 3].type == "AND" and (out[k + 4].type == "NUM" or (
                    out[k + 4].type == "WEEKIDX" and k + 5 < len(out) and
                    out[k + 5].type == "NUM")):
            a = out[k + 3]  # "between week 2 and week 6": weeks 2 to 6
            res += [out[k + 1], out[k + 2], Tok("TO", "to", a.text, a.start, a.end)]
            k += 4
            continue
        if t.type == "SHIFTW" and res and res[-1].type == "FRAC":
            res.append(Tok("UNIT", _SHIFT_H[0] if _SHIFT_H[0] else "shift", t.text, t.start,
                           t.end))  # "half a shift"
            k += 1
            continue
        if t.type == "SHIFTW" and res and res[-1].type == "NUM":
            res.append(Tok("UNIT", _SHIFT_H[0] if _SHIFT_H[0] else "shift", t.text, t.start,
                           t.end))
            k += 1
            continue
        res.append(t)
        k += 1
    return res


def lex_nouns(lex: Lexicon) -> set[str]:
    """Words after an ordinal that make it an ordinal, not a fraction ("a third shift")."""
    return {"shift", "supplier", "vendor", "machine", "week"} | {
        k[0] for k, p in lex.phrases.items() if p.type in ("MNOUN", "PROCW")}
