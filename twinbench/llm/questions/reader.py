"""Reading a clause: which phrases an edit used, and the shared readers of names, sizes,
durations, weeks and dates (each refuses with a reason rather than guess)."""

from __future__ import annotations

from datetime import datetime, timedelta

from twinbench.llm.questions.grammar import Clause, Ent, Item
from twinbench.llm.questions.lexicon import Lexicon

__all__ = ["MAX_HOURS", "MAX_MACHINES", "Reader", "Refusal"]

_UPW = {"UP", "SLOWER", "LATE"}
_DOWNW = {"DOWNDIR", "FASTER", "EARLY"}
MAX_HOURS = 52 * 168
MAX_MACHINES = 20


class Refusal(ValueError):
    """The question cannot be read with certainty; ``str()`` says why."""


class Reader:
    """The phrases of a clause and which of them an edit used."""

    def __init__(self, clause: Clause, lex: Lexicon) -> None:
        self.items = clause.items
        self.lex = lex
        self.used: set[int] = set()

    def take(self, item: Item) -> Item:
        self.used.add(id(item))
        return item

    def kw(self, *types: str) -> list[Item]:
        return [i for i in self.items if i.kind == "kw" and i.value in types]

    def has(self, *types: str) -> bool:
        return bool(self.kw(*types))

    def use_kw(self, *types: str) -> None:
        for i in self.kw(*types):
            self.take(i)

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def ents(self, kind: str) -> list[tuple[Item, Ent]]:
        return [(i, e) for i in self.of("ents") for e in i.value if e.kind == kind]

    def before(self, item: Item, *types: str) -> bool:
        """Whether the phrase just before ``item`` is a keyword of ``types``."""
        k = self.items.index(item)
        return k > 0 and self.items[k - 1].kind == "kw" and self.items[k - 1].value in types

    def unused(self) -> list[Item]:
        return [i for i in self.items if id(i) not in self.used
                and any(t.significant for t in i.toks)]


def _names(r: Reader, kind: str, what: str) -> list[str]:
    out: list[str] = []
    for item, e in r.ents(kind):
        if e.error:
            raise Refusal(e.error)
        if e.general and len(e.names) > 1 and not e.both:
            raise Refusal(f"'{item.text}' is ambiguous: {' or '.join(e.names)}; name the "
                          f"{what}")
        r.take(item)
        out += [n for n in e.names if n not in out]
    _one_kind(r, kind)
    return out


def _one_kind(r: Reader, *kinds: str) -> None:
    """Refuse when a phrase read for ``kinds`` also names something else ("S1 and
    PRESS1"): the rest would be dropped silently."""
    for item in r.of("ents"):
        if id(item) not in r.used:
            continue
        odd = [e for e in item.value if e.kind not in kinds]
        if odd and any(e.kind in kinds for e in item.value):
            what = ", ".join(f"{e.kind} {'/'.join(e.names) or '?'}" for e in odd)
            raise Refusal(f"'{item.text}' joins a {kinds[0]} with {what}; ask about each "
                          "separately (e.g. 'S1 is 2 days late and PRESS1 is down for 4 "
                          "hours')")


def _no_demand(r: Reader) -> Item | None:
    """The "no" of "no (CAB-S) demand": a NEG keyword "no" followed only by product names
    up to the demand keyword; None otherwise ("no change in demand" is no size)."""
    for k, item in enumerate(r.items):
        if item.kind == "kw" and item.value == "NEG" and item.text.lower() == "no":
            for nxt in r.items[k + 1:]:
                if nxt.kind == "kw" and nxt.value == "DEMAND":
                    return item
                if not (nxt.kind == "ents" and all(e.kind == "product" for e in nxt.value)):
                    break
    return None


def _direction(r: Reader, up: set[str] = _UPW, down: set[str] = _DOWNW) -> int:
    u, d = r.kw(*up), r.kw(*down) + [i for i in r.kw("DOWN") if i.text.lower() == "down"]
    if u and d:
        raise Refusal(f"the question says both '{u[0].text}' and '{d[0].text}'")
    for i in u + d:
        r.take(i)
    return 1 if u else -1 if d else 0


