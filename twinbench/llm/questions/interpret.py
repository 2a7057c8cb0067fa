"""Clauses into edits: each what-if kind reads the phrases it needs and marks them used.

:func:`interpret` returns plain edit dicts or raises :class:`Refusal` with the reason. The
consumption rule is applied here: after every clause has been read, any significant token
(a number, a name, negation, a direction word) that no edit used refuses the question,
naming the words not understood.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twinbench.llm.questions import frames
from twinbench.llm.questions.grammar import KIND_KWS as _KIND_KWS
from twinbench.llm.questions.grammar import Clause, Item
from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.reader import (
    MAX_HOURS,
    MAX_MACHINES,
    Reader,
    Refusal,
    _duration,
    _factor,
    _names,
    _one_kind,
    _start,
    _weeks,
)

#: the refusal when no kind of what-if is recognised (the model may try after it)
NO_WHATIF = ("no what-if recognised; ask about one change to the plant, e.g. 'what if "
             "supplier S2 is two weeks late?'")

#: words of "and S3 too" / "and so is S3" besides the entity
_TOO_FILL = {"TOO", "PRON", "AND", "BOTHW"}

__all__ = ["MAX_HOURS", "MAX_MACHINES", "Refusal", "interpret"]


def _machines(r: Reader) -> list[str]:
    out: list[str] = []
    for item, e in r.ents("machine"):
        if e.error:
            raise Refusal(e.error)
        r.take(item)
        out += e.names
    for item, e in r.ents("station"):
        if e.error:
            raise Refusal(e.error)
        ms = r.lex.machines_of(e.names[0]) if e.names else []
        if not ms:
            raise Refusal(f"'{item.text}': which machine?")
        if e.count is not None and e.count != len(ms):
            raise Refusal(f"{e.names[0]} has {len(ms)} machines, not {e.count:g}")
        if len(ms) > 1 and not (e.both or e.note == "plural" or e.count == len(ms)):
            raise Refusal(f"'{item.text}' is ambiguous: {' or '.join(ms)}; name the machine")
        r.take(item)
        out += ms
    _one_kind(r, "machine", "station")
    return out


#: words naming a shift by its time of day that no keyword covers ("an evening shift")
_SHIFT_NAMES = {"evening", "afternoon"}


def _clause(r: Reader) -> list[dict[str, Any]]:
    ordered = any(i.text.lower() in ("orders", "ordered") for i in r.kw("DEMAND"))
    due = r.has("DUE") or any(r.before(d, "BY") for d in r.of("date"))  # "orders ... by"
    if (r.has("ORDERW") or (ordered and due)) and r.ents("product"):
        r.use_kw("DEMAND") if ordered else None
        return frames.new_order(r)
    unknown = [i for i in r.of("ents") for e in i.value if e.kind == "unknown"]
    if unknown:
        raise Refusal(f"'{unknown[0].text}' is not a name of this plant; {_names_list(r)}")
    if r.has("SHIFTW") and not r.has("ENERGY", "PRICE"):
        for i in r.kw("TARIFFP", "STOPW"):  # "a third shift every weekday night"
            w = i.text.lower()
            if w in ("night", "nights", "overnight"):
                i.value = "NIGHT"
            elif w in _SHIFT_NAMES and any(
                    a is i and b.kind == "kw" and b.value == "SHIFTW"
                    for a, b in zip(r.items, r.items[1:], strict=False)):
                i.value = "SHIFTNAME"  # "an evening shift from 22:00 to 02:00": a name
                r.take(i)
    if r.has("TARIFFP"):
        t = r.kw("TARIFFP")[0]
        raise Refusal(f"'{t.text}': an energy_price edit scales every tariff period; one "
                      "period alone cannot be changed (ask e.g. 'electricity 20% dearer')")
    if r.has("STOPW"):
        raise Refusal(f"'{r.kw('STOPW')[0].text}' cannot be expressed as an edit; ask about "
                      "one definite change (e.g. 'S2 is 3 days late', 'demand for BRK-A up "
                      "20% in weeks 2-5')")
    sups = _described(r) or (_names(r, "supplier", "supplier") if r.ents("supplier")
                             else _sellers(r))
    if sups and not r.has("PRICE"):  # "the electronics from S4 come in late": what S4 sells
        for item, e in r.ents("material"):
            if id(item) in r.used:
                continue
            sold = [s for s in sups if any(s in r.lex.suppliers_selling(m) for m in e.names)]
            if e.error or sold != sups:
                other = ", ".join(s for s in sups if s not in sold)
                raise Refusal(f"{other or 'the supplier'} does not sell '{item.text}'")
            r.take(item)
    if sups:
        r.use_kw("SUPWORD", "DELIVER")
        return frames.supplier_edits(r, sups)
    if r.has("SUPWORD"):
        raise Refusal("which supplier? name it (S1, ...)")
    if r.has("SPOT"):
        r.use_kw("SPOT", "PRICE")
        return [{"kind": "spot_price", "factor": _spot(r)}]
    dcs = r.ents("dc")
    if dcs or r.has("DCWORD"):
        for item, e in r.ents("region"):  # "the east and west DCs"
            dc = r.lex.dc_of_region(e.names[0])
            if any(x.kind == "dc" for x in item.value) and dc:
                e.kind, e.names = "dc", [dc]
        names = _names(r, "dc", "DC")
        if not names:
            raise Refusal("which distribution centre?")
        neg = r.has("NEG")
        # "the west DC were not available", "DC-EAST is down": closed
        down = r.has("DOWN") and not r.has("OPEN", "CLOSE")
        if r.has("OPEN") == r.has("CLOSE") and not neg and not down:
            raise Refusal("say whether the DC is open or closed")
        is_open = r.has("OPEN") != neg if r.has("OPEN") or r.has("CLOSE") else False
        if (r.has("CLOSE") and not r.has("OPEN")) or down:
            is_open = neg
        r.use_kw("OPEN", "CLOSE", "NEG", "DCWORD", *(("DOWN",) if down else ()))
        out = [{"kind": "dc_status", "dc": d, "open": is_open} for d in names]
        if r.has("ONLY"):  # "only the south DC stays open": the others close
            if not is_open:
                raise Refusal("'only' with a closed DC: say what happens to the others "
                              "(e.g. 'close DC-EAST and keep DC-SOUTH open')")
            r.use_kw("ONLY")
            out += [{"kind": "dc_status", "dc": d, "open": False} for d in r.lex.ctx.dcs
                    if d not in names]
        return out
    machine_lost = r.has("LOSS") and r.ents("machine") and r.of("duration") and not \
        r.has("ADD", "REMOVE", "HAD")
    if (r.has("DOWN") or machine_lost) and (r.ents("machine") or r.ents("station")):
        r.use_kw("LOSS")  # "we lose PRESS1 for a day": an outage
        for i in r.kw("PROC"):  # "take PAINT1 down / offline": the verb of the outage
            if i.text.lower() in ("take", "takes", "took", "taking", "taken"):
                r.take(i)
        ms = _machines(r)
        shifts = {sh.name.lower(): sh for sh in r.lex.spec.calendar.shifts}
        named = [i for i in r.kw("LATE", "EARLY") if i.text.lower() in shifts]
        if named and r.has("SHIFTW") and not r.of("duration"):
            sh = shifts[named[0].text.lower()]  # "for the late shift on 2026-01-08"
            r.take(named[0])
            r.use_kw("SHIFTW")
            h = sh.hours
            start = _start(r)[:10] + " " + sh.start
        elif not r.of("duration") and _span(r):
            start, h = _span(r, take=True)  # "from 2026-01-12 06:00 to 2026-01-13 06:00"
        else:
            h = _duration(r, "for how long")
            start = _start(r)
        r.use_kw("DOWN")
        return [{"kind": "machine_down", "machine": m, "start": start, "duration": h}
                for m in ms]
    if r.has("ENERGY"):
        r.use_kw("ENERGY", "PRICE")
        return [{"kind": "energy_price", "factor": _factor(r, "energy price")}]
    if r.has("SHIFTW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY"):
        return frames.shift(r)
    stations = [(i, e) for i, e in r.ents("station")]
    if r.has("BUFFER"):
        return frames.buffer(r)
    strong_add = [i for i in r.kw("ADD") if any(t.significant for t in i.toks)
                  or not i.toks]  # an "add" of the part before ("add X and a Y")
    if any(e.note.startswith("nth:") and e.error for _, e in r.ents("machine")):
        strong_add = r.kw("ADD")  # "we get a third paint booth": no such machine yet
    if (stations or r.ents("machine")) and (strong_add or r.has("REMOVE", "ONEMORE", "LOSS",
                                                                 "HAD")
                                            or any(e.count is not None for _, e in stations)
                                            or (r.of("mult") and any(
                                                e.note == "plural" for _, e in stations)
                                                and not _ratio(r))):
        return frames.add_machines(r, stations)
    if r.ents("machine"):
        raise Refusal("say what happens to the machine (down for how long)")
    if stations and r.has("SLOWER", "FASTER", "PROC"):  # "twice as slow", not "double X"
        return frames.processing(r)
    if r.has("DEMAND") or r.ents("product"):
        return _demand(r)
    raise Refusal(NO_WHATIF)


#: keywords that make a material without a supplier name its supplier ("powder deliveries
#: are 2 days late"); a price stays the material's ("powder price up": which supplier?)
_SUPPLY_KWS = ("DELIVER", "LATE", "EARLY", "LEADTIME", "LOSS", "CAPACITY", "RELIAB")


def _ratio(r: Reader) -> bool:
    """Whether the clause says "N times as fast / long" (a processing time, not a count)."""
    return any(i.text.lower().startswith("as ") for i in r.kw("FASTER", "SLOWER"))


def _described(r: Reader) -> list[str]:
    """The one supplier that several descriptions of a clause fit together ("the German
    powder supplier", "our steel supplier in Poland"), their phrases taken; [] when the
    clause does not describe one supplier so."""
    ents = r.ents("supplier")
    if len(ents) < 2 or len({id(i) for i, _ in ents}) != len(ents) or any(
            e.error or e.both or not e.names for _, e in ents) or all(
                any(t.type == "SUP" for t in i.toks) for i, _ in ents):
        return []  # one phrase, or names said literally ("S1 ... S2"): read as they are
    common = set(ents[0][1].names)
    for _, e in ents[1:]:
        common &= set(e.names)
    if len(common) != 1:
        raise Refusal(f"no single supplier is {' and '.join(i.text for i, _ in ents)}; "
                      "name the supplier")
    for i, _ in ents:
        r.take(i)
    return sorted(common)


def _sellers(r: Reader) -> list[str]:
    """The supplier a clause names by the one material it sells ("powder deliveries"),
    the material's phrase taken; refused when several sell it; [] without such words."""
    mats = r.ents("material")
    if not mats or r.has("PRICE") or r.ents("machine") or r.ents("station") or \
            r.ents("product") or not r.has(*_SUPPLY_KWS) or r.has("SHIFTW"):
        return []
    out: list[str] = []
    for item, e in mats:
        for m in e.names:
            out += [s for s in r.lex.suppliers_selling(m) if s not in out]
        if e.error or len(out) != 1:
            who = ", ".join(out) or "none sells it"
            raise Refusal(f"'{item.text}' does not name one supplier ({who}); name the "
                          "supplier")
        r.take(item)
    return out


def _spot(r: Reader) -> float:
    """The spot price factor: "doubles", "up 20%" scale it; "to 2.4 times the (cheapest)
    contract price" is a new spot price, the factor new / the network's (refused when
    the contract price is said with another size)."""
    ref = r.kw("CONTRACT")
    # "to 2.4 times the contract price", "cost twice the contract price", "buying at 2.4
    # times the contract price": a new level
    to = [i for i in r.of("mult") if r.before(i, "TO", "PRICE") or (
        _next_is(r, i, "CONTRACT") and not r.has("UP", "DOWNDIR"))]
    if not ref:
        return _factor(r, "spot price")
    base = r.lex.ctx.spot
    if base and not any(r.of(k) for k in ("mult", "percent", "bare", "duration")) and not \
            r.has("UP", "DOWNDIR", "HALVE", "SLOWER", "FASTER", "NEG"):
        r.use_kw("CONTRACT", "TO")  # "spot buys at the contract price": 1 times it
        return round(1 / base, 6)
    if not (ref and to and len(r.of("mult")) == 1) or not base:
        raise Refusal("say the spot price as a change ('doubles', 'up 20%') or as a new "
                      "multiple of the contract price ('to 2.4 times the contract price')")
    k = r.items.index(ref[0])
    if k and r.items[k - 1].kind == "kw" and r.items[k - 1].value == "SUPERL" and \
            r.items[k - 1].text.lower() == "cheapest":
        r.take(r.items[k - 1])  # the spot price is a multiple of the cheapest offer
    r.use_kw("CONTRACT", "TO", "UP", "DOWNDIR")
    f = r.take(to[0]).value / base
    if not 0 < f <= 100:
        raise Refusal(f"a spot price factor of {f:.6g} is not plausible")
    return round(f, 6)


def _demand(r: Reader) -> list[dict[str, Any]]:
    r.use_kw("DEMAND")
    prods = _names(r, "product", "product") or ["all"]
    zero = [i for i in r.of("bare") if i.value == 0]
    no = [i for i in r.kw("NEG") if i.text.lower() == "no"]
    sized = r.of("percent") or r.of("mult") or r.of("bare")
    if zero and not r.of("percent"):
        f = r.take(zero[0]) and 0.0
        if r.before(zero[0], "TO"):  # "drops to zero"
            r.use_kw("TO", "DOWNDIR")
    elif no and not sized and r.before(no[0], "DEMAND") is False and _next_is(r, no[0],
                                                                           "DEMAND"):
        r.take(no[0])  # "no demand for FRM-1"
        f = 0.0
    else:
        f = _factor(r, "demand")
    first, last = _weeks(r)
    out = []
    for p in prods:
        e: dict[str, Any] = {"kind": "demand_change", "product": p, "factor": f}
        if first is not None:
            e["first_week"] = first
            if last is not None:
                e["last_week"] = last
        out.append(e)
    return out


def _names_list(r: Reader) -> str:
    """The plant's names, for a refusal of an unknown one."""
    lex = r.lex
    parts = [("suppliers", lex.suppliers), ("machines", lex.machines),
             ("stations", lex.stations), ("products", sorted(lex.spec.product_map)),
             ("DCs", lex.ctx.dcs)]
    return "allowed names: " + "; ".join(f"{k} {', '.join(v)}" for k, v in parts if v)


def _span(r: Reader, take: bool = False) -> tuple[str, float] | None:
    """(start, hours) of "from DATE to DATE" or "on DATE from HH:MM to HH:MM", or None."""
    dates, clocks = r.of("date"), r.of("clocks")
    if len(dates) == 2 and not clocks and r.before(dates[1], "TO"):
        a, b = (datetime.fromisoformat(d.value) for d in dates)
        used = [*dates, *r.kw("TO"), *r.kw("FROM")]
    elif len(dates) == 2 and len(clocks) == 2 and r.before(clocks[1], "TO") and all(
            len(c.value) == 1 and r.items.index(d) == r.items.index(c) + 1 and
            d.value.endswith(" 06:00") and ":" not in d.text
            for c, d in zip(clocks, dates, strict=True)):
        # "from 8am 7 Jan to 8am 9 Jan": each time before its day
        a, b = (datetime.fromisoformat(f"{d.value[:10]} {c.value[0]}")
                for c, d in zip(clocks, dates, strict=True))
        used = [*dates, *clocks, *r.kw("TO"), *r.kw("FROM")]
    elif len(dates) == 1 and len(clocks) == 1 and len(clocks[0].value) == 2 and \
            dates[0].value.endswith(" 06:00") and ":" not in dates[0].text:
        day = dates[0].value[:10]
        a, b = (datetime.fromisoformat(f"{day} {c}") for c in clocks[0].value)
        used = [dates[0], clocks[0], *r.kw("FROM")]
    elif len(dates) == 1 and len(clocks) == 1 and len(clocks[0].value) == 1 and \
            r.before(clocks[0], "TO") and any(t.type == "CLOCK" or ":" in t.text
                                              for t in dates[0].toks):
        a = datetime.fromisoformat(dates[0].value)  # "on 12 March, 06:00 to 18:00"
        b = datetime.fromisoformat(f"{dates[0].value[:10]} {clocks[0].value[0]}")
        used = [dates[0], clocks[0], *r.kw("FROM"), *r.kw("TO")]
    else:
        return None
    h = (b - a).total_seconds() / 3600
    if h <= 0:
        raise Refusal(f"the outage ends ({b:%Y-%m-%d %H:%M}) before it starts "
                      f"({a:%Y-%m-%d %H:%M})")
    if take:
        for i in used:
            r.take(i)
    return a.strftime("%Y-%m-%d %H:%M"), h


def _next_is(r: Reader, item: Item, kw: str) -> bool:
    """Whether the phrase right after ``item`` is the keyword ``kw``."""
    k = r.items.index(item)
    return k + 1 < len(r.items) and r.items[k + 1].kind == "kw" and r.items[k + 1].value == kw


def interpret(clauses: list[Clause], lex: Lexicon) -> list[dict[str, Any]]:
    """Edits (plain dicts) of the clauses, or :class:`Refusal`.

    A clause that names no kind of its own (``... and S2 too``) takes the keywords of the
    clause before it.
    """
    out: list[dict[str, Any]] = []
    prev: Clause | None = None
    clauses = _merge(_distribute(clauses))
    timed: list[tuple[set[str], str]] = []  # per clause: its edit kinds, its time (or '')
    for clause in clauses:
        own = _own_kinds(clause)
        too = any(i.kind == "kw" and i.value == "TOO" for i in clause.items)
        rest = [i for i in clause.items if not (i.kind == "kw" and i.value in _TOO_FILL)]
        if too and prev is not None and len(rest) == 1 and rest[0].kind == "ents":
            # "... and S1 too", "and so is S3": the previous clause for other entities
            for i in clause.items:
                if i is not rest[0]:
                    i.toks = [t for t in i.toks if not t.significant]
            clause = Clause([rest[0], *[Item(i.kind, i.value, []) for i in prev.items
                                        if i.kind != "ents"]])
        elif not own and prev is not None:
            when = {"date", "weeks"}
            here = [i for i in clause.items if i.kind in when]
            there = [i for i in prev.items if i.kind in when]
            if bool(here) != bool(there):
                said = (here or there)[0].text
                raise Refusal(f"does '{said}' apply to both parts of the question? say when "
                              "for each (e.g. 'LASER1 is down for 3 hours on 2026-01-20 and "
                              "LASER2 for 5 hours on 2026-01-20')")
            if not any(i.kind == "ents" for i in clause.items) and not any(
                    i.kind == "kw" and i.value == "PRON" for i in clause.items):
                raise Refusal(f"what does '{' '.join(i.text for i in clause.items)}' apply "
                              "to? name it in each part (e.g. 'demand for CAB-S up 10% and "
                              "demand for CAB-L down 10%')")
            neg = [i for i in clause.items if i.kind == "kw" and i.value == "NEG"]
            if neg:  # "close DC-SOUTH but not DC-WEST": no change, or the opposite one?
                raise Refusal(f"'{' '.join(i.text for i in clause.items)}': say what happens "
                              "to it instead, or leave it out (e.g. 'close DC-SOUTH')")
            inherited = [i for i in prev.items if i.kind == "kw" and i.value in _KIND_KWS]
            if any(e.kind in ("machine", "station") for i in clause.items if i.kind == "ents"
                   for e in i.value):  # "add a night shift and a fourth weld robot"
                inherited = [i for i in inherited if i.value not in _SHIFT_KWS]
            clause = Clause([*clause.items, *[Item("kw", i.value, []) for i in inherited]])
            ents = [e.kind for i in clause.items if i.kind == "ents" for e in i.value]
            if ents and set(ents) == {"supplier"}:  # "S1's sheet price ... and S2's": sheet
                clause = Clause([*clause.items, *[Item("ents", i.value, []) for i in prev.items
                                                  if i.kind == "ents" and all(
                                                      e.kind == "material" for e in i.value)]])
        if prev is not None and not any(  # "and its (fastener) prices": prev's entities
                i.kind == "ents" and any(e.kind != "material" for e in i.value)
                for i in clause.items) and any(
                i.kind == "kw" and i.value == "PRON" for i in clause.items):
            clause = Clause([*clause.items, *[Item("ents", i.value, []) for i in prev.items
                                              if i.kind == "ents"]])
        clause = _shared_subject(clause, prev) if own else _same_unit(clause, prev)
        clause = _same_direction(clause, prev)
        r = Reader(clause, lex)
        r.use_kw("PRON")
        edits = _clause(r)
        out += edits
        when = [i for i in clause.items if i.kind in _WHEN]
        timed.append(({e["kind"] for e in edits},
                      (when[0].text or str(when[0].value)) if when else ""))
        left = r.unused()
        if left:
            raise Refusal("not understood: " + ", ".join(f"'{i.text}'" for i in left)
                          + "; every number and name must belong to the what-if (e.g. 'S2 "
                          "is 3 days late', 'PRESS1 down for 4 hours from 2026-01-12')")
        prev = clause
    if not out:
        raise Refusal(NO_WHATIF)
    _same_time(timed)
    _no_clash(out)
    return out


#: keywords of a shift: a machine named in the next part does not get them
_SHIFT_KWS = {"SHIFTW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY"}
#: direction words that name a price change by themselves ("S4 fasteners 10% cheaper")
_PRICE_WORDS = {"cheaper", "dearer", "pricier", "expensive"}


def _own_kinds(clause: Clause) -> set[str]:
    """The kinds of what-if a clause names by its own words."""
    own = ({i.value for i in clause.items if i.kind == "kw"}
           | {t.type for i in clause.items for t in i.toks}) & _KIND_KWS
    if any(t.text.lower() in _PRICE_WORDS for i in clause.items for t in i.toks):
        own.add("PRICE")
    return own


#: direction words a later part of the same kind may leave out ("up 7% and S2's 4%")
_DIRS = ("UP", "DOWNDIR", "SLOWER", "FASTER")


#: kinds whose edits need no entity ("electricity 20% dearer", "demand up 10%" is all of it)
_NO_SUBJECT = {"ENERGY", "SPOT", "DEMAND", "ORDERW", "DUE", "RELEASE", *_SHIFT_KWS}


def _shared_subject(clause: Clause, prev: Clause | None) -> Clause:
    """A part that names a kind of its own, other than the part before it, but no entity
    shares that part's one subject ("S3 gets 5% dearer and ships two days late": S3 both
    times)."""
    if prev is None or any(i.kind == "ents" or (i.kind == "kw" and i.value == "PRON")
                           for i in clause.items):
        return clause
    subj = [i for i in prev.items if i.kind == "ents"]
    own, before = _own_kinds(clause), _own_kinds(prev)
    said = {i.value for c in (clause, prev) for i in c.items if i.kind == "kw"} | {
        t.type for c in (clause, prev) for i in c.items for t in i.toks}
    if len(subj) != 1 or not own or own & before or said & _NO_SUBJECT:
        return clause
    return Clause([Item("ents", subj[0].value, []), *clause.items])


def _same_unit(clause: Clause, prev: Clause | None) -> Clause:
    """A part naming no kind, with one plain number, after a part with one percentage
    ("S1's price goes up 12% and S2's by 6"): the same unit, 6%."""
    sizes = ("percent", "mult", "duration", "count", "bare", "date", "clocks", "weeks")
    here = [i for i in clause.items if i.kind in sizes]
    there = [i for i in prev.items if i.kind in sizes] if prev is not None else []
    kinds = {i.value for i in clause.items if i.kind == "kw"} & _KIND_KWS
    if len(here) != 1 or here[0].kind != "bare" or len(there) != 1 or not kinds or \
            not kinds <= {"PRICE", "DEMAND", "ENERGY", "PROC", "SPOT"} or \
            not 0 < here[0].value <= 100 or \
            there[0].kind != "percent" or any(t.type != "NUM" for t in here[0].toks) or \
            any(i.kind == "kw" and i.value == "TO" for c in (clause, prev) for i in c.items):
        return clause
    k = clause.items.index(here[0])
    return Clause([*clause.items[:k], Item("percent", here[0].value, here[0].toks),
                   *clause.items[k + 1:]])


def _same_direction(clause: Clause, prev: Clause | None) -> Clause:
    """A part with a relative size but no direction word, after a part of the same kinds
    with one direction ("S1's tube price goes up 7% and S2's tube price 4%"): that
    direction (the size is said in parallel)."""
    if prev is None or any(i.kind == "kw" and i.value in (*_DIRS, "TO", "LATE", "EARLY",
                                                          "NEG") for i in clause.items):
        return clause
    sized = [i for i in clause.items if i.kind in ("percent", "mult") or (
        i.kind == "bare" and any(t.type == "FRAC" for t in i.toks))]
    dirs = {i.value for i in prev.items if i.kind == "kw" and i.value in _DIRS}
    if any(i.kind == "kw" and i.value == "TO" for i in prev.items):
        return clause  # "rises to 120% and CAB-L demand 10%": to 10%, or up 10%?
    kinds = {i.value for i in clause.items if i.kind == "kw" and i.value in _KIND_KWS}
    prev_kinds = {i.value for i in prev.items if i.kind == "kw" and i.value in _KIND_KWS}
    if len(sized) != 1 or len(dirs) != 1 or not kinds or not kinds <= prev_kinds or \
            sized[0].kind == "mult":
        return clause
    return Clause([*clause.items, Item("kw", dirs.pop(), [])])


def _merge(clauses: list[Clause]) -> list[Clause]:
    """A part that names nothing and only says more of the same kind belongs to the part
    before it ("LASER2 breaks down on 2026-01-14 at 10:00 and is out for 36 hours")."""
    out: list[Clause] = []
    for c in clauses:
        own = _own_kinds(c)
        if out and "DOWN" in _own_kinds(out[-1]):  # "... breaks down and we lose 4 hours",
            own = {"DOWN" if k in ("LOSS", "PROC") else k for k in own}  # "takes 5 h to fix"
        if out and own and own <= _own_kinds(out[-1]) and not any(
                i.kind == "ents" or (i.kind == "kw" and i.value in ("PRON", "TOO"))
                for i in c.items) and any(i.kind == "ents" for i in out[-1].items):
            out[-1] = Clause([*out[-1].items, *c.items])
        else:
            out.append(c)
    return out


#: phrases that say when an edit applies
_WHEN = ("date", "weeks", "clocks")
#: kinds whose edits have a time (a start or weeks) that defaults when not said
_TIMED_KINDS = {"machine_down", "demand_change", "supplier_loss"}


def _distribute(clauses: list[Clause]) -> list[Clause]:
    """"..., both from 2026-01-12" / "..., all in weeks 2-5" at the end of a question
    with several clauses: the time applies to every clause."""
    if len(clauses) < 2:
        return clauses
    items = clauses[-1].items
    k = next((k for k, i in enumerate(items) if i.kind == "kw" and i.value in (
        "BOTHW", "BOTH")), None)
    if k is None:
        return clauses
    tail = items[k + 1:]
    lead = [i for i in tail if i.kind == "kw" and i.value in ("FROM", "IN", "FOR", "BY")]
    when = [i for i in tail if i.kind in _WHEN]
    if not when or len(lead) + len(when) != len(tail):
        return clauses
    copies = [Item(i.kind, i.value, []) for i in tail]
    out = []
    for c in clauses[:-1]:
        if any(i.kind in _WHEN for i in c.items):
            raise Refusal(f"'{' '.join(i.text for i in items[k:])}' applies to every part, "
                          "but a part has its own time; say the time once per part")
        out.append(Clause([*c.items, *copies]))
    return [*out, Clause([*items[:k], *tail, Item("kw", "BOTHW", items[k].toks)])]


def _same_time(timed: list[tuple[set[str], str]]) -> None:
    """Refuse two parts of one kind where only one says when ("WELD3 down for 2 days and
    PRESS1 for a day from 2026-01-12"): the other would silently take the default."""
    for a, (ka, wa) in enumerate(timed):
        for kb, wb in timed[a + 1:]:
            if ka & kb & _TIMED_KINDS and bool(wa) != bool(wb):
                raise Refusal(f"does '{wa or wb}' apply to both parts of the question? say "
                              "when for each (e.g. 'LASER1 is down for 3 hours on "
                              "2026-01-20 and LASER2 for 5 hours on 2026-01-20')")


#: fields that name what an edit changes (two edits of a kind on the same clash)
_KEYS = ("supplier", "machine", "station", "product", "material", "dc")


def _no_clash(edits: list[dict[str, Any]]) -> None:
    """Refuse two edits of one kind on the same thing ("add a press brake and remove a
    press brake"): one would silently override or undo the other."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in edits:
        if e["kind"] in ("new_order", "add_shift", "machine_down"):
            continue
        key = (e["kind"], *[e.get(k) for k in _KEYS])
        if key in seen:
            what = ", ".join(str(e[k]) for k in _KEYS if e.get(k)) or "the same thing"
            raise Refusal(f"the question changes {e['kind']} of {what} twice; say one change "
                          "(e.g. 'add two press brakes')")
        seen[key] = e
