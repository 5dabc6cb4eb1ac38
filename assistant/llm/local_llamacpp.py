"""A GGUF model run in-process by llama.cpp (the prebuilt `xllamacpp` wheel), as a LangChain
chat model. No compiler and no network: the weights come from a local file.

xllamacpp always starts llama.cpp's HTTP front end next to the in-process API we call. It is
bound to a Unix socket in a private temporary directory, so no TCP port is ever opened.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from assistant.errors import UserError

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
# One loaded model per (file, context size, threads) per process: loading costs seconds and memory.
_SERVERS: dict[tuple[str, int, int], tuple[Any, tempfile.TemporaryDirectory]] = {}
_SERVERS_LOCK = threading.Lock()
_FINISHED = object()


class LocalModelError(RuntimeError):
    """llama.cpp refused or failed a request (context overflow, bad request, load failure)."""


def shared_server(model_path: str, n_ctx: int, n_threads: int) -> Any:
    """One in-process llama.cpp server per model and context size, shared by the chat model and
    the LLM support judge, so the weights load once."""
    key = (model_path, n_ctx, n_threads)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            try:
                import xllamacpp
            except ImportError as exc:
                raise UserError("llm.backend=local needs the xllamacpp package; install it with "
                                "pip install 'ice-out-assistant[local]'") from exc
            params = xllamacpp.CommonParams()
            params.model.path = model_path
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = n_threads or -1  # -1: llama.cpp counts the physical cores
            params.cpuparams_batch.n_threads = n_threads or -1
            params.verbosity = -1  # llama.cpp's own logs would bury the answer in the terminal
            socket_dir = tempfile.TemporaryDirectory(prefix="ice-out-llm-")
            params.hostnames = [f"{socket_dir.name}/llama.sock"]
            try:
                server = xllamacpp.Server(params)
            except RuntimeError as exc:
                socket_dir.cleanup()
                raise UserError(f"{model_path}: llama.cpp could not load this model ({exc}); "
                                "check that it is a complete GGUF file") from exc
            _SERVERS[key] = (server, socket_dir)
        return _SERVERS[key][0]


def _error_message(payload: dict[str, Any]) -> str | None:
    if "choices" in payload:
        return None
    error = payload.get("error", payload)
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


class LlamaCppChatModel(BaseChatModel):
    """Chat completions from a local GGUF file, streamed token by token.

    Stopping the stream (closing the iterator) stops generation at the next token, and so does
    `timeout_s`, after which TimeoutError is raised.
    """

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 0  # 0: as many as physical cores
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 120.0
    stop_sequences: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def _request(self, messages: list[BaseMessage], stop: list[str] | None,
                 **kwargs: Any) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "stop": [*self.stop_sequences, *(stop or [])],
            "stream": True,
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        # One code path for both, so the timeout and error handling cannot drift apart.
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        server = shared_server(self.model_path, self.n_ctx, self.n_threads)
        request = self._request(messages, stop, **kwargs)
        deadline = time.monotonic() + self.timeout_s
        chunks: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()

        def receive(payload: dict[str, Any]) -> bool:
            chunks.put(payload)
            # Returning True tells llama.cpp to stop generating.
            return cancelled.is_set() or time.monotonic() > deadline

        def produce() -> None:
            try:
                server.handle_chat_completions(request, receive)
            except Exception as exc:  # handed to the consumer thread, which raises it
                chunks.put(exc)
            finally:
                chunks.put(_FINISHED)

        worker = threading.Thread(target=produce, name="llama.cpp-generate", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=max(0.0, deadline - time.monotonic()) + 1.0)
                except queue.Empty:
                    item = None
                if item is None or time.monotonic() > deadline:
                    raise TimeoutError(f"the local model did not finish within {self.timeout_s:g} s")
                if item is _FINISHED:
                    return
                if isinstance(item, Exception):
                    raise LocalModelError(str(item)) from item
                message = _error_message(item)
                if message is not None:
                    raise LocalModelError(message)
                choice = item["choices"][0] if item["choices"] else {}
                text = (choice.get("delta") or {}).get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue
                chunk = ChatGenerationChunk(
                    message=AIMessageChunk(content=text,
                                           response_metadata={"finish_reason": finish} if finish else {}))
                if run_manager and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
        finally:
            # Reached on completion, error, timeout and when the consumer stops iterating.
            cancelled.set()
