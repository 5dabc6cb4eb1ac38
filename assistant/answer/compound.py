"""A question that asks two things is answered one part at a time.

"Which sheriffs had 287(g) agreements, and what does Healey's 2026 order change?" is searched as
one text, so the passages and sentences that win are those closest to the whole, usually about
one of its parts; each part asked alone is answered well. So a compound question is split into
its parts (its question sentences, and clauses a comma and a conjunction open with a question
word: `[compound]` in answer_types.toml), each part is answered through the same path as any
question, with the sentences before it as its conversation (so "did it receive" still knows what
"it" is), and the answers are joined: each part's best sentences, in order, cited afresh.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from assistant.answer.answerability import question_data
from assistant.retrieve.rewrite import leans_on_earlier
from assistant.types import Answer, Citation, Sentence

_QUESTION_END = re.compile(r"(?<=[?？])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!])\s+(?=[¿¡\"'“]?[A-Z0-9])")
_MIN_PART_WORDS = 3


@cache
def _joins() -> dict[str, re.Pattern[str]]:
    return {language: re.compile(pattern, re.I) for language, pattern in question_data()["compound"]["joins"].items()}


def marked(sentence: Sentence) -> str:
    """A sentence as an answer's text shows it: its words, then its citation markers."""
    return f"{sentence.text} {''.join(f'[{n}]' for n in sentence.citations)}"


def question_parts(question: str, language: str = "en") -> tuple[list[str], list[str]]:
    """(the parts `question` asks, each a question of its own; the statements before them, which
    give them context). One part: the question is not compound, or is in a language with no
    `[compound.joins]` pattern (only English has one: split at their question marks alone, the
    multilingual holdout's answers got worse, 0.500 -> 0.467 facts complete, since a Spanish or
    Portuguese "what should I do?" often comes as two questions about one situation)."""
    join = _joins().get(language)
    if join is None:
        return [question], []
    context: list[str] = []
    parts: list[str] = []
    for sentence in _QUESTION_END.split(question.strip()):
        *statements, asked = _SENTENCE_END.split(sentence)
        if not parts:
            context.extend(statements)
        else:  # a statement between two questions is part of the next one
            asked = " ".join([*statements, asked])
        for piece in join.split(asked):
            piece = piece.strip(" ,;")
            if piece:
                parts.append(piece if piece.endswith(("?", "？")) else f"{piece}?")
    # A part that leans on the one before ("...? What did it say?") asks more about the same
    # thing: the question is then answered whole.
    if len(parts) < 2 or any(len(p.split()) < _MIN_PART_WORDS for p in parts) or \
            any(leans_on_earlier(p) for p in parts[1:]):
        return [question], []
    return parts, context


def joined(question: str, answers: list[Answer], per_part: int, partly_notice: str) -> Answer | None:
    """One answer from the answers to each part: the first `per_part` sentences of each answered
    part, in order, each quote cited once; None when no part was answered. `partly_notice` is
    added when some part was not."""
    answered = [a for a in answers if not a.abstained and a.sentences]
    if not answered:
        return None
    citations: list[Citation] = []
    numbers: dict[tuple[str, int, int], int] = {}
    sentences: list[Sentence] = []
    paragraphs: list[str] = []
    for answer in answered:
        by_n = {c.n: c for c in answer.citations}
        shown: list[str] = []
        for sentence in answer.sentences[:per_part]:
            cited = [by_n[n] for n in sentence.citations if n in by_n]
            keys = [(c.doc_id, c.start, c.end) for c in cited]
            if keys and all(k in numbers for k in keys):
                continue  # an earlier part quoted it already
            for citation, key in zip(cited, keys, strict=True):
                if key not in numbers:
                    numbers[key] = len(citations) + 1
                    citations.append(replace(citation, n=numbers[key]))
            sentences.append(replace(sentence, citations=[numbers[k] for k in keys]))
            shown.append(marked(sentences[-1]))
        if shown:
            paragraphs.append(" ".join(shown))
    notices = list(dict.fromkeys(n for a in answered for n in a.notices))
    notices += [partly_notice] if len(answered) < len(answers) else []
    return Answer(question=question, answer="\n\n".join(paragraphs), abstained=False, sentences=sentences,
                  citations=citations, notices=notices,
                  search_query=" | ".join(a.search_query for a in answers),
                  removed=[r for a in answers for r in a.removed])
