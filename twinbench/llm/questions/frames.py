"""The readers of each what-if kind: supplier terms, shifts, buffers, machines,
processing times and new orders (demand, energy, spot price, DCs and outages are read in
:mod:`.interpret`)."""

from __future__ import annotations

from typing import Any

from twinbench.llm.questions.grammar import Ent, Item
from twinbench.llm.questions.reader import (
    MAX_MACHINES,
    Reader,
    Refusal,
    _direction,
    _duration,
    _factor,
    _from_to,
    _int,
    _names,
    _weeks,
)

DAY_ABBR = {d: d[:3].capitalize() for d in ("monday", "tuesday", "wednesday", "thursday",
                                            "friday", "saturday", "sunday")}
DAY_ABBR |= {d + "s": v for d, v in DAY_ABBR.items()}

#: outage words that, said of a supplier, mean it delivers nothing
_STOP_WORDS = {"stop", "stops", "stopped", "halts", "halted", "offline", "unavailable", "idle",
               "out", "outage", "not available", "isn't available", "is not available"}

#: loss words that mean for good (a bankruptcy), not for a while
_FOR_GOOD = {"bankrupt", "bankruptcy", "insolvent", "goes bust", "go bust", "went bust",
             "out of business", "goes under", "go under", "go bankrupt", "goes bankrupt",
             "collapses", "disappears", "drops out"}

__all__ = ["add_machines", "buffer", "new_order", "processing", "shift", "supplier_edits"]


