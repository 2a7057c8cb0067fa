"""Questions into scenario edits: a deterministic parser, and the model with a JSON schema.

``parse_question("what if supplier S2 is two weeks late?", spec)`` returns a
:class:`ParsedQuestion` holding validated edits (``SupplierDelay(supplier="S2",
delay=336.0)``) or a clear reason why the question was rejected. Two parsers:

* ``"rules"``: keywords and patterns over the line's own names (stations with the words of
  their machine types, machines, products and families, suppliers), numbers written as
  digits or words, durations (``2 weeks``, ``16 h``), percentages with their direction
  (``20% more``, ``10% cheaper``, ``doubles``), week ranges and dates;
* ``"llm"``: the local model, constrained by JSON schemas built from the edit models (kind
  first, then the fields of that kind, entity fields restricted to the line's names).

``"auto"`` (default) tries the rules first and the model when the rules find nothing.
Every parsed edit goes through :func:`~twinbench.scenarios.scenarios_from_dict`, so an
edit is either valid for this line or rejected with the validator's message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twinbench.scenarios.edits import EDIT_KINDS
from twinbench.scenarios.scenario import Scenario, ScenarioError, scenarios_from_dict
from twinbench.spec import LineSpec

__all__ = ["METHODS", "ParsedQuestion", "classify_question", "edit_schema", "llm_parse",
           "parse_question", "rule_parse"]

METHODS = ("auto", "rules", "llm")
DEFAULT_START = datetime(2026, 1, 5, 6, 0)
FAMILY_WORDS = {"cabinet": "CAB", "bracket": "BRK", "frame": "FRM"}

_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "fourteen": 14, "twenty": 20, "thirty": 30, "half a": 0.5, "a couple of": 2,
          "another": 1, "a second": 1, "a third": 1}
_NUMW = r"(?:\d+(?:\.\d+)?|half a|a couple of|" + "|".join(
    sorted((w for w in _WORDS if " " not in w), key=len, reverse=True)) + ")"
_UNIT_H = {"h": 1, "hour": 1, "hr": 1, "day": 24, "d": 24, "week": 168, "wk": 168, "w": 168,
           "shift": 8, "month": 720}
_DUR = re.compile(rf"\b(?P<n>{_NUMW})[\s-]*(?P<u>hours?|hrs?|h|days?|d|weeks?|wks?|w|"
                  r"shifts?|months?)\b", re.I)
_PCT = re.compile(r"(?P<sign>[+-])?\s*(?P<p>\d+(?:\.\d+)?)\s*(?:%|percent|per cent)", re.I)
_TIMES = re.compile(r"\b(?P<f>\d+(?:\.\d+)?)\s*(?:x|times)\b|\bx\s*(?P<g>\d+(?:\.\d+)?)\b",
                    re.I)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?")
_HHMM = re.compile(r"\b(\d{1,2}:\d{2})\b")
_WEEKS = re.compile(r"\bweeks?\s+(\d+)\s*(?:-|to|through|until|\u2013)\s*(\d+)", re.I)
_FROM_WEEK = re.compile(r"\b(?:from|starting(?: in)?|in|after)\s+week\s+(\d+)", re.I)
_UP = re.compile(r"\b(up|more|higher|rises?|rising|increase[sd]?|grows?|dearer|expensive|"
                 r"slower|longer|jumps?|spikes?|extra|plus|raise[sd]?|boost)\b", re.I)
_DOWN = re.compile(r"\b(down|less|lower|drops?|falls?|decrease[sd]?|shrinks?|cheaper|"
                   r"faster|shorter|reduce[sd]?|cuts?|minus|declines?)\b", re.I)
_DAYS_ALL = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass
class ParsedQuestion:
    """A question turned into edits (or rejected).

    Attributes
    ----------
    question
        The text.
    edits
        Validated edit objects (empty when rejected).
    method
        ``rules`` or ``llm`` (who produced the edits); ``none`` when nothing parsed.
    error
        Why the question was rejected (empty when ``ok``).
    raw
        The edits as plain dicts, before validation.
    """

    question: str
    edits: list[Any] = field(default_factory=list)
    method: str = "none"
    error: str = ""
    raw: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.edits) and not self.error

    def scenario(self, name: str = "question", seed: int = 0) -> Scenario:
        """The edits as a scenario to run.

        Raises
        ------
        ValueError
            When the question was rejected (the message says why).
        """
        if not self.ok:
            raise ValueError(f"question {self.question!r} gave no valid edit: {self.error}")
        return Scenario(name=name, description=self.question, edits=self.edits, seed=seed)


def classify_question(question: str) -> str:
    """``"what_if"`` (a scenario edit) or ``"how_why"`` (answered from documents)."""
    q = question.strip().lower()
    if re.match(r"^(how|why|when|where|who|which|what is|what are|what does|explain)\b", q) \
            and not re.search(r"\bwhat if\b|\bsuppose\b|\bimagine\b", q):
        return "how_why"
    return "what_if"


# --------------------------------------------------------------------------- rules
class _Vocab:
    def __init__(self, spec: LineSpec, aliases: dict[str, str] | None) -> None:
        self.spec = spec
        self.suppliers = [s.name for s in spec.suppliers]
        self.machines = list(spec.machines)
        self.products = sorted(spec.product_map, key=len, reverse=True)
        self.families: dict[str, list[str]] = {}
        for p in spec.products:
            if getattr(p, "family", None):
                self.families.setdefault(p.family, []).append(p.name)
        self.station_words: dict[str, str] = {}
        for st in spec.stations:
            self.station_words[st.name.lower()] = st.name
            for w in re.split(r"[_\s]+", st.machine_type):
                if len(w) >= 4 and w not in ("cell", "booth"):
                    self.station_words.setdefault(w.lower()[:5], st.name)
        self.family_words = {w: f for w, f in {**FAMILY_WORDS, **(aliases or {})}.items()
                             if f in self.families or f in spec.product_map}
        self.regions = sorted({str(r) for r in _order_regions(spec)})

    def find(self, names: list[str], text: str) -> list[str]:
        out = []
        for n in names:
            m = re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I)
            if m:
                out.append((m.start(), n))
        return [n for _, n in sorted(out)]

    def stations(self, text: str) -> list[str]:
        out = []
        for m in re.finditer(r"[a-zA-Z]+", text):
            w = m.group(0).lower()
            st = self.station_words.get(w) or (self.station_words.get(w[:5]) if len(w) >= 5
                                                else None)
            if st is None and len(w) >= 4:
                st = self.station_words.get(w[:4]) if w[:4] in self.station_words else None
            if st and st not in out:
                out.append(st)
        return out

    def products_in(self, text: str) -> list[str]:
        out = self.find(self.products, text)
        if out:
            return out
        for w, fam in self.family_words.items():
            if re.search(rf"\b{w}s?\b", text, re.I):
                out += self.families.get(fam, [fam])
        for fam, members in self.families.items():
            if re.search(rf"(?<![\w-]){fam}(?![\w-])", text):
                out += members
        return list(dict.fromkeys(out))


def _order_regions(spec: LineSpec) -> list[str]:
    return ["east", "north", "south", "west"] if not hasattr(spec, "regions") else spec.regions


def _num(s: str) -> float:
    s = s.lower().strip()
    return float(_WORDS[s]) if s in _WORDS else float(s)


def _duration_h(text: str) -> float | None:
    m = _DUR.search(text)
    if not m:
        return None
    u = m.group("u").lower().rstrip("s") or "s"
    u = {"hr": "hour", "wk": "week"}.get(u, u)
    return _num(m.group("n")) * _UNIT_H[u]


def _factor(text: str) -> float | None:
    t = text.lower()
    if re.search(r"\bdoubl", t):
        return 2.0
    if re.search(r"\btripl", t):
        return 3.0
    if re.search(r"\bhalve|\bhalf\b", t):
        return 0.5
    m = _PCT.search(text)
    if m:
        p = float(m.group("p")) / 100
        if re.search(r"\bto\s+" + re.escape(m.group(0).strip()), text, re.I) and not \
                m.group("sign"):
            return p  # "drops to 80%"
        down = m.group("sign") == "-" or (m.group("sign") != "+" and _DOWN.search(text)
                                          and not _UP.search(text))
        return round(1 - p if down else 1 + p, 6)
    m = _TIMES.search(text)
    if m:
        return float(m.group("f") or m.group("g"))
    return None


def _weeks(text: str) -> tuple[int | None, int | None]:
    """``weeks a-b`` -> (a, b); ``from week a`` -> (a, None)."""
    m = _WEEKS.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _FROM_WEEK.search(text)
    if m:
        return int(m.group(1)), None
    return None, None


def _start(text: str, default: datetime | None) -> str | None:
    m = _DATE.search(text)
    if m:
        return f"{m.group(1)} {m.group(2) or '06:00'}"
    return default.strftime("%Y-%m-%d %H:%M") if default else None


def _clause(text: str, v: _Vocab, start: datetime | None) -> list[dict[str, Any]]:
    t = text.lower()
    sup = v.find(v.suppliers, text)
    mach = v.find(v.machines, text)
    prods = v.products_in(text)
    stations = v.stations(re.sub(r"(?<![\w-])(" + "|".join(map(re.escape, v.machines))
                                 + r")(?![\w-])", " ", text, flags=re.I))
    first, last = _weeks(text)

    if re.search(r"\b(new|rush|extra|additional|urgent)\s+order\b|\border (?:for|of)\b", t) \
            and prods:
        q = re.search(r"\b(\d+)\s*(?:units?|pcs|pieces|x)?\s*(?:of\s+)?(?:" + "|".join(
            map(re.escape, v.products)) + r")\b", text, re.I) or re.search(
            r"\b(\d+)\s*(?:units?|pcs|pieces)\b", text, re.I)
        dates = _DATE.findall(text)
        due = next((f"{d} {h or '06:00'}" for d, h in dates), None)
        if q is None or due is None:
            return [{"kind": "new_order", "_error": "a new order needs a quantity (e.g. '200 "
                     "units of BRK-A') and a due date (e.g. 'due 2026-02-01')"}]
        rel = (start or DEFAULT_START).strftime("%Y-%m-%d %H:%M")
        region = next((r for r in v.regions if re.search(rf"\b{r}\b", t)), "")
        e = {"kind": "new_order", "order_id": "NEW1", "product": prods[0],
             "quantity": int(q.group(1)), "release": rel, "due": due}
        if region:
            e["region"] = region
        return [e]
    if sup or re.search(r"\bsupplier\b", t):
        if not sup:
            word = re.search(r"\bsupplier\s+([\w-]+)", text, re.I)
            return [{"kind": "supplier_delay", "supplier": word.group(1) if word else "?",
                     "delay": 1}]
        loss = re.search(r"\b(nothing|no deliver\w*|lose|lost|loss|out of business|"
                         r"bankrupt\w*|stops?|stopped|outage|strike|cannot deliver|can't "
                         r"deliver|fails? to deliver|shut\w*|is out|goes out|drops? out)\b", t)
        if loss:
            e: dict[str, Any] = {"kind": "supplier_loss", "supplier": sup[0]}
            if first is not None:
                e["first_week"] = first
                if last is not None:
                    e["weeks"] = last - first + 1
            dur = _duration_h(re.sub(_WEEKS, "", text))
            if dur is not None and "weeks" not in e:
                e["weeks"] = max(1, round(dur / 168))
            return [e]
        dur = _duration_h(text)
        if dur is not None or re.search(r"\blate|delay", t):
            return [{"kind": "supplier_delay", "supplier": s, "delay": dur or 0}
                    for s in sup]
    down = re.search(r"\b(down|fail\w*|break\w*|broke\w*|stop\w*|outage|maintenance|"
                     r"unavailable|repair\w*|offline|out of (?:order|service))\b", t)
    unknown_ids = [m for m in re.findall(r"\b[A-Z]{2,}\d+\b", text)
                   if m not in v.machines and m not in v.suppliers]
    if down and not mach and unknown_ids:
        mach = unknown_ids[:1]  # the validator names the machines the line has
    if down and not mach and stations:
        st = v.spec.station_map[stations[0]]
        return [{"kind": "machine_down", "_error": f"name the machine of {st.name} that is "
                 f"down; one of {list(st.machine_ids)!r}"}]
    if mach and down:
        dur = _duration_h(text)
        st = _start(text, start)
        return [{"kind": "machine_down", "machine": m, "start": st, "duration": dur}
                for m in mach]
    if re.search(r"\b(electricity|energy|power price|power prices|tariff|kwh)\b", t):
        f = _factor(text)
        return [{"kind": "energy_price", "factor": f}]
    if re.search(r"\bshift\b", t) and re.search(r"\b(add|extra|night|weekend|third|another|"
                                                r"new|saturday|sunday|run)\b", t):
        times = _HHMM.findall(text)
        if re.search(r"\bnight\b", t):
            name, s0, s1, days = "night", "22:00", "06:00", _DAYS_ALL[:5]
        elif re.search(r"\bweekend|saturday|sunday\b", t):
            days = (["Sat", "Sun"] if re.search(r"weekend", t) else
                    [d for d, w in (("Sat", "saturday"), ("Sun", "sunday")) if w in t])
            name, s0, s1 = "weekend", "06:00", "14:00"
        else:
            name, s0, s1, days = "extra", "22:00", "06:00", _DAYS_ALL[:5]
        if len(times) >= 2:
            s0, s1 = times[0], times[1]
        return [{"kind": "add_shift", "name": name, "start": s0, "end": s1, "days": days}]
    if re.search(r"\bbuffers?\b", t) and not stations:
        word = re.search(r"\b([A-Z][A-Z0-9_-]+)\s+buffer|buffer (?:of|at|before|in front "
                         r"of)\s+(?:the\s+)?([A-Z][A-Z0-9_-]+)", text)
        if word:  # an unknown station: the validator lists the stations
            name = word.group(1) or word.group(2)
            return [{"kind": "buffer_change", "station": name, "capacity": 0}]
    if re.search(r"\bbuffers?\b", t) and stations:
        st = stations[0]
        cur = v.spec.buffer_capacity(st)
        m = re.search(r"\b(?:to|of|holds?|capacity)\s+(\d+)\b", text) or re.search(
            r"\b(\d+)\s*(?:units|places|slots|parts)\b", text)
        by = re.search(r"\bby\s+(\d+)\b(?!\s*%)", text)
        f = _factor(text)
        if m:
            cap = int(m.group(1))
        elif by:
            cap = cur + (-1 if _DOWN.search(text) else 1) * int(by.group(1))
        elif f is not None and cur is not None and cur < 10**9:
            cap = round(cur * f)
        else:
            return [{"kind": "buffer_change", "station": st, "_error": "say the new buffer "
                     "capacity (e.g. 'WELD buffer to 80 units')"}]
        return [{"kind": "buffer_change", "station": st, "capacity": cap}]
    if stations and re.search(r"\b(machines?|cells?|robots?|brakes?|booths?|rigs?|cutters?|"
                              r"lasers?|presses|stations?)\b", t) and re.search(
            r"\b(add|more|extra|another|buy|install|new|remove|fewer|less|lose|retire|"
            r"sell|one more|second|third)\b", t) and _factor(text) is None:
        m = re.search(rf"\b({_NUMW})\s+(?:more|extra|additional|new|fewer|less)?\s*\w*\s*"
                      r"(?:machines?|cells?|robots?|brakes?|booths?|rigs?|cutters?|lasers?|"
                      r"presses|stations?)\b", text, re.I)
        n = _num(m.group(1)) if m else 1
        if re.search(r"\b(remove|fewer|less|lose|retire|sell|take away)\b", t):
            n = -n
        return [{"kind": "add_machines", "station": stations[0], "count": int(n)}]
    if stations and re.search(r"\b(slower|faster|processing|cycle time|takes? longer|"
                              r"longer|quicker|speed)\b", t):
        f = _factor(text)
        e = {"kind": "processing_time", "station": stations[0], "factor": f}
        if prods and len(prods) == 1:
            e["product"] = prods[0]
        return [e]
    if re.search(r"\b(demand|orders|sales|volumes?|customers? (?:buy|order))\b", t):
        f = _factor(text)
        out = []
        for p in prods or ["all"]:
            e = {"kind": "demand_change", "product": p, "factor": f}
            if first is not None:
                e["first_week"] = first
                if last is not None:
                    e["last_week"] = last
            out.append(e)
        return out
    return []


def rule_parse(question: str, spec: LineSpec, start: datetime | None = DEFAULT_START,
               aliases: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Edits (plain dicts, not yet validated) read from ``question`` by rules.

    Clauses joined by "and"/"plus"/";" become several edits when each clause parses.
    """
    v = _Vocab(spec, aliases)
    parts = [p for p in re.split(r"\s*(?:;|\band also\b|\band\b|\bplus\b|\bwhile\b)\s*",
                                 question) if p.strip()]
    if len(parts) > 1:
        got = [_clause(p, v, start) for p in parts]
        if all(got):
            return [e for g in got for e in g]
    return _clause(question, v, start)


