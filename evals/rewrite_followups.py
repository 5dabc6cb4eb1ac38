"""Follow-up rewriting, measured: does the search query built from a follow-up ("and the year
before?") retrieve the gold document? Compares no rewriting, the deterministic rewriter, and
the configured LLM (the `llm` setting, e.g. ASSISTANT_LLM_BACKEND=local) on the dev-set follow-ups.

    ASSISTANT_LLM_BACKEND=local python evals/rewrite_followups.py [--set evals/dev_questions.jsonl]

Prints a table and writes evals/reports/followup-rewrite.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluate.runner import DEFAULT_SET, REPORTS_DIR, Question, load_questions
from assistant.retrieve.rewrite import rewrite_follow_up
from assistant.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--out", type=Path, default=REPORTS_DIR / "followup-rewrite.md")
    args = parser.parse_args(argv)
    settings = Settings.load()
    assistant = Assistant.from_settings(settings)
    questions = [q for q in load_questions(args.set) if q.type == "followup" and q.gold_doc_ids]
    methods = {"none": lambda q: q.question,
               "deterministic": lambda q: rewrite_follow_up(q.question, q.history)}
    if assistant.generator is not None:
        generator = assistant.generator
        rewritten: dict[str, str] = {}

        def llm(q: Question) -> str:
            if q.id not in rewritten:
                rewritten[q.id] = generator.rewrite_follow_up(q.question, q.history) or q.question
            return rewritten[q.id]

        methods[f"llm ({settings.llm.backend})"] = llm
        # A variant: the deterministic rewriter also fills in a rewrite the model left elliptical.
        methods["llm + deterministic"] = lambda q: rewrite_follow_up(llm(q), q.history)
    k = settings.retrieve.top_k
    rows = []
    totals = {name: [0, 0, 0.0] for name in methods}  # hits@1, hits@k, seconds
    snapshot = assistant.reader.snapshot()
    for question in questions:
        row = [question.id, question.question]
        for name, rewrite in methods.items():
            started = time.perf_counter()
            query = rewrite(question)
            totals[name][2] += time.perf_counter() - started
            docs = list(dict.fromkeys(p.chunk.doc_id for p in
                                      assistant.retriever.retrieve(snapshot, query, top_k=k).passages))
            gold = set(question.gold_doc_ids)
            first, anywhere = bool(gold & set(docs[:1])), bool(gold & set(docs))
            totals[name][0] += first
            totals[name][1] += anywhere
            row.append(f"{'1' if first else '✓' if anywhere else '✗'} {query}")
        rows.append(row)
    n = len(questions)
    lines = [f"# Follow-up rewriting on {n} dev-set follow-ups", "",
             f"Gold document retrieved first (hit@1) and in the top {k} passages (hit@{k}). In the "
             f"table, 1 marks a gold document ranked first, ✓ one in the top {k}, ✗ a miss.", "",
             f"| method | hit@1 | hit@{k} | mean rewrite time |", "|---|---|---|---|"]
    for name, (first, anywhere, seconds) in totals.items():
        lines.append(f"| {name} | {first}/{n} | {anywhere}/{n} | {1000 * seconds / max(1, n):.0f} ms |")
    lines += ["", "| id | question | " + " | ".join(methods) + " |", "|---" * (2 + len(methods)) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    report = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
