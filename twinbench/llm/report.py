"""The weekly report: KPI tables, figures, the plan, risks and checked explanations, as
HTML and PDF.

:func:`weekly_report` reads a results folder written by ``twinbench demo`` (run record,
schedule, its replay in the twin, simulation KPIs, scenario comparison), asks the local
model to explain the schedule, the week in the twin and the what-if scenarios from their
fact sheets (checked by :mod:`twinbench.llm.grounding`; the template when the model fails),
and writes ``weekly_report.html`` (self-contained, plotly inlined) and
``weekly_report.pdf`` (matplotlib). Every AI-written section carries a visible
"AI-generated" label; the metadata of both files names the model file and its SHA-256.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from twinbench.llm.explain import Explanation, explain
from twinbench.llm.facts import FactSheet
from twinbench.viz.words import kpi_label, people_table

__all__ = ["answer_report", "chat_markdown", "escape_html", "escape_markdown", "escape_mpl",
           "model_identity", "report_explanations", "weekly_report"]

NEEDED = ("run.json", "schedule_kpis.csv", "schedule_on_time.csv", "schedule.csv",
          "simulation_kpis.csv", "scenario_comparison.csv")


# ----------------------------------------------------------------------------- escaping
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~^$])")


def escape_html(text: object) -> str:
    """``text`` safe inside HTML (and plotly labels, which read a subset of HTML)."""
    return html.escape(str(text), quote=True)


def escape_markdown(text: object) -> str:
    """``text`` shown literally by a Markdown renderer (Panel's Markdown pane, the chat):
    HTML escaped, every Markdown character backslash-escaped, line breaks kept.

    >>> print(escape_markdown("**bold** <script>x</script> [a](b)"))
    \\*\\*bold\\*\\* &lt;script&gt;x&lt;/script&gt; \\[a\\]\\(b\\)
    """
    out = html.escape(str(text), quote=False)
    return "  \n".join(_MD_SPECIAL.sub(r"\\\1", line) for line in out.splitlines())


def escape_mpl(text: object) -> str:
    """``text`` shown literally by matplotlib (no mathtext from ``$...$``)."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def chat_markdown(answer: Any) -> str:
    """An answer of "ask the twin" as Markdown for a chat: every piece from documents, data
    or the model escaped; each sentence with who wrote it; sources; quoted passages.

    A dashboard shows this (``pn.chat.ChatInterface`` renders Markdown) instead of
    ``str(answer)``.
    """
    ex = getattr(answer, "explanation", None)
    lines = []
    if ex is not None and ex.parts:
        for p in ex.parts:
            who = "AI-generated, checked" if p.source == "model" else "template"
            lines.append(f"{escape_markdown(p.text)} *({who})*")
        lines.append(f"*{escape_markdown(ex.label())}*")
        if getattr(answer, "kind", "") == "what_if" and ex.ai_generated:
            lines.append("**Computed:** " + escape_markdown(ex.template))
    else:
        lines.append(escape_markdown(getattr(answer, "text", str(answer))))
    sources = getattr(answer, "sources", None) or []
    if sources:
        lines.append("Sources: " + ", ".join(escape_markdown(s) for s in sources))
    for q in (ex.quotes if ex is not None else []):
        lines.append("\n".join("> " + escape_markdown(x) for x in q.splitlines()))
    return "\n\n".join(lines)


def model_identity(config: Any = None) -> dict[str, str]:
    """Name and SHA-256 of the model file that writes the prose ("none" when unavailable)."""
    from twinbench.llm.engine import LLMConfig, LLMUnavailable

    try:
        path = (config or LLMConfig()).resolved_path()
    except LLMUnavailable as err:
        return {"model": "none (template text only)", "model_sha256": "", "why": str(err)}
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"model": path.name, "model_sha256": h.hexdigest()}


