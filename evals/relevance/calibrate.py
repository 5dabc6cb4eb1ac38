"""Choose the relevance model's weight and abstention threshold, and which named answerability
rules stay, on the dev questions only.

    .venv/bin/python evals/relevance/calibrate.py      # ~15 minutes on 2 cores

Every (rules, weight, threshold) in the grid answers all of evals/dev_questions.jsonl once. The
rule sets drop the question-pattern rules the model may make redundant (answerability.RULES:
`focus`, then `detail` too). The choice maximises facts-complete + refused-F1 (both must hold:
answering everything or nothing scores badly on one); ties go to fewer rules, then the smaller
weight and threshold. The frozen holdout is never read
here; it is measured afterwards with `assistant eval --set evals/holdout_questions.jsonl`.
Writes evals/reports/relevance-calibration.md.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from assistant.answer.answerability import parse_rules
from assistant.assistant import Assistant
from assistant.evaluate.runner import evaluate, load_questions
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "evals" / "dev_questions.jsonl"
REPORT = ROOT / "evals" / "reports" / "relevance-calibration.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "evals" / "relevance" / "model",
                        help="the relevance model's folder (evals/judge/train.py --task relevance)")
    parser.add_argument("--rule-sets", default="declines,scope,detail,focus;declines,scope,detail;declines,scope",
                        help="rule sets to try, ';' between sets")
    parser.add_argument("--weights", default="0.5,1,2")
    parser.add_argument("--thresholds", default="0,0.1,0.2,0.3,0.4,0.5")
    args = parser.parse_args()
    settings = Settings.load()
    settings = replace(settings, answer=replace(settings.answer, relevance=str(args.model)))
    assistant = Assistant.from_settings(settings)
    questions = load_questions(DEV)
    rows = []
    for rules in args.rule_sets.split(";"):
        assistant.extractive.rules = parse_rules(rules)
        for weight in [float(w) for w in args.weights.split(",")]:
            for threshold in [float(t) for t in args.thresholds.split(",")]:
                assistant.extractive.relevance_weight = weight
                assistant.extractive.relevance_abstain_below = threshold
                started = time.perf_counter()
                overall = evaluate(assistant, questions).overall
                rows.append((rules, weight, threshold, overall["facts_complete"], overall["refused_f1"],
                             overall["f1_gr"], overall["latency_p50_ms"], overall["latency_p95_ms"]))
                print(f"{rules} weight {weight} threshold {threshold}: facts {overall['facts_complete']:.3f} "
                      f"refused_f1 {overall['refused_f1']:.3f} ({time.perf_counter() - started:.0f} s)", flush=True)
    best = max(rows, key=lambda r: (round(r[3] + r[4], 4), -len(r[0].split(",")), -r[1], -r[2]))
    lines = ["# Relevance model: rules, weight and abstention threshold, chosen on dev", "",
             f"Dev questions only ({DEV.relative_to(ROOT)}, {len(questions)}). Chosen: rules **{best[0]}**, "
             f"weight **{best[1]}**, threshold **{best[2]}** (highest facts_complete + refused_f1). The holdout "
             "is measured afterwards, with the chosen values, in the eval reports."
             + (" A weight and threshold of 0 mean the model changes nothing: it did not earn its place."
                if best[1] == 0 and best[2] == 0 else ""), "",
             "| rules | weight | threshold | facts_complete | refused_f1 | f1_gr | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {rules} | {w} | {t} | {f:.3f} | {r:.3f} | {g:.3f} | {p50:.0f} | {p95:.0f} |"
              for rules, w, t, f, r, g, p50, p95 in rows]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"chosen rules {best[0]} weight {best[1]} threshold {best[2]}; report {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
