"""Question understanding on the question set (tests/llm/question_set/): exact / refused /
silently wrong for the rules parser, the model and ``auto`` (rules, the model as a fallback
under the same consumption rule), on the dev and the test split.

Run: ``.venv/bin/python benchmarks/bench_questions.py [--methods rules,llm,auto]
[--splits dev,test,dev2,test2,test3] [--model-every K]``. The model takes about a second or two per
question on two cores; ``--model-every K`` gives it every K-th question of a split (the
rules and auto lines always use the whole split; auto calls the model only for questions
the rules read as no what-if at all). Only counts are printed for the test splits; with
``--show-dev`` the dev splits' questions that were not exact are listed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from twinbench.llm.questions.score import load_set, score_set

SET = Path(__file__).resolve().parents[1] / "tests" / "llm" / "question_set"
#: the splits: dev* are tuned on, test* only scored (question_set/README.md)
SPLITS = ("dev", "test", "dev2", "test2", "test3", "dev3", "dev4", "dev5", "test4", "dev6",
          "test5")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--methods", default="rules,llm,auto",
                    help="comma-separated parsers: rules, llm, auto (default all three)")
    ap.add_argument("--splits", default=",".join(SPLITS),
                    help=f"comma-separated, of {', '.join(SPLITS)} (default all)")
    ap.add_argument("--model-every", type=int, default=1,
                    help="give the model (llm) every K-th question only (default 1: all)")
    ap.add_argument("--show-dev", action="store_true",
                    help="list the dev questions that were not exact")
    args = ap.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    bad = [m for m in methods if m not in ("rules", "llm", "auto")] + [
        s for s in splits if s not in SPLITS]
    if bad or args.model_every < 1:
        ap.error(f"unknown method/split {bad} (expected rules, llm, auto / a split) or "
                 f"--model-every {args.model_every} below 1")

    from twinbench.data.plant import load_plant
    from twinbench.llm.questions import parse_question
    from twinbench.optimize.supply import load_network

    plant = load_plant()
    net = load_network(plant.root / "network.yaml", plant.spec)
    ids = set(plant.orders["order_id"])
    engine = None
    if any(m != "rules" for m in methods):
        from twinbench.llm.engine import default_model_path, get_engine

        engine = get_engine()
        print(f"model: {default_model_path().name}")
    print(f"question set: {SET}")
    for split in splits:
        if not (SET / f"{split}.yaml").exists():
            print(f"{split:>5s}: {split}.yaml is not there (the split is written apart from "
                  "the parser and added when complete); skipped")
            continue
        qs = load_set(SET / f"{split}.yaml")
        for method in methods:
            sub = qs[::args.model_every] if method == "llm" else qs

            def parse(q: str, method: str = method):
                return parse_question(q, plant.spec, method=method, engine=engine,
                                      network=net, order_ids=ids)
            s = score_set(sub, parse, ids, method, split)
            note = f" (every {args.model_every}th question)" if len(sub) < len(qs) else ""
            print(s.line() + note, flush=True)
            if args.show_dev and split.startswith("dev"):
                for o in s.outcomes:
                    if o.verdict != "exact":
                        print(f"    [{o.verdict}] {o.question!r}: {o.error or o.got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
