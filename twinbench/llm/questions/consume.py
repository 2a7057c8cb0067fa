"""The consumption rule for the model's reading: every number and name of the question must
be found in the edits, and every name in the edits must come from the question.

The rules parser applies the rule as it reads (:mod:`.interpret` marks what each edit
used); the model gives only edits, so its edits are checked against the question's
tokens here.
"""

from __future__ import annotations

import re
from typing import Any

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.normalise import Tok

__all__ = ["model_unused"]

_ENTITY_FIELDS = ("supplier", "machine", "station", "product", "material", "dc", "region")
#: descriptions and words whose meaning the model is not trusted to resolve
_NOT_FOR_MODEL = {"NEG", "STOPW", "UNK", "UNKW", "PRODONE", "ORD", "SUPERL", "COUNTRY",
                  "BOTTLENECK"}


def _numbers(edits: list[dict[str, Any]]) -> list[float]:
    out: list[float] = []
    for e in edits:
        for k, v in e.items():
            if isinstance(v, bool) or k == "kind":
                continue
            if isinstance(v, int | float):
                out.append(float(v))
    return out


def _strings(edits: list[dict[str, Any]]) -> list[str]:
    return [str(v) for e in edits for k, v in e.items() if isinstance(v, str)]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))


def _names_of(t: Tok, lex: Lexicon) -> set[str]:
    v = t.value
    if t.type in ("PROCW", "MNOUN"):
        st = v if isinstance(v, str) else v[0]
        return {st, *lex.machines_of(st)}
    if isinstance(v, tuple):
        return set(v)
    return {str(v)}


def model_unused(toks: list[Tok], edits: list[dict[str, Any]], lex: Lexicon) -> list[str]:
    """Texts the model's ``edits`` leave unexplained: question words not used, edit names
    not in the question.

    Parameters
    ----------
    toks
        The normalised question.
    edits
        The model's edits (plain dicts).
    lex
        The plant's words.

    Returns
    -------
    list of str
        Empty when the edits account for the whole question.
    """
    nums = _numbers(edits)
    strs = _strings(edits)
    named = {str(e[f]) for e in edits for f in _ENTITY_FIELDS if e.get(f) not in (None, "all")}
    out: list[str] = []
    seen: set[str] = set()
    for k, t in enumerate(toks):
        if not t.significant:
            continue
        if t.type in _NOT_FOR_MODEL:
            out.append(t.text)
        elif t.type in ("SUP", "MACH", "PROCW", "MNOUN", "PROD", "MAT", "DC", "REGION"):
            names = _names_of(t, lex)
            if not names & named:
                out.append(t.text)
            seen |= names
        elif t.type in ("NUM", "FRAC"):
            v = t.value
            unit = toks[k + 1].value if k + 1 < len(toks) and toks[k + 1].type == "UNIT" \
                and isinstance(toks[k + 1].value, float | int) else None
            cands = [v, v / 100, 1 + v / 100, 1 - v / 100, 1 + v, 1 - v]
            if unit is not None:
                cands += [v * unit, -v * unit]
            if not any(_close(c, n) for c in cands for n in nums):
                out.append(t.text)
        elif t.type == "DATE":
            if not any(s.startswith(str(t.value)[:10]) for s in strs):
                out.append(t.text)
        elif t.type == "CLOCK":
            if not any(str(t.value) in s for s in strs):
                out.append(t.text)
        elif t.type in ("EARLY",):
            if not any(n < 0 for n in nums):
                out.append(t.text)
        elif t.type in ("UP", "SLOWER", "LATE"):
            if nums and not any(n > 1 for n in nums) and not any(n > 0 for n in nums):
                out.append(t.text)
        elif t.type in ("DOWNDIR", "FASTER"):
            if not any(n < 1 for n in nums):
                out.append(t.text)
    kinds = {str(e.get("kind")) for e in edits}
    for t in toks:  # a word that names a kind of what-if must fit the model's kind
        fits = _KIND_OF_WORD.get(t.type)
        if fits is not None and not kinds & fits:
            out.append(f"{t.text} (not a {'/'.join(sorted(kinds))})")
    if not any(t.type in _KIND_OF_WORD for t in toks):
        out.append(f"no word of the question names a {'/'.join(sorted(kinds))}")
    out += _times_not_said(toks, edits, lex)
    for n in sorted(named - seen):  # a name the question never gave
        out.append(f"{n} (not in the question)")
    said = _question_values(toks)
    for e in edits:  # a number the question never gave
        for k, v in e.items():
            if k == "kind" or isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if _DEFAULTS.get(k) == v or any(_close(v, x) for x in said):
                continue
            out.append(f"{k} {v:g} (not in the question)")
    return out


#: words that name a kind of what-if, and the edit kinds each may belong to
_SUP = {"supplier_delay", "supplier_loss", "supplier_capacity", "supplier_price",
        "supplier_reliability", "lead_time"}
