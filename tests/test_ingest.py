"""Ingest end to end with the real model and real Chroma: incremental, strict, bad inputs."""

from __future__ import annotations

import time

import pytest

from assistant.errors import UserError
from assistant.index.embedder import shared_embedder
from assistant.index.generations import current_generation, read_generation
from assistant.ingest import ocr
from assistant.ingest.pipeline import ingest
from assistant.settings import Settings
from tests.conftest import copy_docs, run_cli
from tests.fixtures.make_files import write_text_pdf
from tests.fixtures.make_pdfs import write_scanned_pdf

pytestmark = pytest.mark.model
DOCS = ("lunn-v-commonwealth", "kyr-ice-at-your-door", "glossary")


@pytest.fixture
def small(tmp_path):
    corpus = copy_docs(tmp_path / "corpus", *DOCS)
    return Settings.load(values={"data_dir": tmp_path / "data", "ingest": {"corpus_dir": corpus}}), corpus


def _chunk_ids(settings: Settings) -> dict[str, list[str]]:
    data = read_generation(settings.index_dir, current_generation(settings.index_dir))
    ids: dict[str, list[str]] = {}
    for chunk in data.chunks:
        ids.setdefault(chunk.doc_id, []).append(chunk.chunk_id)
    return ids


def test_incremental_reingest_embeds_only_what_changed(small):
    settings, corpus = small
    first = ingest(settings, progress=False)
    assert (first.docs, first.embedded_docs, first.skipped) == (3, 3, [])

    shared_embedder.cache_clear()
    again = ingest(settings, progress=False)
    assert not again.changed and again.embedded_chunks == 0
    assert shared_embedder.cache_info().currsize == 0, "an unchanged corpus must not load the model"
    assert again.generation == first.generation

    page = corpus / "glossary.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n## Added term\nA brand new glossary line.\n",
                    encoding="utf-8")
    (corpus / "kyr-ice-at-your-door.md").unlink()
    changed = ingest(settings, progress=False)
    assert changed.embedded_docs == 1 and changed.removed_docs == 1 and changed.docs == 2
    ids = _chunk_ids(settings)
    assert set(ids) == {"lunn-v-commonwealth", "glossary"}
    data = read_generation(settings.index_dir, changed.generation)
    assert any("brand new glossary line" in c.text for c in data.chunks)
    assert len(data.chunks) == len(data.vectors) == len(data.sentence_rows) - 1


def test_changing_chunker_settings_rebuilds_cleanly(small):
    settings, _ = small
    ingest(settings, progress=False)
    before = sum(len(v) for v in _chunk_ids(settings).values())
    smaller = settings.updated({"ingest": {"chunk_words": 40, "chunk_max_words": 60}}, "test")
    report = ingest(smaller, progress=False)
    assert report.embedded_docs == 3
    assert sum(len(v) for v in _chunk_ids(smaller).values()) > before
    # Old generations and their Chroma collections are collected, keeping one previous.
    folders = [p for p in settings.index_dir.iterdir() if p.is_dir() and p.name.startswith("g")]
    assert len(folders) <= 2


@pytest.mark.cli
def test_bad_files_are_skipped_with_one_line_each_and_the_rest_indexed(small, tmp_path):
    settings, corpus = small
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\xff" * 500)
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus / "notes.xyz").write_text("x")
    with (corpus / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    write_text_pdf(corpus / "report.pdf", ["Fingerprints go to the State Police.", "Page two text."])
    result = run_cli("ingest", str(corpus), env={"ASSISTANT_DATA_DIR": str(settings.data_dir)})
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 5
    for name in ("empty.txt", "binary.txt", "corrupt.pdf", "notes.xyz", "huge.txt"):
        assert any(name in line for line in skipped), name
    assert "Traceback" not in result.stderr
    assert "4 docs" in result.stdout and "5 skipped" in result.stdout
    pdf_chunks = [c for c in read_generation(settings.index_dir, current_generation(settings.index_dir)).chunks
                  if c.doc_id == "report"]
    assert {c.page for c in pdf_chunks} <= {1, 2} and pdf_chunks


def test_strict_makes_any_skip_fatal_and_leaves_the_index_alone(small):
    settings, corpus = small
    first = ingest(settings, progress=False)
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "new.md").write_text("# New\n\nA new document that strict mode must not index.\n")
    with pytest.raises(UserError, match="--strict"):
        ingest(settings, strict=True, progress=False)
    assert current_generation(settings.index_dir) == first.generation


@pytest.mark.cli
def test_nothing_ingestible_exits_1_with_a_clear_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    result = run_cli("ingest", str(corpus), env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1
    assert "empty.txt: empty file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.cli
def test_missing_path_is_a_one_line_error(tmp_path):
    result = run_cli("ingest", str(tmp_path / "nope"), env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no such file or folder" in result.stderr


@pytest.mark.cli
def test_bad_setting_is_a_one_line_error(tmp_path):
    result = run_cli("ingest", env={"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_INGEST_CHUNK_WORDS": "many"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ASSISTANT_INGEST_CHUNK_WORDS expects int" in result.stderr


@pytest.mark.ocr
@pytest.mark.skipif(bool(ocr.missing_tools()), reason="tesseract/pdftoppm missing: run make ocr")
def test_a_scan_is_ocrd_once_and_reingest_never_ocrs_it_again(small, monkeypatch):
    settings, corpus = small
    write_scanned_pdf(corpus / "scan.pdf", ["The sheriff shares booking data weekly."])
    first = ingest(settings, progress=False)
    assert first.skipped == [] and any("1 of 1 pages OCR'd" in note for note in first.notes)
    chunk = next(c for c in read_generation(settings.index_dir, first.generation).chunks if c.doc_id == "scan")
    assert "booking data weekly" in chunk.text and chunk.page == 1

    def no_ocr(*_args, **_kwargs):
        raise AssertionError("OCR ran again")

    monkeypatch.setattr(ocr, "ocr_page", no_ocr)
    started = time.perf_counter()
    again = ingest(settings, progress=False)
    assert not again.changed and time.perf_counter() - started < 2.0
    rebuilt = ingest(settings, rebuild=True, progress=False)  # read again: from the OCR cache
    assert any("1 from the OCR cache" in note for note in rebuilt.notes)
