"""The facade every interface uses: `Assistant.from_settings().ask(question)` → `Answer`."""

from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.answer.answerability import unanswered_reason
from assistant.answer.extractive import ExtractiveAnswerer, Selection, render
from assistant.answer.llm import LLMAnswerer
from assistant.answer.referrals import is_urgent, select_referrals
from assistant.answer.support import SupportScorer, fact_gate, quote_in_passage
from assistant.errors import UserError
from assistant.index.embedder import Embedder, shared_embedder
from assistant.index.reader import IndexReader, Snapshot
from assistant.llm.factory import make_chat_model
from assistant.prompts import load_messages
from assistant.retrieve.hybrid import Filters, HybridRetriever, Retrieval
from assistant.retrieve.rerank import make_reranker
from assistant.retrieve.rewrite import rewrite_follow_up
from assistant.settings import Settings
from assistant.types import Answer, Citation, Passage, Sentence, StreamEvent

MAX_QUESTION_CHARS = 2000


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder, reader: IndexReader) -> None:
        self.settings = settings
        self.embedder = embedder
        self.reader = reader
        self.retriever = HybridRetriever(
            embedder.embed_query, make_reranker(settings.reranker),
            candidates=settings.candidates, top_k=settings.top_k,
            per_doc_limit=settings.per_doc_limit, rrf_k=settings.rrf_k)
        self.answerer = ExtractiveAnswerer(max_sentences=settings.max_answer_sentences)
        self.messages = load_messages(settings.prompts_dir)
        # With the `llm` setting, a chat model writes and the support scorer decides what is shown.
        chat_model = make_chat_model(settings)
        self.generator = None if chat_model is None else LLMAnswerer(
            chat_model, settings.prompts_dir, SupportScorer.from_settings(settings), self.messages,
            max_passages=settings.llm_passages, max_sentences=settings.max_answer_sentences,
            unsupported=settings.llm_unsupported, min_verified=settings.llm_min_verified,
            timeout_s=settings.llm_timeout_s)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        settings = settings or Settings.load()
        reader = IndexReader(settings.data_dir, settings.chroma_url)
        reader.snapshot()  # fail now, with a clear message, if there is no index
        return cls(settings, shared_embedder(settings.embed_model, settings.embed_batch_size),
                   reader)

    def ask(self, question: str, history: list[str] | None = None,
            filters: Filters | None = None) -> Answer:
        if self.generator is not None:
            return next(e.answer for e in self.stream(question, history, filters) if e.answer)
        started = time.perf_counter()
        question = _clean_question(question)
        snapshot = self.reader.snapshot()
        query = rewrite_follow_up(question, history)
        retrieval = self.retriever.retrieve(snapshot, query, filters)
        return self._extractive(question, query, snapshot, retrieval, started)

    def _extractive(self, question: str, query: str, snapshot: Snapshot, retrieval: Retrieval,
                    started: float) -> Answer:
        answer_started = time.perf_counter()
        candidates = self.answerer.candidates(snapshot, query, retrieval.query_vector,
                                              retrieval.passages)
        selection = self.answerer.select(candidates)
        answer = self._compose(question, query, selection, retrieval.passages, snapshot)
        finished = time.perf_counter()
        answer.timings_ms = {**{k: round(v, 1) for k, v in retrieval.timings_ms.items()},
                             "answer": round(1000 * (finished - answer_started), 1),
                             "total": round(1000 * (finished - started), 1)}
        return answer

    def stream(self, question: str, history: list[str] | None = None,
               filters: Filters | None = None) -> Iterator[StreamEvent]:
        """Extractive answers are complete at once; they are streamed sentence by sentence so
        every interface shows text early through the same path an LLM backend uses."""
        if self.generator is not None:
            yield from self._generate(self.generator, question, history, filters)
            return
        answer = self.ask(question, history, filters)
        if answer.abstained:
            yield StreamEvent("delta", answer.answer)
        for sentence in answer.sentences:
            yield StreamEvent("delta", f"{sentence.text} [{sentence.citations[0]}] ")
        yield StreamEvent("done", answer=answer)

    def _generate(self, generator: LLMAnswerer, question: str, history: list[str] | None,
                  filters: Filters | None) -> Iterator[StreamEvent]:
        """The LLM path: deltas of verified sentences as they are written, then the Answer.
        Closing this iterator (a user cancelling) closes the model's stream, stopping generation."""
        started = time.perf_counter()
        question = _clean_question(question)
        snapshot = self.reader.snapshot()
        # The model rewrites follow-ups; the deterministic rewriter is the fallback when it fails.
        # Both are measured in evals/reports/followup-rewrite.md.
        query = generator.rewrite_follow_up(question, history) or rewrite_follow_up(question, history)
        rewritten = time.perf_counter()
        retrieval = self.retriever.retrieve(snapshot, query, filters)
        passage_texts = [p.chunk.text for p in retrieval.passages]
        for event in generator.stream(
                question, query, retrieval.passages,
                extractive=lambda: self._extractive(question, query, snapshot, retrieval, started),
                guide=self._guide,
                unanswered=lambda texts: unanswered_reason(question, texts, passage_texts, snapshot.lexical)):
            if event.answer is not None:
                event.answer.timings_ms = {**{k: round(v, 1) for k, v in retrieval.timings_ms.items()},
                                           **event.answer.timings_ms,
                                           "rewrite": round(1000 * (rewritten - started), 1),
                                           "total": round(1000 * (time.perf_counter() - started), 1)}
            yield event

    def _guide(self, answer: Answer) -> Answer:
        """What every answer carries whatever wrote it: the urgent and legal notices, referrals."""
        answer.urgent = is_urgent(answer.question)
        answer.notices = [*answer.notices, *([self.messages["urgent"]] if answer.urgent else []),
                          self.messages["legal_notice"]]
        answer.referrals = select_referrals(self.settings.referrals_path, answer.question,
                                            urgent=answer.urgent, abstained=answer.abstained)
        return answer

    def _compose(self, question: str, query: str, selection: Selection,
                 passages: list[Passage], snapshot: Snapshot) -> Answer:
        sentences, citations = self._verified(selection)
        if not sentences or selection.evidence < self.settings.abstain_below:
            return self._abstention(question, query, "abstain", passages)
        reason = unanswered_reason(question, [s.text for s in sentences],
                                   [p.chunk.text for p in passages], snapshot.lexical)
        if reason is not None:
            return self._abstention(question, query, reason, passages)
        notices = [self.messages["weak_evidence"]] if selection.evidence < self.settings.weak_below else []
        joined = [f"{s.text} [{s.citations[0]}]" for s in sentences]
        text = "\n".join(f"- {line}" for line in joined) if selection.as_list else " ".join(joined)
        return self._guide(Answer(question=question, answer=text, abstained=False, sentences=sentences,
                                  citations=citations, notices=notices, search_query=query))

    def _abstention(self, question: str, query: str, reason: str, passages: list[Passage]) -> Answer:
        """Saying why there is no answer (`reason` names a message) and where to look instead."""
        topics = list(dict.fromkeys(p.chunk.meta.get("title", "") for p in passages))[:3]
        text = self.messages[reason]
        if topics:
            text += " " + self.messages["abstain_suggest"].format(topics="; ".join(topics))
        return self._guide(Answer(question=question, answer=text, abstained=True, search_query=query))

    def _verified(self, selection: Selection) -> tuple[list[Sentence], list[Citation]]:
        """Keep only sentences whose quote verifies against the stored passage text."""
        sentences: list[Sentence] = []
        citations: list[Citation] = []
        for candidate, text in zip(selection.sentences, render(selection), strict=True):
            chunk = candidate.chunk
            quote = candidate.quote
            if not quote_in_passage(quote, chunk.text, candidate.start, candidate.end,
                                    chunk.start) or not fact_gate(text, quote).passed:
                continue
            n = len(citations) + 1
            meta = chunk.meta
            citations.append(Citation(
                n=n, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, title=meta.get("title", ""),
                source_url=meta.get("source_url", ""), page=chunk.page, section=chunk.section,
                text=chunk.text, quote=quote, start=candidate.start, end=candidate.end,
                kind=meta.get("kind", ""), as_of=meta.get("as_of", "")))
            sentences.append(Sentence(text=text, citations=[n], support=1.0))
        return sentences, citations


def _clean_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise UserError("the question is empty; type a question")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"the question is {len(question)} characters long; "
                        f"keep it under {MAX_QUESTION_CHARS}")
    return question
