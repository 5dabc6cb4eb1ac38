"""Every quality metric the project reports, in one file, each a small pure function.

- Retrieval: recall@k, MRR@k and nDCG@k of a ranked list of document ids against gold ids.
- Answers: fact recall against the required facts of a question.
- Citations: citation recall and precision exactly as ALCE defines them (Gao et al. 2023,
  princeton-nlp/ALCE eval.py), with any entailment judge; the product uses its SupportScorer.
- Refusal: precision, recall and F1 of both the refused and the answered class, and their
  mean, which Trust-Score (Song et al. 2024) calls F1_GR.
- Latency: percentiles.

Nothing here loads a model or touches the index, so every definition can be unit-tested
with hand-computed values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.text import normalize
from assistant.verify.scorer import SupportScorer
from assistant.verify.types import Support

# (claim, evidence) -> does the evidence entail the claim?
Entails = Callable[[str, str], bool]
# Gold documents: a set of ids (all relevant, grade 1) or graded relevance {id: grade}.
Gold = Mapping[str, float] | Iterable[str]


# --- Retrieval ---------------------------------------------------------------------------

def unique_in_order(ids: Iterable[str]) -> list[str]:
    """A ranking of documents from a ranking of passages: the first occurrence of each id."""
    return list(dict.fromkeys(ids))


def _grades(gold: Gold) -> dict[str, float]:
    grades = dict(gold) if isinstance(gold, Mapping) else dict.fromkeys(gold, 1.0)
    relevant = {doc: float(grade) for doc, grade in grades.items() if grade > 0}
    if not relevant:
        raise ValueError("no relevant gold document; retrieval metrics are undefined")
    return relevant


def recall_at_k(ranked: Iterable[str], gold: Gold, k: int) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = _grades(gold)
    return len(set(unique_in_order(ranked)[:k]) & relevant.keys()) / len(relevant)


def mrr_at_k(ranked: Iterable[str], gold: Gold, k: int = 10) -> float:
    """1 / rank of the first relevant document in the top k, else 0."""
    relevant = _grades(gold)
    for rank, doc in enumerate(unique_in_order(ranked)[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Iterable[str], gold: Gold, k: int = 10) -> float:
    """Normalised discounted cumulative gain with linear gains (as trec_eval's ndcg_cut)."""
    relevant = _grades(gold)
    dcg = sum(relevant.get(doc, 0.0) / math.log2(rank + 1)
              for rank, doc in enumerate(unique_in_order(ranked)[:k], start=1))
    ideal = sum(grade / math.log2(rank + 1)
                for rank, grade in enumerate(sorted(relevant.values(), reverse=True)[:k], start=1))
    return dcg / ideal


# --- Answers ------------------------------------------------------------------------------

# A word fact may be inflected ("fingerprint" matches "fingerprinted"); a number may not run
# on into a longer one ("20" does not match "2025" or "1,200").
_INFLECTION = r"(?:s|es|d|ed|ing)?(?!\w)"
_NUMBER_END = r"(?!\w)(?![.,]\d)"


def _fact_pattern(alternative: str) -> re.Pattern[str]:
    body = re.escape(normalize(alternative))
    before = r"(?<!\w)(?<!\d[.,])" if alternative[:1].isdigit() else r"(?<!\w)"
    after = _NUMBER_END if normalize(alternative)[-1:].isdigit() else _INFLECTION
    return re.compile(before + body + after)


def fact_found(fact: str, text: str) -> bool:
    """A required fact, written as `a|b|c` alternatives, occurs in the text (case- and
    accent-insensitive, after `normalize`)."""
    normalized = normalize(text)
    return any(_fact_pattern(alt).search(normalized)
               for alt in (a.strip() for a in fact.split("|")) if normalize(alt))


def fact_recall(facts: Sequence[str], text: str) -> float:
    """Share of the required facts the text states; a question with none scores 1."""
    if not facts:
        return 1.0
    return sum(fact_found(fact, text) for fact in facts) / len(facts)


# --- Citations (ALCE) ---------------------------------------------------------------------

@dataclass
class CitedSentence:
    text: str  # the claim, citation markers removed
    citations: list[int]  # the passage numbers it cites, in order


@dataclass
class CitationScores:
    recall: float
    precision: float
    # Per sentence: do its cited passages jointly entail it (ALCE's citation recall)?
    supported: list[bool] = field(default_factory=list)
    # Per sentence: citations that are irrelevant in ALCE's sense (entail nothing alone and
    # removing them keeps the joint entailment).
    irrelevant: list[list[int]] = field(default_factory=list)


def citation_scores(sentences: Sequence[CitedSentence], passages: Mapping[int, str],
                    entails: Entails) -> CitationScores:
    """ALCE citation recall and precision of one answer.

    Recall: share of sentences whose cited passages, joined, entail the sentence; a sentence
    with no citation, or citing a passage that does not exist, is unsupported.
    Precision: share of citations that are relevant. A citation of an unsupported sentence
    is not; a sole citation of a supported sentence is; in a supported sentence with several,
    a citation is irrelevant when it does not entail the sentence alone and the others still
    entail it without it.
    """
    supported: list[bool] = []
    irrelevant: list[list[int]] = []
    relevant_citations = 0
    total_citations = 0

    def joined(numbers: Iterable[int]) -> str:
        return "\n".join(passages[n] for n in numbers)

    for sentence in sentences:
        cited = unique_in_order(sentence.citations)
        dropped: list[int] = []
        if not cited or any(n not in passages for n in cited):
            supported.append(False)
            irrelevant.append(dropped)
            continue
        total_citations += len(cited)
        joint = entails(sentence.text, joined(cited))
        supported.append(joint)
        if joint and len(cited) > 1:
            for n in cited:
                others = [m for m in cited if m != n]
                if not entails(sentence.text, passages[n]) \
                        and entails(sentence.text, joined(others)):
                    dropped.append(n)
                else:
                    relevant_citations += 1
        elif joint:
            relevant_citations += 1
        irrelevant.append(dropped)
    return CitationScores(
        recall=sum(supported) / len(sentences) if sentences else 0.0,
        precision=relevant_citations / total_citations if total_citations else 0.0,
        supported=supported, irrelevant=irrelevant)


class SupportJudge:
    """The SupportScorer as ALCE's entailment judge: entailed means a "supported" verdict.

    Verdicts are remembered per (claim, evidence), because ALCE's precision and the checker's
    per-sentence verdicts ask about the same pairs again.
    """

    def __init__(self, scorer: SupportScorer) -> None:
        self.scorer = scorer
        self._seen: dict[tuple[str, str], Support] = {}

    def support(self, claim: str, evidence: str) -> Support:
        return self.support_many([(claim, evidence)])[0]

    def support_many(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        """Verdicts for many pairs, the new ones scored in one batch."""
        new = list(dict.fromkeys(pair for pair in pairs if pair not in self._seen))
        if new:
            self._seen.update(zip(new, self.scorer.score_many(new), strict=True))
        return [self._seen[pair] for pair in pairs]

    def __call__(self, claim: str, evidence: str) -> bool:
        return self.support(claim, evidence).verdict == "supported"


# --- Refusal (Trust-Score) ----------------------------------------------------------------

def _prf(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float, float]:
    true_positive = sum(p and a for p, a in zip(predicted, actual, strict=True))
    precision = true_positive / sum(predicted) if any(predicted) else 0.0
    recall = true_positive / sum(actual) if any(actual) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def refusal_scores(answerable: Sequence[bool], refused: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of refusing (positive: the question is unanswerable) and of
    answering (positive: it is answerable), and F1_GR, the mean of the two F1s."""
    refused_p, refused_r, refused_f1 = _prf(refused, [not a for a in answerable])
    answered_p, answered_r, answered_f1 = _prf([not r for r in refused], answerable)
    return {
        "refused_precision": refused_p, "refused_recall": refused_r, "refused_f1": refused_f1,
        "answered_precision": answered_p, "answered_recall": answered_r,
        "answered_f1": answered_f1, "f1_gr": (refused_f1 + answered_f1) / 2,
    }


# --- Latency ------------------------------------------------------------------------------

def in_language(expected: str, answered_in: str, first_shown: str) -> bool:
    """An answer is in the asker's language when it says so and the first thing it shows reads so
    to the language detector (the detector, not the answerer, has the last word)."""
    from assistant.retrieve.language import detect

    return answered_in == expected and detect(first_shown).language == expected


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linearly interpolated between samples."""
    if not values:
        raise ValueError("no values to take a percentile of")
    return float(np.percentile(np.asarray(values, dtype=float), q))


def mean(values: Iterable[float]) -> float | None:
    """The mean, or None for an empty group (a metric that does not apply)."""
    values = list(values)
    return sum(values) / len(values) if values else None
