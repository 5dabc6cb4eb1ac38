"""PDF to clean, structured, page-located text.

Text comes from pypdfium2 (PDFium: fastest of the candidates measured, with correct word
spacing; evals/reports/pdf-extraction.md), tables from pdfplumber's ruling-line finder, and
pages without a text layer from tesseract (assistant/ingest/ocr.py). Each page is cleaned
(assistant/ingest/cleanup.py) and the page texts are joined with a blank line, each page's
span recorded so every citation can name its page.
"""

from __future__ import annotations

import hashlib
import itertools
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from assistant.errors import IngestError
from assistant.ingest import ocr
from assistant.ingest.cleanup import clean_pages, hint_key, normalize_chars, table_slot
from assistant.ingest.tables import render_rows
from assistant.types import PageSpan

OcrMode = Literal["auto", "force", "off"]
# Bump when what the reader makes of a PDF changes: indexed PDFs are then read again.
PDF_READER_VERSION = "pdf-4"
_MIN_LETTERS = 25
_STAMP_LETTERS = 300
# A line whose type is this many times the page's median height is a heading.
_HEADING_SIZE = 1.3
_MAX_PATHS = 20_000


@dataclass(frozen=True)
class PdfOptions:
    """How PDFs are read. `ocr`: "auto" OCRs pages with no text layer, "force" OCRs every
    page (for a file whose text layer is itself bad OCR), "off" never runs OCR."""

    ocr: OcrMode = "auto"
    ocr_languages: str = "eng+spa+por+fra"
    ocr_dpi: int = 200
    cache_dir: Path | None = None
    ocr_max_pages: int = 500
    progress: bool = False


@dataclass
class PdfText:
    text: str
    pages: list[PageSpan]
    meta: dict[str, Any]
    ocr_pages: int = 0
    ocr_cached: int = 0
    notes: list[str] = field(default_factory=list)


def _open(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise IngestError(path, "encrypted PDF that needs a password; save an unlocked copy") from exc
        raise IngestError(path, f"not a readable PDF ({str(exc).rstrip('.') or 'corrupt'})") from exc


def _page_fingerprint(page: Any, text: str) -> tuple[str, float]:
    """(hash of what the page shows, the share of the page its largest image covers): the
    hash covers its size, its text layer and the raw bytes and placement of every image."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    digest = hashlib.sha256(f"{width}x{height}|{text}".encode())
    coverage = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        coverage = max(coverage, (right - left) * (top - bottom) / max(width * height, 1.0))
        digest.update(repr((left, bottom, right, top)).encode())
        try:
            digest.update(bytes(obj.get_data(decode_simple=False)))
        except Exception:  # an image PDFium cannot hand over still has its position hashed
            digest.update(b"?")
    return digest.hexdigest(), coverage


def _large_type_lines(textpage: Any, text: str) -> dict[str, int]:
    """Lines set in type much larger than the page's body text: headings ("Highlights",
    "Methodology") that are neither numbered nor in capitals. By hint_key, level 2."""
    import pypdfium2.raw as pdfium_c

    box = pdfium_c.FS_RECTF()
    heights = []
    for index, char in enumerate(text[:textpage.count_chars()]):
        # The loose box is the font's full height, whatever the glyph: comparable across lines.
        ok = char.isalnum() and pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, index, box)
        heights.append(box.top - box.bottom if ok else 0.0)
    body = [h for h in heights if h > 0]
    if len(body) < 200:  # too little text on the page to tell body type from headings
        return {}
    typical = statistics.median(body)
    found: dict[str, int] = {}
    start = 0
    for index, char in enumerate(text + "\n"):
        if char not in "\r\n":
            continue
        line = text[start:index].strip()
        sizes = [h for h in heights[start:index] if h > 0]
        start = index + 1
        if sizes and statistics.median(sizes) >= _HEADING_SIZE * typical and 1 <= len(line.split()) <= 12 \
                and sum(ch.isalpha() for ch in line) >= 3 and not line.endswith((".", ",", ";", ":")):
            found[hint_key(normalize_chars(line))] = 2
    return found


def _outline(document: Any, count: int) -> list[list[tuple[str, int]]]:
    """The PDF's bookmarks per page: (title, level 2 for the top level, 3 below it)."""
    entries: list[list[tuple[str, int]]] = [[] for _ in range(count)]
    try:
        for item in document.get_toc(max_depth=4):
            dest = item.get_dest()
            page = dest.get_index() if dest is not None else None
            title = (item.get_title() or "").strip()
            if page is not None and 0 <= page < count and title:
                entries[page].append((title[:150], 2 if item.level == 0 else 3))
    except Exception:  # a damaged outline is only a missed section name, never a failed file
        return [[] for _ in range(count)]
    return entries


