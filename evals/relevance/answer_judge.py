"""Choose the answer judge's threshold (answer.answer_judge_above) on dev; report the holdout beside it.

    .venv/bin/python evals/relevance/answer_judge.py      # ~5 minutes on 2 cores

The judge is asked only when the detail and focus rules decline an extractive answer, and a
P(yes) at or above the threshold overrules them. Every dev and holdout question, English and
multilingual, is answered three times: without the judge (the shipped default, and the latency
baseline); with it never overruling (which records its P(yes) on each decline); and with it
always overruling (the answer a person would get instead). A threshold t then takes the third
answer where P(yes) >= t and the second elsewhere, so the whole sweep comes from those runs. The
threshold chosen maximises facts-complete + refused-F1 on the dev questions pooled (English and
multilingual); ties go to the higher threshold (fewer overrules). The holdout is reported, never
used to choose. Writes evals/reports/answer-judge.md (--name), and answer-judge.json with every
question's outcomes and P(yes).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from assistant.answer.answer_judge import AnswerJudge
from assistant.assistant import Assistant
from assistant.evaluate import metrics
from assistant.evaluate.runner import QuestionResult, evaluate, load_questions, summarize, summarize_by
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SETS = {"dev": ["dev_questions.jsonl", "dev_multilingual.jsonl"],
        "holdout": ["holdout_questions.jsonl", "holdout_multilingual.jsonl"]}
REPORTS = ROOT / "evals" / "reports"
THRESHOLDS = [round(0.05 * i, 2) for i in range(21)]
NEVER, ALWAYS = 1.01, 0.0  # thresholds at which the judge overrules nothing, and everything


class TimedJudge:
    """The judge, timed per call; a prompt read before (the same decline in another run) is
    answered from memory, so the three runs cost one call per distinct decline."""

    def __init__(self, judge: AnswerJudge) -> None:
        self.name = judge.name
        self.judge = judge
        self.seconds: list[float] = []
        self.memory: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def probability(self, question: str, sentences: Sequence[tuple[str, str]]) -> float:
        key = (question, tuple(sentences))
        if key not in self.memory:
            started = time.perf_counter()
            self.memory[key] = self.judge.probability(question, sentences)
            self.seconds.append(time.perf_counter() - started)
        return self.memory[key]


def answered_at(kept: list[QuestionResult], overruled: list[QuestionResult], threshold: float) -> list[QuestionResult]:
    """What each question gets at `threshold`: the overruled answer where the judge's P(yes) on the
    decline reaches it, the kept decline (or the answer the rules let through) elsewhere."""
    return [o if k.answerability is not None and k.answerability >= threshold else k
            for k, o in zip(kept, overruled, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="packaged GGUF or .gguf path")
    parser.add_argument("--sentences", type=int, default=1, help="leading answer sentences the judge reads")
    parser.add_argument("--name", default="answer-judge", help="report name in evals/reports/")
    args = parser.parse_args()
    settings = Settings.load()
    settings = replace(settings, answer=replace(settings.answer, answer_judge=args.model,
                                                answer_judge_sentences=args.sentences))
    assistant = Assistant.from_settings(settings)
    assert assistant.extractive.answer_judge is not None
    judge = TimedJudge(assistant.extractive.answer_judge)
    runs: dict[tuple[str, str], list[QuestionResult]] = {}
    for label, answer_judge, threshold in (("off", None, NEVER), ("kept", judge, NEVER), ("overruled", judge, ALWAYS)):
        assistant.extractive.answer_judge = answer_judge
        assistant.extractive.answer_judge_above = threshold
        for split, files in SETS.items():
            runs[(label, split)] = [r for name in files for r in
                                    evaluate(assistant, load_questions(ROOT / "evals" / name), progress=True).questions]
    for split in SETS:  # a judge that overrules nothing changes nothing
        assert [r.abstained for r in runs[("off", split)]] == [r.abstained for r in runs[("kept", split)]]
    sweep = {split: {t: answered_at(runs[("kept", split)], runs[("overruled", split)], t) for t in THRESHOLDS}
             for split in SETS}

    def score(results: list[QuestionResult]) -> tuple[float, float]:
        summary = summarize(results)
        return summary["facts_complete"], summary["refused_f1"]

    chosen = max(THRESHOLDS, key=lambda t: (round(sum(score(sweep["dev"][t])), 4), t))
    print(f"chosen on dev: {chosen}")
    report_path = REPORTS / f"{args.name}.md"
    report_path.write_text(report(args, runs, sweep, chosen, judge.seconds, score), encoding="utf-8")
    report_path.with_suffix(".json").write_text(json.dumps({f"{label}|{split}": [
        {"id": r.id, "language": r.language, "answerable": r.answerable, "abstained": r.abstained,
         "fact_recall": r.fact_recall, "answerability": r.answerability} for r in results]
        for (label, split), results in runs.items()}, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {report_path.relative_to(ROOT)} and its .json")
    return 0


def report(args: argparse.Namespace, runs: dict[tuple[str, str], list[QuestionResult]],
           sweep: dict[str, dict[float, list[QuestionResult]]], chosen: float, seconds: list[float],
           score: Callable[[list[QuestionResult]], tuple[float, float]]) -> str:
    asked = {split: sum(r.answerability is not None for r in runs[("kept", split)]) for split in SETS}
    lines = ["# LLM answer judge: a second opinion on the rules' declines, threshold chosen on dev", "",
             f"Judge: `{args.model}` reading the question and the first {args.sentences} answer sentences with "
             "their titles (prompts/answer_judge.txt), asked only when the detail and focus rules decline an "
             "answer; at or above the threshold its yes overrules them. Produced by "
             "`evals/relevance/answer_judge.py`; the threshold maximises facts-complete + refused-F1 on the dev "
             "questions pooled (English and multilingual), and the holdout columns were not used to choose.", "",
             f"Chosen: **{chosen}** (`answer.answer_judge_above`).", "",
             "Cost: the judge was asked on " + ", ".join(f"{asked[s]} of {len(runs[('kept', s)])} {s} questions"
                                                        for s in SETS)
             + (f"; {len(seconds)} calls, p50 {metrics.percentile(seconds, 50):.2f} s, "
                f"p95 {metrics.percentile(seconds, 95):.2f} s a call on 2 cores." if seconds else "."), "",
             "| split | ask p50 / p95 ms, judge off | judge on |", "|---|---|---|"]
    for split in SETS:
        off, on = summarize(runs[("off", split)]), summarize(runs[("kept", split)])
        lines.append(f"| {split} | {off['latency_p50_ms']:.0f} / {off['latency_p95_ms']:.0f} | "
                     f"{on['latency_p50_ms']:.0f} / {on['latency_p95_ms']:.0f} |")
    lines += ["", "## Facts-complete / refused-F1 by language", "",
              "| judge | split | " + " | ".join(("en", "es", "pt", "ht")) + " | all |", "|---" * 7 + "|"]
    for label, pick in (("off (default)", lambda s: runs[("off", s)]), (f"on, {chosen}", lambda s: sweep[s][chosen])):
        for split in SETS:
            by_language = summarize_by(pick(split), "language")
            cells = [f"{by_language[language]['facts_complete']:.3f} / {by_language[language]['refused_f1']:.3f}"
                     if language in by_language else "-" for language in ("en", "es", "pt", "ht")]
            lines.append(f"| {label} | {split} | " + " | ".join(cells) + " | {:.3f} / {:.3f} |".format(
                *score(pick(split))))
    lines += ["", "## Sweep (pooled English and multilingual)", "",
              "| threshold | dev facts | dev refused-F1 | holdout facts | holdout refused-F1 |",
              "|---|---|---|---|---|",
              "| off | {:.3f} | {:.3f} | {:.3f} | {:.3f} |".format(*score(runs[("off", "dev")]),
                                                                 *score(runs[("off", "holdout")]))]
    for t in THRESHOLDS:
        mark = " **(chosen)**" if t == chosen else ""
        lines.append(f"| {t}{mark} | " + "{:.3f} | {:.3f} | {:.3f} | {:.3f} |".format(
            *score(sweep["dev"][t]), *score(sweep["holdout"][t])))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
