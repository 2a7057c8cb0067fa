"""More phrasings read on the refined tokens (after :mod:`.refine`):

* "not 40 but 55", "not 3 but 6 days late", "not closed but open": a corrected value,
  the value said first (and its "not ... but") dropped; only when what is corrected is a
  size alone or an open/closed word, so "S1 is not late but S2 is" stays refused;
* "weld robot no. 2": the machine's number ("no." is no negation);
* "the buffer ahead of the welders": a place, as "before" a station;
* "we sell zero BRK-B": selling a product is its demand;
* "power for nothing": a price factor 0 when the question is about a price or energy;
* "knock a quarter off": "off" after a fraction is a cut, as after a percentage;
* "tariffs make what we buy from China dearer": import tariffs, not the energy tariff,
  when the question names a supplier and no other energy word;
* "spot costs 2.4 times the cheapest supplier's price": the contract price (when no
  supplier or material is named);
* "half the BRK-A demand": half of it, when no direction word is said and no product
  follows "to" or "from" ("half the BRK-A demand goes to CAB-S" stays refused);
* "a Saturday morning shift 6 to 12": hours of a shift said as bare numbers, read as
  clock times when one reading only fits (a 24-hour number, or the morning; also after
  the days of "we work Saturdays, 8 to 16", in :mod:`.refine`);
* "mothball a press brake": a machine taken out of the line (removed);
* "give assembly a third cell": a machine added (an ordinal and a machine word);
* "only" in a question about DCs ("only the south DC stays open": the others close).
"""

from __future__ import annotations

import re
from itertools import pairwise

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.normalise import Tok

__all__ = ["rephrase"]

#: tokens that make a size (what "not ... but" may correct)
_SIZE = {"NUM", "FRAC", "PCT", "UNIT", "MULT", "QUNIT"}
_STATIONISH = {"PROCW", "MNOUN", "MACH"}
_DIRECTION = {"UP", "DOWNDIR", "SLOWER", "FASTER", "LATE", "EARLY", "HALVE"}
_MACHINE_ENTS = {"MACH", "MNOUN", "PROCW", "GENMACH"}


