"""The facade every interface uses: `Assistant.from_settings().ask(question)` → `Answer`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from assistant.answer.answer_judge import make_answer_judge
from assistant.answer.answerability import parse_rules
from assistant.answer.compound import joined, marked, question_parts
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.llm import LLMAnswerer
from assistant.answer.referrals import is_urgent, select_referrals
from assistant.answer.relevance import make_relevance
from assistant.errors import UserError
from assistant.index.embedder import Embedder, shared_embedder
from assistant.index.reader import IndexReader, Snapshot
from assistant.llm.factory import make_chat_model
from assistant.prompts import load_messages
from assistant.retrieve.crosslingual import CrossLingualRetriever
from assistant.retrieve.hybrid import Filters, HybridRetriever, Retrieval
from assistant.retrieve.language import choose_language, follow_up_query
from assistant.retrieve.rerank import make_reranker
from assistant.settings import Settings
from assistant.types import Answer, AnswerRequest, EventKind, StreamEvent
from assistant.verify.scorer import repeat_scorer, shared_scorer


class Assistant:
    """Retrieval, then one Answerer (extractive, or an LLM with the extractive one as its
    fallback), then what every answer carries: notices and referrals."""

    def __init__(self, settings: Settings, embedder: Embedder, reader: IndexReader) -> None:
        self.settings = settings
        self.embedder = embedder
        self.reader = reader
        retrieve = settings.retrieve
        self.retriever = HybridRetriever(
            embedder.embed_query, make_reranker(retrieve.reranker), candidates=retrieve.candidates,
            top_k=retrieve.top_k, per_doc_limit=retrieve.per_doc_limit, rrf_k=retrieve.rrf_k,
            diversity_yield=retrieve.diversity_yield)
        self.crosslingual = CrossLingualRetriever(self.retriever, retrieve.rrf_k)
        answer, llm = settings.answer, settings.llm
        self.extractive = ExtractiveAnswerer(
            max_sentences=answer.max_answer_sentences, abstain_below=answer.abstain_below,
            weak_below=answer.weak_below, min_sentence_words=answer.min_sentence_words,
            relevance=make_relevance(answer.relevance), relevance_top=answer.relevance_top,
            relevance_weight=answer.relevance_weight, relevance_abstain_below=answer.relevance_abstain_below,
            repeats=repeat_scorer(settings) if answer.repeat_cosine < 1.0 else None, repeat_cosine=answer.repeat_cosine,
            rules=parse_rules(answer.rules), answer_judge=make_answer_judge(settings),
            answer_judge_sentences=answer.answer_judge_sentences, answer_judge_above=answer.answer_judge_above)
        # With an LLM backend, a chat model writes and the support scorer decides what is shown.
        chat_model = make_chat_model(settings)
        self.generator = None if chat_model is None else LLMAnswerer(
            chat_model, answer.prompts_dir, shared_scorer(settings), fallback=self.extractive,
            max_passages=llm.passages, max_sentences=answer.max_answer_sentences,
            unsupported=llm.unsupported, min_verified=llm.min_verified, timeout_s=llm.timeout_s,
            min_claim_words=llm.min_claim_words, window_sentences=llm.window_sentences,
            windows_scored=llm.windows_scored, same_subject_words=llm.same_subject_words)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or Settings.load()
        reader = IndexReader(settings.data_dir, settings.index.chroma_url)
        reader.snapshot()  # fail now, with a clear message, if there is no index
        return cls(settings, shared_embedder(settings.index.embed_model, settings.index.embed_batch_size),
                   reader)

    def messages(self, language: str = "en") -> dict[str, Any]:
        """The fixed text answers carry (prompts/messages.toml), in `language`."""
        return load_messages(self.settings.answer.prompts_dir, "messages", language)

    def ask(self, question: str, history: list[str] | None = None, filters: Filters | None = None,
            language: str | None = None) -> Answer:
        return next(e.answer for e in self.stream(question, history, filters, language)
                    if e.kind is EventKind.DONE and e.answer is not None)

    def stream(self, question: str, history: list[str] | None = None, filters: Filters | None = None,
               language: str | None = None) -> Iterator[StreamEvent]:
        """The answerer's events; the DONE answer also carries notices, referrals and timings.
        `language` is the person's choice (en, es, pt, ht); without one, the question's is detected.
        Closing this iterator (a user cancelling) closes the model's stream, stopping generation."""
        started = time.perf_counter()
        settings = self.settings.answer
        question = _clean_question(question, settings.max_question_chars)
        language = choose_language(question, history, language or settings.language or None,
                                   settings.language_confidence)
        snapshot = self.reader.snapshot()
        # A model rewrites follow-ups when there is one; the deterministic rewriter is the
        # fallback. Both are measured in evals/reports/followup-rewrite.md.
        # The LLM path is measured in English only: another language is answered extractively.
        generator = self.generator if language == "en" else None
        if generator is None:
            compound = self._compound(question, history, filters, language, snapshot, started)
            if compound is not None:
                yield from compound
                return
        query = (generator and generator.rewrite_follow_up(question, history)) or \
            follow_up_query(question, history, language)
        rewritten = time.perf_counter()
        request, retrieval = self._request(question, query, language, filters, snapshot)
        answering = time.perf_counter()
        for event in (generator or self.extractive).stream(request):
            if event.kind is EventKind.DONE and event.answer is not None:
                finished = time.perf_counter()
                answer = self._guide(event.answer, request)
                answer.timings_ms = {**{k: round(v, 1) for k, v in retrieval.timings_ms.items()},
                                     **answer.timings_ms,
                                     "rewrite": round(1000 * (rewritten - started), 1),
                                     "answer": round(1000 * (finished - answering), 1),
                                     "total": round(1000 * (finished - started), 1)}
            yield event

    def _request(self, question: str, query: str, language: str, filters: Filters | None,
                 snapshot: Snapshot) -> tuple[AnswerRequest, Retrieval]:
        """What an answerer is asked for `question`, searched as `query` (a question in Spanish,
        Portuguese or Haitian Creole is also searched with its English terms), and the retrieval."""
        found = self.crosslingual.retrieve(snapshot, query, language, filters, self.settings.retrieve.top_k)
        retrieval = found.retrieval
        return AnswerRequest(question, found.searched, retrieval.passages, retrieval.query_vector, snapshot,
                             language, self.messages(language), found.english), retrieval

    def _compound(self, question: str, history: list[str] | None, filters: Filters | None, language: str,
                  snapshot: Snapshot, started: float) -> list[StreamEvent] | None:
        """The events of a question that asks two things, answered part by part (compound.py), or
        None when it asks one thing, or when no part finds an answer (the whole is then answered
        as one question, and says why it cannot be). Only the extractive path splits: a chat
        model reads the whole question."""
        parts, context = question_parts(question, language)
        if len(parts) < 2:
            return None
        answers: list[Answer] = []
        requests: list[AnswerRequest] = []
        for index, part in enumerate(parts):
            # The statements and parts before a part are its conversation: "did it receive" after
            # "I'm researching the BRIC" searches the BRIC.
            earlier = [*(history or []), *context, *parts[:index]]
            request, _ = self._request(part, follow_up_query(part, earlier, language), language, filters,
                                       snapshot)
            requests.append(request)
            answers.append(self.extractive.answer(request))
        per_part = max(2, self.settings.answer.max_answer_sentences // len(parts))
        answer = joined(question, answers, per_part, requests[0].messages["partly_answered"])
        if answer is None:
            return None
        answer = self._guide(answer, replace(requests[0], question=question))
        answer.timings_ms = {"total": round(1000 * (time.perf_counter() - started), 1)}
        events = [StreamEvent(EventKind.DELTA, f"{marked(s)} ") for s in answer.sentences]
        return [*events, StreamEvent(EventKind.DONE, answer=answer)]

    def _guide(self, answer: Answer, request: AnswerRequest) -> Answer:
        """What every answer carries whatever wrote it, in the asker's language: the urgent and
        legal notices, referrals, and a lead saying when the quotes are from English sources."""
        messages = request.messages
        # Urgency cues exist in every language (urgent.toml); the referral topics read English,
        # so a question in another language is matched with its English search terms too.
        asked = answer.question if request.language == "en" else f"{answer.question} {request.english_query}"
        answer.language = request.language
        answer.urgent = is_urgent(answer.question)
        answer.notices = [*answer.notices, *([messages["urgent"]] if answer.urgent else []),
                          messages["legal_notice"]]
        answer.referrals = select_referrals(self.settings.referrals_path, asked, urgent=answer.urgent,
                                            abstained=answer.abstained, language=request.language)
        english = [c.language == "en" for c in answer.citations]
        if request.language != "en" and not answer.abstained and any(english):
            # "the sentences below are in English" would mislead when some are in the asker's language
            answer.lead = messages["sources_in_english" if all(english) else "some_sources_in_english"]
        return answer


def _clean_question(question: str, max_chars: int) -> str:
    question = " ".join(question.split())
    if not question:
        raise UserError("the question is empty; type a question")
    if len(question) > max_chars:
        raise UserError(f"the question is {len(question)} characters long; keep it under {max_chars}")
    return question
