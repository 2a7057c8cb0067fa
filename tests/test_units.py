"""Unit parsing and conversion against hand-checked values."""

from __future__ import annotations

import pytest

from twinbench.units import UnitError, convert, parse_quantity


@pytest.mark.parametrize(
    ("text", "dim", "value"),
    [("90 min", "time", 1.5), ("2 d", "time", 48.0), ("1500 W", "power", 1.5),
     ("25 degC", "temperature", 25.0), ("77 degF", "temperature", 25.0),
     ("300 K", "temperature", 26.85), ("50 %", "fraction", 0.5), (3, "time", 3.0),
     ("1e-3 1/s", "rate_time", 3.6), ("0.5 eV", "energy_molar", 48.2425)],
)
def test_parse(text, dim, value) -> None:
    assert parse_quantity(text, dim)[0] == pytest.approx(value)


def test_convert_roundtrip() -> None:
    assert convert(convert(37.0, "degC", "degF"), "degF", "degC") == pytest.approx(37.0)
    with pytest.raises(UnitError, match="cannot convert 'kW'"):
        convert(1.0, "kW", "h")


@pytest.mark.parametrize("bad", ["fast", "3 parsecs", "5 kW", True, None])
def test_bad_quantities(bad) -> None:
    with pytest.raises(UnitError):
        parse_quantity(bad, "time")