def _factor(r: Reader, what: str, up: set[str] = _UPW, down: set[str] = _DOWNW,
            lo: float = 0.0, hi: float = 100.0) -> float:
    """A multiplier from percentages, fractions or multiplier words."""
    mult, pct = r.of("mult"), r.of("percent")
    fracs = [i for i in r.of("bare") if any(t.type == "FRAC" for t in i.toks)]
    if len(mult) + len(pct) + len(fracs) > 1:
        raise Refusal(f"several sizes for the {what}: " + ", ".join(
            i.text for i in mult + pct + fracs))
    ratio = [i for i in r.kw(*up, *down)  # "as fast", "as long", "(half) the time"
             if i.text.lower().startswith("as ") or i.text.lower() == "the time"]
    if ratio and (pct or what not in ("processing time", "lead time")):
        raise Refusal(f"'{ratio[0].text}' with a size the parser does not read as a ratio; "
                      "say it as a percentage (e.g. '50% faster')")
    if ratio and (mult or fracs):
        item = (mult or fracs)[0]  # "twice as fast": half the time; "half as long": half
        if len(r.kw(*up, *down)) > 1:
            raise Refusal(f"'{item.text} {ratio[0].text}' with another direction word")
        r.take(item)
        r.take(ratio[0])
        if not item.value:
            raise Refusal(f"'{item.text} {ratio[0].text}' is not a size")
        f = item.value if ratio[0].value in up else 1 / item.value
    elif mult:
        r.take(mult[0])
        f = mult[0].value
        sign = _direction(r, up, down)
        if (f > 1 and sign < 0) or (f < 1 and sign > 0):  # "twice as fast"
            raise Refusal(f"'{mult[0].text}' with a word of the other direction; say it "
                          "as a percentage (e.g. '50% faster', 'takes half the time')")
    elif pct or fracs:
        item = (pct or fracs)[0]
        r.take(item)
        p = item.value / 100 if pct else item.value
        k = r.items.index(item)
        of = k + 1 < len(r.items) and r.items[k + 1].kind == "kw" and \
            r.items[k + 1].value == "OF" and not r.kw(*up, *down, "LOSS")
        nxt = [i for i in r.items[k + 1:k + 3] if not (i.kind == "kw" and i.value == "PRON")]
        if nxt and nxt[0].kind == "kw" and nxt[0].value in ("PRICE", "CAPACITY") and \
                not r.kw(*up, *down, "LOSS"):
            of = True  # "half price", "half its usual volume": it becomes half
        # "half of its capacity", "150% of normal" (but "lose 20% of its capacity")
        to = r.before(item, "TO")
        if to or of:
            r.use_kw("TO", "OF")
            sign = _direction(r, up, down)
            f = p
            if (sign > 0 and f < 1) or (sign < 0 and f > 1):  # "rises to 20%"
                raise Refusal(f"'{item.text}' is {'below' if f < 1 else 'above'} the "
                              f"current {what}, but the question says it goes "
                              f"{'up' if sign > 0 else 'down'}")
        else:
            sign = _direction(r, up, down)
            if sign == 0 and p < 0:
                sign, p = -1, -p
            if sign == 0:
                raise Refusal(f"say whether the {what} goes up or down (e.g. '20% more')")
            f = 1 + sign * p
    elif what == "demand" and (no := _no_demand(r)) is not None:
        r.take(no)  # "no BRK-A demand (at all)": the demand becomes zero
        f = 0.0
    else:
        raise Refusal(f"say by how much the {what} changes (e.g. '20% more', 'doubles')")
    if not (lo < f <= hi) and not (lo == 0.0 and f == 0.0 and what in (
            "demand", "energy price")):  # no demand; free electricity
        raise Refusal(f"a {what} factor of {f:.6g} is not plausible (allowed above {lo:g} "
                      f"and at most {hi:g})")
    return round(f, 6)


def _duration(r: Reader, what: str) -> float:
    items = r.of("duration")
    if len(items) != 1:
        raise Refusal(f"say {what} once (e.g. 'for 16 hours')" if not items else
                      f"several durations: {', '.join(i.text for i in items)}")
    r.take(items[0])
    h = items[0].value
    if h is None:
        raise Refusal("the shifts of the calendar differ in length; say hours")
    if h <= 0:
        raise Refusal(f"'{items[0].text}' is not a positive duration (e.g. 'for 5 hours')")
    if h > MAX_HOURS:
        raise Refusal(f"'{items[0].text}' is implausibly long (at most a year)")
    return h


def _weeks(r: Reader, horizon: int = 13) -> tuple[int | None, int | None]:
    """(first, last) week from ``weeks a-b``, ``week a``, ``from week a``."""
    items = r.of("weeks")
    dates = r.of("date")
    if not items and len(dates) == 1 and r.before(dates[0], "FROM") and r.lex.ctx.start:
        week = _week_of(r, dates[0].value, horizon)  # "from 2 March": the week holding it
        r.take(dates[0])
        r.use_kw("FROM")
        return week, None
    if not items and len(dates) == 2 and r.before(dates[1], "TO") and r.lex.ctx.start:
        a, b = (_week_of(r, d.value, horizon) for d in dates)  # "from 2 to 29 March"
        if b < a:
            raise Refusal(f"'{dates[1].text}' is before '{dates[0].text}'")
        for d in dates:
            r.take(d)
        r.use_kw("FROM", "TO")
        return a, b
    if not items:
        return None, None
    if len(items) == 2 and r.before(items[1], "TO") and items[0].value[1] is None and \
            items[1].value[1] is None:  # "from the sixth week to the ninth week"
        r.take(items[1])
        r.use_kw("TO")
        items = [Item("weeks", (items[0].value[0], items[1].value[0]), items[0].toks)]
        r.items[r.items.index(r.of("weeks")[0])] = items[0]
        if items[0].value[1] < items[0].value[0]:
            raise Refusal(f"'{r.of('weeks')[1].text}' is before '{items[0].text}'")
    if len(items) > 1:
        raise Refusal("several week ranges: " + ", ".join(i.text for i in items))
    it = r.take(items[0])
    a, b = it.value
    from_ = r.before(it, "FROM")
    if from_:
        r.use_kw("FROM")
    for v in (a, b):
        if v is not None and (not float(v).is_integer() or v < 0):
            raise Refusal(f"'{it.text}' is not a week of the plan")
    a = int(a)
    if b is None:
        return (a, None) if from_ else (a, a)
    return a, int(b)


