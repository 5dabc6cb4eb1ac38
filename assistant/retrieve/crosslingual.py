"""Retrieval for a reader of any of the assistant's languages.

An English question is searched as before. A question in another language is searched twice:
its own content words among the documents written in its language (the translated
know-your-rights cards, and any documents a person added in it), and its English terms (from the
glossary, see language.py) among the English documents. The two rankings are fused by
reciprocal rank, so neither language's documents win just by sharing the question's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.index.reader import Snapshot
from assistant.retrieve.hybrid import Filters, HybridRetriever, Retrieval, reciprocal_rank_fusion
from assistant.retrieve.language import SOURCE_LANGUAGE, Glossary, for_reader, readable


@dataclass
class CrossLingual:
    retrieval: Retrieval  # its query_vector is the English terms' (every passage is embedded in English)
    searched: str  # what was searched, as "Spanish words | English terms" for another language
    english: str  # the question's English words: the query itself, or its glossary terms


class CrossLingualRetriever:
    def __init__(self, retriever: HybridRetriever, rrf_k: int = 60) -> None:
        self.retriever = retriever
        self.rrf_k = rrf_k

    def retrieve(self, snapshot: Snapshot, query: str, language: str, filters: Filters | None,
                 top_k: int) -> CrossLingual:
        """The passages for a reader of `language`, and what was searched."""
        glossary = Glossary.for_language(language)
        if glossary is None:
            # Twice the passages, so that translations (for other readers) can be set aside
            # without changing what an English question is answered from.
            found = self.retriever.retrieve(snapshot, query, filters, top_k=2 * top_k, keep=readable(language))
            return CrossLingual(replace(found, passages=for_reader(found.passages, language, top_k)), query, query)
        native, english = glossary.split(query, snapshot.coverage.capitalised)
        source = self.retriever.retrieve(snapshot, english or query,
                                         {**(filters or {}), "language": [SOURCE_LANGUAGE]}, top_k=2 * top_k)
        # Documents in the question's language are embedded through their English terms too
        # (see ingest.pipeline.embedding_input), so the English terms' vector searches them as well.
        own = self.retriever.retrieve(snapshot, native or query, {**(filters or {}), "language": [language]},
                                      top_k=2 * top_k, query_vector=source.query_vector, lexical_language=language,
                                      keep=readable(language))
        by_id = {p.chunk.chunk_id: p for p in [*own.passages, *source.passages]}
        fused = reciprocal_rank_fusion([[p.chunk.chunk_id for p in own.passages],
                                        [p.chunk.chunk_id for p in source.passages]], self.rrf_k)
        ranked = [by_id[chunk_id] for chunk_id in sorted(fused, key=fused.get, reverse=True)]
        timings = {key: own.timings_ms.get(key, 0.0) + source.timings_ms.get(key, 0.0)
                   for key in {*own.timings_ms, *source.timings_ms}}
        searched = f"{native} | {english}".strip(" |")
        return CrossLingual(Retrieval(for_reader(ranked, language, top_k), source.query_vector, timings), searched,
                            english)
