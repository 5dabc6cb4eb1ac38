"""Offline, no-telemetry defaults, applied before any library that could phone home is imported."""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # LangChain would send every prompt (questions and passages) to LangSmith if a user's shell
    # turned tracing on; both prefixes and both spellings are read, so all four are pinned.
    "LANGSMITH_TRACING": "false",
    "LANGSMITH_TRACING_V2": "false",
    "LANGCHAIN_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
}


def apply_offline_defaults() -> None:
    # Forced, not defaulted: a user's shell may have HF_HUB_OFFLINE=0 from other work,
    # and this assistant must never contact a hub.
    os.environ.update(OFFLINE_ENV)
