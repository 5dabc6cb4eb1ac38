"""Text cleanup for PDF pages, as a reader expects it: pure functions of strings, no I/O.

The order matters and is the one `clean_pages` applies: characters first (NFKC turns the
"ﬁ" ligature into "fi" before any word is looked at), then lines that repeat on every page
(running headers, footers, page numbers) go, then each page's lines are reflowed into
paragraphs (hyphenated line ends joined, headings and list items kept on their own), and
last the words: glued words split, footnote markers moved off the word they touch.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

# Characters NFKC keeps but a reader (and the sentence splitter) wants as plain ones.
_CHAR_FIXES = str.maketrans({
    "\u00ad": None,  # soft hyphen
    "\ufffe": None,  # pdfium's marker for a hyphen it dropped at a line end
    "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
    "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
    "\t": " ", "\r": "\n", "\f": "\n", "\x0b": "\n",
})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# C1 control characters reach the text where a symbol font drew a bullet.
_C1 = re.compile(r"[\x80-\x9f]")

# Headings PDFs write as plain lines. Level 2 is a top section, level 3 one inside it.
_KEYWORD_HEADING = re.compile(r"^(?:ARTICLE|SECTION|PART|CHAPTER|APPENDIX|ATTACHMENT|SCHEDULE)\s+"
                              r"(?:[IVXLC]{1,6}|\d{1,3}|[A-Z])\b[.:\-–—]?(?:\s+\S.*)?$")
_TITLE_KEYWORD_HEADING = re.compile(r"^(?:Article|Section|Part|Chapter|Appendix|Attachment)\s+"
                                    r"(?:[IVXLC]{1,6}|\d{1,3}|[A-Z])[.:\-–—]?(?:\s+(.*))?$")
# OCR misreads numerals ("IL. AUTHORITY", "If. POLICY"): after a leading I, V or X a few
# look-alike characters are accepted.
_ROMAN_HEADING = re.compile(r"^[IVX][IVXLlf1T]{0,5}\.\s+[A-Z][A-Z0-9 ,;:&/()'’\-–]{2,90}$")
_NUMERAL_FIXES = str.maketrans("lLif1T", "IIIIII")
_VALID_NUMERAL = re.compile(r"^X{0,3}(?:IX|IV|V?I{0,3})$")
_LETTER_HEADING = re.compile(r"^[A-Z]\.\s+[A-Z][A-Z0-9 ,;:&/()'’\-–]{2,90}$")
_NUMBER_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z][A-Z0-9 ,;:&/()'’\-–]{2,90}$")
_TABLE_HEADING = re.compile(r"^(?:Appendix\s+)?(?:Table|TABLE|Exhibit|EXHIBIT)\s+[A-Z]?\d{1,3}[.:]?$")

# List items: a bullet (a symbol font's bullet arrives as a private-use character), "1.",
# "1)", "(a)", "a.", "(iv)". OCR reads a round bullet as "e", "°" or "«" (a hollow one as
# "o"); at a line start before a capital no English sentence begins that way.
_BULLET = re.compile(r"^(?:[-•●▪◦■□➢►∙·*\ue000-\uf8ff]|[eo°«¢»]\s(?=[A-Z(]))\s*")
_ENUMERATOR = re.compile(r"^(?:\(?\d{1,2}[.)]|\([a-z]{1,2}\)|[a-z][.)]|\([ivx]{1,5}\))\s+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—]?\s*\(?\d{1,4}\)?\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$",
                          re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_DIGITS = re.compile(r"\d+")

# A footnote number touching a word: "detainers.15 The", "detainers15 and". Two lower-case
# letters before it keep "FY 2016.1", "Table 1.1", "I-247A" and "U.S.C.1" out.
_FOOTNOTE_AFTER_PUNCT = re.compile(r"(?<=[a-z]{2})([.,;:”’\")])(\d{1,2})(?=\s|$)")
_FOOTNOTE_ON_WORD = re.compile(r"(?<=[a-z]{3})(\d{1,2})(?=[.,;:]?(?:\s|$))")
# OCR of a legal citation reads the section sign as a dollar sign: "INA $ 287(a)(1)".
_SECTION_SIGN = re.compile(r"\b(INA|U\.S\.C\.?|C\.F\.R\.?|USC|CFR) \$ ?(?=\d)|\$ ?(?=\d{1,4}(?:\.\d+)?\()")
_TOKEN = re.compile(r"[A-Za-z]+")
_MAX_PIECE_RANK = 40_000
_ACRONYM = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$|^[A-Z][A-Z&/-]+s?$")
# Words of legal drafting that the frequency list lacks and that read as two or three words.
_LEGAL_COMPOUND = re.compile(r"^(?:here|there|where)(?:in|inafter|inbefore|of|by|to|tofore|under|with|upon|"
                             r"after|on|at|as|from|unto)$")
# Short words that may stand alone in a split; any other piece of one or two letters is noise.
_SHORT_WORDS = frozenset((
    "a", "i", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my",
    "no", "of", "on", "or", "so", "to", "up", "us", "we", "am", "and", "are", "but", "can", "did",
    "for", "had", "has", "her", "him", "his", "its", "may", "not", "our", "out", "per", "she",
    "the", "was", "who", "why", "yes", "you",
))


_SLOT = "\u27e6table {}\u27e7"


def table_slot(index: int) -> str:
    """A line that stands where a page's `index`-th table goes; the PDF reader replaces it
    with the table's rows after cleanup, which must leave such lines alone."""
    return _SLOT.format(index)


