"""A what-if scenario: the base plant plus a list of typed edits, identified by content.

Written in Python (``Scenario(name=..., edits=[MachineDown(...)])``) or YAML::

    seed: 7                     # default seed of every scenario in the file
    scenarios:
      - name: weld-down
        edits:
          - {kind: machine_down, machine: WELD2, start: 2026-01-06 06:00, duration: 16 h}
      - name: s2-late
        edits:
          - {kind: supplier_delay, supplier: S2, delay: 14 d}

:func:`load_scenarios` validates the file against the line and raises
:class:`ScenarioError` (a :class:`~twinbench.spec.SpecError`) listing every problem as
``scenarios[1].edits[0] (supplier_delay).supplier: unknown supplier 'S9'; allowed: [...]``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from twinbench.data.plant import PlantData
from twinbench.scenarios.edit_checks import check_edits, check_horizon, check_network
from twinbench.scenarios.edits import EDIT_KINDS, Edit
from twinbench.scenarios.sweeps import expand_sweep
from twinbench.spec import (
    LineSpec,
    Name,
    SpecError,
    _from_validation_error,
    read_yaml,
    spec_from_dict,
)

if TYPE_CHECKING:
    from twinbench.optimize.supply.network import Network

__all__ = ["Scenario", "ScenarioError", "load_scenarios", "scenarios_from_dict"]


class ScenarioError(SpecError):
    """A scenario file or edit is invalid; ``problems`` lists ``(location, message)``."""

    what = "scenarios"


def _kind_message(msg: str) -> str:
    """Pydantic's discriminator messages, in the plant's words."""
    if "Unable to extract tag" in msg:
        return f"missing field 'kind'; allowed kinds: {list(EDIT_KINDS)!r}"
    if "does not match any of the expected tags" in msg:
        found = msg.split("'")[1] if "'" in msg else "?"
        return f"unknown kind {found!r}; allowed kinds: {list(EDIT_KINDS)!r}"
    return msg


class Scenario(BaseModel):
    """Base plant + edits + seed.

    Attributes
    ----------
    name
        Short label (unique within a batch).
    edits
        The changes, applied in order.
    seed
        Seed of every random draw of the scenario's run.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    description: str = ""
    edits: list[Edit] = Field(default_factory=list)
    seed: int = 0

    def content(self) -> dict[str, Any]:
        """What the results depend on, in canonical form (units converted)."""
        return {"edits": [e.model_dump(mode="json") for e in self.edits], "seed": self.seed}

    def scenario_id(self, base_hash: str = "") -> str:
        """Content hash of edits + seed (+ the base plant's hash) [16 hex digits].

        The name and description do not count: the same change under two names is the
        same scenario.
        """
        text = json.dumps({**self.content(), "base": base_hash}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- applying the edits, stage by stage ------------------------------------------------
    def apply_spec(self, spec: LineSpec) -> LineSpec:
        """The line with the spec edits applied (re-validated)."""
        data = copy.deepcopy(spec.model_dump(mode="json"))
        for e in self.edits:
            data = e.apply_spec(data)
        return spec_from_dict(data, source=f"scenario {self.name!r}")

    def apply_plant(self, plant: PlantData) -> PlantData:
        """A copy of ``plant`` with spec and order-book edits applied."""
        spec = self.apply_spec(plant.spec)
        orders = plant.orders
        for e in self.edits:
            orders = e.apply_orders(orders, spec)
        return replace(plant, spec=spec, orders=orders)

    def apply_forecast(self, ds: xr.Dataset) -> xr.Dataset:
        """The demand forecast with the demand edits applied."""
        for e in self.edits:
            ds = e.apply_forecast(ds)
        return ds

    def apply_supply(self, supply: xr.DataArray) -> xr.DataArray:
        """Supplier-delivery shares with the supplier-loss edits applied."""
        for e in self.edits:
            supply = e.apply_supply(supply)
        return supply

    def downtime(self, spec: LineSpec) -> pd.DataFrame:
        """Machine unavailability windows of the edits: ``machine, start, end``."""
        rows = [w for e in self.edits for w in e.downtime(spec)]
        return pd.DataFrame(rows, columns=["machine", "start", "end"])

    def apply_network(self, network: Network) -> Network:
        """The distribution network with the network edits (spot price) applied."""
        for e in self.edits:
            network = e.apply_network(network)
        return network

    def dcs_open(self) -> dict[str, bool]:
        """Distribution centres forced open (True) or closed (False); later edits win."""
        out: dict[str, bool] = {}
        for e in self.edits:
            out.update(e.dcs_open())
        return out

    def check(self, spec: LineSpec, network: Network | None = None) -> None:
        """Raise :class:`SpecError` when an edit names what the line (or, when given, the
        distribution ``network``) does not have."""
        problems = check_edits(self.edits, spec, network)
        if problems:
            raise ScenarioError(problems, f"scenario {self.name!r}")

    def check_network(self, network: Network) -> None:
        """Raise :class:`ScenarioError` when an edit names an unknown DC or makes the
        spot price cheaper than the cheapest supplier."""
        problems = check_network(self.edits, network)
        if problems:
            raise ScenarioError(problems, f"scenario {self.name!r}")

    def check_horizon(self, periods: pd.DatetimeIndex) -> None:
        """Raise :class:`ScenarioError` when a week or date of an edit falls outside the
        plan window of the weekly ``periods`` (starts of the planning weeks)."""
        problems = check_horizon(self.edits, periods)
        if problems:
            raise ScenarioError(problems, f"scenario {self.name!r}")


def scenarios_from_dict(data: Any, spec: LineSpec, source: str | None = None
                        ) -> list[Scenario]:
    """Scenarios from plain data (a YAML file's content), checked against ``spec``."""
    if isinstance(data, list):
        data = {"scenarios": data}
    if not isinstance(data, dict) or not ({"scenarios", "sweeps"} & set(data)):
        raise ScenarioError([("", "expected a mapping with a 'scenarios' and/or 'sweeps' "
                              f"list (and optionally 'seed'), found {type(data).__name__}")],
                            source)
    fields = ["description", "scenarios", "seed", "sweeps"]
    problems: list[tuple[str, str]] = [
        (k, f"unknown field; allowed: {fields!r}") for k in sorted(set(data) - set(fields))]
    items = data.get("scenarios") or []
    sweeps = data.get("sweeps") or []
    for key, val in (("scenarios", items), ("sweeps", sweeps)):
        if not isinstance(val, list):
            raise ScenarioError([(key, f"expected a list, found {type(val).__name__}")],
                                source)
    seed = data.get("seed", 0)
    for j, sweep in enumerate(sweeps):
        if not isinstance(sweep, dict):
            problems.append((f"sweeps[{j}]", f"expected a mapping, found {sweep!r}"))
            continue
        generated, bad = expand_sweep(sweep, seed, f"sweeps[{j}]")
        problems += bad
        items = [*items, *generated]
    out: list[Scenario] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and "seed" not in item and "seed" in data:
            item = {**item, "seed": data["seed"]}
        try:
            sc = Scenario.model_validate(item)
        except ValidationError as err:
            for loc, msg in _from_validation_error(err):
                problems.append((f"scenarios[{i}].{_edit_loc(loc, item)}",
                                 _kind_message(msg)))
            continue
        problems += [(f"scenarios[{i}].{loc}", msg) for loc, msg in check_edits(sc.edits, spec)]
        out.append(sc)
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    problems += [(f"scenarios[{i}].name", f"duplicate name {n!r}; names must be unique")
                 for i, n in enumerate(names) if n is not None and n in names[:i]]
    if problems:
        raise ScenarioError(problems, source)
    return out


def _edit_loc(loc: str, item: Any) -> str:
    """``edits[2].machine_down.machine`` -> ``edits[2] (machine_down).machine``."""
    if not loc.startswith("edits["):
        return loc
    head, _, rest = loc.partition("]")
    parts = rest.lstrip(".").split(".", 1)
    try:
        kind = item["edits"][int(head[6:])].get("kind")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        kind = None
    if kind and parts[0] == kind:
        return f"{head}] ({kind})" + (f".{parts[1]}" if len(parts) > 1 else "")
    if kind is None and parts == [""]:
        return f"{head}]"
    return loc


def load_scenarios(path: str | Path, spec: LineSpec) -> list[Scenario]:
    """Load and check a scenarios YAML file (see the module docstring)."""
    data = read_yaml(path, ScenarioError, label="scenario file")
    return scenarios_from_dict(data, spec, str(Path(path)))
