"""Shared fixtures. The real corpus is ingested once per test session with the real model
and real Chroma; tests that need their own index build small ones in tmp dirs."""

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


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory):
    """Settings whose data dir holds an index of the real corpus."""
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    data_dir = tmp_path_factory.mktemp("corpus-index")
    settings = Settings.load(data_dir=data_dir, corpus_dir=CORPUS)
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
    shutil.copytree(settings.corpus_dir, corpus)
    for doc in extra_docs:
        shutil.copy(doc, corpus / doc.name)
    copied = Settings.load(data_dir=target / "data", corpus_dir=corpus)
    report = ingest(copied, progress=False)
    assert not report.skipped, report.skipped
    return copied


@pytest.fixture(scope="session")
def hostile_settings(corpus_settings, tmp_path_factory):
    """The real corpus plus a document full of markup and script (tests/fixtures/ui)."""
    return copy_index(corpus_settings, tmp_path_factory.mktemp("hostile-index"),
                      (ROOT / "tests" / "fixtures" / "ui" / "hostile-markup.md",))
