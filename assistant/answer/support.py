"""Support checking: is a sentence backed by the passage it cites?

Layer one, here, is deterministic and cannot be talked out of its verdict: the quote
must sit in its passage at the stated offsets, and every number, date, capitalised
name and negation in the claim must be found in the cited text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text import normalize

_NUMBER = re.compile(r"(?<![\w.])(?:\$\s?)?\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|million|billion))?")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+(?:\s+(?:[A-Z][a-zA-Z'’\-]+|of|de|v\.))*")
_NEGATION = re.compile(r"\b(?:not|no|never|none|cannot|can't|don't|doesn't|didn't|won't|"
                       r"without|nor|neither)\b", re.IGNORECASE)
# Sentence-initial words and everyday capitalised words that are not names to check.
_COMMON = {"the", "a", "an", "in", "on", "at", "for", "and", "but", "or", "if", "when", "under",
           "per", "as", "by", "this", "that", "these", "those", "it", "its", "they", "their",
           "there", "some", "many", "most", "each", "every", "both", "one", "after", "before",
           "during", "since", "until", "while", "because", "also", "you", "your", "we", "our",
           "he", "she", "his", "her", "what", "who", "how", "why", "where", "yes", "no",
           "according", "however", "i", "is", "are", "was", "were", "not", "do", "does"}


@dataclass
class GateResult:
    passed: bool
    missing: list[str] = field(default_factory=list)  # facts in the claim absent from evidence
    negation_mismatch: bool = False


def _number_key(token: str) -> str:
    return re.sub(r"[\s,$]", "", token.lower()).replace("percent", "%")


def claim_numbers(text: str) -> list[str]:
    return [m.group(0).strip() for m in _NUMBER.finditer(text)]


def claim_names(text: str) -> list[str]:
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group(0).split() if w.lower() not in _COMMON]
        if words and not (match.start() == 0 and len(words) == 1 and words[0].lower() in _COMMON):
            names.append(" ".join(words))
    return names


def fact_gate(claim: str, evidence: str) -> GateResult:
    """Numbers, names and negation in `claim` must be matched in `evidence`."""
    evidence_numbers = {_number_key(n) for n in claim_numbers(evidence)}
    evidence_norm = normalize(evidence)
    missing = [n for n in claim_numbers(claim) if _number_key(n) not in evidence_numbers]
    for name in claim_names(claim):
        parts = [p for p in normalize(name).split() if len(p) > 2]
        if parts and not all(p in evidence_norm for p in parts):
            missing.append(name)
    negated_claim = bool(_NEGATION.search(claim))
    negation_mismatch = negated_claim and not _NEGATION.search(evidence)
    return GateResult(passed=not missing and not negation_mismatch, missing=missing,
                      negation_mismatch=negation_mismatch)


@dataclass
class Support:
    """How well one claim is backed by one piece of evidence."""

    score: float  # 0..1
    verdict: str  # supported | partial | unsupported
    missing: list[str] = field(default_factory=list)


class SupportScorer:
    """The one support judge used by the answerer, `assistant check` and `assistant eval`.

    Today: the deterministic gate plus word overlap. A trained verifier model slots in
    behind `score` without changing any caller.
    """

    def score(self, claim: str, evidence: str) -> Support:
        gate = fact_gate(claim, evidence)
        claim_words = set(normalize(claim).split())
        overlap = len(claim_words & set(normalize(evidence).split())) / max(1, len(claim_words))
        if not gate.passed:
            return Support(min(overlap, 0.3), "unsupported", gate.missing)
        if overlap >= 0.8:
            return Support(overlap, "supported")
        return Support(overlap, "partial" if overlap >= 0.5 else "unsupported")


def quote_in_passage(quote: str, passage: str, start: int, end: int, passage_start: int) -> bool:
    """The quote is exactly the passage text at the stated document offsets."""
    local = start - passage_start
    return local >= 0 and passage[local:local + (end - start)] == quote and end - start == len(quote)
