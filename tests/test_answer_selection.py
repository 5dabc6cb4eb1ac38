"""Answer selection as pure logic: the relevance model's part, the lead sentence, repeats left out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.answer.extractive import Candidate, ExtractiveAnswerer
from assistant.types import Chunk, Verdict
from assistant.verify.checks import CHECKS
from assistant.verify.scorer import SupportScorer

SENTENCES = [
    "The report counted 12 departments that share booking data.",  # answers "how many departments"
    "Departments share booking data with federal agencies in several ways.",  # on topic, no count
    "Sheriffs publish release dates on a public website.",
]


def _candidates(scores: list[float], vectors: list[list[float]] | None = None) -> list[Candidate]:
    text = " ".join(SENTENCES)
    spans, at = [], 0
    for sentence in SENTENCES:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    chunk = Chunk("c1", "doc", text, 0, len(text), "", None, {"title": "Report"}, spans)
    vectors = vectors or [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]
    return [Candidate(chunk, 0, start, end, score, np.array(vector, dtype=np.float32))
            for (start, end), score, vector in zip(spans, scores, vectors, strict=True)]


class _FakeRelevance:
    """Says the counted sentence answers and the others do not."""

    name = "fake"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        self.seen.extend(pairs)
        return [0.9 if "12 departments" in text else 0.05 for _, text in pairs]


class _Request:
    query = "how many departments share booking data"
    language = "en"


def test_the_sentence_the_relevance_model_says_answers_ranks_first_and_reads_with_its_title():
    relevance = _FakeRelevance()
    answerer = ExtractiveAnswerer(relevance=relevance, relevance_weight=1.0)
    judged = answerer.judged(_Request(), _candidates([0.5, 0.7, 0.6]))  # similarity prefers the no-count one
    selection = answerer.select(judged)
    assert selection.sentences[0].quote == SENTENCES[0]
    assert selection.relevance == 0.9
    assert (_Request.query, f"Report: {SENTENCES[0]}") in relevance.seen


def test_without_the_model_similarity_alone_ranks():
    selection = ExtractiveAnswerer().select(_candidates([0.5, 0.7, 0.6]))
    assert selection.sentences[0].quote == SENTENCES[1]
    assert selection.relevance is None


def test_the_model_reads_only_the_best_few_candidates():
    relevance = _FakeRelevance()
    judged = ExtractiveAnswerer(relevance=relevance, relevance_top=2).judged(_Request(), _candidates([0.5, 0.7, 0.6]))
    assert len(relevance.seen) == 2 and len(judged) == 2
    assert SENTENCES[0] not in {c.quote for c in judged}  # the lowest-scored was not read


def test_the_best_sentence_leads_even_when_it_comes_later_in_its_passage():
    selection = ExtractiveAnswerer(keep_ratio=0.1).select(_candidates([0.3, 0.2, 0.9]))
    assert [c.quote for c in selection.sentences] == [SENTENCES[2], SENTENCES[0], SENTENCES[1]]


class _FakeJudge:
    name = "fake"
    threshold = 0.5
    partial_threshold = 0.25

    def __init__(self, supports: set[tuple[str, str]]) -> None:
        self.supports = supports  # (claim, evidence) pairs that hold

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [1.0 if pair in self.supports else 0.0 for pair in pairs]


def _FakeScorer(judge: _FakeJudge) -> SupportScorer:
    return SupportScorer(judge, CHECKS_USED)


CHECKS_USED = (CHECKS["numbers"],)
ALIKE = [[1.0, 0.0], [0.9, 0.436], [0.0, 1.0]]  # the first two alike (cosine 0.9), not duplicates


def test_a_sentence_the_chosen_one_already_states_is_left_out():
    judge = _FakeJudge({(SENTENCES[1], SENTENCES[0])})  # the first states the second
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_FakeScorer(judge), repeat_cosine=0.8)
    kept = [c.quote for c in answerer.select(_candidates([0.9, 0.8, 0.7], ALIKE)).sentences]
    assert kept == [SENTENCES[0], SENTENCES[2]]


def test_a_sentence_that_states_the_chosen_one_and_more_takes_its_place():
    judge = _FakeJudge({(SENTENCES[1], SENTENCES[0])})  # the counted sentence states the other, and more
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_FakeScorer(judge), repeat_cosine=0.8)
    kept = [c.quote for c in answerer.select(_candidates([0.8, 0.9, 0.7], ALIKE)).sentences]
    assert kept == [SENTENCES[0], SENTENCES[2]]


def test_alike_sentences_that_each_add_something_are_both_kept():
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_FakeScorer(_FakeJudge(set())), repeat_cosine=0.8)
    assert len(answerer.select(_candidates([0.9, 0.8, 0.7], ALIKE)).sentences) == 3


def test_sentences_unlike_each_other_are_never_judged():
    class Refusing(_FakeJudge):
        def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
            raise AssertionError("judged sentences that are not alike")

    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_FakeScorer(Refusing(set())), repeat_cosine=0.8)
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.6, -0.8]]
    assert len(answerer.select(_candidates([0.9, 0.8, 0.7], vectors)).sentences) == 3


def test_a_sentence_with_a_number_the_other_lacks_is_never_taken_for_a_repeat():
    ten = "A person with 10 points is classed as a gang member."
    nine = "A person with 6 to 9 points is classed as a gang associate."
    scorer = SupportScorer(_FakeJudge({(ten, nine), (nine, ten)}), CHECKS_USED)  # a judge blind to numbers
    supports = scorer.score_many([(ten, nine), (nine, ten)])
    assert all(s.verdict is not Verdict.SUPPORTED for s in supports)
