"""Words the parser does not know: the consumption rule for words (a word that is neither
read as a token nor harmless refuses the question) and typos one letter off a known word."""

from __future__ import annotations

from twinbench.llm.questions.lexicon import Lexicon
from twinbench.llm.questions.vocab import FILLERS, HARMLESS, ONES

__all__ = ["not_understood", "one_edit"]


def not_understood(raw: list[tuple[str, str, int, int]], words: list[str],
                   covered: set[int], lex: Lexicon) -> list[tuple[str, int, int]]:
    """Words no token covers and that are not harmless, as (text, start, end).

    Parameters
    ----------
    raw
        The raw tokens of the question: (kind, text, start, end).
    words
        Their lower-case words.
    covered
        Indices of ``raw`` that a token was read from.
    lex
        The plant's words.

    Returns
    -------
    list of tuple
        The words not understood (the consumption rule for words: an unknown word may
        change what the question means, "S2 is 3 days late on alternating weeks").
    """
    out = []
    stations = {k[0] for k, p in lex.phrases.items() if len(k) == 1 and p.type in (
        "PROCW", "MNOUN", "MACH")}
    for j, (kind, s, a, b) in enumerate(raw):
        if kind != "word" or j in covered or words[j] in HARMLESS or words[j] in FILLERS:
            continue
        nxt = [w for w in words[j + 1:j + 3] if w not in ("the", "a", "an")]
        if words[j] == "before" and nxt and nxt[0] in stations:
            continue  # "the buffer before TEST": a place, not a time
        if words[j] == "over" and j + 1 < len(raw) and raw[j + 1][0] != "num" and \
                words[j + 1] not in ONES and words[j + 1] not in ("a", "an", "half"):
            continue  # "over the last three weeks": a time span (not "over 20%")
        out.append((s, a, b))
    return out


def one_edit(w: str, vocab: list[str], longer: bool = True) -> list[str]:
    """The one word of ``vocab`` that ``w`` becomes by swapping two neighbouring letters,
    adding a letter, or (``longer``) dropping one (a typo).

    Names are matched with ``longer=False``: "CAB-XL" may be a product the plant does not
    have, not a typo of CAB-L; "PRES1" lacks a letter of PRESS1.

    Returns
    -------
    list of str
        The one word, or empty when several or no word fit.
    """
    hits = set()
    for v in vocab:
        if abs(len(v) - len(w)) > 1 or v == w or (len(w) > len(v) and not longer):
            continue
        if len(v) == len(w):
            d = [k for k in range(len(w)) if w[k] != v[k]]
            if len(d) == 2 and d[1] == d[0] + 1 and w[d[0]] == v[d[1]] and \
                    w[d[1]] == v[d[0]]:
                hits.add(v)
        else:
            short, long_ = (w, v) if len(w) < len(v) else (v, w)
            if any(long_[:k] + long_[k + 1:] == short for k in range(len(long_))):
                hits.add(v)
    return sorted(hits) if len(hits) == 1 else []
