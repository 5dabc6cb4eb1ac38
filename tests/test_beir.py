"""`assistant eval --beir`: a tiny BEIR-format dataset (tests/fixtures/beir-tiny, written for
these tests) through the real ingest pipeline, Chroma and models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.evaluate.beir import INDEX_FOLDER, load_beir
from tests.conftest import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "beir-tiny"


def test_loader_reads_judged_queries_with_graded_relevance():
    dataset = load_beir(FIXTURE)
    assert len(dataset.corpus) == 20 and len(dataset.queries) == 8
    assert dataset.qrels["q1"] == {"d02": 2.0, "d01": 1.0}


def test_loader_names_what_is_missing(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\n')
    with pytest.raises(UserError, match=r"qrels/test\.tsv"):
        load_beir(tmp_path)
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n")
    with pytest.raises(UserError, match=r"test\.tsv:2"):
        load_beir(tmp_path)


@pytest.mark.cli
@pytest.mark.model
def test_beir_json_reports_every_retriever_and_keeps_its_index(tmp_path):
    dataset = tmp_path / "beir-tiny"
    shutil.copytree(FIXTURE, dataset)
    result = run_cli("eval", "--beir", str(dataset), "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert list(scores) == ["bm25", "dense", "hybrid", "hybrid+rerank"]
    for name, values in scores.items():
        assert set(values) == {"ndcg@10", "recall@100"}, name
        assert 0.5 < values["ndcg@10"] <= 1.0, (name, values)
    # 20 documents: every relevant one is within the top 100 of anything that ranks them all.
    assert scores["dense"]["recall@100"] == scores["hybrid+rerank"]["recall@100"] == 1.0
    assert scores["hybrid+rerank"]["ndcg@10"] >= 0.9
    assert (dataset / INDEX_FOLDER / "docs").is_dir()  # reused by the next run
