"""The asker's language, and a way into the English documents for a question in another one.

- Detection: py3langid (its model ships inside the wheel), restricted to the languages the
  assistant speaks. A person's explicit choice always wins; a question too short to tell
  ("Lunn?") keeps the language of the conversation so far.
- Cross-lingual search: a bilingual glossary of the domain's terms per language
  (assistant/retrieve/terms/<code>.toml, data written by people, not a machine translation) turns
  the words of a Spanish, Portuguese or Haitian Creole question into the English words the
  corpus uses. Names and numbers pass through unchanged. The search runs on the question and its
  English words together, so a translated card matches the question's own words and an English
  document matches the glossary's.
- Translations are for their own readers: a know-your-rights card translated into Spanish is
  shown to a Spanish asker in place of its English original, and to nobody else.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Container
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from assistant.errors import UserError
from assistant.retrieve.rewrite import content_words, rewrite_follow_up
from assistant.text import fold_accents, normalize
from assistant.types import Chunk, Passage

LANGUAGES = {"en": "English", "es": "Español", "pt": "Português", "ht": "Kreyòl ayisyen"}
SOURCE_LANGUAGE = "en"  # what the built-in corpus is written in
_LONGEST_TERM = 5  # words in the longest glossary phrase that is looked for
# A word, with the apostrophes and hyphens inside it ("d'une", "pre-trial"), not the quotes around it.
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)
_READING = 2  # how glossary phrases are found in a text: a change re-embeds the translated documents


@dataclass(frozen=True)
class Detected:
    language: str
    confidence: float


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect(text: str) -> Detected:
    language, confidence = _identifier().classify(text)
    return Detected(str(language), float(confidence))


def choose_language(question: str, history: list[str] | None, chosen: str | None, min_confidence: float) -> str:
    """The person's choice; else the question's detected language when clear; else that of the
    latest earlier question that is clear; else English."""
    if chosen:
        if chosen not in LANGUAGES:
            raise UserError(f"language {chosen!r} is not one the assistant speaks; use one of "
                            f"{', '.join(LANGUAGES)}")
        return chosen
    for text in [question, *reversed(history or [])]:
        found = detect(text)
        if found.confidence >= min_confidence:
            return found.language
    return SOURCE_LANGUAGE


class Glossary:
    """Phrases of one language → the English terms the corpus uses for them."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self._english: dict[tuple[str, ...], str] = {}
        for english, phrases in terms.items():
            for phrase in phrases:
                key = _key(phrase)
                # A phrase listed under two terms ("orden judicial": warrant, judicial warrant)
                # means the more specific, longer one.
                if key and len(english) > len(self._english.get(key, "")):
                    self._english[key] = english

    @classmethod
    def for_language(cls, language: str) -> Glossary | None:
        return _glossary(language)

    def english_words(self, text: str) -> str:
        """The English terms for the phrases of `text` the glossary knows (longest match first),
        with the names and numbers of `text` kept as they are."""
        return self.split(text)[1]

    def split(self, text: str, names: Container[str] = frozenset()) -> tuple[str, str]:
        """(the words of `text` that carry meaning, their English terms). Both keep the names and
        numbers of `text`; function words ("de", "la", "ki") are left out of the first, so that
        a search among documents in the question's language is not won by them. `names`: words
        (normalized) the documents write as names, so that a capitalised word the glossary does
        not know is kept even where a sentence opens ("Newton tem...?"); a word typed in lower
        case is not ("nova" is no "Nova" of an English document)."""
        native: list[str] = []
        english: list[str] = []
        for phrase, term, kept in self._phrases(text, names):
            if term is not None:
                english.append(term)
                if content_words(term):
                    native.append(phrase)
            elif kept:
                native.append(phrase)  # a name or a number reads the same in every language
                english.append(phrase)
        return " ".join(dict.fromkeys(native)), " ".join(dict.fromkeys(english))

    def gloss(self, text: str) -> str:
        """`text` with each phrase the glossary knows put as its English term, in lower case, and
        every other word as typed: "¿Quién votó en el Senado?" → "¿who vote en el senate?". The
        capitals left are names, so a word of the language ("Senado") is never read as one; a
        name the glossary lists as itself ("Massachusetts") keeps its capitals."""
        return self._replaced(text, lambda term: term)

    def untranslated(self, text: str) -> str:
        """`text` without the phrases the glossary translates (each left as "·"), names it lists
        as themselves kept: the words of a question that may name what no document covers."""
        return self._replaced(text, lambda _term: "·")

    def _replaced(self, text: str, replacement: Callable[[str], str]) -> str:
        """`text` with each phrase the glossary translates put as `replacement(its term)`; a
        phrase it lists as itself ("Massachusetts", "PROTECT Act") stays as typed, a name."""
        parts: list[str] = []
        end = 0
        for start, stop, term in self._matches(text):
            translated = term is not None and term != " ".join(_key(text[start:stop]))
            parts.append(text[end:start] + (replacement(term) if translated else text[start:stop]))
            end = stop
        return "".join(parts) + text[end:]

    def _phrases(self, text: str, names: Container[str]) -> list[tuple[str, str | None, bool]]:
        """Each phrase of `text` as (the words typed, their English term or None, and, for a word
        the glossary does not know, whether it is a name or a number, which every language keeps)."""
        found: list[tuple[str, str | None, bool]] = []
        for start, stop, term in self._matches(text):
            phrase = text[start:stop]
            capital = phrase[:1].isupper()
            kept = term is None and (any(c.isdigit() for c in phrase)
                                     or (capital and (normalize(phrase) in names or not _opens_sentence(text[:start]))))
            found.append((phrase, term, kept))
        return found

    def _matches(self, text: str) -> list[tuple[int, int, str | None]]:
        """(start, end, English term) of each glossary phrase in `text`, longest match first, and
        (start, end, None) of each word it does not know."""
        tokens = list(_TOKEN.finditer(text))
        folded = [fold_accents(t.group()) for t in tokens]
        matches: list[tuple[int, int, str | None]] = []
        i = 0
        while i < len(tokens):
            for size in range(min(_LONGEST_TERM, len(tokens) - i), 0, -1):
                # A phrase's words are next to each other: "orden. Judicial" is no "orden judicial".
                if any(text[tokens[j].end():tokens[j + 1].start()].strip() for j in range(i, i + size - 1)):
                    continue
                term = self._english.get(tuple(folded[i:i + size]))
                if term is not None:
                    matches.append((tokens[i].start(), tokens[i + size - 1].end(), term))
                    i += size
                    break
            else:
                matches.append((tokens[i].start(), tokens[i].end(), None))
                i += 1
        return matches


