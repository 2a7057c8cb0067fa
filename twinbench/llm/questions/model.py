"""The model's reading of a question (the fallback): llama.cpp under JSON schemas built from
the edit models, with a ``none`` choice when the question is no what-if.

The kind comes first (an enum of every edit kind plus ``none``), then the fields of that
kind with the entity fields restricted to the line's names. What the model writes is held
to the same consumption rule and the same validation as the rules' parse
(:mod:`.consume`, :mod:`.parse`).
"""

from __future__ import annotations

import json
from typing import Any

from twinbench.scenarios import edits as E
from twinbench.scenarios.edits import EDIT_KINDS
from twinbench.spec import LineSpec

__all__ = ["KIND_HELP", "edit_schema", "llm_parse"]

_DAYS_ALL = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_CLASSES = {c.model_fields["kind"].default: c for c in (
    E.DemandChange, E.MachineDown, E.SupplierDelay, E.SupplierLoss, E.EnergyPrice,
    E.AddShift, E.BufferChange, E.AddMachines, E.ProcessingTime, E.NewOrder,
    E.SupplierCapacity, E.SupplierPrice, E.SupplierReliability, E.LeadTime, E.SpotPrice,
    E.DcStatus)}

KIND_HELP = {
    "demand_change": "customer demand of a product goes up or down by a factor",
    "machine_down": "one machine (like PRESS1) is down for some hours",
    "supplier_delay": "a supplier delivers later or earlier (delay in hours, negative: early)",
    "supplier_loss": "a supplier delivers nothing for some weeks",
    "energy_price": "electricity price changes by a factor",
    "add_shift": "an extra work shift",
    "buffer_change": "the buffer in front of a station holds a new number of units",
    "add_machines": "more or fewer machines at a station",
    "processing_time": "processing at a station gets slower or faster by a factor",
    "new_order": "a new customer order",
    "supplier_capacity": "a supplier can deliver more or less per week",
    "supplier_price": "a supplier's prices change by a factor",
    "supplier_reliability": "the share of a supplier's deliveries that come on time",
    "lead_time": "a supplier's lead time becomes a new value or changes",
    "spot_price": "the spot-market price factor changes",
    "dc_status": "a distribution centre is opened or closed",
    "none": "the question is not a what-if about the plant"}

_SHOTS = (("what if supplier S1 is 5 days late?", "supplier_delay"),
          ("what if LASER2 is down for 8 hours?", "machine_down"),
          ("what if demand for CAB-S rises 10%?", "demand_change"),
          ("what if electricity gets 20% cheaper?", "energy_price"),
          ("what is the weather tomorrow?", "none"))


def _entity_enums(spec: LineSpec, dcs: list[str]) -> dict[str, list[str]]:
    return {"supplier": [s.name for s in spec.suppliers], "machine": list(spec.machines),
            "station": [s.name for s in spec.stations],
            "product": ["all", *sorted(spec.product_map)],
            "material": ["all", *sorted(m.name for m in spec.materials)],
            "dc": list(dcs) or ["none"]}


def edit_schema(kind: str, spec: LineSpec, dcs: list[str] | None = None) -> dict[str, Any]:
    """JSON schema of one edit kind for constrained generation (entity fields as enums).

    Parameters
    ----------
    kind
        One of ``EDIT_KINDS``.
    spec
        The line (names for the enums).
    dcs
        Names of the distribution centres (for ``dc_status``).

    Raises
    ------
    ValueError
        For an unknown kind (the message lists the kinds).
    """
    if kind not in _CLASSES:
        raise ValueError(f"unknown edit kind {kind!r}; allowed kinds: {list(EDIT_KINDS)!r}")
    src = _CLASSES[kind].model_json_schema()
    enums = _entity_enums(spec, dcs or [])
    props: dict[str, Any] = {}
    for name, p in src["properties"].items():
        if name == "kind":
            props[name] = {"type": "string", "enum": [kind]}
            continue
        if name in enums:
            vals = enums[name]
            if name == "product" and kind not in ("demand_change", "processing_time"):
                vals = vals[1:]
            props[name] = {"type": "string", "enum": vals}
        elif "anyOf" in p:
            props[name] = {"type": next(a["type"] for a in p["anyOf"] if a["type"] != "null")}
        elif p.get("type") == "array":
            props[name] = {"type": "array", "items": {"type": "string", "enum": _DAYS_ALL}}
        else:
            props[name] = {"type": p.get("type", "string")}
            if "pattern" in p:  # free names: a fixed choice (patterns slow the grammar)
                props[name] = {"type": "string", "enum": ["night", "weekend", "extra"]
                               if kind == "add_shift" else ["NEW1"]}
            if kind == "add_shift" and name in ("start", "end"):
                props[name]["pattern"] = "^[0-2][0-9]:[0-5][0-9]$"
    req = ["kind", *[r for r in src.get("required", []) if r != "kind"]]
    if kind in ("supplier_capacity", "lead_time"):  # exactly one of two: ask for the first
        first = "capacity" if kind == "supplier_capacity" else "lead_time"
        req.append(first)
    return {"type": "object", "properties": props, "required": req}


def llm_parse(question: str, spec: LineSpec, engine: Any = None,
              dcs: list[str] | None = None, start: str = "2026-01-05 06:00"
              ) -> list[dict[str, Any]]:
    """One edit (plain dict) from the model, or ``[]`` when it chooses ``none``.

    The question is passed as quoted data; the output is forced into the schema.
    """
    from twinbench.llm.engine import get_engine

    eng = engine or get_engine()
    q = question.replace("<<<", "").replace(">>>", "")
    kinds = "\n".join(f"- {k}: {h}" for k, h in KIND_HELP.items())
    system = {"role": "system", "content": "You turn a what-if question about a factory "
              f"into a JSON scenario edit. Answer with JSON only. Edit kinds:\n{kinds}"}
    shots = []
    for ex_q, ex_kind in _SHOTS:
        shots += [{"role": "user", "content": f"Question: <<<{ex_q}>>>\nWhich kind?"},
                  {"role": "assistant", "content": json.dumps({"kind": ex_kind})}]
    msgs = [system, *shots, {"role": "user", "content": f"Question: <<<{q}>>>\nWhich kind?"}]
    out = json.loads(eng.chat(msgs, max_tokens=24, schema={
        "type": "object", "properties": {"kind": {"type": "string", "enum": [
            *EDIT_KINDS, "none"]}}, "required": ["kind"]}))
    kind = out["kind"]
    if kind == "none":
        return []
    units = ("Durations and delays are numbers of hours (1 day = 24, 1 week = 168). "
             "A factor of 1.2 means 20% more, 0.9 means 10% less. Dates are like "
             f"{start}.")
    msgs = [system, {"role": "user", "content": f"Question: <<<{q}>>>\nEdit kind: {kind} "
                     f"({KIND_HELP[kind]}). {units}\nWrite the edit as JSON."}]
    edit = json.loads(eng.chat(msgs, max_tokens=96, schema=edit_schema(kind, spec, dcs)))
    edit["kind"] = kind
    return [edit]
