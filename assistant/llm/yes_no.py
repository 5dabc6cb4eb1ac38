"""A local GGUF model asked a yes/no question, answered as a probability.

The model answers with one token; P(yes) / (P(yes) + P(no)) from that token's log-probabilities
gives a score with a threshold to calibrate, where a sampled "yes" would give none. The support
judge (verify/llm_judge.py) and the answer judge (answer/answer_judge.py) both ask this way.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

# llama.cpp lists the likeliest next tokens; "yes" and "no" are among the first few.
_TOP_TOKENS = 10
# One lock per loaded model, shared by every judge asking it: one llama.cpp context answers one
# question at a time.
_LOCKS: dict[tuple[str, int, int], threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


class YesNoModel:
    def __init__(self, model_path: Path, *, threads: int = 0) -> None:
        from assistant.llm.factory import LOCAL_CONTEXT_TOKENS
        from assistant.llm.local_llamacpp import shared_server

        # The chat model's context size, so a judge on the same GGUF shares its loaded weights.
        key = (str(model_path), LOCAL_CONTEXT_TOKENS, threads)
        self._server = shared_server(*key)
        with _LOCKS_LOCK:
            self._lock = _LOCKS.setdefault(key, threading.Lock())

    def probability(self, prompt: str) -> float:
        """P(the answer to `prompt` is yes), 0.0 when the model gives neither word."""
        request = {"messages": [{"role": "user", "content": prompt}], "max_tokens": 1, "temperature": 0,
                   "logprobs": True, "top_logprobs": _TOP_TOKENS}
        with self._lock:
            reply = self._server.handle_chat_completions(request)
        yes = no = 0.0
        for option in reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]:
            word = option["token"].strip().lower()
            if word == "yes":
                yes += math.exp(option["logprob"])
            elif word == "no":
                no += math.exp(option["logprob"])
        return yes / (yes + no) if yes + no > 0 else 0.0