def _schedule_sheet(kpis: pd.DataFrame, on_time: pd.DataFrame) -> FactSheet:
    k = dict(zip(kpis["kpi"], kpis["value"], strict=True))
    sheet = FactSheet("schedule", f"production schedule of {len(on_time)} orders")
    sheet.vocabulary |= set(map(str, on_time["order"]))
    sheet.add("makespan", k["makespan"], "h")
    sheet.add("orders late in the plan", k["tardy_jobs"], "")
    sheet.add("setup time", k["setup_hours"], "h", role="driver")
    sheet.add("energy cost", k["energy_cost"], "EUR", role="driver")
    sheet.add("mean on-time probability in the twin", on_time["p_on_time"].mean(), "1")
    if "p_on_time_edd" in on_time:
        sheet.add("mean on-time probability with EDD dispatching",
                  on_time["p_on_time_edd"].mean(), "1")
    risky = on_time[on_time["p_on_time"] < 0.9].sort_values("p_on_time").head(4)
    for r in risky.itertuples(index=False):
        sheet.add(f"on-time probability of order {r.order}", r.p_on_time, "1",
                  entities=[str(r.order)], role="risk")
    if len(risky):
        o = str(risky["order"].iloc[0])
        sheet.add("recommended action", f"expedite order {o}", entities=[o], role="action")
    return sheet


def _simulation_sheet(kpis: pd.DataFrame) -> FactSheet:
    line = kpis[kpis["station"].isna() | (kpis["station"] == "")].set_index("kpi")
    sheet = FactSheet("simulation", "the week replayed in the twin")
    for kpi, name in (("throughput", "throughput"), ("oee", "OEE"), ("flow_time", "flow time"),
                      ("energy_cost", "energy cost")):
        if kpi in line.index:
            r = line.loc[kpi]
            sheet.add(f"mean {name}", r["mean"], r["unit"])
            sheet.add(f"{name} 95% interval from", r["ci_low"], r["unit"])
            sheet.add(f"{name} 95% interval to", r["ci_high"], r["unit"])
    st = kpis[kpis["kpi"] == "utilization"].dropna(subset=["station"])
    if len(st):
        top = st.sort_values("mean", ascending=False).iloc[0]
        sheet.add("most utilised station", str(top["station"]), entities=[str(top["station"])],
                  role="bottleneck")
        sheet.add(f"utilisation of {top['station']}", top["mean"], "1",
                  entities=[str(top["station"])], role="bottleneck")
    return sheet


def report_explanations(results: str | Path, spec: Any = None, use_llm: bool = True,
                        config: Any = None) -> dict[str, Explanation]:
    """Checked explanations of the schedule, the simulated week and the scenarios."""
    d = Path(results)
    sched = _schedule_sheet(pd.read_csv(d / "schedule_kpis.csv"),
                            pd.read_csv(d / "schedule_on_time.csv"))
    sim = _simulation_sheet(pd.read_csv(d / "simulation_kpis.csv"))
    comp = pd.read_csv(d / "scenario_comparison.csv")
    out = {}
    for name, obj in (("schedule", sched), ("simulation", sim), ("scenarios", comp)):
        out[name] = explain(obj, spec, use_llm=use_llm, config=config)
    return out


def _check(results: Path) -> None:
    missing = [n for n in NEEDED if not (results / n).exists()]
    if missing:
        raise FileNotFoundError(f"{str(results)!r} lacks {missing!r}: point at a folder "
                                "written by `twinbench demo --out DIR`")


