"""The grammar of what-if questions (lark, Earley) over the normalised tokens.

A question is clauses joined by "and"/";"/"then"; a clause is a sequence of phrases:
entity groups (``S1 and S2``, ``both press brakes``, ``two weld robots and one press
brake``, ``our second supplier``, ``the cheapest steel sheet supplier``, ``the east DC``,
``the bottleneck``), durations (``two weeks``, ``a fortnight``, ``a full shift``),
percentages, multipliers, counts (``80 units``, ``20000 units a week``), week ranges
(``weeks 5-10``, ``from week 3``), dates and clock times, and keywords. An "and" joins
entities when entities stand on both sides, clauses otherwise.

:func:`parse_clauses` returns :class:`Clause` objects whose phrases carry the tokens they
were read from, so the interpreter can tell which tokens its edits used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedToken
from lark.lexer import Lexer

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.normalise import Tok

__all__ = ["KIND_KWS", "Clause", "Ent", "Item", "parse_clauses"]

_KW = ("LATE EARLY LOSS DOWN DEMAND ENERGY SHIFTW BUFFER ADD REMOVE SLOWER FASTER PROC "
       "ORDERW RUSH CAPACITY PRICE RELIAB SPOT OPEN CLOSE UP DOWNDIR NEG STOPW LEADTIME "
       "DUE TOO NIGHT WEEKEND SATURDAY SUNDAY ONEMORE TO BY FROM IN FOR OF SUPWORD "
       "DCWORD GENMACH REGIONW BOTH PERWEEK QUNIT TIMES PCT UNIT ORD SUPERL COUNTRY "
       "MNOUN PROCW MAT ALLPROD WEEKIDX").split()

GRAMMAR = r"""
start: clause (SEP clause)*
clause: _part+
_part: entities | duration | percent | mult | count | weeks | nth_week | first_weeks
    | dayweek | when | clocks | bare | kw
entities.2: ent (ENTAND ent)*
    | BOTH num? ent (ENTAND ent)*   -> both
    | BOTH num? SUPWORD             -> every_sup
    | BOTH num? DCWORD              -> every_dc
?ent: sup | nth_sup | superl_sup | mat_sup | country_sup | mach | nth_mach
    | numbered_mach | counted | counted_generic | station_noun | station | bottleneck
    | prod | allprod | mat | dc | region_dc | region | unk
sup.3: SUP | SUPWORD SUP | SUP SUPWORD | MAT SUPWORD SUP | COUNTRY SUPWORD SUP
nth_sup.3: ORD SUPWORD
superl_sup.3: SUPERL SUPWORD | SUPERL MAT SUPWORD | SUPERL SUPWORD FOR MAT | SUPWORD SUPERL
    | SUPERL SUPWORD OF MAT
mat_sup.3: MAT SUPWORD
country_sup.3: COUNTRY SUPWORD | COUNTRY
mach.3: MACH | MNOUN MACH | PROCW MACH
nth_mach.3: ORD MNOUN | ORD PROCW
numbered_mach.3: MNOUN MNUM | PROCW MNUM
counted.3: num MNOUN | ONEMORE MNOUN | num UPM MNOUN | num ADDM MNOUN | num REMOVEM MNOUN
    | num ADD? PROCW GENMACH | ONEMORE PROCW GENMACH | num PROCW
counted_generic.3: num GENMACH | ONEMORE GENMACH
station_noun: MNOUN
station: PROCW
bottleneck: BOTTLENECK
prod: PROD
    | PRODONE -> prod_one
allprod: ALLPROD
mat: MAT
dc.3: DC | DC DCWORD | DCWORD DC
region_dc.3: REGION DCWORD | DCWORD REGION
region: REGION | REGIONW REGION
unk: UNK
duration.2: num UNIT | UNIT
percent.2: num PCT
mult.2: num TIMES | MULT | HALVE
count.2: num QUNIT PERWEEK? | num PERWEEK
weeks.2: WEEKIDX num (TO WEEKIDX? num)?
nth_week.3: ORD UNIT
first_weeks.3: ORD num UNIT
dayweek.3: DAYNAME (OF | IN)? WEEKIDX num
    | DAYNAME (OF | IN)? ORD UNIT
