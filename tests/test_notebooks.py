"""Every analyst notebook runs top to bottom on the demo plant (executed with nbclient), and
the key numbers its conclusions show are checked.

Each notebook ends with a ``key_numbers`` dict (plain numbers and strings). After the run the
test reads it from the kernel, together with a *probe*: figures the test recomputes in the
same kernel from the notebook's own objects (the simulation's raw samples, the stored
results), independent of the code the conclusions used. The checks are relations and outside
truths (physical ranges, the literature optimum, the generator's injected defects, the
independent checkers, VSS >= 0, paired deltas inside their intervals), never a number
compared with itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MARK = "TWINBENCH_KEY_NUMBERS="

# Recomputed in the notebook's kernel after it ran, from its raw objects; `probe` is a dict.
PROBES: dict[str, str] = {
    "01_plant_and_data_quality": "probe = {}",
    "02_calibration_and_forecasting": """
import numpy as _np
_p = failures["failure_probability"].transpose("machine", "time").values
_d = twin.diagnostics
probe = {"chains": int(twin.posterior.sizes["chain"]), "max_r_hat": float(_d["r_hat"].max()),
         "min_ess_bulk": float(_d["ess_bulk"].min()),
         "p_monotone": bool((_np.diff(_p, axis=1) >= -1e-9).all()),
         "p_min": float(_np.nanmin(_p)), "p_max": float(_np.nanmax(_p)),
         "naive_in_backtest": bool((scores["model"] == "seasonal_naive").any())}
""",
    "03_scheduling": """
from twinbench.optimize.schedule.check import check_schedule as _check
_ok = replay.ds["on_time"]
probe = {"violations": len(_check(problem, schedule.table)),
         "rolled_violations": len(_check(all_orders, rolled.table)),
         "p_from_samples": {str(o): float(_ok.sel(order=o).mean("replication", skipna=True))
                            for o in _ok["order"].values},
         "ft06_optimum": int(ft06.optimum)}
""",
    "04_supply_chain": """
from twinbench.optimize.supply.check import check_supply_plan as _check
probe = {"violations": len(_check(prob, plan.ds)),
         "design_violations": len(_check(prob.expected(), design.ds))}
""",
    "05_whatif_batches": """
_cat = report.store.catalog().set_index("name")
_s = {n: report.store.load(sid)["kpi_samples"].sel(kpi="supply cost")
      for n, sid in _cat["scenario_id"].items()}
probe = {"paired_delta": {n: float((s - _s["base"]).mean()) for n, s in _s.items()
                          if n != "base"},
         "samples": {n: int(s.sizes["sample"]) for n, s in _s.items()},
         "eval_worlds": int(ctx.settings.eval_worlds)}
""",
    "06_explanations_and_reports": "probe = {}",
}


def _run(path: Path) -> tuple[nbformat.NotebookNode, dict, dict]:
    """Execute the notebook plus two cells that print its key numbers and the probe."""
    book = nbformat.read(path, as_version=4)
    book.cells.append(new_code_cell(PROBES[path.stem].strip()))
    book.cells.append(new_code_cell(
        f"import json as _json\nprint({MARK!r} + _json.dumps("
        "{'key_numbers': key_numbers, 'probe': probe}))"))
    client = NotebookClient(book, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    text = "".join(o.get("text", "") for o in book.cells[-1].outputs)
    found = json.loads(text.split(MARK, 1)[1])
    return book, found["key_numbers"], found["probe"]


# ----------------------------------------------------------------------------- checks


def check_01(kn: dict, probe: dict) -> None:
    """Counts recomputed from the plant's files; every injected defect found."""
    from twinbench.data.plant import load_plant

    plant = load_plant()
    spec, ev = plant.spec, plant.events
    assert (kn["stations"], kn["machines"], kn["products"], kn["suppliers"]) == (
        len(spec.stations), len(spec.machines), len(spec.products), len(spec.suppliers))
    failures = ev[ev["kind"] == "failure"]["machine"].value_counts()
    assert kn["failures_total"] == int(failures.sum())
    assert kn["worst_failures"] == int(failures.max())
    assert int(failures.get(kn["worst_machine"], 0)) == kn["worst_failures"]
    truth = json.loads((plant.root / "truth.json").read_text())["defects"]
    injected = {f"{d['check']}:{d['machine']}" for d in truth}
    assert injected <= set(kn["finding_machines"]), "an injected defect was not found"
    assert sum(kn["findings"].values()) >= len({(d["check"], d["machine"], d["start"])
                                                for d in truth if d["check"] == "spike"})
    masked = sum(d["n"] for d in truth if d["check"] in ("spike", "stuck", "unit_mismatch"))
    assert masked <= kn["masked_samples"] <= 2 * masked


