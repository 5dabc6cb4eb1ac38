"""Lexical BM25 index (bm25s), persisted beside the vectors of the same generation."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, retriever, stemmer) -> None:
        self.retriever = retriever
        self.stemmer = stemmer

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        stemmer = _stemmer()
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer,
                                       show_progress=False), show_progress=False)
        return cls(retriever, stemmer)

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(directory), mmap=True), _stemmer())

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) pairs, best first; rows index the generation's chunk table."""
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer,
                                return_ids=False, show_progress=False)
        if not tokens or not tokens[0]:
            return []
        size = self.retriever.scores["num_docs"]
        rows, scores = self.retriever.retrieve(tokens, k=min(k, size), show_progress=False,
                                               n_threads=1)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def score_all(self, query: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, return_ids=False,
                                show_progress=False)
        return self.retriever.get_scores(tokens[0]) if tokens and tokens[0] else np.zeros(0)
