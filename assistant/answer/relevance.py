"""Does this sentence answer this question? A cross-encoder's probability, for answer selection.

Similarity finds sentences near a question's topic; it cannot tell "how many departments share
data with ICE" from a sentence about the same departments that gives no count, or "what is the
sheriff's salary" from a sentence about the sheriff. A MiniLM cross-encoder reads the question
and the sentence together and says whether the sentence gives what was asked. It was trained
here (evals/judge/train.py --task relevance), InPars-style, on questions the local LLM wrote for
corpus sentences and questions written in people's words, against BM25 hard negatives and
near-miss questions (evals/relevance/). It shares the support judge's runtime (verify/judge.py),
so it never imports torch.

It is off by default and ships no weights: neither model trained so far, on the LLM's questions
(1,993 pairs) nor with 2,474 questions written in people's words added (9,184 pairs), beat
similarity and the answerability rules on dev at any weight or threshold tried
(evals/reports/relevance-calibration.md). `answer.relevance` takes a trained model's folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from assistant.errors import UserError


def candidate_text(title: str, sentence: str) -> str:
    """What the model reads for a candidate sentence: its document's title gives the context a
    lone sentence lacks ("It was signed in 2017")."""
    return f"{title}: {sentence}" if title else sentence


class Relevance(Protocol):
    """Turns (question, candidate text) pairs into the probability that the text answers."""

    name: str

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]: ...


def make_relevance(name: str) -> Relevance | None:
    """'off' (similarity alone), or the folder of a model trained by evals/judge/train.py."""
    if name.strip().lower() in {"", "off"}:
        return None
    from assistant.verify.judge import CrossEncoderJudge

    model_dir = Path(name).expanduser()
    missing = [n for n in ("model.onnx", "tokenizer.json", "card.json") if not (model_dir / n).is_file()]
    if missing:
        raise UserError(f"answer.relevance: {model_dir} lacks {', '.join(missing)}; train one with "
                        f"`python evals/judge/train.py --task relevance --out DIR`, or set "
                        f"ASSISTANT_ANSWER_RELEVANCE=off (similarity alone)")
    model = CrossEncoderJudge(model_dir, max_windows=1)
    model.name = "relevance"
    return model
