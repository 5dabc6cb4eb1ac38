"""The default answerer: quote the sentences from the top passages that best answer the
question, each with its own citation. Needs no LLM, so it cannot invent anything; the
risk it carries is answering from weak evidence, which the abstain threshold handles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from assistant.answer.answer_judge import AnswerJudge
from assistant.answer.answerability import (
    RULES,
    answering,
    asks_for_actions,
    outside_scope,
    read_under,
    scope_places,
    unanswered_reason,
    wanted_details,
)
from assistant.answer.injection import is_instruction
from assistant.answer.relevance import Relevance, candidate_text
from assistant.index.reader import Snapshot
from assistant.retrieve.language import SOURCE_LANGUAGE, Glossary
from assistant.retrieve.rewrite import content_words
from assistant.text import display_text, english_stemmer, words
from assistant.types import (
    Answer,
    AnswerRequest,
    Chunk,
    Citation,
    EventKind,
    Passage,
    Sentence,
    StreamEvent,
    Verdict,
)
from assistant.verify.facts import claim_numbers, missing_names, missing_numbers, quote_in_passage
from assistant.verify.scorer import SupportScorer

_LIST_LINE = re.compile(r"(?:^|\n)[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+$")


@dataclass
class Candidate:
    chunk: Chunk
    passage_rank: int
    start: int  # offsets into the document text
    end: int
    score: float  # similarity to the question, shared rare words, the kind of detail asked for
    vector: np.ndarray
    relevance: float | None = None  # the relevance model's P(this sentence answers), when it ran

    def rank_key(self, relevance_weight: float) -> float:
        return self.score + relevance_weight * (self.relevance or 0.0)

    @property
    def quote(self) -> str:
        return self.chunk.text[self.start - self.chunk.start:self.end - self.chunk.start]

    @property
    def is_list_item(self) -> bool:
        before = self.chunk.text[:self.start - self.chunk.start]
        line_start = before.rfind("\n") + 1
        return bool(_LIST_LINE.search("\n" + before[line_start:]))


@dataclass
class Selection:
    sentences: list[Candidate]
    evidence: float  # how well the best sentence matches the question
    as_list: bool
    relevance: float | None = None  # the best chosen sentence's P(answers), when the model ran


def stems(text: str) -> set[str]:
    return set(english_stemmer().stemWords(content_words(text)))


def _checked_question(request: AnswerRequest) -> str:
    """The checks read English, so a question in another language is read with its words the
    glossary knows put in English ("cuántos" → "how many"; "Senado", capitalised, is then no name
    the documents lack) and with its English search terms."""
    glossary = Glossary.for_language(request.language)
    if glossary is None:
        return request.question
    return f"{glossary.gloss(request.question)} {request.english_query}"


def _judged_question(request: AnswerRequest) -> str:
    """What the answer judge reads: the question as searched (a follow-up with its topic); in
    another language, the asker's words and their English terms, which the sentences are in."""
    return request.query if request.language == "en" else _checked_question(request)


def _scope_words(request: AnswerRequest) -> str:
    """What the scope rule reads names and places from: another language's words that its
    glossary does not translate (the rest are the documents' own terms)."""
    glossary = Glossary.for_language(request.language)
    return request.question if glossary is None else glossary.untranslated(request.question)


def _focus_words(request: AnswerRequest) -> str | None:
    """What the focus rule reads a question's rarest word from: another language's own words
    carry its articles and prepositions ("os", "de"), its English terms do not."""
    return request.english_query if request.language != "en" else None


def unanswered(request: AnswerRequest, texts: list[str], headings: list[str],
               rules: frozenset[str] = frozenset(RULES)) -> str | None:
    """Why these answer sentences, each under its chunk's heading, do not answer the request's
    question (a message key), or None."""
    return unanswered_reason(_checked_question(request), texts, [p.chunk.text for p in request.passages],
                             request.snapshot.lexical, request.snapshot.coverage, request.language, rules,
                             headings, _focus_words(request), _scope_words(request))


def first_answering(request: AnswerRequest, texts: list[str], headings: list[str],
                    rules: frozenset[str] = frozenset(RULES)) -> int:
    """The first of these sentences that gives what the question asks for (answerability.answering),
    or 0 when none does or the question asks for no kind of detail."""
    answers = answering(_checked_question(request), texts, [p.chunk.text for p in request.passages],
                        request.snapshot.lexical, request.snapshot.coverage, rules, headings, _focus_words(request))
    return next((i for i, answers_it in enumerate(answers or []) if answers_it), 0)


