"""Measure the support judge and write evals/reports/support-judge.md (and .json).

    .venv/bin/python evals/judge/bench.py            # cross-encoder and ablations: ~3 minutes
    .venv/bin/python evals/judge/bench.py --llm      # also the LLM judge: ~40 minutes on 2 cores

Test sets, none trained or tuned on:
- in-domain: evals/attribution/corpus_holdout.jsonl, the frozen held-out set written from the
  corpus by a writer who saw no code (evals/attribution/HOLDOUT.md);
- AttributionBench: the seeded 25% test split of its dev set (attributionbench_test.jsonl);
- ExpertQA: real chatbot answers from domain_val (training used rand_val only), a seeded
  balanced sample of 300 claims (Complete support against Partial or Incomplete).
The LLM judge's threshold is chosen on a seeded sample of the dev split (evals/judge/train.py's
dev pairs), never on a test set; `--llm-sample` bounds how many test pairs it reads per set.

Reported per set: macro-F1, the confusion matrix, and errors by kind; an ablation table with
each exact check switched off and the judge alone; the cost per claim, one claim at a time with
the cache cleared (as the answerer and `check` meet new text).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judge_data import ROOT, Pair, balanced_sample, expertqa_pairs, labelled_pairs
from train import best_threshold, domain, judge_datasets

from assistant.evaluate.attribution import binary_scores
from assistant.evaluate.metrics import percentile
from assistant.settings import Settings
from assistant.types import Verdict
from assistant.verify.checks import CHECKS, DEFAULT_CHECKS
from assistant.verify.scorer import OverlapJudge, SupportScorer, make_judge

ATTRIBUTION = ROOT / "evals" / "attribution"
REPORT = ROOT / "evals" / "reports" / "support-judge.md"
PROBABILITIES = ROOT / "evals" / "reports" / "support-judge-probabilities.json"


def test_sets() -> dict[str, list[Pair]]:
    return {
        "in-domain holdout": labelled_pairs(ATTRIBUTION / "corpus_holdout.jsonl", "corpus/holdout"),
        "AttributionBench test": labelled_pairs(ATTRIBUTION / "attributionbench_test.jsonl", "attributionbench"),
        "ExpertQA domain_val": balanced_sample(expertqa_pairs("domain_val"), 300, seed=5),
    }


@dataclass
class Result:
    macro_f1: float
    confusion: tuple[int, int, int, int]  # tp, fn, fp, tn
    errors: Counter
    ms_mean: float
    ms_p95: float
    reasons: Counter


def measure(scorer: SupportScorer, pairs: list[Pair], timed: bool = False) -> Result:
    judge = scorer.judge
    latencies, predicted, reasons = [], [], Counter()
    for pair in pairs:
        if timed and hasattr(judge, "clear_cache"):
            judge.clear_cache()
        started = time.perf_counter()
        support = scorer.score(pair.claim, pair.evidence)
        latencies.append(1000 * (time.perf_counter() - started))
        predicted.append(int(support.verdict == Verdict.SUPPORTED))
        reasons[support.reason.value] += 1
    labels = [p.label for p in pairs]
    errors = Counter(p.kind for p, guess in zip(pairs, predicted, strict=True) if guess != p.label)
    confusion = (sum(g and y for g, y in zip(predicted, labels, strict=True)),
                 sum(not g and y for g, y in zip(predicted, labels, strict=True)),
                 sum(g and not y for g, y in zip(predicted, labels, strict=True)),
                 sum(not g and not y for g, y in zip(predicted, labels, strict=True)))
    return Result(binary_scores(labels, predicted)[1], confusion, errors, sum(latencies) / len(latencies),
                  percentile(latencies, 95), reasons)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", action="store_true", help="also measure the LLM judge (slow)")
    parser.add_argument("--llm-sample", type=int, default=120, help="test pairs per set for the LLM judge")
    args = parser.parse_args()
    sets = test_sets()
    settings = Settings.load()
    builtin = make_judge("builtin", settings)
    default_checks = tuple(CHECKS[n] for n in DEFAULT_CHECKS)
    systems = {f"default ({', '.join(DEFAULT_CHECKS)}, then cross-encoder)": SupportScorer(builtin, default_checks)}
    for name, check in CHECKS.items():
        if name in DEFAULT_CHECKS:
            systems[f"without {name}"] = SupportScorer(builtin, tuple(c for c in default_checks if c.name != name))
        else:
            systems[f"with {name}"] = SupportScorer(builtin, (*default_checks, check))
    systems["cross-encoder alone"] = SupportScorer(builtin, ())
    systems["checks + word overlap (no model)"] = SupportScorer(OverlapJudge(), default_checks)
    results = {system: {name: measure(scorer, pairs) for name, pairs in sets.items()}
               for system, scorer in systems.items()}
    # The same ablation on the dev split: which checks the product runs is decided here, not on the tests.
    _train, dev = judge_datasets(seed=13)
    dev_sets = {f"dev {name}": [p for p in dev if domain(p) == name] for name in sorted({domain(p) for p in dev})}
    dev_results = {system: {name: measure(scorer, pairs) for name, pairs in dev_sets.items()}
                   for system, scorer in systems.items()}
    timing = {name: measure(systems[next(iter(systems))], pairs[:150], timed=True) for name, pairs in sets.items()}
    llm: dict[str, object] = {}
    if args.llm:
        llm = measure_llm(settings, sets, args.llm_sample, default_checks)
    write(sets, results, dev_results, timing, llm, builtin)
    return 0


def measure_llm(settings: Settings, sets: dict[str, list[Pair]], sample: int, checks: tuple) -> dict[str, object]:
    """The LLM judge alone, a cascade (the cross-encoder decides unless its probability is within
    `band` of its threshold, then the LLM does) and a blend of the two probabilities, all behind
    the exact checks. The LLM's threshold, the band and the blend's weight and threshold are
    chosen on dev pairs (read without the exact checks); then all are measured on test samples."""
    llm = make_judge("llm", settings)
    cross = make_judge("builtin", settings)
    _train, dev = judge_datasets(seed=13)
    rng = random.Random(3)
    dev = [p for p in dev if p.group == "corpus/hand"] + rng.sample([p for p in dev if p.group != "corpus/hand"], 90)
    dev_cross = cross.probabilities([(p.claim, p.evidence) for p in dev])
    started = time.perf_counter()
    dev_llm = llm.probabilities([(p.claim, p.evidence) for p in dev])
    per_pair = (time.perf_counter() - started) / len(dev)
    threshold, dev_scores = best_threshold(dev, dev_llm)
    bands = {}
    for band in (0.1, 0.2, 0.3, 0.4):
        mixed = _cascade(dev_cross, dev_llm, cross.threshold, band)
        bands[band] = (_domain_f1(dev, mixed, threshold), _share(dev_cross, cross.threshold, band))
    band = max(bands, key=lambda b: sum(bands[b][0].values()) / len(bands[b][0]))
    weight, blend_threshold, blends = _best_blend(dev, dev_cross, dev_llm)
    found: dict[str, object] = {"threshold": threshold, "dev": dev_scores, "dev_pairs": len(dev),
                                "s_per_pair": round(per_pair, 2), "band": band,
                                "bands": {b: v[0] for b, v in bands.items()},
                                "blend_weight": weight, "blend_threshold": blend_threshold, "blends": blends}
    probabilities: dict[str, list[dict[str, object]]] = {
        "dev": [{"label": p.label, "kind": p.kind, "group": p.group, "cross": round(c, 4), "llm": round(m, 4)}
                for p, c, m in zip(dev, dev_cross, dev_llm, strict=True)]}
    for name, pairs in sets.items():
        chosen = balanced_sample(pairs, sample, seed=11)
        labels = [p.label for p in chosen]
        decided = [SupportScorer(OverlapJudge(), checks).exact_verdict(p.claim, p.evidence) for p in chosen]
        open_pairs = [(p.claim, p.evidence) for p, d in zip(chosen, decided, strict=True) if d is None]
        cross_p = iter(cross.probabilities(open_pairs))
        timed = []
        llm_p = []
        for pair in open_pairs:
            started = time.perf_counter()
            llm_p.extend(llm.probabilities([pair]))
            timed.append(time.perf_counter() - started)
        cross_list = [next(cross_p) for _ in open_pairs]
        systems = {"llm": [p >= threshold for p in llm_p], "cross": [p >= cross.threshold for p in cross_list],
                   "cascade": [p >= threshold for p in _cascade(cross_list, llm_p, cross.threshold, band)],
                   "blend": [weight * c + (1 - weight) * m >= blend_threshold
                             for c, m in zip(cross_list, llm_p, strict=True)]}
        open_chosen = [p for p, d in zip(chosen, decided, strict=True) if d is None]
        probabilities[name] = [{"label": p.label, "kind": p.kind, "cross": round(c, 4), "llm": round(m, 4)}
                               for p, c, m in zip(open_chosen, cross_list, llm_p, strict=True)]
        for label, verdicts in systems.items():
            it = iter(verdicts)
            predicted = [int(d.verdict == Verdict.SUPPORTED) if d is not None else int(next(it)) for d in decided]
            found[f"{name}|{label}"] = round(binary_scores(labels, predicted)[1], 3)
        found[f"{name}|pairs"] = len(chosen)
        found[f"{name}|s_mean"] = round(sum(timed) / max(1, len(timed)), 2)
        found[f"{name}|s_p95"] = round(percentile(timed, 95), 2) if timed else 0.0
        found[f"{name}|to_llm"] = round(_share(cross_list, cross.threshold, band), 2)
        print(name, {k: v for k, v in found.items() if k.startswith(name)}, flush=True)
    # Both judges' probabilities for every pair they read (the dev pairs, and the test pairs the
    # exact checks leave open), so another way of combining them can be measured without the
    # LLM's forty minutes.
    PROBABILITIES.write_text(json.dumps(probabilities, indent=0) + "\n", encoding="utf-8")
    return found


def _best_blend(pairs: list[Pair], fast: list[float], slow: list[float]) -> tuple[float, float, dict[float, float]]:
    """(weight, threshold, mean domain macro-F1 by weight) of `weight * fast + (1 - weight) *
    slow`, both chosen on these (dev) pairs: the two judges err on different claims."""
    by_weight: dict[float, tuple[float, float]] = {}
    for weight in (0.2, 0.35, 0.5, 0.65, 0.8):
        mixed = [weight * f + (1 - weight) * s for f, s in zip(fast, slow, strict=True)]
        threshold, scores = best_threshold(pairs, mixed)
        by_weight[weight] = (sum(scores.values()) / len(scores), threshold)
    weight = max(by_weight, key=lambda w: by_weight[w][0])
    return weight, by_weight[weight][1], {w: round(v[0], 3) for w, v in by_weight.items()}


def _cascade(fast: list[float], slow: list[float], fast_threshold: float, band: float) -> list[float]:
    """The slow judge's probability inside the band around the fast judge's threshold; outside it,
    the fast judge's verdict as 1 or 0 (so any threshold on the slow scale keeps it)."""
    return [s if abs(f - fast_threshold) < band else float(f >= fast_threshold)
            for f, s in zip(fast, slow, strict=True)]


