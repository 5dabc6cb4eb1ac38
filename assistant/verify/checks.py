"""The named checks a claim passes through before the judge, in order.

Each check reads (claim, evidence) and either decides the verdict, with its reason code and what
it found, or passes the pair on. Only exact checks live here; whatever they let through goes to
the entailment judge (judge.py). Each can be switched off (`verify.checks`), which is how
evals/judge/bench.py measures what each one is worth (the ablation table in
evals/reports/support-judge.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import UserError
from assistant.types import Verdict
from assistant.verify.facts import is_quote, missing_names, missing_numbers
from assistant.verify.types import Reason


@dataclass(frozen=True)
class Check:
    name: str
    reason: Reason  # given when the check decides
    verdict: Verdict  # ... and the verdict it gives
    description: str
    # What the check found (for the reader: the missing numbers), or None to pass the pair on.
    run: Callable[[str, str], list[str] | None]


CHECKS: dict[str, Check] = {check.name: check for check in (
    Check("quote", Reason.QUOTED, Verdict.SUPPORTED,
          "the claim is whole sentences of the evidence, word for word: supported without a model",
          lambda claim, evidence: [] if is_quote(claim, evidence) else None),
    Check("numbers", Reason.NUMBER_MISSING, Verdict.UNSUPPORTED,
          "every number, date and amount of the claim must be in the evidence",
          lambda claim, evidence: missing_numbers(claim, evidence) or None),
    Check("names", Reason.NAME_MISSING, Verdict.UNSUPPORTED,
          "every capitalised name of the claim must be in the evidence (an acronym counts for its name)",
          lambda claim, evidence: missing_names(claim, evidence) or None),
)}
# "names" is off by default: on the dev split it rejected more faithful claims (a name written
# another way, "the Trial Court" for "the Massachusetts Trial Court") than altered ones, and the
# judge alone did better (evals/reports/support-judge.md, ablation on dev).
DEFAULT_CHECKS = ("quote", "numbers")


def parse_checks(value: str) -> tuple[Check, ...]:
    """`verify.checks` ("quote,numbers,names"; empty: the judge alone) as checks, in that order."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        raise UserError(f"verify.checks: unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    return tuple(CHECKS[name] for name in names)