# --------------------------------------------------------------------------- model
def _entity_enums(spec: LineSpec) -> dict[str, list[str]]:
    return {"supplier": [s.name for s in spec.suppliers], "machine": list(spec.machines),
            "station": [s.name for s in spec.stations],
            "product": ["all", *sorted(spec.product_map)]}


def edit_schema(kind: str, spec: LineSpec) -> dict[str, Any]:
    """JSON schema of one edit kind for constrained generation (entity fields as enums).

    Raises
    ------
    ValueError
        For an unknown kind (the message lists the kinds).
    """
    from twinbench.scenarios import edits as E

    classes = {c.model_fields["kind"].default: c for c in (
        E.DemandChange, E.MachineDown, E.SupplierDelay, E.SupplierLoss, E.EnergyPrice,
        E.AddShift, E.BufferChange, E.AddMachines, E.ProcessingTime, E.NewOrder)}
    if kind not in classes:
        raise ValueError(f"unknown edit kind {kind!r}; allowed kinds: {list(EDIT_KINDS)!r}")
    src = classes[kind].model_json_schema()
    enums = _entity_enums(spec)
    props: dict[str, Any] = {}
    for name, p in src["properties"].items():
        if name == "kind":
            props[name] = {"type": "string", "enum": [kind]}
            continue
        if name in enums:
            props[name] = {"type": "string", "enum": enums[name] if (
                name != "product" or kind in ("demand_change", "processing_time"))
                else enums[name][1:]}
        elif "anyOf" in p:
            props[name] = {"type": next(a["type"] for a in p["anyOf"] if a["type"] != "null")}
        elif p.get("type") == "array":
            props[name] = {"type": "array", "items": {"type": "string", "enum": _DAYS_ALL}}
        else:
            props[name] = {"type": p.get("type", "string")}
            if "pattern" in p:  # free names: a fixed choice (patterns slow the grammar)
                props[name] = {"type": "string", "enum": ["night", "weekend", "extra"]
                               if kind == "add_shift" else ["NEW1"]}
            if kind in ("add_shift",) and name in ("start", "end"):
                props[name]["pattern"] = "^[0-2][0-9]:[0-5][0-9]$"
    req = ["kind", *[r for r in src.get("required", []) if r != "kind"]]
    return {"type": "object", "properties": props, "required": req}