def check_02(kn: dict, probe: dict) -> None:
    """Probabilities in [0, 1] and cumulative; the chosen demand model beats naive."""
    # the convergence flag follows the rules (Vehtari et al. 2021), recomputed here from the
    # posterior's chain count and the diagnostics table
    ok = (probe["chains"] >= 4 and probe["max_r_hat"] < 1.01 and kn["divergences"] == 0
          and probe["min_ess_bulk"] > 100 * probe["chains"])
    assert kn["converged"] is ok and kn["divergences"] >= 0
    p = kn["p_fail_4w"]
    assert all(0.0 <= v <= 1.0 for v in p.values())
    assert 0.0 <= probe["p_min"] and probe["p_max"] <= 1.0 and probe["p_monotone"]
    assert p[kn["riskiest"]] == max(p.values())
    rul = kn["rul_wear_median_d"]
    assert all(v >= 0 for v in rul.values()) and rul[kn["first_worn"]] == min(rul.values())
    assert probe["naive_in_backtest"]
    assert set(kn["chosen"]) == set(kn["mase_chosen"]) and len(kn["chosen"]) >= 1
    for product, mase in kn["mase_chosen"].items():
        assert 0.0 < mase <= kn["mase_naive"][product] + 1e-9, (
            f"{product}: chosen model MASE {mase} worse than seasonal naive")


def check_03(kn: dict, probe: dict) -> None:
    """Literature optimum, independent checker, P(on time) from the raw samples."""
    assert probe["ft06_optimum"] == 55  # Fisher & Thompson 6x6: optimum 55
    assert kn["ft06_makespan"] == pytest.approx(55)
    assert kn["ft06_bound"] <= kn["ft06_makespan"] + 1e-6
    assert kn["week_violations"] == 0 and probe["violations"] == 0
    assert kn["rolled_violations"] == 0 and probe["rolled_violations"] == 0
    assert 0.0 <= kn["week_gap"] <= 1.0 and 0 < kn["week_makespan_h"] < 24 * 21
    assert kn["week_orders"] >= 1 and kn["week_ops"] >= kn["week_orders"]
    assert kn["rolled_windows"] >= 2 and kn["rolled_ops"] > kn["week_ops"]
    p = kn["p_on_time"]
    assert p and all(0.0 <= v <= 1.0 for v in p.values())
    for order, v in p.items():
        assert v == pytest.approx(probe["p_from_samples"][order], abs=1e-9)
        assert (v * kn["replications"]) == pytest.approx(round(v * kn["replications"]))
    assert kn["mean_p_on_time"] == pytest.approx(sum(p.values()) / len(p))
    assert kn["orders_at_risk"] == sum(v < 0.9 for v in p.values())
    assert kn["conflict_groups"] and kn["conflict_status"] in ("infeasible", "partial")
    assert any("deadline" in g.lower() for g in kn["conflict_groups"])


def check_04(kn: dict, probe: dict) -> None:
    """Checker, cost parts add up, VSS >= 0, EEV >= RP, capacity values >= 0."""
    assert kn["status"] == "optimal"
    assert kn["violations"] == 0 and probe["violations"] == 0
    assert probe["design_violations"] == 0
    assert sum(kn["costs_eur"].values()) == pytest.approx(kn["objective_eur"], rel=1e-6)
    assert kn["RP"] == pytest.approx(kn["objective_eur"], rel=1e-9)
    tol = 1e-6 * abs(kn["RP"])
    assert kn["VSS"] >= -tol and kn["EEV"] >= kn["RP"] - tol
    assert kn["VSS"] == pytest.approx(kn["EEV"] - kn["RP"])
    assert all(v >= -1e-9 for v in kn["hour_value_eur"].values())
    opened = kn["dcs_open"].values()
    assert all(min(abs(v), abs(v - 1)) < 1e-6 for v in opened) and sum(opened) >= 1
    assert 0.0 <= kn["design_gap"] <= 1.0
    assert kn["conflict_groups"]
    assert kn["safety_stock_min"] >= 0


