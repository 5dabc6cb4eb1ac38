"""Reading PDFs: pages, sections and table rows kept; scans OCR'd once and cached; a scan
without OCR installed is reported, never indexed empty. OCR tests run tesseract on a page or
two of a PDF made here; the real documents are left to evals/realdocs_bench.py."""

from __future__ import annotations

import shutil

import pytest

from assistant.errors import IngestError
from assistant.ingest import ocr
from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import load_document
from assistant.ingest.pdf import PdfOptions, read_pdf
from tests.fixtures.make_pdfs import (
    write_lines_pdf,
    write_scan_with_text_layer,
    write_scanned_pdf,
    write_table_pdf,
)

LIMIT = 5_000_000
needs_ocr = pytest.mark.skipif(bool(ocr.missing_tools()), reason="tesseract/pdftoppm missing: run make ocr")
SCANNED = ["ICE must honor the signed detainer form.", "The sheriff shares booking data weekly."]


def _agreement(tmp_path):
    header = "Memorandum of Agreement | Example County"
    pages = [
        [header, "ARTICLE I. PURPOSE", "This agreement sets out how the sheriff and ICE share",
         "information about people held in the county jail.", "Page 1 of 3"],
        [header, "ARTICLE II. NOTIFICATION", "The sheriff will notify ICE of a release date only when",
         "a judge has signed a warrant. Notice is given by telephone.", "Page 2 of 3"],
        [header, "ARTICLE III. TERMINATION", "Either party may end this agreement with thirty days",
         "notice in writing.", "Page 3 of 3"],
    ]
    return write_lines_pdf(tmp_path / "agreement.pdf", pages)


def test_pdf_sections_pages_and_no_running_headers(tmp_path):
    document = load_document(_agreement(tmp_path), LIMIT)
    assert "Memorandum of Agreement | Example County" not in document.text
    assert "Page 2 of 3" not in document.text
    chunks = chunk_document(document, ChunkerConfig(target_words=10, max_words=40))
    where = {c.section: c.page for c in chunks}
    assert where == {"ARTICLE I. PURPOSE": 1, "ARTICLE II. NOTIFICATION": 2, "ARTICLE III. TERMINATION": 3}
    notify = next(c for c in chunks if c.section == "ARTICLE II. NOTIFICATION")
    sentences = [document.text[s:e] for s, e in notify.sentences]
    assert sentences == ["The sheriff will notify ICE of a release date only when a judge has signed a warrant.",
                         "Notice is given by telephone."]


def test_sections_from_large_type_and_from_the_outline(tmp_path):
    body = ["Federal agencies reported 51 arrest-related deaths in fiscal year 2016.",
            "Homicide and suicide accounted for nearly 90 percent of those deaths.",
            "Almost all of the people who died in custody were men, most of them white.",
            "The data set does not differentiate between race and ethnicity at all."]
    pages: list[list[str | tuple[str, int]]] = [[("Highlights", 22), *body], [*body[::-1]]]
    path = write_lines_pdf(tmp_path / "report.pdf", pages, outline=[("Detailed findings", 1)])
    document = load_document(path, LIMIT)
    sections = {(c.section, c.page) for c in chunk_document(document, ChunkerConfig(target_words=10))}
    assert sections == {("Highlights", 1), ("Detailed findings", 2)}


def test_table_rows_are_text_with_their_headers_and_page(tmp_path):
    path = write_table_pdf(tmp_path / "deaths.pdf", "Deaths by facility are listed below.",
                           ["Facility", "Deaths", "Year"], [["Adelanto", "3", "2016"], ["Eloy", "2", "2017"]])
    document = load_document(path, LIMIT)
    row = "Facility: Eloy; Deaths: 2; Year: 2017."
    assert row in document.text and "Deaths by facility are listed below." in document.text
    chunks = chunk_document(document, ChunkerConfig())
    # Each row is a chunk of its own, one quotable sentence, with its page.
    assert [c.text for c in chunks] == ["Deaths by facility are listed below.",
                                        "Facility: Adelanto; Deaths: 3; Year: 2016.", row]
    assert all(c.page == 1 and len(c.sentences) == 1 for c in chunks)


def test_scan_without_ocr_installed_is_skipped_naming_the_fix(tmp_path, monkeypatch):
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    monkeypatch.setattr(ocr, "missing_tools", lambda: ["tesseract"])
    with pytest.raises(IngestError) as caught:
        load_document(path, LIMIT)
    message = str(caught.value)
    assert str(path) in message and "no text layer" in message and "make ocr" in message
    assert "\n" not in message