def unscoped(request: AnswerRequest, texts: list[str], headings: list[str]) -> str | None:
    """What the question asks about that the knowledge base does not cover (answerability.outside_scope),
    each sentence read under its heading as the answerability checks read it."""
    return outside_scope(_scope_words(request), read_under(texts, headings), request.snapshot.coverage,
                         request.language)


class ExtractiveAnswerer:
    """An Answerer that quotes passage sentences, or abstains, saying why and where to look."""

    def __init__(self, *, max_sentences: int = 4, abstain_below: float = 0.47,
                 weak_below: float = 0.5, min_sentence_words: int = 4, lexical_weight: float = 0.3,
                 detail_weight: float = 0.2, action_weight: float = 0.2, keep_ratio: float = 0.7,
                 duplicate_cosine: float = 0.97, relevance: Relevance | None = None, relevance_top: int = 12,
                 relevance_weight: float = 1.0, relevance_abstain_below: float = 0.0,
                 repeats: SupportScorer | None = None,
                 repeat_cosine: float = 0.8, rules: frozenset[str] = frozenset(RULES),
                 answer_judge: AnswerJudge | None = None, answer_judge_sentences: int = 1,
                 answer_judge_above: float = 0.7) -> None:
        self.max_sentences = max_sentences
        self.abstain_below = abstain_below
        self.weak_below = weak_below
        self.min_sentence_words = min_sentence_words
        self.lexical_weight = lexical_weight
        self.detail_weight = detail_weight
        self.action_weight = action_weight
        self.keep_ratio = keep_ratio
        self.duplicate_cosine = duplicate_cosine
        self.relevance = relevance
        self.relevance_top = relevance_top
        self.relevance_weight = relevance_weight
        self.relevance_abstain_below = relevance_abstain_below
        # Its judge decides whether the sentences already chosen say what a candidate says; it
        # loads on first use, so an answer with no look-alike sentences never loads a model.
        self.repeats_scorer = repeats
        self.repeat_cosine = repeat_cosine
        self.rules = rules  # answerability.RULES that may decline an answer
        self.answer_judge = answer_judge
        self.answer_judge_sentences = answer_judge_sentences
        self.answer_judge_above = answer_judge_above

    def stream(self, request: AnswerRequest) -> Iterator[StreamEvent]:
        """The answer is complete at once; it is streamed sentence by sentence so every interface
        shows text through the same path a generated answer takes."""
        answer = self.answer(request)
        if answer.abstained:
            yield StreamEvent(EventKind.DELTA, answer.answer)
        for sentence in answer.sentences:
            yield StreamEvent(EventKind.DELTA, f"{sentence.text} [{sentence.citations[0]}] ")
        yield StreamEvent(EventKind.DONE, answer=answer)

    def answer(self, request: AnswerRequest) -> Answer:
        candidates = self.candidates(request.snapshot, request.query, request.query_vector, request.passages)
        # The model reads English questions; another language keeps similarity ranking until a
        # multilingual model exists (its glossary terms are no question to read).
        if self.relevance is not None and request.language == "en":
            candidates = self.judged(request, candidates)
        selection = self.select(candidates)
        kept, sentences, citations, headings = _verified(selection.sentences)
        texts = [s.text for s in sentences]
        if not sentences or selection.evidence < self.abstain_below:
            # Weak evidence for a place the sources do not cover: saying what they do cover helps more.
            elsewhere = "scope" in self.rules and unscoped(request, texts, headings)
            return self.abstention(request, "abstain_elsewhere" if elsewhere else "abstain", texts, headings)
        reason = unanswered(request, texts, headings, self.rules)
        answerability = None
        if reason == "abstain_missing_detail" and self.answer_judge is not None:
            # The detail and focus rules read words, and misread answers stated in other words
            # ("the report" for "the CJJ report"): the judge, reading the meaning, may overrule them.
            answerability = self.answer_judge.probability(_judged_question(request),
                                                          _titled(kept, sentences)[:self.answer_judge_sentences])
            if answerability >= self.answer_judge_above:
                reason = None
        if reason is None and selection.relevance is not None and selection.relevance < self.relevance_abstain_below:
            reason = "abstain_missing_detail"  # near the topic, but no sentence gives what was asked
        if reason is not None:
            return self.abstention(request, reason, texts, headings, answerability)
        # The sentence that gives what was asked leads, even where a sentence nearer the
        # question's wording outscored it ("For the LEA: David Ellis Jr" for "who is the chief?").
        lead = 0 if selection.as_list else first_answering(request, texts, headings, self.rules)
        if lead:
            _, sentences, citations, _ = _verified([kept[lead], *kept[:lead], *kept[lead + 1:]])
        notices = [request.messages["weak_evidence"]] if selection.evidence < self.weak_below else []
        joined = [f"{s.text} [{s.citations[0]}]" for s in sentences]
        text = "\n".join(f"- {line}" for line in joined) if selection.as_list else " ".join(joined)
        return Answer(question=request.question, answer=text, abstained=False, sentences=sentences,
                      citations=citations, notices=notices, search_query=request.query,
                      answerability=answerability)

    def abstention(self, request: AnswerRequest, reason: str, texts: list[str], headings: list[str],
                   answerability: float | None = None) -> Answer:
        """Saying why there is no answer (`reason` names a message) and where to look instead;
        `texts` are the sentences that were found, under their `headings`, which the scope message
        is checked against."""
        topics = list(dict.fromkeys(p.chunk.meta.get("title", "") for p in request.passages))[:3]
        text = request.messages[reason]
        if reason == "abstain_elsewhere":
            text = text.format(places=scope_places(request.snapshot.coverage),
                               asked=unscoped(request, texts, headings))
        if topics:
            text += " " + request.messages["abstain_suggest"].format(topics="; ".join(topics))
        return Answer(question=request.question, answer=text, abstained=True, search_query=request.query,
                      answerability=answerability)

    def candidates(self, snapshot: Snapshot, query: str, query_vector: np.ndarray,
                   passages: list[Passage]) -> list[Candidate]:
        lexical = snapshot.lexical
        query_weights = {term: lexical.idf(term) for term in lexical.terms(query)}
        query_total = sum(query_weights.values()) or 1.0
        details = wanted_details(query)
        wants_actions = asks_for_actions(query)
        found = []
        for rank, passage in enumerate(passages):
            chunk = passage.chunk
            # "What should I do?" is answered by a know-your-rights card's action list, not by
            # the facts behind it, however alike their wording.
            action_card = wants_actions and chunk.meta.get("kind") == "know-your-rights"
            block = snapshot.data.sentence_block(snapshot.rows[chunk.chunk_id]).astype(np.float32)
            similarities = block @ query_vector if len(block) else np.zeros(0)
            for index, (start, end) in enumerate(chunk.sentences):
                text = chunk.text[start - chunk.start:end - chunk.start]
                # Text addressed to an AI (an injected instruction) is never quoted as an answer.
                if len(words(text)) < self.min_sentence_words or is_instruction(text):
                    continue
                vector = block[index] if index < len(block) else np.zeros_like(query_vector)
                # A sentence past the model's token window has no vector: fall back to its passage.
                similarity = float(similarities[index]) if index < len(block) and \
                    vector.any() else (passage.dense or 0.0) * 0.9
                # Shared rare words count most: "Barnstable" says more than "police".
                overlap = sum(query_weights.get(t, 0.0) for t in lexical.terms(text)) / query_total
                # A sentence holding the kind of detail asked for ("how many" → a number) is preferred.
                detail = float(bool(details) and all(test(text) for test in details))
                score = similarity + self.lexical_weight * overlap + self.detail_weight * detail
                candidate = Candidate(chunk, rank, start, end, score, vector)
                if action_card and candidate.is_list_item:
                    candidate.score += self.action_weight
                found.append(candidate)
        return found

    def judged(self, request: AnswerRequest, candidates: list[Candidate]) -> list[Candidate]:
        """The `relevance_top` best candidates, each with the relevance model's verdict on whether
        it answers the question; the rest are dropped (the model reads a few, not every sentence)."""
        assert self.relevance is not None
        top = sorted(candidates, key=lambda c: c.score, reverse=True)[:self.relevance_top]
        # A follow-up is read as searched, with its topic.
        question = request.query
        texts = [candidate_text(str(c.chunk.meta.get("title", "")), display_text(c.quote)) for c in top]
        for candidate, probability in zip(top, self.relevance.probabilities([(question, t) for t in texts]),
                                          strict=True):
            candidate.relevance = probability
        return top

    def select(self, candidates: list[Candidate]) -> Selection:
        if not candidates:
            return Selection([], 0.0, False)
        weight = self.relevance_weight
        ranked = sorted(candidates, key=lambda c: c.rank_key(weight), reverse=True)
        best = ranked[0].rank_key(weight)
        chosen: list[Candidate] = []
        for candidate in ranked:
            if len(chosen) == self.max_sentences or candidate.rank_key(weight) < self.keep_ratio * best:
                break
            if any(_near_duplicate(candidate, other, self.duplicate_cosine) for other in chosen):
                continue
            place = self.place(candidate, chosen)
            if place == len(chosen):
                chosen.append(candidate)
            elif place is not None:
                chosen[place] = candidate
        as_list = sum(c.is_list_item for c in chosen) >= max(2, len(chosen) // 2 + 1)
        # The sentence that answers best goes first (a list keeps its own order); the rest read
        # as a passage: groups in order of their best sentence, sentences in text order.
        lead = [] if as_list else chosen[:1]
        group_rank: dict[str, int] = {}
        for candidate in chosen:
            group_rank.setdefault(candidate.chunk.chunk_id, len(group_rank))
        chosen = lead + sorted(chosen[len(lead):], key=lambda c: (group_rank[c.chunk.chunk_id], c.start))
        relevance = max((c.relevance for c in chosen if c.relevance is not None), default=None)
        # The best match found, even when a sentence that says it and more took its place.
        return Selection(chosen, max(c.score for c in ranked[:1] + chosen), as_list, relevance)

    def place(self, candidate: Candidate, chosen: list[Candidate]) -> int | None:
        """Where `candidate` goes among the chosen sentences: appended (len(chosen)), in place of
        a chosen sentence it states and adds to (its index), or nowhere (None) when the chosen
        sentence most like it already states it. The support scorer decides both, read against
        that one most alike sentence, and only when the two are alike (cosine at or above
        `repeat_cosine`), so an answer costs a few judge calls at most."""
        if self.repeats_scorer is None or not chosen or not candidate.vector.any():
            return len(chosen)
        index, cosine = max(((i, float(candidate.vector @ o.vector)) for i, o in enumerate(chosen)),
                            key=lambda pair: pair[1])
        if cosine < self.repeat_cosine:
            return len(chosen)
        text, other = display_text(candidate.quote), display_text(chosen[index].quote)
        # The scorer's exact checks come first: "10 points" is never stated by "6 to 9 points".
        says_other, said_by_other = (support.verdict is Verdict.SUPPORTED for support in
                                     self.repeats_scorer.score_many([(other, text), (text, other)]))
        if said_by_other:
            return None
        return index if says_other else len(chosen)


def _near_duplicate(a: Candidate, b: Candidate, threshold: float) -> bool:
    if a.vector.any() and b.vector.any() and float(a.vector @ b.vector) >= threshold:
        return True
    if _translation_repeat(a, b) or _translation_repeat(b, a):
        return True
    if set(claim_numbers(a.quote)) != set(claim_numbers(b.quote)):
        return False  # "6 to 9 points" and "10 points" read alike but say different things
    left, right = set(words(a.quote.lower())), set(words(b.quote.lower()))
    return len(left & right) / max(1, len(left | right)) >= 0.6


# Share of a translated sentence's English terms found in an English one; on the dev sets 0.6-0.75
# score the same and 0.9 catches no repeat.
CROSS_LANGUAGE_REPEAT_SHARE = 0.75


def _translation_repeat(translated: Candidate, english: Candidate) -> bool:
    """A translated card's sentence that an English source sentence already states: most of its
    glossary English terms are among the English sentence's words. Vectors cannot tell, since a
    translated sentence is embedded through its glossary terms."""
    language = str(translated.chunk.meta.get("language", SOURCE_LANGUAGE))
    if language == SOURCE_LANGUAGE or str(english.chunk.meta.get("language", SOURCE_LANGUAGE)) != SOURCE_LANGUAGE:
        return False
    glossary = Glossary.for_language(language)
    if glossary is None:
        return False
    terms = stems(glossary.english_words(display_text(translated.quote)))
    return bool(terms) and len(terms & stems(english.quote)) / len(terms) >= CROSS_LANGUAGE_REPEAT_SHARE


def _titled(kept: list[Candidate], sentences: list[Sentence]) -> list[tuple[str, str]]:
    """Each sentence as a person reads it in a citation: with its document's title."""
    return [(str(c.chunk.meta.get("title", "")), s.text) for c, s in zip(kept, sentences, strict=True)]


def _verified(candidates: list[Candidate]) -> tuple[list[Candidate], list[Sentence], list[Citation], list[str]]:
    """Keep only sentences whose quote verifies against the stored passage text, numbered in
    order: the candidates kept, their sentences and citations and what each chunk is read under
    (Chunk.context: heading and document subject)."""
    kept: list[Candidate] = []
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    headings: list[str] = []
    for candidate in candidates:
        chunk, quote = candidate.chunk, candidate.quote
        text = display_text(quote)  # markdown removed
        if not quote_in_passage(quote, chunk.text, candidate.start, candidate.end, chunk.start) \
                or missing_numbers(text, quote) or missing_names(text, quote):
            continue
        citations.append(Citation.quoting(len(citations) + 1, chunk, candidate.start, candidate.end))
        sentences.append(Sentence(text=text, citations=[len(citations)], support=1.0))
        headings.append(chunk.context)
        kept.append(candidate)
    return kept, sentences, citations, headings