def _domain_f1(pairs: list[Pair], probabilities: list[float], threshold: float) -> dict[str, float]:
    by_domain: dict[str, list[int]] = {}
    for index, pair in enumerate(pairs):
        by_domain.setdefault(domain(pair), []).append(index)
    return {name: round(binary_scores([pairs[i].label for i in members],
                                      [int(probabilities[i] >= threshold) for i in members])[1], 3)
            for name, members in sorted(by_domain.items())}


def _share(fast: list[float], threshold: float, band: float) -> float:
    return sum(abs(f - threshold) < band for f in fast) / max(1, len(fast))


def _row(result: Result) -> str:
    return f"{result.macro_f1:.3f}"


def write(sets: dict[str, list[Pair]], results: dict[str, dict[str, Result]],
          dev_results: dict[str, dict[str, Result]], timing: dict[str, Result],
          llm: dict[str, object], judge: object) -> None:
    names = list(sets)
    card = getattr(judge, "card", None)
    lines = ["# Support judge: measured on sets it never trained or tuned on", "",
             "Written by `evals/judge/bench.py`. Macro-F1 of \"supported\" against everything else.", "",
             "Sets: " + "; ".join(f"{n} ({len(p)} pairs, {sum(x.label for x in p)} supported)"
                                  for n, p in sets.items()) + ".", "",
             f"Cross-encoder threshold {card.threshold if card else '?'} (chosen on the dev split by "
             "evals/judge/train.py).", "",
             "## Ablation: each check on and off", "",
             "| system | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for system, by_set in results.items():
        lines.append(f"| {system} | " + " | ".join(_row(by_set[n]) for n in names) + " |")
    dev_names = list(next(iter(dev_results.values())))
    lines += ["", "The same on the dev split (where the default checks were chosen):", "",
              "| system | " + " | ".join(dev_names) + " |", "|---|" + "---|" * len(dev_names)]
    for system, by_set in dev_results.items():
        lines.append(f"| {system} | " + " | ".join(_row(by_set[n]) for n in dev_names) + " |")
    default = next(iter(results.values()))
    lines += ["", "## Confusion matrices (default system)", "",
              "| set | supported, said supported | supported, said not | not, said supported | not, said not |",
              "|---|---|---|---|---|"]
    for name in names:
        tp, fn, fp, tn = default[name].confusion
        lines.append(f"| {name} | {tp} | {fn} | {fp} | {tn} |")
    lines += ["", "## Errors by kind (in-domain holdout, default system)", "",
              "| kind | errors | pairs |", "|---|---|---|"]
    kinds = Counter(p.kind for p in sets[names[0]])
    for kind, count in sorted(kinds.items()):
        lines.append(f"| {kind} | {default[names[0]].errors.get(kind, 0)} | {count} |")
    lines += ["", "## Which check decided (default system)", "",
              "| set | " + " | ".join(sorted({r for res in default.values() for r in res.reasons})) + " |"]
    reasons = sorted({r for res in default.values() for r in res.reasons})
    lines.append("|---|" + "---|" * len(reasons))
    for name in names:
        lines.append(f"| {name} | " + " | ".join(str(default[name].reasons.get(r, 0)) for r in reasons) + " |")
    lines += ["", "## Cost per claim (default system, one claim at a time, cache cleared, first 150 pairs)", "",
              "| set | mean ms | p95 ms |", "|---|---|---|"]
    for name in names:
        lines.append(f"| {name} | {timing[name].ms_mean:.0f} | {timing[name].ms_p95:.0f} |")
    if llm:
        lines += ["", "## The LLM judge and the cascade (`check --thorough`, the eval's independent grader)", "",
                  f"LLM threshold {llm['threshold']} chosen on {llm['dev_pairs']} dev pairs (macro-F1 by domain "
                  f"there: {llm['dev']}); about {llm['s_per_pair']} s a pair. Cascade: the cross-encoder decides "
                  f"unless its probability is within {llm['band']} of its threshold, then the LLM does (band "
                  f"chosen on dev: {llm['bands']}). Blend: {llm['blend_weight']} × the cross-encoder's probability "
                  f"+ the rest × the LLM's, at or above {llm['blend_threshold']} (weight and threshold chosen on "
                  f"dev, mean macro-F1 by weight: {llm['blends']}; both probabilities of every pair the judges "
                  f"read, the test pairs the exact checks leave open, are in `{PROBABILITIES.name}`). "
                  "Balanced samples of each test set; every system has the "
                  "exact checks first.", "",
                  "| set | pairs | cross-encoder | LLM judge | cascade | blend | share to the LLM (cascade) | "
                  "LLM s mean | LLM s p95 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name in names:
            lines.append(f"| {name} | {llm[name + '|pairs']} | {llm[name + '|cross']:.3f} | {llm[name + '|llm']:.3f} | "
                         f"{llm[name + '|cascade']:.3f} | {llm[name + '|blend']:.3f} | "
                         f"{llm[name + '|to_llm']:.0%} | {llm[name + '|s_mean']} | "
                         f"{llm[name + '|s_p95']} |")
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = {system: {n: {"macro_f1": round(r.macro_f1, 4), "confusion": r.confusion} for n, r in by_set.items()}
            for system, by_set in results.items()}
    REPORT.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
