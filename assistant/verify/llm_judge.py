"""The local LLM as a support judge: slower, and independent of the cross-encoder.

The packaged Qwen2.5-Coder-1.5B reads the passage and the claim (prompts/support_judge.txt)
and answers with one token, read as P(yes) (llm/yes_no.py), so it has a threshold to calibrate
like any judge (evals/judge/bench.py chose it on the dev split; it is in the settings as
verify.llm_judge_threshold). It serves `assistant check --thorough` and grades the eval's
citations independently of the filter. About 1-2 s a pair on 2 cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.prompts import load_prompt
from assistant.verify.judge import windows

if TYPE_CHECKING:
    from assistant.settings import Settings

# ~4 characters a token: a window of ~300 tokens keeps one judgment near a second.
_WINDOW_CHARS = 1200


class LLMJudge:
    name = "llm"

    def __init__(self, model_path: Path, prompts_dir: Path, *, threshold: float = 0.5, max_windows: int = 2,
                 threads: int = 0) -> None:
        from assistant.llm.yes_no import YesNoModel

        self.threshold = threshold
        self.partial_threshold = threshold / 2
        self.max_windows = max_windows
        self._template = load_prompt(prompts_dir, "support_judge")
        self._model = YesNoModel(model_path, threads=threads)

    @classmethod
    def from_settings(cls, settings: Settings | None) -> LLMJudge:
        from assistant.bundled import prompts_dir
        from assistant.llm.weights import resolve_gguf
        from assistant.settings import Settings

        settings = settings or Settings.load()
        path = resolve_gguf(settings.verify.llm_judge_model, settings.llm.model_cache_dir,
                            setting="verify.llm_judge_model")
        return cls(path, prompts_dir(), threshold=settings.verify.llm_judge_threshold, threads=settings.llm.threads)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [max(self._probability(claim, w) for w in windows(claim, evidence, _WINDOW_CHARS, len, self.max_windows))
                for claim, evidence in pairs]

    def _probability(self, claim: str, evidence: str) -> float:
        return self._model.probability(self._template.format(evidence=evidence, claim=claim))
