"""``parse_question``: normalise, parse by the grammar, interpret, apply the consumption
rule, validate with the scenario's checks; the model as a fallback under the same rule.

A question that cannot be read with certainty is refused: the result carries the reason,
never an exception.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from twinbench.llm.questions.consume import model_unused
from twinbench.llm.questions.grammar import parse_clauses
from twinbench.llm.questions.interpret import MAX_HOURS, MAX_MACHINES, Refusal, interpret
from twinbench.llm.questions.lexicon import Context, Lexicon
from twinbench.llm.questions.model import llm_parse
from twinbench.llm.questions.refine import normalise
from twinbench.llm.questions.result import ParsedQuestion, classify_question
from twinbench.scenarios.edit_checks import check_edits, check_horizon
from twinbench.scenarios.scenario import ScenarioError, scenarios_from_dict
from twinbench.spec import LineSpec

__all__ = ["DEFAULT_START", "METHODS", "parse_question", "rule_parse"]

METHODS = ("auto", "rules", "llm")
#: the largest new order read as plausible [unit]
MAX_UNITS = 1_000_000
DEFAULT_START = datetime(2026, 1, 5, 6, 0)
#: refusals after which the model may try (the rules found no what-if at all)
_FALLBACK = ("no what-if recognised", "the question does not read as phrases")


def _context(spec: LineSpec, start: datetime | None, network: Any, bottleneck: str | None
             ) -> Context:
    return Context(dcs=sorted(network.dcs) if network is not None else [],
                   regions=sorted(network.regions) if network is not None else
                   ["east", "north", "south", "west"],
                   bottleneck=bottleneck,
                   spot=getattr(network, "spot_price_factor", None),
                   start=start.strftime("%Y-%m-%d %H:%M") if start else None)


def rule_parse(question: str, spec: LineSpec, start: datetime | None = DEFAULT_START,
               aliases: dict[str, str] | None = None, network: Any = None,
               bottleneck: str | None = None) -> list[dict[str, Any]]:
    """Edits (plain dicts, not yet validated) read from ``question`` by the grammar.

    Raises
    ------
    Refusal
        With the reason (words not understood, an ambiguous or unknown entity, an
        implausible size, a missing value).
    """
    lex = Lexicon(spec, _context(spec, start, network, bottleneck), aliases)
    toks = normalise(question, lex)
    unknown = [t.text for t in toks if t.type == "UNKW"]
    if unknown:
        raise Refusal("not understood: " + ", ".join(f"'{w}'" for w in unknown) + "; every "
                      "word must belong to the what-if, e.g. 'what if supplier S2 is two "
                      "weeks late?'")
    try:
        clauses = parse_clauses(toks, lex)
    except ValueError as err:
        raise Refusal(f"the question does not read as phrases ({err})") from err
    return interpret(clauses, lex)


def _plausible(raw: list[dict[str, Any]], spec: LineSpec | None = None) -> str:
    """Why a size is implausible, or ''. A new absolute size more than 100 times the
    line's (a supplier capacity, a buffer) is as implausible as a factor above 100."""
    sups = {s.name: s for s in spec.suppliers} if spec is not None else {}
    for e in raw:
        k = e.get("kind")
        base = None
        if k == "supplier_capacity" and e.get("supplier") in sups:
            base, field = sups[e["supplier"]].capacity, "capacity"
        elif k == "buffer_change" and spec is not None and e.get("station") in \
                spec.station_map:
            base, field = spec.buffer_capacity(e["station"]), "capacity"
        v = e.get("capacity")
        if base and isinstance(v, int | float) and v > 100 * base:
            return (f"{k}: a {field} of {v:g} is implausible (more than 100 times the "
                    f"line's {base:g})")
        for f in ("duration", "delay", "change", "lead_time"):
            v = e.get(f)
            if isinstance(v, int | float) and abs(v) > MAX_HOURS:
                return f"{k}: {f} of {v:g} h is implausible (more than a year)"
        if k == "machine_down" and isinstance(e.get("duration"), int | float) and \
                e["duration"] <= 0:
            return f"{k}: the duration must be positive"
        if k == "add_machines" and abs(e.get("count", 0)) > MAX_MACHINES:
            return f"{k}: {e['count']} machines is implausible"
        if k == "new_order" and isinstance(e.get("quantity"), int | float) and \
                e["quantity"] > MAX_UNITS:
            return f"{k}: {e['quantity']:g} units is implausible (at most {MAX_UNITS:g})"
        if k == "add_shift" and e.get("start") == e.get("end"):
            return f"{k}: the shift starts and ends at {e.get('start')}; it lasts no time"
        if k == "buffer_change" and e.get("capacity", 0) > 100_000:
            return f"{k}: a buffer of {e['capacity']} units is implausible"
        for f in ("factor",):
            v = e.get(f)
            if isinstance(v, int | float) and not 0 <= v <= 100:
                return f"{k}: a factor of {v:g} is implausible (allowed 0-100)"
    return ""


def _free_ids(raw: list[dict[str, Any]], order_ids: Collection[str]) -> None:
    """Give new orders without an id of their own one the order book does not hold."""
    taken = set(order_ids) | {e.get("order_id") for e in raw if not e.get("_auto_id")}
    k = 1
    for e in raw:
        if e.pop("_auto_id", False):
            while f"NEW{k}" in taken:
                k += 1
            e["order_id"] = f"NEW{k}"
            taken.add(e["order_id"])


