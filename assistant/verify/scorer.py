"""The support scorer: one verdict per (claim, evidence) pair, for the answerer, `check` and the eval.

The named checks (checks.py) run first; a pair none of them decides goes to the entailment
judge (judge.py by default), whose probability against its calibrated threshold gives
supported, partial or unsupported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.text import normalize
from assistant.types import Verdict
from assistant.verify.checks import CHECKS, DEFAULT_CHECKS, Check, parse_checks
from assistant.verify.judge import EntailmentJudge
from assistant.verify.types import Reason, Support

if TYPE_CHECKING:
    from assistant.settings import Settings

# A pair an exact check rejects still gets a small score, so `check` can show the closest passage.
_REJECTED_SCALE = 0.05


def word_overlap(claim: str, evidence: str) -> float:
    claim_words = set(normalize(claim).split())
    return len(claim_words & set(normalize(evidence).split())) / max(1, len(claim_words))


class OverlapJudge:
    """The share of the claim's words found in the evidence: no model, for tests and as a floor."""

    name = "overlap"
    threshold = 0.8
    partial_threshold = 0.5

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [word_overlap(claim, evidence) for claim, evidence in pairs]


class SupportScorer:
    """Checks, then the judge. The judge is built on first use (a model load), once per scorer."""

    def __init__(self, judge: EntailmentJudge | Callable[[], EntailmentJudge] | None = None,
                 checks: Sequence[Check] = tuple(CHECKS[name] for name in DEFAULT_CHECKS)) -> None:
        """`judge`: a judge, or a function that builds one (called on first use); None: the shipped one."""
        self.checks = tuple(checks)
        self._judge: EntailmentJudge | None = None
        if judge is None:
            self._build: Callable[[], EntailmentJudge] = lambda: make_judge("builtin")
        elif callable(judge) and not hasattr(judge, "probabilities"):
            self._build = judge
        else:
            self._judge = judge  # type: ignore[assignment]
        self._loading = threading.Lock()  # the UI serves several people; load the model once

    @classmethod
    def from_settings(cls, settings: Settings) -> SupportScorer:
        """`verify.judge`: 'builtin' (the shipped cross-encoder), 'llm', 'overlap', or a model folder."""
        return cls(lambda: make_judge(settings.verify.judge, settings), parse_checks(settings.verify.checks))

    @property
    def judge(self) -> EntailmentJudge:
        if self._judge is None:
            with self._loading:
                if self._judge is None:
                    self._judge = self._build()
        return self._judge

    def score(self, claim: str, evidence: str) -> Support:
        return self.score_many([(claim, evidence)])[0]

    def score_many(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        decided = [self.exact_verdict(claim, evidence) for claim, evidence in pairs]
        undecided = [i for i, found in enumerate(decided) if found is None]
        if undecided:
            judge = self.judge
            for i, p in zip(undecided, judge.probabilities([pairs[i] for i in undecided]), strict=True):
                decided[i] = self._judged(p)
        return decided  # type: ignore[return-value]

    def _judged(self, probability: float) -> Support:
        """The verdict for the judge's probability, by its two thresholds."""
        judge = self.judge
        if probability >= judge.threshold:
            return Support(probability, Verdict.SUPPORTED, Reason.ENTAILED)
        if probability >= judge.partial_threshold:
            return Support(probability, Verdict.PARTIAL, Reason.PARTLY_ENTAILED)
        return Support(probability, Verdict.UNSUPPORTED, Reason.NOT_ENTAILED)

    def exact_verdict(self, claim: str, evidence: str) -> Support | None:
        """The verdict of the first exact check that decides, or None: the pair is the judge's."""
        if not evidence.strip():
            return Support(0.0, Verdict.UNSUPPORTED, Reason.NO_EVIDENCE)
        for check in self.checks:
            found = check.run(claim, evidence)
            if found is None:
                continue
            if check.verdict == Verdict.SUPPORTED:
                return Support(1.0, check.verdict, check.reason)
            return Support(_REJECTED_SCALE * word_overlap(claim, evidence), check.verdict, check.reason, found)
        return None


def make_judge(choice: str, settings: Settings | None = None) -> EntailmentJudge:
    from assistant.verify.judge import BUILTIN_JUDGE_DIR, CrossEncoderJudge

    choice = choice.strip()
    lowered = choice.lower()
    if lowered == "overlap":
        return OverlapJudge()
    if lowered == "llm":
        from assistant.verify.llm_judge import LLMJudge

        return LLMJudge.from_settings(settings)
    windows = settings.verify.judge_windows if settings else 4
    return CrossEncoderJudge(BUILTIN_JUDGE_DIR if lowered in {"", "builtin"} else Path(choice).expanduser(),
                             max_windows=windows)


@lru_cache(maxsize=4)
def shared_scorer(settings: Settings) -> SupportScorer:
    """One scorer per configuration and process, so its judge model loads once."""
    return SupportScorer.from_settings(settings)


@lru_cache(maxsize=4)
def repeat_scorer(settings: Settings) -> SupportScorer:
    """The scorer that tells whether one answer sentence states another: the configured judge
    (the cross-encoder in place of the LLM, which would cost seconds a pair) behind the numbers
    check always, so "10 points" is never stated by "6 to 9 points" whatever verify.checks says."""
    if settings.verify.judge.strip().lower() == "llm":
        return SupportScorer(lambda: make_judge("builtin", settings), (CHECKS["numbers"],))
    # The same judge the answer's verification loads, not a second copy of the model.
    return SupportScorer(lambda: shared_scorer(settings).judge, (CHECKS["numbers"],))
