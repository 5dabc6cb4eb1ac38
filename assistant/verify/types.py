"""Claims, evidence and support verdicts: the records every part of verification shares.

Depends on nothing but the core enums, so the answerer, `check`, the API and the eval can all
use them without loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from assistant.types import Verdict


class Reason(StrEnum):
    """Why a claim got its verdict: the code of the check that decided (README: Support checking)."""

    QUOTED = "quoted"  # the claim is whole sentences of the evidence, word for word
    ENTAILED = "entailed"  # the judge reads the evidence as saying the claim
    PARTLY_ENTAILED = "partly_entailed"  # the judge finds some of it, not enough
    NOT_ENTAILED = "not_entailed"  # the judge does not read the claim in the evidence
    NUMBER_MISSING = "number_missing"  # a number, date or amount of the claim is not in the evidence
    NAME_MISSING = "name_missing"  # a name of the claim is not in the evidence
    NO_EVIDENCE = "no_evidence"  # nothing to check against: no passage, or an empty one
    UNCITED = "uncited"  # the sentence cites nothing
    UNKNOWN_CITATION = "unknown_citation"  # it cites a passage number that was not given


@dataclass(frozen=True)
class Evidence:
    """One passage a claim may be checked against: given with an answer (`n`) or found in the corpus."""

    text: str
    n: int | None = None
    title: str = ""
    doc_id: str = ""
    source_url: str = ""
    chunk_id: str = ""


@dataclass
class Support:
    """How well one piece of evidence backs one claim."""

    score: float  # 0..1: the judge's probability, 1 for a quote, low when an exact check failed
    verdict: Verdict  # never UNCITED: a scored pair has its evidence
    reason: Reason
    missing: list[str] = field(default_factory=list)  # the numbers or names the evidence lacks
