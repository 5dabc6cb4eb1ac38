"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates fused by reciprocal rank,
reranked, then diversified so one document cannot crowd out the rest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.errors import UserError
from assistant.index.reader import Snapshot
from assistant.index.store import chroma_filter
from assistant.retrieve.rerank import Reranker
from assistant.types import Chunk, Passage

Filters = dict[str, list[str]]


@dataclass
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray
    timings_ms: dict[str, float]


def matches(meta: dict, filters: Filters | None) -> bool:
    return all(not values or str(meta.get(key, "")) in values
               for key, values in (filters or {}).items())


def reciprocal_rank_fusion(rankings: list[list[int]], k: int) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


def diversify(passages: list[Passage], per_doc_limit: int, top_k: int, yield_ratio: float = 0.0) -> list[Passage]:
    """Best-first, at most `per_doc_limit` passages per document; the others come after.

    A passage past its document's limit waits only behind passages that are close to it: it
    goes ahead of any that scores under `yield_ratio` times its own score. So a question about
    one document's clauses still gets them (the agreement's signature page, far better than
    anything else found), and near-ties still go to other documents. 0: every passage past the
    limit waits behind all the others."""
    chosen: list[Passage] = []
    overflow: list[Passage] = []
    per_doc: dict[str, int] = {}
    for passage in passages:
        doc = passage.chunk.doc_id
        if per_doc.get(doc, 0) < per_doc_limit:
            chosen.append(passage)
            per_doc[doc] = per_doc.get(doc, 0) + 1
        else:
            overflow.append(passage)
    for passage in overflow:  # best first, so each lands after the better ones placed before it
        # A ratio of a score at or below 0 says nothing about closeness: such a passage waits.
        jumps = yield_ratio > 0 and passage.score > 0
        ahead_of = next((i for i, other in enumerate(chosen) if jumps and other.score < yield_ratio * passage.score),
                        len(chosen))
        chosen.insert(ahead_of, passage)
    return chosen[:top_k]


class HybridRetriever:
    def __init__(self, embed_query, reranker: Reranker, candidates: int = 30, top_k: int = 6,
                 per_doc_limit: int = 2, rrf_k: int = 60, modes: tuple[str, ...] = ("dense", "bm25"),
                 diversity_yield: float = 0.8) -> None:
        if not 0.0 <= diversity_yield <= 1.0:
            raise UserError(f"retrieve.diversity_yield={diversity_yield}: choose a share from 0 to 1")
        self.embed_query = embed_query
        self.reranker = reranker
        self.candidates = candidates
        self.top_k = top_k
        self.per_doc_limit = per_doc_limit
        self.rrf_k = rrf_k
        self.modes = modes
        self.diversity_yield = diversity_yield

    def retrieve(self, snapshot: Snapshot, query: str, filters: Filters | None = None,
                 top_k: int | None = None, query_vector: np.ndarray | None = None,
                 lexical_language: str | None = None, keep: Callable[[Chunk], bool] | None = None) -> Retrieval:
        """`query_vector`: the query's embedding when the caller has it already, for a search whose
        words (for BM25) are not what is embedded (a question in another language is embedded
        through its English terms). `lexical_language`:
        search that language's BM25 partition instead of the English one. `keep`: which chunks
        may be candidates at all; the others are passed over as if they were not indexed."""
        started = time.perf_counter()
        if query_vector is None:
            query_vector = np.asarray(self.embed_query(query), dtype=np.float32)
        data = snapshot.data
        rankings: list[list[int]] = []
        if "dense" in self.modes:
            wanted = self.candidates * (4 if keep else 1)
            hits = snapshot.vectors.query(query_vector, min(wanted, len(data.chunks)), chroma_filter(filters))
            found = [snapshot.rows[chunk_id] for chunk_id, _ in hits if chunk_id in snapshot.rows]
            rankings.append([row for row in found if keep is None or keep(data.chunks[row])][:self.candidates])
        lexical_scores: dict[int, float] = {}
        if "bm25" in self.modes:
            # Filters are applied after BM25, so ask for more to keep enough candidates.
            factor = 4 if filters or keep else 1
            lexical = snapshot.lexical_by_language.get(lexical_language or "", snapshot.lexical)
            hits = lexical.search(query, self.candidates * factor)
            kept = [(row, score) for row, score in hits if matches(data.chunks[row].meta, filters)
                    and (keep is None or keep(data.chunks[row]))]
            lexical_scores = dict(kept[:self.candidates])
            rankings.append([row for row, _ in kept[:self.candidates]])
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        rows = sorted(fused, key=fused.get, reverse=True)
        dense = np.asarray(data.vectors[rows], dtype=np.float32) @ query_vector if rows \
            else np.zeros(0)
        passages = [Passage(chunk=data.chunks[row], score=fused[row], dense=float(dense[i]),
                            lexical=lexical_scores.get(row)) for i, row in enumerate(rows)]
        retrieved = time.perf_counter()
        passages = self.reranker.rerank(snapshot, query, query_vector, passages)
        reranked = time.perf_counter()
        return Retrieval(
            passages=diversify(passages, self.per_doc_limit, top_k or self.top_k, self.diversity_yield),
            query_vector=query_vector,
            timings_ms={"retrieve": 1000 * (retrieved - started),
                        "rerank": 1000 * (reranked - retrieved)},
        )
