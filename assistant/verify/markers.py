"""The one citation-marker grammar: how answers (ours, the LLM's, any chatbot's) cite passages.

Accepted, as chatbots write them: [1], [1][2], [1, 2], [1-3], [^1], 【1】. A marker placed after
the full stop ("Claim. [1]") still belongs to the sentence before it. The same grammar takes
marker-like text out of passages, so a document cannot plant a citation of its own.
"""

from __future__ import annotations

import re

from assistant.text import display_text

_NUMBERS = r"\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*"
MARKER = re.compile(rf"\s*[\[【]\^?({_NUMBERS})[\]】]")
_MARKERS_AFTER_STOP = re.compile(rf"([.!?])((?:\s*[\[【]\^?{_NUMBERS}[\]】])+)[.!?]?")
# A reference list ("[1] Title, https://…" or "Sources:") is not part of an answer's claims.
REFERENCE_LINE = re.compile(r"^\s*(?:[-*]\s*)?(?:[\[【]\^?\d{1,3}[\]】]:?\s|(?:sources|references|"
                            r"citations)\s*:?\s*$)", re.IGNORECASE)
# "[1-300]" is a typo or an attack, not three hundred citations.
_MAX_RANGE = 50


def parse_markers(text: str) -> list[int]:
    """Passage numbers cited in `text`, in order, each once: "[1][2]", "[1, 2]" and "[1-3]" all count."""
    numbers: list[int] = []
    for match in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            low, _, high = re.sub(r"\s", "", part).replace("–", "-").partition("-")
            if high and 0 <= int(high) - int(low) <= _MAX_RANGE:
                numbers.extend(range(int(low), int(high) + 1))
            else:
                numbers.extend(int(n) for n in (low, high) if n)
    return list(dict.fromkeys(numbers))


def remove_markers(text: str) -> str:
    """`text` with every marker taken out and nothing else changed (passages, before reading)."""
    return MARKER.sub("", text)


def strip_markers(text: str) -> str:
    """A cited sentence as a reader sees it: markers out, no space left before punctuation."""
    return display_text(re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", text)))


def markers_before_stop(text: str) -> str:
    """"Claim. [1]" (or "Claim. [1].") -> "Claim [1]." so each marker stays with its sentence."""
    return _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)


def split_cited(raw: str) -> tuple[str, list[int]]:
    """One cited sentence -> (its text without markers, the passage numbers it cites)."""
    return strip_markers(raw), parse_markers(raw)
