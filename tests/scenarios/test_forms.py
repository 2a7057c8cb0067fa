"""What-if forms: widget values into edits (hand-written expectations), checked scenarios."""

from __future__ import annotations

import pytest

from twinbench.scenarios import ScenarioError
from twinbench.scenarios.edits import (
    AddShift,
    DemandChange,
    EnergyPrice,
    MachineDown,
    SupplierDelay,
    SupplierLoss,
)
from twinbench.scenarios.forms import WHATIF_KINDS, form_edit, whatif_scenario

# a form as the dashboard shows it first, on a plan starting Monday 5 January 2026
FORM = {"supplier": "S2", "machine": "WELD2", "product": "CAB-S", "days": 14,
        "first_week": 2, "factor": 1.2, "horizon_start": "2026-01-05"}


@pytest.mark.parametrize(("kind", "expected"), [
    ("supplier_delay", {"kind": "supplier_delay", "supplier": "S2", "delay": "14 d"}),
    ("supplier_loss", {"kind": "supplier_loss", "supplier": "S2", "first_week": 2,
                       "weeks": 2}),
    # two weeks and six hours after the plan's start
    ("machine_down", {"kind": "machine_down", "machine": "WELD2",
                      "start": "2026-01-19T06:00:00", "duration": "14 d"}),
    ("demand_change", {"kind": "demand_change", "product": "CAB-S", "factor": 1.2}),
    ("energy_price", {"kind": "energy_price", "factor": 1.2}),
    ("add_shift", {"kind": "add_shift", "name": "night", "start": "22:00", "end": "06:00"}),
])
def test_each_kind_reads_only_its_fields(kind, expected):
    assert form_edit(kind, **FORM) == expected


@pytest.mark.parametrize(("days", "weeks"), [(1, 1), (6, 1), (7, 1), (13, 1), (14, 2),
                                             (20, 2), (42, 6)])
def test_supplier_loss_lasts_whole_weeks_at_least_one(days, weeks):
    assert form_edit("supplier_loss", supplier="S1", days=days)["weeks"] == weeks


def test_unknown_kind_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="unknown what-if kind 'teleport'") as err:
        form_edit("teleport")
    assert all(k in str(err.value) for k in WHATIF_KINDS)


def test_machine_down_needs_the_plan_start():
    with pytest.raises(ValueError, match="horizon_start"):
        form_edit("machine_down", machine="WELD2")


@pytest.mark.parametrize(("kind", "cls"), [
    ("supplier_delay", SupplierDelay), ("supplier_loss", SupplierLoss),
    ("machine_down", MachineDown), ("demand_change", DemandChange),
    ("energy_price", EnergyPrice), ("add_shift", AddShift)])
def test_every_form_kind_makes_a_valid_scenario(demo_spec, kind, cls):
    sc = whatif_scenario(form_edit(kind, **FORM), demo_spec, seed=42)
    assert sc.name == "what-if" and sc.seed == 42 and len(sc.edits) == 1
    assert isinstance(sc.edits[0], cls)


def test_scenario_units_are_converted(demo_spec):
    delay = whatif_scenario(form_edit("supplier_delay", **FORM), demo_spec, 1).edits[0]
    assert delay.delay == pytest.approx(14 * 24)  # [h]
    down = whatif_scenario(form_edit("machine_down", **FORM), demo_spec, 1).edits[0]
    assert down.duration == pytest.approx(14 * 24)
    assert down.start.isoformat() == "2026-01-19T06:00:00"


def test_unknown_supplier_is_named_with_the_allowed_ones(demo_spec):
    with pytest.raises(ScenarioError, match=r"unknown supplier 'S9'; allowed: \['S1'"):
        whatif_scenario(form_edit("supplier_delay", supplier="S9"), demo_spec, 1)
