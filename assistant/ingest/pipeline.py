"""`assistant ingest`: scan → hash → load and chunk what changed → embed → write a new generation.

Only new or changed documents are loaded and embedded; unchanged ones carry their
vectors over from the previous generation. Nothing changed means no model is loaded
and the run ends in well under a second.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.errors import IngestError, UserError
from assistant.index.embedder import resolve_model_path, shared_embedder
from assistant.index.generations import (
    GenerationData,
    Manifest,
    collect_garbage,
    current_generation,
    ingest_lock,
    read_generation,
    write_generation,
)
from assistant.index.store import open_client
from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, doc_id_for, load_document
from assistant.ingest.ocr import missing_tools
from assistant.ingest.pdf import PDF_READER_VERSION, PdfOptions
from assistant.retrieve.language import LANGUAGES, Glossary, glossary_fingerprint
from assistant.settings import Settings
from assistant.types import Chunk

# Data files that live in the corpus folder but are not documents: the referral table and its
# translations (referrals.es.yaml), and the source registry.
_NOT_DOCUMENTS = re.compile(r"^(?:referrals(?:\.[a-z]{2})?|sources)\.yaml$")


@dataclass
class IngestReport:
    docs: int = 0
    chunks: int = 0
    embedded_docs: int = 0
    embedded_chunks: int = 0
    removed_docs: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # One line per file worth telling: how many pages were OCR'd, pages that still need OCR.
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    changed: bool = False

    def summary(self) -> str:
        return (f"{self.docs} docs, {self.chunks} chunks indexed "
                f"({self.embedded_docs} new or changed, {self.removed_docs} removed), "
                f"{len(self.skipped)} skipped, {self.seconds:.1f}s")


def fingerprint(settings: Settings) -> str:
    chunker = chunker_config(settings)
    # meta=4: chunks carry translation_of, translated chunks are embedded through the glossary,
    # each language has its own BM25 index, and Chroma records carry the language; lexical=2:
    # BM25 reads text without accents; pages=2: chunks know where each page inside them begins.
    return f"embed={settings.index.embed_model}:{resolve_model_path(settings.index.embed_model).name}|" \
           f"{chunker.fingerprint()}|meta=4|lexical=2|pages=2|terms={glossary_fingerprint()}"


def chunker_config(settings: Settings) -> ChunkerConfig:
    ingest = settings.ingest
    return ChunkerConfig(ingest.chunk_words, ingest.chunk_max_words, ingest.chunk_overlap_sentences,
                         ingest.chunk_min_tail_words)


def default_paths(settings: Settings) -> list[Path]:
    """The built-in corpus, and the documents a person added or fetched once there are any."""
    return [settings.ingest.corpus_dir, *([settings.documents_dir] if settings.documents_dir.is_dir() else [])]


def discover(paths: Iterable[Path], report: IngestReport) -> dict[str, Path]:
    """doc_id → file, for every candidate file under the given paths (sorted, stable)."""
    found: dict[str, Path] = {}
    for root in paths:
        if not root.exists():
            raise UserError(f"{root}: no such file or folder")
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if any(part.startswith(".") for part in path.relative_to(root).parts) \
                    or _NOT_DOCUMENTS.match(path.name) or path.name.endswith(".meta.yaml"):
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                report.skipped.append(f"{path}: unsupported file type {path.suffix or '(none)'}; "
                                      f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
                continue
            doc_id = doc_id_for(path)
            if doc_id in found:
                report.skipped.append(f"{path}: same document id {doc_id!r} as {found[doc_id]}; "
                                      "rename one of them")
                continue
            found[doc_id] = path
    return found


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    sidecar = path.with_name(path.name + ".meta.yaml")
    if sidecar.is_file():
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def reader_version(path: Path, pdf: PdfOptions) -> str:
    """What a file was read with. A PDF read by an older reader, with other OCR options, or
    before OCR was installed (some of its pages may be unread) is read again even when its bytes
    did not change."""
    if path.suffix.lower() != ".pdf":
        return ""
    tools = "no-ocr" if missing_tools() else "ocr"
    return f"{PDF_READER_VERSION}:{pdf.ocr}:{pdf.ocr_languages}:{pdf.ocr_dpi}:{tools}"


def pdf_options(settings: Settings) -> PdfOptions:
    ingest = settings.ingest
    if ingest.ocr not in ("auto", "force", "off"):
        raise UserError(f"ingest.ocr={ingest.ocr!r}; use auto, force or off")
    return PdfOptions(ocr=ingest.ocr, ocr_languages=ingest.ocr_languages, ocr_dpi=ingest.ocr_dpi,  # type: ignore[arg-type]
                      ocr_max_pages=ingest.ocr_max_pages)


def ingest(settings: Settings, paths: list[Path] | None = None, *, strict: bool = False,
           rebuild: bool = False, progress: bool | None = None,
           pdf: PdfOptions | None = None) -> IngestReport:
    """`pdf` sets how PDFs are read (OCR mode, languages); its OCR cache defaults to
    <data_dir>/ocr-cache, so an index rebuilt from scratch still never OCRs a page twice."""
    started = time.perf_counter()
    report = IngestReport()
    index_dir = settings.index_dir
    show = sys.stderr.isatty() if progress is None else progress
    pdf = dataclasses.replace(pdf or pdf_options(settings), progress=show,
                              cache_dir=(pdf.cache_dir if pdf and pdf.cache_dir
                                         else settings.data_dir / "ocr-cache"))
    with ingest_lock(index_dir):
        files = discover(paths or default_paths(settings), report)
        wanted = fingerprint(settings)
        previous_generation = current_generation(index_dir)
        previous = read_generation(index_dir, previous_generation) if previous_generation else None
        reuse = previous if previous and not rebuild and \
            previous.manifest.fingerprint == wanted else None
        old_docs = reuse.manifest.docs if reuse else {}

        hashes: dict[str, str] = {}
        for doc_id, path in files.items():
            try:
                hashes[doc_id] = file_hash(path)
            except OSError as exc:
                report.skipped.append(f"{path}: cannot read ({exc.strerror})")
        unchanged = {d for d, h in hashes.items()
                     if d in old_docs and old_docs[d]["sha256"] == h
                     and old_docs[d].get("reader", "") == reader_version(files[d], pdf)}
        to_load = [d for d in hashes if d not in unchanged]
        removed = set(old_docs) - set(hashes)

        new_chunks: list[Chunk] = []
        manifest = Manifest(fingerprint=wanted)
        max_bytes = settings.ingest.max_file_bytes
        config = chunker_config(settings)
        for doc_id in tqdm(to_load, desc="Reading", unit="file", disable=not show):
            path = files[doc_id]
            notes: list[str] = []
            try:
                document = load_document(path, max_bytes, pdf, notes)
            except IngestError as exc:
                if doc_id in old_docs:  # keep the last good version rather than lose it
                    unchanged.add(doc_id)
                    report.warnings.append(f"{exc}; kept the previously indexed version")
                else:
                    report.skipped.append(str(exc))
                continue
            finally:
                for line in notes:
                    tqdm.write(f"note: {line}", file=sys.stderr)
                report.notes.extend(notes)
            chunks = chunk_document(document, config)
            report.embedded_docs += 1
            manifest.docs[doc_id] = {"path": str(path), "sha256": hashes[doc_id],
                                     "title": document.meta["title"], "chunks": len(chunks)}
            if reader_version(path, pdf):
                manifest.docs[doc_id]["reader"] = reader_version(path, pdf)
            new_chunks.extend(chunks)
        for doc_id in unchanged:
            manifest.docs[doc_id] = old_docs[doc_id]

        report.removed_docs = len(removed)
        report.embedded_chunks = len(new_chunks)
        if strict and report.skipped:
            raise UserError(f"--strict: {len(report.skipped)} file(s) skipped, index unchanged; "
                            f"first: {report.skipped[0]}")
        report.changed = bool(new_chunks or removed or reuse is None)
        if not report.changed and previous_generation:
            report.generation = previous_generation
        elif manifest.docs:
            data = _assemble(settings, reuse, unchanged, new_chunks, manifest, show)
            client = open_client(settings.data_dir, settings.index.chroma_url)
            report.generation = write_generation(index_dir, client, data,
                                                 [_lexical_text(c) for c in data.chunks], _partitions(data.chunks))
            collect_garbage(index_dir, client, keep_previous=previous_generation)
        report.docs = len(manifest.docs)
        report.chunks = sum(int(d["chunks"]) for d in manifest.docs.values())
    report.seconds = time.perf_counter() - started
    return report


def _assemble(settings: Settings, reuse: GenerationData | None, unchanged: set[str],
              new_chunks: list[Chunk], manifest: Manifest, show: bool) -> GenerationData:
    """Carry over unchanged rows, embed the new ones, and stack them into one generation."""
    chunks: list[Chunk] = []
    vectors: list[np.ndarray] = []
    sentence_blocks: list[np.ndarray] = []
    if reuse is not None:
        for row, chunk in enumerate(reuse.chunks):
            if chunk.doc_id in unchanged:
                chunks.append(chunk)
                vectors.append(np.asarray(reuse.vectors[row:row + 1], dtype=np.float32))
                sentence_blocks.append(np.asarray(reuse.sentence_block(row), dtype=np.float32))
    if new_chunks:
        embedder = shared_embedder(settings.index.embed_model, settings.index.embed_batch_size)
        batch = 256
        with tqdm(total=len(new_chunks), desc="Embedding", unit="chunk", disable=not show) as bar:
            for begin in range(0, len(new_chunks), batch):
                part = new_chunks[begin:begin + batch]
                texts, spans = zip(*(embedding_input(c) for c in part), strict=True)
                passage, sentences = embedder.encode_with_sentences(list(texts), list(spans))
                chunks.extend(part)
                vectors.append(passage)
                sentence_blocks.extend(sentences)
                bar.update(len(part))
    dimension = vectors[0].shape[1] if vectors else 384
    counts = [len(block) for block in sentence_blocks]
    return GenerationData(
        manifest=manifest,
        chunks=chunks,
        vectors=np.vstack(vectors) if vectors else np.zeros((0, dimension), np.float32),
        sentence_vectors=np.vstack(sentence_blocks) if sentence_blocks
        else np.zeros((0, dimension), np.float32),
        sentence_rows=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )


def embedding_input(chunk: Chunk) -> tuple[str, list[tuple[int, int]]]:
    """The text a chunk is embedded as (title and section first, for context), and where its
    sentences lie inside that text.

    The embedding model reads English, so a chunk in another language the assistant speaks is
    embedded as the English terms of its sentences (the glossary in assistant/retrieve/terms/):
    its vectors then sit beside the English documents', and a question in any language, which
    is embedded the same way, finds them by meaning rather than by sharing a language."""
    prefix = f"{chunk.meta.get('title', '')}. {chunk.section}.\n" if chunk.section \
        else f"{chunk.meta.get('title', '')}.\n"
    glossary = Glossary.for_language(str(chunk.meta.get("language", "")))
    if glossary is None:
        shift = len(prefix) - chunk.start
        return prefix + chunk.text, [(s + shift, e + shift) for s, e in chunk.sentences]
    text, spans = glossary.english_words(prefix), []
    for start, end in chunk.sentences:
        english = glossary.english_words(chunk.text[start - chunk.start:end - chunk.start]) or "."
        text += " "
        spans.append((len(text), len(text) + len(english)))
        text += english
    return text, spans


def _partitions(chunks: list[Chunk]) -> dict[str, list[int]]:
    """Chunk rows by language, for one BM25 index each: the languages the assistant speaks
    apart, and every other (a French report someone added) with English, the default."""
    partitions: dict[str, list[int]] = {"en": []}
    for row, chunk in enumerate(chunks):
        language = str(chunk.meta.get("language", "en"))
        partitions.setdefault(language if language in LANGUAGES else "en", []).append(row)
    if not partitions["en"]:  # every document in one other language: one index serves all
        return {"en": list(range(len(chunks)))}
    return partitions


def _lexical_text(chunk: Chunk) -> str:
    return f"{chunk.heading} {chunk.text}"
