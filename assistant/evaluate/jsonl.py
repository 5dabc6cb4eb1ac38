"""Reading the JSONL files every evaluation takes (question sets, labelled pairs, BEIR data)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import UserError


def read_jsonl(path: Path, required: Sequence[str], fix: str) -> list[tuple[str, dict]]:
    """(where, row) for each non-blank line, `where` being "path:line" for later messages. A file
    that cannot be read or a line that is not an object with the `required` keys is a one-line
    UserError naming the file and line; `fix` says what the file should be."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror}); {fix}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{where}: not valid JSON ({exc.msg}); each line must be one JSON object") from exc
        if not isinstance(row, dict):
            raise UserError(f"{where}: not a JSON object; each line must be one JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise UserError(f"{where}: missing {', '.join(missing)}; every line needs {', '.join(required)}")
        rows.append((where, row))
    return rows
