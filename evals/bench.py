"""`make bench`: ingest throughput against the model's raw encode ceiling, ask latency at about
1k, 10k and 50k chunks, and a plain LangChain pipeline on the same data, all in one run.

Writes evals/reports/bench.md and bench.json. Scale indexes are built once and cached under
evals/.cache/ (delete it to rebuild). Numbers depend on what else the machine is doing.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.assistant import Assistant
from assistant.evaluate.metrics import recall_at_k, unique_in_order
from assistant.evaluate.runner import load_questions
from assistant.index.embedder import resolve_model_path, shared_embedder
from assistant.index.generations import current_generation, read_generation
from assistant.ingest.pipeline import embedding_input, ingest
from assistant.settings import Settings
from assistant.text import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "evals" / ".cache"
REPORT = ROOT / "evals" / "reports"
# Scale indexes hold generated text in short chunks: query latency depends on how many chunks
# there are, and short ones keep a 50k build to minutes on two cores.
SCALES = [1_000, 10_000, 50_000]
SCALE_CHUNK_WORDS = (30, 45)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)}


def corpus_sentences() -> list[str]:
    sentences = []
    for path in sorted((ROOT / "corpus").glob("*.md")):
        text = path.read_text(encoding="utf-8").split("---", 2)[-1]
        sentences += [text[s:e] for s, e in sentence_spans(text) if len(text[s:e].split()) > 5]
    return sentences


def generate_corpus(folder: Path, words: int, seed: int = 7) -> Path:
    """Documents of shuffled corpus sentences with a unique tag each, `words` words in total."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = corpus_sentences()
    written, index = 0, 0
    while written < words:
        paragraphs = []
        for _ in range(12):
            sentences = [f"{rng.choice(pool)} (Record {index}-{rng.randrange(10**6)}.)" for _ in range(4)]
            paragraphs.append(" ".join(sentences))
        body = "\n\n".join(paragraphs)
        (folder / f"generated-{index:05d}.md").write_text(
            f'---\ntitle: "Generated document {index}"\nkind: data\njurisdiction: Test\nas_of: 2026-01-01\n'
            f'sources:\n  - {{title: generated, url: "https://example.invalid/{index}"}}\n---\n'
            f"# Generated document {index}\n\n{body}\n", encoding="utf-8")
        written += len(body.split())
        index += 1
    return folder


def bench_ingest(work: Path) -> dict[str, float]:
    """Our whole ingest (read, chunk, embed, Chroma, BM25, atomic switch) vs raw `encode`."""
    docs = generate_corpus(work / "ingest-docs", words=110_000)
    settings = Settings.load(values={"data_dir": work / "ingest-data"})
    shared_embedder(settings.index.embed_model, settings.index.embed_batch_size)  # model load is not ingest work
    started = time.perf_counter()
    report = ingest(settings, [docs], progress=False)
    ours = time.perf_counter() - started
    data = read_generation(settings.index_dir, current_generation(settings.index_dir))
    texts = [embedding_input(chunk)[0] for chunk in data.chunks]
    model = shared_embedder(settings.index.embed_model, settings.index.embed_batch_size).model
    started = time.perf_counter()
    model.encode(texts, batch_size=settings.index.embed_batch_size, normalize_embeddings=True)
    raw = time.perf_counter() - started
    return {"chunks": report.chunks, "ours_chunks_per_s": round(report.chunks / ours, 1),
            "raw_encode_chunks_per_s": round(len(texts) / raw, 1),
            "ratio": round((report.chunks / ours) / (len(texts) / raw), 3)}


def scale_index(chunks: int) -> Settings:
    data_dir = CACHE / f"scale-{chunks}"
    settings = Settings.load(values={"data_dir": data_dir, "ingest": {"chunk_words": SCALE_CHUNK_WORDS[0],
                                                                        "chunk_max_words": SCALE_CHUNK_WORDS[1]}})
    docs = CACHE / f"scale-{chunks}-docs"
    if not docs.exists():
        generate_corpus(docs, words=int(chunks * SCALE_CHUNK_WORDS[0] * 0.97))
    # The real corpus rides along so the questions have something to find.
    report = ingest(settings, [docs, ROOT / "corpus"], progress=True)
    print(f"scale {chunks}: {report.summary()}", file=sys.stderr)
    return settings


def bench_ask(settings: Settings, questions: list[str]) -> dict[str, object]:
    assistant = Assistant.from_settings(settings)
    assistant.ask(questions[0])  # warm caches once
    timings: dict[str, list[float]] = {"retrieve": [], "rerank": [], "answer": [], "total": []}
    for question in questions:
        answer = assistant.ask(question)
        for key in timings:
            timings[key].append(answer.timings_ms[key])
    chunks = len(assistant.reader.snapshot().data.chunks)
    return {"chunks": chunks, **{key: percentiles(values) for key, values in timings.items()}}


