"""A perturbation suite for the checker: true paraphrases and false sentences from any
fact sheet.

:func:`perturb` reads a :class:`~twinbench.llm.facts.FactSheet` the way a reader would (a
change with its base and scenario values, a value with its unit, an entity with its role)
and writes, from the facts alone, sentences whose truth it knows by construction:

* ``true``: paraphrases (word order, verbs, the number first, units converted, numbers
  rounded to words, percentages, the base and scenario values, roles and causes);
* false ones, by kind (:data:`KINDS`): ``sign`` (direction word against the change's sign),
  ``entity`` (a value or role moved to another entity of the same kind), ``other_side``
  (the base's value said to be the scenario's, an interval's low bound said to be its high
  bound, a level said to be the change), ``unit`` (the number with a unit it is not in),
  ``off`` (the number 3 to 50 % off, written to its own precision), ``role`` (a role,
  superlative or cause that no fact states for that entity) and ``words`` (a wrong number
  written in words).

A false sentence is kept only when its number, written to its own precision, really
differs from the fact's (the ground truth is the fact, not the checker). Every random
draw takes the seed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from twinbench.llm.facts import Fact, FactSheet, format_value
from twinbench.llm.mentions import extract_numbers
from twinbench.llm.number_words import to_words

__all__ = ["KINDS", "Case", "demo_sheets", "perturb", "score"]

KINDS = ("sign", "entity", "other_side", "unit", "off", "role", "words")
_CHANGE = re.compile(r"^(?P<pre>[^:]*: )?(?P<rel>relative )?change of (?P<kpi>.+)$")
_SIDE = re.compile(r"^(?P<pre>[^:]*: )?(?P<kpi>.+) in the (?P<side>base|scenario)$")
_BOUND = re.compile(r"^(?P<stem>.*?),? ?(?P<b>low|high|from|to)$")
_OTHER_UNIT = {"EUR": "h", "h": "EUR", "unit": "EUR", "unit/h": "h", "EUR/h": "units",
               "": "EUR", "weeks": "EUR"}
# roles a sentence can claim, and the words of a fact's name that would state them
_ROLE_CLAIMS = [("the bottleneck station", "bottleneck"),
                ("the cheapest supplier", "cheapest"),
                ("the machine with the highest failure risk", "highest failure risk"),
                ("the busiest machine", "busiest"),
                ("the product with the highest demand", "highest demand"),
                ("the main driver of the change", "main driver")]


@dataclass(frozen=True)
class Case:
    """One sentence of the suite: its kind (``true`` or one of :data:`KINDS`), the text,
    whether it is true, the sheet kind and the fact it is about."""

    kind: str
    text: str
    truth: bool
    sheet: str
    fact: str


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _w(v: float, unit: str) -> str:
    return format_value(v, unit)


def _written(text: str) -> tuple[float, float] | None:
    """Value and half step of the first number of ``text``, in canonical units."""
    ns = extract_numbers(text)
    return (ns[0].value, ns[0].half_step) if ns else None


def _differs(v: float, unit: str, text: str, signed: bool = False) -> bool:
    """True when the number written in ``text`` is not ``v`` [unit] at its precision."""
    from twinbench.llm.mentions import canonical_unit

    got = _written(text)
    if got is None:
        return False
    _, factor = canonical_unit(unit)
    truth = v * factor if signed else abs(v) * factor
    said = got[0] if signed else abs(got[0])
    return abs(said - truth) > got[1] * 1.01 + 1e-12


def _words_of(v: float, unit: str) -> str | None:
    """``v`` rounded to two significant digits in words, with its unit word, or None."""
    unit_word = {"EUR": "euros", "unit": "units", "h": "hours", "": ""}.get(unit)
    if unit_word is None or abs(v) < 20:
        return None
    mag = abs(v)
    step = 10 ** max(0, math.floor(math.log10(mag)) - 1)
    n = round(mag / step) * step
    return f"{to_words(n)} {unit_word}".strip()


def _converted(v: float, unit: str) -> str | None:
    """``v`` in another unit of the same dimension, to the precision that holds it."""
    a = abs(v)
    if unit == "EUR" and a >= 10_000:
        return f"{a / 1000:,.1f} kEUR"
    if unit == "EUR" and a >= 1e6:
        return f"{a / 1e6:.2f} million euros"
    if unit == "h" and 0 < a < 10:
        return f"{a * 60:.0f} minutes"
    if unit == "h" and a >= 48:
        return f"{a / 24:.1f} days"
    if unit == "1":
        return f"{100 * a:.1f} percent"
    return None


class _Gen:
    def __init__(self, sheet: FactSheet, seed: int) -> None:
        self.sheet = sheet
        self.rng = np.random.default_rng(seed)
        self.out: list[Case] = []
        self.facts = sheet.facts
        self.names = {f.name: f for f in sheet.facts}

    def add(self, kind: str, text: str, truth: bool, f: Fact) -> None:
        self.out.append(Case(kind, text, truth, self.sheet.kind, f.name))

    def off_value(self, v: float, unit: str, lo: float = 0.03, hi: float = 0.5,
                  signed: bool = False) -> str | None:
        for _ in range(12):
            u = self.rng.uniform(lo, hi) * self.rng.choice([-1.0, 1.0])
            w = _w(v * (1 + u) if signed else abs(v) * (1 + u), unit)
            if _differs(v, unit, w, signed):
                return w
        return None

    # ------------------------------------------------------------------ comparisons
    def comparison(self) -> None:
        for f in self.facts:
            m = _CHANGE.match(f.name)
            if not m or m.group("rel") or not f.is_number or f.value == 0:
                continue
            pre, kpi = m.group("pre") or "", m.group("kpi")
            rel = self.names.get(f"{pre}relative change of {kpi}")
            base = self.names.get(f"{pre}{kpi} in the base")
            scen = self.names.get(f"{pre}{kpi} in the scenario")
            self.change(f, pre, kpi, rel, base, scen)

    def change(self, f: Fact, pre: str, kpi: str, rel: Fact | None, base: Fact | None,
               scen: Fact | None) -> None:
        up = float(f.value) > 0
        where = f"In {pre[:-2]}, " if pre else ""
        k = kpi if where else _cap(kpi)
        mag = _w(abs(float(f.value)), f.unit)
        verbs = [("rises", "falls"), ("increases", "decreases"), ("goes up", "goes down"),
                 ("grows", "drops")]
        plural = kpi.endswith("s") and not kpi.endswith("ss")
        if plural:
            verbs = [("rise", "fall"), ("increase", "decrease"), ("go up", "go down"),
                     ("grow", "drop")]
        for i, (vu, vd) in enumerate(verbs[:3]):
            good, bad = (vu, vd) if up else (vd, vu)
            self.add("true", f"{where}{k} {good} by {mag}.", True, f)
            self.add("sign", f"{where}{k} {bad} by {mag}.", False, f)
            if i == 0:
                off = self.off_value(float(f.value), f.unit)
                if off:
                    self.add("off", f"{where}{k} {good} by {off}.", False, f)
                w = _words_of(float(f.value), f.unit)
                if w:
                    self.add("true", f"{where}{k} {good} by about {w}.", True, f)
                    wrong = self.words_off(float(f.value), f.unit)
                    if wrong:
                        self.add("words", f"{where}{k} {good} by about {wrong}.", False, f)
                conv = _converted(float(f.value), f.unit)
                if conv:
                    self.add("true", f"{where}{k} {good} by {conv}.", True, f)
                other = _OTHER_UNIT.get(f.unit)
                if other is not None:
                    num = mag.rsplit(" ", 1)[0] if f.unit else mag
                    self.add("unit", f"{where}{k} {good} by {num} {other}.", False, f)
        cmp_good, cmp_bad = ("higher", "lower") if up else ("lower", "higher")
        if plural:
            self.add("true", f"{where}{k} are {cmp_good} than in the base.", True, f)
            self.add("sign", f"{where}{k} are {cmp_bad} than in the base.", False, f)
        else:
            self.add("true", f"{where}{k} is {cmp_good} than in the base.", True, f)
            self.add("sign", f"{where}{k} is {cmp_bad} than in the base.", False, f)
        self.add("true", f"The change of {kpi} is {_w(float(f.value), f.unit)}"
                 f"{' in ' + pre[:-2] if pre else ''}.", True, f)
        if not up:
            self.add("sign", f"The change of {kpi} is {mag}{' in ' + pre[:-2] if pre else ''}.",
                     False, f)
        good = ("rise" if plural else "rises") if up else ("fall" if plural else "falls")
        if rel is not None:
            r = _w(abs(float(rel.value)), "1")
            self.add("true", f"{where}{k} {good} by {r}.", True, rel)
            bad = self.off_value(float(rel.value), "1", 0.1, 0.5)
            if bad:
                self.add("off", f"{where}{k} {good} by {bad}.", False, rel)
        if base is not None and scen is not None:
            b, s = _w(float(base.value), base.unit), _w(float(scen.value), scen.unit)
            self.add("true", f"{where}{k} {good} by {mag}, from {b} to {s}.", True, f)
            scen_name = f"in {pre[:-2]}" if pre else "in the scenario"
            cmp_w = ("higher", "lower") if up else ("lower", "higher")
            self.add("true", f"Compared with the base, {kpi} is {mag} {cmp_w[0]}"
                     f"{' in ' + pre[:-2] if pre else ''}.", True, f)
            self.add("sign", f"Compared with the base, {kpi} is {mag} {cmp_w[1]}"
                     f"{' in ' + pre[:-2] if pre else ''}.", False, f)
            self.add("true", f"{where}{k} changes from {b} to {s}.", True, f)
            self.add("true", f"{where}{k} {good} to {s}.", True, scen)
            if _differs(float(scen.value), scen.unit, b):
                self.add("other_side", f"{where}{k} {good} to {b}.", False, scen)
            self.add("true", f"{_cap(scen_name)} {kpi} is {s}, against {b} in the base.", True,
                     scen)
            of = f" for {pre[:-2]}" if pre else ""
            self.add("true", f"{b} is the base {kpi}{of}.", True, base)
            self.add("true", f"The {kpi} in the base is {b}{of}.", True, base)
            self.add("true", f"{s} is the {kpi} {scen_name}.", True, scen)
            if _differs(float(scen.value), scen.unit, b):
                self.add("other_side", f"{where}{k} {good} by {mag}, from {s} to {b}.", False, f)
                self.add("other_side", f"{s} is the base {kpi}{of}.", False, base)
                self.add("other_side", f"The {kpi} in the base is {s}{of}.", False, base)
                self.add("other_side", f"{b} is the {kpi} {scen_name}.", False, scen)
            if _differs(float(f.value), f.unit, s):
                self.add("other_side", f"{where}{k} {good} by {s}.", False, f)
            for g in (base, scen):
                off = self.off_value(float(g.value), g.unit)
                if off:
                    side = "in the base" if g is base else scen_name
                    self.add("off", f"The {kpi} {side} is {off}{of if g is base else ''}.",
                             False, g)
            ws = _words_of(float(base.value), base.unit)
            if ws:
                self.add("true", f"The base {kpi}{of} is about {ws}.", True, base)
        # a cause that does not decompose this change
        drivers = [g for g in self.facts if "main driver" in g.name and
                   g.name.startswith(pre) and isinstance(g.value, str)]
        if drivers and kpi in drivers[0].name:
            d = str(drivers[0].value)
            self.add("true", f"{where}{k} {good} mainly because of {d}.", True, drivers[0])
            lead = f"In {pre[:-2]}, the" if pre else "The"
            self.add("true", f"{lead} main driver of the change of {kpi} is {d}.", True,
                     drivers[0])
            self.add("true", f"{where}{k} {good}, driven by {d}.", True, drivers[0])
            others = [m.group("kpi") for g in self.facts if (m := _CHANGE.match(g.name))
                      and not m.group("rel") and g.is_number and m.group("kpi") not in (kpi, d)
                      and (m.group("pre") or "") == pre]
            for o in others[:2]:
                self.add("role", f"{where}{k} {good} mainly because of {o}.", False, drivers[0])
                lead = f"In {pre[:-2]}, the" if pre else "The"
                self.add("role", f"{lead} main driver of the change of {kpi} is {o}.", False,
                         drivers[0])

    def words_off(self, v: float, unit: str) -> str | None:
        for _ in range(12):
            u = self.rng.uniform(0.1, 0.5) * self.rng.choice([-1.0, 1.0])
            w = _words_of(abs(v) * (1 + u), unit)
            if w and _differs(v, unit, w):
                return w
        return None

    # ------------------------------------------------------------------ plain values
    def values(self) -> None:
        for f in self.facts:
            if not f.is_number or not math.isfinite(float(f.value)):
                continue
            if _CHANGE.match(f.name) or _SIDE.match(f.name) or "interval of the change" in \
                    f.name:
                continue
            self.value(f)

    def value(self, f: Fact) -> None:
        v, u = float(f.value), f.unit
        w = _w(v, u)
        name = f.name
        self.add("true", f"The {name} is {w}.", True, f)
        self.add("true", f"{w} is the {name}.", True, f)
        off = self.off_value(v, u, signed=True)
        if off:
            self.add("off", f"The {name} is {off}.", False, f)
        conv = _converted(v, u)
        if conv:
            self.add("true", f"The {name} is {conv}.", True, f)
        words = _words_of(v, u)
        if words:
            self.add("true", f"The {name} is about {words}.", True, f)
            wrong = self.words_off(v, u)
            if wrong:
                self.add("words", f"The {name} is about {wrong}.", False, f)
        other = _OTHER_UNIT.get(u)
        if other is not None:
            num = w.rsplit(" ", 1)[0] if u and " " in w else w.rstrip("%")
            if u == "" or u == "1":
                num = w.rstrip("%")
            self.add("unit", f"The {name} is {num} {other}.", False, f)
        elif u == "1":
            self.add("unit", f"The {name} is {w.rstrip('%')} EUR.", False, f)
        if u == "h" and abs(v) >= 1:
            self.add("unit", f"The {name} is {w.rsplit(' ', 1)[0]} minutes.", False, f)
        # the other bound of an interval
        m = _BOUND.match(name)
        if m:
            pair = {"low": "high", "high": "low", "from": "to", "to": "from"}[m.group("b")]
            other_name = name[:m.start("b")] + pair
            g = self.names.get(other_name)
            if g is not None and g.is_number:
                gw = _w(float(g.value), g.unit)
                if _differs(v, u, gw, signed=True):
                    self.add("other_side", f"The {name} is {gw}.", False, f)
        # the same quantity of another entity
        if len(f.entities) == 1 and f.entities[0] in name:
            e = f.entities[0]
            for g in self.facts:
                if g is f or len(g.entities) != 1 or not g.is_number:
                    continue
                if g.name.replace(g.entities[0], e) != name or g.entities[0] == e:
                    continue
                if _differs(float(g.value), g.unit, w, signed=True):
                    self.add("entity", f"The {g.name} is {w}.", False, g)
                    break

    # ------------------------------------------------------------------ roles
    def roles(self) -> None:
        stated = " ".join(f.name for f in self.facts)
        named = [f for f in self.facts if isinstance(f.value, str) and f.entities
                 and str(f.value) in f.entities and f.role in ("bottleneck", "risk",
                                                               "driver", "value")]
        for f in named:
            e = str(f.value)
            role = re.sub(r"\s*\([^)]*\)", "", f.name)
            self.add("true", f"{e} is the {role}.", True, f)
            self.add("true", f"The {role} is {e}.", True, f)
            for other in self.peers(e)[:2]:
                self.add("entity", f"{other} is the {role}.", False, f)
        ents = [e for f in self.facts for e in f.entities if e in self.sheet.vocabulary]
        ents = list(dict.fromkeys(ents))
        for e in ents[:4]:
            for claim, word in _ROLE_CLAIMS:
                if word in stated:
                    continue
                self.add("role", f"{e} is {claim}.", False, self.facts[0])
        for f in named:
            e = str(f.value)
            for claim, word in _ROLE_CLAIMS:
                if word in stated and word not in f.name:
                    holders = [g for g in self.facts if word in g.name]
                    if holders and all(str(g.value) != e and e not in g.entities
                                       for g in holders):
                        self.add("role", f"{e} is {claim}.", False, f)

    def peers(self, e: str) -> list[str]:
        """Entities of the same shape as ``e`` (another station, machine, product)."""
        def shape(s: str) -> tuple[bool, bool, bool]:
            return (any(c.isdigit() for c in s), s.isupper(), "-" in s)
        pool = sorted(x for x in self.sheet.vocabulary if x != e and shape(x) == shape(e))
        pool += sorted({x for f in self.facts for x in f.entities
                        if x != e and shape(x) == shape(e)})
        return list(dict.fromkeys(pool))


def perturb(sheet: FactSheet, seed: int = 0) -> list[Case]:
    """True paraphrases and false sentences of ``sheet``'s facts (see the module doc).

    Parameters
    ----------
    sheet
        Any fact sheet.
    seed
        Seed of the random offsets.
    """
    g = _Gen(sheet, seed)
    g.comparison()
    g.values()
    g.roles()
    seen: set[str] = set()
    out = []
    for c in g.out:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


def demo_sheets(calibrate_twin: bool = True, seed: int = 0) -> dict[str, FactSheet]:
    """Fact sheets of every kind the package builds, from small real runs on the demo
    plant: a scenario comparison (one and several scenarios), a supply plan, a demand
    forecast, a schedule and its replay, a simulation, the weekly report's sheets and
    (``calibrate_twin``) a short calibration of the twin and its failure forecast.

    Takes about 30 s (plus about a minute for the calibration) on two cores.
    """
    import tempfile
    import warnings

    import pandas as pd

    from twinbench.data.plant import load_plant
    from twinbench.llm import report
    from twinbench.llm.facts import fact_sheet
    from twinbench.optimize.schedule import solve_schedule
    from twinbench.optimize.supply import solve_supply
    from twinbench.optimize.supply.inputs import supply_problem
    from twinbench.pipeline.week import replay_plan, week_problem
    from twinbench.scenarios import load_scenarios
    from twinbench.scenarios.batch import run_batch
    from twinbench.scenarios.compare import compare
    from twinbench.scenarios.runner import RunContext, RunSettings
    from twinbench.twin.demand import backtest, forecast_demand

    plant = load_plant()
    spec = plant.spec
    bt = backtest(plant.demand, plant.drivers, horizon=13, origins=2)
    fc = forecast_demand(plant.demand, plant.drivers, backtest_result=bt)
    out: dict[str, FactSheet] = {"demand_forecast": fact_sheet(fc, spec)}
    plan = solve_supply(supply_problem(plant, fc.ds, weeks=13, scenarios=6, seed=seed + 2))
    out["supply_plan"] = fact_sheet(plan, spec)
    ctx = RunContext(plant, fc.ds, None, RunSettings(stages=("demand", "supply"), weeks=13,
                                                    train_worlds=6, eval_worlds=6))
    names = ("base", "s4-out-6-weeks", "brackets-plus-20")
    batch = [s for s in load_scenarios(plant.root / "scenarios.yaml", spec) if s.name in names]
    with tempfile.TemporaryDirectory() as tmp:
        table = compare(run_batch(batch, ctx, tmp).store)
    descr = {s.name: s.description for s in batch}
    for name in names[1:]:
        out[f"comparison {name}"] = fact_sheet(table, spec, scenario=name, descriptions=descr)
    out["comparison, all scenarios"] = fact_sheet(table, spec)
    s = solve_schedule(week_problem(plant), "balanced", time_limit=3)
    on_time, sim = replay_plan(plant, s, replications=5, seed=seed)
    out["schedule"] = fact_sheet(s, spec, on_time=on_time)
    out["simulation"] = fact_sheet(sim, spec)
    kpis = pd.DataFrame({"kpi": list(s.kpis), "value": list(s.kpis.values())})
    out["report schedule"] = report._schedule_sheet(kpis, on_time)
    out["report simulation"] = report._simulation_sheet(sim.summary())
    if calibrate_twin:
        from twinbench.data.demo import simulate_plant
        from twinbench.twin.calibrate import calibrate
        from twinbench.twin.rul import forecast_failures

        tele, events, _ = simulate_plant(spec, seed=seed + 11, days=30)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            twin = calibrate(spec, tele, events, draws=20, tune=20, chains=2, seed=seed + 1)
        out["calibrated_twin"] = fact_sheet(twin, spec)
        out["failure_forecast"] = fact_sheet(forecast_failures(twin, horizon=7 * 24,
                                                               seed=seed + 1), spec)
    return out


def score(sheets: dict[str, FactSheet], seed: int = 0):
    """Run the checker over the suite of every sheet: one row per case kind with
    ``cases``, ``right`` (false caught, or true kept) and ``rate`` [1], plus a ``false, all``
    row; and the cases it got wrong.

    Returns
    -------
    tuple
        The table (pandas DataFrame indexed by kind) and the list of wrong
        ``(sheet name, Case)``.
    """
    import pandas as pd

    from twinbench.llm.grounding import check_text

    rows, wrong = [], []
    for name, sheet in sheets.items():
        for c in perturb(sheet, seed):
            ok = check_text(c.text, sheet).ok
            rows.append({"kind": c.kind, "sheet": sheet.kind, "right": ok == c.truth})
            if ok != c.truth:
                wrong.append((name, c))
    df = pd.DataFrame(rows)
    table = df.groupby("kind")["right"].agg(cases="size", right="sum")
    false = df[df["kind"] != "true"]["right"]
    table.loc["false, all"] = [len(false), int(false.sum())]
    table["rate"] = table["right"] / table["cases"]
    order = [*KINDS, "false, all", "true"]
    return table.reindex([k for k in order if k in table.index]), wrong
