"""The Chroma vector store: embedded (PersistentClient) by default, a server by URL to scale out.

Each index generation has its own collection, so a new index is written beside the
one being served and switched to atomically (see generations.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import UserError

COLLECTION_PREFIX = "iceout-"


def open_client(data_dir: Path, chroma_url: str = "") -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not chroma_url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)
    url = urlparse(chroma_url)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise UserError(f"ASSISTANT_INDEX_CHROMA_URL={chroma_url!r} is not a URL like http://127.0.0.1:8000")
    try:
        client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                     ssl=url.scheme == "https", settings=settings)
        client.heartbeat()
    except Exception as exc:
        raise UserError(f"cannot reach the Chroma server at {chroma_url} ({type(exc).__name__}); "
                        "start it with `chroma run --host 127.0.0.1 --port N`") from exc
    return client


class VectorStore:
    """One generation's collection: add vectors, query them with metadata filters."""

    def __init__(self, client: Any, generation: str) -> None:
        self.client = client
        self.name = COLLECTION_PREFIX + generation
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self.client.get_or_create_collection(
                self.name, metadata={"hnsw:space": "cosine"})
        return self._collection

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        batch = max(1, min(5000, self.client.get_max_batch_size()))
        for begin in range(0, len(ids), batch):
            self.collection.add(ids=ids[begin:begin + batch],
                                embeddings=vectors[begin:begin + batch],
                                metadatas=metadatas[begin:begin + batch])

    def count(self) -> int:
        return int(self.collection.count())

    def query(self, vector: np.ndarray, k: int,
              where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) pairs, best first."""
        result = self.collection.query(query_embeddings=[vector], n_results=k, where=where or None,
                                       include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def drop_collections(client: Any, keep: set[str]) -> list[str]:
    """Delete this assistant's collections whose generation is not in `keep`."""
    dropped = []
    for name in [c if isinstance(c, str) else c.name for c in client.list_collections()]:
        if name.startswith(COLLECTION_PREFIX) and name[len(COLLECTION_PREFIX):] not in keep:
            client.delete_collection(name)
            dropped.append(name)
    return dropped


def chroma_filter(filters: dict[str, list[str]] | None) -> dict[str, Any] | None:
    """{"kind": ["law", "bill"], "doc_id": [...]} → a Chroma `where` clause."""
    clauses = [{key: {"$in": list(values)}} for key, values in (filters or {}).items() if values]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