def _is_slot(line: str) -> bool:
    return line.startswith("\u27e6table ")


def normalize_chars(text: str) -> str:
    """NFKC (ligatures and compatibility forms become plain letters), stray controls removed,
    every kind of line break made "\n"."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n"))
    return _C1.sub("•", _CONTROL.sub("", text.translate(_CHAR_FIXES)))


@lru_cache(maxsize=1)
def _word_ranks() -> dict[str, int]:
    """English words by frequency rank (wordninja's Wikipedia unigram list, ~126k words)."""
    # The list ships beside the wordninja module; found without importing it, which would
    # build wordninja's own model for nothing.
    spec = importlib.util.find_spec("wordninja")
    if spec is None or spec.origin is None:
        raise ImportError("the wordninja package is missing", name="wordninja")
    data = (Path(spec.origin).parent / "wordninja" / "wordninja_words.txt.gz").read_bytes()
    words = gzip.decompress(data).decode("utf-8").split()
    return {word: rank for rank, word in enumerate(words)}


def is_word(word: str) -> bool:
    lower = word.lower()
    return lower in _word_ranks() or bool(_LEGAL_COMPOUND.match(lower))


def heading_level(line: str) -> int | None:
    """2 or 3 when a whole line reads as a heading ("ARTICLE V", "III. POLICY", "A. SCOPE",
    an all-caps title line, "Table 4"); None for ordinary text."""
    line = line.strip()
    if not line or len(line) > 100:
        return None
    if _TABLE_HEADING.match(line):
        return 3
    if _KEYWORD_HEADING.match(line) or _ROMAN_HEADING.match(line):
        return 2
    titled = _TITLE_KEYWORD_HEADING.match(line)
    if titled:
        rest = (titled.group(1) or "").split()
        # "Section 287(g) of the Act authorizes…" is a sentence; "Section 4: Scope" a heading.
        if len(rest) <= 8 and all(w[:1].isupper() or w.lower() in _SHORT_WORDS for w in rest) \
                and not line.endswith((".", ",")):
            return 2
        return None
    if _LETTER_HEADING.match(line) or _NUMBER_HEADING.match(line):
        return 3
    letters = [c for c in line if c.isalpha()]
    words = line.split()
    if len(letters) >= 6 and 2 <= len(words) <= 12 and not line.endswith((",", ";")) \
            and sum(c.isupper() for c in letters) >= 0.9 * len(letters) \
            and sum(c.isdigit() for c in line) <= 4 and not _ENUMERATOR.match(line):
        return 2
    return None


def _line_key(line: str) -> str:
    """A running line with its page number blanked, so "Page 3 of 14" matches "Page 4 of 14"."""
    return _DIGITS.sub("#", " ".join(line.lower().split()))


_EDGE_NUMBER = re.compile(r"^\d{1,4}\s+|\s+\d{1,4}$")


def _without_page_number(line: str) -> str:
    return _EDGE_NUMBER.sub("", " ".join(line.split()))


def remove_running_lines(pages: list[list[str]], edge: int = 3) -> list[list[str]]:
    """Drop lines that recur on at least half the pages (and at least three): running headers
    and footers. A line repeated word for word, but for a page number at its start or end,
    counts anywhere on a page, since a PDF may store its footer first; one that differs in
    other numbers ("Page 3 of 14") counts near the top or bottom, where bare page numbers are
    dropped too."""
    exact: Counter[str] = Counter()
    numbered: Counter[str] = Counter()
    for lines in pages:
        exact.update({_without_page_number(line) for line in lines if len(line.split()) >= 3})
        numbered.update({_line_key(line) for line in lines[:edge] + lines[-edge:] if line.strip()})
    threshold = max(3, math.ceil(len(pages) / 2))
    enough = len(pages) >= 3
    cleaned = []
    for lines in pages:
        keep = []
        last = len(lines) - 1
        for position, line in enumerate(lines):
            near_edge = position < edge or position > last - edge
            # "Table 3" recurs on table pages with another number: a heading, not a header.
            structural = _is_slot(line) or heading_level(line) is not None
            running = enough and (exact[_without_page_number(line)] >= threshold
                                  or (near_edge and numbered[_line_key(line)] >= threshold))
            if structural or not (running or (near_edge and _PAGE_NUMBER.match(line))):
                keep.append(line)
        cleaned.append(keep)
    return cleaned


def join_lines(left: str, right: str) -> str:
    """Join two lines of one paragraph, undoing a word hyphenated across the break."""
    match = re.search(r"([A-Za-z]+)-$", left)
    if match and right[:1].islower():
        head, tail = match.group(1), _TOKEN.match(right)
        tail_word = tail.group(0) if tail else ""
        # "enforce-/ment" joins to a word; "well-/known" keeps its hyphen: both halves are words
        # and the joined form is not.
        if is_word(head + tail_word) or not (is_word(head) and is_word(tail_word)):
            return left[:-1] + right
        return left + right
    if match and right[:1].isupper():
        return left + right  # "CACERES-/Maradiaga": a hyphenated name broken at its hyphen
    return f"{left} {right}"


def hint_key(line: str) -> str:
    return " ".join(line.split()).casefold()


def reflow(lines: list[str], hints: dict[str, int] | None = None) -> str:
    """A page's lines as paragraphs separated by blank lines; headings become markdown
    headings and list items start their own paragraph, so the chunker and the sentence
    splitter see the structure. `hints` are lines known to be headings (set in a larger type,
    or an outline entry), by hint_key, with their level; consecutive hinted lines of one
    level are one heading broken over lines."""
    hints = hints or {}
    stripped = [" ".join(line.split()) for line in lines]
    lengths = sorted(len(line) for line in stripped if line)
    # A line much shorter than the page's usual full line ends its paragraph.
    full = lengths[int(len(lengths) * 0.8)] if lengths else 0
    blocks: list[str] = []
    current = ""
    previous = ""
    caption_wanted = False
    previous_heading = ""
    previous_hint: int | None = None
    for line in stripped:
        if not line:
            if current:
                blocks.append(current)
            current = previous = ""
            continue
        hinted = hints.get(hint_key(line))
        if hinted and blocks and blocks[-1] == previous_heading and previous_hint == hinted and not current:
            blocks[-1] = f"{blocks[-1]} {line}"
            previous_heading = blocks[-1]
            continue
        level = 0 if _is_slot(line) else hinted or heading_level(line)
        previous_hint = hinted
        if caption_wanted and level is None and len(line) <= 160:
            # "Table 4" alone on its line, its caption on the next: one heading.
            blocks[-1] = f"{blocks[-1]} {line}"
            caption_wanted = False
            continue
        caption_wanted = False
        if level is not None:
            if current:
                blocks.append(current)
            numeral, _, rest = line.partition(".")
            if _ROMAN_HEADING.match(line) and not _VALID_NUMERAL.match(numeral):
                line = numeral.translate(_NUMERAL_FIXES) + "." + rest
            blocks.append(f"{'#' * level} {line}" if level else line)
            previous_heading = blocks[-1]
            caption_wanted = bool(level and _TABLE_HEADING.match(line))
            current = previous = ""
            continue
        bullet = _BULLET.match(line)
        starts_item = bool(bullet or _ENUMERATOR.match(line))
        ended = bool(_SENTENCE_END.search(previous)) and len(previous) < 0.85 * full
        if current and (starts_item or ended):
            blocks.append(current)
            current = ""
        if bullet:
            line = "- " + line[bullet.end():]
        current = join_lines(current, line) if current else line
        previous = line
    if current:
        blocks.append(current)
    return "\n\n".join(blocks)


def _segment(token: str) -> list[str] | None:
    """Split a run-together lower-case token into known words by least total Zipf cost;
    None when no split into plausible words exists."""
    ranks = _word_ranks()
    size = len(ranks)
    log_size = math.log(size)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 20), end):
            piece = token[start:end]
            rank = ranks.get(piece)
            if rank is None or best[start][0] == math.inf:
                continue
            if len(piece) <= 2 and piece not in _SHORT_WORDS:
                continue
            # Rare pieces ("sclerotic", "broncho") mean a term the list lacks, not two words.
            if rank > _MAX_PIECE_RANK or (len(piece) <= 4 and rank > 20_000 and piece not in _SHORT_WORDS):
                continue
            cost = best[start][0] + math.log((rank + 1) * log_size)
            if cost < best[end][0]:
                best[end] = (cost, start)
    if best[-1][0] == math.inf:
        return None
    pieces = []
    end = len(token)
    while end > 0:
        start = best[end][1]
        pieces.append(token[start:end])
        end = start
    pieces.reverse()
    # Shredding a long unknown term ("neurocysticercosis") into many short words is worse
    # than leaving it whole.
    if len(pieces) < 2 or len(pieces) > 1 + len(token) / 4:
        return None
    return pieces


