"""LineSpec: loading the demo plant, units, and clear errors for bad specs."""

from __future__ import annotations

import pytest
import yaml

from twinbench.spec import LineSpec, SpecError, load_spec, spec_from_dict


def problems_of(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, "test.yaml")
    assert "test.yaml" in str(info.value)
    return info.value.problems


def test_demo_spec_loads(demo_spec: LineSpec) -> None:
    assert 6 <= len(demo_spec.stations) <= 10
    assert len({p.family for p in demo_spec.products}) >= 3
    assert len(demo_spec.machines) == 12
    assert demo_spec.machine_station["WELD3"] == "WELD"
    assert demo_spec.physics_of("PAINT2").name == "paint_booth"


def test_units_are_converted(demo_spec: LineSpec) -> None:
    laser = demo_spec.station_map["LASER"]
    assert laser.busy_power == 28.0  # kW
    assert laser.setup_time("CAB", "FRM") == pytest.approx(25 / 60)  # 25 min in hours
    assert laser.setup_time("CAB", "CAB") == 0.0
    assert demo_spec.station_map["WELD"].setup_time("CAB", "FRM") == pytest.approx(25 / 60)
    s1 = next(s for s in demo_spec.suppliers if s.name == "S1")
    assert s1.lead_time == 240.0  # 10 d in hours
    cab = demo_spec.product_map["CAB-S"]
    assert cab.routing[0].time.mean == pytest.approx(0.1)  # 6 min


def test_yaml_roundtrip_keeps_content_hash(demo_spec: LineSpec) -> None:
    again = spec_from_dict(yaml.safe_load(demo_spec.to_yaml()))
    assert again == demo_spec
    assert again.content_hash() == demo_spec.content_hash()


def test_content_hash_changes_with_content(spec_dict: dict, demo_spec: LineSpec) -> None:
    spec_dict["buffers"][0]["capacity"] = 61
    assert spec_from_dict(spec_dict).content_hash() != demo_spec.content_hash()


def test_unknown_station_in_routing(spec_dict: dict) -> None:
    spec_dict["products"][1]["routing"][2]["station"] = "WELDX"
    [(loc, msg)] = problems_of(spec_dict)
    assert loc == "products[1].routing[2].station"
    assert "'WELDX'" in msg and "'WELD'" in msg and "'LASER'" in msg


def test_negative_capacity(spec_dict: dict) -> None:
    spec_dict["buffers"][2]["capacity"] = -5
    [(loc, msg)] = problems_of(spec_dict)
    assert loc == "buffers[2].capacity"
    assert "greater than or equal to 0" in msg and "-5" in msg


def test_missing_product_in_order_of_fields(spec_dict: dict) -> None:
    spec_dict["products"] = []
    [(loc, msg)] = problems_of(spec_dict)
    assert loc == "products"
    assert "at least 1" in msg


def test_unit_mismatch_names_field_value_and_allowed_units(spec_dict: dict) -> None:
    spec_dict["stations"][0]["idle_power"] = "6 min"
    [(loc, msg)] = problems_of(spec_dict)
    assert loc == "stations[0].idle_power"
    assert "'6 min'" in msg and "power" in msg and "'kW'" in msg


def test_unknown_unit(spec_dict: dict) -> None:
    spec_dict["suppliers"][0]["lead_time"] = "10 fortnights"
    [(loc, msg)] = problems_of(spec_dict)
    assert loc == "suppliers[0].lead_time"
    assert "'fortnights'" in msg and "'d'" in msg


def test_several_problems_reported_together(spec_dict: dict) -> None:
    spec_dict["stations"][1]["busy_power"] = "1 kW"  # below idle power
    del spec_dict["products"][0]["family"]
    spec_dict["calendar"]["shifts"][0]["start"] = "25:00"
    spec_dict["stations"][0]["typo_field"] = 3
    locs = dict(problems_of(spec_dict))
    assert "products[0].family" in locs and "missing" in locs["products[0].family"]
    assert "calendar.shifts[0].start" in locs and "'25:00'" in locs["calendar.shifts[0].start"]
    assert "stations[0].typo_field" in locs and "unknown field" in locs["stations[0].typo_field"]
    assert any("busy_power" in m for m in locs.values())


@pytest.mark.parametrize(
    ("edit", "loc", "needle"),
    [
        (lambda d: d["stations"][0].update(machine_type="plasma"), "stations[0].machine_type",
         "'plasma'"),
        (lambda d: d["products"][0]["bom"].update(copper=2), "products[0].bom.copper",
         "'copper'"),
        (lambda d: d["suppliers"][0]["prices"].update(gold=1), "suppliers[0].prices.gold",
         "'gold'"),
        (lambda d: d["buffers"].append({"station": "OVEN", "capacity": 3}), "buffers[5].station",
         "'OVEN'"),
        (lambda d: d["stations"][0]["setup_times"].update(XYZ={"CAB": 1}),
         "stations[0].setup_times.XYZ", "'XYZ'"),
        (lambda d: d["products"].append(dict(d["products"][0])), "products[5].name",
         "duplicate"),
        (lambda d: d["suppliers"].pop(3), "suppliers", "'electronics'"),
    ],
)
def test_cross_reference_errors(spec_dict: dict, edit, loc: str, needle: str) -> None:
    edit(spec_dict)
    found = problems_of(spec_dict)
    assert any(where == loc and needle in msg for where, msg in found), found


def test_bad_yaml_and_missing_file(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        load_spec(tmp_path / "nope.yaml")


def test_calendar_and_tariff(demo_spec: LineSpec) -> None:
    import pandas as pd

    cal = demo_spec.calendar
    hours = pd.to_datetime(["2025-01-06 05:00", "2025-01-06 06:00", "2025-01-06 21:00",
                            "2025-01-06 22:00", "2025-01-11 10:00", "2025-12-25 10:00"])
    assert cal.working_mask(hours) == [False, True, True, False, False, False]
    assert cal.shifts[0].hours == 8.0
    energy = demo_spec.energy
    assert energy.price_at("2025-01-06 09:00") == pytest.approx(0.24)  # weekday peak
    assert energy.price_at("2025-01-11 09:00") == pytest.approx(0.14)  # Saturday base
    assert energy.price_at("2025-01-06 23:30") == pytest.approx(0.10)  # night


def test_crews_checked_and_looked_up(spec_dict: dict) -> None:
    spec_dict["crews"] = [
        {"name": "press", "stations": ["PRESS", "NOPE"], "operators": 2,
         "per_shift": {"late": 1, "graveyard": 0}},
        {"name": "b", "stations": ["PRESS"], "operators": 1},
    ]
    locs = dict(problems_of(spec_dict))
    assert "unknown station 'NOPE'" in locs["crews[0].stations[1]"]
    assert "unknown shift 'graveyard'" in locs["crews[0].per_shift.graveyard"]
    assert "belongs to one crew" in locs["crews[1].stations[0]"]
    spec_dict["crews"] = [{"name": "press", "stations": ["PRESS"], "operators": 2,
                           "per_shift": {"late": 1}}]
    spec = spec_from_dict(spec_dict)
    crew = spec.crew_of("PRESS")
    assert crew is not None and crew.on_duty("late") == 1 and crew.on_duty("early") == 2
    assert spec.crew_of("PAINT") is None