def test_ocr_off_reports_the_scan_instead_of_indexing_it_empty(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    with pytest.raises(IngestError, match="1 of 1 pages have no text layer and OCR is off"):
        read_pdf(path, PdfOptions(ocr="off"))


def test_a_scan_with_a_stamp_in_its_text_layer_is_not_indexed_as_that_stamp(tmp_path, monkeypatch):
    # Troy's agreement: 14 scanned pages, "Boston, MA" and a typed signature block as text.
    path = write_scan_with_text_layer(tmp_path / "scan.pdf", SCANNED[0], ["Boston, MA"])
    monkeypatch.setattr(ocr, "missing_tools", lambda: ["tesseract"])
    with pytest.raises(IngestError, match="scanned PDF: 1 of 1 pages have no text layer"):
        load_document(path, LIMIT)


def test_a_few_unread_scanned_pages_are_a_note_and_the_rest_is_indexed(tmp_path, monkeypatch):
    text_pages = [["ARTICLE I. PURPOSE", f"This clause of the agreement is about {topic}."]
                  for topic in ("detainers", "fingerprints", "release dates")]
    text = write_lines_pdf(tmp_path / "text.pdf", text_pages)
    scan = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for source in (text, scan):
        for page in PdfReader(str(source)).pages:
            writer.add_page(page)
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)
    monkeypatch.setattr(ocr, "missing_tools", lambda: ["tesseract"])
    notes: list[str] = []
    document = load_document(mixed, LIMIT, notes=notes)
    assert "This clause of the agreement is about release dates." in document.text
    assert notes == [f"{mixed}: 1 of 4 pages have no text layer and were not read: OCR is not installed "
                     "(tesseract missing); run `make ocr` (installs Debian's tesseract-ocr and poppler-utils)"]


def test_a_sidecar_can_ask_for_its_own_ocr_mode(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    (tmp_path / "scan.pdf.meta.yaml").write_text("title: Scan\nocr: sometimes\n", encoding="utf-8")
    with pytest.raises(IngestError, match="ocr must be auto, force or off"):
        load_document(path, LIMIT)


@pytest.mark.ocr
@needs_ocr
def test_scanned_pages_are_ocrd_with_their_page_numbers_and_cached(tmp_path, monkeypatch):
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED)
    options = PdfOptions(cache_dir=tmp_path / "cache")
    notes: list[str] = []
    document = load_document(path, LIMIT, options, notes)
    for number, sentence in enumerate(SCANNED, start=1):
        assert sentence in document.text
        assert document.page_at(document.text.index(sentence)) == number
    assert notes == [f"{path}: 2 of 2 pages OCR'd"]

    def no_ocr(*_args, **_kwargs):
        raise AssertionError("a cached page was OCR'd again")

    monkeypatch.setattr(ocr, "ocr_page", no_ocr)
    again = read_pdf(path, options)
    assert (again.ocr_pages, again.ocr_cached) == (2, 2) and again.text == document.text
    # The cache is keyed by the page's content: the same page in another file is not OCR'd.
    copy = shutil.copy(path, tmp_path / "copy.pdf")
    assert read_pdf(copy, options).ocr_cached == 2


@pytest.mark.ocr
@needs_ocr
def test_force_reocrs_a_pdf_that_has_a_text_layer(tmp_path):
    bad_layer = ["Thc LEA wi11 notify lCE of each re1ease and the sheriff will keep a record."] * 8
    path = write_scan_with_text_layer(tmp_path / "layer.pdf", "The LEA will notify ICE.", bad_layer)
    assert "wi11" in read_pdf(path, PdfOptions(ocr="auto")).text  # a page-long text layer is trusted
    forced = read_pdf(path, PdfOptions(ocr="force", cache_dir=tmp_path / "cache"))
    assert forced.ocr_pages == 1 and forced.text == "The LEA will notify ICE."


@pytest.mark.ocr
@needs_ocr
def test_unknown_ocr_language_is_named_and_the_rest_used(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCANNED[:1])
    result = read_pdf(path, PdfOptions(ocr_languages="eng+zzz", cache_dir=tmp_path / "cache"))
    assert SCANNED[0] in result.text
    assert any("tesseract-ocr-zzz" in note for note in result.notes)


def test_ingest_reports_a_scan_it_cannot_read_as_skipped(tmp_path, monkeypatch):
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = write_scanned_pdf(corpus / "troy-287g.pdf", SCANNED[:1])
    monkeypatch.setattr(ocr, "missing_tools", lambda: ["tesseract", "pdftoppm"])
    settings = Settings.load(values={"data_dir": tmp_path / "data", "ingest": {"corpus_dir": corpus}})
    report = ingest(settings, [corpus], progress=False)
    assert report.docs == 0 and len(report.skipped) == 1
    assert report.skipped[0].startswith(f"{path}: scanned PDF: 1 of 1 pages have no text layer and OCR is not")
    assert "make ocr" in report.skipped[0]


def test_a_truncated_pdf_is_one_clear_line_or_its_readable_part(tmp_path):
    whole = write_lines_pdf(tmp_path / "whole.pdf", [["ARTICLE I. PURPOSE", "The sheriff shares data."]] * 3)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 3])
    try:
        document = load_document(cut, LIMIT)
    except IngestError as exc:
        assert str(cut) in str(exc) and "\n" not in str(exc)
    else:  # PDFium repairs what it can: what it returns still has its pages
        assert document.pages and all(p.number >= 1 for p in document.pages)


def test_ocr_resolution_is_capped_for_huge_pages():
    huge = ocr.OcrRequest(1, "x", width_pt=14_400, height_pt=14_400)  # a 200-inch page
    assert ocr._dpi_for(huge, 300) * 200 <= 6000
    assert ocr._dpi_for(ocr.OcrRequest(1, "x", 612, 792), 200) == 200
