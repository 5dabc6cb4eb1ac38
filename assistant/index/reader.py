"""The served index: one loaded generation, swapped for a newer one between requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.index.bm25 import LexicalIndex
from assistant.index.generations import GenerationData, current_generation, read_generation
from assistant.index.store import VectorStore, open_client


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
