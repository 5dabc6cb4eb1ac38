"""`fetch-sources` against a local HTTP server, and `add` for a local PDF: both land in the index
with their title and original URL, and failures are one line each."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from assistant.index.generations import current_generation, read_generation
from assistant.ingest.fetch import fetch_sources
from tests.conftest import copy_docs, run_cli
from tests.fixtures.make_files import write_text_pdf

pytestmark = pytest.mark.model


@pytest.fixture
def local_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    write_text_pdf(site / "report.pdf", ["The report counts 62 departments.", "Second page."])
    (site / "policy.html").write_text("<html><body><main><h1>Court policy</h1><p>Court staff may share "
                                      "public information.</p></main></body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.cli
def test_fetch_sources_downloads_and_indexes_with_metadata(tmp_path, local_site):
    corpus = copy_docs(tmp_path / "corpus", "lunn-v-commonwealth")
    (corpus / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{id: ice-out, title: ICE Out report, url: '{local_site}/report.pdf', kind: report}}\n"
        f"  - {{id: court-policy, title: Trial Court policy, url: '{local_site}/policy.html', kind: policy}}\n"
        f"  - {{id: missing, title: Gone, url: '{local_site}/nope.pdf', kind: report}}\n", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_INGEST_CORPUS_DIR": str(corpus)}
    result = run_cli("fetch-sources", env=env)
    assert result.returncode == 0, result.stderr
    assert "missing:" in result.stderr and "404" in result.stderr and "Traceback" not in result.stderr
    index_dir = tmp_path / "data" / "index"
    chunks = read_generation(index_dir, current_generation(index_dir)).chunks
    report_chunk = next(c for c in chunks if c.doc_id == "ice-out")
    assert report_chunk.meta["source_url"] == f"{local_site}/report.pdf"
    assert report_chunk.meta["title"] == "ICE Out report" and report_chunk.page == 1
    assert any(c.doc_id == "court-policy" for c in chunks)


def test_unreachable_sources_are_reported_not_raised(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {id: x, title: X, url: 'http://127.0.0.1:9/x.pdf'}\n", encoding="utf-8")
    report = fetch_sources(sources, tmp_path / "out", timeout_s=2)
    assert not report.saved and report.failed[0].startswith("x: http://127.0.0.1:9/x.pdf could not be fetched")


@pytest.mark.cli
def test_add_files_a_local_report_pdf_in_one_command(tmp_path):
    corpus = copy_docs(tmp_path / "corpus", "lunn-v-commonwealth")
    pdf = write_text_pdf(tmp_path / "ICE Out report.pdf", ["Fingerprints reach ICE through the FBI."])
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_INGEST_CORPUS_DIR": str(corpus)}
    result = run_cli("add", str(pdf), "--title", "ICE Out (full report)", "--url", "https://www.cfjj.org", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "documents" / "added" / "ice-out-report.pdf").is_file()
    index_dir = tmp_path / "data" / "index"
    chunks = read_generation(index_dir, current_generation(index_dir)).chunks
    added = [c for c in chunks if c.doc_id == "ice-out-report"]
    assert added and added[0].meta["title"] == "ICE Out (full report)" and added[0].meta["kind"] == "report"
