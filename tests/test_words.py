"""Plant words for tables (twinbench.viz.words): hand-checked values."""

from __future__ import annotations

import pandas as pd

from twinbench.viz.words import kpi_label, number, people_table


def test_numbers_read_as_a_person_writes_them():
    assert number(10382.7) == "10,383"
    assert number(25.583) == "25.6"
    assert number(0.8667) == "0.87"
    assert number(3.0) == "3"
    assert number(float("nan")) == "-"
    assert kpi_label("energy_cost") == "Energy cost [EUR]"
    assert kpi_label("new_thing", "kg") == "New thing [kg]"


def test_a_kpi_table_in_plant_words():
    sk = pd.DataFrame({"kpi": ["energy", "utilisation", "tardy_jobs"],
                       "value": [10382.7, 0.5313, 0.0]})
    t = people_table(sk)
    assert list(t.columns) == ["Figure", "Value"]
    assert t.values.tolist() == [["Energy [kWh]", "10,383"],
                                 ["Machine utilisation [%]", "53.1"], ["Late orders", "0"]]
    plan = pd.DataFrame({"job": ["O0007"], "start_time": ["2026-01-05 09:57:00"],
                         "setup": [0.41667], "p_on_time": [0.8667]})
    assert people_table(plan).values.tolist() == [["O0007", "Mon 5 Jan 09:57", "0.42", "86.7"]]


def test_a_schedule_status_in_plant_words() -> None:
    """The schedule page's status line: no solver names, the gap as a bound in words."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from dashboards.pages.words import plan_quality

    assert plan_quality("maxTimeLimit", 0.178, "mip", 24.23) == (
        "no plan can be more than 17.8 % better; found by the optimiser in 24.2 s")
    assert plan_quality("optimal", 0.0, "annealer+mip", 3.0) == (
        "the best possible plan (proven); found by local search and the optimiser in 3.0 s")
    assert plan_quality("heuristic", float("nan"), "annealer", 3.46).startswith(
        "a workable plan (how far from the best is not known)")