def supplier_edits(r: Reader, sups: list[str]) -> list[dict[str, Any]]:
    spec = {s.name: s for s in r.lex.spec.suppliers}
    takes = [i for i in r.kw("PROC") if i.text.lower() in ("take", "takes", "took")]
    for i in takes:  # "S3 takes 4 more days to deliver"
        r.take(i)
    if takes and len(r.of("duration")) == 1 and not r.of("percent") and not r.of("mult") \
            and not r.has("LATE", "EARLY", "UP", "DOWNDIR", "SLOWER", "FASTER", "LOSS",
                          "LEADTIME", "NEG") and not r.of("weeks"):
        h = _duration(r, "the lead time")  # "S3 takes 10 days to deliver": its lead time
        return [{"kind": "lead_time", "supplier": s, "lead_time": h} for s in sups]
    for i in r.kw("DEMAND"):  # "S1 supplies half its usual volume": its capacity
        if i.text.lower() in ("volume", "volumes"):
            i.value = "CAPACITY"
    for i in r.kw("ADD"):  # "we no longer buy from S2"
        if i.text.lower() in ("buy", "buying", "purchase", "purchases", "get", "gets"):
            r.take(i)
    if r.has("LEADTIME"):
        r.use_kw("LEADTIME")
        out = []
        for s in sups:
            cur = spec[s].lead_time
            new = _from_to(r, cur, "lead time") if len(sups) == 1 else None
            if new is not None and new.kind == "duration":
                r.take(new)
                sign = _direction(r)  # "rises from 7 to 5 days": which is it?
                if sign and (new.value - cur) * sign <= 0:
                    raise Refusal(f"'{new.text}' does not go the way the question says")
                out.append({"kind": "lead_time", "supplier": s, "lead_time": new.value})
                r.use_kw("UP", "DOWNDIR", "SLOWER", "FASTER")
            elif r.of("duration"):
                dur = r.of("duration")[0]
                to = r.before(dur, "TO")
                by = r.before(dur, "BY")
                h = _duration(r, "the lead time")
                sign = _direction(r)
                if by and not sign:
                    raise Refusal("say whether the lead time grows or shrinks by "
                                  f"'{dur.text}'")
                if sign and not to:
                    out.append({"kind": "lead_time", "supplier": s, "change": sign * h})
                else:
                    if sign and (h - cur) * sign <= 0:  # "rises to 10 days" from 14
                        raise Refusal(f"the lead time of {s} is {cur / 24:g} days; "
                                      f"'{dur.text}' does not go the way the question "
                                      "says")
                    r.use_kw("TO")
                    out.append({"kind": "lead_time", "supplier": s, "lead_time": h})
            else:
                f = _factor(r, "lead time", hi=100)
                out.append({"kind": "lead_time", "supplier": s, "lead_time": round(cur * f, 3)})
        return out
    if r.has("RELFULL"):
        r.use_kw("RELFULL", "RELIAB")
        if r.of("percent") or r.of("bare"):
            raise Refusal("both 'fully reliable' and a number; say one (e.g. 'to 80%')")
        return [{"kind": "supplier_reliability", "supplier": s, "reliability": 1.0}
                for s in sups]
    by_reliability = any("reliab" in i.text.lower() for i, _ in r.ents("supplier"))
    if r.has("RELIAB") or (by_reliability and r.of("percent") and not r.has(
            "LATE", "EARLY", "LOSS", "PRICE", "CAPACITY", "LEADTIME") and any(
                r.before(i, "TO") for i in r.of("percent"))):
        r.use_kw("RELIAB")  # "the most reliable supplier drops to 90%"
        slips = [i for i in r.kw("LATE") if i.text.lower().startswith("slip")]
        for i in slips:  # "S1 slips to 85% reliable": a fall, not a delay
            r.take(i)
        if len(sups) == 1:
            _from_to(r, spec[sups[0]].reliability, "reliability", scale=1.0)
        pct = [i for i in r.of("percent") if id(i) not in r.used]
        bare = [i for i in r.of("bare") if id(i) not in r.used]
        if len(pct) + len(bare) != 1:
            raise Refusal("say the new reliability (e.g. 'to 80%')")
        item = r.take((pct or bare)[0])
        v = item.value / 100 if pct else item.value
        if not r.before(item, "TO") and (r.before(item, "BY") or r.has(
                "UP", "DOWNDIR", "SLOWER", "FASTER", "LOSS") or slips):  # "falls 10%"?
            raise Refusal(f"'by {item.text}' is ambiguous (points or relative); say the new "
                          "reliability, e.g. 'to 80%'")
        if r.before(item, "TO"):
            _towards(r, [spec[s].reliability for s in sups], v, "reliability")
        r.use_kw("TO", "UP", "DOWNDIR")
        if not 0 <= v <= 1:
            raise Refusal(f"a reliability of {item.text} is not a probability")
        return [{"kind": "supplier_reliability", "supplier": s, "reliability": v}
                for s in sups]
    if r.has("CAPACITY") or (r.of("count") and not r.has("LATE", "EARLY", "LOSS")) or (
            r.has("DELIVER") and (r.of("percent") or r.of("mult")) and not r.has(
                "LATE", "EARLY", "LOSS", "NEG")):
        r.use_kw("CAPACITY", "PERWEEK")  # a capacity is per week: "S1's weekly capacity"
        named = {m for _, e in r.ents("material") for m in e.names}
        for s in sups:  # "S4 ships half the electronics": its capacity is for all it sells
            if named and set(spec[s].prices) - named:
                raise Refusal(f"a supplier capacity is for all that {s} sells ("
                              f"{', '.join(sorted(spec[s].prices))}); one material alone "
                              "cannot be changed")
        counts = r.of("count") + [i for i in r.of("bare") if not any(
            t.type == "FRAC" for t in i.toks)]
        if counts:
            it = r.take(counts[0])
            v = it.value[0] if isinstance(it.value, tuple) else it.value
            out = []
            if r.before(it, "TO"):
                _towards(r, [spec[s].capacity for s in sups], v, "capacity")
                r.use_kw("TO", "UP", "DOWNDIR")  # "reduce S4's capacity to 5000"
                out = [(s, v) for s in sups]
            elif r.has("UP", "DOWNDIR", "LOSS") or r.before(it, "BY"):
                sign = _direction(r, down={"DOWNDIR", "LOSS"})  # "up by 5000 units"
                if not sign:
                    raise Refusal(f"say whether the capacity goes up or down by '{it.text}'")
                r.use_kw("BY")
                out = [(s, spec[s].capacity + sign * v) for s in sups]
            else:
                out = [(s, v) for s in sups]
            for s, c in out:
                if c <= 0:
                    raise Refusal(f"a capacity of {c:g} for {s} is not positive")
            r.use_kw("DELIVER")
            return [{"kind": "supplier_capacity", "supplier": s, "capacity": c}
                    for s, c in out]
        f = _factor(r, "capacity", down={"DOWNDIR", "FASTER", "EARLY", "LOSS"})
        r.use_kw("DELIVER")
        return [{"kind": "supplier_capacity", "supplier": s, "factor": f} for s in sups]
    price_words = [i for i in r.kw("UP", "DOWNDIR") if i.text.lower() in (
        "cheaper", "dearer", "pricier", "expensive")]
    if r.has("PRICE") or price_words:
        r.use_kw("PRICE")
        mats = _names(r, "material", "material")
        f = _price_from_to(r, spec, sups, mats) or _factor(r, "price")
        return [{"kind": "supplier_price", "supplier": s, "factor": f, "material": m}
                for s in sups for m in (mats or ["all"])]
    stops = [i for i in r.kw("DOWN") if i.text.lower() in _STOP_WORDS]
    without = [i for i in r.kw("NEG") if i.text.lower() == "without"]
    if (r.has("LOSS") or stops) and r.has("NEG"):
        raise Refusal(f"'{r.kw('NEG')[0].text}' negates the loss; say what happens instead "
                      "(e.g. 'S2 delivers nothing in weeks 3-5')")
    if r.has("LOSS") or stops or without or (r.has("NEG") and r.has("DELIVER")) or (
            any(i.value == 0 for i in r.of("bare")) and r.has("DELIVER")):
        if r.has("LATE", "EARLY"):
            raise Refusal("the question says both that the supplier delivers nothing and "
                          "that it is late or early")
        r.use_kw("LOSS", "NEG")
        for i in stops:
            r.take(i)
        for i in r.of("bare"):
            if i.value == 0:
                r.take(i)
        weeks = r.of("weeks")
        for i in r.kw("LOSS"):  # "goes bust in week 3": from week 3, or that week only?
            if i.text.lower() in _FOR_GOOD and weeks and weeks[0].value[1] is None and \
                    not r.before(weeks[0], "FROM") and not r.of("duration"):
                raise Refusal(f"'{i.text}' {weeks[0].text}: from then on, or in that "
                              f"week only? say 'from {weeks[0].text}' or 'delivers "
                              f"nothing in {weeks[0].text} only'")
        first, last = _weeks(r)
        e: dict[str, Any] = {}
        if r.of("duration"):
            h = _duration(r, "how long")
            if h % 168:
                raise Refusal(f"a supplier loss lasts whole weeks; '{h:g} h' is not")
            e["weeks"] = int(h // 168)
            if first is not None and last is not None and last != first:
                raise Refusal("both a week range and a duration")
        elif last is not None:
            e["weeks"] = last - first + 1
        if first is not None:
            e["first_week"] = first
        if e.get("weeks", 1) <= 0:
            raise Refusal("the loss must last at least a week")
        return [{"kind": "supplier_loss", "supplier": s, **e} for s in sups]
    if r.has("LATE", "EARLY") or r.of("duration"):
        if not r.of("duration"):
            raise Refusal("say how late (e.g. 'two weeks late')")
        if not r.has("LATE", "EARLY", "UP", "DOWNDIR", "SLOWER", "FASTER"):
            raise Refusal(f"'{r.of('duration')[0].text}': say whether the supplier is late "
                          "or early (e.g. 'S2 is two weeks late')")
        h = _duration(r, "how late")
        sign = _direction(r, {"LATE", "UP", "SLOWER"}, {"EARLY", "DOWNDIR", "FASTER"})
        return [{"kind": "supplier_delay", "supplier": s, "delay": sign * h} for s in sups]
    raise Refusal("say what happens to the supplier (late, early, delivers nothing, ...)")


def _price_from_to(r: Reader, spec: dict[str, Any], sups: list[str], mats: list[str]
                   ) -> float | None:
    """"S2's sheet price goes from 0.95 to 1.14 EUR": the factor new / old, when one
    supplier and one material are named and the old price is the line's (else refused by
    :func:`_from_to`); None without "from X to Y"."""
    if len(sups) != 1 or len(mats) != 1 or mats[0] not in spec[sups[0]].prices:
        return None
    cur = spec[sups[0]].prices[mats[0]]
    new = _from_to(r, cur, "price")
    if new is None or new.kind != "bare":
        return None
    r.take(new)
    sign = _direction(r)
    f = new.value / cur
    if (sign and (f - 1) * sign <= 0) or not 0 < f <= 100:
        raise Refusal(f"'{new.text}' does not go the way the question says")
    return round(f, 6)


def _towards(r: Reader, current: list[float | None], new: float, what: str) -> None:
    """Refuse "rises to" a value below the line's (or "falls to" one above): the
    direction word and the new value disagree ("S2 capacity goes up to 5000")."""
    up = r.kw("UP")
    down = r.kw("DOWNDIR") + [i for i in r.kw("DOWN") if i.text.lower() == "down"]
    if bool(up) == bool(down):
        return
    sign = 1 if up else -1
    for cur in current:
        if cur is not None and (new - cur) * sign <= 0:
            raise Refusal(f"the {what} is {cur:g} in the line; '{new:g}' does not go "
                          f"{'up' if sign > 0 else 'down'} as the question says")


def shift(r: Reader) -> list[dict[str, Any]]:
    if r.has("REMOVE"):
        raise Refusal("removing or cancelling a shift cannot be expressed as an edit")
    r.use_kw("OPEN")  # "open a Saturday shift"
    if not (r.has("ADD", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY", "HAD", "OPEN") or
            r.kw("ORD") or _off_days(r)):
        raise Refusal("say that a shift is added (e.g. 'add a night shift')")
    cal = r.lex.spec.calendar.shifts
    by_name = {sh.name.lower(): sh for sh in cal}
    days: list[str] = []
    for i in r.kw("DAYNAME"):
        r.take(i)
        v = i.toks[0].value if i.toks else None
        if isinstance(v, tuple):  # "Monday to Friday"
            days += list(v)
        elif v == "weekdays":
            days += ["Mon", "Tue", "Wed", "Thu", "Fri"]
        elif v is not None:
            days.append(DAY_ABBR.get(v, v))
    name = "extra"
    start = end = None
    if r.has("WEEKEND"):
        name, days = "weekend", days or ["Sat", "Sun"]
    for kw, day in (("SATURDAY", "Sat"), ("SUNDAY", "Sun")):
        if r.has(kw):
            name, days = day.lower() + "day" if day == "Sun" else "saturday", days or [day]
    named = [i for i in r.kw("LATE", "EARLY") if i.text.lower() in by_name]
    if named:  # "a Sunday late shift": the times of the calendar's late shift
        sh = by_name[named[0].text.lower()]
        start, end = sh.start, sh.end
        r.take(named[0])
        name = name if name != "extra" else sh.name
    if days and name == "extra":
        name = {"Sat": "saturday", "Sun": "sunday"}.get(days[0], "extra") if len(days) == 1 \
            else "extra"
    clocks = r.of("clocks")
    if clocks:
        cl = r.take(clocks[0]).value
        if len(cl) == 1 and len(r.of("duration")) == 1:  # "a 4-hour shift from 18:00"
            h = _duration(r, "how long the shift runs")
            if h >= 24 or (h * 60) % 1:
                raise Refusal(f"a shift of {h:g} h is not possible; say its times")
            mins = int(cl[0][:2]) * 60 + int(cl[0][3:5]) + int(h * 60)
            cl = [cl[0], f"{mins // 60 % 24:02d}:{mins % 60:02d}"]
        if len(cl) != 2:
            raise Refusal("say when the shift starts and ends (e.g. 'from 22:00 to 06:00')")
        start, end = cl
    ords = [i for i in r.kw("ORD") if i.toks and i.toks[0].value == 3]
    gap = _calendar_gap(r)
    if r.has("NIGHT") or ords:
        name = "night" if r.has("NIGHT") else "third"
        for i in ords:
            r.take(i)
        if start is None:
            if gap is None:
                raise Refusal("the calendar leaves no single gap for a night shift; say the "
                              "times")
            start, end = gap
    elif r.has("WEEKEND", "SATURDAY", "SUNDAY") and start is None:
        start, end = cal[0].start, cal[0].end
    if start is None:
        raise Refusal("say the shift's times (e.g. 'from 22:00 to 06:00') or its kind "
                      "(night, weekend)")
    for t in (start, end):
        hh, mm = (int(x) for x in t.split(":"))
        if hh > 23 or mm > 59:
            raise Refusal(f"{t} is not a time of day")
    r.use_kw("SHIFTW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY", "ADD")
    e: dict[str, Any] = {"kind": "add_shift", "name": name, "start": start, "end": end}
    if days:
        week = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]  # in calendar order
        e["days"] = sorted(dict.fromkeys(days), key=lambda d: week.index(d) if d in week
                           else 7)
    return [e]


def _off_days(r: Reader) -> bool:
    """Whether the clause names days only on which the calendar has no shift ("a Saturday
    morning shift"): a shift on them is a new one."""
    days: list[str] = []
    for i in r.kw("DAYNAME"):
        v = i.toks[0].value if i.toks else None
        days += list(v) if isinstance(v, tuple) else [DAY_ABBR.get(v, v)] if v else []
    worked = {d for sh in r.lex.spec.calendar.shifts for d in sh.days}
    return bool(days) and not set(days) & (worked | {"weekdays"})


def _calendar_gap(r: Reader) -> tuple[str, str] | None:
    """The hours of a weekday no shift covers, when they are one span (22:00-06:00)."""
    cover = [False] * 24
    for sh in r.lex.spec.calendar.shifts:
        a, b = int(sh.start[:2]), int(sh.end[:2])
        h = a
        while h != b:
            cover[h] = True
            h = (h + 1) % 24
    free = [h for h in range(24) if not cover[h]]
    if not free:
        return None
    starts = [h for h in free if cover[(h - 1) % 24]]
    if len(starts) != 1:
        return None
    h = starts[0]
    while not cover[h % 24]:
        h += 1
    return f"{starts[0]:02d}:00", f"{h % 24:02d}:00"


def buffer(r: Reader) -> list[dict[str, Any]]:
    r.use_kw("BUFFER", "CAPACITY")  # "the WELD buffer capacity", "limited to 20"
    sts = _names(r, "station", "station")
    if not sts:
        raise Refusal("which station's buffer? name it (e.g. 'the WELD buffer')")
    counts = r.of("count") + [i for i in r.of("bare") if not any(
        t.type == "FRAC" for t in i.toks)]
    out = []
    if counts:
        if len(counts) > 1:
            raise Refusal("several numbers for the buffer: " + ", ".join(
                i.text for i in counts))
        it = r.take(counts[0])
        v = it.value[0] if isinstance(it.value, tuple) else it.value
        k = r.items.index(it)
        after = k + 1 < len(r.items) and r.items[k + 1].kind == "kw" and \
            r.items[k + 1].value in ("UP", "DOWNDIR") and not r.before(it, "TO")
        # "ten more places", "20 fewer" (not "to 50, up from 40")
        sign = 1 if r.has("ADD") else -1 if r.has("REMOVE") else _direction(r) if \
            r.before(it, "BY") or after else 0
        if not sign and r.before(it, "BY"):
            raise Refusal(f"say whether the buffer grows or shrinks by '{it.text}'")
        if not sign and r.before(it, "TO"):
            _towards(r, [r.lex.spec.buffer_capacity(st) for st in sts], v, "buffer")
            r.use_kw("UP", "DOWNDIR")  # "increase the buffer to 120"
        r.use_kw("ADD", "REMOVE", "TO", "BY")
        for st in sts:
            if sign:
                cur = r.lex.spec.buffer_capacity(st)
                if cur is None:
                    raise Refusal(f"{st} has no buffer to change by {v:g}; say the new size")
                cap = cur + sign * v
            else:
                cap = v
            out.append({"kind": "buffer_change", "station": st,
                        "capacity": _int(cap, "buffer units")})
        for e in out:
            if e["capacity"] < 0:
                raise Refusal(f"a buffer of {e['capacity']} units is not possible")
        return out
    no = [i for i in r.kw("NEG") if i.text.lower() == "no"]
    if (r.has("REMOVE") or no) and not (r.of("percent") or r.of("mult") or r.of("bare")):
        r.use_kw("REMOVE")  # "remove the buffer before TEST", "no buffer at TEST"
        for i in no:
            r.take(i)
        return [{"kind": "buffer_change", "station": st, "capacity": 0} for st in sts]
    f = _factor(r, "buffer")
    for st in sts:
        cur = r.lex.spec.buffer_capacity(st)
        if cur is None:
            raise Refusal(f"{st} has no buffer in the line to scale; say the new size")
        out.append({"kind": "buffer_change", "station": st,
                    "capacity": _int(round(cur * f, 6), "buffer units")})
    r.use_kw("ADD")
    return out


def add_machines(r: Reader, stations: list[tuple[Item, Ent]]) -> list[dict[str, Any]]:
    if r.has("ADD", "ONEMORE") and r.has("REMOVE", "LOSS"):
        raise Refusal("the question both adds and removes: '" + "', '".join(
            i.text for i in r.kw("ADD", "ONEMORE", "REMOVE", "LOSS")) + "'; say one per "
            "station (e.g. 'sell one press brake and buy a laser cutter')")
    sign = -1 if r.has("REMOVE", "LOSS") else 1
    total = r.has("HAD")
    out = []
    for item, e in r.ents("machine"):  # "a third laser cutter": the total becomes 3
        if e.note.startswith("nth:") and r.has("ADD", "HAD"):  # "we'll have a 4th"
            st = e.note[4:]
            n = len(r.lex.machines_of(st))
            if e.count <= n:
                raise Refusal(f"{st} already has {n} machines")
            r.take(item)
            out.append({"kind": "add_machines", "station": st, "count": e.count - n})
            for si, se in list(stations):  # "give assembly a third cell": said twice
                if se.names == [st] and se.count is None and not se.both and not se.general:
                    r.take(si)
                    stations.remove((si, se))
    generic = [(i, e) for i, e in stations if not e.names]
    named = [(i, e) for i, e in stations if e.names]
    mult = r.of("mult")
    counted = {e.names[0] for _, e in named if e.count is not None}
    for item, e in list(named):  # "three welders at WELD": the station said twice
        if e.count is None and not e.general and e.names[0] in counted:
            r.take(item)
            named.remove((item, e))
    if any(e.count is not None for _, e in named) and any(
            e.count is None and not e.general for _, e in named):
        raise Refusal("which station gets the machines? " + ", ".join(
            i.text for i, _ in named))
    for item, e in named:
        if e.error:
            raise Refusal(e.error)
        st = e.names[0]
        n0 = len(r.lex.machines_of(st))
        count = e.count
        k = r.items.index(item)
        if k >= 2 and r.before(item, "OF") and r.items[k - 2].kind == "bare" and (
                count is None or count == n0):  # "one of the three weld robots"
            count = r.take(r.items[k - 2]).value
            r.take(r.items[k - 1])
        if count is None and generic:
            gi, ge = generic.pop(0)
            r.take(gi)
            count = ge.count
        if count is None and e.both:
            count = n0  # "remove both paint booths"
        if mult:
            f = r.take(mult[0]).value
            n = n0 * f - n0
        elif count is not None:
            rel = -1 if e.note == "fewer" else 1 if e.note == "more" else 0
            if rel and r.has("REMOVE", "LOSS") and rel > 0:
                raise Refusal(f"'{item.text}' adds but the question also removes; say one")
            n = rel * count if rel else count - n0 if total else sign * count
        else:
            n = sign
        r.take(item)
        out.append({"kind": "add_machines", "station": st,
                    "count": _int(round(n, 6), "machines")})
    r.use_kw("ADD", "REMOVE", "LOSS", "ONEMORE", "HAD", "GENMACH")
    for e in out:
        if abs(e["count"]) > MAX_MACHINES or e["count"] == 0:
            raise Refusal(f"{e['count']} machines at {e['station']} is not plausible")
        n0 = len(r.lex.machines_of(e["station"]))
        if n0 + e["count"] < 1:
            raise Refusal(f"{e['station']} has {n0} machine(s); removing {-e['count']} "
                          "would leave none (at least one must remain)")
    if not out:
        raise Refusal("which station gets machines?")
    return out


def processing(r: Reader) -> list[dict[str, Any]]:
    r.use_kw("PROC")
    sts = _names(r, "station", "station")
    prods = _names(r, "product", "product")
    f = _factor(r, "processing time", up={"UP", "SLOWER"}, down={"DOWNDIR", "FASTER"})
    spec = r.lex.spec
    out = []
    for st in sts:
        for p in prods or ["all"]:
            if p != "all" and st not in [s.station for s in spec.product_map[p].routing]:
                raise Refusal(f"{p} is not processed at {st}; the change would do nothing")
            e = {"kind": "processing_time", "station": st, "factor": f}
            if p != "all":
                e["product"] = p
            out.append(e)
    return out


def new_order(r: Reader) -> list[dict[str, Any]]:
    r.use_kw("ORDERW", "ADD", "RUSH")
    ids = [(i, e) for i, e in r.ents("unknown")]
    prods = _names(r, "product", "product")
    if len(prods) != 1:
        raise Refusal("say the product of the new order (one of "
                      f"{sorted(r.lex.spec.product_map)})")
    qty = r.of("count") + [i for i in r.of("bare") if not r.before(i, "WEIGHT")]
    if len(qty) != 1:
        raise Refusal("say the quantity of the new order (e.g. '200 units of BRK-A')")
    it = r.take(qty[0])
    q = it.value[0] if isinstance(it.value, tuple) else it.value
    if q <= 0:
        raise Refusal(f"a quantity of {it.text} is not positive")
    e: dict[str, Any] = {"kind": "new_order", "order_id": "NEW1", "_auto_id": True,
                         "product": prods[0], "quantity": _int(q, "units")}
    if len(ids) > 1:
        raise Refusal("several order ids: " + ", ".join(i.text for i, _ in ids))
    if ids:
        r.take(ids[0][0])
        e["order_id"] = ids[0][1].names[0]
        del e["_auto_id"]
    due = rel = None
    for d in r.of("date"):
        if r.before(d, "RELEASE", "FROM"):
            rel = r.take(d).value
        elif r.before(d, "DUE", "BY") or due is None:
            due = r.take(d).value
    if due is None:
        raise Refusal("say when the new order is due (e.g. 'due 2026-02-01')")
    e["release"] = rel or r.lex.ctx.start
    e["due"] = due
    regions = _names(r, "region", "region")
    if len(regions) > 1:
        raise Refusal("an order goes to one region")
    if regions:
        e["region"] = regions[0]
    for w in r.of("bare"):
        if r.before(w, "WEIGHT"):
            e["weight"] = r.take(w).value
    r.use_kw("DUE", "RELEASE", "WEIGHT", "REGIONW", "BY")
    return [e]
