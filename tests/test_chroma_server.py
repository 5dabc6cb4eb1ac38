"""ASSISTANT_INDEX_CHROMA_URL switches the vector store to a real Chroma server (`chroma run`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.conftest import copy_docs, free_port

pytestmark = [pytest.mark.server, pytest.mark.model]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    process = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        import chromadb

        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path):
    from assistant.assistant import Assistant
    from assistant.index.store import open_client
    from assistant.ingest.pipeline import ingest

    corpus = copy_docs(tmp_path / "corpus", "lunn-v-commonwealth", "kyr-ice-at-your-door")
    settings = Settings.load(values={"data_dir": tmp_path / "data", "ingest": {"corpus_dir": corpus},
                                     "index": {"chroma_url": chroma_server}})
    report = ingest(settings, progress=False)
    assert report.docs == 2
    client = open_client(settings.data_dir, chroma_server)
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    assert f"iceout-{report.generation}" in names
    assert not (settings.data_dir / "chroma").exists(), "server mode must not create an embedded store"

    answer = Assistant.from_settings(settings).ask("Do I have to open the door for ICE?")
    assert not answer.abstained and answer.citations


def test_unreachable_server_is_a_clear_error(tmp_path):
    from assistant.errors import UserError
    from assistant.index.store import open_client

    with pytest.raises(UserError, match="cannot reach the Chroma server"):
        open_client(tmp_path, f"http://127.0.0.1:{free_port()}")
