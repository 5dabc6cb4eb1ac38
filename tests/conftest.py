"""Shared fixtures and the test tiers.

The real corpus is ingested once per test session with the real model and real Chroma; tests
that need their own index build small ones in tmp dirs.

Every test is marked by what it needs beyond pure logic (NEEDS below), so a failure says which
part broke, and `make test-fast` runs only the tests that need none of it. The marks are
enforced: a test that loads a model or runs the CLI without its mark fails, saying so.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NEEDS = {
    "index": "the real corpus indexed with the packaged embedding model (implies model)",
    "model": "a packaged model: the embedder, the support verifier or a GGUF LLM",
    "cli": "the `assistant` command line run in a subprocess",
    "server": "a server started on 127.0.0.1 (the web UI and API, or Chroma)",
    "browser": "Debian's Chromium, driven by Playwright",
    "netns": "a network namespace without a network (unshare -n)",
    "ocr": "Debian's tesseract-ocr and poppler-utils",
}
# Fixtures that hand a test the indexed corpus.
_INDEX_FIXTURES = {"corpus_settings", "assistant", "hostile_settings"}
_CLI_ALLOWED = [False]


def pytest_configure(config):
    for name, what in NEEDS.items():
        config.addinivalue_line("markers", f"{name}: needs {what}")


def pytest_collection_modifyitems(items):
    for item in items:
        if _INDEX_FIXTURES & set(item.fixturenames):
            item.add_marker("index")
        if item.get_closest_marker("index"):
            item.add_marker("model")


@pytest.fixture(autouse=True)
def _needs_are_marked(request, monkeypatch):
    """A test without the `model` mark may not load one; without `cli`, may not run the CLI."""
    marks = {mark.name for mark in request.node.iter_markers()}
    if "model" not in marks:
        from assistant.index.embedder import Embedder
        from assistant.verify.judge import CrossEncoderJudge

        def refuse(*_args, **_kwargs):
            pytest.fail("this test loads a model: mark it @pytest.mark.model", pytrace=False)

        # Loading and using: a model cached by an earlier, marked test is refused too.
        for cls, names in ((Embedder, ("__init__", "encode", "encode_with_sentences")),
                           (CrossEncoderJudge, ("__init__", "probabilities"))):
            for name in names:
                monkeypatch.setattr(cls, name, refuse)
    _CLI_ALLOWED[0] = "cli" in marks
    yield
    _CLI_ALLOWED[0] = False


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory):
    """Settings whose data dir holds an index of the real corpus."""
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    data_dir = tmp_path_factory.mktemp("corpus-index")
    settings = Settings.load(values={"data_dir": data_dir, "ingest": {"corpus_dir": CORPUS}})
    report = ingest(settings, progress=False)
    assert report.docs > 0 and not report.skipped, report.skipped
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_settings):
    from assistant.assistant import Assistant

    return Assistant.from_settings(corpus_settings)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None, input_text: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `assistant` command line in a subprocess."""
    if not _CLI_ALLOWED[0]:
        pytest.fail("this test runs the command line: mark it @pytest.mark.cli", pytrace=False)
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})},
                          input=input_text, timeout=timeout)


def copy_docs(target: Path, *doc_ids: str) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for doc_id in doc_ids:
        shutil.copy(CORPUS / f"{doc_id}.md", target / f"{doc_id}.md")
    return target


def copy_index(settings, target: Path, extra_docs: tuple[Path, ...] = ()):
    """A private, writable copy of an ingested index and its corpus, plus `extra_docs`.
    Re-ingesting the copy embeds only what differs: seconds, not the whole corpus."""
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    shutil.copytree(settings.data_dir, target / "data")
    corpus = target / "corpus"
    shutil.copytree(settings.ingest.corpus_dir, corpus)
    for doc in extra_docs:
        shutil.copy(doc, corpus / doc.name)
    copied = Settings.load(values={"data_dir": target / "data", "ingest": {"corpus_dir": corpus}})
    report = ingest(copied, progress=False)
    assert not report.skipped, report.skipped
    return copied


@pytest.fixture(scope="session")
def hostile_settings(corpus_settings, tmp_path_factory):
    """The real corpus plus a document full of markup and script (tests/fixtures/ui)."""
    return copy_index(corpus_settings, tmp_path_factory.mktemp("hostile-index"),
                      (ROOT / "tests" / "fixtures" / "ui" / "hostile-markup.md",))
