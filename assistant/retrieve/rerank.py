"""Rerankers behind one small interface. No cross-encoder ships in any package we can use,
so the default reranker reuses the sentence vectors pooled at ingest: a passage whose best
sentence matches the question closely moves up, at the cost of one small matrix product."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.index.reader import Snapshot

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
from assistant.types import Passage


class Reranker(Protocol):
    name: str

    def rerank(self, snapshot: Snapshot, query: str, query_vector: np.ndarray,
               passages: list[Passage]) -> list[Passage]: ...


class NoReranker:
    name = "none"

    def rerank(self, snapshot: Snapshot, query: str, query_vector: np.ndarray,
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

    def rerank(self, snapshot: Snapshot, query: str, query_vector: np.ndarray,
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


class LLMJudgeReranker:
    """Asks a chat model whether each of the top few passages answers the question; a "yes"
    moves it ahead of every "no", order otherwise kept. Measured in evals/rerank_judge.py: on
    this CPU it costs seconds per question, so it is not the default."""

    name = "llm-judge"

    def __init__(self, chat_model: BaseChatModel, prompt: str, first: Reranker, judge_top: int = 4) -> None:
        self.chat_model = chat_model
        self.prompt = prompt
        self.first = first
        self.judge_top = judge_top

    def rerank(self, snapshot: Snapshot, query: str, query_vector: np.ndarray,
               passages: list[Passage]) -> list[Passage]:
        ranked = self.first.rerank(snapshot, query, query_vector, passages)
        head, tail = ranked[:self.judge_top], ranked[self.judge_top:]
        verdicts = [self._says_yes(query, p.chunk.text) for p in head]
        return [p for p, yes in zip(head, verdicts, strict=True) if yes] + \
            [p for p, yes in zip(head, verdicts, strict=True) if not yes] + tail

    def _says_yes(self, question: str, passage: str) -> bool:
        reply = self.chat_model.invoke(self.prompt.format(question=question, passage=passage), max_tokens=2)
        return str(reply.content).strip().lower().startswith("yes")


def make_reranker(name: str) -> Reranker:
    rerankers = {"none": NoReranker, "sentence": SentenceReranker}
    if name not in rerankers:
        from assistant.errors import UserError

        raise UserError(f"unknown reranker {name!r}; choose one of {', '.join(rerankers)}")
    return rerankers[name]()
