"""`assistant eval --beir DIR`: our retrieval on any BEIR-format dataset, part by part.

The dataset goes through the product's own path: every BEIR document is written as a
markdown file whose front matter carries its `_id` and title, ingested by the normal
pipeline into DIR/.assistant-index (reused on the next run: ingest only embeds what
changed), and searched with HybridRetriever restricted to BM25, to dense, to both, and to
both plus the configured reranker. Scores are per document (a document ranks where its
best chunk does), as BEIR's are.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.errors import UserError
from assistant.evaluate.jsonl import read_jsonl
from assistant.evaluate.metrics import ndcg_at_k, recall_at_k, unique_in_order
from assistant.settings import Settings

DEPTH = 100  # recall@100 needs a 100-document ranking
INDEX_FOLDER = ".assistant-index"


@dataclass
class BeirDataset:
    corpus: dict[str, tuple[str, str]]  # _id -> (title, text)
    queries: dict[str, str]  # _id -> text, only the judged ones
    qrels: dict[str, dict[str, float]]  # query _id -> {doc _id: grade}


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise UserError(f"{path}: missing; a BEIR folder holds corpus.jsonl, queries.jsonl "
                        "and qrels/test.tsv")
    return [row for _, row in read_jsonl(path, ("_id",), "give a BEIR-format JSONL file")]


def load_beir(folder: Path) -> BeirDataset:
    qrels_path = folder / "qrels" / "test.tsv"
    if not qrels_path.is_file():
        raise UserError(f"{qrels_path}: missing; a BEIR folder holds corpus.jsonl, "
                        "queries.jsonl and qrels/test.tsv")
    qrels: dict[str, dict[str, float]] = {}
    for number, line in enumerate(qrels_path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("\t")
        if not line.strip() or (number == 1 and fields[0] == "query-id"):
            continue
        try:
            query_id, doc_id, grade = fields[0], fields[1], float(fields[2])
        except (IndexError, ValueError) as exc:
            raise UserError(f"{qrels_path}:{number}: expected query-id<TAB>corpus-id<TAB>score")\
                from exc
        if grade > 0:
            qrels.setdefault(query_id, {})[doc_id] = grade
    corpus = {str(row["_id"]): (str(row.get("title") or ""), str(row.get("text") or ""))
              for row in _read_jsonl(folder / "corpus.jsonl")}
    queries = {str(row["_id"]): str(row.get("text") or "")
               for row in _read_jsonl(folder / "queries.jsonl") if str(row["_id"]) in qrels}
    qrels = {q: docs for q, docs in qrels.items() if q in queries}
    if not qrels:
        raise UserError(f"{folder}: no query in qrels/test.tsv matches queries.jsonl")
    return BeirDataset(corpus, queries, qrels)


def write_documents(dataset: BeirDataset, docs_dir: Path) -> None:
    """One markdown file per BEIR document (id and title in front matter); files of documents
    no longer in the corpus are removed, and unchanged files are left alone."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    wanted: set[str] = set()
    for doc_id, (title, text) in dataset.corpus.items():
        name = hashlib.sha1(doc_id.encode()).hexdigest()[:20] + ".md"
        wanted.add(name)
        front = yaml.safe_dump({"id": doc_id, "title": title or doc_id}, allow_unicode=True)
        content = f"---\n{front}---\n{text.strip() or title or doc_id}\n"
        path = docs_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
    for stale in docs_dir.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()


def beir_scores(settings: Settings, dataset: BeirDataset, data_dir: Path,
                progress: bool = False) -> dict[str, dict[str, float]]:
    """nDCG@10 and recall@100 of BM25, dense, hybrid and hybrid + rerank."""
    from assistant.index.embedder import shared_embedder
    from assistant.index.reader import IndexReader
    from assistant.ingest.pipeline import ingest
    from assistant.retrieve.hybrid import HybridRetriever
    from assistant.retrieve.rerank import make_reranker

    beir_settings = settings.updated({"data_dir": data_dir, "ingest": {"corpus_dir": data_dir / "docs"},
                                      "index": {"chroma_url": ""}}, "eval --beir")
    write_documents(dataset, beir_settings.ingest.corpus_dir)
    report = ingest(beir_settings, progress=progress)
    if report.skipped:
        print(f"warning: {len(report.skipped)} BEIR documents skipped; first: {report.skipped[0]}",
              file=sys.stderr)
    snapshot = IndexReader(data_dir).snapshot()
    embedder = shared_embedder(settings.index.embed_model, settings.index.embed_batch_size)
    embed_query = lru_cache(maxsize=None)(embedder.embed_query)  # one embedding per query
    candidates = 2 * DEPTH  # chunks, so that 100 distinct documents remain after merging
    configurations = {
        "bm25": (("bm25",), "none"),
        "dense": (("dense",), "none"),
        "hybrid": (("dense", "bm25"), "none"),
        "hybrid+rerank": (("dense", "bm25"), settings.retrieve.reranker),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (modes, reranker) in configurations.items():
        retriever = HybridRetriever(embed_query, make_reranker(reranker), candidates=candidates,
                                    top_k=2 * candidates, per_doc_limit=1, rrf_k=settings.retrieve.rrf_k,
                                    diversity_yield=settings.retrieve.diversity_yield,
                                    modes=modes)
        ndcg, recall = [], []
        for query_id, gold in dataset.qrels.items():
            passages = retriever.retrieve(snapshot, dataset.queries[query_id]).passages
            ranked = unique_in_order(p.chunk.doc_id for p in passages)[:DEPTH]
            ndcg.append(ndcg_at_k(ranked, gold, 10))
            recall.append(recall_at_k(ranked, gold, DEPTH))
        results[name] = {"ndcg@10": sum(ndcg) / len(ndcg), "recall@100": sum(recall) / len(recall)}
    return results


def _index_dir(folder: Path) -> tuple[Path, bool]:
    """DIR/.assistant-index when DIR is writable (kept, so reruns embed nothing), else a
    temporary folder that is removed afterwards."""
    target = folder / INDEX_FOLDER
    try:
        target.mkdir(exist_ok=True)
        probe = target / ".write-test"
        probe.touch()
        probe.unlink()
        return target, False
    except OSError:
        return Path(tempfile.mkdtemp(prefix="assistant-beir-")), True


def beir_command(settings: Settings, folder: Path, as_json: bool) -> int:
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder; give a BEIR dataset folder with corpus.jsonl, "
                        "queries.jsonl and qrels/test.tsv")
    dataset = load_beir(folder)
    data_dir, temporary = _index_dir(folder)
    try:
        results = beir_scores(settings, dataset, data_dir, progress=sys.stderr.isatty())
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
    if as_json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"BEIR {folder.name}: {len(dataset.corpus)} documents, {len(dataset.qrels)} judged queries; "
          "scores per document")
    print(f"{'':<15}{'nDCG@10':>9}{'recall@100':>12}")
    for name, scores in results.items():
        print(f"{name:<15}{scores['ndcg@10']:>9.3f}{scores['recall@100']:>12.3f}")
    return 0
