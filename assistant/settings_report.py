"""What `assistant config` prints: the settings in effect as a commented TOML file (save it as
assistant.toml to change them), or the defaults as the README's Markdown table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.settings import SettingInfo, Settings, config_path


def settings_toml(settings: Settings) -> str:
    path = config_path()
    where = path or "none (looked for $ASSISTANT_CONFIG, ./assistant.toml and the per-user one)"
    lines = ["# ICE Out Assistant: every setting, the value in effect and where it came from.",
             f"# Settings file: {where}",
             "# Save this as assistant.toml to change a value, or set the environment variable named above it."]
    group = ""
    for info in settings.describe():
        section = info.key.rpartition(".")[0]
        if section != group:
            group = section
            lines += ["", f"[{group}]"]
        lines += ["", f"# {info.help}", f"# {info.env} · {info.origin}",
                  f"{info.key.rpartition('.')[2]} = {_toml_value(_shown(info))}"]
    return "\n".join(lines)


def settings_markdown() -> str:
    rows = ["| setting | environment variable | default | what it does |", "|---|---|---|---|"]
    for info in Settings().describe():
        rows.append(f"| `{info.key}` | `{info.env}` | {_markdown_default(info)} | {info.help} |")
    return "\n".join(rows)


def _shown(info: SettingInfo) -> Any:
    # A key is shown only as set or not: `assistant config` output is for pasting into issues.
    return ("(set)" if info.value else "") if info.key == "llm.api_key" else info.value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _markdown_default(info: SettingInfo) -> str:
    # Paths depend on the machine and install; the table says what they point at instead.
    if info.kind is Path:
        return {"data_dir": "per-user data folder", "ingest.corpus_dir": "the package's corpus/",
                "answer.prompts_dir": "the package's prompts/",
                "llm.model_cache_dir": "per-user cache folder"}.get(info.key, "a path")
    return f"`{info.default}`" if info.default != "" else "empty"
