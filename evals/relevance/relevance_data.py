"""Training and dev pairs for the relevance model (evals/judge/train.py --task relevance).

A pair is (question, "<document title>: <sentence>"), labelled 1 when the sentence answers the
question. Questions come from two files, each record one corpus sentence with questions it
answers and near-miss questions it does not; no dev or holdout question of the answer evals is
read here:

- evals/relevance/people_questions.jsonl: written by helper sessions from the corpus documents
  alone (evals/relevance/PEOPLE_QUESTIONS.md), in people's words and voices, two answered
  questions and one near miss per sentence;
- evals/relevance/generated_questions.jsonl: written by the local LLM
  (evals/relevance/questions.py), one of each; they read like the sentences they came from.

From each record:

- answered question + its own sentence: relevant. A generated question is kept only if a round
  trip finds its sentence again (BM25 rank within `ROUND_TRIP_RANK`; the Promptagator
  consistency filter, which drops questions the small model wrote about something else). A
  written question is not filtered: people's words share few terms with the sentence, which is
  the case the model has to learn;
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
model never saw in training. A training question close to a question of the answer evals (dev,
holdout or multilingual; most of its words the same, `EVAL_OVERLAP`) is dropped, since both
were written from the same sentences and a near copy would let the evals grade memory: the eval
files are read for that alone.
"""

from __future__ import annotations

import json
import random
import re
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "judge"))

from judge_data import ROOT, Pair, corpus_passages, restates

from assistant.answer.relevance import candidate_text
from assistant.ingest.loaders import load_document
from assistant.text import english_stemmer

GENERATED = ROOT / "evals" / "relevance" / "generated_questions.jsonl"
WRITTEN = ROOT / "evals" / "relevance" / "people_questions.jsonl"
ROUND_TRIP_RANK = 30
HARD_NEGATIVES = 2
HARD_NEGATIVE_POOL = 10  # hard negatives are drawn from this many top BM25 sentences
RESTATES_SHARE = 0.4  # a sentence sharing this much of the source's content words may answer too
NEAR_MISS_SHARE = 0.75  # a near-miss question this much inside its sentence is likely answered by it
NEIGHBOUR_SHARE = 0.5  # a same-passage sentence holding this much of the question may answer it
DEV_DOCUMENT_SHARE = 0.15
EVAL_OVERLAP = 0.6  # word-set Jaccard with an answer-eval question at which a training question is dropped
EVAL_QUESTIONS = sorted((ROOT / "evals").glob("*.jsonl"))


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


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


@cache
def _eval_questions() -> tuple[frozenset[str], ...]:
    """The word sets of every answer-eval question (evals/*.jsonl), for decontamination only."""
    found = []
    for path in EVAL_QUESTIONS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                found += [_words(record["question"])] + [_words(turn) for turn in record.get("history", [])
                                                         if isinstance(turn, str)]
    return tuple(found)


def _near_eval_question(question: str) -> bool:
    words = _words(question)
    return any(len(words & other) / len(words | other) >= EVAL_OVERLAP for other in _eval_questions() if other)


def _records(path: Path, written: bool) -> list[dict[str, object]]:
    """One record per sentence: "answered" and "unanswered" as lists (questions near an answer-eval
    question dropped), and whether people wrote it."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            for key in ("answered", "unanswered"):
                value = record.get(key) or []
                record[key] = [q for q in ([value] if isinstance(value, str) else value) if not _near_eval_question(q)]
            record["written"] = written
            records.append(record)
    return records


def relevance_pairs(seed: int = 13, sources: str = "written,generated") -> tuple[list[Pair], list[Pair]]:
    """(train, dev), seeded, from the named question sources."""
    chosen = {name.strip() for name in sources.split(",")}
    records = ((_records(WRITTEN, True) if "written" in chosen and WRITTEN.is_file() else [])
               + (_records(GENERATED, False) if "generated" in chosen else []))
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


def _record_pairs(record: dict[str, object], index: _SentenceIndex, titles: dict[str, str],
                  rng: random.Random) -> list[Pair]:
    """The labelled pairs one record gives (see the module docstring)."""
    sentence = record["sentence"]
    if sentence not in index.where:
        return []
    source = index.where[sentence]
    pairs: list[Pair] = []

    def add(question: str, row: int, label: int, kind: str) -> None:
        doc, _, text = index.rows[row]
        pairs.append(Pair(question, candidate_text(titles.get(doc, ""), text), label, kind,
                          f"relevance/{record['doc']}"))

    for answered in record["answered"]:
        ranked = index.ranked(answered, ROUND_TRIP_RANK)
        if not record["written"] and source not in ranked:
            continue
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
    for near_miss in record["unanswered"]:
        # The small model often writes a "near miss" that the sentence does answer; people don't.
        if record["written"] or not restates(near_miss, sentence, NEAR_MISS_SHARE):
            add(near_miss, source, 0, "near-miss")
    return pairs