def _week_of(r: Reader, date: str, horizon: int) -> int:
    """The plan week [0-based] holding ``date`` (weeks start on the Monday of the plan's
    first day); refused outside the plan."""
    t0 = datetime.fromisoformat(r.lex.ctx.start)
    monday = (t0 - timedelta(days=t0.weekday())).replace(hour=0, minute=0)
    week = (datetime.fromisoformat(date) - monday).days // 7
    if not 0 <= week < horizon:
        raise Refusal(f"{date[:10]} is outside the plan's {horizon} weeks")
    return week


def _start(r: Reader) -> str:
    dates = r.of("date")
    if len(dates) > 1:
        raise Refusal("several dates: " + ", ".join(i.text for i in dates))
    if dates:
        r.take(dates[0])
        d = dates[0]
        clocks = [c for c in r.of("clocks") if len(c.value) == 1]
        if clocks and not any(t.type == "CLOCK" or ":" in t.text for t in d.toks) and \
                d.value.endswith(" 06:00") and len(r.of("clocks")) == 1:
            r.take(clocks[0])  # "at 3pm on 2026-01-22"
            return f"{d.value[:10]} {clocks[0].value[0]}"
        named = _named_shift(r)
        if named is not None and d.value.endswith(" 06:00") and not any(
                t.type == "CLOCK" or ":" in t.text for t in d.toks) and not r.of("clocks"):
            return f"{d.value[:10]} {named}"  # "during the late shift on 12 January"
        return d.value
    start = r.lex.ctx.start
    if start is None:
        raise Refusal("say when it starts (e.g. 'from 2026-01-12 06:00')")
    weeks = r.of("weeks")
    if len(weeks) == 1 and weeks[0].value[1] is None and r.before(weeks[0], "FROM") and \
            float(weeks[0].value[0]).is_integer():  # "from (the start of) week 8": its
        week = int(weeks[0].value[0])  # Monday, at the plan's start time (the first shift)
        if not 0 <= week < 13:
            raise Refusal(f"'{weeks[0].text}' is outside the plan's 13 weeks")
        r.take(weeks[0])
        r.use_kw("FROM")
        t0 = datetime.fromisoformat(start)
        d = max(t0, t0 - timedelta(days=t0.weekday() - 7 * week))
        return d.strftime("%Y-%m-%d %H:%M")
    return start


def _named_shift(r: Reader) -> str | None:
    """The start [HH:MM] of the calendar's shift a clause names ("the late shift"), the
    name's and "shift"'s phrases taken; None when no shift of the calendar is named."""
    starts = {sh.name.lower(): sh.start for sh in r.lex.spec.calendar.shifts}
    for a, b in zip(r.items, r.items[1:], strict=False):
        if a.kind == "kw" and b.kind == "kw" and b.value == "SHIFTW" and \
                a.text.lower() in starts and id(a) not in r.used:
            r.take(a)
            r.take(b)
            return starts[a.text.lower()]
    return None


def _int(v: float, what: str) -> int:
    """``v`` as a whole number of ``what``; computed values such as 60 x (1 - 1/3) are
    whole up to rounding (1e-4)."""
    if abs(v - round(v)) > 1e-4:
        raise Refusal(f"{v:g} is not a whole number of {what}")
    return round(v)


def _from_to(r: Reader, current: float, what: str, scale: float = 1.0) -> Item | None:
    """"goes from X to Y": check X against the line's ``current`` value and mark "from X
    to" used; the item of Y is returned (None when the question has no "from X to Y").

    ``scale`` turns X into the unit of ``current`` (1/100 for percentages); a bare X
    before a duration Y takes Y's unit ("from 10 to 14 days").
    """
    its = r.items
    for k in range(len(its) - 3):
        a, x, to, y = its[k:k + 4]
        if not (a.kind == "kw" and a.value == "FROM" and to.kind == "kw" and to.value ==
                "TO" and x.kind in ("bare", "percent", "duration") and y.kind in (
                    "bare", "percent", "duration")):
            continue
        v = x.value
        if x.kind == "percent":
            v = v / 100
        elif x.kind == "bare" and y.kind == "duration":
            n = next((t.value for t in y.toks if t.type in ("NUM", "FRAC")), 1.0)
            v = v * (y.value / n)
        elif x.kind == "bare":
            v = v * scale
        if abs(v - current) > 1e-6 * max(1.0, abs(current)):
            raise Refusal(f"the question says the {what} goes from '{x.text}', but the line "
                          f"has {current:g}{' h' if y.kind == 'duration' else ''}; say the "
                          "new value only (e.g. 'to 80%')")
        for i in (a, x, to):
            r.take(i)
        return y
    return None
