"""Core records shared by ingest, retrieval, answering, the CLI, the UI, the API and the evals.

This module depends on nothing outside the standard library on purpose: every
other part of the assistant can import it cheaply, and tests of pure logic can
build these records by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Metadata every chunk carries so a citation can be located in one click.
CHUNK_META_KEYS = ("doc_id", "title", "source_url", "kind", "jurisdiction", "as_of", "language")


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

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Chunk:
        fields = dict(record)
        fields["sentences"] = [tuple(s) for s in fields.get("sentences", [])]
        return cls(**fields)


@dataclass
class Passage:
    """A chunk returned by retrieval, with the scores that ranked it."""

    chunk: Chunk
    score: float
    dense: float | None = None
    lexical: float | None = None


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


@dataclass
class Sentence:
    text: str
    citations: list[int]
    support: float
    verdict: str = "supported"  # supported | partial | unsupported | uncited


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
    removed: list[dict[str, Any]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        data = dict(data)
        data["sentences"] = [Sentence(**s) for s in data.get("sentences", [])]
        data["citations"] = [Citation(**c) for c in data.get("citations", [])]
        data["referrals"] = [Referral(**r) for r in data.get("referrals", [])]
        return cls(**data)


@dataclass
class StreamEvent:
    """One step of a streamed answer: `delta` text that may be shown as it arrives; `sentence`
    with each generated sentence's verdict once it is checked (LLM answers only); then `done`
    with the final Answer, which replaces whatever was streamed before it."""

    kind: str  # delta | sentence | done
    text: str = ""
    answer: Answer | None = None
    sentence: Sentence | None = None