_SHIFT = {"add_shift", "machine_down"}
_KIND_OF_WORD: dict[str, set[str]] = {
    "LATE": {"supplier_delay", "lead_time"} | _SHIFT,
    "EARLY": {"supplier_delay", "lead_time"} | _SHIFT,
    "LOSS": {"supplier_loss", "add_machines", "machine_down", "supplier_capacity"},
    "DOWN": {"machine_down", "supplier_loss", "dc_status"},
    "DEMAND": {"demand_change", "new_order"}, "ENERGY": {"energy_price"},
    "SHIFTW": _SHIFT, "NIGHT": _SHIFT, "WEEKEND": _SHIFT, "SATURDAY": _SHIFT,
    "SUNDAY": _SHIFT, "BUFFER": {"buffer_change"},
    "REMOVE": {"add_machines", "buffer_change"},
    "PROC": {"processing_time", "supplier_delay", "lead_time"},
    "ORDERW": {"new_order"}, "RUSH": {"new_order"},
    "CAPACITY": {"supplier_capacity", "buffer_change"},
    "PRICE": {"supplier_price", "energy_price", "spot_price"},
    "RELIAB": {"supplier_reliability"}, "RELFULL": {"supplier_reliability"},
    "SPOT": {"spot_price"}, "LEADTIME": {"lead_time"},
    "OPEN": {"dc_status", "add_shift"}, "CLOSE": {"dc_status"},
    "DCWORD": {"dc_status", "new_order"}, "GENMACH": {"add_machines", "machine_down"},
    "SLOWER": {"processing_time", "supplier_delay", "lead_time"},
    "FASTER": {"processing_time", "supplier_delay", "lead_time"},
    "SUPWORD": _SUP, "DELIVER": _SUP, "SUP": _SUP,
}

#: values the model may write without the question saying them (the models' defaults)
_DEFAULTS = {"first_week": 0, "weight": 1.0}


def _question_values(toks: list[Tok]) -> list[float]:
    """Every value a number of the question can stand for (as is, a percentage, a factor,
    times the unit after it)."""
    out: list[float] = []
    for k, t in enumerate(toks):
        if t.type in ("MULT", "HALVE"):
            out.append(0.5 if t.type == "HALVE" else float(t.value))
        elif t.type in ("NUM", "FRAC") and isinstance(t.value, int | float):
            v = float(t.value)
            out += [v, v / 100, 1 + v / 100, 1 - v / 100, 1 + v, 1 - v]
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if nxt is not None and nxt.type == "UNIT" and isinstance(nxt.value, int | float):
                out += [v * nxt.value, -v * nxt.value]
        elif t.type == "UNIT" and isinstance(t.value, int | float):
            out += [float(t.value), -float(t.value)]
    return out


_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})?[ T]?(\d{2}:\d{2})")
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def _times_not_said(toks: list[Tok], edits: list[dict[str, Any]], lex: Lexicon
                    ) -> list[str]:
    """Times, dates and days in the model's edits that the question does not give: a
    clock time or date must be the question's (or the plan's start, the default of an
    outage or a new order), a shift's times the question's clocks or those of a shift it
    names, its days the days it names (or the default weekdays)."""
    said_dates = {str(t.value)[:10] for t in toks if t.type == "DATE"}
    said_clocks = {str(t.value) for t in toks if t.type == "CLOCK"}
    said_clocks |= {str(t.value)[11:16] for t in toks if t.type == "DATE"
                    and len(str(t.value)) > 10}
    words = {t.text.lower() for t in toks}
    for sh in lex.spec.calendar.shifts:  # "a Sunday late shift": the late shift's times
        if sh.name.lower() in words:
            said_clocks |= {sh.start, sh.end}
    if words & {"night", "third", "night shift"}:
        said_clocks |= {"22:00", "06:00"}
    start = lex.ctx.start or ""
    out = []
    for e in edits:
        for k, v in e.items():
            if not isinstance(v, str) or not _TIME.fullmatch(v.strip()):
                continue
            m = _TIME.fullmatch(v.strip())
            day, clock = m.group(1), m.group(2)
            if v.strip().replace("T", " ") == start and k in ("start", "release"):
                continue  # the default start of an outage / release of an order
            if (day and day not in said_dates) or (clock not in said_clocks and not (
                    day in said_dates and clock == "06:00")):
                out.append(f"{k} {v} (not in the question)")
        days = e.get("days")
        if isinstance(days, list) and sorted(days) != sorted(_WEEKDAYS):
            named = {str(d) for t in toks if t.type == "DAYNAME" for d in (
                t.value if isinstance(t.value, tuple) else (t.value,))}
            named |= {"Sat", "Sun"} if any(t.type == "WEEKEND" for t in toks) else set()
            named |= {"Sat"} if any(t.type == "SATURDAY" for t in toks) else set()
            named |= {"Sun"} if any(t.type == "SUNDAY" for t in toks) else set()
            named = {d[:3].capitalize() for d in named}
            if "Wee" in named:  # "weekdays"
                named |= set(_WEEKDAYS)
            left = [d for d in days if d not in named]
            if left:
                out.append(f"days {', '.join(left)} (not in the question)")
    return out