def split_glued_words(text: str, known: frozenset[str] = frozenset()) -> str:
    """Put spaces back where a PDF had none: "Thedatasetdoesnotdifferentiate" and "thisMOA".
    Words in `known` (the document's own vocabulary) and dictionary words are left alone."""

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        lower = token.lower()
        if is_word(lower) or lower in known:
            return token
        camel = re.fullmatch(r"([a-z]{2,})([A-Z]{2,}s?|[A-Z][a-z]+)", token)
        if camel and is_word(camel.group(1)) and len(camel.group(1)) >= 2 \
                and (camel.group(2).isupper() or is_word(camel.group(2))):
            return f"{camel.group(1)} {camel.group(2)}"
        if len(token) < 10 or not (token.islower() or token[1:].islower()):
            return token
        pieces = _segment(lower)
        if pieces is None:
            return token
        out, cursor = [], 0
        for piece in pieces:  # keep the original capitals
            out.append(token[cursor:cursor + len(piece)])
            cursor += len(piece)
        return " ".join(out)

    return _TOKEN.sub(fix, text)


def separate_footnote_markers(text: str) -> str:
    """"detainers.15 The" -> "detainers. [15] The": the marker stays, apart from the word."""
    text = _FOOTNOTE_AFTER_PUNCT.sub(lambda m: f"{m.group(1)} [{m.group(2)}]", text)
    return _FOOTNOTE_ON_WORD.sub(lambda m: f" [{m.group(1)}]", text)


