"""The eval runner's pure parts: loading a question set, summaries, failures, deltas, the
threshold gate, and the written report (markdown, JSON, PNG)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from assistant.errors import UserError
from assistant.evaluate.runner import (
    QuestionResult,
    below_thresholds,
    deltas,
    failures,
    load_questions,
    load_thresholds,
    markdown_report,
    previous_report,
    summarize,
)
from tests.conftest import ROOT


def result(id: str, type: str, answerable: bool, abstained: bool, fact: float | None = None,
           recall5: float = 1.0, latency: float = 100.0) -> QuestionResult:
    return QuestionResult(
        id=id, type=type, question=f"question {id}", answerable=answerable, abstained=abstained,
        latency_ms=latency, answer="", ranked_docs=["d1", "d2"], cited_docs=["d2"],
        retrieval={"recall@1": recall5, "recall@3": recall5, "recall@5": recall5,
                   "recall@10": 1.0, "mrr@10": 0.5, "ndcg@10": 0.6} if answerable else None,
        fact_recall=fact, missing_facts=["614"] if fact is not None and fact < 1 else [],
        citation_recall=None if abstained else 1.0, citation_precision=None if abstained else 0.5,
        unsupported_sentences=[])


RESULTS = [
    result("a", "number", True, False, fact=1.0, latency=100),
    result("b", "number", True, False, fact=0.5, recall5=0.0, latency=200),
    result("c", "fact", True, True, fact=0.0, latency=300),
    result("d", "unanswerable", False, True, latency=400),
    result("e", "unanswerable", False, False, latency=500),
]


def test_summary_by_hand():
    summary = summarize(RESULTS)
    assert summary["questions"] == 5 and summary["answerable"] == 3 and summary["answered"] == 3
    assert summary["recall@5"] == pytest.approx(2 / 3)
    assert summary["fact_recall"] == pytest.approx(0.5)
    assert summary["facts_complete"] == pytest.approx(1 / 3)
    assert summary["citation_precision"] == pytest.approx(0.5)  # over the 3 answered
    assert summary["decision_accuracy"] == pytest.approx(3 / 5)  # a, b answered; d refused
    assert summary["refused_precision"] == pytest.approx(0.5)
    assert summary["f1_gr"] == pytest.approx((0.5 + 2 * (2 / 3) * (2 / 3) / (4 / 3)) / 2)
    assert summary["latency_p50_ms"] == 300 and summary["latency_p95_ms"] == pytest.approx(480)
    only_unanswerable = summarize(RESULTS[3:])
    assert only_unanswerable["recall@5"] is None and only_unanswerable["fact_recall"] is None


def test_independent_grading_is_summarized_beside_the_self_graded_numbers():
    assert "citation_recall_independent" not in summarize(RESULTS)  # no grader: no column
    graded = [dataclasses.replace(r, citation_recall_independent=None if r.abstained else 0.5,
                                  citation_precision_independent=None if r.abstained else 0.25) for r in RESULTS]
    summary = summarize(graded)
    assert summary["citation_recall"] == pytest.approx(1.0)
    assert (summary["citation_recall_independent"], summary["citation_precision_independent"]) == \
        pytest.approx((0.5, 0.25))


def test_failures_say_why():
    found = {f["id"]: f["why"] for f in failures(RESULTS)}
    assert set(found) == {"b", "c", "e"}
    assert "missing facts: 614 (cited d2)" in found["b"] and "top 5" in found["b"]
    assert found["c"].startswith("refused")
    assert found["e"] == "answered an unanswerable question"


def test_gate_and_deltas():
    overall = {"fact_recall": 0.7, "recall@5": 0.95, "latency_p50_ms": 300.0, "f1_gr": None}
    assert below_thresholds(overall, {"fact_recall": 0.75, "recall@5": 0.9, "f1_gr": 0.5}) == [
        "fact_recall = 0.700, below the minimum 0.750", "f1_gr = missing, below the minimum 0.500"]
    lines = deltas(overall, {"name": "base", "overall": {"fact_recall": 0.8, "recall@5": 0.9,
                                                         "latency_p50_ms": 400.0}})
    assert lines[0] == "Change against base:"
    assert any("fact_recall" in line and "WORSE" in line for line in lines)
    assert any("latency_p50_ms" in line and "better" in line for line in lines)
    assert deltas(overall, None) == ["No previous report to compare with."]


def test_committed_thresholds_cover_the_key_metrics():
    thresholds = load_thresholds()
    for key in ("recall@5", "ndcg@10", "fact_recall", "citation_recall", "citation_precision",
                "f1_gr"):
        assert 0 < thresholds[key] <= 1, key


def test_question_set_errors_name_the_line(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "x", "question": "q", "answerable": true}\n{"id": "y"}\n')
    with pytest.raises(UserError, match=r"set\.jsonl:2: missing question, answerable"):
        load_questions(path)
    assert len(load_questions(ROOT / "evals" / "dev_questions.jsonl")) >= 50


def test_report_files_and_previous(tmp_path):
    from assistant.evaluate.runner import EvalResult, write_report
    from assistant.settings import Settings

    evaluation = EvalResult(summarize(RESULTS), {"number": summarize(RESULTS[:2])}, RESULTS)
    first = write_report(evaluation, "first", tmp_path / "set.jsonl", Settings(), None, tmp_path)
    (tmp_path / "attribution.json").write_text('{"balanced_accuracy": 0.8}')  # not an eval report
    assert previous_report(tmp_path, "second")["name"] == "first"
    assert previous_report(tmp_path, "first") is None
    same_set = json.loads(first["json"].read_text())["question_set"]
    assert previous_report(tmp_path, "second", same_set)["name"] == "first"
    assert previous_report(tmp_path, "second", "other.jsonl") is None  # a change is only a change on the same set
    assert previous_report(tmp_path, "first", same_set)["name"] == "first"  # the run a new one replaces
    second = write_report(evaluation, "second", tmp_path / "set.jsonl", Settings(),
                          json.loads(first["json"].read_text()), tmp_path)
    assert second["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads(second["json"].read_text())
    assert record["overall"]["fact_recall"] == pytest.approx(0.5)
    assert [f["id"] for f in record["failures"]] == ["b", "c", "e"]
    text = second["md"].read_text()
    assert "| fact_recall | 0.500 | 0.500 | +0.000 |" in text and "**b** (number)" in text
    assert markdown_report(record, None).count("| number |") == 1


def test_a_set_in_several_languages_is_reported_by_language():
    from dataclasses import replace

    from assistant.evaluate.runner import summarize_by

    mixed = [replace(RESULTS[0], language="es"), replace(RESULTS[3], language="es"), *RESULTS[1:3], RESULTS[4]]
    by_language = summarize_by(mixed, "language")
    assert set(by_language) == {"en", "es"}
    assert by_language["es"]["questions"] == 2 and by_language["es"]["facts_complete"] == 1.0
    assert by_language["en"]["refused_f1"] == 0.0  # its one unanswerable question was answered
    record = {"name": "r", "created": "now", "question_set": "s", "overall": summarize(mixed),
              "by_type": {}, "by_language": by_language, "failures": [], "settings": {}}
    text = markdown_report(record, None)
    assert "## By language" in text and text.count("| es |") == 1
    assert "## By language" not in markdown_report({**record, "by_language": {"en": by_language["en"]}}, None)
