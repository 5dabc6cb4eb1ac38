"""A plain (not editable) install answers a question from an empty folder.

The wheel is built from a copy of the working tree, so what the test installs is what a person's
`pip install <repo>` gets: the package, its corpus, prompts and verifier weights. The fresh venv
borrows the dependencies (the CPU torch among them) from the project's venv through a .pth path
entry, rather than downloading them again; the package itself comes from the wheel alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.cli, pytest.mark.model]


def _tree_copy(target: Path) -> Path:
    """The files git would commit (tracked, or new and not ignored), links kept as links."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, copy = ROOT / name, target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, copy)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("install")
    tree = _tree_copy(work / "tree")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(work / "dist"), str(tree)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("ice_out_assistant-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    home = work / "home"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ASSISTANT_", "XDG_", "PYTHON"))}
    env.update(HOME=str(home), HF_HUB_OFFLINE="1", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return venv, env


def _run(venv: Path, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "assistant"), *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=600)


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed, tmp_path):
    venv, env = installed
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import assistant, assistant.bundled as b; print(assistant.__file__); "
                            "print(b.corpus_dir()); print(b.prompts_dir())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(venv) in line and str(ROOT) not in line for line in where), where


def test_a_plain_install_answers_from_an_empty_folder(installed, tmp_path):
    venv, env = installed
    empty = tmp_path / "somewhere-else"
    empty.mkdir()

    ingest = _run(venv, env, empty, "ingest")
    assert ingest.returncode == 0, ingest.stderr
    asked = _run(venv, env, empty, "ask", "--json", "What did Lunn v. Commonwealth decide?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)

    assert not answer["abstained"] and answer["citations"]
    assert any(c["doc_id"] == "lunn-v-commonwealth" for c in answer["citations"])
    assert any("judge" in n.lower() or "legal" in n.lower() for n in answer["notices"])  # prompts were read
    assert list(empty.iterdir()) == [], "nothing is written into the working directory"
    assert (Path(env["HOME"]) / ".local" / "share" / "ice-out-assistant" / "index").is_dir()


def test_the_installed_config_command_explains_every_setting(installed, tmp_path):
    venv, env = installed
    shown = _run(venv, env, tmp_path, "config")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("# ASSISTANT_") >= 30 and "[retrieve]" in shown.stdout
