"""What an explanation says, decided by code: the content plan of a fact sheet.

:func:`content_plan` picks from a :class:`~twinbench.llm.facts.FactSheet` the significant
changes (with their base, scenario value, relative change and interval), their main
driver, the bottleneck and binding constraints, the risks, the headline figures and the
recommended actions, as :class:`PlanItem` rows. Each item cites its facts by id (``F3`` is
``sheet.facts[2]``) and carries the sentence frames the model may choose from (fact ids
where the values go; the direction verb from the sign of the change; "main driver" and
"driven by" only for the fact that decomposes the change; roles only from role facts) and
its template, the first frame rendered. The checker of :mod:`twinbench.llm.grounding`
accepts every rendered frame: ``tests/llm/test_perturbation.py`` holds it to that on every
kind of sheet the package builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twinbench.llm.facts import Fact, FactSheet, format_value

__all__ = ["PlanItem", "content_plan", "fact_id", "render_frame", "render_value"]


@dataclass(frozen=True)
class PlanItem:
    """One thing to say.

    Attributes
    ----------
    kind
        ``change``, ``driver``, ``bottleneck``, ``binding``, ``risk``, ``value``, ``action``.
    ids
        The facts it cites (``F1``...).
    template
        A complete sentence stating them (code-written, checked): ``frames[0]`` rendered.
    frames
        The sentences the model may choose from, with fact ids (``[F3]``) where values go:
        each states the same facts, with direction words that agree with the sign and
        roles and causes only where a fact states them.
    """

    kind: str
    ids: tuple[str, ...]
    template: str
    frames: tuple[str, ...] = ()


_REF = re.compile(r"\[(F\d+)\]")


def render_frame(frame: str, sheet: FactSheet) -> str:
    """``[F3]`` -> the fact's value with its unit (a change as its magnitude: the frame's
    direction word carries the sign); the first letter capitalised."""
    def one(m: re.Match) -> str:
        i = int(m.group(1)[1:]) - 1
        if not 0 <= i < len(sheet.facts):
            raise ValueError(f"fact id {m.group(1)!r} not in the sheet (F1..F{len(sheet.facts)})")
        f = sheet.facts[i]
        return render_value(f, magnitude=bool(_IS_CHANGE.search(f.name)))
    out = _REF.sub(one, frame).strip()
    return out[:1].upper() + out[1:] if out else out


_IS_CHANGE = re.compile(r"(?:^|: )(?:relative )?change of ")


def _item(sheet: FactSheet, kind: str, ids: list[int], frames: list[str]) -> PlanItem:
    frames = list(dict.fromkeys(frames))
    return PlanItem(kind, tuple(fact_id(k) for k in dict.fromkeys(ids)),
                    render_frame(frames[0], sheet), tuple(frames))


def _r(i: int) -> str:
    return f"[{fact_id(i)}]"


def fact_id(i: int) -> str:
    """Id of ``sheet.facts[i]``."""
    return f"F{i + 1}"


def render_value(f: Fact, magnitude: bool = False) -> str:
    """A fact's value as written in sentences (``magnitude``: without its sign)."""
    if isinstance(f.value, str):
        return f.value
    v = abs(float(f.value)) if magnitude else float(f.value)
    return format_value(v, f.unit)


def _clean_name(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", name).strip()


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s and not s[:1].isupper() else s


def _interval(facts: list[tuple[int, Fact]], stem: str) -> tuple[list[int], str]:
    """Ids and the ``" (90% interval [F5] to [F6])"`` frame piece of ``stem``'s interval."""
    lo = next(((i, f) for i, f in facts if f.is_number and stem in f.name and re.search(
        r"interval (?:low|from)$|interval.*, low$", f.name)), None)
    hi = next(((i, f) for i, f in facts if f.is_number and stem in f.name and re.search(
        r"interval (?:high|to)$|interval.*, high$", f.name)), None)
    if lo is None or hi is None:
        return [], ""
    m = re.search(r"(\d+)% interval", lo[1].name)
    level = f"{m.group(1)}% " if m else ""
    return [lo[0], hi[0]], f" ({level}interval {_r(lo[0])} to {_r(hi[0])})"


def _verbs(up: bool, plural: bool) -> list[str]:
    if up:
        return ["rise", "increase", "go up"] if plural else ["rises", "increases", "goes up"]
    return ["fall", "decrease", "go down"] if plural else ["falls", "decreases", "goes down"]


def _change_items(sheet: FactSheet, facts: list[tuple[int, Fact]]) -> list[PlanItem]:
    out = []
    names = {f.name: i for i, f in facts}
    for i, f in facts:
        m = re.match(r"^(?P<pre>[^:]*: )?change of (?P<kpi>.+)$", f.name)
        if not m or not f.is_number or f.value == 0:
            continue
        pre, kpi = m.group("pre") or "", m.group("kpi")
        up = float(f.value) > 0
        plural = kpi.endswith("s") and not kpi.endswith("ss")
        where = f"In {pre[:-2]}, " if pre else ""
        subj = f"{where}{kpi}" if pre else _cap(kpi)
        ids = [i]
        rel = names.get(f"{pre}relative change of {kpi}")
        relp = f" ({_r(rel)})" if rel is not None else ""
        ids += [rel] if rel is not None else []
        base, scen = names.get(f"{pre}{kpi} in the base"), names.get(f"{pre}{kpi} in the scenario")
        both = base is not None and scen is not None
        fromto = f", from {_r(base)} to {_r(scen)}" if both else ""
        ids += [base, scen] if both else []
        iv_ids, iv = _interval(facts, f"{pre}90% interval of the change of {kpi}") if pre \
            else _interval(facts, f"change of {kpi}")
        sig_i = names.get(f"{pre}change of {kpi} is")
        tail = ""
        if iv:
            ids += iv_ids
            sig = str(sheet.facts[sig_i].value) if sig_i is not None else "uncertain"
            tail = f" The change is {sig}{iv}."
        noun = "rise" if up else "fall"
        frames = [f"{subj} {v} by {_r(i)}{relp}{fromto}.{tail}" for v in _verbs(up, plural)]
        if not pre:
            frames.append(f"Against the base, {kpi} {_verbs(up, plural)[0]} by {_r(i)}{relp}"
                          f"{fromto}.{tail}")
        if both:
            frames.append(f"{subj} {_verbs(up, plural)[0]} from {_r(base)} in the base to "
                          f"{_r(scen)} in the scenario, a {noun} of {_r(i)}{relp}.{tail}")
        out.append(_item(sheet, "change", ids, frames))
    return out


def _is_frames(name: str, ref: str, iv: str = "") -> list[str]:
    return [f"The {name} is {ref}{iv}.", f"{ref} is the {name}{iv}."]


def content_plan(sheet: FactSheet, max_changes: int = 3, max_risks: int = 3,
                 max_values: int = 3) -> list[PlanItem]:
    """The items an explanation of ``sheet`` states, most important first."""
    facts = list(enumerate(sheet.facts))
    items: list[PlanItem] = []
    changes = _change_items(sheet, facts)
    items += changes[:max_changes]
    used = {fid for it in items for fid in it.ids}
    for i, f in facts:
        m = re.match(r"^(?P<pre>[^:]*: )?main driver of the change of (?P<kpi>.+)$", f.name)
        if m and isinstance(f.value, str):
            pre, kpi = m.group("pre") or "", m.group("kpi")
            where = f"In {pre[:-2]}, the" if pre else "The"
            items.append(_item(sheet, "driver", [i], [
                f"{where} main driver of the change of {kpi} is {_r(i)}.",
                f"{where} change of {kpi} is mainly driven by {_r(i)}."]))
    for i, f in facts:
        if f.role == "bottleneck" and isinstance(f.value, str):
            items.append(_item(sheet, "bottleneck", [i], _is_frames(_clean_name(f.name), _r(i))))
        elif f.role == "bottleneck" and f.is_number:
            items.append(_item(sheet, "bottleneck", [i], _is_frames(_clean_name(f.name), _r(i))))
    binding = [(i, f) for i, f in facts if f.role == "binding"][:2]
    for i, f in binding:
        items.append(_item(sheet, "binding", [i], _is_frames(f.name, _r(i))))
    if not changes:
        vals = [(i, f) for i, f in facts if f.role in ("value", "driver") and f.is_number
                and "interval" not in f.name and fact_id(i) not in used]
        for i, f in vals[:max_values]:
            stem = f.name[5:] if f.name.startswith("mean ") else f.name
            iv_ids, iv = _interval(facts, stem)
            items.append(_item(sheet, "value", [i, *iv_ids], _is_frames(f.name, _r(i), iv)))
    risks = [(i, f) for i, f in facts if f.role == "risk" and f.is_number
             and fact_id(i) not in used and "interval" not in f.name][:max_risks]
    for i, f in risks:
        items.append(_item(sheet, "risk", [i], _is_frames(f.name, _r(i))))
    for i, f in facts:
        if f.role == "risk" and isinstance(f.value, str) and not f.name.endswith("gets worse") \
                and "highest" in f.name:
            items.append(_item(sheet, "risk", [i], _is_frames(_clean_name(f.name), _r(i))))
    for i, f in facts:
        if f.role == "action":
            items.append(_item(sheet, "action", [i], [f"The recommended action is to {_r(i)}.",
                                                      f"We recommend that you {_r(i)}."]))
    if not items:
        first = next(((i, f) for i, f in facts), None)
        if first is not None:
            i, f = first
            items.append(_item(sheet, "value", [i], _is_frames(_clean_name(f.name), _r(i))))
    return items
