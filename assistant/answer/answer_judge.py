"""Do the sentences an answer would quote give what the question asks? The local LLM's opinion.

The detail and focus rules (answer/answerability.py) decline an extractive answer when no
sentence holds the kind of detail asked for with the question's rarest word; they read words, so
they also decline answers stated in other words ("the report" for "the CJJ report"). When they
decline, one call to the packaged LLM reads the question and the first few sentences chosen
(prompts/answer_judge.txt), and a P(yes) at or above the threshold overrules them. Reading every
answer instead, and declining below a threshold, lost to the rules on dev at every threshold
(facts-complete / refused-F1 on dev, English and multilingual pooled: 0.838 / 0.879 without it,
0.812 / 0.845 declining under 0.5).
It costs seconds, on the few questions those rules decline, so it is off by default
(`answer.answer_judge`); evals/relevance/answer_judge.py chooses the threshold on dev and reports
the holdout beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.answer.relevance import candidate_text
from assistant.prompts import load_prompt

if TYPE_CHECKING:
    from assistant.llm.yes_no import YesNoModel
    from assistant.settings import Settings


class AnswerJudge(Protocol):
    """Turns a question and the (title, sentence) pairs an answer would quote into P(they answer it)."""

    name: str

    def probability(self, question: str, sentences: Sequence[tuple[str, str]]) -> float: ...


class LLMAnswerJudge:
    name = "llm"

    def __init__(self, model: YesNoModel, prompts_dir: Path) -> None:
        self._model = model
        self._template = load_prompt(prompts_dir, "answer_judge")

    def probability(self, question: str, sentences: Sequence[tuple[str, str]]) -> float:
        listed = "\n".join(f"{n}. {candidate_text(title, text)}" for n, (title, text) in enumerate(sentences, 1))
        return self._model.probability(self._template.format(question=question, sentences=listed))


def make_answer_judge(settings: Settings) -> AnswerJudge | None:
    """'off', or a packaged GGUF name (or a .gguf path) for the LLM answer judge."""
    name = settings.answer.answer_judge.strip()
    if name.lower() in {"", "off"}:
        return None
    from assistant.llm.weights import resolve_gguf
    from assistant.llm.yes_no import YesNoModel

    path = resolve_gguf(name, settings.llm.model_cache_dir, setting="answer.answer_judge")
    return LLMAnswerJudge(YesNoModel(path, threads=settings.llm.threads), settings.answer.prompts_dir)
