"""Every supported format loads with location kept; every bad input gets one clear reason."""

from __future__ import annotations

import pytest

from assistant.errors import IngestError
from assistant.ingest.loaders import document_subject, load_document
from tests.fixtures.make_files import write_blank_pdf, write_docx, write_encrypted_pdf, write_text_pdf

LIMIT = 5_000_000


def test_markdown_front_matter_becomes_metadata(tmp_path):
    path = tmp_path / "note.md"
    path.write_text('---\ntitle: "A note"\nkind: policy\njurisdiction: Boston\nas_of: 2026-01-02\n'
                    'sources:\n  - {title: S, url: "https://example.org/s", date: 2026}\n---\n'
                    "# A note\n\nBody text here.\n", encoding="utf-8")
    document = load_document(path, LIMIT)
    assert document.meta["title"] == "A note"
    assert document.meta["kind"] == "policy"
    assert document.meta["as_of"] == "2026-01-02"
    assert document.meta["source_url"] == "https://example.org/s"
    assert document.text.startswith("# A note")  # offsets are into the body, not the front matter


def test_pdf_keeps_page_numbers(tmp_path):
    path = write_text_pdf(tmp_path / "two.pdf", ["Page one talks about detainers.", "Page two covers Lunn."])
    document = load_document(path, LIMIT)
    assert document.page_at(document.text.index("Lunn")) == 2
    assert document.page_at(document.text.index("detainers")) == 1


def test_html_keeps_main_text_and_drops_scripts_and_nav(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>T</title><script>steal()</script></head><body>"
                    "<nav>Home | About</nav><main><h2>Rights</h2><p>You may stay silent.</p>"
                    "<ul><li>Ask for a lawyer.</li></ul></main><footer>Footer</footer></body></html>",
                    encoding="utf-8")
    document = load_document(path, LIMIT)
    assert "You may stay silent." in document.text and "- Ask for a lawyer." in document.text
    assert "steal" not in document.text and "Home" not in document.text and "Footer" not in document.text
    assert [h.text for h in document.headings] == ["Rights"]


def test_docx_headings_and_lists(tmp_path):
    path = write_docx(tmp_path / "memo.docx", "Memo", [("Heading 1", "Memo"), ("Normal", "Intro text."),
                                                        ("Heading 2", "Steps"), ("List Bullet", "Stay calm.")])
    document = load_document(path, LIMIT)
    assert document.meta["title"] == "Memo"
    assert "## Steps" in document.text and "- Stay calm." in document.text


def test_odd_encodings_are_read(tmp_path):
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Señora Pérez went to court.".encode("utf-16"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 policy \x96 reviewed.".encode("latin-1"))
    assert "Pérez" in load_document(utf16, LIMIT).text
    assert "Café policy – reviewed." in load_document(latin, LIMIT).text


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("empty.txt", lambda p: p.write_bytes(b""), "empty file"),
    ("binary.txt", lambda p: p.write_bytes(b"\x00\x01\x02binary\x00" * 100), "binary content"),
    ("invalid.md", lambda p: p.write_bytes(bytes(range(128, 256)) * 20), "not valid UTF-8"),
    ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.4\nthis is not really a pdf"), "not a readable PDF"),
    ("blank.pdf", write_blank_pdf, "no text could be extracted"),
    ("notes.xyz", lambda p: p.write_text("hello"), "unsupported file type"),
    ("bad.docx", lambda p: p.write_bytes(b"PK\x03\x04 not a zip"), "not a readable .docx"),
    ("front.md", lambda p: p.write_text("---\ntitle: [unclosed\n---\nBody\n"), "invalid YAML front matter"),
])
def test_bad_inputs_raise_one_clear_reason(tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(IngestError) as caught:
        load_document(path, LIMIT)
    message = str(caught.value)
    assert reason in message and str(path) in message and "\n" not in message


def test_encrypted_pdf_is_named_as_such(tmp_path):
    source = write_text_pdf(tmp_path / "plain.pdf", ["Secret text."])
    path = write_encrypted_pdf(tmp_path / "locked.pdf", source)
    with pytest.raises(IngestError, match="encrypted PDF"):
        load_document(path, LIMIT)


def test_huge_file_is_refused_by_size_without_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing written
    with pytest.raises(IngestError, match="over the 5 MB limit"):
        load_document(path, LIMIT)


def test_a_documents_subject_is_the_names_its_opening_gives_and_keeps_mentioning():
    text = ("Agreement between ICE and the Troy, New Hampshire Police (the LEA), written with BJS "
            "Statisticians. Vicente Caceres is listed once. " + "The LEA and ICE agree. " * 3
            + "Troy, New Hampshire Police signs. BJS counts. " * 2)
    subject = document_subject(text).split("; ")
    assert "Troy" in subject and "New Hampshire Police" in subject and "LEA" in subject
    assert "BJS" in subject  # initials count on their own, though their run of capitals does not recur
    assert "Vicente Caceres" not in subject  # named once: a row, not what the document is about
    # Names past the opening are not its subject, however often they recur.
    assert "Maine" not in document_subject("x " * 600 + "Maine. " * 5)
