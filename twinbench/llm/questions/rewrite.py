"""Rewrites of a question's text before it is cut into tokens: dates with month names
as ISO dates, "three-day" as "three day", and a follow-up question about the results
dropped ("..., what happens to cost?")."""

from __future__ import annotations

import re

from twinbench.llm.questions.lexicon import Lexicon

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
    r"(?:[,.;?!]\s*|\s+-+\s+|\s+and\s+)(?:so\s+|then\s+)?(?:what|how|which|who|where|"
    r"does|do|will|would|can|could|is|are)\b(?:(?!\b(?:if|suppose|imagine)\b).)*$",
    re.I)


def _drop_follow_up(text: str) -> str:
    """The what-if without a question about its results after it ("S2 is 3 days late.
    What happens to on-time delivery?"): the result is what the twin computes."""
    m = _FOLLOW_UP.search(text)
    if m and m.start() > 0 and re.search(r"\w", text[:m.start()]) and re.match(
            r"\s*[,.;?!-]*\s*(?:and\s+)?(?:so\s+|then\s+)?(?:what\s+(?:happens|"
            r"would|will|is the (?:effect|impact))|how\s+(?:does|do|would|will|much|"
            r"many|bad)|which|who|where|does\s+(?:that|this|it)|will\s+(?:that|this|we|it)"
            r"|would\s+(?:that|this|we|it)|can\s+we|could\s+we|is\s+(?:that|this|it)|"
            r"are\s+we)\b", text[m.start():], re.I):
        return text[:m.start()]
    return text


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

    return _MONTH_DATE.sub(iso, text)


def rewrite(text: str, lex: Lexicon) -> str:
    """The question with the rewrites of this module applied."""
    return _HYPHEN_UNIT.sub(" ", _month_dates(_drop_follow_up(text), lex))
