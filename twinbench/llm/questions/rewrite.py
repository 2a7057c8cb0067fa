"""Rewrites of a question's text before it is cut into tokens: dates with month names
and day/month/year dates as ISO dates, "three-day" as "three day", "noon" as 12:00,
"a week and a half" as "1.5 weeks", "6 to 10 in the evening" as "18:00 to 22:00",
"assembly times" as "assembly time", "the first month" as "the first 4 weeks" (a month is
4 planning weeks), "keep the DC running" as "keep the DC open", "steel_sheet" as "steel
sheet", and a follow-up question about the results dropped ("..., what happens to
cost?"); also "2026/01/14" and "14-01-2026" as ISO dates, "the fourteenth of January" as
"14 January", "total demand" as "overall demand", "steel-sheet" as "steel sheet" (two
plant words), "one and a half times" as "1.5 times", "by a factor of 1.5" and "multiplied
by 1.5" as "1.5 times", and a result asked about first ("what happens to on-time delivery
if ...") dropped."""

from __future__ import annotations

import re

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.vocab import ONES, TENS

__all__ = ["rewrite"]

MONTHS = {m: k + 1 for k, m in enumerate((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december"))}
MONTHS |= {m[:3]: k for m, k in list(MONTHS.items())} | {"sept": 9}
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?P<d{n}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<y{n}>\d{{4}}))?"
_MONTH_DATE = re.compile(
    rf"\b(?:{_DAY.format(n=1)}\s+(?:of\s+)?(?P<m1>{_MON})\.?{_YEAR.format(n=1)}"
    rf"|(?P<m2>{_MON})\.?\s+{_DAY.format(n=2)}{_YEAR.format(n=2)})\b", re.I)


_HYPHEN_UNIT = re.compile(r"(?<=[A-Za-z0-9])-(?=(?:minutes?|hours?|days?|weeks?|shifts?|"
                          r"months?|fortnights?)\b)", re.I)
_FOLLOW_UP = re.compile(
    r"(?:[,.;:?!]\s*|\s+-+\s+|\s+and\s+)(?:so\s+|then\s+)?(?:what|how|which|who|where|"
    r"does|do|will|would|can|could|is|are)\b(?:(?!\b(?:if|suppose|imagine)\b).)*$",
    re.I)


def _drop_follow_up(text: str) -> str:
    """The what-if without a question about its results after it ("S2 is 3 days late.
    What happens to on-time delivery?"): the result is what the twin computes."""
    m = _FOLLOW_UP.search(text)
    if m and m.start() > 0 and re.search(r"\w", text[:m.start()]) and re.match(
            r"\s*[,.;:?!-]*\s*(?:and\s+)?(?:so\s+|then\s+)?(?:what\s+(?:happens|"
            r"would|will|is the (?:effect|impact)|does\s+(?:that|this|it))|what(?:'s|\s+is|"
            r"\s+are)\s+the\s+(?:effect|impact|result|outcome|consequence)s?\b"
            r"|how\s+(?:does|do|would|will|much|"
            r"many|bad)|which|who|where|does\s+(?:that|this|it)|will\s+(?:that|this|we|it)"
            r"|would\s+(?:that|this|we|it)|can\s+we|could\s+we|is\s+(?:that|this|it)|"
            r"are\s+we)\b", text[m.start():], re.I):
        return text[:m.start()]
    return text


_ORD_DAYS = {w: k + 1 for k, w in enumerate((
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
    "twentieth").split())}
_ORD_DAYS |= {f"twenty-{w}": 20 + k for w, k in list(_ORD_DAYS.items())[:9]}
_ORD_DAYS |= {"thirtieth": 30, "thirty-first": 31}
_ORD = "|".join(sorted(_ORD_DAYS, key=len, reverse=True))
#: "the fourteenth of January", "January the fourteenth": the day as digits
_ORD_DATE = re.compile(rf"\b(?:the\s+)?(?P<o1>{_ORD})\s+(?:of\s+)?(?P<m1>{_MON})\b"
                       rf"|\b(?P<m2>{_MON})\s+(?:the\s+)?(?P<o2>{_ORD})\b", re.I)


def _ord_date(m: re.Match) -> str:
    if (m.group("m1") or m.group("m2")).lower() == "may" and " of " not in m.group(0):
        return m.group(0)  # "the second may be late": the verb
    if m.group("o1"):
        return f"{_ORD_DAYS[m.group('o1').lower()]} {m.group('m1')}"
    return f"{m.group('m2')} {_ORD_DAYS[m.group('o2').lower()]}"


_RESULT_FIRST = re.compile(r"^\s*(?:so\s+)?what\s+(?:happens|would\s+happen|will\s+happen)"
                           r"\s+to\s+(?P<x>[^,;:?]*?)\s+(?=(?:if|when)\b)", re.I)


def _result_first(text: str, lex: Lexicon) -> str:
    """"what happens to on-time delivery if S2 is 3 days late": the result asked about
    dropped when it names nothing of the plant."""
    m = _RESULT_FIRST.match(text)
    if not m:
        return text
    words = re.findall(r"[\w-]+", m.group("x").lower())
    if any((w,) in lex.phrases for w in words):
        return text
    return text[m.end():]


def _month_dates(text: str, lex: Lexicon) -> str:
    """Dates with a month name ("12 January", "Feb 3rd", "March 2, 2026") as ISO dates; a
    date without a year is in the year of the plan's start."""
    year0 = int((lex.ctx.start or "2026")[:4])

    def iso(m: re.Match) -> str:
        n = "1" if m.group("m1") else "2"
        mon = MONTHS[m.group("m" + n).lower().rstrip(".")]
        day, year = int(m.group("d" + n)), m.group("y" + n)
        if m.group("m" + n).lower() == "may" and n == "2" and not year and day > 31:
            return m.group(0)
        return f"{int(year) if year else year0:04d}-{mon:02d}-{day:02d}"

    return _MONTH_DATE.sub(iso, _ORD_DATE.sub(_ord_date, text))


_NUMERIC_DATE = re.compile(r"\b(?P<a>[0-3]?\d)(?P<s>[/.-])(?P<b>[01]?\d)(?P=s)(?P<y>\d{4})\b")
#: "2026/01/14": the year first, then month and day (one reading)
_YEAR_FIRST = re.compile(r"\b(?P<y>20\d{2})/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)\b")
_AND_A_HALF = re.compile(r"\b(?P<n>an?|\d+|" + "|".join(ONES) + r")\s+(?P<u>minute|hour|"
                         r"day|week|shift|month|fortnight|time)s?\s+and\s+a\s+half\b", re.I)
#: "one and a half times the forecast": a multiplier of 1.5
_HALF_TIMES = re.compile(r"\b(?P<n>\d+|" + "|".join(ONES) + r")\s+and\s+a\s+half\s+"
                         r"(?P<u>times)\b", re.I)
#: "up by a factor of 1.5", "multiplied by 2": a multiplier ("1.5 times")
_FACTOR_OF = re.compile(r"\b(?:(?:by|with)\s+)?a\s+factor\s+of\s+(?P<n>\d+(?:\.\d+)?)\b"
                        r"|\bmultiplied\s+by\s+(?P<m>\d+(?:\.\d+)?)\b", re.I)
#: "assembly times" is the plural of a time, "three times" a multiplier
_TIMES_NOUN = re.compile(r"\b(?!(?:" + "|".join([*ONES, *TENS]) + r"|many|several|few|some|"
                         r"ten|hundred|how)\b)(?P<w>[A-Za-z]{3,})\s+times\b", re.I)
_CLOCK_PART = re.compile(r"\b(?P<a>\d{1,2})(?P<am>:\d{2})?(?:\s*(?P<to>to|till|until|-)\s*"
                         r"(?P<b>\d{1,2})(?P<bm>:\d{2})?)?\s+in\s+the\s+"
                         r"(?P<p>morning|afternoon|evening)\b", re.I)
#: "keep the southern distribution centre running": a DC kept open
_KEEP_DC = re.compile(r"\b(?P<k>keeps?|kept)\s+(?P<x>(?:[\w-]+\s+){0,3}?(?:dcs?|dc-\w+|"
                      r"warehouses?|distribution\s+cent(?:er|re)s?))\s+(?:running|"
                      r"operating|going|in\s+operation|working)\b", re.I)
_MONTH_N = re.compile(r"\b(?P<o>first|last|final)\s+month\b", re.I)
#: "total demand" is all products' demand ("overall demand")
_TOTAL = re.compile(r"\btotal(?=\s+(?:demand|orders|sales|volumes?)\b)", re.I)
_HYPHENED = re.compile(r"\b(?P<a>[A-Za-z]+)-(?P<b>[A-Za-z]+)\b")


def _hyphened(m: re.Match, lex: Lexicon) -> str:
    """"steel-sheet", "press-brake": two words of the plant joined by a hyphen, when the
    hyphened word is no name of its own (CAB-S stays)."""
    a, b = m.group("a").lower(), m.group("b").lower()
    if b == "region" and a in lex.ctx.regions:
        return f"{m.group('a')} {m.group('b')}"  # "an east-region customer"
    if (f"{a}-{b}",) in lex.phrases or (a, b) not in lex.phrases:
        return m.group(0)
    return f"{m.group('a')} {m.group('b')}"


def _numeric_date(m: re.Match) -> str:
    """27/02/2026 (day first) or 02/27/2026 (month first) when only one reading is a
    date; 4/3/2026 stays as it is (4 March or 3 April: refused as not understood), but
    10.02.2026 is day first (dotted dates are written day first only)."""
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if 1 <= b <= 12 < a <= 31 or (a == b and 1 <= a <= 12) or (
            m.group("s") == "." and 1 <= a <= 31 and 1 <= b <= 12):
        return f"{y:04d}-{b:02d}-{a:02d}"
    if 1 <= a <= 12 < b <= 31:
        return f"{y:04d}-{a:02d}-{b:02d}"
    return m.group(0)


def _clock_part(m: re.Match) -> str:
    """"6 to 10 in the evening" as "18:00 to 22:00", "7 in the morning" as "07:00"."""
    pm = m.group("p").lower() != "morning"

    def hh(h: str, mins: str | None) -> str | None:
        v = int(h)
        if not 1 <= v <= 12:
            return None
        v = v % 12 + (12 if pm else 0)
        return f"{v:02d}{mins or ':00'}"

    a = hh(m.group("a"), m.group("am"))
    b = hh(m.group("b"), m.group("bm")) if m.group("b") else ""
    if a is None or b is None:
        return m.group(0)
    return f"{a} {m.group('to')} {b}" if b else a


def _and_a_half(m: re.Match) -> str:
    n = m.group("n").lower()
    v = 1 if n in ("a", "an") else ONES[n] if n in ONES else int(n)
    u = m.group("u").lower()
    return f"{v + 0.5:g} {u if u.endswith('s') else u + 's'}"


_DAYW = (r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?|wednesday|tuesday|"
         r"thursday|saturday")
#: "Mon-Thu", "Monday-Friday": a range of days ("Mon to Thu")
_DAY_RANGE = re.compile(rf"\b(?P<a>{_DAYW})-(?P<b>{_DAYW})\b", re.I)


#: "the supplier with the biggest capacity": the superlative said of the supplier
_WITH_THE = re.compile(r"\b(?P<w>suppliers?|vendors?)\s+with\s+the\s+(?P<s>biggest|largest|"
                       r"highest|smallest|lowest|longest|shortest)\s+(?P<x>capacity|lead\s+"
                       r"time|reliability)\b", re.I)
_WITH_WORD = {("capacity", "biggest"): "biggest", ("capacity", "largest"): "largest",
              ("capacity", "highest"): "largest", ("capacity", "smallest"): "smallest",
              ("capacity", "lowest"): "smallest", ("lead time", "longest"): "slowest",
              ("lead time", "shortest"): "fastest", ("reliability", "highest"): "most reliable",
              ("reliability", "lowest"): "least reliable"}


def _with_the(m: re.Match) -> str:
    x = re.sub(r"\s+", " ", m.group("x").lower())
    word = _WITH_WORD.get((x, m.group("s").lower()))
    if re.search(r"\b(?:it|its)\b", m.string[m.end():], re.I):
        return m.group(0)  # "... loses 40% of it": the capacity is what changes
    return f"{word} {m.group('w')}" if word else m.group(0)


def rewrite(text: str, lex: Lexicon) -> str:
    """The question with the rewrites of this module applied."""
    text = _month_dates(_drop_follow_up(_result_first(text, lex)), lex)
    text = _NUMERIC_DATE.sub(_numeric_date, text)
    text = _WITH_THE.sub(_with_the, text)
    text = _DAY_RANGE.sub(lambda m: f"{m.group('a')} to {m.group('b')}", text)
    text = _YEAR_FIRST.sub(lambda m: f"{m.group('y')}-{int(m.group('m')):02d}-"
                           f"{int(m.group('d')):02d}", text)
    text = re.sub(r"\b(?:noon|midday)\b", "12:00", text, flags=re.I)
    text = _AND_A_HALF.sub(_and_a_half, _HALF_TIMES.sub(_and_a_half, text))
    text = _MONTH_N.sub(lambda m: f"{m.group('o')} 4 weeks", text)
    text = _TOTAL.sub("overall", text)
    text = _FACTOR_OF.sub(lambda m: f"{m.group('n') or m.group('m')} times", text)
    text = re.sub(r"\b(longest|shortest)-lead-times?\b", r"\1 lead time", text, flags=re.I)
    text = _HYPHENED.sub(lambda m: _hyphened(m, lex), text)
    text = _TIMES_NOUN.sub(lambda m: f"{m.group('w')} time", text)
    text = _CLOCK_PART.sub(_clock_part, text)
    text = _KEEP_DC.sub(lambda m: f"{m.group('k')} {m.group('x')} open", text)
    text = re.sub(r"(?<=[A-Za-z])_(?=[A-Za-z])", " ", text)
    return _HYPHEN_UNIT.sub(" ", text)
