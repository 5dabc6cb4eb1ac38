"""`kill -9` during ingest never leaves the index unusable or half-updated; the next run recovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.index.generations import current_generation, read_generation
from tests.conftest import ROOT, copy_docs

pytestmark = [pytest.mark.cli, pytest.mark.model]


def _start_ingest(corpus: Path, data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(corpus)], cwd=ROOT,
                            env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(process: subprocess.Popen, condition, timeout: float = 240) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.005)
    process.wait()
    return False


def _ask_works(data_dir: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--json",
                             "What did Lunn v. Commonwealth decide about detainers?"],
                            cwd=ROOT, env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kill_during_ingest_keeps_the_previous_generation(tmp_path):
    corpus = copy_docs(tmp_path / "corpus", "lunn-v-commonwealth", "detainers-and-warrants")
    data_dir = tmp_path / "data"
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(corpus)], cwd=ROOT, check=True,
                   env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}, capture_output=True)
    index_dir = data_dir / "index"
    good = current_generation(index_dir)
    assert good

    copy_docs(corpus, "glossary", "protect-act", "pathway-287g-and-doc", "kyr-going-to-court")
    # Kill while the new generation is being written (its staging folder exists)...
    killed_mid_write = _kill_when(_start_ingest(corpus, data_dir),
                                  lambda: any(p.name.startswith(".tmp-") for p in index_dir.iterdir()))
    assert killed_mid_write, "ingest finished before it could be killed mid-write"
    assert current_generation(index_dir) == good
    assert len(read_generation(index_dir, good).chunks) > 0
    assert '"abstained": false' in _ask_works(data_dir)

    # ...and again a moment after start, while it reads and embeds.
    process = _start_ingest(corpus, data_dir)
    time.sleep(3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert current_generation(index_dir) == good

    # The next run recovers: a complete new generation, and the staging leftovers are gone.
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(corpus)], cwd=ROOT,
                            env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    recovered = current_generation(index_dir)
    assert recovered != good
    assert {c.doc_id for c in read_generation(index_dir, recovered).chunks} >= {"glossary", "protect-act"}
    assert not any(p.name.startswith(".tmp-") for p in index_dir.iterdir())
