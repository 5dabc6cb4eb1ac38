"""Every metric against values computed by hand (no models, no index)."""

from __future__ import annotations

import math

import pytest

from assistant.evaluate.metrics import (
    CitedSentence,
    SupportJudge,
    citation_scores,
    fact_found,
    fact_recall,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    refusal_scores,
)
from assistant.verify.types import Reason, Support

# --- Retrieval ----------------------------------------------------------------------------

def test_recall_at_k_counts_each_document_once_and_cuts_at_k():
    ranked = ["a", "b", "a", "c", "d"]  # passages of a, b, a, c, d -> documents a, b, c, d
    assert recall_at_k(ranked, {"c", "x"}, 2) == 0.0
    assert recall_at_k(ranked, {"c", "x"}, 3) == 0.5
    assert recall_at_k(ranked, ["a", "d"], 4) == 1.0


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_document():
    assert mrr_at_k(["a", "a", "b", "c"], {"c"}, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(["a", "b", "c"], {"c"}, 2) == 0.0
    assert mrr_at_k(["c"], {"c", "d"}, 10) == 1.0


def test_ndcg_binary_and_graded():
    # Binary: relevant at ranks 2 and 3; ideal at ranks 1 and 2.
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(["a", "b", "c"], {"b", "c"}, 10) == pytest.approx(dcg / ideal)  # 0.693
    # Graded: the grade-2 document is ranked second instead of first.
    graded = {"a": 2, "b": 1}
    assert ndcg_at_k(["b", "a"], graded, 10) == pytest.approx((1 + 2 / math.log2(3))
                                                              / (2 + 1 / math.log2(3)))  # 0.860
    assert ndcg_at_k(["a", "b"], graded, 10) == 1.0
    assert ndcg_at_k(["x", "y"], graded, 10) == 0.0


def test_retrieval_metrics_refuse_an_empty_gold_set():
    with pytest.raises(ValueError):
        recall_at_k(["a"], [], 5)
    with pytest.raises(ValueError):
        ndcg_at_k(["a"], {"a": 0}, 10)


# --- Facts --------------------------------------------------------------------------------

@pytest.mark.parametrize(("fact", "text", "found"), [
    ("20", "20 departments had no policy", True),
    ("20", "In 2025 the count rose", False),  # a number may not run on into another
    ("200", "about 1,200 people", False),
    ("200", "more than 200 immigrants", True),
    ("49", "the 49-page report", True),
    ("S.1305", "filed as s.1305 in 2019", True),
    ("Citizens for Juvenile Justice|CfJJ|CJJ", "the CfJJ report", True),
    ("Citizens for Juvenile Justice|CfJJ", "citizens  for juvenile\njustice wrote it", True),
    ("fingerprint", "he was fingerprinted at booking", True),  # inflection is allowed
    ("may", "the mayor said", False),  # but not another word
    ("optional|may", "police may take prints", True),
    ("Peña", "Judge PENA ruled", True),  # case- and accent-insensitive
    ("Diaz Ortiz", "Diaz v. Ortiz", False),
])
def test_fact_found(fact, text, found):
    assert fact_found(fact, text) is found


def test_fact_recall_is_the_share_of_required_facts_stated():
    assert fact_recall(["49", "90"], "a 49-page report based on 90 requests") == 1.0
    assert fact_recall(["49", "90"], "a 49-page report") == 0.5
    assert fact_recall(["49"], "") == 0.0
    assert fact_recall([], "anything") == 1.0


# --- Citations (ALCE) ---------------------------------------------------------------------

def words_entail(claim: str, evidence: str) -> bool:
    """A toy judge: the evidence entails the claim when it holds every word of it."""
    return set(claim.split()) <= set(evidence.split())


def test_alce_citation_recall_and_precision_by_hand():
    passages = {1: "x", 2: "y", 3: "x y", 4: "z"}
    sentences = [
        CitedSentence("x", [1]),        # supported; its one citation is relevant
        CitedSentence("x y", [1, 2]),   # supported only jointly; both citations needed
        CitedSentence("x", [1, 4]),     # supported; [4] entails nothing and is not needed
        CitedSentence("y", [4]),        # unsupported; its citation is not relevant
        CitedSentence("x", []),         # uncited: unsupported, no citation counted
        CitedSentence("x", [9]),        # cites a passage that does not exist: same
    ]
    scores = citation_scores(sentences, passages, words_entail)
    assert scores.supported == [True, True, True, False, False, False]
    assert scores.recall == pytest.approx(3 / 6)
    # Citations counted: 1 + 2 + 2 + 1 = 6; relevant: 1 + 2 + 1 + 0 = 4.
    assert scores.precision == pytest.approx(4 / 6)
    assert scores.irrelevant == [[], [], [4], [], [], []]


def test_alce_keeps_citations_that_each_entail_alone():
    scores = citation_scores([CitedSentence("x", [1, 3])], {1: "x", 3: "x y"}, words_entail)
    assert (scores.recall, scores.precision, scores.irrelevant) == (1.0, 1.0, [[]])


def test_alce_counts_a_repeated_marker_once():
    scores = citation_scores([CitedSentence("x", [1, 1])], {1: "x"}, words_entail)
    assert scores.precision == 1.0


def test_support_judge_maps_verdicts_and_asks_once_per_pair():
    class CountingScorer:
        calls = 0

        def score_many(self, pairs: list[tuple[str, str]]) -> list[Support]:
            self.calls += len(pairs)
            return [Support(0.9, "supported", Reason.ENTAILED) if claim in evidence
                    else Support(0.6, "partial", Reason.PARTLY_ENTAILED)
                    for claim, evidence in pairs]

    scorer = CountingScorer()
    judge = SupportJudge(scorer)
    assert judge("a b", "a b c") is True
    assert judge("a d", "a b c") is False  # "partial" is not entailment
    assert judge("a b", "a b c") is True
    assert scorer.calls == 2
    assert [s.verdict for s in judge.support_many([("a d", "a b c"), ("x", "x y"), ("x", "x y")])] \
        == ["partial", "supported", "supported"]
    assert scorer.calls == 3  # only the one new pair was scored


# --- Refusal and latency ------------------------------------------------------------------

def test_refusal_scores_by_hand():
    answerable = [True, True, True, False, False]
    refused = [False, True, False, True, False]
    scores = refusal_scores(answerable, refused)
    # Refused {1, 3} vs unanswerable {3, 4}: 1 right -> P 1/2, R 1/2.
    assert scores["refused_precision"] == pytest.approx(0.5)
    assert scores["refused_recall"] == pytest.approx(0.5)
    assert scores["refused_f1"] == pytest.approx(0.5)
    # Answered {0, 2, 4} vs answerable {0, 1, 2}: 2 right -> P 2/3, R 2/3.
    assert scores["answered_precision"] == pytest.approx(2 / 3)
    assert scores["answered_recall"] == pytest.approx(2 / 3)
    assert scores["answered_f1"] == pytest.approx(2 / 3)
    assert scores["f1_gr"] == pytest.approx((0.5 + 2 / 3) / 2)


def test_refusing_nothing_scores_zero_for_the_refused_class():
    scores = refusal_scores([True, False], [False, False])
    assert scores["refused_precision"] == scores["refused_f1"] == 0.0
    assert scores["answered_precision"] == 0.5 and scores["answered_recall"] == 1.0


def test_percentiles_interpolate():
    assert percentile([10, 20, 30, 40], 50) == pytest.approx(25)
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    with pytest.raises(ValueError):
        percentile([], 50)