def bench_langchain(work: Path, questions: list[dict]) -> dict[str, object]:
    """The plain baseline: RecursiveCharacterTextSplitter + Chroma.similarity_search."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    documents = [Document(page_content=p.read_text(encoding="utf-8").split("---", 2)[-1],
                          metadata={"doc_id": p.stem}) for p in sorted((ROOT / "corpus").glob("*.md"))]
    embeddings = HuggingFaceEmbeddings(model_name=str(resolve_model_path("minilm")),
                                       model_kwargs={"device": "cpu"},
                                       encode_kwargs={"normalize_embeddings": True})
    started = time.perf_counter()
    splits = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100).split_documents(documents)
    store = Chroma.from_documents(splits, embeddings, persist_directory=str(work / "langchain"),
                                  client_settings=None)
    ingest_s = time.perf_counter() - started
    latencies, recalls = [], []
    for question in questions:
        started = time.perf_counter()
        hits = store.similarity_search(question["question"], k=10)
        latencies.append(1000 * (time.perf_counter() - started))
        ranked = unique_in_order(h.metadata["doc_id"] for h in hits)
        recalls.append(recall_at_k(ranked, question["gold_doc_ids"], 5))
    return {"chunks": len(splits), "ingest_chunks_per_s": round(len(splits) / ingest_s, 1),
            "search": percentiles(latencies), "recall@5": round(float(np.mean(recalls)), 3)}


def our_recall(settings: Settings, questions: list[dict]) -> float:
    assistant = Assistant.from_settings(settings)
    recalls = []
    for question in questions:
        passages = assistant.retriever.retrieve(assistant.reader.snapshot(), question["question"],
                                                top_k=30).passages
        recalls.append(recall_at_k(unique_in_order(p.chunk.doc_id for p in passages),
                                   question["gold_doc_ids"], 5))
    return round(float(np.mean(recalls)), 3)


def main() -> int:
    dev = [q for q in load_questions(ROOT / "evals" / "dev_questions.jsonl")]
    standalone = [{"question": q.question, "gold_doc_ids": q.gold_doc_ids} for q in dev
                  if q.gold_doc_ids and not q.history]
    questions = [q.question for q in dev]
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result["ingest"] = bench_ingest(work)
        print("ingest", result["ingest"], file=sys.stderr)
        corpus_settings = Settings.load(values={"data_dir": work / "corpus-data"})
        ingest(corpus_settings, progress=False)
        result["corpus"] = {**bench_ask(corpus_settings, questions),
                            "recall@5": our_recall(corpus_settings, standalone)}
        result["langchain_baseline"] = bench_langchain(work, standalone)
        print("baseline", result["langchain_baseline"], file=sys.stderr)
    result["scales"] = []
    for chunks in SCALES:
        # Saved after each scale: the largest takes longest to build, and a partial report still helps.
        result["scales"].append(bench_ask(scale_index(chunks), questions))
        save(result)
    print(markdown(result))
    return 0


def save(result: dict) -> None:
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "bench.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (REPORT / "bench.md").write_text(markdown(result), encoding="utf-8")


def markdown(result: dict) -> str:
    ingest_row, corpus, baseline = result["ingest"], result["corpus"], result["langchain_baseline"]
    lines = [
        "# Benchmark", "",
        "One run on this machine (2 CPU cores). Latencies in ms.", "",
        "## Ingest throughput", "",
        "| pipeline | chunks | chunks/s | vs raw encode |", "|---|---|---|---|",
        f"| raw `SentenceTransformer.encode` (ceiling) | {ingest_row['chunks']} | "
        f"{ingest_row['raw_encode_chunks_per_s']} | 1.00 |",
        f"| ours: read, chunk, embed with sentence vectors, Chroma, BM25, atomic switch | {ingest_row['chunks']} | "
        f"{ingest_row['ours_chunks_per_s']} | {ingest_row['ratio']:.2f} |",
        f"| LangChain baseline: RecursiveCharacterTextSplitter + Chroma.from_documents (corpus) | "
        f"{baseline['chunks']} | {baseline['ingest_chunks_per_s']} | |", "",
        "## Ask latency", "",
        "| index | chunks | retrieve p50/p95 | rerank p50/p95 | answer p50/p95 | total p50/p95 |",
        "|---|---|---|---|---|---|",
    ]
    rows = [("corpus", corpus)] + [(f"scale {s['chunks']}", s) for s in result["scales"]]
    for name, row in rows:
        cells = " | ".join(f"{row[k]['p50']} / {row[k]['p95']}" for k in ("retrieve", "rerank", "answer", "total"))
        lines.append(f"| {name} | {row['chunks']} | {cells} |")
    lines += ["", "## Against the plain LangChain baseline (same corpus, same questions)", "",
              "| pipeline | search or ask p50/p95 | gold document in top 5 |", "|---|---|---|",
              f"| LangChain `Chroma.similarity_search` (retrieval only) | {baseline['search']['p50']} / "
              f"{baseline['search']['p95']} | {baseline['recall@5']} |",
              f"| ours, whole answer (hybrid retrieval + rerank + verified extractive answer) | "
              f"{corpus['total']['p50']} / {corpus['total']['p95']} | {corpus['recall@5']} |", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