def follow_up_query(question: str, history: list[str] | None, language: str) -> str:
    """rewrite_follow_up for a question in any of the assistant's languages: one in another
    language is read through its glossary to tell whether it leans on the one before."""
    glossary = Glossary.for_language(language)
    if glossary is None:
        return rewrite_follow_up(question, history)
    return rewrite_follow_up(question, history, glossary.english_words, lambda text: glossary.split(text)[0].split())


def glossary_fingerprint() -> str:
    """A hash of every glossary and of how it is read: documents in other languages are embedded
    through them, so a change means a rebuilt index."""
    digest = hashlib.sha256(f"reading={_READING}".encode())
    for resource in sorted((files("assistant.retrieve") / "terms").iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".toml"):
            digest.update(resource.name.encode() + resource.read_bytes())
    return digest.hexdigest()[:12]


def _key(phrase: str) -> tuple[str, ...]:
    """`phrase` as the glossary matches it: its words, without accents, in lower case."""
    return tuple(_TOKEN.findall(fold_accents(phrase)))


def _opens_sentence(before: str) -> bool:
    """A capital after a sentence's end ("... abrir? ¿Tengo ...") opens a sentence; elsewhere it
    marks a name."""
    before = before.rstrip(" \t\n¿¡\"'“‘(")
    return not before or before[-1] in ".?!:"


@lru_cache(maxsize=8)
def _glossary(language: str) -> Glossary | None:
    resource = files("assistant.retrieve") / "terms" / f"{language}.toml"
    if language == SOURCE_LANGUAGE or not resource.is_file():
        return None
    try:
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{resource}: invalid glossary ({exc}); fix the file") from exc
    return Glossary({str(k): [str(p) for p in v] for k, v in data.get("terms", {}).items()})


def readable(language: str) -> Callable[[Chunk], bool]:
    """Whether a reader of `language` may be shown a chunk: a translation only in their own."""
    return lambda chunk: not chunk.meta.get("translation_of") or chunk.meta.get("language") == language


def for_reader(passages: list[Passage], language: str, limit: int) -> list[Passage]:
    """The first `limit` passages a reader of `language` should see: translations only in their
    own language, and in place of the original they translate.

    Applied after retrieval, which is asked for more than `limit`: a filter inside retrieval
    would change the candidates (Chroma searches a filtered collection differently), and with
    it the answers to English questions, which must stay as they were."""
    translated = {p.chunk.meta.get("translation_of") for p in passages
                  if p.chunk.meta.get("translation_of") and p.chunk.meta.get("language") == language}
    return [p for p in passages
            if (not p.chunk.meta.get("translation_of") or p.chunk.meta.get("language") == language)
            and p.chunk.doc_id not in translated][:limit]
