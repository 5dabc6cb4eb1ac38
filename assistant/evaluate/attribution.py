"""`assistant eval --attribution FILE`: how well the support scorer judges labelled pairs.

FILE is JSONL, one pair a line: `claim`, `evidence` (a string, or a list of passages that
are joined) and `label` (1/0, true/false, or "attributable"/"not attributable"). A pair
counts as predicted supported when the scorer's verdict is "supported"; "partial" is not
support. Reported: balanced accuracy and macro-F1 (the AttributionBench metrics), and the
time per claim when claims are scored one at a time, as the answerer and `check` do.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.evaluate.jsonl import read_jsonl
from assistant.evaluate.metrics import _prf, percentile
from assistant.settings import Settings
from assistant.verify.scorer import SupportScorer

_POSITIVE = {"1", "true", "attributable", "supported", "yes"}
_NEGATIVE = {"0", "false", "not attributable", "not_attributable", "unsupported", "no"}


@dataclass(frozen=True)
class LabelledPair:
    claim: str
    evidence: str
    label: int  # 1: the evidence supports the claim


@dataclass
class AttributionResult:
    n: int
    positives: int
    balanced_accuracy: float
    macro_f1: float
    accuracy: float
    ms_per_claim: float  # mean
    ms_per_claim_p95: float


def read_pairs(path: Path) -> list[LabelledPair]:
    """Labelled pairs from JSONL; a bad line is a one-line error naming the file, line and fix."""
    pairs = []
    for where, row in read_jsonl(path, ("claim", "evidence", "label"), "give a JSONL file of claim/evidence/label"):
        evidence = row["evidence"]
        if isinstance(evidence, list):
            evidence = "\n\n".join(str(part) for part in evidence)
        pairs.append(LabelledPair(str(row["claim"]).strip(), str(evidence).strip(), _label(row["label"], where)))
    if not pairs:
        raise UserError(f"{path}: no labelled pairs; expected JSONL lines with claim, evidence and label")
    return pairs


def _label(raw: Any, where: str) -> int:
    text = str(raw).strip().lower()
    if text in _POSITIVE:
        return 1
    if text in _NEGATIVE:
        return 0
    raise UserError(f"{where}: label {raw!r} is not 1/0 or \"attributable\"/\"not attributable\"")


def binary_scores(labels: list[int], predicted: list[int]) -> tuple[float, float, float]:
    """(balanced accuracy, macro-F1, accuracy) with "supported" and "not supported" as the classes."""
    actual = [bool(x) for x in labels]
    guess = [bool(x) for x in predicted]
    _, recall_yes, f1_yes = _prf(guess, actual)
    _, recall_no, f1_no = _prf([not g for g in guess], [not a for a in actual])
    accuracy = sum(a == g for a, g in zip(actual, guess, strict=True)) / len(actual)
    return (recall_yes + recall_no) / 2, (f1_yes + f1_no) / 2, accuracy


def evaluate_attribution(pairs: list[LabelledPair], scorer: SupportScorer) -> AttributionResult:
    scorer.score("Warm-up claim.", "Warm-up evidence.")  # loads the model outside the timings
    predicted: list[int] = []
    latencies_ms: list[float] = []
    for pair in pairs:
        started = time.perf_counter()
        support = scorer.score(pair.claim, pair.evidence)
        latencies_ms.append((time.perf_counter() - started) * 1000)
        predicted.append(int(support.verdict == "supported"))
    labels = [p.label for p in pairs]
    balanced, macro_f1, accuracy = binary_scores(labels, predicted)
    return AttributionResult(n=len(pairs), positives=sum(labels), balanced_accuracy=balanced,
                             macro_f1=macro_f1, accuracy=accuracy,
                             ms_per_claim=sum(latencies_ms) / len(latencies_ms),
                             ms_per_claim_p95=percentile(latencies_ms, 95))


def format_result(path: Path, result: AttributionResult) -> str:
    return "\n".join([
        f"{path}: {result.n} pairs ({result.positives} supported, {result.n - result.positives} not)",
        f"  balanced accuracy  {result.balanced_accuracy:.3f}",
        f"  macro-F1           {result.macro_f1:.3f}",
        f"  accuracy           {result.accuracy:.3f}",
        f"  per claim          {result.ms_per_claim:.1f} ms mean, {result.ms_per_claim_p95:.1f} ms p95",
    ])


def attribution_command(settings: Settings, path: Path, as_json: bool = False) -> int:
    result = evaluate_attribution(read_pairs(path), SupportScorer.from_settings(settings))
    print(json.dumps(asdict(result)) if as_json else format_result(path, result))
    return 0
