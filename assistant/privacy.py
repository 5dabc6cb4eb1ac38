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
}


def apply_offline_defaults() -> None:
    # Forced, not defaulted: a user's shell may have HF_HUB_OFFLINE=0 from other work,
    # and this assistant must never contact a hub.
    os.environ.update(OFFLINE_ENV)
