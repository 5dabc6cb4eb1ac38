"""Measure the support scorer on the two sets it never saw and write evals/reports/attribution.md.

    .venv/bin/python evals/attribution_report.py

Test sets, both untouched by training and threshold tuning:
- the held-out 25% of AttributionBench dev (written to evals/attribution/attributionbench_test.jsonl);
- the hand-labelled corpus set, evals/attribution/corpus_labelled.jsonl.
Systems: the old gate + word overlap, the verifier alone (its own threshold, tuned on the
tuning set), and the product's combination (gates, then verifier).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier_data import ROOT, Pair, attributionbench_split

from assistant.answer.support import SupportScorer, Thresholds
from assistant.answer.verifier import BUILTIN_VERIFIER_DIR
from assistant.evaluate.attribution import (
    AttributionResult,
    LabelledPair,
    binary_scores,
    evaluate_attribution,
    read_pairs,
)
from assistant.evaluate.metrics import percentile

ATTRIBUTION_DIR = ROOT / "evals" / "attribution"
BENCH_TEST = ATTRIBUTION_DIR / "attributionbench_test.jsonl"
LABELLED = ATTRIBUTION_DIR / "corpus_labelled.jsonl"
REPORT = ROOT / "evals" / "reports" / "attribution.md"
_GRID = [i / 100 for i in range(1, 100)]


def _macro_f1(labels: list[int], predicted: list[int]) -> float:
    return binary_scores(labels, predicted)[1]


def _group_mean_f1(groups: dict[str, list[int]], labels: list[int], predicted: list[int]) -> float:
    """Mean macro-F1 over the tuning groups, so the larger group does not pick the threshold."""
    scores = [_macro_f1([labels[i] for i in idx], [predicted[i] for i in idx]) for idx in groups.values()]
    return sum(scores) / len(scores)


def tune_thresholds(scorer: SupportScorer, tuning: list[Pair]) -> tuple[dict[str, float], dict[str, float]]:
    """Thresholds for the combined scorer and for the verifier alone, from the tuning pairs only.

    supported: the threshold with the best macro-F1, averaged over the AttributionBench,
    synthetic and hand-labelled tuning groups (so two of three weights are our domain).
    partial: the score that 90% of supported tuning claims reach, so "partial" marks claims
    with real but insufficient support."""
    pairs = [(p.claim, p.evidence) for p in tuning]
    labels = [p.label for p in tuning]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, pair in enumerate(tuning):
        groups[pair.group.split("/")[0]].append(index)
    raw = scorer.verifier.probabilities(pairs)  # type: ignore[union-attr]
    base = scorer.thresholds
    # The verdict depends on the score alone; `judge` ignores the model where a gate decides,
    # and a gate failure scores below any threshold tried here.
    judged = [scorer.judge(c, e, p) for (c, e), p in zip(pairs, raw, strict=True)]
    scores = [s.score for s in judged]
    grid = [t for t in _GRID if t > base.gate_cap]

    def mean_f1(values: list[float], threshold: float) -> tuple[float, float]:
        return _group_mean_f1(groups, labels, [int(v >= threshold) for v in values]), -abs(threshold - 0.5)

    best = max(grid, key=lambda t: mean_f1(scores, t))
    alone = max(grid, key=lambda t: mean_f1(raw, t))
    positive_scores = sorted(s.score for s, y in zip(judged, labels, strict=True) if y and s.score > base.gate_cap)
    partial = positive_scores[len(positive_scores) // 10] if positive_scores else best / 2
    partial = round(min(best, max(base.gate_cap + 0.01, partial)), 2)
    predicted = [int(v >= best) for v in scores]
    scorer.thresholds = Thresholds(best, partial, base.gate_cap)
    tuning_metrics = {name: round(_macro_f1([labels[i] for i in idx], [predicted[i] for i in idx]), 3)
                      for name, idx in sorted(groups.items())}
    return {"supported": best, "partial": partial, "verifier_alone": alone}, {
        f"macro_f1_{name}": value for name, value in tuning_metrics.items()}


def _verifier_alone(scorer: SupportScorer, pairs: list[LabelledPair], threshold: float) -> AttributionResult:
    probabilities = scorer.verifier.probabilities([(p.claim, p.evidence) for p in pairs])  # type: ignore[union-attr]
    labels = [p.label for p in pairs]
    balanced, macro_f1, accuracy = binary_scores(labels, [int(x >= threshold) for x in probabilities])
    return AttributionResult(len(pairs), sum(labels), balanced, macro_f1, accuracy, float("nan"), float("nan"))


def _uncached_latency(scorer: SupportScorer, pairs: list[LabelledPair]) -> str:
    verifier = scorer.verifier
    timings = []
    for pair in pairs:
        verifier.clear_cache()  # type: ignore[union-attr]
        started = time.perf_counter()
        scorer.score(pair.claim, pair.evidence)
        timings.append((time.perf_counter() - started) * 1000)
    return (f"mean {sum(timings) / len(timings):.0f} ms, p95 {percentile(timings, 95):.0f} ms, "
            f"max {max(timings):.0f} ms over the {len(pairs)} hand-labelled pairs")


def _alone_and_combined(lines: list[str], set_name: str) -> str:
    """The macro-F1 of the verifier alone and of the product on one set, from the table above."""
    cells = {row.split(" | ")[1]: row.split(" | ")[4] for row in lines if row.startswith(f"| {set_name} |")}
    return f"{cells['verifier alone']} / {cells['gates + verifier (product)']}"


def _per_note(scorer: SupportScorer, path: Path) -> list[tuple[str, int, int]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    supports = scorer.score_many([(r["claim"], r["evidence"]) for r in rows])
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, support in zip(rows, supports, strict=True):
        tally[row["note"]][0] += int((support.verdict == "supported") == bool(row["label"]))
        tally[row["note"]][1] += 1
    return sorted(((note, right, total) for note, (right, total) in tally.items()), key=lambda x: -x[2])


def write_report(card: dict[str, object]) -> None:
    _, bench_test = attributionbench_split(seed=int(card["seed"]))  # type: ignore[arg-type]
    BENCH_TEST.write_text("".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in bench_test),
                          encoding="utf-8")
    sets = {"AttributionBench held-out 25%": BENCH_TEST, "hand-labelled corpus set": LABELLED}
    combined = SupportScorer(BUILTIN_VERIFIER_DIR)
    baseline = SupportScorer(use_verifier=False)
    threshold_alone = float(card["thresholds"]["verifier_alone"])  # type: ignore[index]
    lines = ["# Support scorer: attribution accuracy", "",
             "Generated by `evals/train_verifier.py` (or `evals/attribution_report.py`). Neither test set "
             "was used for training or for tuning thresholds. A pair is predicted supported when the verdict "
             "is \"supported\" (\"partial\" counts as not supported).", "",
             "| set | system | n | balanced accuracy | macro-F1 | ms per claim (mean / p95) |",
             "|---|---|---|---|---|---|"]
    for name, path in sets.items():
        pairs = read_pairs(path)
        results = {"gate + word overlap (before)": evaluate_attribution(pairs, baseline),
                   "verifier alone": _verifier_alone(combined, pairs, threshold_alone),
                   "gates + verifier (product)": evaluate_attribution(pairs, combined)}
        for system, r in results.items():
            timing = "—" if r.ms_per_claim != r.ms_per_claim else f"{r.ms_per_claim:.0f} / {r.ms_per_claim_p95:.0f}"
            lines.append(f"| {name} | {system} | {r.n} | {r.balanced_accuracy:.3f} | {r.macro_f1:.3f} | {timing} |")
            print(f"{name:32} {system:30} bacc {r.balanced_accuracy:.3f} macro-F1 {r.macro_f1:.3f}")
    lines += ["", f"Per-claim time on passages never seen before (encoding cache cleared before each claim; the "
              f"table's times let repeated passages hit the cache, as the answerer and `check` do): "
              f"{_uncached_latency(combined, read_pairs(LABELLED))}, on a shared 2-core CPU. Model load "
              f"(import, ONNX session, tokenizer) takes under a second. Budget: 400 ms per claim.",
              "", "## How the scorer decides", "",
              "1. **Exact quote**: a claim that is one or more whole sentences of the evidence, word for word, "
              "is supported (no model).",
              "2. **Gates**: every number, date and capitalised name in the claim must be in the evidence "
              "(an acronym matches its expansion), a negated claim needs a negation in the evidence, and a "
              "claim copied from one evidence sentence must keep that sentence's \"not X\". A failed gate "
              "makes the claim unsupported whatever the model says, and lists what is missing.",
              "3. **Verifier**: the packaged all-MiniLM-L6-v2 encoder (int8 ONNX, ~23 MB, onnxruntime, no torch "
              "at run time) embeds claim and evidence words in context; each claim content word is aligned to "
              "its closest evidence word (BERTScore-style recall), the claim is compared with each evidence "
              "sentence, and word coverage and negation are counted. A logistic regression trained here on "
              "CPU turns these 13 features into a probability. Evidence longer than 256 word pieces is cut "
              "into overlapping sentence windows and the best window counts.",
              "4. **Thresholds** for supported and partial were tuned on the tuning split (15% of the "
              "AttributionBench training side, plus synthetic pairs and 73 hand-labelled pairs from three "
              "corpus documents that are not trained on), never on the test sets.", "",
              "Training data: AttributionBench dev minus its seeded, stratified 25% test split and the "
              "tuning split, plus FactCC-style synthetic pairs from 22 corpus documents (reworded, "
              "compressed and two-sentence claims as supported; altered numbers, dates, names, negations "
              "and antonyms, swapped entities, unsupported additions and wrong passages as not). The six "
              "documents the hand-labelled set was written from, and any sentence elsewhere that restates "
              "one of theirs, produce no training pairs (evals/verifier_data.py). The LLM judge was not "
              "added: the packaged 1.5B judge measured macro-F1 0.63 at ~3.6 s per pair on AttributionBench "
              "(../shared/models.md), nine times the 0.4 s per-claim budget and below the verifier.", "",
              "## What was tried", "",
              "Three verifiers were trained and measured on these test sets; the choice between the last two "
              "was made on the tuning split (hand-labelled tuning macro-F1 0.67 against 0.75).", "",
              "| verifier | hand-labelled: alone / with gates | AttributionBench: alone / with gates |",
              "|---|---|---|",
              "| MiniLM cross-encoder, [CLS]-pooled, fine-tuned 1 epoch (27 min); loss never left 0.69 | "
              "0.342 / 0.751 | 0.542 / 0.549 |",
              "| word-alignment features + logistic regression, unconstrained weights | 0.656 / 0.765 | "
              "0.656 / 0.631 |",
              "| word-alignment features + logistic regression, sign-constrained weights (shipped) | "
              f"{_alone_and_combined(lines, 'hand-labelled corpus set')} | "
              f"{_alone_and_combined(lines, 'AttributionBench held-out 25%')} |", "",
              "A mean-pooled cross-encoder was also started (2 epochs planned); after 120 steps its loss was "
              "still 0.69 and it was stopped. Zero-shot references: the packaged Qwen2.5-Coder-1.5B judge, "
              "macro-F1 0.63 on AttributionBench pairs at ~3.6 s each (../shared/models.md); published "
              "zero-shot AttributionBench results from 100–1000× larger models, 0.73–0.81.", "",
              "## Where it is still weak", "",
              "- Contradictions that keep the evidence's words (\"released\" for \"kept in a holding cell\", "
              "\"praises\" for \"names as permitting\") align well word by word; the verifier misses about half.",
              "- Quantities written as words (\"sixteen\", \"three cases\", \"tripled\") pass the number gate.",
              "- On AttributionBench the name and number gates reject paraphrased names and numbers "
              "(\"Britain\" for \"UK\"), so the product scores below the verifier alone there; on our own "
              "corpus the gates add 0.15 macro-F1.", "",
              "## Hand-labelled set by kind of pair (product scorer)", "",
              "| kind | correct | n |", "|---|---|---|"]
    lines += [f"| {note} | {right} | {total} |" for note, right, total in _per_note(combined, LABELLED)]
    lines += ["", "## Model card", "", "```json", json.dumps(card, indent=2), "```", "",
              f"Written {time.strftime('%Y-%m-%d %H:%M')}.", ""]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    write_report(json.loads((BUILTIN_VERIFIER_DIR / "card.json").read_text(encoding="utf-8")))
