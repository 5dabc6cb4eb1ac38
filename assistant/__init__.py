"""ICE Out Assistant: offline, cited answers on Massachusetts–ICE information sharing."""

from assistant.privacy import apply_offline_defaults

apply_offline_defaults()

from assistant.types import Answer, Citation, Sentence  # noqa: E402

__all__ = ["Answer", "Assistant", "Citation", "Sentence"]


def __getattr__(name: str):
    # The facade pulls in torch and chromadb; load it only when someone asks for it.
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    raise AttributeError(name)
