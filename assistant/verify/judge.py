"""The entailment judge: the probability that a piece of evidence supports a claim.

`CrossEncoderJudge` is a MiniLM cross-encoder fine-tuned here (evals/judge/train.py) from the
packaged all-MiniLM-L6-v2 weights on public attribution data (AttributionBench, WiCE, ExpertQA)
and pairs made from our corpus (LLM paraphrases; copies with one number, name, actor,
quantifier, hedge or negation changed). It reads the claim and the evidence together, so it
sees meaning that word overlap cannot. Its int8 ONNX weights, threshold and training record
(card.json) ship in assistant/models/judge/. It runs with onnxruntime and never imports torch.

Evidence longer than the model's window is read as overlapping sentence windows, the few
sharing the most words with the claim; the evidence supports the claim if one window does.
Training reads long evidence through the same `windows`, so the two cannot disagree.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import UserError
from assistant.text import normalize, split_sentences

BUILTIN_JUDGE_DIR = Path(__file__).resolve().parent.parent / "models" / "judge"


class EntailmentJudge(Protocol):
    """Anything that turns (claim, evidence) pairs into support probabilities."""

    name: str
    threshold: float  # at or above: supported
    partial_threshold: float  # at or above (and below `threshold`): partial

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]: ...


@dataclass(frozen=True)
class JudgeCard:
    """What travels with the weights: the window and the calibrated threshold (card.json)."""

    max_length: int
    threshold: float
    partial_threshold: float

    @classmethod
    def read(cls, model_dir: Path) -> JudgeCard:
        card = json.loads((model_dir / "card.json").read_text(encoding="utf-8"))
        return cls(int(card["max_length"]), float(card["threshold"]), float(card["partial_threshold"]))


class PairWindows:
    """Cuts evidence into windows that fit the cross-encoder beside the claim."""

    def __init__(self, tokenizer: object, max_length: int, max_windows: int) -> None:
        from tokenizers import Tokenizer

        # A copy that counts whole texts: the pair tokenizer truncates, and only pairs.
        self._tokenizer = Tokenizer.from_str(tokenizer.to_str())  # type: ignore[attr-defined]
        self._tokenizer.no_truncation()
        self.max_length = max_length
        self.max_windows = max_windows

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def windows(self, claim: str, evidence: str) -> list[str]:
        """The evidence as-is when it fits beside the claim, else its best windows (`windows`)."""
        budget = self.max_length - 3 - min(self.count(claim), self.max_length // 3)
        return windows(claim, evidence, budget, self.count, self.max_windows)


def windows(claim: str, evidence: str, budget: int, measure: Callable[[str], int], limit: int) -> list[str]:
    """Evidence cut for a judge that reads at most `budget` (in `measure`'s units: tokens for
    the cross-encoder, characters for the LLM): the evidence as-is when it fits, else
    overlapping sentence windows, the `limit` sharing the most words with the claim first. A
    sentence longer than the budget is cut between words, so no text goes unread (a single word
    longer than the budget stays whole)."""
    if measure(evidence) <= budget:
        return [evidence]
    pieces = [piece for sentence in split_sentences(evidence) or [evidence]
              for piece in _fitted(sentence, budget, measure)]
    sizes = [measure(p) for p in pieces]
    joiner = measure(" ")  # pieces are joined with a space: a character for the LLM, no token
    found: list[str] = []
    first = 0
    while first < len(pieces):
        last, used = first, sizes[first]
        while last + 1 < len(pieces) and used + joiner + sizes[last + 1] <= budget:
            last += 1
            used += joiner + sizes[last]
        found.append(" ".join(pieces[first:last + 1]))
        if last + 1 >= len(pieces):
            break
        # One sentence of overlap keeps a fact that spans a window edge readable.
        first = last if last > first else last + 1
    return most_overlapping(claim, found, limit)


def _fitted(sentence: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    """The sentence, or consecutive runs of its words that each fit the budget."""
    if measure(sentence) <= budget:
        return [sentence]
    runs: list[str] = []
    current: list[str] = []
    used = 0
    joiner = measure(" ")
    for word in sentence.split():
        size = measure(word) + (joiner if current else 0)
        if current and used + size > budget:
            runs.append(" ".join(current))
            current, used, size = [], 0, measure(word)
        current.append(word)
        used += size
    runs.append(" ".join(current))
    return runs


def most_overlapping(claim: str, passages: list[str], limit: int) -> list[str]:
    """The `limit` passages sharing the most claim words, most first."""
    claim_words = set(normalize(claim).split())
    ranked = sorted(range(len(passages)), key=lambda i: -len(claim_words & set(normalize(passages[i]).split())))
    return [passages[i] for i in ranked[:limit]]


def load_tokenizer(path: Path, max_length: int) -> object:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    # The claim is kept whole; what does not fit is cut from the evidence.
    tokenizer.enable_truncation(max_length, strategy="only_second")
    return tokenizer


class CrossEncoderJudge:
    """The default judge: ~20 ms a window on one core."""

    name = "cross-encoder"

    def __init__(self, model_dir: Path = BUILTIN_JUDGE_DIR, *, max_windows: int = 4, cache_size: int = 2048) -> None:
        missing = [n for n in ("model.onnx", "tokenizer.json", "card.json") if not (model_dir / n).is_file()]
        if missing:
            raise UserError(f"support judge in {model_dir} lacks {', '.join(missing)}; "
                            f"reinstall the package, run `python evals/judge/train.py`, or set "
                            f"ASSISTANT_VERIFY_JUDGE=overlap (word overlap, no model)")
        import onnxruntime

        self.card = JudgeCard.read(model_dir)
        self.threshold = self.card.threshold
        self.partial_threshold = self.card.partial_threshold
        self._tokenizer = load_tokenizer(model_dir / "tokenizer.json", self.card.max_length)
        self.windows = PairWindows(self._tokenizer, self.card.max_length, max_windows)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # On a small shared CPU, one thread that does not spin-wait keeps latency steady.
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        # The answerer and `check` judge several claims against the same few passages.
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [max(self._window_probability(claim, w) for w in self.windows.windows(claim, evidence))
                for claim, evidence in pairs]

    def clear_cache(self) -> None:
        """Forget scored windows (for measuring latency on text never seen before)."""
        with self._lock:
            self._cache.clear()

    def _window_probability(self, claim: str, window: str) -> float:
        key = (claim, window)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        encoding = self._tokenizer.encode(claim, window)  # type: ignore[attr-defined]
        # One pair per run: the int8 model quantises activations with one scale per run, so in a
        # batch a pair's score would shift with whatever else (and whatever padding) shared it.
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64)}
        (logit,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        probability = 1.0 / (1.0 + math.exp(-float(np.ravel(logit)[0])))
        with self._lock:
            self._cache[key] = probability
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return probability
