"""Training and dev pairs for the relevance model (evals/judge/train.py --task relevance).

A pair is (question, "<document title>: <sentence>"), labelled 1 when the sentence answers the
question. Every question comes from evals/relevance/generated_questions.jsonl (the local LLM
wrote it for one corpus sentence, evals/relevance/questions.py); no dev or holdout question of
the answer evals is read here. From each generated record:

- answered question + its own sentence: relevant, if a round trip finds the sentence again (its
  BM25 rank for the question is within `ROUND_TRIP_RANK`; the Promptagator consistency filter,
  which drops questions the model wrote about something else);
- answered question + sentences BM25 ranks high for it from other passages: not relevant (hard
  negatives, drawn from the top few; a sentence sharing much of the source's wording is
  skipped, since it may answer too);
- answered question + a random corpus sentence: not relevant;
- answered question + another sentence of the same passage, one sharing little of the
  source's wording and of the question's: not relevant (same context, a different detail);
- near-miss question (same topic, a detail the sentence lacks) + the sentence: not relevant.
  This is the case answer selection gets wrong: a sentence that sits on the topic without
  giving what was asked. Skipped when the sentence holds most of the question's content
  words: the small model often writes a "near miss" that the sentence does answer.

Documents, not pairs, are split between train and dev, so dev questions are about text the
model never saw in training.
"""

from __future__ import annotations

import json
import random
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "judge"))

from judge_data import ROOT, Pair, corpus_passages, restates

from assistant.answer.relevance import candidate_text
from assistant.ingest.loaders import load_document
from assistant.text import english_stemmer

QUESTIONS = ROOT / "evals" / "relevance" / "generated_questions.jsonl"
ROUND_TRIP_RANK = 30
HARD_NEGATIVES = 2
HARD_NEGATIVE_POOL = 10  # hard negatives are drawn from this many top BM25 sentences
RESTATES_SHARE = 0.4  # a sentence sharing this much of the source's content words may answer too
NEAR_MISS_SHARE = 0.75  # a near-miss question this much inside its sentence is likely answered by it
NEIGHBOUR_SHARE = 0.5  # a same-passage sentence holding this much of the question may answer it
DEV_DOCUMENT_SHARE = 0.15


@cache
def titles_by_document() -> dict[str, str]:
    documents = (load_document(path, max_bytes=20_000_000) for path in sorted((ROOT / "corpus").glob("*.md")))
    return {d.doc_id: str(d.meta.get("title", "")) for d in documents}


class _SentenceIndex:
    """BM25 over every English corpus sentence, each with its document and passage."""

    def __init__(self) -> None:
        import bm25s

        self.rows: list[tuple[str, int, str]] = [
            (doc, number, sentence) for doc, passages in corpus_passages().items()
            for number, passage in enumerate(passages) for sentence in passage.sentences]
        self._stemmer = english_stemmer()
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenize([r[2] for r in self.rows], stopwords="en", stemmer=self._stemmer,
                                        show_progress=False), show_progress=False)
        self.where = {r[2]: i for i, r in enumerate(self.rows)}
        self._by_passage: dict[tuple[str, int], list[int]] = {}
        for row, (doc, number, _) in enumerate(self.rows):
            self._by_passage.setdefault((doc, number), []).append(row)

    def passage_rows(self, row: int) -> list[int]:
        """Every sentence of the passage `row` is in."""
        return self._by_passage[self.rows[row][:2]]

    def ranked(self, question: str, limit: int) -> list[int]:
        import bm25s

        tokens = bm25s.tokenize([question], stopwords="en", stemmer=self._stemmer, show_progress=False)
        found, scores = self._bm25.retrieve(tokens, k=limit, show_progress=False)
        return [int(i) for i, s in zip(found[0], scores[0], strict=True) if s > 0]


def relevance_pairs(seed: int = 13) -> tuple[list[Pair], list[Pair]]:
    """(train, dev), seeded."""
    records = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = _SentenceIndex()
    titles = titles_by_document()
    documents = sorted({r["doc"] for r in records})
    rng = random.Random(seed)
    rng.shuffle(documents)
    dev_documents = set(documents[:round(len(documents) * DEV_DOCUMENT_SHARE)])
    train: list[Pair] = []
    dev: list[Pair] = []
    for record in records:
        pairs = _record_pairs(record, index, titles, rng)
        (dev if record["doc"] in dev_documents else train).extend(pairs)
    return train, dev


def _record_pairs(record: dict[str, str], index: _SentenceIndex, titles: dict[str, str],
                  rng: random.Random) -> list[Pair]:
    """The labelled pairs one generated record gives (see the module docstring)."""
    sentence = record["sentence"]
    if sentence not in index.where:
        return []
    source = index.where[sentence]
    pairs: list[Pair] = []

    def add(question: str, row: int, label: int, kind: str) -> None:
        doc, _, text = index.rows[row]
        pairs.append(Pair(question, candidate_text(titles.get(doc, ""), text), label, kind,
                          f"relevance/{record['doc']}"))

    answered = record.get("answered")
    if answered:
        ranked = index.ranked(answered, ROUND_TRIP_RANK)
        if source in ranked:
            add(answered, source, 1, "answered")
            negatives = [r for r in ranked if index.rows[r][:2] != index.rows[source][:2]
                         and not restates(sentence, index.rows[r][2], RESTATES_SHARE)
                         and not restates(index.rows[r][2], sentence, RESTATES_SHARE)][:HARD_NEGATIVE_POOL]
            for row in rng.sample(negatives, min(HARD_NEGATIVES, len(negatives))):
                add(answered, row, 0, "bm25-negative")
            add(answered, rng.randrange(len(index.rows)), 0, "random-negative")
            neighbours = [r for r in index.passage_rows(source) if r != source
                          and not restates(sentence, index.rows[r][2], RESTATES_SHARE)
                          and not restates(index.rows[r][2], sentence, RESTATES_SHARE)
                          and not restates(answered, index.rows[r][2], NEIGHBOUR_SHARE)]
            if neighbours:
                add(answered, rng.choice(neighbours), 0, "same-passage-negative")
    near_miss = record.get("unanswered")
    if near_miss and not restates(near_miss, sentence, NEAR_MISS_SHARE):
        add(near_miss, source, 0, "near-miss")
    return pairs
