"""Sentence and block splitting with character offsets, shared by ingest, answering and checking.

Every span is an offset pair into the original string, so a quote taken from a
span can always be verified with `text[start:end] == quote`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a plausible start.
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(?:\s\[\d{1,3}\])?\s+(?=[\"'“‘(\[]?[A-Z0-9§$])")
# An inline enumerated item of a legal list: "…at a minimum: (1) An overview…; (2) All data…;
# and (3) Examples…". Each item is a sentence of its own; a clause split nowhere else.
_ENUMERATED_ITEM = re.compile(r"(?<=[:;])\s+(?=(?:(?:and|or)\s+)?\(?(?:\d{1,2}|[a-z]|[ivx]{1,5})\)\s)")
_ABBREVIATIONS = {
    "v", "vs", "gov", "rep", "reps", "sen", "sens", "mr", "mrs", "ms", "dr", "st", "no", "nos",
    "mass", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "c",
    "ch", "inc", "co", "corp", "jr", "sr", "e.g", "i.e", "ct", "app", "supp", "al", "approx",
    "gen", "lt", "sgt", "det", "capt", "comm", "cmr", "stat", "art", "sec", "p", "pp", "vol",
    "d", "f", "cir", "l", "ed", "fig", "a.m", "p.m", "dept", "est", "ave", "mt",
}
# Three or more: "C.F.R." and "U.S.C." cite a code; "D.C." or "A.G." may end a sentence.
_DOTTED_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,}[^\W\d_]$")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")  # targets may hold one level of ()
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")


def heading_spans(text: str) -> list[tuple[int, int, int, str]]:
    """Markdown ATX headings as (start, end, level, title)."""
    found = []
    offset = 0
    for line in text.splitlines(keepends=True):
        match = _HEADING.match(line.rstrip("\r\n"))
        if match:
            found.append((offset, offset + len(line.rstrip("\r\n")), len(match.group(1)),
                          match.group(2).strip()))
        offset += len(line)
    return found


def block_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Paragraphs and list items within [start, end), trimmed of whitespace and list markers."""
    end = len(text) if end is None else end
    blocks: list[tuple[int, int]] = []
    cursor = start
    for match in [*_BLANK_LINE.finditer(text, start, end), None]:
        stop = match.start() if match else end
        blocks.extend(_list_items(text, cursor, stop))
        cursor = match.end() if match else end
    return [b for b in blocks if b[1] > b[0]]


def _list_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one paragraph into list items (each line with a marker starts a new item)."""
    items: list[tuple[int, int]] = []
    item_start: int | None = None
    offset = start
    for line in text[start:end].splitlines(keepends=True):
        marker = _LIST_MARKER.match(line)
        is_heading = _HEADING.match(line.rstrip("\r\n")) is not None
        if marker or is_heading or item_start is None:
            if item_start is not None:
                items.append(_trim(text, item_start, offset))
            item_start = None if is_heading else offset + (marker.end() if marker else 0)
        offset += len(line)
    if item_start is not None:
        items.append(_trim(text, item_start, end))
    return items


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences within [start, end), never crossing a paragraph or list-item boundary."""
    spans: list[tuple[int, int]] = []
    for block_start, block_end in block_spans(text, start, end):
        cursor = block_start
        for match in _BOUNDARY.finditer(text, block_start, block_end):
            if _is_abbreviation(text, cursor, match.start()):
                continue
            stop = match.end()
            while stop > cursor and text[stop - 1].isspace():
                stop -= 1
            spans.extend(_enumerated_items(text, cursor, stop))
            cursor = match.end()
        if cursor < block_end:
            spans.extend(_enumerated_items(text, *_trim(text, cursor, block_end)))
    return [s for s in spans if s[1] > s[0]]


def _enumerated_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence holding a list of two or more enumerated items, split before each item (a
    question about one item is answered by that item, not the whole list); others whole."""
    cuts = [m.start() for m in _ENUMERATED_ITEM.finditer(text, start, end)]
    if len(cuts) < 2:
        return [(start, end)]
    spans = []
    cursor = start
    for cut in cuts:
        spans.append((cursor, cut))
        cursor = cut
        while cursor < end and text[cursor].isspace():
            cursor += 1
    spans.append((cursor, end))
    return spans


def _is_abbreviation(text: str, sentence_start: int, period: int) -> bool:
    if text[period] != ".":
        return False
    token_start = period
    while token_start > sentence_start and not text[token_start - 1].isspace() \
            and text[token_start - 1] not in "(\"“":
        token_start -= 1
    token = text[token_start:period].lower()
    # Initials ("J."), dotted initials ("8 C.F.R. § 287.5", "U.S.C.") and known abbreviations
    # ("Gov.", "c.") do not end sentences.
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or bool(_DOTTED_INITIALS.match(token))


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def display_text(markdown: str) -> str:
    """A quote as a person should read it: markdown emphasis and link targets removed."""
    plain = _MD_LINK.sub(r"\1", markdown)
    plain = _MD_EMPHASIS.sub("", plain)
    return re.sub(r"\s+", " ", plain).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def fold_accents(text: str) -> str:
    """Lowercase without accents: people often type "policia" for "polícia", "pe" for "pè"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form for matching facts and quotes."""
    # Curly apostrophes first: the ASCII fold would drop them ("doesn’t" -> "doesnt").
    folded = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    folded = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w$%§.,'\- ]", " ", folded)).strip()


_PER_THREAD = threading.local()


def english_stemmer() -> Any:
    """The Snowball English stemmer (PyStemmer) for BM25 and the word matching in answers, one per
    thread: a PyStemmer object is not thread-safe, and the UI and API serve requests in threads."""
    stemmer = getattr(_PER_THREAD, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _PER_THREAD.stemmer = Stemmer.Stemmer("english")
    return stemmer


def stem(word: str) -> str:
    """The Snowball stem of one lower-case word ("sharing" -> "share")."""
    return english_stemmer().stemWord(word)