def fix_ocr_symbols(text: str) -> str:
    return _SECTION_SIGN.sub(lambda m: f"{m.group(1)} § " if m.group(1) else "§ ", text)


def document_vocabulary(pages: list[str]) -> frozenset[str]:
    """Lower-case words that stand alone somewhere in the document: names and terms the
    dictionary lacks ("Adelanto") are then never split."""
    counts = Counter(token.lower() for page in pages for token in _TOKEN.findall(page))
    return frozenset(word for word, count in counts.items() if count >= 2)


def _plausible_token(token: str) -> bool:
    core = token.strip(".,;:!?()[]{}\"'“”‘’-–—")
    return bool(core) and (any(ch.isdigit() for ch in core) or (len(core) >= 2 and is_word(core))
                           or bool(_ACRONYM.match(core)))


def is_noise_line(line: str) -> bool:
    """OCR of handwriting, signatures and stamps (":S:.s O ;:;-u O 6 6 0 ,.., Ve?..,,._+"):
    a line of five or more tokens, fewer than 40% of them words, numbers or acronyms."""
    tokens = line.split()
    return len(tokens) >= 5 and sum(map(_plausible_token, tokens)) < 0.4 * len(tokens)


def clean_pages(raw_pages: list[str], hints: list[dict[str, int]] | None = None,
                outline: list[list[tuple[str, int]]] | None = None) -> list[str]:
    """Raw text per page -> clean text per page (paragraphs, markdown headings). `hints`: per
    page, heading lines by hint_key and level; `outline`: per page, the PDF outline's
    (title, level) entries, which become headings where their line is, or at the page's top."""
    pages = [[line.strip() for line in normalize_chars(page).split("\n")] for page in raw_pages]
    pages = remove_running_lines([[line for line in lines if not is_noise_line(line)] for lines in pages])
    flowed = []
    for index, lines in enumerate(pages):
        page_hints = dict(hints[index]) if hints else {}
        entries = outline[index] if outline else []
        page_hints.update({hint_key(normalize_chars(title)): level for title, level in entries})
        text = reflow(lines, page_hints)
        present = {hint_key(line.lstrip("#")) for line in text.split("\n\n") if line.startswith("#")}
        missing = [f"{'#' * level} {' '.join(normalize_chars(title).split())}" for title, level in entries
                   if hint_key(normalize_chars(title)) not in present]
        flowed.append("\n\n".join([*missing, text]) if missing else text)
    known = document_vocabulary(flowed)
    result = []
    for page in flowed:
        page = split_glued_words(page, known)
        page = separate_footnote_markers(page)
        result.append(fix_ocr_symbols(page))
    return result