when.2: DATE CLOCK? | DATE
clocks.2: CLOCK (TO CLOCK)?
bare: num
num: NUM | FRAC
kw: LATE | EARLY | LOSS | DOWN | DEMAND | ENERGY | SHIFTW | BUFFER | ADD | REMOVE
    | SLOWER | FASTER | PROC | ORDERW | RUSH | CAPACITY | PRICE | RELIAB | SPOT | OPEN
    | CLOSE | UP | DOWNDIR | NEG | STOPW | LEADTIME | DUE | TOO | NIGHT | WEEKEND
    | SATURDAY | SUNDAY | ONEMORE | TO | BY | FROM | IN | FOR | OF | SUPWORD | DCWORD
    | GENMACH | REGIONW | BOTH | PERWEEK | QUNIT | TIMES | PCT | ORD | SUPERL | COUNTRY
    | AND | DELIVER | RELEASE | WEIGHT | DAYNAME | AMPM | ONLY | HAD | PRON | BOTHW
    | TARIFFP | RELFULL | UNKW | CONTRACT
%declare TARIFFP RELFULL UNKW CONTRACT PRODONE DELIVER RELEASE WEIGHT DAYNAME AMPM ONLY HAD
%declare PRON BOTHW
%declare MNUM SEP ENTAND AND NUM FRAC SUP MACH MNOUN PROCW PROD MAT DC REGION UNK BOTTLENECK
%declare ALLPROD SUPERL COUNTRY ORD UNIT PCT TIMES MULT HALVE QUNIT PERWEEK WEEKIDX DATE
%declare CLOCK LATE EARLY LOSS DOWN DEMAND ENERGY SHIFTW BUFFER ADD REMOVE SLOWER FASTER
%declare PROC ORDERW RUSH CAPACITY PRICE RELIAB SPOT OPEN CLOSE UP DOWNDIR NEG STOPW
%declare LEADTIME DUE TOO NIGHT WEEKEND SATURDAY SUNDAY ONEMORE TO BY FROM IN FOR OF
%declare SUPWORD DCWORD GENMACH REGIONW BOTH UPM ADDM REMOVEM
"""

#: keywords that name a kind of what-if (a clause without one borrows the previous one's)
KIND_KWS = {"LATE", "EARLY", "LOSS", "DOWN", "DEMAND", "ENERGY", "SHIFTW", "BUFFER",
            "CAPACITY", "PRICE", "RELIAB", "SPOT", "LEADTIME", "OPEN", "CLOSE", "PROC",
            "ORDERW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY", "SLOWER", "FASTER", "ADD",
            "REMOVE", "HAD", "DELIVER", "ONEMORE"}
ENTITY_TYPES = {"SUP", "MACH", "MNOUN", "PROCW", "PROD", "PRODONE", "MAT", "DC", "REGION",
                "UNK", "BOTTLENECK", "ALLPROD", "SUPWORD", "DCWORD", "GENMACH", "COUNTRY"}
#: tokens after a number that make it a size, not a machine number
_SIZE_AFTER = {"PCT", "UNIT", "QUNIT", "TIMES", "PERWEEK", "OF", "IN"}
_STARTS_ENTITY = ENTITY_TYPES | {"SUPERL", "COUNTRY", "ORD", "BOTH", "REGIONW"}


@dataclass
class Ent:
    """An entity phrase resolved against the plant.

    Attributes
    ----------
    kind
        ``supplier``, ``machine``, ``station``, ``product``, ``material``, ``dc``,
        ``region``, ``unknown``.
    names
        What it names (several for "both press brakes", a family, "the German suppliers").
    count
        A number of machines (``two weld robots``), else None.
    general
        A station named by its process or machine word without a machine ("the press
        brake"); a machine edit needs the station to have a single machine.
    error
        Why it cannot be resolved (``the bottleneck`` unknown), else empty.
    """

    kind: str
    names: list[str]
    count: float | None = None
    general: bool = False
    both: bool = False
    error: str = ""
    note: str = ""


@dataclass
class Item:
    """One phrase of a clause: ``kind`` (``ents``, ``duration``, ``percent``, ``mult``,
    ``count``, ``weeks``, ``date``, ``clocks``, ``bare``, ``kw``), ``value`` and ``toks``."""

    kind: str
    value: Any
    toks: list[Tok] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.toks)


@dataclass
class Clause:
    """The phrases of one clause, in order."""

    items: list[Item]

    def kws(self) -> set[str]:
        return {i.value for i in self.items if i.kind == "kw"}


class _TokLexer(Lexer):
    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: list[Tok]):  # type: ignore[override]
        for t in data:
            yield Token(t.type, t)


def _toks(children: list[Any]) -> list[Tok]:
    out: list[Tok] = []
    for c in children:
        if isinstance(c, Token):
            out.append(c.value)
        elif isinstance(c, Item):
            out += c.toks
        elif isinstance(c, tuple) and len(c) == 2 and isinstance(c[1], list):
            out += c[1]
    return out


def _plural_word(children: list[Any]) -> bool:
    """Whether a supplier phrase says "suppliers" ("the German suppliers": all of them)."""
    return any(isinstance(x, Token) and x.type == "SUPWORD" and
               x.value.text.lower() in ("suppliers", "vendors") for x in children)


class _Build(Transformer):
    def __init__(self, lex: Lexicon) -> None:
        super().__init__()
        self.lex = lex

    # numbers -------------------------------------------------------------------
    def num(self, c):
        return (c[0].value.value, [c[0].value])

    def _ent(self, c, ent: Ent) -> tuple[Ent, list[Tok]]:
        return ent, _toks(c)

    def sup(self, c):
        t = next(x.value for x in c if x.type == "SUP")
        for x in c:  # "steel supplier S2": the words must fit the supplier
            if x.type == "MAT":
                mats = x.value.value if isinstance(x.value.value, tuple) else (x.value.value,)
                if not any(t.value in self.lex.suppliers_selling(m) for m in mats):
                    return self._ent(c, Ent("supplier", [], error=f"{t.value} does not sell "
                                            f"{x.value.text}"))
            if x.type == "COUNTRY" and t.value not in x.value.value:
                return self._ent(c, Ent("supplier", [], error=f"{t.value} is not "
                                        f"{x.value.text}"))
        return self._ent(c, Ent("supplier", [t.value]))

    def nth_sup(self, c):
        k = c[0].value.value
        sups = self.lex.suppliers
        if k == -1 or 1 <= k <= len(sups):
            return self._ent(c, Ent("supplier", [sups[k - 1 if k > 0 else -1]],
                                    note="by the order of the suppliers in the line"))
        return self._ent(c, Ent("supplier", [], error=f"the line has {len(sups)} suppliers; "
                                f"there is no {c[0].value.text} one"))

    def superl_sup(self, c):
        word = next(x.value.value for x in c if x.type == "SUPERL")
        mats = [x.value.value for x in c if x.type == "MAT"]
        if mats and isinstance(mats[0], tuple) and self.lex.priced_pick(word, mats[0]):
            return self._ent(c, Ent("supplier", [self.lex.priced_pick(word, mats[0])]))
        if mats and isinstance(mats[0], tuple):
            return self._ent(c, Ent("supplier", [], error=f"'{c[1].value.text}' is "
                                    f"ambiguous: {' or '.join(mats[0])}"))
        if mats:
            sellers = self.lex.suppliers_selling(mats[0])
            spec = {s.name: s for s in self.lex.spec.suppliers}
            if not sellers:
                return self._ent(c, Ent("supplier", [], error=f"no supplier sells {mats[0]}"))
            if word in ("cheapest", "most expensive", "dearest"):
                pick = (min if word == "cheapest" else max)(
                    sellers, key=lambda s: spec[s].prices[mats[0]])
                return self._ent(c, Ent("supplier", [pick]))
            return self._ent(c, Ent("supplier", [], error=f"'{word}' is understood for "
                                    "all suppliers only"))
        names, why = self.lex.supplier_rank(word)
        return self._ent(c, Ent("supplier", names, error="" if names else why, note=why))

    def mat_sup(self, c):
        m = c[0].value.value
        mats = list(m) if isinstance(m, tuple) else [m]
        sellers = [s for s in self.lex.suppliers if any(
            s in self.lex.suppliers_selling(x) for x in mats)]
        return self._ent(c, Ent("supplier", sellers, general=len(sellers) > 1,
                                both=_plural_word(c),
                                error="" if sellers else f"no supplier sells {m}"))

    def country_sup(self, c):
        names = list(c[0].value.value)
        return self._ent(c, Ent("supplier", names, general=len(names) > 1,
                                both=_plural_word(c),
                                error="" if names else f"no supplier is {c[0].value.text}"))

    def mach(self, c):
        t = next(x.value for x in c if x.type == "MACH")
        for x in c:  # "press brake WELD1": the words must agree with the machine
            if x.type in ("MNOUN", "PROCW"):
                st = x.value.value if isinstance(x.value.value, str) else x.value.value[0]
                if t.value not in self.lex.machines_of(st):
                    return self._ent(c, Ent("machine", [], error=f"{t.value} is not a "
                                            f"machine of {st}"))
        return self._ent(c, Ent("machine", [t.value]))

    def _station_of(self, t: Tok) -> str:
        return t.value if isinstance(t.value, str) else t.value[0]

    def nth_mach(self, c):
        k, st = c[0].value.value, self._station_of(c[1].value)
        ms = self.lex.machines_of(st)
        if k == -1 or 1 <= k <= len(ms):
            return self._ent(c, Ent("machine", [ms[k - 1 if k > 0 else -1]], count=k,
                                    note=f"nth:{st}"))
        return self._ent(c, Ent("machine", [], count=k, note=f"nth:{st}",
                                error=f"{st} has {len(ms)} machine(s); there is no "
                                f"{c[0].value.text} one"))

    def numbered_mach(self, c):
        st, k = self._station_of(c[0].value), c[1].value.value
        ms = self.lex.machines_of(st)
        if float(k).is_integer() and 1 <= k <= len(ms):
            return self._ent(c, Ent("machine", [ms[int(k) - 1]]))
        return self._ent(c, Ent("machine", [], error=f"{st} has machines {ms}; there is "
                                f"no number {k:g}"))

    def counted(self, c):
        n = c[0][0] if isinstance(c[0], tuple) else 1.0
        fewer = any(isinstance(x, Token) and x.type == "REMOVEM" for x in c)
        more = any(isinstance(x, Token) and x.type in ("ONEMORE", "UPM", "ADDM") for x in c)
        st = next(x for x in reversed(c) if isinstance(x, Token)
                  and x.type in ("MNOUN", "PROCW"))
        return self._ent(c, Ent("station", [self._station_of(st.value)], count=n,
                                note="fewer" if fewer else "more" if more else ""))

    def counted_generic(self, c):
        n = c[0][0] if isinstance(c[0], tuple) else 1.0
        return self._ent(c, Ent("station", [], count=n, general=True))

    def station_noun(self, c):
        t = c[0].value
        return self._ent(c, Ent("station", [t.value[0]], general=True,
                                note="plural" if t.value[1] else ""))

    def station(self, c):
        return self._ent(c, Ent("station", [self._station_of(c[0].value)]))

    def bottleneck(self, c):
        st = c[0].value.value
        if st is None:
            return self._ent(c, Ent("station", [], error="the bottleneck is not known here "
                                    "(no plan or twin result was given); name the station"))
        return self._ent(c, Ent("station", [st], note="the bottleneck"))

    def prod(self, c):
        return self._ent(c, Ent("product", list(c[0].value.value)))

    def prod_one(self, c):  # "the bracket": which one?
        return self._ent(c, Ent("product", list(c[0].value.value), general=True))

    def allprod(self, c):
        return self._ent(c, Ent("product", ["all"]))

    def mat(self, c):
        v = c[0].value.value
        names = list(v) if isinstance(v, tuple) else [v]
        return self._ent(c, Ent("material", names, general=len(names) > 1))

    def dc(self, c):
        t = next(x.value for x in c if x.type == "DC")
        return self._ent(c, Ent("dc", [t.value]))

    def region_dc(self, c):
        r = next(x.value for x in c if x.type == "REGION").value
        dc = self.lex.dc_of_region(r)
        return self._ent(c, Ent("dc", [dc] if dc else [],
                                error="" if dc else f"no distribution centre of region {r}"))

    def region(self, c):
        t = next(x.value for x in c if x.type == "REGION")
        return self._ent(c, Ent("region", [t.value]))

    def unk(self, c):
        return self._ent(c, Ent("unknown", [c[0].value.value]))

    def entities(self, c):
        ents = [x for x in c if isinstance(x, tuple)]
        return Item("ents", [e for e, _ in ents], _toks(c))

    def both(self, c):
        item = self.entities(c)
        nums = [x for x in c if isinstance(x, tuple) and not isinstance(x[0], Ent)]
        for e in item.value:
            e.both = True
        if nums:
            item.value[0].count = nums[0][0]
            item.value[0].note = "all-count"
        return item

    def _every(self, c, kind: str, names: list[str], what: str) -> Item:
        """"all suppliers", "all three DCs": every one (a count said must be theirs)."""
        nums = [x[0] for x in c if isinstance(x, tuple)]
        if not names:
            return Item("ents", [Ent(kind, [], error=f"no {what}s are known here")],
                        _toks(c))
        if any(isinstance(x, Token) and x.value.text.lower() == "both" for x in c):
            nums = nums or [2.0]  # "both DCs": two of them
        if nums and nums[0] != len(names):
            return Item("ents", [Ent(kind, [], error=f"the plant has {len(names)} {what}s, "
                                     f"not {nums[0]:g}")], _toks(c))
        return Item("ents", [Ent(kind, list(names), both=True)], _toks(c))

    def every_sup(self, c):  # "all suppliers"
        return self._every(c, "supplier", list(self.lex.suppliers), "supplier")

    def every_dc(self, c):  # "all DCs", "all three DCs"
        return self._every(c, "dc", list(self.lex.ctx.dcs), "distribution centre")

    # quantities ------------------------------------------------------------------
    def duration(self, c):
        unit = next(x.value for x in c if isinstance(x, Token) and x.type == "UNIT")
        n = c[0][0] if isinstance(c[0], tuple) else 1.0
        if isinstance(unit.value, str):  # a shift whose length varies
            return Item("duration", None, _toks(c))
        return Item("duration", n * unit.value, _toks(c))

    def percent(self, c):
        return Item("percent", c[0][0], _toks(c))

    def mult(self, c):
        if isinstance(c[0], tuple):
            return Item("mult", c[0][0], _toks(c))
        t = c[0].value
        return Item("mult", 0.5 if t.type == "HALVE" else t.value, _toks(c))

    def count(self, c):
        per_week = any(isinstance(x, Token) and x.type == "PERWEEK" for x in c)
        return Item("count", (c[0][0], per_week), _toks(c))

    def weeks(self, c):
        nums = [x[0] for x in c if isinstance(x, tuple)]
        return Item("weeks", (nums[0], nums[1] if len(nums) > 1 else None), _toks(c))

    def nth_week(self, c):
        k, unit = c[0].value.value, c[1].value.value
        n = unit / 168 if isinstance(unit, int | float) else 0
        if n in (2, 4) and k >= 1:  # "the first fortnight", "the second month": its weeks
            return Item("weeks", (int(n * (k - 1)), int(n * k - 1)), _toks(c))
        if n in (2, 4) and k == -1:  # "the last fortnight"
            return Item("weeks", (13 - int(n), 12), _toks(c))
        if unit != 168:
            return Item("bad", f"'{c[0].value.text} {c[1].value.text}' is not a week",
                        _toks(c))
        w = 12 if k == -1 else k - 1
        return Item("weeks", (w, None), _toks(c))

    def first_weeks(self, c):
        k, n, unit = c[0].value.value, c[1][0], c[2].value.value
        if unit != 168 or k not in (1, -1) or not float(n).is_integer():
            return Item("bad", "a week range the parser does not read", _toks(c))
        n = int(n)
        return Item("weeks", (0, n - 1) if k == 1 else (13 - n, 12), _toks(c))

    def dayweek(self, c):
        day = c[0].value.value
        nums = [x for x in c if isinstance(x, tuple)]
        if nums:
            week = nums[0][0]
        else:  # "Tuesday of the first week"
            k, unit = (next(x.value.value for x in c if isinstance(x, Token) and x.type == t)
                       for t in ("ORD", "UNIT"))
            week = 12 if k == -1 else k - 1 if unit == 168 and k >= 1 else -1.5
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        if day not in days or not float(week).is_integer() or week < 0:
            return Item("bad", "a day the parser does not read", _toks(c))
        t0 = datetime.fromisoformat(self.lex.ctx.start or "2026-01-05 06:00")
        t0 = t0 - timedelta(days=t0.weekday())
        d = t0 + timedelta(days=7 * int(week) + days.index(day))
        return Item("date", d.strftime("%Y-%m-%d 06:00"), _toks(c))

    def when(self, c):
        d = c[0].value.value
        d = d if " " in d else (f"{d} {c[1].value.value}" if len(c) > 1 else f"{d} 06:00")
        return Item("date", d, _toks(c))

    def clocks(self, c):
        cl = [x.value.value for x in c if x.type == "CLOCK"]
        return Item("clocks", cl, _toks(c))

    def bare(self, c):
        return Item("bare", c[0][0], c[0][1])

    def kw(self, c):
        return Item("kw", c[0].type, [c[0].value])

    def clause(self, c):
        return Clause(list(c))

    def start(self, c):
        return [x for x in c if isinstance(x, Clause)]


_PARSER: Lark | None = None


def _parser() -> Lark:
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark(GRAMMAR, parser="lalr", lexer=_TokLexer)
    return _PARSER


def _segment_kinds(toks: list[Tok], i: int, step: int) -> set[str]:
    """The what-if keywords between ``toks[i]`` (an "and") and the next "and" or clause
    break on the side ``step`` (-1 before, 1 after)."""
    out: set[str] = set()
    k = i + step
    while 0 <= k < len(toks) and toks[k].type not in ("AND", "SEP"):
        if toks[k].type in KIND_KWS and toks[k].type not in ("DELIVER", "HAD"):
            out.add(toks[k].type)
        k += step
    return out


def mark_and(toks: list[Tok]) -> list[Tok]:
    """Each ``AND`` as ``ENTAND`` (entities on both sides) or ``SEP`` (between clauses)."""
    out = []
    skip: set[int] = set()
    for i, t in enumerate(toks):
        if i in skip:
            continue
        if t.type == "AND" and i and toks[i - 1].type in ("MNOUN",) and \
                toks[i - 1].value[1] and i + 2 < len(toks) and toks[i + 1].type == "BOTH" \
                and toks[i + 2].type == "MNOUN" and toks[i + 2].value[1]:
            skip.add(i + 1)  # "both press brakes and both paint booths": plural nouns
            out.append(Tok("ENTAND", None, t.text, t.start, t.end))
            continue
        if t.type == "AND":
            left = toks[i - 1].type if i else ""
            right = [x.type for x in toks[i + 1:i + 3]]
            r0 = right[0] if right else ""
            ent_right = r0 in _STARTS_ENTITY or (r0 in ("NUM", "FRAC", "ONEMORE") and
                                                 len(right) > 1 and right[1] in
                                                 ("MNOUN", "GENMACH"))
            kind = "ENTAND" if left in ENTITY_TYPES and ent_right and r0 != "BOTH" else "SEP"
            if kind == "ENTAND" and _segment_kinds(toks, i, -1) and \
                    _segment_kinds(toks, i, 1):
                kind = "SEP"  # "sell a press brake and the press buffer to 90": two parts
            if left == "DAYNAME" and r0 == "DAYNAME":
                continue  # "Saturday and Sunday"
            if kind == "SEP" and r0 in ("DUE", "RELEASE") and any(
                    x.type in ("ORDERW", "DUE", "RELEASE") for x in toks[:i]):
                continue  # "an order released on Monday of week 4 and due in week 5"
            if kind == "SEP" and t.text == ",":
                seg = []
                for x in toks[i + 1:]:
                    if x.type in ("AND", "SEP"):
                        break
                    seg.append(x.type)
                if not set(seg) & KIND_KWS or seg == ["ORDERW", "UNK"]:
                    continue  # "80 FRM-1, due 2026-03-13, region west", ", order W-1"
                if seg and seg[0] == "FROM" and set(seg) & {"DATE", "WEEKIDX"}:
                    continue  # "..., starting with the early shift on 23 February"
            t = Tok(kind, None, t.text, t.start, t.end)
        out.append(t)
    for k, t in enumerate(out):  # "both 50": not "both <machines>"
        if t.type == "BOTH" and k + 1 < len(out) and out[k + 1].type in ("NUM", "FRAC") and \
                not (k + 2 < len(out) and out[k + 2].type in ("MNOUN", "GENMACH", "PROCW",
                                                              "SUPWORD", "DCWORD")):
            out[k] = Tok("BOTHW", t.value, t.text, t.start, t.end)
        elif t.type == "BOTH" and (k + 1 == len(out) or out[k + 1].type not in
                                   _STARTS_ENTITY | {"NUM", "FRAC"}):
            out[k] = Tok("BOTHW", t.value, t.text, t.start, t.end)
    for k, t in enumerate(out):  # "weld robot 2": a machine number, not a size
        if t.type == "NUM" and k and out[k - 1].type == "MNOUN" and \
                not out[k - 1].value[1] and float(t.value).is_integer() and \
                (k + 1 == len(out) or out[k + 1].type not in _SIZE_AFTER):
            out[k] = Tok("MNUM", t.value, t.text, t.start, t.end)
        elif t.type == "NUM" and k and out[k - 1].type == "PROCW" and t.text.isdigit() and \
                out[k - 1].end + 1 == t.start and (k < 2 or out[k - 2].type not in (
                    "NUM", "FRAC")) and (k + 1 == len(out) or out[k + 1].type not in
                                         _SIZE_AFTER | {"MNOUN", "GENMACH", "UP", "DOWNDIR"}):
            # "laser 2 is down": the station word and a digit name the machine
            out[k] = Tok("MNUM", t.value, t.text, t.start, t.end)
    for k, t in enumerate(out):  # "two more press brakes": the count's word (an LALR
        if t.type in ("UP", "ADD", "REMOVE") and 0 < k < len(out) - 1 and \
                out[k - 1].type in ("NUM", "FRAC") and out[k + 1].type == "MNOUN":
            out[k] = Tok(t.type + "M", t.value, t.text, t.start, t.end)  # lookahead)
    res: list[Tok] = []
    for t in out:  # no empty clause
        if t.type == "SEP" and (not res or res[-1].type == "SEP"):
            continue
        res.append(t)
    while res and res[-1].type == "SEP":
        res.pop()
    return res


def parse_clauses(toks: list[Tok], lex: Lexicon) -> list[Clause]:
    """The clauses of a normalised question.

    Raises
    ------
    ValueError
        When the tokens do not form phrases (the message names the place).
    """
    toks = [t for t in mark_and(toks) if t.type != "SEP" or True]
    while toks and toks[0].type in ("SEP",):
        toks = toks[1:]
    while toks and toks[-1].type in ("SEP",):
        toks = toks[:-1]
    if not toks:
        return []
    try:
        tree = _parser().parse(toks)
    except UnexpectedToken as err:
        t = err.token.value if isinstance(err.token.value, Tok) else None
        where = f"'{t.text}' does not fit there" if t else "it ends too early"
        raise ValueError(f"{where}; e.g. 'S1 and S2 are both 5 days late'") from err
    except LarkError as err:
        raise ValueError(f"{err}; e.g. 'S1 and S2 are both 5 days late'") from err
    return _Build(lex).transform(tree)
