"""One loader per format. Each turns a file into a `Document` of plain text with headings
marked the markdown way (`## Heading`), so the chunker treats every format alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import IngestError
from assistant.ingest.pdf import PdfOptions, read_pdf
from assistant.text import heading_spans
from assistant.types import Document, Heading, PageSpan
from assistant.verify.facts import claim_initials, claim_names

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm", ".docx")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)
_SLUG = re.compile(r"[^a-z0-9]+")
# A document's opening (its first page or two paragraphs) names what it is about: the parties
# of an agreement, the agency that wrote a report. Its clauses and table rows do not repeat them.
# Only names the document keeps coming back to count: the first row of a table is no subject.
_OPENING_CHARS = 1000
_SUBJECT_MENTIONS = 3


def doc_id_for(path: Path) -> str:
    return _SLUG.sub("-", path.stem.lower()).strip("-") or "document"


def load_document(path: Path, max_bytes: int, pdf: PdfOptions | None = None,
                  notes: list[str] | None = None) -> Document:
    """Read one file; raise IngestError with a one-line reason when it cannot be used.
    `notes` collects lines worth telling the person (pages OCR'd, pages that need OCR)."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise IngestError(path, f"unsupported file type {suffix or '(none)'}; "
                                f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(path, "empty file (0 bytes)")
    if size > max_bytes:
        raise IngestError(path, f"file is {size / 1e6:.1f} MB, over the "
                                f"{max_bytes / 1e6:.0f} MB limit (raise ASSISTANT_INGEST_MAX_FILE_MB)")
    sidecar = _sidecar_meta(path)
    if suffix == ".pdf":
        text, meta, pages = _load_pdf(path, _pdf_options(path, pdf or PdfOptions(), sidecar), notes)
    else:
        text, meta, pages = loader(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "no text could be extracted (a scanned PDF needs OCR first)")
    meta = {**sidecar, **meta}
    doc_id = str(meta.pop("id", "") or doc_id_for(path))
    heads = [Heading(s, e, level, title) for s, e, level, title in heading_spans(text)]
    return Document(doc_id=doc_id, text=text, meta=_complete_meta(meta, path, heads, text),
                    pages=pages, headings=heads)


def document_subject(text: str) -> str:
    """The names the document's opening gives and that it mentions again and again ("Troy",
    "New Hampshire Police", "BJS"), each once: what every sentence of it is about, read with the
    sentence by the answerability checks."""
    opening = text[:_OPENING_CHARS]
    # An agency's initials count on their own: "BJS" of "BJS Statisticians Anthony Whyde".
    names = dict.fromkeys(n for n in [*claim_names(opening), *claim_initials(opening)] if len(n) > 2)
    return "; ".join(n for n in names if len(re.findall(rf"\b{re.escape(n)}\b", text)) >= _SUBJECT_MENTIONS)


def _complete_meta(meta: dict[str, Any], path: Path, heads: list[Heading], text: str) -> dict[str, Any]:
    sources = meta.get("sources") or []
    first_url = next((s.get("url", "") for s in sources if isinstance(s, dict)), "")
    title = meta.get("title") or next((h.text for h in heads if h.level == 1), "") or path.stem
    as_of = meta.get("as_of") or ""
    return {
        "title": str(title),
        "source_url": str(meta.get("source_url") or first_url or ""),
        "kind": str(meta.get("kind") or "document"),
        "jurisdiction": str(meta.get("jurisdiction") or ""),
        "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        "language": str(meta.get("language") or "en"),
        "subject": document_subject(text),
        # A translated know-your-rights card names its English original (shown to its readers only).
        "translation_of": str(meta.get("translation_of") or ""),
        "path": str(path),
    }


def _sidecar_meta(path: Path) -> dict[str, Any]:
    """`report.pdf.meta.yaml` beside a file supplies title, source_url, kind… for non-markdown."""
    sidecar = path.with_name(path.name + ".meta.yaml")
    if not sidecar.is_file():
        return {}
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise IngestError(sidecar, f"invalid YAML in metadata sidecar ({exc})") from exc
    return data if isinstance(data, dict) else {}


def decode_text(path: Path, data: bytes) -> str:
    """Bytes to text: BOMs honoured, UTF-8 preferred, Windows-1252 as a lenient fallback."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(path, "binary content, not text (NUL bytes found)")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                       (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\n\t\r" for ch in text)
    if "\ufffd" in text or printable < 0.97 * len(text):
        raise IngestError(path, "not valid UTF-8 text and not readable as Windows-1252; "
                                "re-save the file as UTF-8")
    return text


def _load_markdown(path: Path) -> tuple[str, dict[str, Any], list[PageSpan]]:
    text = decode_text(path, path.read_bytes())
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}, []
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise IngestError(path, f"invalid YAML front matter ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise IngestError(path, "front matter must be a YAML mapping")
    # Offsets are into the body: the front matter is metadata, not citable text.
    return text[match.end():], meta, []


def _load_text(path: Path) -> tuple[str, dict[str, Any], list[PageSpan]]:
    return decode_text(path, path.read_bytes()), {}, []


def _pdf_options(path: Path, options: PdfOptions, sidecar: dict[str, Any]) -> PdfOptions:
    """A file's sidecar may ask for its own OCR mode (`assistant add --ocr force` writes one),
    e.g. for a scan whose text layer is bad OCR."""
    mode = sidecar.get("ocr")
    if mode is None:
        return options
    if mode not in ("auto", "force", "off"):
        raise IngestError(path.with_name(path.name + ".meta.yaml"),
                          f"ocr must be auto, force or off, not {mode!r}")
    return dataclasses.replace(options, ocr=mode)


def _load_pdf(path: Path, options: PdfOptions,
              notes: list[str] | None) -> tuple[str, dict[str, Any], list[PageSpan]]:
    try:
        result = read_pdf(path, options)
    except IngestError:
        raise
    except ImportError as exc:
        raise IngestError(path, f"the PDF reader's package {exc.name or ''} is not installed; "
                                "run `make setup`") from exc
    except Exception as exc:  # PDFium and pdfminer raise many internal types on damaged files
        raise IngestError(path, f"not a readable PDF ({type(exc).__name__}); "
                                "re-save it (e.g. print to PDF) and add it again") from exc
    if notes is not None:
        if result.ocr_pages:
            cached = f", {result.ocr_cached} from the OCR cache" if result.ocr_cached else ""
            notes.append(f"{path}: {result.ocr_pages} of {len(result.pages)} pages OCR'd{cached}")
        notes.extend(f"{path}: {note}" for note in result.notes)
    return result.text, result.meta, result.pages


_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button")
_HTML_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "td", "dd",
                "dt", "figcaption"}


def _load_html(path: Path) -> tuple[str, dict[str, Any], list[PageSpan]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(path, path.read_bytes()), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    parts: list[str] = []
    for element in root.find_all(_HTML_BLOCKS):
        if element.find(_HTML_BLOCKS):
            continue  # an outer block whose inner blocks are emitted on their own
        line = " ".join(element.get_text(" ", strip=True).split())
        if not line:
            continue
        name = element.name
        if name[0] == "h" and name[1:].isdigit():
            line = "#" * int(name[1]) + " " + line
        elif name == "li":
            line = "- " + line
        parts.append(line)
    if not parts:
        parts = [" ".join(root.get_text(" ", strip=True).split())]
    return "\n\n".join(parts), ({"title": title} if title else {}), []


def _load_docx(path: Path) -> tuple[str, dict[str, Any], list[PageSpan]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(path, "not a readable .docx file (corrupt or not Word format)") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise IngestError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    parts: list[str] = []
    for paragraph in document.paragraphs:
        line = " ".join(paragraph.text.split())
        if not line:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
        if style.startswith("heading") and style[-1:].isdigit():
            line = "#" * int(style[-1]) + " " + line
        elif style == "title":
            line = "# " + line
        elif "list" in style:
            line = "- " + line
        parts.append(line)
    title = document.core_properties.title
    return "\n\n".join(parts), ({"title": title} if title else {}), []


_LOADERS: dict[str, Callable[[Path], tuple[str, dict[str, Any], list[PageSpan]]]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".txt": _load_text,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
    ".docx": _load_docx,
}