_KIND_HELP = {
    "demand_change": "customer demand of a product goes up or down by a factor",
    "machine_down": "one machine (like PRESS1) is down for some hours",
    "supplier_delay": "a supplier delivers later (delay in hours)",
    "supplier_loss": "a supplier delivers nothing for some weeks",
    "energy_price": "electricity price changes by a factor",
    "add_shift": "an extra work shift",
    "buffer_change": "the buffer in front of a station holds a new number of units",
    "add_machines": "more or fewer machines at a station",
    "processing_time": "processing at a station gets slower or faster by a factor",
    "new_order": "a new customer order"}


_SHOTS = (("what if supplier S1 is 5 days late?", "supplier_delay"),
          ("what if LASER2 is down for 8 hours?", "machine_down"),
          ("what if demand for CAB-S rises 10%?", "demand_change"),
          ("what if electricity gets 20% cheaper?", "energy_price"),
          ("what if we add a weekend shift?", "add_shift"))


def llm_parse(question: str, spec: LineSpec, engine: Any = None) -> list[dict[str, Any]]:
    """One edit (plain dict) from the model: kind by an enum schema, then its fields.

    The question is passed as quoted data; the output is forced into the schema.
    """
    from twinbench.llm.engine import get_engine

    eng = engine or get_engine()
    q = question.replace("<<<", "").replace(">>>", "")
    kinds = "\n".join(f"- {k}: {h}" for k, h in _KIND_HELP.items())
    system = {"role": "system", "content": "You turn a what-if question about a factory "
              f"into a JSON scenario edit. Answer with JSON only. Edit kinds:\n{kinds}"}
    shots = []
    for ex_q, ex_kind in _SHOTS:
        shots += [{"role": "user", "content": f"Question: <<<{ex_q}>>>\nWhich kind?"},
                  {"role": "assistant", "content": json.dumps({"kind": ex_kind})}]
    msgs = [system, *shots, {"role": "user", "content": f"Question: <<<{q}>>>\nWhich kind?"}]
    out = json.loads(eng.chat(msgs, max_tokens=24, schema={
        "type": "object", "properties": {"kind": {"type": "string", "enum": list(EDIT_KINDS)}},
        "required": ["kind"]}))
    kind = out["kind"]
    units = ("Durations and delays are numbers of hours (1 day = 24, 1 week = 168). "
             "A factor of 1.2 means 20% more, 0.9 means 10% less. Dates are like "
             f"{DEFAULT_START.isoformat()}.")
    msgs = [system, {"role": "user", "content": f"Question: <<<{q}>>>\nEdit kind: {kind} "
                     f"({_KIND_HELP[kind]}). {units}\nWrite the edit as JSON."}]
    edit = json.loads(eng.chat(msgs, max_tokens=96, schema=edit_schema(kind, spec)))
    edit["kind"] = kind
    return [edit]


