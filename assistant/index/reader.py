"""The served index: one loaded generation, swapped for a newer one between requests."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.index.bm25 import LexicalIndex
from assistant.index.generations import GenerationData, current_generation, read_generation
from assistant.index.store import VectorStore, open_client
from assistant.text import normalize
from assistant.types import Chunk

_LETTERS = re.compile(r"[^\W\d_]+")
_MID_SENTENCE = re.compile(r"[\w,] $")  # what comes before a word inside a sentence


@dataclass(frozen=True)
class Coverage:
    """What the indexed documents cover, read from their metadata and text: the knowledge base's
    scope. Added documents widen it, since it is built from whatever the index holds."""

    documents: int
    jurisdictions: dict[str, int]  # documents per `jurisdiction` metadata value, most first
    words: frozenset[str]  # every word of the chunks' text and metadata, normalized
    # Words the text writes with a capital more often than without ("Newton", not "court"):
    # the knowledge base's own evidence that a word typed in lower case is a name.
    capitalised: frozenset[str]

    @classmethod
    def of(cls, chunks: list[Chunk]) -> Coverage:
        jurisdiction_of = {c.doc_id: str(c.meta.get("jurisdiction") or "").strip() for c in chunks}
        jurisdictions = Counter(j for j in jurisdiction_of.values() if j)
        words: set[str] = set()
        upper: Counter[str] = Counter()  # capitalised inside a sentence, where a capital marks a name
        lower: Counter[str] = Counter()
        for chunk in chunks:
            metadata = " ".join(v for v in chunk.meta.values() if isinstance(v, str))
            text = f"{chunk.text} {chunk.section} {metadata}"
            for match in _LETTERS.finditer(text):
                word = normalize(match.group(0))
                words.add(word)
                if match.group(0)[0].islower():
                    lower[word] += 1
                elif _MID_SENTENCE.search(text, max(0, match.start() - 2), match.start()):
                    upper[word] += 1
        ranked = sorted(jurisdictions.items(), key=lambda item: (-item[1], item[0]))
        return cls(documents=len(jurisdiction_of), jurisdictions=dict(ranked), words=frozenset(words),
                   capitalised=frozenset(w for w, n in upper.items() if n > lower[w]))


@dataclass
class Snapshot:
    """Everything a query needs from one generation; immutable once loaded."""

    generation: str
    data: GenerationData
    rows: dict[str, int]
    lexical: LexicalIndex  # the English (default) partition
    vectors: VectorStore
    # BM25 over the chunks of each other language the assistant speaks.
    lexical_by_language: dict[str, LexicalIndex]

    @cached_property
    def coverage(self) -> Coverage:
        """Read once per generation, on the first question that needs it."""
        return Coverage.of(self.data.chunks)


class IndexReader:
    def __init__(self, data_dir: Path, chroma_url: str = "") -> None:
        self.index_dir = data_dir / "index"
        self.client: Any = open_client(data_dir, chroma_url)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The newest complete generation; a request keeps the snapshot it started with."""
        generation = current_generation(self.index_dir)
        if generation is None:
            raise UserError(f"no index in {self.index_dir}; run `assistant ingest` first")
        current = self._snapshot
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = self._load(generation)
            return self._snapshot

    def _load(self, generation: str) -> Snapshot:
        data = read_generation(self.index_dir, generation)
        return Snapshot(
            generation=generation,
            data=data,
            rows={chunk.chunk_id: row for row, chunk in enumerate(data.chunks)},
            lexical=LexicalIndex.load(self.index_dir / generation / "bm25"),
            vectors=VectorStore(self.client, generation),
            lexical_by_language={folder.name.removeprefix("bm25-"): LexicalIndex.load(folder)
                                 for folder in sorted((self.index_dir / generation).glob("bm25-*"))},
        )
