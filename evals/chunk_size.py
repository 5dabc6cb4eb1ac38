"""Chunk size, chosen by measurement: index the corpus at several sizes and evaluate each on the
dev set with the same pipeline. Writes evals/reports/chunk-size.md.

    .venv/bin/python evals/chunk_size.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluate.runner import evaluate, load_questions
from assistant.ingest.pipeline import ingest
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# (target words, max words): the model reads at most 256 word pieces, about 190 words.
SIZES = [(60, 90), (120, 170), (170, 190)]
COLUMNS = ["recall@1", "recall@5", "mrr@10", "fact_recall", "facts_complete", "latency_p50_ms"]


def main() -> int:
    questions = load_questions(ROOT / "evals" / "dev_questions.jsonl")
    rows = []
    for target, most in SIZES:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings.load(values={"data_dir": Path(data_dir),
                                            "ingest": {"chunk_words": target, "chunk_max_words": most}})
            report = ingest(settings, progress=False)
            started = time.perf_counter()
            summary = evaluate(Assistant.from_settings(settings), questions).overall
            print(f"{target}/{most} words: {report.chunks} chunks, eval {time.perf_counter() - started:.0f}s",
                  file=sys.stderr)
            rows.append((f"{target}/{most}", report.chunks, summary))
    lines = ["# Chunk size", "", "Same corpus, same dev questions, same pipeline; only the chunker changes.", "",
             "| words (target/max) | chunks | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for label, chunks, summary in rows:
        lines.append(f"| {label} | {chunks} | " + " | ".join(f"{summary[c]:.3f}" for c in COLUMNS) + " |")
    (ROOT / "evals" / "reports" / "chunk-size.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
