"""Numbers written as English words, with the rounding the words imply.

``"sixty thousand"`` is 60,000 stated to the ten thousand (tens word x thousand);
``"sixty-one thousand"`` is stated to the thousand; ``"two and a half million"`` to the
half million. :func:`find_number_words` returns each span with its value and half its step,
so a checker can hold the text to its own precision. (text2num converts words to digits but
does not say how precisely they were written, which the checker needs.)

>>> [(w.value, w.half_step) for w in find_number_words("about sixty thousand euros")]
[(60000.0, 5000.0)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["WordNumber", "find_number_words", "to_words"]

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate(
    "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_FRACTIONS = {"half": 0.5, "quarter": 0.25, "third": 1 / 3, "tenth": 0.1}
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "a", "an", "and", *_FRACTIONS,
                         "halves", "quarters", "thirds", "tenths"], key=len, reverse=True))
_SPAN = re.compile(rf"\b(?:{_WORD})(?:[\s-]+(?:{_WORD}))*\b", re.IGNORECASE)


@dataclass(frozen=True)
class WordNumber:
    """A number written in words: its span, value and half of its last step."""

    text: str
    value: float
    half_step: float
    start: int
    end: int


def _parse(words: list[str]) -> tuple[float, float] | None:
    """Value and step of a word sequence, or None when it is not a number."""
    total, current, step, seen = 0.0, 0.0, 1.0, False
    frac = 0.0
    for i, w in enumerate(words):
        if w in ("a", "an"):
            if i + 1 < len(words) and (words[i + 1] in _SCALES or words[i + 1] in _FRACTIONS):
                current = current or 1.0 if words[i + 1] in _SCALES else current
                step = 1.0
                continue
            return None
        if w == "and":
            continue
        if w in _UNITS:
            current += _UNITS[w]
            step, seen = 10.0 if _UNITS[w] == 10 else 1.0, True
        elif w in _TENS:
            current += _TENS[w]
            step, seen = 10.0 if _TENS[w] % 10 == 0 else 1.0, True
        elif w in _FRACTIONS:
            frac = _FRACTIONS[w]
            step, seen = frac, True
        elif w in _SCALES:
            s = _SCALES[w]
            base = (current + frac) or 1.0
            if s == 100.0:
                current, frac = base * s, 0.0
            else:
                total += base * s
                current, frac = 0.0, 0.0
            step = step * s
            seen = True
        else:
            return None
    if not seen:
        return None
    return total + current + frac, step


def find_number_words(text: str) -> list[WordNumber]:
    """Spans of ``text`` that write a number in words (``"one"`` alone counts too).

    A lone ``a``/``an``/``and`` is not a number; ``"a third"`` is 1/3 and ``"a million"``
    one million.
    """
    out = []
    for m in _SPAN.finditer(text):
        raw = m.group(0)
        words = [w for w in re.split(r"[\s-]+", raw.lower()) if w]
        # trim leading and trailing connector words ("and", "a") that belong to the prose
        lo, hi = 0, len(words)
        while lo < hi and words[lo] == "and":
            lo += 1
        while hi > lo and words[hi - 1] in ("a", "an", "and"):
            hi -= 1
        words = words[lo:hi]
        plural = {"halves": "half", "quarters": "quarter", "thirds": "third",
                  "tenths": "tenth"}
        words = [plural.get(w, w) for w in words]
        if not words:
            continue
        parsed = _parse(words)
        if parsed is None:
            continue
        value, step = parsed
        # the span in the original text, from the first kept word to the last
        first = re.search(rf"\b{re.escape(words[0])}", raw, re.IGNORECASE)
        start = m.start() + (first.start() if first else 0)
        end = m.end()
        while end > start and text[end - 1].lower() not in "abcdefghijklmnopqrstuvwxyz":
            end -= 1
        tail = raw.lower().rstrip()
        for w in ("and", "an", "a"):
            if tail.endswith(" " + w) and hi < len(re.split(r"[\s-]+", raw.lower())):
                end -= len(w) + 1
                tail = tail[:-(len(w) + 1)]
        out.append(WordNumber(text[start:end], value, step / 2, start, end))
    return out


def to_words(n: int) -> str:
    """A whole number in English words (the inverse of :func:`find_number_words` on
    whole numbers).

    >>> to_words(29000), to_words(61), to_words(1_250_000)
    ('twenty-nine thousand', 'sixty-one', 'one million two hundred fifty thousand')
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"to_words takes a whole number of at least 0, found {n!r}")
    units = list(_UNITS)
    tens = {v: k for k, v in _TENS.items()}
    if n < 20:
        return units[n]
    if n < 100:
        t, u = divmod(n, 10)
        return tens[10 * t] + (f"-{units[u]}" if u else "")
    if n < 1000:
        h, r = divmod(n, 100)
        return f"{units[h]} hundred" + (f" {to_words(r)}" if r else "")
    for word, s in (("billion", 10 ** 9), ("million", 10 ** 6), ("thousand", 10 ** 3)):
        if n >= s:
            q, r = divmod(n, s)
            return f"{to_words(q)} {word}" + (f" {to_words(r)}" if r else "")
    raise AssertionError(n)  # pragma: no cover
