"""Ollama by base URL, through langchain-ollama's ChatOllama.

The native API rather than Ollama's OpenAI-compatible endpoint: only the native one lets us
set the context length, and at Ollama's default context a prompt with several passages is cut
silently from the front, dropping the instructions and the first passages.
"""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.errors import UserError

DEFAULT_BASE_URL = "http://127.0.0.1:11434"
CONTEXT_TOKENS = 8192


def ollama_chat_model(model: str, base_url: str, timeout_s: float,
                      max_tokens: int) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise UserError("llm.backend=ollama:<model> needs langchain-ollama; install it with "
                        "pip install 'ice-out-assistant[ollama]'") from exc
    return ChatOllama(model=model, base_url=base_url or DEFAULT_BASE_URL, temperature=0,
                      num_predict=max_tokens, num_ctx=CONTEXT_TOKENS,
                      client_kwargs={"timeout": timeout_s})