# --------------------------------------------------------------------------- main
_KIND_WORDS = {"demand_change": r"demand|orders|sales|volume", "energy_price":
               r"electric|energy|power|tariff", "add_shift": r"shift",
               "new_order": r"order", "supplier_delay": r"supplier|late|delay",
               "supplier_loss": r"supplier", "buffer_change": r"buffer",
               "add_machines": r"machine|add|remove", "machine_down": r"down|fail|break|stop",
               "processing_time": r"slow|fast|time|long"}


def _plausible(edit: dict[str, Any], question: str, spec: LineSpec) -> bool:
    """A model edit is kept in ``auto`` mode only when the question names its entities
    (or, for kinds without one, a keyword of the kind)."""
    v = _Vocab(spec, None)
    for fld in ("supplier", "machine", "product"):
        val = edit.get(fld)
        if val and val != "all" and not re.search(rf"(?<![\w-]){re.escape(str(val))}"
                                                  r"(?![\w-])", question, re.I) \
                and val not in v.products_in(question):
            return False
    if edit.get("station") and edit["station"] not in v.stations(question):
        return False
    return bool(re.search(_KIND_WORDS.get(edit.get("kind", ""), r"^$"), question, re.I))


def _validate(raw: list[dict[str, Any]], spec: LineSpec) -> tuple[list[Any], str]:
    errs = [e.pop("_error") for e in raw if "_error" in e]
    if errs:
        return [], "; ".join(errs)
    for e in raw:
        for k in ("factor", "duration", "delay"):
            if k in e and not e[k]:
                what = {"factor": "by how much (e.g. '20% more', 'doubles')",
                        "duration": "for how long (e.g. 'for 16 hours')",
                        "delay": "how late (e.g. 'two weeks late')"}[k]
                return [], f"{e['kind']}: the question does not say {what}"
        if e.get("start") is None and e["kind"] == "machine_down":
            return [], "machine_down: say when it starts (e.g. 'from 2026-01-12 06:00')"
    try:
        sc = scenarios_from_dict({"scenarios": [{"name": "question", "edits": raw}]}, spec)
    except ScenarioError as err:
        return [], str(err)
    return list(sc[0].edits), ""


