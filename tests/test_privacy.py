"""Nothing leaves the machine: no connection attempts, works with no network, questions not stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, copy_docs

pytestmark = [pytest.mark.cli, pytest.mark.model, pytest.mark.netns]
NETGUARD = ROOT / "tests" / "fixtures" / "netguard"
QUESTION = "Can my town's police share my fingerprints with ICE after a misdemeanor arrest?"


def _clean_env(**extra: str) -> dict[str, str]:
    # Start from a shell that has NOT set the offline switches: the product must set them itself.
    env = {k: v for k, v in os.environ.items()
           if k not in {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY"}}
    return {**env, **extra}


def test_ingest_and_ask_attempt_no_outbound_connection(tmp_path):
    corpus = copy_docs(tmp_path / "corpus", "pathway-fingerprinting-secure-communities", "lunn-v-commonwealth")
    log = tmp_path / "net.log"
    home = tmp_path / "home"
    home.mkdir()
    env = _clean_env(PYTHONPATH=f"{NETGUARD}{os.pathsep}{ROOT}", NETGUARD_LOG=str(log),
                     ASSISTANT_DATA_DIR=str(tmp_path / "data"), HOME=str(home))
    for args in (["ingest", str(corpus)], ["ask", "--json", QUESTION]):
        result = subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"outbound attempts: {attempts}"
    answer = json.loads(result.stdout)
    assert answer["citations"]

    # The question is not written anywhere: not in the index, not in the home folder.
    needle = QUESTION.encode()
    for folder in (tmp_path / "data", home):
        for path in folder.rglob("*"):
            if path.is_file():
                assert needle not in path.read_bytes(), f"question stored in {path}"


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare not installed")
def test_ask_works_with_no_network_at_all(tmp_path):
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("this sandbox does not allow network namespaces")
    corpus = copy_docs(tmp_path / "corpus", "kyr-ice-at-your-door")
    env = _clean_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    for args in (["ingest", str(corpus)], ["ask", "Do I have to open the door to ICE?"]):
        result = subprocess.run(["unshare", "-n", sys.executable, "-m", "assistant.cli", *args], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout
