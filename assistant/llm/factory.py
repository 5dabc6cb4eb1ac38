"""The `llm` setting → a LangChain chat model (or None for the extractive answerer)."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.errors import UserError
from assistant.settings import Settings

BACKENDS = "local, local:<packaged model or .gguf path>, ollama:<model>, openai:<model>"
# Passages, instructions and the answer fit with room to spare; Qwen2.5 supports far more.
LOCAL_CONTEXT_TOKENS = 4096


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    spec = settings.llm.backend.strip()
    if not spec:
        return None
    backend, _, model = spec.partition(":")
    backend, model = backend.strip().lower(), model.strip()
    if backend == "local":
        from assistant.llm.local_llamacpp import LlamaCppChatModel
        from assistant.llm.weights import resolve_gguf

        return LlamaCppChatModel(model_path=str(resolve_gguf(model, settings.llm.model_cache_dir)),
                                 n_ctx=LOCAL_CONTEXT_TOKENS, n_threads=settings.llm.threads,
                                 max_tokens=settings.llm.max_tokens,
                                 timeout_s=settings.llm.timeout_s)
    if backend in {"ollama", "openai"} and not model:
        raise UserError(f"llm.backend={spec!r} names no model; use {backend}:<model>, e.g. {backend}:qwen2.5:7b")
    if backend == "ollama":
        from assistant.llm.ollama import ollama_chat_model

        return ollama_chat_model(model, settings.llm.base_url, settings.llm.timeout_s,
                                 settings.llm.max_tokens)
    if backend == "openai":
        from assistant.llm.openai_compat import openai_chat_model

        return openai_chat_model(model, settings.llm.base_url, settings.llm.api_key,
                                 settings.llm.timeout_s, settings.llm.max_tokens)
    raise UserError(f"llm.backend={spec!r} is not a known backend; use one of: {BACKENDS}")