def _has_rules(page: Any) -> bool:
    """pdfplumber finds tables by their ruling lines; a page drawing fewer than four paths
    (every scan, most prose) has none, and the slower table finder is skipped for it. So is a
    page of more than _MAX_PATHS paths (a map, a chart, a hostile file), where it would take
    minutes."""
    import pypdfium2.raw as pdfium_c

    paths = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2)
    count = sum(1 for _ in itertools.islice(paths, _MAX_PATHS + 1))
    return 4 <= count <= _MAX_PATHS


def _tables(plumber_page: Any) -> list[tuple[float, float, list[list[str | None]]]]:
    """(top, bottom, cells) of each ruled table on a page, top to bottom."""
    found = []
    for table in plumber_page.find_tables():
        cells = table.extract()
        # Chart grids and boxed paragraphs are ruled too; a table has rows of several values.
        full_rows = sum(sum(bool(cell and cell.strip()) for cell in row) >= 3 for row in cells)
        if full_rows >= 2:
            found.append((table.bbox[1], table.bbox[3], cells))
    return sorted(found, key=lambda item: item[0])


def _text_around_tables(page: Any, plumber_page: Any, tables: list[tuple[float, float, Any]]) -> str:
    """The page's text outside its tables, with a slot line where each table stands."""
    width, height = plumber_page.width, plumber_page.height
    rotated = page.get_rotation() != 0
    textpage = page.get_textpage()

    def band(top: float, bottom: float) -> str:
        # PDFium keeps the reading order of columns, so it reads the bands; its y axis points
        # up and ignores /Rotate, where pdfplumber's (the table finder's) points down.
        if rotated:
            return plumber_page.within_bbox((0, top, width, bottom)).extract_text() or ""
        return textpage.get_text_bounded(0, height - bottom, width, height - top)

    parts = []
    cursor = 0.0
    for index, (top, bottom, _) in enumerate(tables):
        if top > cursor:
            parts.append(band(cursor, top))
        parts.append(f"\n\n{table_slot(index)}\n\n")
        cursor = max(cursor, bottom)
    if cursor < height:
        parts.append(band(cursor, height))
    textpage.close()
    return "\n".join(parts)


def read_pdf(path: Path, options: PdfOptions) -> PdfText:
    """Read a PDF; raise IngestError (one line, naming the fix) when nothing usable is in it."""
    document = _open(path)
    try:
        return _read(path, document, options)
    finally:
        document.close()


