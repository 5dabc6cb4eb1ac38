"""Core records shared by ingest, retrieval, answering, the CLI, the UI, the API and the evals.

This module depends on nothing outside the standard library on purpose: every
other part of the assistant can import it cheaply, and tests of pure logic can
build these records by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True)
class PageSpan:
    """Characters [start, end) of the document text came from 1-based page `number`."""

    start: int
    end: int
    number: int


@dataclass(frozen=True)
class Heading:
    """A section heading found in the document text at [start, end)."""

    start: int
    end: int
    level: int
    text: str


@dataclass
class Document:
    """A source file reduced to plain text, with where its pages and headings lie."""

    doc_id: str
    text: str
    meta: dict[str, Any]
    pages: list[PageSpan] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].start else None


@dataclass
class Chunk:
    """A retrievable unit of a document: `text == document.text[start:end]`."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    section: str
    page: int | None
    meta: dict[str, Any]
    # Sentence spans as offsets into the *document* text, so quotes need no re-splitting.
    sentences: list[tuple[int, int]] = field(default_factory=list)
    # (document offset, page number) of each page that begins inside the chunk: a quote from a
    # chunk that runs onto the next page is cited with the page it is on, not the chunk's first.
    page_starts: list[tuple[int, int]] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page that the document text at `offset` (inside this chunk) is on."""
        page = self.page
        for start, number in self.page_starts:
            if offset >= start:
                page = number
        return page

    @property
    def heading(self) -> str:
        """Where the chunk stands: its document's title and its section. A clause of an agreement
        or a row of a table leans on them for the names it does not repeat."""
        return f"{self.meta.get('title', '')} {self.section}".strip()

    @property
    def context(self) -> str:
        """What a reader knows a sentence of this chunk is about: its heading and its document's
        subject (the names its opening gives, loaders.document_subject). The agreement's
        clauses say "the LEA"; its first page says "Troy, New Hampshire Police"."""
        return f"{self.heading} {self.meta.get('subject', '')}".strip()

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Chunk:
        fields = dict(record)
        fields["sentences"] = [tuple(s) for s in fields.get("sentences", [])]
        fields["page_starts"] = [tuple(p) for p in fields.get("page_starts", [])]
        return cls(**fields)


@dataclass
class Passage:
    """A chunk returned by retrieval, with the scores that ranked it."""

    chunk: Chunk
    score: float
    dense: float | None = None
    lexical: float | None = None


class Verdict(StrEnum):
    """How far a sentence's cited passages support it."""

    SUPPORTED = "supported"
    PARTIAL = "partial"  # some of it, or support too weak to show it as verified
    UNSUPPORTED = "unsupported"
    UNCITED = "uncited"  # no citation, or one to a passage that does not exist


class WithheldReason(StrEnum):
    """Why a generated sentence was not shown as verified (`Answer.removed`)."""

    UNCITED = "uncited"
    UNKNOWN_CITATION = "unknown_citation"  # cites a passage number the model was not given
    TOO_SHORT = "too_short"
    UNSUPPORTED = "unsupported"  # no span of a cited passage supports it
    UNSUPPORTED_BY_PASSAGE = "unsupported_by_passage"  # a span does, the passage read whole does not
    JOINS_PASSAGE_SENTENCES = "joins_passage_sentences"  # needs words from another sentence of it
    DOES_NOT_ANSWER = "does_not_answer"  # verified, but not an answer to what was asked


class EventKind(StrEnum):
    DELTA = "delta"  # text that may be shown as it arrives
    SENTENCE = "sentence"  # one generated sentence with its verdict (LLM answers)
    DONE = "done"  # the final Answer, which replaces whatever was streamed before it


@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    source_url: str
    page: int | None
    section: str
    text: str
    quote: str
    start: int
    end: int
    kind: str = ""
    as_of: str = ""
    language: str = ""  # the passage's: a Spanish asker may be quoted an English source

    @classmethod
    def quoting(cls, n: int, chunk: Chunk, start: int, end: int) -> Citation:
        """Citation number `n`: characters [start, end) of the document, inside `chunk`."""
        meta = chunk.meta
        return cls(n=n, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, title=meta.get("title", ""),
                   source_url=meta.get("source_url", ""), page=chunk.page_at(start), section=chunk.section,
                   text=chunk.text, quote=chunk.text[start - chunk.start:end - chunk.start],
                   start=start, end=end, kind=meta.get("kind", ""), as_of=meta.get("as_of", ""),
                   language=meta.get("language", ""))


@dataclass
class Sentence:
    text: str
    citations: list[int]
    support: float
    verdict: Verdict = Verdict.SUPPORTED


@dataclass
class RemovedSentence:
    """A generated sentence that was not shown as verified, and why."""

    text: str
    citations: list[int]  # passage numbers as the model wrote them
    verdict: Verdict
    reason: WithheldReason
    score: float
    missing: list[str] = field(default_factory=list)  # claim words the evidence lacks
    # With DOES_NOT_ANSWER: the answerability check that failed (a message key in prompts/).
    unanswered: str = ""


@dataclass
class Referral:
    name: str
    description: str
    phone: str | None
    url: str | None
    languages: list[str]
    caveat: str | None
    urgent: bool


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    urgent: bool = False
    search_query: str = ""
    removed: list[RemovedSentence] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    language: str = "en"  # the asker's language: the lead, the notices and the referrals are in it
    # Fixed text shown before the answer in the asker's language, e.g. that the sentences quoted
    # below are from English sources (the quotes are never translated in place).
    lead: str = ""
    # The answer judge's P(the sentences quoted give what was asked), when it ran (answer.answer_judge).
    answerability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        data = dict(data)
        data["sentences"] = [Sentence(**{**s, "verdict": Verdict(s.get("verdict", "supported"))})
                             for s in data.get("sentences", [])]
        data["removed"] = [RemovedSentence(**{**r, "verdict": Verdict(r["verdict"]),
                                              "reason": WithheldReason(r["reason"])})
                           for r in data.get("removed", [])]
        data["citations"] = [Citation(**c) for c in data.get("citations", [])]
        data["referrals"] = [Referral(**r) for r in data.get("referrals", [])]
        return cls(**data)


@dataclass
class StreamEvent:
    """One step of a streamed answer (see EventKind)."""

    kind: EventKind
    text: str = ""
    answer: Answer | None = None
    sentence: Sentence | None = None


@dataclass
class AnswerRequest:
    """What an answerer is asked: the question, its search query, and what retrieval found."""

    question: str
    query: str  # the question as searched: a follow-up rewritten with its topic
    passages: list[Passage]
    query_vector: Any  # the query's embedding (a numpy vector)
    # The index generation the passages came from (assistant.index.reader.Snapshot): sentence
    # vectors and BM25 statistics. Typed Any so this module imports nothing.
    snapshot: Any
    language: str = "en"  # the asker's: fixed text and translated sources are in it
    messages: dict[str, Any] = field(default_factory=dict)  # prompts/messages.toml in that language
    # The question's English words (its glossary terms, for another language), for the checks
    # that read English.
    english_query: str = ""


class Answerer(Protocol):
    """Writes an answer from retrieved passages: a stream of events ending in one DONE event.

    Every interface consumes this one stream (the CLI prints deltas, the UI renders them, `ask`
    keeps the final Answer). Closing the iterator stops the work, a model's generation included."""

    def stream(self, request: AnswerRequest) -> Iterator[StreamEvent]: ...