def weekly_report(results: str | Path, out: str | Path | None = None, spec: Any = None,
                  use_llm: bool = True, config: Any = None) -> tuple[Path, Path]:
    """Write ``weekly_report.html`` and ``weekly_report.pdf`` for a results folder.

    Parameters
    ----------
    results
        A folder written by ``twinbench demo``.
    out
        Where to write (default: ``results``). The report writes nothing else.
    spec
        The line (names for the grounding check; default: none beyond the results').
    use_llm, config
        Whether the local model writes the explanations, and which model.

    Returns
    -------
    The HTML and PDF paths.
    """
    from twinbench.viz.report import HtmlReport

    d = Path(results)
    _check(d)
    out = Path(out) if out is not None else d
    out.mkdir(parents=True, exist_ok=True)
    run = json.loads((d / "run.json").read_text())
    ident = model_identity(config) if use_llm else {"model": "none (template text only)",
                                                    "model_sha256": ""}
    expl = report_explanations(d, spec, use_llm, config)
    sk = pd.read_csv(d / "schedule_kpis.csv")
    ot = pd.read_csv(d / "schedule_on_time.csv")
    plan = pd.read_csv(d / "schedule.csv")
    sim = pd.read_csv(d / "simulation_kpis.csv")
    comp = pd.read_csv(d / "scenario_comparison.csv")
    line = sim[sim["station"].isna() | (sim["station"] == "")][["kpi", "unit", "mean",
                                                                "ci_low", "ci_high"]]
    risky = ot.sort_values("p_on_time").head(10)
    meta = {"run started": run.get("started", ""), "seed": str(run.get("seed", "")),
            "model": ident["model"], "model sha256": ident["model_sha256"]}
    title = "Weekly report"
    rep = HtmlReport(title, meta=meta)
    sections = [("The week's schedule", "schedule"), ("The week in the twin", "simulation"),
                ("What-if scenarios", "scenarios")]
    rep.heading("Summary")
    for head, key in sections:
        e = expl[key]
        rep.text(head, label=e.label() if e.ai_generated else "Computed (template)")
        for p in e.parts or [None]:
            if p is None:
                rep.text(e.text)
            else:
                rep.text(p.text, label="AI-generated, checked" if p.source == "model"
                         else "Computed (template)")
    cols = [c for c in ("job", "step", "station", "machine", "start_time", "end_time",
                        "setup") if c in plan]
    sk, line, risky = people_table(sk), people_table(line), people_table(risky)
    plan_t = people_table(plan[cols].head(40))
    rep.heading("Schedule KPIs")
    rep.table(sk)
    rep.heading("Risks: orders least likely on time (plan replayed in the twin)")
    rep.table(risky)
    rep.figure(_on_time_plotly(ot))
    rep.heading("The week in the twin: line KPIs with 95% intervals")
    rep.table(line)
    rep.heading("What-if scenarios against the base (90% intervals)")
    rep.table(people_table(comp[["scenario", "kpi", "unit", "delta", "ci_low", "ci_high",
                                 "rank"]]))
    rep.figure(_scenario_plotly(comp))
    rep.heading("The plan (first 40 operations)")
    rep.table(plan_t)
    html_path = rep.write(out / "weekly_report.html")
    pdf_path = _pdf(out / "weekly_report.pdf", title, meta, expl, sections, sk, line, risky,
                    ot, comp, plan_t)
    return html_path, pdf_path


def _on_time_plotly(ot: pd.DataFrame):
    from twinbench.viz.schedule import on_time_figure

    return on_time_figure(ot)


def _scenario_plotly(comp: pd.DataFrame):
    import plotly.graph_objects as go

    c = comp[comp["kpi"] == comp["kpi"].iloc[0]]
    fig = go.Figure(go.Bar(x=c["delta"], y=[escape_html(v) for v in c["scenario"]],
                           orientation="h",
                           error_x={"type": "data", "symmetric": False,
                                    "array": c["ci_high"] - c["delta"],
                                    "arrayminus": c["delta"] - c["ci_low"]}))
    fig.update_layout(title="Change of " + escape_html(kpi_label(str(c["kpi"].iloc[0]),
                                                                str(c["unit"].iloc[0])))
                      + " with 90% interval", xaxis={"tickformat": ",.0f"},
                      height=320, margin={"l": 160, "r": 20, "t": 50, "b": 40})
    return fig


