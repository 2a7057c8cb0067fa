"""Asking the twin (what-if and how/why, with the real default model) and the weekly report
(HTML and PDF, AI sections labelled, model named in the metadata)."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest

from twinbench.data.plant import load_plant
from twinbench.llm import ask
from twinbench.llm.facts import fact_sheet
from twinbench.llm.grounding import check_text
from twinbench.llm.report import model_identity, weekly_report
from twinbench.optimize.schedule import solve_schedule
from twinbench.pipeline.week import replay_plan, week_problem
from twinbench.scenarios.runner import RunSettings, prepare_context


@pytest.fixture(scope="module")
def ctx():
    return prepare_context(settings=RunSettings(weeks=6, train_worlds=3,
                                                eval_worlds=8, schedule_time_limit=5))


def test_whatif_question_runs_the_scenario_and_explains_it(ctx):
    a = ask("what if supplier S2 is two weeks late?", ctx)
    assert a.kind == "what_if" and a.parsed.ok
    assert a.parsed.edits[0].kind == "supplier_delay"
    assert a.parsed.edits[0].supplier == "S2" and a.parsed.edits[0].delay == 336.0
    assert set(a.comparison["scenario"]) == {"question"}
    assert "supply cost" in set(a.comparison["kpi"])
    assert check_text(a.explanation.text, a.explanation.sheet).ok
    # the computed facts always accompany the prose
    assert a.explanation.template in a.text


def test_howwhy_question_cites_the_documents(ctx):
    a = ask("how do I change the laser nozzle?", ctx)
    assert a.kind == "how_why"
    assert a.sources and a.sources[0].startswith("SOP-LASER-nozzle.md:")
    assert "From SOP-LASER-nozzle.md:" in a.text
    assert check_text(a.explanation.text, a.explanation.sheet).ok


def test_vague_question_is_rejected_with_a_reason(ctx):
    a = ask("make everything better", ctx)
    assert a.kind == "rejected" and a.explanation is None
    assert "what if supplier S2 is two weeks late?" in a.text


def test_schedule_facts_and_explanation():
    plant = load_plant()
    s = solve_schedule(week_problem(plant), "balanced", time_limit=10)
    on_time, _ = replay_plan(plant, s, replications=5)
    sheet = fact_sheet(s, plant.spec, on_time=on_time)
    names = {f.name for f in sheet.facts}
    assert {"makespan", "energy cost", "mean on-time probability in the twin"} <= names
    mk = next(f for f in sheet.facts if f.name == "makespan")
    assert mk.value == pytest.approx(s.kpis["makespan"])


def test_weekly_report_html_and_pdf(tmp_path):
    """From a results folder shaped like the demo's (built here from real runs)."""
    plant = load_plant()
    res = tmp_path / "results"
    res.mkdir()
    s = solve_schedule(week_problem(plant), "balanced", time_limit=10)
    on_time, sim = replay_plan(plant, s, replications=5)
    pd.DataFrame({"kpi": list(s.kpis), "value": list(s.kpis.values())}).to_csv(
        res / "schedule_kpis.csv", index=False)
    on_time.to_csv(res / "schedule_on_time.csv", index=False)
    s.table.to_csv(res / "schedule.csv", index=False)
    sim.summary().to_csv(res / "simulation_kpis.csv", index=False)
    pd.DataFrame({"scenario": ["s2-late", "s2-late"], "kpi": ["supply cost", "flow time"],
                  "unit": ["EUR", "h"], "base": [1000.0, 20.0], "value": [1100.0, 21.0],
                  "delta": [100.0, 1.0], "ci_low": [50.0, 0.5], "ci_high": [150.0, 1.5],
                  "rank": [1, 1]}).to_csv(res / "scenario_comparison.csv", index=False)
    (res / "run.json").write_text('{"seed": 7, "started": "2026-01-05T06:00:00"}')
    html_path, pdf_path = weekly_report(res, tmp_path / "out", spec=plant.spec)
    html = html_path.read_text()
    ident = model_identity()
    assert f"content='{ident['model']}'" in html and ident["model_sha256"] in html
    assert len(ident["model_sha256"]) == 64
    text = unescape(re.sub("<[^>]+>", " ", html))
    assert "AI-generated" in text or "Computed (template)" in text
    assert "Schedule KPIs" in text and "What-if scenarios against the base" in text
    # plant words in the tables: names with units, thousands separators, no 1.038e+04
    assert "Energy cost [EUR]" in text and "Setup time [h]" in text
    assert not re.search(r"\b(weighted_tardiness|setup_hours|p_on_time|ci_low)\b", text)
    assert not re.search(r"\d\.\d+e[+-]\d", text)
    assert html.count("<script") >= 1 and not re.search(r"<script[^>]*\bsrc=", html)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF") and ident["model"].encode() in pdf
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "weekly_report.html", "weekly_report.pdf"]
    with pytest.raises(FileNotFoundError, match="twinbench demo --out"):
        weekly_report(tmp_path / "nowhere")
