"""Prompts and fixed user-facing text live in `prompts/` as data; this module only reads them."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import UserError


@lru_cache(maxsize=32)
def load_messages(prompts_dir: Path, name: str = "messages", language: str = "en") -> dict[str, Any]:
    """A table of fixed text: `messages.toml` (answers) or another, e.g. `ui.toml` (the web UI).

    In another language, `<name>.<language>.toml` overlays the English table key by key (a test
    keeps every translation complete, so the English shows through only in a file being written)."""
    table = _read_table(prompts_dir / f"{name}.toml")
    translation = prompts_dir / f"{name}.{language}.toml"
    if language != "en" and translation.is_file():
        table = {**table, **_read_table(translation)}
    return table


def _read_table(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the assistant's messages ({exc})") from exc


@lru_cache(maxsize=32)
def load_prompt(prompts_dir: Path, name: str) -> str:
    path = prompts_dir / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: prompt file missing ({exc.strerror})") from exc
