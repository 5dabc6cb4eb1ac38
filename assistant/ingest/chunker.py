"""Structure-aware chunking: chunks never cross a section heading, prefer paragraph ends,
and always end on a sentence boundary, so a chunk reads as a self-contained passage."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.ingest.tables import is_table_row
from assistant.text import sentence_spans, words
from assistant.types import Chunk, Document


@dataclass(frozen=True)
class ChunkerConfig:
    target_words: int = 120
    max_words: int = 170
    overlap_sentences: int = 0
    min_tail_words: int = 25  # a section's last piece shorter than this joins the piece before it

    def fingerprint(self) -> str:
        return f"words={self.target_words}/{self.max_words},overlap={self.overlap_sentences},tail={self.min_tail_words}"


def chunk_document(document: Document, config: ChunkerConfig) -> list[Chunk]:
    text = document.text
    groups: list[tuple[str, list[tuple[int, int]]]] = []
    for section, start, end in _sections(document):
        groups.extend((section, piece) for piece in _pack(text, start, end, config))
    chunks: list[Chunk] = []
    for index, (section, sentences) in enumerate(groups):
        start, end = sentences[0][0], sentences[-1][1]
        chunks.append(Chunk(
            chunk_id=f"{document.doc_id}#{index}",
            doc_id=document.doc_id,
            text=text[start:end],
            start=start,
            end=end,
            section=section,
            page=document.page_at(start),
            meta={"doc_id": document.doc_id, **{k: v for k, v in document.meta.items()
                                                 if k != "path"}},
            sentences=sentences,
            page_starts=[(span.start, span.number) for span in document.pages if start < span.start < end],
        ))
    return chunks


def _sections(document: Document) -> list[tuple[str, int, int]]:
    """(section title, start, end) regions between headings; text before any heading is the intro."""
    regions = []
    cursor, current = 0, ""
    for heading in document.headings:
        regions.append((current, cursor, heading.start))
        # The document title (level 1) is not a useful section name; deeper headings are.
        current = heading.text if heading.level > 1 or not current else current
        cursor = heading.end
    regions.append((current, cursor, len(document.text)))
    return [(name, s, e) for name, s, e in regions if document.text[s:e].strip()]


def _pack(text: str, start: int, end: int, config: ChunkerConfig) -> list[list[tuple[int, int]]]:
    sentences = _bounded_sentences(text, start, end, config.max_words)
    paragraph_ends = _paragraph_ends(text, sentences)
    pieces: list[list[tuple[int, int]]] = []
    rows: set[int] = set()  # pieces that are one table row
    current: list[tuple[int, int]] = []
    size = 0
    for position, span in enumerate(sentences):
        if is_table_row(text[span[0]:span[1]]):
            # A table row is a chunk of its own: embedded alone it matches a question about that
            # row (a name, an agency), where packed with its neighbours it matched none.
            _close(text, pieces, rows, current, config)
            rows.add(len(pieces))
            pieces.append([span])
            current, size = [], 0
            continue
        length = len(words(text[span[0]:span[1]]))
        if current and size + length > config.max_words:
            pieces.append(current)
            current = current[-config.overlap_sentences:] if config.overlap_sentences else []
            size = sum(len(words(text[s:e])) for s, e in current)
        current.append(span)
        size += length
        if size >= config.target_words and position in paragraph_ends:
            pieces.append(current)
            current, size = [], 0
    _close(text, pieces, rows, current, config)
    return pieces


def _close(text: str, pieces: list[list[tuple[int, int]]], rows: set[int], current: list[tuple[int, int]],
           config: ChunkerConfig) -> None:
    """Add the sentences gathered so far as a piece, or fold a short tail into the piece
    before it (never into a table row)."""
    if not current:
        return
    tail_words = sum(len(words(text[s:e])) for s, e in current)
    previous_words = sum(len(words(text[s:e])) for s, e in pieces[-1]) if pieces else 0
    if pieces and len(pieces) - 1 not in rows and tail_words < config.min_tail_words and \
            previous_words + tail_words <= config.max_words:
        pieces[-1] = pieces[-1] + [s for s in current if s not in pieces[-1]]
    else:
        pieces.append(current)


def _bounded_sentences(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Sentences, with any run-on longer than a whole chunk cut at word boundaries."""
    result = []
    for s, e in sentence_spans(text, start, end):
        if len(words(text[s:e])) <= max_words:
            result.append((s, e))
            continue
        cursor, count = s, 0
        for position, char in enumerate(text[s:e], start=s):
            if char.isspace() and position > cursor and not text[position - 1].isspace():
                count += 1
                if count >= max_words:
                    result.append((cursor, position))
                    cursor, count = position + 1, 0
        if cursor < e:
            result.append((cursor, e))
    return result


def _paragraph_ends(text: str, sentences: list[tuple[int, int]]) -> set[int]:
    """Positions of sentences followed by a line break: good places to end a chunk."""
    ends = set()
    for position, (_, end) in enumerate(sentences):
        following = text[end:sentences[position + 1][0]] if position + 1 < len(sentences) else "\n"
        if "\n" in following:
            ends.add(position)
    return ends
