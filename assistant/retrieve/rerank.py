"""Rerankers behind one small interface. No cross-encoder ships in any package we can use,
so the default reranker reuses the sentence vectors pooled at ingest: a passage whose best
sentence matches the question closely moves up, at the cost of one small matrix product."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from assistant.index.reader import Snapshot
from assistant.types import Passage


class Reranker(Protocol):
    name: str

    def rerank(self, snapshot: Snapshot, query_vector: np.ndarray,
               passages: list[Passage]) -> list[Passage]: ...


class NoReranker:
    name = "none"

    def rerank(self, snapshot: Snapshot, query_vector: np.ndarray,
               passages: list[Passage]) -> list[Passage]:
        return passages


class SentenceReranker:
    """Score = fused rank signal + best-sentence and passage cosine similarity."""

    name = "sentence"

    def __init__(self, rrf_weight: float = 10.0, sentence_weight: float = 0.5,
                 passage_weight: float = 0.5) -> None:
        self.rrf_weight = rrf_weight
        self.sentence_weight = sentence_weight
        self.passage_weight = passage_weight

    def rerank(self, snapshot: Snapshot, query_vector: np.ndarray,
               passages: list[Passage]) -> list[Passage]:
        rows = snapshot.rows
        for passage in passages:
            block = snapshot.data.sentence_block(rows[passage.chunk.chunk_id])
            best_sentence = float((block.astype(np.float32) @ query_vector).max()) \
                if len(block) else passage.dense or 0.0
            passage.score = (self.rrf_weight * passage.score
                             + self.sentence_weight * best_sentence
                             + self.passage_weight * (passage.dense or 0.0))
        return sorted(passages, key=lambda p: p.score, reverse=True)


def make_reranker(name: str) -> Reranker:
    rerankers = {"none": NoReranker, "sentence": SentenceReranker}
    if name not in rerankers:
        from assistant.errors import UserError

        raise UserError(f"unknown reranker {name!r}; choose one of {', '.join(rerankers)}")
    return rerankers[name]()
