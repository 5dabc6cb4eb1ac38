"""The data that ships inside the package: the built-in corpus and the prompts.

`corpus` and `prompts` here are links to the top-level `corpus/` and `prompts/` folders of the
source tree; a wheel holds copies of them (see package-data in pyproject.toml). Either way they
are read through importlib.resources, so every command finds them from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(name: str) -> Path:
    # Ingest walks the corpus with rglob, so the rest of the code needs a real folder: both an
    # installed wheel and the source tree are plain folders on disk (the package is never zipped).
    folder = Path(str(files(__name__) / name)).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: the package's {name} folder is missing; reinstall it")
    return folder


def corpus_dir() -> Path:
    """The built-in knowledge base: markdown documents, referrals.yaml and sources.yaml."""
    return _folder("corpus")


def prompts_dir() -> Path:
    """Every prompt and fixed user-facing sentence, in data files."""
    return _folder("prompts")