def _not_but(toks: list[Tok]) -> list[Tok]:
    """The tokens without the corrected part of "not X but Y" (X a size alone, or "not
    closed but open"): Y is what the question means."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.type == "NEG" and t.text.lower() == "not":
            j = k + 1
            while j < len(toks) and toks[j].type in _SIZE:
                j += 1
            said = toks[k + 1:j]
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            but = j < len(toks) and toks[j].type == "SEP" and toks[j].text.lower() == "but"
            if but and nxt is not None and said and said[0].type in ("NUM", "FRAC") and \
                    nxt.type in ("NUM", "FRAC", "MULT"):
                k = j + 1  # "not 40 but 55": 55
                continue
            if j == k + 1 and k + 3 < len(toks) and toks[k + 2].type == "SEP" and \
                    toks[k + 2].text.lower() == "but" and {toks[k + 1].type, toks[k + 3].type} \
                    == {"OPEN", "CLOSE"}:
                k += 3  # "not closed but open": open
                continue
        out.append(t)
        k += 1
    return out


def _shift_clock(a: Tok, b: Tok, morning: bool) -> tuple[str, str] | None:
    """Clock times of "shift 6 to 12" / "shift 14 to 22", or None when am/pm is open."""
    va, vb = a.value, b.value
    if not (float(va).is_integer() and float(vb).is_integer() and 0 <= va <= 24 and
            0 <= vb <= 24):
        return None
    ha, hb = int(va), int(vb)
    if max(ha, hb) > 12 or min(ha, hb) == 0:  # a 24-hour clock
        return f"{ha % 24:02d}:00", f"{hb % 24:02d}:00"
    if morning and ha < hb <= 12:  # "a morning shift 6 to 12": 06:00-12:00
        return f"{ha:02d}:00", f"{hb:02d}:00"
    return None


def rephrase(toks: list[Tok], text: str, lex: Lexicon) -> list[Tok]:
    """The tokens with the phrasings of the module docstring read.

    Parameters
    ----------
    toks
        The refined tokens, in order.
    text
        The (rewritten) text the tokens' places refer to.
    lex
        The plant's words.

    Returns
    -------
    list of Tok
        The tokens, some replaced or dropped.
    """
    toks = _not_but(toks)
    types = {t.type for t in toks}
    if types & {"DC", "DCWORD"}:  # "only the south DC stays open": the others do not
        toks = sorted([*toks, *(Tok("ONLY", None, m.group(0), m.start(), m.end()) for m in
                                re.finditer(r"\bonly\b", text, re.I))], key=lambda t: t.start)
    if "ORD" in types and types & _MACHINE_ENTS and not types & {"SUP", "DC", "DCWORD"}:
        toks = sorted([*toks, *(Tok("ADD", "add", m.group(0), m.start(), m.end()) for m in
                                re.finditer(r"\b(?:give|gives|gave|giving)\b", text, re.I))],
                      key=lambda t: t.start)  # "give assembly a third cell": add one
    priced = bool(types & {"ENERGY", "PRICE", "SPOT"})
    spot = "SPOT" in types and not types & {"SUP", "COUNTRY", "MAT"}
    named_sup = bool(types & {"SUP", "COUNTRY", "SUPWORD"})
    machines = bool(types & _MACHINE_ENTS) and not types & {"DC", "DCWORD"}
    shift_words = {"SHIFTW", "SATURDAY", "SUNDAY", "WEEKEND", "NIGHT"}
    shift = bool(types & shift_words)
    morning = bool(re.search(r"\bmorning\b", text, re.I))
    moved = any(x.type in ("TO", "FROM") and y.type in ("PROD", "ALLPROD", "PRODONE")
                for x, y in pairwise(toks))  # "half the BRK-A demand goes to CAB-S"
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        low = t.text.lower()
        if t.type == "NEG" and low == "no" and nxt is not None and nxt.type == "NUM" and \
                out and out[-1].type in ("MNOUN", "PROCW") and \
                text[t.end:nxt.start].strip() == ".":
            k += 1  # "weld robot no. 2": its number
            continue
        if t.type == "EARLY" and low == "ahead" and nxt is not None and nxt.type == "OF" \
                and k + 2 < len(toks) and toks[k + 2].type in _STATIONISH:
            k += 2  # "the buffer ahead of the welders": before them
            continue
        if t.type == "REMOVE" and low in ("sell", "sells", "sold", "selling") and \
                "PROD" in types and not machines:
            out.append(Tok("DEMAND", t.text, t.text, t.start, t.end))  # "we sell no CAB-S"
            k += 1
            continue
        if t.type == "LOSS" and low == "nothing" and priced and out and \
                out[-1].type == "FOR":
            out[-1] = Tok("MULT", 0.0, text[out[-1].start:t.end], out[-1].start, t.end)
            k += 1  # "our power for nothing": free
            continue
        if t.type == "DOWN" and low == "off" and out and out[-1].type == "FRAC":
            out.append(Tok("DOWNDIR", low, t.text, t.start, t.end))  # "a quarter off"
            k += 1
            continue
        if t.type == "ENERGY" and low in ("tariff", "tariffs") and named_sup and \
                sum(x.type == "ENERGY" for x in toks) == 1 and "PRICE" not in types and \
                any(x.text.lower() in ("dearer", "pricier", "cheaper") for x in toks):
            k += 1  # "tariffs make what we buy from China dearer": import duties
            continue
        if spot and t.type == "SUPWORD" and nxt is not None and nxt.type == "PRICE" and \
                nxt.text.lower() in ("price", "prices"):
            out.append(Tok("CONTRACT", None, text[t.start:nxt.end], t.start, nxt.end))
            k += 2  # "the (cheapest) supplier's price": the contract price
            continue
        if t.type == "FRAC" and low == "half" and re.match(r"\s+the\b", text[t.end:], re.I) \
                and not types & _DIRECTION and "DEMAND" in types and not named_sup and \
                not moved:
            out.append(Tok("MULT", 0.5, t.text, t.start, t.end))  # "half the demand"
            k += 1
            continue
        if shift and t.type == "NUM" and k + 2 < len(toks) and toks[k + 1].type == "TO" and \
                toks[k + 2].type == "NUM" and out and out[-1].type in (*shift_words, "FROM") and \
                not (k + 3 < len(toks) and toks[k + 3].type in ("UNIT", "PCT", "QUNIT")):
            cl = _shift_clock(t, toks[k + 2], morning)
            if cl is not None:  # "a shift 6 to 12", "shift from 14 to 22"
                out += [Tok("CLOCK", cl[0], t.text, t.start, t.end), toks[k + 1],
                        Tok("CLOCK", cl[1], toks[k + 2].text, toks[k + 2].start,
                            toks[k + 2].end)]
                k += 3
                continue
        if t.type == "CLOSE" and low.startswith("mothball") and machines:
            out.append(Tok("REMOVE", t.text, t.text, t.start, t.end))  # out of the line
            k += 1
            continue
        out.append(t)
        k += 1
    return out
