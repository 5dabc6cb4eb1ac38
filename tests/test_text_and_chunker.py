"""Sentence splitting and chunking: offsets must always point at the exact text."""

from __future__ import annotations

import json

from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import load_document
from assistant.text import display_text, sentence_spans, split_sentences, words
from assistant.types import Chunk, Citation, Document, PageSpan
from tests.conftest import CORPUS

SAMPLE = """# Title

## First section
Gov. Healey signed an order on Jan. 29, 2026. The order bars new 287(g) deals! Lunn v. Commonwealth,
477 Mass. 517 (2017), is cited. J. Smith agreed.

- First item says a thing. Second sentence here.
- Second item
  continues here.

## Second section
Short text.
"""


def test_sentences_respect_abbreviations_and_list_items():
    found = [SAMPLE[s:e] for s, e in sentence_spans(SAMPLE)]
    assert found == [
        "Gov. Healey signed an order on Jan. 29, 2026.",
        "The order bars new 287(g) deals!",
        "Lunn v. Commonwealth,\n477 Mass. 517 (2017), is cited.",
        "J. Smith agreed.",
        "First item says a thing.",
        "Second sentence here.",
        "Second item\n  continues here.",
        "Short text.",
    ]


def test_dotted_initials_do_not_end_a_sentence_but_a_full_stop_after_a_word_does():
    text = "It applies under 8 C.F.R. § 287.5(a)(1) and 42 U.S.C. 1983, e.g. in court. The rest follows."
    assert split_sentences(text) == ["It applies under 8 C.F.R. § 287.5(a)(1) and 42 U.S.C. 1983, e.g. in court.",
                                     "The rest follows."]


def test_display_text_strips_markdown_but_keeps_words():
    assert display_text("**Bold** and [a link](javascript:alert(1)) `code`") == "Bold and a link code"


def test_chunks_are_exact_slices_and_stay_inside_sections(tmp_path):
    for path in sorted(CORPUS.glob("*.md")):
        document = load_document(path, max_bytes=10_000_000)
        config = ChunkerConfig(target_words=60, max_words=90)
        chunks = chunk_document(document, config)
        assert chunks, path
        heading_offsets = [h.start for h in document.headings]
        for chunk in chunks:
            assert document.text[chunk.start:chunk.end] == chunk.text
            assert len(words(chunk.text)) <= config.max_words + 30  # a folded tail may add a little
            # No heading starts strictly inside a chunk: chunks never cross sections.
            assert not any(chunk.start < offset < chunk.end for offset in heading_offsets), chunk.chunk_id
            for start, end in chunk.sentences:
                assert chunk.start <= start < end <= chunk.end


def test_chunk_carries_location_metadata():
    document = load_document(CORPUS / "lunn-v-commonwealth.md", max_bytes=10_000_000)
    chunk = chunk_document(document, ChunkerConfig())[0]
    for key in ("doc_id", "title", "source_url", "kind", "jurisdiction", "as_of"):
        assert chunk.meta[key], key
    assert chunk.meta["source_url"].startswith("http")
    assert chunk.chunk_id == "lunn-v-commonwealth#0"


def test_a_quote_from_a_chunk_that_runs_onto_the_next_page_is_cited_with_its_own_page():
    first = "The agreement is signed by both parties. It takes effect at once. "
    second = "ICE may review the agreement every three years."
    text = first + "\n\n" + second
    document = Document("moa", text, {"title": "MOA"},
                        pages=[PageSpan(0, len(first), 1), PageSpan(len(first) + 2, len(text), 2)])
    [chunk] = chunk_document(document, ChunkerConfig())  # short enough to be one chunk
    assert chunk.page == 1
    start = text.index("ICE may")
    citation = Citation.quoting(1, chunk, start, len(text))
    assert citation.quote == second and citation.page == 2
    assert Citation.quoting(2, chunk, 0, len("The agreement is signed by both parties.")).page == 1
    # The pages survive the index's round trip.
    assert Chunk.from_record(json.loads(json.dumps(chunk.to_record()))).page_at(start) == 2
