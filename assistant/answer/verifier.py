"""The trained support verifier: a MiniLM cross-encoder run as int8 ONNX with onnxruntime.

The weights, tokenizer and card live in the repository (assistant/models/verifier/), so
loading never touches the network and never imports torch. `evals/train_verifier.py`
builds them and uses the same `PairEncoder` as inference does, so training and product
see identical token ids.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import UserError
from assistant.text import normalize, split_sentences

BUILTIN_VERIFIER_DIR = Path(__file__).resolve().parent.parent / "models" / "verifier"
# A very long passage (a whole web page) is cut into windows that each fit the model; only
# the windows that share the most words with the claim are scored, which bounds latency.
_MAX_WINDOWS = 6
_BATCH_SIZE = 16


class PairEncoder:
    """BERT word pieces for (claim, evidence) pairs, plus evidence windows that fit max_length."""

    def __init__(self, tokenizer_file: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.max_length = max_length
        self._counter = Tokenizer.from_file(str(tokenizer_file))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._batcher = Tokenizer.from_file(str(tokenizer_file))
        self._batcher.enable_truncation(max_length=max_length, strategy="longest_first")
        self._batcher.enable_padding(pad_id=0, pad_token="[PAD]")

    def token_count(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def windows(self, claim: str, evidence: str, limit: int = _MAX_WINDOWS) -> list[str]:
        """The evidence as-is when it fits beside the claim, else overlapping sentence windows."""
        budget = self.max_length - self.token_count(claim) - 3  # [CLS] claim [SEP] evidence [SEP]
        if self.token_count(evidence) <= budget:
            return [evidence]
        sentences = split_sentences(evidence) or [evidence]
        sizes = [self.token_count(s) for s in sentences]
        windows: list[str] = []
        first = 0
        while first < len(sentences):
            last, used = first, sizes[first]
            while last + 1 < len(sentences) and used + sizes[last + 1] <= budget:
                last += 1
                used += sizes[last]
            windows.append(" ".join(sentences[first:last + 1]))
            if last + 1 >= len(sentences):
                break
            # One sentence of overlap keeps a fact that spans a window edge readable.
            first = last if last > first else last + 1
        return most_overlapping(claim, windows, limit)

    def encode(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        encodings = self._batcher.encode_batch(list(pairs))
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


def most_overlapping(claim: str, passages: list[str], limit: int) -> list[str]:
    """The `limit` passages sharing the most claim words, in their original order."""
    if len(passages) <= limit:
        return passages
    claim_words = set(normalize(claim).split())
    ranked = sorted(range(len(passages)),
                    key=lambda i: -len(claim_words & set(normalize(passages[i]).split())))
    return [passages[i] for i in sorted(ranked[:limit])]


@dataclass(frozen=True)
class VerifierCard:
    """What was trained, on what, and the thresholds tuned for it (card.json beside the weights)."""

    max_length: int
    supported_threshold: float
    partial_threshold: float

    @classmethod
    def read(cls, model_dir: Path) -> VerifierCard:
        card = json.loads((model_dir / "card.json").read_text(encoding="utf-8"))
        return cls(max_length=int(card["max_length"]),
                   supported_threshold=float(card["thresholds"]["supported"]),
                   partial_threshold=float(card["thresholds"]["partial"]))


class Verifier:
    """Probability that the evidence supports the claim, from the trained cross-encoder."""

    def __init__(self, model_dir: Path) -> None:
        missing = [name for name in ("model.onnx", "tokenizer.json", "card.json")
                   if not (model_dir / name).is_file()]
        if missing:
            raise UserError(f"support verifier in {model_dir} lacks {', '.join(missing)}; run "
                            f"`python evals/train_verifier.py` or set ASSISTANT_SUPPORT_VERIFIER=none")
        import onnxruntime

        self.card = VerifierCard.read(model_dir)
        self.encoder = PairEncoder(model_dir / "tokenizer.json", self.card.max_length)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # the int8 graph's harmless optimizer notes are not news
        self._session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """One probability per pair; a long passage counts as support if any window supports."""
        flat: list[tuple[str, str]] = []
        owner: list[int] = []
        for index, (claim, evidence) in enumerate(pairs):
            for window in self.encoder.windows(claim, evidence):
                flat.append((claim, window))
                owner.append(index)
        logits = self.logits(flat)
        best = [-math.inf] * len(pairs)
        for index, logit in zip(owner, logits, strict=True):
            best[index] = max(best[index], logit)
        return [1.0 / (1.0 + math.exp(-x)) for x in best]

    def logits(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        # Similar lengths share a batch, so little time goes on padding.
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = [0.0] * len(pairs)
        for start in range(0, len(order), _BATCH_SIZE):
            chunk = order[start:start + _BATCH_SIZE]
            feed = self.encoder.encode([pairs[i] for i in chunk])
            (scores,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            for i, score in zip(chunk, scores.reshape(-1), strict=True):
                out[i] = float(score)
        return out