def check_05(kn: dict, probe: dict) -> None:
    """Batch complete and resumable; deltas = paired means of the stored samples."""
    assert kn["failed"] == 0 and kn["computed"] == kn["scenarios"]
    assert kn["again_computed"] == 0 and kn["again_skipped"] == kn["scenarios"]
    assert kn["base_cost_eur"] > 0
    deltas = kn["cost_delta_eur"]
    assert set(deltas) == set(probe["paired_delta"])
    for name, delta in deltas.items():
        assert delta == pytest.approx(probe["paired_delta"][name], rel=1e-6, abs=1e-6)
        lo, hi = kn["cost_ci_eur"][name]
        assert lo <= delta <= hi
        assert kn["n_pairs"][name] == probe["samples"][name] == probe["eval_worlds"]
    assert deltas[kn["worst_scenario"]] == max(deltas.values())
    # supplier S2's delay: never significantly cheaper than the base on paired worlds, and
    # the longest delay of the sweep costs more than the shortest, significantly above zero
    days = kn["s2_delay_days"]
    assert len(days) == 4 and all(0 <= d <= 28 for d in days.values())
    assert all(kn["cost_ci_eur"][n][1] >= 0 for n in days)
    longest, shortest = max(days, key=days.get), min(days, key=days.get)
    assert deltas[longest] > deltas[shortest] and kn["cost_ci_eur"][longest][0] > 0


def check_06(kn: dict, probe: dict) -> None:
    """Grounded explanation, planted number caught, what-if and how-to answered."""
    assert kn["schedule_violations"] == 0
    assert kn["explanation_status"] and kn["removed"] >= 0
    assert any("12.5" in t for t in kn["planted_caught"]) and kn["kept_is_original"]
    assert kn["answer_kind"] == "what_if" and kn["comparison"]
    rows = {row["kpi"]: row for row in kn["comparison"]}
    for row in rows.values():
        assert row["delta"] == pytest.approx(row["value"] - row["base"], abs=1e-6)
        if not (math.isnan(row["ci_low"]) or math.isnan(row["ci_high"])):
            assert row["ci_low"] - 1e-9 <= row["delta"] <= row["ci_high"] + 1e-9
    # the KPIs the conclusions call significant are those whose interval excludes zero
    assert kn["significant"] == sorted(k for k, r in rows.items()
                                       if r["ci_low"] > 0 or r["ci_high"] < 0)
    # a supplier two weeks late costs at least the base, paired by world
    assert rows["supply cost"]["delta"] >= 0 and "supply cost" in kn["significant"]
    assert kn["how_kind"] == "how_why" and kn["how_sources"]
    docs = ROOT / "data" / "docs"
    for src in kn["how_sources"]:
        assert (docs / src.split(":", 1)[0]).exists(), src
    assert kn["report_has_question"]


CHECKS: dict[str, Callable[[dict, dict], None]] = {
    "01_plant_and_data_quality": check_01,
    "02_calibration_and_forecasting": check_02,
    "03_scheduling": check_03,
    "04_supply_chain": check_04,
    "05_whatif_batches": check_05,
    "06_explanations_and_reports": check_06,
}


# ----------------------------------------------------------------------------- tests


def test_notebooks_are_there_and_stripped():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: outputs must be stripped before committing")


def test_every_notebook_ends_with_conclusions():
    assert {p.stem for p in NOTEBOOKS} == set(CHECKS) == set(PROBES)
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert "## Conclusions" in book.cells[-2].source, path.name
        assert "key_numbers" in book.cells[-1].source, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path):
    book, key_numbers, probe = _run(path)
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    # every notebook shows something: at least one table or figure
    rich = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type in ("execute_result", "display_data")]
    assert rich, f"{path.name} displayed nothing"
    # the conclusions print their figures
    printed = "".join(o.get("text", "") for o in book.cells[-3].outputs)
    assert printed.count("\n- ") + printed.startswith("- ") >= 3, printed
    nbformat.write(book, tmp_path / path.name)  # the executed copy, for inspection
    (tmp_path / "key_numbers.json").write_text(json.dumps(
        {"key_numbers": key_numbers, "probe": probe}, indent=1))
    CHECKS[path.stem](key_numbers, probe)
