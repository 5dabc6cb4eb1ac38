"""The trained support verifier: how much of a claim the evidence actually says.

The packaged all-MiniLM-L6-v2 encoder (int8 ONNX, run with onnxruntime) embeds the claim's
words and the evidence's words in context. Every content word of the claim is aligned to its
closest evidence word (BERTScore-style recall), the claim is compared with each evidence
sentence, and word coverage and negation are counted. A logistic regression trained here on
CPU (evals/train_verifier.py) turns these features into a probability; its weights, the
tuned thresholds and the training record are in card.json beside the weights.

Loading never touches the network and never imports torch; training computes its features
with this same code, so training and product cannot disagree.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import UserError
from assistant.text import normalize, sentence_spans, split_sentences

BUILTIN_VERIFIER_DIR = Path(__file__).resolve().parent.parent / "models" / "verifier"
_CLAIM_TOKENS = 128
_STOP = frozenset([
    "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "but", "by", "with", "from",
    "as", "is", "are", "was", "were", "be", "been", "that", "this", "these", "those", "it", "its",
    "their", "his", "her", "he", "she", "they", "who", "which", "what", "when", "where", "has",
    "have", "had", "do", "does", "did", "would", "will", "can", "could", "may", "must", "should",
    "than", "then", "there", "also", "about", "into", "over", "under", "after", "before", "such",
])
_NEGATION = re.compile(r"\b(?:not|no|never|none|cannot|can't|don't|doesn't|didn't|won't|without|nor|neither)\b",
                       re.IGNORECASE)
FEATURES = (
    "align_mean",  # mean over claim content words of the best cosine to any evidence word
    "align_min",  # the claim word the evidence backs least
    "align_low3",  # mean of the three least-backed claim words
    "unaligned_share",  # share of claim content words whose best cosine is below 0.6
    "weak_share",  # ... below 0.75
    "sentence_cosine",  # best cosine of the claim's mean embedding to one evidence sentence
    "window_cosine",  # cosine of the claim's mean embedding to the whole window
    "word_coverage",  # share of claim content words (5-letter stems) present in the window
    "sentence_coverage",  # ... present in the single best-covering sentence
    "claim_negated",
    "sentence_negated",  # the sentence most like the claim carries a negation
    "negation_differs",  # one of the two is negated and the other is not
    "claim_length",  # log(1 + content words)
)


@dataclass(frozen=True)
class VerifierCard:
    """The trained classifier, its thresholds and the encoder window (card.json)."""

    max_length: int
    supported_threshold: float
    partial_threshold: float
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def read(cls, model_dir: Path) -> VerifierCard:
        path = model_dir / "card.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        classifier = card.get("classifier") or {}
        names = classifier.get("features", list(FEATURES))
        if tuple(names) != FEATURES:
            raise UserError(f"{path}: trained on features {names}, this code computes {list(FEATURES)}; "
                            f"retrain with `python evals/train_verifier.py`")
        size = len(FEATURES)
        return cls(max_length=int(card["max_length"]),
                   supported_threshold=float(card["thresholds"]["supported"]),
                   partial_threshold=float(card["thresholds"]["partial"]),
                   mean=np.array(classifier.get("mean", [0.0] * size), dtype=np.float32),
                   scale=np.array(classifier.get("scale", [1.0] * size), dtype=np.float32),
                   coef=np.array(classifier.get("coef", [0.0] * size), dtype=np.float32),
                   intercept=float(classifier.get("intercept", 0.0)))


@dataclass
class _Encoded:
    vectors: np.ndarray  # unit-length contextual vectors of the real (non-special) tokens
    content: np.ndarray  # bool per token: part of a content word (not a stop word or symbol)
    starts: np.ndarray  # character offset where each token starts


class Verifier:
    """Probability that the evidence supports the claim."""

    def __init__(self, model_dir: Path, *, require_classifier: bool = True, max_windows: int = 6,
                 cache_size: int = 512) -> None:
        # A very long passage (a whole web page) is cut into windows that fit the encoder; only the
        # windows sharing the most words with the claim are read, which bounds latency.
        self.max_windows = max_windows
        # The answerer and `check` verify several claims against the same few passages.
        self.cache_size = cache_size
        missing = [name for name in ("model.onnx", "tokenizer.json", "card.json")
                   if not (model_dir / name).is_file()]
        if missing:
            raise UserError(f"support verifier in {model_dir} lacks {', '.join(missing)}; run "
                            f"`python evals/train_verifier.py` or set ASSISTANT_VERIFY_SUPPORT_VERIFIER=none")
        import onnxruntime
        from tokenizers import Tokenizer

        self.card = VerifierCard.read(model_dir)
        if require_classifier and not self.card.coef.any():
            raise UserError(f"{model_dir / 'card.json'} has no trained classifier; "
                            f"run `python evals/train_verifier.py`")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # On a small shared CPU, one thread that does not spin-wait keeps latency steady.
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._cache: OrderedDict[tuple[str, int], _Encoded] = OrderedDict()
        self._cache_lock = threading.Lock()

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """One probability per pair; a long passage supports a claim if any window does."""
        rows, owner = self.features(pairs)
        logits = ((rows - self.card.mean) / self.card.scale) @ self.card.coef + self.card.intercept
        best = [-math.inf] * len(pairs)
        for index, logit in zip(owner, logits.tolist(), strict=True):
            best[index] = max(best[index], logit)
        return [1.0 / (1.0 + math.exp(-x)) for x in best]

    def features(self, pairs: Sequence[tuple[str, str]]) -> tuple[np.ndarray, list[int]]:
        """One row of FEATURES per (pair, evidence window), and the pair each row belongs to."""
        windows: list[str] = []
        owner: list[int] = []
        for index, (claim, evidence) in enumerate(pairs):
            for window in self.windows(claim, evidence):
                windows.append(window)
                owner.append(index)
        claims = self._encode([claim for claim, _ in pairs], _CLAIM_TOKENS)
        encoded = self._encode(windows, self.card.max_length)
        rows = [_pair_features(pairs[i][0], claims[i], window, e)
                for i, window, e in zip(owner, windows, encoded, strict=True)]
        return np.array(rows, dtype=np.float32).reshape(-1, len(FEATURES)), owner

    def windows(self, claim: str, evidence: str) -> list[str]:
        """The evidence as-is when it fits the encoder, else overlapping sentence windows."""
        budget = self.card.max_length - 2
        if self._count(evidence) <= budget:
            return [evidence]
        sentences = split_sentences(evidence) or [evidence]
        sizes = [self._count(s) for s in sentences]
        found: list[str] = []
        first = 0
        while first < len(sentences):
            last, used = first, sizes[first]
            while last + 1 < len(sentences) and used + sizes[last + 1] <= budget:
                last += 1
                used += sizes[last]
            found.append(" ".join(sentences[first:last + 1]))
            if last + 1 >= len(sentences):
                break
            # One sentence of overlap keeps a fact that spans a window edge readable.
            first = last if last > first else last + 1
        return most_overlapping(claim, found, self.max_windows)

    def clear_cache(self) -> None:
        """Forget encoded texts (for measuring latency on passages never seen before)."""
        with self._cache_lock:
            self._cache.clear()

    def _count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def _encode(self, texts: list[str], max_length: int) -> list[_Encoded]:
        with self._cache_lock:
            known = {t: self._cache[(t, max_length)] for t in texts if (t, max_length) in self._cache}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        # One text per run: the int8 model quantises activations with one scale per run, so in a
        # batch a claim's score would shift with whatever else (and whatever padding) shared it.
        for text, encoding in zip(todo, self._tokenizer.encode_batch(todo), strict=True):
            # Over-long text keeps its first tokens and its closing [SEP].
            ids = encoding.ids if len(encoding.ids) <= max_length else [*encoding.ids[:max_length - 1],
                                                                         encoding.ids[-1]]
            row = np.array([ids], dtype=np.int64)
            feed = {"input_ids": row, "attention_mask": np.ones_like(row), "token_type_ids": np.zeros_like(row)}
            (hidden,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            real = len(ids) - 2  # without [CLS] and [SEP]
            vectors = hidden[0, 1:1 + real]
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
            offsets = encoding.offsets[1:1 + real]
            known[text] = _Encoded(vectors, _content_mask(text, offsets),
                                   np.array([start for start, _ in offsets], dtype=np.int64))
        with self._cache_lock:
            for text in todo:
                self._cache[(text, max_length)] = known[text]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return [known[t] for t in texts]


def _content_mask(text: str, offsets: Sequence[tuple[int, int]]) -> np.ndarray:
    """Word pieces that belong to content words: not stop words, not punctuation."""
    mask = np.zeros(len(offsets), dtype=bool)
    for index, (start, end) in enumerate(offsets):
        word_start, word_end = start, end
        while word_start > 0 and text[word_start - 1].isalnum():
            word_start -= 1
        while word_end < len(text) and text[word_end].isalnum():
            word_end += 1
        word = text[word_start:word_end].lower()
        mask[index] = any(c.isalnum() for c in word) and word not in _STOP
    return mask


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", normalize(text)) if w not in _STOP}


def _pair_features(claim: str, c: _Encoded, window: str, e: _Encoded) -> list[float]:
    claim_vectors = c.vectors[c.content] if c.content.any() else c.vectors
    if not len(claim_vectors) or not len(e.vectors):
        return [0.0] * len(FEATURES)
    best = (claim_vectors @ e.vectors.T).max(axis=1)
    claim_mean = _unit(c.vectors.mean(axis=0))
    spans = sentence_spans(window) or [(0, len(window))]
    # Each token belongs to the sentence it starts in; a sentence's vector is its tokens' mean.
    owner = np.searchsorted(np.array([s for s, _ in spans]), e.starts, side="right") - 1
    sentence_cosines = [float(claim_mean @ _unit(e.vectors[owner == k].mean(axis=0))) if (owner == k).any()
                        else -1.0 for k in range(len(spans))]
    closest = spans[int(np.argmax(sentence_cosines))]
    claim_stems = _stems(claim)
    sentence_stems = [_stems(window[s:t]) for s, t in spans]
    claim_negated = bool(_NEGATION.search(claim))
    sentence_negated = bool(_NEGATION.search(window[closest[0]:closest[1]]))
    return [
        float(best.mean()), float(best.min()), float(np.sort(best)[:3].mean()),
        float((best < 0.6).mean()), float((best < 0.75).mean()),
        max(sentence_cosines), float(claim_mean @ _unit(e.vectors.mean(axis=0))),
        len(claim_stems & set().union(*sentence_stems)) / max(1, len(claim_stems)),
        max(len(claim_stems & stems) for stems in sentence_stems) / max(1, len(claim_stems)),
        float(claim_negated), float(sentence_negated), float(claim_negated != sentence_negated),
        math.log1p(len(claim_stems)),
    ]


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-6)


def most_overlapping(claim: str, passages: list[str], limit: int) -> list[str]:
    """The `limit` passages sharing the most claim words, in their original order."""
    if len(passages) <= limit:
        return passages
    claim_words = set(normalize(claim).split())
    ranked = sorted(range(len(passages)),
                    key=lambda i: -len(claim_words & set(normalize(passages[i]).split())))
    return [passages[i] for i in sorted(ranked[:limit])]
