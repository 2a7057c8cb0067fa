"""A last pass over the normalised tokens: classes of phrasing read from the tokens and
the text between them.

* relative times, from the plan's start ("today" is its first day): "tomorrow" and
  "today" as dates, "the day after" a date (or after tomorrow) as the next day, "next
  week" as week 1, "due in two weeks" as the date two weeks on; a new order "released
  (at the start of) week 3" on that week's Monday, "due on Friday of week 5" that Friday;
* a weekday said with a date ("Wednesday 21 Jan", "Monday, January 26"): dropped when it
  is the date's weekday (else it stays and the question is refused as not understood);
* "nine times in ten" as a fraction (as "nine in ten"); "1 week and 2 days" as one
  duration (a larger unit, then a smaller one);
* "N times as fast" / "half as long": the direction word marked as a ratio ("as fast");
  "took half the time", "twice the time" as "half as long", "twice as long";
* "all day" as one day; "off" as an outage ("LASER1 off for a week"), "20% off" as down;
* "nobody" / "no one" as the negation "no" ("nobody orders CAB-S": no demand; "nobody
  buys BRK-B" too);
* "free" as a price factor 0 when the question is about a price or energy, "costs
  nothing" as one too;
* "a single" after a negation ("nobody buys a single BRK-B"), "spot material prices",
  "falls a week behind" (a delay): the extra words dropped;
* "the same day" as the date said before it;
* "the eastern one" after a DC, "the Polish one": "one" stands for the DC or supplier
  word;
* "there were 3 press brakes", "we run with four weld robots": the station's total (as
  "we had 3 press brakes");
* "we work on Sundays from 10:00 to 18:00": a shift added on those days; "we work
  Saturdays, 8 to 16": bare hours after the days, as clock times when one reading fits.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.normalise import Tok, tokens
from twinbench.llm.questions.phrasing import _shift_clock, rephrase
from twinbench.llm.questions.rewrite import rewrite

__all__ = ["normalise", "refine"]

_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
#: direction words that "N times as ..." turns into a ratio
_AS_WORDS = {"fast", "quick", "slow", "long"}


#: words before a count of machines that make it the station's total ("there were 3 press
#: brakes", "we run with four weld robots"), as "we had"
_TOTAL_BEFORE = re.compile(r"\b(?:there\s+(?:is|are|was|were|would\s+be)|(?:run|runs|"
                           r"running|operate|operates|operating)(?:\s+with)?|with)\s+(?:only\s+"
                           r"|just\s+)?$", re.I)


def _between(text: str, a: Tok, b: Tok) -> str:
    return text[a.end:b.start].strip().lower()


#: token types that make "we work ..." something other than an added shift
_NOT_A_SHIFT = {"SHIFTW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY", "MACH", "MNOUN", "PROCW",
                "SUP", "PROD", "ENERGY", "DC", "DCWORD", "NEG", "REMOVE"}


def _worked_days(toks: list[Tok], text: str) -> list[Tok]:
    """"we work on Sundays from 10:00 to 18:00": a shift added on those days (an ADD and a
    shift word before the day), when the question names days and a clock span and nothing
    else a shift cannot be."""
    days = [k for k, t in enumerate(toks) if t.type == "DAYNAME"]
    clocks = [k for k, t in enumerate(toks) if t.type == "CLOCK"]
    if not days or len(clocks) != 2 or any(t.type in _NOT_A_SHIFT for t in toks) or \
            not any(t.type == "TO" for t in toks[clocks[0]:clocks[1]]) or not re.search(
                r"\bwe\s+(?:also\s+)?(?:work|worked|would\s+work|were\s+to\s+work)\b",
                text, re.I):
        return toks
    at = toks[days[0]].start
    added = [Tok("ADD", "add", "", at, at), Tok("SHIFTW", "shift", "", at, at)]
    return [*toks[:days[0]], *added, *toks[days[0]:]]


def _worked_hours(toks: list[Tok], text: str) -> list[Tok]:
    """"we also work Saturdays, 8 to 16": the bare hours after the days as clock times (when
    :func:`_shift_clock` reads them one way only), and the shift this makes; else the tokens
    as they are (then :func:`_worked_days`)."""
    for k in range(1, len(toks) - 2):
        a, to, b = toks[k:k + 3]
        prev = toks[k - 1] if toks[k - 1].type != "AND" or k < 2 else toks[k - 2]
        if not (a.type == "NUM" and to.type == "TO" and b.type == "NUM" and
                prev.type == "DAYNAME") or (k + 3 < len(toks) and toks[k + 3].type in
                                            ("UNIT", "PCT", "QUNIT")):
            continue
        cl = _shift_clock(a, b, bool(re.search(r"\bmorning\b", text, re.I)))
        if cl is None:
            break
        clocked = [*toks[:k], Tok("CLOCK", cl[0], a.text, a.start, a.end), to,
                   Tok("CLOCK", cl[1], b.text, b.start, b.end), *toks[k + 3:]]
        shifted = _worked_days(clocked, text)
        return shifted if len(shifted) > len(clocked) else _worked_days(toks, text)
    return _worked_days(toks, text)


def refine(toks: list[Tok], text: str, lex: Lexicon) -> list[Tok]:
    """The tokens with the phrasings of the module docstring read.

    Parameters
    ----------
    toks
        The normalised tokens, in order.
    text
        The (rewritten) text the tokens' places refer to.
    lex
        The plant's words (its start date for relative times).

    Returns
    -------
    list of Tok
        The tokens, some merged, replaced or dropped.
    """
    start = datetime.fromisoformat(lex.ctx.start) if lex.ctx.start else None
    priced = any(t.type in ("ENERGY", "PRICE", "SPOT") for t in toks)
    has_dc = any(t.type in ("DC", "DCWORD") for t in toks)
    released = any(t.type == "RELEASE" for t in toks)  # "due in 3 weeks": of release?
    toks = _worked_hours(toks, text)  # and "we work on Sundays from 10:00 to 18:00"
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        low = t.text.lower()
        if start is not None and t.type == "STOPW" and low in ("tomorrow", "today"):
            d = start + timedelta(days=1 if low == "tomorrow" else 0)
            out.append(Tok("DATE", d.strftime("%Y-%m-%d"), t.text, t.start, t.end))
            k += 1
            continue
        if t.type == "UNIT" and t.value == 24 and low == "day" and nxt is not None and \
                nxt.type == "FROM" and nxt.text.lower() == "after" and k + 2 < len(toks) \
                and re.search(r"\bthe\s+$", text[:t.start].lower()) and (
                    toks[k + 2].type == "DATE" or (start is not None and toks[k + 2].type
                                                   == "STOPW" and toks[k + 2].text.lower()
                                                   in ("tomorrow", "today"))):
            d2 = toks[k + 2]  # "the day after tomorrow", "the day after 14 January"
            d = (datetime.fromisoformat(d2.value[:10]) if d2.type == "DATE" else
                 start + timedelta(days=1 if d2.text.lower() == "tomorrow" else 0))
            out.append(Tok("DATE", (d + timedelta(days=1)).strftime("%Y-%m-%d"),
                           text[t.start:d2.end], t.start, d2.end))
            k += 3
            continue
        if start is not None and t.type == "STOPW" and low == "next" and nxt is not None \
                and not re.search(r"\bthe\s+$", text[:t.start].lower()) and \
                nxt.type == "UNIT" and nxt.value == 168 and \
                re.sub(r"'s$", "", nxt.text.lower()) in ("week", "wk"):
            out += [Tok("WEEKIDX", None, nxt.text, nxt.start, nxt.end),  # week 1
                    Tok("NUM", 1.0, t.text, t.start, t.end)]
            k += 2
            continue
        if start is not None and t.type == "IN" and out and (
                out[-1].type == "RELEASE" or (out[-1].type in ("DUE", "BY") and not released)) \
                and k + 2 < len(toks) and toks[k + 1].type == "NUM" and \
                toks[k + 2].type == "UNIT" and toks[k + 2].value in (24, 168) and \
                float(toks[k + 1].value).is_integer():
            d = start + timedelta(hours=toks[k + 1].value * toks[k + 2].value)
            out.append(Tok("DATE", d.strftime("%Y-%m-%d"), text[t.start:toks[k + 2].end],
                           t.start, toks[k + 2].end))  # "due in two weeks"
            k += 3
            continue
        if start is not None and t.type == "UNIT" and t.value == 168 and \
                low in ("week", "wk") and nxt is not None and nxt.type == "OF" and \
                k + 2 < len(toks) and toks[k + 2].type == "DATE":
            t0 = start - timedelta(days=start.weekday())
            d = datetime.fromisoformat(toks[k + 2].value[:10])
            week = (d - t0.replace(hour=0, minute=0)).days // 7  # "the week of 2 March"
            out += [Tok("WEEKIDX", None, t.text, t.start, t.end),
                    Tok("NUM", float(week), toks[k + 2].text, toks[k + 2].start,
                        toks[k + 2].end)]
            k += 3
            continue
        if start is not None and t.type == "WEEKIDX" and nxt is not None and \
                nxt.type == "NUM" and float(nxt.value).is_integer() and out and (
                    out[-1].type == "RELEASE" or (  # "due week 5": which day? not read
                        len(out) >= 3 and out[-1].type == "OF" and out[-2].type == "DAYNAME"
                        and out[-2].value in _WEEKDAYS and out[-3].type in ("RELEASE", "DUE"))):
            day = out[-2].value if out[-1].type == "OF" else "Mon"
            if out[-1].type == "OF":  # "due on Friday of week 5": that Friday
                del out[-2:]
            d = start - timedelta(days=start.weekday()) + timedelta(
                days=7 * int(nxt.value) + _WEEKDAYS.index(day))
            out.append(Tok("DATE", d.strftime("%Y-%m-%d"), text[t.start:nxt.end], t.start,
                           nxt.end))  # "released at the start of week 3": its Monday
            k += 2
            continue
        if t.type == "DATE" and out and (out[-1].type == "DAYNAME" or (
                out[-1].type == "AND" and len(out) >= 2 and out[-2].type == "DAYNAME")):
            day = out[-1] if out[-1].type == "DAYNAME" else out[-2]
            if day.value in _WEEKDAYS and _WEEKDAYS[
                    datetime.fromisoformat(t.value[:10]).weekday()] == day.value:
                while out[-1] is not day:  # "Monday, January 26": the weekday agrees
                    out.pop()
                out.pop()
        if t.type == "NUM" and k + 4 < len(toks) and toks[k + 1].type == "UNIT" and \
                toks[k + 2].type == "AND" and toks[k + 3].type == "NUM" and \
                toks[k + 4].type == "UNIT" and isinstance(toks[k + 1].value, float | int) \
                and isinstance(toks[k + 4].value, float | int) and \
                toks[k + 1].value > toks[k + 4].value and toks[k + 2].text == "and":
            h = t.value * toks[k + 1].value + toks[k + 3].value * toks[k + 4].value
            out += [Tok("NUM", h, text[t.start:toks[k + 4].end], t.start, toks[k + 3].end),
                    Tok("UNIT", 1, toks[k + 4].text, toks[k + 4].start, toks[k + 4].end)]
            k += 5  # "1 week and 2 days", "2 hours and 30 minutes": one duration
            continue
        if t.type == "NUM" and k + 3 < len(toks) and toks[k + 1].type == "TIMES" and \
                toks[k + 2].type == "IN" and toks[k + 3].type == "NUM" and \
                0 <= t.value <= toks[k + 3].value and toks[k + 3].value > 0:
            out.append(Tok("FRAC", t.value / toks[k + 3].value, "", t.start,
                           toks[k + 3].end))  # "nine times in ten"
            k += 4
            continue
        if t.type in ("FASTER", "SLOWER", "UNKW") and low in _AS_WORDS and out and \
                out[-1].type in ("MULT", "TIMES", "FRAC", "PCT") and \
                _between(text, out[-1], t) == "as":
            typ = "FASTER" if low in ("fast", "quick") else "SLOWER"
            out.append(Tok(typ, t.value, "as " + t.text, t.start, t.end))  # a ratio
            k += 1
            continue
        if t.type == "NUM" and nxt is not None and nxt.type in ("MNOUN", "GENMACH") and \
                _TOTAL_BEFORE.search(text[:t.start]):
            out += [Tok("HAD", "had", "", t.start, t.start), t]  # "there were 3 presses"
            k += 1
            continue
        if t.type == "BOTH" and low == "all" and nxt is not None and nxt.type == "UNIT" \
                and nxt.value == 24 and nxt.text.lower() == "day":
            out.append(Tok("NUM", 1.0, t.text, t.start, t.end))  # "down all day"
            k += 1
            continue
        if t.type == "UNKW" and low == "off":
            typ = "DOWNDIR" if out and out[-1].type == "PCT" else "DOWN"
            out.append(Tok(typ, low, t.text, t.start, t.end))  # "20% off", "LASER1 off"
            k += 1
            continue
        if t.type == "NEG" and low == "no" and nxt is not None and nxt.type == "NUM" and \
                nxt.text.lower() == "one" and nxt.start - t.end <= 1:
            out.append(Tok("NEG", None, "no", t.start, nxt.end))  # "no one orders"
            k += 2
            continue
        if t.type == "UNKW" and low in ("nobody", "noone", "no-one"):
            out.append(Tok("NEG", None, "no", t.start, t.end))
            k += 1
            continue
        if t.type == "LOSS" and low == "nothing" and out and out[-1].type == "PRICE":
            out.append(Tok("MULT", 0.0, t.text, t.start, t.end))  # "costs us nothing"
            k += 1
            continue
        if t.type == "UNKW" and low == "single" and re.search(r"\ba\s+$", text[:t.start].lower()) \
                and any(x.type == "NEG" for x in out):
            if out[-1].type == "NEG" and out[-1].text.lower() == "not":
                out[-1] = Tok("NEG", None, "no", out[-1].start, t.end)  # "not a single"
            k += 1  # "nobody buys a single BRK-B": the negation said again
            continue
        if t.type == "UNKW" and low in ("material", "materials") and out and \
                out[-1].type == "SPOT":
            k += 1  # "spot material prices": what the spot market sells
            continue
        if t.type == "UNIT" and t.value == 24 and low == "day" and \
                re.search(r"\bthe\s+same\s+$", text[:t.start].lower()):
            said = [x for x in out if x.type == "DATE"]
            if said:  # "... at 11am the same day": the date said before
                out.append(Tok("DATE", said[-1].value, text[t.start - 9:t.end].strip(),
                               t.start, t.end))
                k += 1
                continue
        if t.type == "DOWNDIR" and low in ("fall", "falls", "fell", "falling") and \
                any(x.type == "LATE" and x.text.lower() == "behind" for x in toks[k + 1:k + 4]):
            k += 1  # "falls a week behind": a delay, not a fall
            continue
        if t.type == "ADD" and low in ("buy", "buys", "bought", "purchase", "purchases") \
                and out and out[-1].type == "NEG" and any(x.type == "PROD" for x in toks):
            out.append(Tok("DEMAND", t.text, t.text, t.start, t.end))  # "nobody buys BRK-B"
            k += 1
            continue
        if t.type in ("FRAC", "MULT") and re.match(r"\s+the\s+time\b", text[t.end:],
                                                  re.I) and not (nxt and nxt.type in (
                                                      "SLOWER", "FASTER")):
            out += [t, Tok("SLOWER", None, "the time", t.end, t.end)]  # "half the time"
            k += 1  # as "half as long": a ratio of the time
            continue
        if t.type == "UNKW" and low == "free" and priced:
            out.append(Tok("MULT", 0.0, t.text, t.start, t.end))  # "electricity were free"
            k += 1
            continue
        if t.type == "NUM" and t.text.lower() == "one" and out and (
                (out[-1].type == "REGION" and has_dc) or out[-1].type == "COUNTRY") and \
                re.search(r"\bthe\s+\w+\s*$", text[:t.start].lower()):
            typ = "DCWORD" if out[-1].type == "REGION" else "SUPWORD"
            out.append(Tok(typ, None, t.text, t.start, t.end))  # "the eastern/Polish one"
            k += 1
            if nxt is not None and nxt.type == "PERWEEK" and nxt.text.lower() in (
                    "a week", "an week"):  # "... one a week late": not a rate of "one"
                a, b = nxt.text.split()
                out += [Tok("NUM", 1.0, a, nxt.start, nxt.start + len(a)),
                        Tok("UNIT", 168, b, nxt.end - len(b), nxt.end)]
                k += 1
            continue
        out.append(t)
        k += 1
    return out


def normalise(text: str, lex: Lexicon) -> list[Tok]:
    """The question as refined tokens: :func:`~twinbench.llm.questions.normalise.tokens`,
    then :func:`refine`."""
    return rephrase(refine(tokens(text, lex), text, lex), rewrite(text, lex), lex)
