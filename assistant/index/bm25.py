"""Lexical BM25 index (bm25s), persisted beside the vectors of the same generation.

A generation holds one per language the assistant speaks, over that language's chunks (see
generations.write_generation): term statistics of Spanish cards then never change how an
English question's words are weighed, nor the other way round."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.text import english_stemmer, fold_accents


class LexicalIndex:
    def __init__(self, retriever, rows: np.ndarray | None = None) -> None:
        self.retriever = retriever
        # The generation's chunk-table row of each indexed text; None: they are the same.
        self.rows = rows

    @classmethod
    def build(cls, texts: list[str], rows: np.ndarray | None = None) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize([fold_accents(t) for t in texts], stopwords="en", stemmer=english_stemmer(),
                                       show_progress=False), show_progress=False)
        return cls(retriever, rows)

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory))
        if self.rows is not None:
            np.save(directory / "rows.npy", self.rows.astype(np.int64))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        rows = np.load(directory / "rows.npy") if (directory / "rows.npy").is_file() else None
        return cls(bm25s.BM25.load(str(directory), mmap=True), rows)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) pairs, best first; rows index the generation's chunk table."""
        import bm25s

        tokens = bm25s.tokenize([fold_accents(query)], stopwords="en", stemmer=english_stemmer(),
                                return_ids=False, show_progress=False)
        if not tokens or not tokens[0]:
            return []
        size = self.retriever.scores["num_docs"]
        rows, scores = self.retriever.retrieve(tokens, k=min(k, size), show_progress=False,
                                               n_threads=1)
        found = [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]
        return found if self.rows is None else [(int(self.rows[r]), s) for r, s in found]

    def terms(self, text: str) -> set[str]:
        """The stemmed, stopword-free terms BM25 sees in `text`."""
        import bm25s

        tokens = bm25s.tokenize([fold_accents(text)], stopwords="en", stemmer=english_stemmer(), return_ids=False,
                                show_progress=False)
        return set(tokens[0]) if tokens else set()

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term absent from the corpus weighs the most."""
        vocabulary = self.retriever.vocab_dict
        documents = self.retriever.scores["num_docs"]
        index = vocabulary.get(term)
        pointers = self.retriever.scores["indptr"]
        frequency = 0 if index is None else int(pointers[index + 1] - pointers[index])
        return float(np.log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5)))
