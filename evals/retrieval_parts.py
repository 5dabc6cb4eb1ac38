"""Does retrieval beat its parts? BM25, dense, their fusion and fusion + rerank, on our own questions.

    .venv/bin/python evals/retrieval_parts.py      # ~2 minutes on 2 cores

The English corpus documents and the answerable English dev and holdout questions (follow-ups
rewritten as the assistant searches them) go through `assistant eval --beir`'s path as two
BEIR datasets, gold documents as the judged ones: each part ranks documents, scored per document
as BEIR does. The rerank step also decides which passages the answerer reads first, so the
answers are measured with it and without it too. No public BEIR set is reachable from here
(model and dataset hubs are blocked); `assistant eval --beir DIR` runs any that a person has.
Writes evals/reports/retrieval-parts.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluate.beir import BeirDataset, beir_scores
from assistant.evaluate.runner import evaluate, load_questions
from assistant.ingest.loaders import load_document
from assistant.retrieve.rerank import make_reranker
from assistant.retrieve.rewrite import rewrite_follow_up
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SETS = {"dev": "dev_questions.jsonl", "holdout": "holdout_questions.jsonl"}
REPORT = ROOT / "evals" / "reports" / "retrieval-parts.md"


def english_corpus(settings: Settings) -> dict[str, tuple[str, str]]:
    corpus = {}
    for path in sorted(settings.ingest.corpus_dir.glob("*.md")):
        document = load_document(path, settings.ingest.max_file_bytes)
        if document.meta.get("language", "en") == "en":
            corpus[document.doc_id] = (str(document.meta.get("title", "")), document.text)
    return corpus


def dataset(corpus: dict[str, tuple[str, str]], question_set: Path) -> BeirDataset:
    questions = [q for q in load_questions(question_set) if q.answerable and q.gold_doc_ids]
    return BeirDataset(corpus, {q.id: rewrite_follow_up(q.question, q.history) for q in questions},
                       {q.id: dict.fromkeys(q.gold_doc_ids, 1.0) for q in questions})


def main() -> int:
    settings = Settings.load()
    corpus = english_corpus(settings)
    results, sizes = {}, {}
    with tempfile.TemporaryDirectory(prefix="retrieval-parts-") as data_dir:
        for split, name in SETS.items():
            data = dataset(corpus, ROOT / "evals" / name)
            sizes[split] = len(data.qrels)
            results[split] = beir_scores(settings, data, Path(data_dir), progress=True)  # one index, reused
    assistant = Assistant.from_settings(settings)
    answers = {}
    for reranker in (settings.retrieve.reranker, "none"):
        assistant.retriever.reranker = make_reranker(reranker)
        for split, name in SETS.items():
            overall = evaluate(assistant, load_questions(ROOT / "evals" / name), progress=True).overall
            answers[(reranker, split)] = f"{overall['facts_complete']:.3f} / {overall['refused_f1']:.3f}"
    parts = list(results["dev"])
    lines = ["# Retrieval by part: does the pipeline beat its parts?", "",
             f"`evals/retrieval_parts.py`: the {len(corpus)} English corpus documents; the answerable English "
             f"questions with gold documents (dev {sizes['dev']}, holdout {sizes['holdout']}), follow-ups "
             "rewritten as searched; nDCG@10 per document, as BEIR scores it (recall@100 is 1.0 on a corpus "
             "this small and is left out). The holdout was not used to choose anything here.", "",
             "| part | dev nDCG@10 | holdout nDCG@10 |", "|---|---|---|"]
    lines += [f"| {part} | {results['dev'][part]['ndcg@10']:.3f} | {results['holdout'][part]['ndcg@10']:.3f} |"
              for part in parts]
    lines += ["", "Answers (facts complete / refused F1, all the English questions) with the configured "
              "rerank and without it:", "", "| rerank | dev | holdout |", "|---|---|---|"]
    lines += [f"| {reranker} | {answers[(reranker, 'dev')]} | {answers[(reranker, 'holdout')]} |"
              for reranker in (settings.retrieve.reranker, "none")]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
