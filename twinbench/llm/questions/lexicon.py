"""The words of one plant: names and descriptions a question may use, read from the line,
its distribution network and what the twin knows (the bottleneck).

Every entry maps a phrase (lower-case words) to a token type and value. Names come from
the data (suppliers in the order of the spec, machines, stations with the words of their
machine types and descriptions, products and families, materials, DCs, regions); nothing
here is specific to the demo plant except the English words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from twinbench.spec import LineSpec

__all__ = ["FAMILY_WORDS", "Context", "Lexicon", "Phrase"]

#: everyday words for product families (extend with ``aliases``)
FAMILY_WORDS = {"cabinet": "CAB", "bracket": "BRK", "frame": "FRM"}

#: adjectives of supplier regions (ISO country codes in the spec)
COUNTRY_WORDS = {"DE": ("german", "germany"), "PL": ("polish", "poland"),
                 "CN": ("chinese", "china"), "IT": ("italian", "italy"),
                 "FR": ("french", "france"), "CZ": ("czech",), "US": ("american",),
                 "NL": ("dutch",), "ES": ("spanish",), "AT": ("austrian",)}

_STOP = {"with", "and", "the", "of", "for", "end", "line", "manual", "powered", "tools",
         "fibre", "fiber", "cnc", "electrical", "leak", "curing", "robot", "cell", "cells",
         "machine", "machines"}


@dataclass(frozen=True)
class Phrase:
    """What a phrase of the question means: a token ``type`` and its ``value``."""

    type: str
    value: Any = None
    significant: bool = False


@dataclass
class Context:
    """What the parser may know besides the line.

    Attributes
    ----------
    dcs
        Names of the distribution centres (from the network), or empty.
    regions
        Names of the demand regions (from the network), or empty.
    bottleneck
        The station the twin or the supply plan names as the bottleneck, or None.
    start
        When an outage starts / a new order is released if the question does not say
        (``YYYY-MM-DD HH:MM``).
    spot
        The spot price as a multiple of the cheapest contract price [-] (from the
        network), or None.
    """

    dcs: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    bottleneck: str | None = None
    start: str | None = "2026-01-05 06:00"
    spot: float | None = None


def _variants(word: str) -> set[str]:
    """Inflections of a process word: weld -> welding, welder(s), welds; assembly ->
    assembling."""
    w = word.lower()
    out = {w, w + ("es" if w.endswith("s") else "s")}
    if w.endswith("ing"):
        stem = w[:-3]
        out |= {stem, stem + "s", stem + "er", stem + "ers"}
    elif w.endswith("bly"):  # assembly -> assembling, assemble(s), assembler(s)
        stem = w[:-1]
        out |= {stem + "ing", stem + "e", stem + "es", stem + "er", stem + "ers"}
    elif len(w) >= 4 and not w.endswith("y"):
        out |= {w + "ing", w + "er", w + "ers"}
    return out


def _plural(noun: str) -> str:
    return noun + ("es" if noun.endswith(("s", "sh", "ch")) else "s")


class Lexicon:
    """Phrase table of a plant (``phrases``: tuple of words -> :class:`Phrase`).

    Parameters
    ----------
    spec
        The line.
    ctx
        Network names and the twin's bottleneck.
    aliases
        Extra words for product families (``{"cabinet": "CAB"}``).
    """

    def __init__(self, spec: LineSpec, ctx: Context, aliases: dict[str, str] | None = None
                 ) -> None:
        self.spec = spec
        self.ctx = ctx
        self.suppliers = [s.name for s in spec.suppliers]
        self.machines = list(spec.machines)
        self.stations = [s.name for s in spec.stations]
        self.materials = [m.name for m in spec.materials]
        self.families: dict[str, list[str]] = {}
        for p in spec.products:
            if getattr(p, "family", None):
                self.families.setdefault(p.family, []).append(p.name)
        self.phrases: dict[tuple[str, ...], Phrase] = {}
        self.ambiguous: set[tuple[str, ...]] = set()
        self._names()
        self._stations()
        self._products(aliases or {})
        self._network()
        self._tariffs()

    # ------------------------------------------------------------------ building
    def _add(self, words: str | tuple[str, ...], ph: Phrase, strong: bool = False) -> None:
        key = tuple(words.lower().replace("_", " ").split()) if isinstance(words, str) \
            else words
        old = self.phrases.get(key)
        if old is not None and old != ph and not strong:
            if old.type == ph.type and isinstance(old.value, tuple) and \
                    isinstance(ph.value, tuple) and old.value[0] != ph.value[0]:
                self.ambiguous.add(key)  # a word of two stations: neither
            return
        self.phrases[key] = ph

    def _names(self) -> None:
        for s in self.suppliers:
            self._add(s, Phrase("SUP", s, True), strong=True)
        for m in self.machines:
            self._add(m, Phrase("MACH", m, True), strong=True)
        for m in self.materials:
            self._add(m, Phrase("MAT", m, True), strong=True)
            words = m.split("_")
            if len(words) == 2:  # steel_sheet -> "sheet steel", "steel sheets"
                self._add(f"{words[1]} {words[0]}", Phrase("MAT", m, True))
                self._add(f"{words[0]} {_plural(words[1])}", Phrase("MAT", m, True))
            if len(words) == 1 and m.endswith("s"):
                self._add(m[:-1], Phrase("MAT", m, True))
        tails: dict[str, list[str]] = {}
        for m in self.materials:
            if "_" in m:
                tails.setdefault(m.split("_")[-1], []).append(m)
        for tail, mats in tails.items():  # "tube": steel_tube when only one ends so
            if len(mats) == 1 and tail not in _STOP:
                self._add(tail, Phrase("MAT", mats[0], True))
                self._add(_plural(tail), Phrase("MAT", mats[0], True))
        heads: dict[str, list[str]] = {}
        for m in self.materials:
            if "_" in m:
                heads.setdefault(m.split("_")[0], []).append(m)
        for head, mats in heads.items():  # "steel": sheet or tube
            self._add(head, Phrase("MAT", tuple(mats) if len(mats) > 1 else mats[0], True))
        for code, words in COUNTRY_WORDS.items():
            names = tuple(s.name for s in self.spec.suppliers if s.region == code)
            for w in words:
                self._add(w, Phrase("COUNTRY", names))

    def _stations(self) -> None:
        for st in self.spec.stations:
            name = st.name
            self._add(name, Phrase("PROCW", name, True), strong=True)
            types = st.machine_type.lower().split("_")
            process = {name.lower(), *types[:-1]}
            nouns = {types[-1]}
            for w in re.findall(r"[a-z]+", (st.description or "").lower()):
                if w in _STOP or len(w) < 4:
                    continue
                if w.endswith("ing") or w in ("assembly", "test"):
                    process.add(w)
                elif w.endswith("s") and len(w) > 4:
                    nouns.add(w[:-1])
            words = re.findall(r"[a-z]+", (st.description or "").lower())
            pairs = {f"{a} {b}" for a, b in pairwise(words)
                     if b in process and b.endswith("ing")}
            allproc = set().union(*(_variants(w) for w in process)) | pairs
            for w in allproc:  # "welder(s)": the agent noun names the machines
                if w.endswith(("er", "ers")) and " " not in w:
                    self._add(w, Phrase("MNOUN", (name, w.endswith("s")), True))
                else:
                    self._add(w, Phrase("PROCW", (name, "process"), True))
            for p in allproc:  # "welding cells": a cell is any station's machine
                if " " not in p and not p.endswith(("er", "ers")):
                    self._add(f"{p} cell", Phrase("MNOUN", (name, False), True))
                    self._add(f"{p} cells", Phrase("MNOUN", (name, True), True))
            for n in nouns:
                self._add(n, Phrase("MNOUN", (name, False), True))
                self._add(_plural(n), Phrase("MNOUN", (name, True), True))
                for p in allproc:
                    self._add(f"{p} {n}", Phrase("MNOUN", (name, False), True))
                    self._add(f"{p} {_plural(n)}", Phrase("MNOUN", (name, True), True))
        for key in self.ambiguous:
            self.phrases.pop(key, None)

    def _products(self, aliases: dict[str, str]) -> None:
        for p in self.spec.products:
            self._add(p.name, Phrase("PROD", (p.name,), True), strong=True)
        for fam, members in self.families.items():
            if fam not in self.spec.product_map:
                self._add(fam, Phrase("PROD", tuple(members), True))
        for w, fam in {**FAMILY_WORDS, **aliases}.items():
            members = self.families.get(fam) or ([fam] if fam in self.spec.product_map
                                                 else None)
            if members:
                self._add(w, Phrase("PROD", tuple(members), True))
                self._add(_plural(w), Phrase("PROD", tuple(members), True))

    def _network(self) -> None:
        for dc in self.ctx.dcs:
            self._add(dc, Phrase("DC", dc, True), strong=True)
        for r in self.ctx.regions:
            self._add(r, Phrase("REGION", r, True))
            self._add(f"{r}ern", Phrase("REGION", r, True))

    def _tariffs(self) -> None:
        """Tariff periods ("the night tariff", "peak prices"): an energy edit scales every
        period, so a question about one period is refused (it names no edit)."""
        shifts = {sh.name.lower() for sh in self.spec.calendar.shifts}
        for per in self.spec.energy.periods:
            if per.name.lower() not in shifts:  # "at night": a tariff period
                self._add(per.name, Phrase("TARIFFP", per.name, True))
            for w in ("tariff", "tariffs", "rate", "rates", "price", "prices",
                      "electricity", "energy", "power", "hours"):
                self._add(f"{per.name} {w}", Phrase("TARIFFP", per.name, True), strong=True)

    # ------------------------------------------------------------------ descriptions
    def dc_of_region(self, region: str) -> str | None:
        """The DC whose name holds ``region`` (``east`` -> ``DC-EAST``), or None."""
        hits = [d for d in self.ctx.dcs if region.lower() in re.split(r"[-_\s]+",
                                                                       d.lower())]
        return hits[0] if len(hits) == 1 else None

    def machines_of(self, station: str) -> list[str]:
        """Machine ids of ``station`` in the spec's order."""
        return list(self.spec.station_map[station].machine_ids)

    def supplier_rank(self, word: str) -> tuple[list[str], str]:
        """Suppliers a superlative picks (``cheapest``, ``most reliable``, ...), and why.

        Returns ``([name], reason)`` for a unique answer, ``([], reason)`` otherwise.
        """
        sups = self.spec.suppliers
        if word in ("cheapest", "most expensive", "dearest"):
            ranges = {tuple(sorted(s.prices)) for s in sups}
            if len(ranges) != 1:  # they sell different things: cheapest of what?
                return [], (f"'the {word} supplier' is ambiguous: the suppliers sell "
                            "different materials; name the material (e.g. 'the cheapest "
                            "steel sheet supplier') or the supplier")
            mats = sorted(ranges.pop())
            best = {(min if word == "cheapest" else max)(
                sups, key=lambda s, m=m: s.prices[m]).name for m in mats}
            if len(best) == 1:
                return sorted(best), "from the prices in the line"
            return [], (f"the {word} supplier depends on the material ({sorted(best)}); "
                        "name the material or the supplier")
        keys = {"most reliable": (max, "reliability"), "least reliable": (min, "reliability"),
                "fastest": (min, "lead_time"), "slowest": (max, "lead_time"),
                "largest": (max, "capacity"), "biggest": (max, "capacity"),
                "smallest": (min, "capacity")}
        if word not in keys:
            return [], f"unknown description {word!r}"
        fn, attr = keys[word]
        vals = [getattr(s, attr) for s in sups]
        target = fn(vals)
        names = [s.name for s, v in zip(sups, vals, strict=True) if v == target]
        if len(names) != 1:
            return [], f"several suppliers are {word}: {names}"
        return names, f"from the {attr.replace('_', ' ')} of the suppliers"

    def priced_pick(self, word: str, materials: tuple[str, ...]) -> str | None:
        """The supplier that is ``word`` (``cheapest``, ``most expensive``, ``dearest``)
        for every one of ``materials`` ("the most expensive steel supplier": dearest for
        sheet and for tube), or None when the pick differs or no one sells them all."""
        if word not in ("cheapest", "most expensive", "dearest"):
            return None
        fn = min if word == "cheapest" else max
        picks = set()
        for m in materials:
            sellers = [s for s in self.spec.suppliers if m in s.prices]
            if not sellers:
                return None
            picks.add(fn(sellers, key=lambda s, m=m: s.prices[m]).name)
        return picks.pop() if len(picks) == 1 else None

    def suppliers_selling(self, material: str) -> list[str]:
        """Suppliers that sell ``material`` (spec order)."""
        return [s.name for s in self.spec.suppliers if material in s.prices]
