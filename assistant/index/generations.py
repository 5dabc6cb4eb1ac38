"""Index generations: every ingest writes a complete new index beside the served one, then
switches a one-line pointer with an atomic rename.

A reader therefore always sees one whole generation (chunk table, vectors, BM25 and
its Chroma collection), and a crash or `kill -9` at any moment leaves the previous
generation in place; leftovers are collected by the next ingest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import UserError
from assistant.index.bm25 import LexicalIndex
from assistant.index.store import VectorStore, drop_collections
from assistant.types import Chunk

POINTER = "CURRENT"
SCHEMA_VERSION = 1


def new_generation_id() -> str:
    return f"g{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:6]}"


@dataclass
class Manifest:
    """What a generation was built from: content hashes per document, and the settings that
    shaped its chunks and vectors (a different fingerprint forces a clean rebuild)."""

    fingerprint: str
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA_VERSION, "fingerprint": self.fingerprint,
                           "docs": self.docs}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(fingerprint=data["fingerprint"], docs=data["docs"])


@dataclass
class GenerationData:
    """The arrays and records of one generation; row i of each belongs to chunk i."""

    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_rows: np.ndarray  # chunk i's sentence vectors are [rows[i], rows[i + 1])

    def sentence_block(self, row: int) -> np.ndarray:
        return self.sentence_vectors[self.sentence_rows[row]:self.sentence_rows[row + 1]]


def current_generation(index_dir: Path) -> str | None:
    pointer = index_dir / POINTER
    if not pointer.is_file():
        return None
    generation = pointer.read_text(encoding="utf-8").strip()
    return generation if (index_dir / generation / "manifest.json").is_file() else None


def read_generation(index_dir: Path, generation: str, mmap: bool = True) -> GenerationData:
    folder = index_dir / generation
    try:
        manifest = Manifest.from_json((folder / "manifest.json").read_text(encoding="utf-8"))
        with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            chunks = [Chunk.from_record(json.loads(line)) for line in handle]
        mode = "r" if mmap else None
        return GenerationData(
            manifest=manifest,
            chunks=chunks,
            vectors=np.load(folder / "vectors.npy", mmap_mode=mode),
            sentence_vectors=np.load(folder / "sentence_vectors.npy", mmap_mode=mode),
            sentence_rows=np.load(folder / "sentence_rows.npy"),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"index generation {folder} is unreadable ({exc}); "
                        "run `assistant ingest --rebuild`") from exc


def write_generation(index_dir: Path, client: Any, data: GenerationData, bm25_texts: list[str],
                     partitions: dict[str, list[int]] | None = None) -> str:
    """Write a complete generation and make it current. Returns its id.

    `partitions` ({language: chunk rows}) gives each language its own BM25 index: "en" in
    bm25/, any other in bm25-<language>/. Without it, one index covers every chunk."""
    generation = new_generation_id()
    staging = index_dir / f".tmp-{generation}"
    staging.mkdir(parents=True)
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in data.chunks:
            handle.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
    np.save(staging / "vectors.npy", np.ascontiguousarray(data.vectors, dtype=np.float32))
    np.save(staging / "sentence_vectors.npy", data.sentence_vectors.astype(np.float16))
    np.save(staging / "sentence_rows.npy", data.sentence_rows.astype(np.int64))
    for language, rows in (partitions or {"en": list(range(len(bm25_texts)))}).items():
        folder = staging / ("bm25" if language == "en" else f"bm25-{language}")
        LexicalIndex.build([bm25_texts[r] for r in rows], None if partitions is None else np.asarray(rows)) \
            .save(folder)
    store = VectorStore(client, generation)
    store.add([c.chunk_id for c in data.chunks], np.asarray(data.vectors, dtype=np.float32),
              [_chroma_metadata(c) for c in data.chunks])
    # The manifest goes last: a folder without one is never treated as a generation.
    (staging / "manifest.json").write_text(data.manifest.to_json(), encoding="utf-8")
    _fsync_tree(staging)
    os.rename(staging, index_dir / generation)
    _atomic_write(index_dir / POINTER, generation)
    return generation


def collect_garbage(index_dir: Path, client: Any, keep_previous: str | None) -> None:
    """Remove staging leftovers and generations older than the current and previous one.

    The previous generation is kept so that a server still answering from it is never
    pulled out from under a request in flight.
    """
    keep = {g for g in (current_generation(index_dir), keep_previous) if g}
    for folder in index_dir.iterdir():
        if folder.is_dir() and folder.name not in keep and \
                (folder.name.startswith(".tmp-") or folder.name.startswith("g")):
            shutil.rmtree(folder, ignore_errors=True)
    drop_collections(client, keep)


@contextlib.contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time; the OS releases the lock even if the process is killed."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise UserError(f"another ingest is writing {index_dir}; wait for it to finish") \
                from exc
        yield


def _chroma_metadata(chunk: Chunk) -> dict[str, Any]:
    # Every key a retrieval filter may name (language: the cross-lingual searches).
    return {"doc_id": chunk.doc_id, "kind": chunk.meta.get("kind", ""),
            "jurisdiction": chunk.meta.get("jurisdiction", ""), "language": chunk.meta.get("language", "en")}


def _atomic_write(path: Path, content: str) -> None:
    staging = path.with_name(path.name + ".tmp")
    with staging.open("w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)
    _fsync_dir(folder.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