def _read(path: Path, document: Any, options: PdfOptions) -> PdfText:
    count = len(document)
    raw: list[str] = []
    ocr_requests: list[ocr.OcrRequest] = []
    tabular: list[int] = []
    table_rows: dict[int, list[list[str]]] = {}  # page index -> each table's row lines
    hints: list[dict[str, int]] = [{} for _ in range(count)]
    for index in range(count):
        page = document[index]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        letters = sum(ch.isalpha() for ch in text)
        fingerprint, coverage = _page_fingerprint(page, text)
        # A scan: an image with next to no text, or a page-sized image with only a stamp or a
        # typed signature block in its text layer (the rest of the page is pixels).
        scanned = (coverage > 0 and letters < _MIN_LETTERS) or (coverage >= 0.5 and letters < _STAMP_LETTERS)
        if options.ocr == "force" or scanned:  # with ocr=off, _run_ocr says the page was not read
            width, height = page.get_size()
            ocr_requests.append(ocr.OcrRequest(index + 1, fingerprint, width, height))
        else:
            hints[index] = _large_type_lines(textpage, text)
            if _has_rules(page):
                tabular.append(index)
        raw.append(text)
        textpage.close()
        page.close()

    carried: list[str] = []
    if tabular:
        import pdfplumber

        with pdfplumber.open(str(path)) as plumber:
            for index in tabular:
                tables = _tables(plumber.pages[index])
                if not tables:
                    continue
                page = document[index]
                raw[index] = _text_around_tables(page, plumber.pages[index], tables)
                page.close()
                table_rows[index] = []
                for _, _, cells in tables:
                    rows, carried = render_rows(cells, carried)
                    table_rows[index].append(rows)

    result = PdfText(text="", pages=[], meta={})
    ocr_numbers = {r.number for r in ocr_requests}
    if ocr_requests:
        _run_ocr(path, options, ocr_requests, raw, result)

    cleaned = clean_pages(raw, hints, _outline(document, count))
    for index, rendered in table_rows.items():
        for slot, rows in enumerate(rendered):
            cleaned[index] = cleaned[index].replace(table_slot(slot), "\n\n".join(rows))
    parts: list[str] = []
    offset = 0
    for number, page_text in enumerate(cleaned, start=1):
        page_text = page_text.strip()
        result.pages.append(PageSpan(offset, offset + len(page_text), number))
        parts.append(page_text)
        offset += len(page_text) + 2
    result.text = "\n\n".join(parts)
    title = (document.get_metadata_dict().get("Title") or "").strip()
    if title:
        result.meta["title"] = title
    unread = len(ocr_numbers) - result.ocr_pages if options.ocr != "force" else 0
    why = "; ".join(result.notes) or "OCR gave no text"
    # Mostly a scan that could not be OCR'd: indexing the stamp or signature line its text layer
    # holds would hide the document behind a few words. Skipped, it is read once OCR works.
    if unread and (unread * 2 > count or not result.text.strip()):
        raise IngestError(path, f"scanned PDF: {unread} of {count} pages have no text layer and {why}")
    if unread:
        result.notes = [f"{unread} of {count} pages have no text layer and were not read: {why}"]
    if not result.text.strip():
        raise IngestError(path, "no text could be extracted (the pages are blank or only drawings)")
    return result


def _run_ocr(path: Path, options: PdfOptions, requests: list[ocr.OcrRequest], raw: list[str],
             result: PdfText) -> None:
    """Fill `raw` for the requested pages from OCR, or say in `result.notes` why not."""
    missing = ocr.missing_tools()
    if options.ocr == "off":
        result.notes.append("OCR is off (ocr=off); set ocr=auto to read scanned pages")
        return
    if missing:
        result.notes.append(f"OCR is not installed ({', '.join(missing)} missing); {ocr.INSTALL_HINT}")
        return
    languages = options.ocr_languages
    absent = ocr.missing_languages(languages)
    if absent:
        result.notes.append(f"tesseract has no data for {', '.join(absent)}; install "
                            f"{' '.join('tesseract-ocr-' + a for a in absent)} or {ocr.INSTALL_HINT}")
        languages = "+".join(lang for lang in languages.split("+") if lang not in absent)
        if not languages:
            return
    if len(requests) > options.ocr_max_pages:
        result.notes.append(f"only the first {options.ocr_max_pages} of {len(requests)} scanned pages "
                            f"were OCR'd (ocr_max_pages)")
        requests = requests[:options.ocr_max_pages]
    with tqdm(total=len(requests), desc=f"OCR {path.name}", unit="page", file=sys.stderr,
              disable=not options.progress, leave=False) as bar:
        outcome = ocr.ocr_pages(path, requests, languages, options.ocr_dpi,
                                ocr.OcrCache(options.cache_dir), on_page=lambda: bar.update(1))
    for number, text in outcome.texts.items():
        # Forced OCR replaces a bad text layer; when OCR finds nothing, the old layer stays.
        if text.strip() or not raw[number - 1].strip():
            raw[number - 1] = text
    result.ocr_pages = len(outcome.texts)
    result.ocr_cached = outcome.from_cache
    result.notes.extend(outcome.failures[:3])
