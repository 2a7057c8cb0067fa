"""Generated scenarios: grids, Latin hypercubes and Monte Carlo over edit parameters.

A sweep is a template of edits whose values may be placeholders ``"{name}"`` (replaced by
the number) or contain them (``"{delay} d"``, formatted), and a range per parameter::

    sweeps:
      - name: demand-energy
        method: grid                 # every combination
        parameters: {demand: [0.8, 1.0, 1.2], energy: [1.0, 1.5]}
        edits:
          - {kind: demand_change, factor: "{demand}"}
          - {kind: energy_price, factor: "{energy}"}
      - name: s2-delay
        method: lhs                  # or monte_carlo: n draws in [low, high]
        n: 20
        parameters: {delay: [0, 28]}
        edits: [{kind: supplier_delay, supplier: S2, delay: "{delay} d"}]

Each generated scenario is named ``<sweep>-<k>`` and records its parameter values in its
description; draws take the file's seed.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np

__all__ = ["SWEEP_METHODS", "expand_sweep", "substitute"]

SWEEP_METHODS = ("grid", "lhs", "monte_carlo")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute(template: Any, values: dict[str, float]) -> Any:
    """``template`` with ``{name}`` placeholders replaced by ``values``.

    >>> substitute({"factor": "{x}", "delay": "{d} d"}, {"x": 1.5, "d": 7})
    {'factor': 1.5, 'delay': '7 d'}
    """
    if isinstance(template, dict):
        return {k: substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, values) for v in template]
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: f"{values[m.group(1)]:g}", template)
    return template


def _names_in(template: Any) -> set[str]:
    if isinstance(template, dict):
        return set().union(*(_names_in(v) for v in template.values())) if template else set()
    if isinstance(template, list):
        return set().union(*(_names_in(v) for v in template)) if template else set()
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    return set()


def expand_sweep(sweep: dict[str, Any], seed: int, where: str = "sweeps[0]"
                 ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Scenario dicts of one sweep, and the problems found (``(location, message)``)."""
    problems: list[tuple[str, str]] = []
    allowed = {"name", "method", "parameters", "edits", "n", "description"}
    for k in sorted(set(sweep) - allowed):
        problems.append((f"{where}.{k}", f"unknown field; allowed: {sorted(allowed)!r}"))
    name = sweep.get("name")
    method = sweep.get("method", "grid")
    params = sweep.get("parameters")
    edits = sweep.get("edits")
    if not isinstance(name, str) or not name:
        problems.append((f"{where}.name", "required: a name for the sweep"))
    if method not in SWEEP_METHODS:
        problems.append((f"{where}.method", f"unknown method {method!r}; allowed: "
                                            f"{list(SWEEP_METHODS)!r}"))
    if not isinstance(params, dict) or not params:
        problems.append((f"{where}.parameters", "required: a mapping of parameter -> "
                                                "values (grid) or [low, high] (lhs, "
                                                "monte_carlo)"))
    if not isinstance(edits, list) or not edits:
        problems.append((f"{where}.edits", "required: a list of edit templates"))
    if problems:
        return [], problems
    used = _names_in(edits)
    for p in sorted(used - set(params)):
        problems.append((f"{where}.edits", f"placeholder {{{p}}} has no parameter; "
                                           f"parameters: {sorted(params)!r}"))
    for p in sorted(set(params) - used):
        problems.append((f"{where}.parameters.{p}", "parameter used by no edit"))
    for p, v in params.items():
        if not isinstance(v, list) or not v or not all(isinstance(x, int | float) for x in v):
            problems.append((f"{where}.parameters.{p}", f"expected a list of numbers, "
                                                        f"found {v!r}"))
        elif method != "grid" and (len(v) != 2 or v[0] > v[1]):
            problems.append((f"{where}.parameters.{p}", f"{method} needs [low, high], "
                                                        f"found {v!r}"))
    n = sweep.get("n")
    if method != "grid" and (not isinstance(n, int) or n < 1):
        problems.append((f"{where}.n", f"{method} needs n >= 1 draws, found {n!r}"))
    if problems:
        return [], problems
    keys = list(params)
    if method == "grid":
        points = [dict(zip(keys, combo, strict=True))
                  for combo in itertools.product(*(params[k] for k in keys))]
    else:
        rng = np.random.default_rng(seed)
        if method == "lhs":  # one draw per stratum per parameter, strata shuffled
            u = (rng.permuted(np.tile(np.arange(n), (len(keys), 1)), axis=1).T
                 + rng.random((n, len(keys)))) / n
        else:
            u = rng.random((n, len(keys)))
        lo = np.array([params[k][0] for k in keys], dtype=float)
        hi = np.array([params[k][1] for k in keys], dtype=float)
        points = [dict(zip(keys, (lo + row * (hi - lo)).round(6).tolist(), strict=True))
                  for row in u]
    out = []
    for i, values in enumerate(points):
        label = ", ".join(f"{k}={v:g}" for k, v in values.items())
        out.append({"name": f"{name}-{i:03d}", "description": f"{name}: {label}",
                    "edits": substitute(edits, values), "seed": seed})
    return out, []