def _validate(raw: list[dict[str, Any]], spec: LineSpec, network: Any, start: datetime,
              weeks: int, order_ids: Collection[str] = ()) -> tuple[list[Any], str]:
    why = _plausible(raw, spec)
    if why:
        return [], why
    try:
        sc = scenarios_from_dict({"scenarios": [{"name": "question", "edits": raw}]}, spec)
    except (ScenarioError, ValueError) as err:
        return [], str(err)
    edits = list(sc[0].edits)
    monday = (start - timedelta(days=start.weekday())).replace(hour=0, minute=0)
    periods = pd.date_range(monday, periods=weeks, freq="7D")
    problems = check_edits(edits, spec, network) + check_horizon(edits, periods)
    for e in edits:
        if e.kind == "new_order" and e.order_id in set(order_ids):
            problems.append(("new_order.order_id", f"order {e.order_id} is already in the "
                             "order book; give a new id (e.g. 'new order N1 of ...')"))
        if e.kind == "new_order" and e.due <= e.release:
            problems.append(("new_order.due", f"due {e.due} is not after release "
                             f"{e.release}"))
    if problems:
        return [], "; ".join(f"{where}: {msg}" for where, msg in problems)
    return edits, ""


def parse_question(question: str, spec: LineSpec, method: str = "auto", engine: Any = None,
                   start: datetime | None = DEFAULT_START,
                   aliases: dict[str, str] | None = None, network: Any = None,
                   bottleneck: str | None = None, weeks: int = 13,
                   order_ids: Collection[str] = ()) -> ParsedQuestion:
    """Turn a what-if question into validated edits, or refuse it with the reason.

    Parameters
    ----------
    question
        E.g. ``"what if supplier S2 is two weeks late?"``.
    spec
        The line (names, buffers, calendar; edits are checked against it).
    method
        ``"rules"``, ``"llm"`` or ``"auto"`` (rules; the model only when the rules find no
        what-if at all, and the model is available).
    engine
        The model for ``"llm"``/``"auto"`` (default the process-wide engine).
    start
        The plan's start: when an outage starts / a new order is released if the question
        does not say, and week 0 of the plan window.
    aliases
        Extra words for product families (``{"cabinet": "CAB"}``).
    network
        The distribution network (DC and region names, the spot-price floor), or None.
    bottleneck
        The station the twin or plan names as the bottleneck ("the bottleneck"), or None.
    weeks
        Length of the plan window [weeks].
    order_ids
        Ids already in the order book (a new order may not reuse one; a new order without
        an id gets ``NEW<k>``, the first not taken).

    Returns
    -------
    ParsedQuestion
        ``ok`` with edits, or ``error`` saying what was not understood or is not valid.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {list(METHODS)!r}")
    start = start or DEFAULT_START
    if classify_question(question) != "what_if":
        return ParsedQuestion(question, error="not a what-if question (ask e.g. 'what if "
                              "supplier S2 is two weeks late?')")
    raw: list[dict[str, Any]] = []
    used, error = "none", ""
    if method in ("auto", "rules"):
        try:
            raw, used = rule_parse(question, spec, start, aliases, network, bottleneck), \
                "rules"
        except Refusal as err:
            error = str(err)
            if method == "rules" or not error.startswith(_FALLBACK):
                return ParsedQuestion(question, method="rules", error=error)
        except (KeyError, IndexError, TypeError, AttributeError) as err:  # a parser bug
            return ParsedQuestion(question, method="rules", error=(
                f"the parser could not read this question ({type(err).__name__}: {err}); "
                "rephrase it, e.g. 'what if supplier S2 is two weeks late?'"))
    if not raw and method in ("auto", "llm"):
        return _model(question, spec, engine, start, aliases, network, bottleneck, weeks,
                      method, error, order_ids)
    _free_ids(raw, order_ids)
    raw_copy = [dict(e) for e in raw]
    edits, verror = _validate(raw, spec, network, start, weeks, order_ids)
    return ParsedQuestion(question, edits, used, verror, raw_copy)


def _model(question: str, spec: LineSpec, engine: Any, start: datetime,
           aliases: dict[str, str] | None, network: Any, bottleneck: str | None,
           weeks: int, method: str, rules_error: str, order_ids: Collection[str] = ()
           ) -> ParsedQuestion:
    from twinbench.llm.engine import LLMUnavailable

    ctx = _context(spec, start, network, bottleneck)
    try:
        raw = llm_parse(question, spec, engine, ctx.dcs, ctx.start or "")
    except LLMUnavailable as err:
        return ParsedQuestion(question, error=rules_error or f"model unavailable: {err}")
    except (ValueError, KeyError, TypeError) as err:  # malformed JSON despite the schema
        return ParsedQuestion(question, method="llm",
                              error=f"the model's answer was not a valid edit: {err}")
    if not raw:
        return ParsedQuestion(question, method="llm", error=(
            "no what-if recognised (the model chose 'none'); ask e.g. 'what if supplier S2 "
            "is two weeks late?'"))
    lex = Lexicon(spec, ctx, aliases)
    left = model_unused(normalise(question, lex), raw, lex)
    if left:
        return ParsedQuestion(question, method="llm", raw=raw, unused=left, error=(
            f"the model read this as {raw[0].get('kind')!r} but its edit does not account "
            f"for: {', '.join(left)}; rephrase, e.g. 'what if supplier S2 is two weeks "
            "late?'"))
    for e in raw:
        if e.get("kind") == "new_order" and e.get("order_id") == "NEW1":
            e["_auto_id"] = True
    _free_ids(raw, order_ids)
    raw_copy = [dict(e) for e in raw]
    edits, error = _validate(raw, spec, network, start, weeks, order_ids)
    return ParsedQuestion(question, edits, "llm", error, raw_copy)
