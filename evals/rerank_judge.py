"""Does a local LLM, asked "does this passage answer the question?" about the top few
passages, earn its latency as a reranker? Compares it with the default sentence reranker on the
dev questions that have gold documents. Writes evals/reports/rerank-judge.md.

    .venv/bin/python evals/rerank_judge.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--limit 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluate.metrics import mrr_at_k, recall_at_k, unique_in_order
from assistant.evaluate.runner import load_questions
from assistant.ingest.pipeline import ingest
from assistant.llm.factory import make_chat_model
from assistant.prompts import load_prompt
from assistant.retrieve.rerank import LLMJudgeReranker, SentenceReranker
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def measure(assistant: Assistant, questions: list, label: str) -> dict[str, float | str]:
    snapshot = assistant.reader.snapshot()
    recalls, mrrs, times = [], [], []
    for question in questions:
        started = time.perf_counter()
        retrieval = assistant.retriever.retrieve(snapshot, question.question, top_k=10)
        times.append(1000 * (time.perf_counter() - started))
        ranked = unique_in_order(p.chunk.doc_id for p in retrieval.passages)
        recalls.append(recall_at_k(ranked, question.gold_doc_ids, 1))
        mrrs.append(mrr_at_k(ranked, question.gold_doc_ids, 10))
    return {"reranker": label, "recall@1": statistics.mean(recalls), "mrr@10": statistics.mean(mrrs),
            "ms_p50": statistics.median(times)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="qwen2.5-coder-0.5b")
    parser.add_argument("--limit", type=int, default=30)
    args = parser.parse_args()
    questions = [q for q in load_questions(ROOT / "evals" / "dev_questions.jsonl")
                 if q.gold_doc_ids and not q.history][:args.limit]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings.load(values={"data_dir": Path(data_dir)})
        ingest(settings, progress=False)
        assistant = Assistant.from_settings(settings)
        rows = [measure(assistant, questions, "sentence (default)")]
        prompt = load_prompt(settings.answer.prompts_dir, "rerank_judge")
        for model in args.models.split(","):
            chat_model = make_chat_model(settings.updated({"llm": {"backend": f"local:{model}"}}, "arguments"))
            assistant.retriever.reranker = LLMJudgeReranker(chat_model, prompt, SentenceReranker())
            rows.append(measure(assistant, questions, f"sentence + {model} judge on top 4"))
            print(rows[-1], file=sys.stderr)
    lines = ["# LLM as a relevance judge", "",
             f"{len(questions)} dev questions with gold documents; document-level metrics; latency is the whole "
             "retrieval step on this 2-core CPU.", "",
             "| reranker | recall@1 | MRR@10 | retrieve p50 ms |", "|---|---|---|---|"]
    lines += [f"| {r['reranker']} | {r['recall@1']:.3f} | {r['mrr@10']:.3f} | {r['ms_p50']:.0f} |" for r in rows]
    (ROOT / "evals" / "reports" / "rerank-judge.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