def _pdf(path: Path, title: str, meta: dict[str, str], expl: dict[str, Explanation],
         sections, sk, line, risky, ot, comp, plan) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.ticker import FuncFormatter

    def page():
        fig = plt.figure(figsize=(8.27, 11.69))  # A4 portrait [in]
        return fig

    def table(ax, df: pd.DataFrame, rows: int = 25) -> None:
        ax.axis("off")  # df: already in plant words (people_table)
        d = df.head(rows)
        cells = d.astype(str).map(escape_mpl).to_numpy()
        t = ax.table(cellText=cells, colLabels=[escape_mpl(c) for c in d.columns],
                     loc="upper center", cellLoc="left")
        t.auto_set_font_size(False)
        t.set_fontsize(6.5)

    pdf_meta = {"Title": title, "Author": "twinbench",
                "Subject": "AI-generated sections written by " + meta["model"],
                "Keywords": f"model={meta['model']}; sha256={meta['model sha256']}; "
                            f"seed={meta['seed']}",
                "Creator": "twinbench report"}
    with PdfPages(path, metadata=pdf_meta) as pdf:
        fig = page()
        y = 0.95
        fig.text(0.06, y, title, fontsize=18, weight="bold")
        y -= 0.03
        for k, v in meta.items():
            fig.text(0.06, y, escape_mpl(f"{k}: {v}"), fontsize=7, color="#555")
            y -= 0.018
        for head, key in sections:
            e = expl[key]
            y -= 0.015
            fig.text(0.06, y, head, fontsize=11, weight="bold")
            y -= 0.02
            label = e.label() if e.ai_generated else "Computed (template)"
            fig.text(0.06, y, escape_mpl(label), fontsize=7, color="#92400e",
                     bbox={"facecolor": "#fde68a", "edgecolor": "none", "pad": 1.5})
            y -= 0.022
            for ln in textwrap.wrap(e.text, 105)[:14]:
                fig.text(0.06, y, escape_mpl(ln), fontsize=8)
                y -= 0.016
        pdf.savefig(fig)
        plt.close(fig)
        fig = page()
        fig.text(0.06, 0.96, "Schedule KPIs and line KPIs in the twin", fontsize=12,
                 weight="bold")
        table(fig.add_axes([0.05, 0.62, 0.9, 0.32]), sk)
        table(fig.add_axes([0.05, 0.25, 0.9, 0.35]), line)
        pdf.savefig(fig)
        plt.close(fig)
        fig = page()
        ax = fig.add_axes([0.2, 0.55, 0.72, 0.38])
        d = ot.sort_values("p_on_time").head(25)
        ax.barh(d["order"].astype(str).map(escape_mpl), d["p_on_time"],
                color=["#d62728" if v < 0.9 else "#2ca02c" for v in d["p_on_time"]])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f} %"))
        ax.set_title("Chance on time per order (plan replayed in the twin)", fontsize=9)
        ax.tick_params(labelsize=6)
        c = comp[comp["kpi"] == comp["kpi"].iloc[0]]
        ax2 = fig.add_axes([0.3, 0.1, 0.62, 0.35])
        ax2.barh(c["scenario"].astype(str).map(escape_mpl), c["delta"],
                 xerr=[c["delta"] - c["ci_low"], c["ci_high"] - c["delta"]])
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax2.set_title(escape_mpl("Change of " + kpi_label(str(c["kpi"].iloc[0]),
                                                          str(c["unit"].iloc[0]))
                                 + ", 90% interval"), fontsize=9)
        ax2.tick_params(labelsize=6)
        pdf.savefig(fig)
        plt.close(fig)
        fig = page()
        fig.text(0.06, 0.96, "Risks and the plan", fontsize=12, weight="bold")
        table(fig.add_axes([0.05, 0.70, 0.9, 0.24]), risky, rows=10)
        table(fig.add_axes([0.05, 0.05, 0.9, 0.62]), plan, rows=40)
        pdf.savefig(fig)
        plt.close(fig)
    return path


def answer_report(answer: Any) -> str:
    """One answer of "ask the twin" as a self-contained HTML report: the question, the
    checked text with its label, the edits, the comparison and the sources."""
    from twinbench.viz.report import HtmlReport

    ex = answer.explanation
    ident = model_identity() if ex is not None and ex.ai_generated else {
        "model": "none (template text only)", "model_sha256": ""}
    rep = HtmlReport("Ask the twin", meta={"question": answer.question, "model": ident["model"],
                                           "model sha256": ident["model_sha256"]})
    rep.heading(answer.question)
    label = (ex.label() if ex is not None and ex.ai_generated else "Computed (template)")
    rep.text(answer.text, label=label)
    if answer.parsed is not None and answer.parsed.ok:
        rep.table(pd.DataFrame([e.model_dump() for e in answer.parsed.edits]),
                  caption="The question as scenario edits")
    if answer.comparison is not None:
        cols = ["kpi", "unit", "base", "value", "delta", "ci_low", "ci_high"]
        rep.table(answer.comparison[cols].round(3), caption="Against the base (90% intervals)")
    if answer.sources:
        rep.text("Sources: " + ", ".join(answer.sources))
    return rep.render()
