"""Any OpenAI-compatible chat server (vLLM, llama.cpp's server, LM Studio, OpenAI itself), by
base URL, model and key, through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.errors import UserError


def openai_chat_model(model: str, base_url: str, api_key: str, timeout_s: float,
                      max_tokens: int) -> BaseChatModel:
    if not base_url:
        # No default on purpose: questions must only ever go where the user pointed them.
        raise UserError(f"llm backend openai:{model} needs llm.base_url (ASSISTANT_LLM_BASE_URL), "
                        "e.g. http://127.0.0.1:8000/v1 for a local vLLM or llama.cpp server")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise UserError("llm.backend=openai:<model> needs langchain-openai; install it with "
                        "pip install 'ice-out-assistant[openai]'") from exc
    # An explicit key (a placeholder for keyless local servers) keeps ChatOpenAI from reading
    # OPENAI_API_KEY from the environment and sending it to a server the user did not name.
    return ChatOpenAI(model=model, base_url=base_url, api_key=api_key or "unused",
                      timeout=timeout_s, max_retries=0, temperature=0, max_tokens=max_tokens)
