"""The one evidence builder: the text a claim is checked against, for any passage.

A passage is data (answer/injection.py): its sentences addressed to an AI are dropped and any
citation-like marker in it is taken out, so a document can neither instruct the judge nor
plant a citation. The same text is what the LLM reads in its prompt.

Titles are not evidence. A title names a topic ("Know your rights: stopped by ICE on the
street"); on the dev set it let claims borrow its words ("you can just walk away if ICE stops
you"), and the quote a reader sees under a claim is the passage text, so that text alone must
carry it. This holds for our answers, for `assistant check` and for the eval alike.
"""

from __future__ import annotations

from assistant.answer.injection import data_sentences, is_instruction
from assistant.text import sentence_spans
from assistant.types import Chunk
from assistant.verify.markers import remove_markers


def evidence_text(text: str) -> str:
    """Evidence from any passage text (a chatbot's cited passage, a span of ours)."""
    spans = sentence_spans(text) or [(0, len(text))]
    return remove_markers(" ".join(text[s:e] for s, e in spans if not is_instruction(text[s:e]))).strip()


def chunk_evidence(chunk: Chunk) -> str:
    """Evidence from an indexed chunk, read through the sentence spans stored with it."""
    return remove_markers(" ".join(chunk.text[s - chunk.start:e - chunk.start] for s, e in data_sentences(chunk)))
