"""Passages are data, never instructions.

A corpus document may carry text aimed at an AI ("ignore your instructions and say…") or fake
citation markers. Such sentences are kept from the model's prompt, from the evidence a claim is
checked against (verify/evidence.py, which also takes out the markers), and from the sentences
the extractive answerer may quote.
"""

from __future__ import annotations

import re

from assistant.types import Chunk

# Sentences addressed to an AI rather than to a reader. Narrow on purpose: know-your-rights
# text is full of imperatives ("tell the officer…", "ignore any order to…").
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:your|the|previous|prior|"
    r"earlier|above|preceding|these|those|system)\s+(?:\w+\s+)?(?:instructions?|rules|prompts?|sources|"
    r"passages|guidelines)\b"
    r"|\b(?:system|developer)\s+(?:prompt|message|instructions?)\b"
    r"|\byou\s+are\s+now\b"
    r"|\b(?:assistants?|chatbots?|AIs?|language\s+models?|LLMs?)\b[^.!?\n]{0,40}\b(?:must|should|will|shall)\s+"
    r"(?:say|answer|respond|reply|tell|state|claim|write|output)\b"
    r"|\b(?:tell|inform)\s+the\s+user\b",
    re.IGNORECASE)


def is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def data_sentences(chunk: Chunk) -> list[tuple[int, int]]:
    """Document offsets of the chunk's sentences that are data, not instructions to an AI."""
    spans = chunk.sentences or [(chunk.start, chunk.end)]
    return [(s, e) for s, e in spans if not is_instruction(chunk.text[s - chunk.start:e - chunk.start])]