def parse_question(question: str, spec: LineSpec, method: str = "auto", engine: Any = None,
                   start: datetime | None = DEFAULT_START,
                   aliases: dict[str, str] | None = None) -> ParsedQuestion:
    """Turn a what-if question into validated edits.

    Parameters
    ----------
    question
        E.g. ``"what if supplier S2 is two weeks late?"``.
    spec
        The line (names, buffers; edits are checked against it).
    method
        ``"rules"``, ``"llm"`` or ``"auto"`` (rules, then the model if the rules find
        nothing and the model is available).
    engine
        The model for ``"llm"``/``"auto"`` (default the process-wide engine).
    start
        When a machine outage starts / a new order is released if the question says not.
    aliases
        Extra words for product families (``{"cabinet": "CAB"}``).

    Returns
    -------
    ParsedQuestion
        ``ok`` with edits, or ``error`` saying what was expected and what to change.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {list(METHODS)!r}")
    raw: list[dict[str, Any]] = []
    used = "none"
    if method in ("auto", "rules"):
        raw, used = rule_parse(question, spec, start, aliases), "rules"
    if not raw and method in ("auto", "llm"):
        from twinbench.llm.engine import LLMUnavailable

        try:
            raw, used = llm_parse(question, spec, engine), "llm"
        except LLMUnavailable as err:
            if method == "llm":
                return ParsedQuestion(question, error=f"model unavailable: {err}")
        except (ValueError, KeyError) as err:  # malformed JSON despite the schema
            return ParsedQuestion(question, method="llm",
                                  error=f"the model's answer was not a valid edit: {err}")
    if not raw:
        return ParsedQuestion(question, error=(
            "no scenario edit recognised; ask about one of: " + ", ".join(EDIT_KINDS)
            + " (e.g. 'what if supplier S2 is two weeks late?')"))
    if used == "llm" and method == "auto":
        vague = [e["kind"] for e in raw if not _plausible(e, question, spec)]
        if vague:
            return ParsedQuestion(question, method="llm", raw=raw, error=(
                f"the model read this as {vague[0]!r} but the question names none of its "
                "entities or keywords; rephrase, e.g. 'what if supplier S2 is two weeks "
                "late?'"))
    raw_copy = [dict(e) for e in raw]
    edits, error = _validate(raw, spec)
    return ParsedQuestion(question, edits, used, error, raw_copy)
