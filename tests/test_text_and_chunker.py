"""Sentence splitting and chunking: offsets must always point at the exact text."""

from __future__ import annotations

from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import load_document
from assistant.text import display_text, sentence_spans, split_sentences, words
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
