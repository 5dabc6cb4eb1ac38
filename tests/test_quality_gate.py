"""The regression gate: the dev set, run through the real assistant on the session's index,
must reach every minimum in evals/thresholds.toml."""

from __future__ import annotations

import pytest

from assistant.evaluate.runner import (
    DEFAULT_SET,
    below_thresholds,
    evaluate,
    failures,
    load_questions,
    load_thresholds,
)

pytestmark = pytest.mark.index


def test_dev_set_quality_meets_the_thresholds(assistant):
    result = evaluate(assistant, load_questions(DEFAULT_SET))
    problems = below_thresholds(result.overall, load_thresholds())
    failing = "\n".join(f"  {f['id']}: {f['why']}" for f in failures(result.questions))
    assert not problems, ("Quality fell below evals/thresholds.toml:\n  " + "\n  ".join(problems)
                          + f"\nFailing questions:\n{failing}")
