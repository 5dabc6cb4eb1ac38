"""Does the chosen evidence actually answer the question, or only sit near its topic?

Similarity alone cannot tell "how many people are in the Plymouth jail right now?" from
questions the sources do answer: both land on the same passages. These checks look at
what kind of answer the question asks for and whether the chosen sentences contain one.
Each returns a reason key (a message in prompts/messages.toml) or None.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Protocol

from assistant.index.reader import Coverage
from assistant.retrieve.rewrite import content_words
from assistant.text import normalize
from assistant.verify.facts import claim_numbers

_ASKS_PHONE = re.compile(r"\b(phone|number (i|we|to) (can )?call|hotline number|call (at|on))\b", re.I)
_PHONE = re.compile(r"\(?\b\d{3}\)?[-.\s]\d{3}[-.\s]\d{4}\b")
_ASKS_WEBSITE = re.compile(r"\b(website|web site|web page|url|link to|site for)\b", re.I)
_WEBSITE = re.compile(r"https?://|\b[\w-]+\.(org|gov|com|net|edu)\b", re.I)
# "Where do I report that?" asks for somewhere to go: a phone number or a web address.
_ASKS_CONTACT = re.compile(r"\bwhere (do|can|should|would) (i|we|you|someone|people) (report|complain|file)\b|"
                           r"\bwho (do|can|should) (i|we) (call|contact|report to)\b", re.I)
_ASKS_COUNT = re.compile(r"\bhow (many|much)\b|\bnumber of\b|\bwhat (percent|percentage|share)\b", re.I)
_ASKS_DATE = re.compile(r"^\s*(when|since when|what (year|date|day|month))\b", re.I)
_DATE = re.compile(r"\b(1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|"
                   r"October|November|December)\b")
_ASKS_PERSON = re.compile(r"^\s*(who|which (person|official|judge|sheriff|lawmakers?|legislators?))\b", re.I)
_PERSON = re.compile(r"\b[A-Z][a-z]+(?: [A-Z]\.)? [A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
_LIVE = re.compile(r"\b(right now|today|tonight|currently|at the moment|this (week|month)|last night)\b", re.I)
_LIVE_RESULT = re.compile(r"\bhow many\b|\bwho won\b|\bscore\b|\bnumber of\b", re.I)
# Applying for immigration status is a case for an immigration lawyer; the sources cover how
# police, sheriffs and courts share information with ICE and people's rights in encounters.
_STATUS = re.compile(r"\b(green ?cards?|visas?|citizenship|naturali[sz]\w*|asylum|daca|tps|work permits?|"
                     r"permanent residen\w*|residency)\b", re.I)
_OBTAIN = re.compile(r"\b(get|gets|getting|apply|applying|application|sponsor\w*|petition\w*|qualify|eligib\w*|"
                     r"file|filing|renew\w*|deadline)\b", re.I)
# A name in the question: a capitalised word inside it ("Worcester"), not its first word.
_QUESTION_NAME = re.compile(r"(?<=\S )[A-Z][a-z]{2,}\b")
_LETTERS = re.compile(r"[^\W\d_]+")
# Text before a word that opens a sentence, where a capital says nothing about a name.
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;\n])[\s\"'“‘(\[*-]*$")
_MIN_NAME_LETTERS = 3  # "US", "MS" and "Qu" (of "¿Qué") are too short to tell a name by
_PLACES_SHOWN = 8  # the scope message lists at most this many jurisdictions
# "What should I do?": the know-your-rights cards answer with their action lists.
_ASKS_ACTION = re.compile(r"\bwhat (should|do|can|must|could) (i|we|my \w+|they|he|she) do\b|\bwhat to do\b|"
                          r"\bwhat are my (rights|options)\b|\bhow (do|can|should) (i|we) (protect|prepare)\b", re.I)


def _has_new_number(question: str) -> Callable[[str], bool]:
    asked = set(claim_numbers(question))
    return lambda text: any(n not in asked for n in claim_numbers(text))


def asks_for_actions(question: str) -> bool:
    return bool(_ASKS_ACTION.search(question))


def wanted_details(question: str) -> list[Callable[[str], bool]]:
    """Tests a sentence must pass to hold the detail the question asks for (a phone number,
    a count, a date...). Used to prefer such sentences and to abstain when none has one."""
    tests: list[Callable[[str], bool]] = []
    if _ASKS_PHONE.search(question):
        tests.append(lambda text: bool(_PHONE.search(text)))
    if _ASKS_WEBSITE.search(question):
        tests.append(lambda text: bool(_WEBSITE.search(text)))
    if _ASKS_CONTACT.search(question):
        tests.append(lambda text: bool(_PHONE.search(text) or _WEBSITE.search(text)))
    if _ASKS_COUNT.search(question):
        tests.append(_has_new_number(question))
    if _ASKS_DATE.search(question):
        tests.append(lambda text: bool(_DATE.search(text)))
    if _ASKS_PERSON.search(question):
        tests.append(lambda text: bool(_PERSON.search(text)))
    return tests


class Vocabulary(Protocol):
    def terms(self, text: str) -> set[str]: ...
    def idf(self, term: str) -> float: ...


def focus_term(question: str, passages: list[str], vocabulary: Vocabulary) -> str | None:
    """The question's rarest content word found in the retrieved passages ("flock" in "how much did
    departments spend on Flock readers"): a sentence giving the asked-for detail must mention it.
    Between equally rare words, the one in the higher-ranked passage: it is what the search
    found the question to be about."""
    asked = vocabulary.terms(" ".join(content_words(question)))
    first_rank: dict[str, int] = {}
    for rank, text in enumerate(passages):
        for term in asked & vocabulary.terms(text):
            first_rank.setdefault(term, rank)
    return max(first_rank, key=lambda term: (vocabulary.idf(term), -first_rank[term], term), default=None)


@cache
def _place_words() -> dict[str, frozenset[str]]:
    table = tomllib.loads((files("assistant.answer") / "places.toml").read_text(encoding="utf-8"))
    return {language: frozenset(normalize(w) for w in words) for language, words in table.items()}


def _named(question: str, token: re.Match[str]) -> bool:
    """Capitalised where a capital marks a name: not as the first word of a sentence."""
    return token.group(0)[0].isupper() and not _SENTENCE_START.search(question[:token.start()])


def _name_at(tokens: list[re.Match[str]], index: int, question: str) -> str:
    """The whole name around tokens[index], as the question writes it: "New Hampshire" for
    "Hampshire", joining the capitalised words beside it that only a space separates."""
    def joined(left: int, right: int) -> bool:
        return question[tokens[left].end():tokens[right].start()] == " " and \
            _named(question, tokens[left]) and _named(question, tokens[right])

    first = last = index
    while first > 0 and joined(first - 1, first):
        first -= 1
    while last + 1 < len(tokens) and joined(last, last + 1):
        last += 1
    return question[tokens[first].start():tokens[last].end()]


def outside_scope(question: str, sentences: list[str], coverage: Coverage, language: str = "en") -> str | None:
    """What the question asks about that the knowledge base does not cover, as the question
    writes it ("Houston", "worcester"), or None. Read from the indexed documents, never a list of
    places, so a user's documents about Maine bring Maine into scope:

    - a name no document mentions: a capitalised word inside a sentence ("Houston");
    - a place the question is asked about, after a word that introduces one ("in worcester", see
      places.toml), that the documents mention as a name (capitalised) but none is about (no
      `jurisdiction` holds it), when the chosen sentences do not name it either. Typed in lower
      case, the documents' capitals tell it is a name.
    """
    place_words = _place_words()
    introducers = place_words.get("en", frozenset()) | place_words.get(language, frozenset())
    jurisdiction_words = {normalize(w) for name in coverage.jurisdictions for w in _LETTERS.findall(name)}
    evidence = {normalize(w) for w in _LETTERS.findall(" ".join(sentences))}
    tokens = list(_LETTERS.finditer(question))
    for index, token in enumerate(tokens):
        word = normalize(token.group(0))
        if len(word) < _MIN_NAME_LETTERS:
            continue
        introduced = index > 0 and normalize(tokens[index - 1].group(0)) in introducers
        if word not in coverage.words and _named(question, token):
            return _name_at(tokens, index, question)
        if introduced and word in coverage.capitalised and word not in jurisdiction_words | evidence:
            return _name_at(tokens, index, question)
    return None


def scope_places(coverage: Coverage) -> str:
    """The jurisdictions the documents cover, most documents first, for the scope message."""
    return ", ".join(list(coverage.jurisdictions)[:_PLACES_SHOWN])


def unanswered_reason(question: str, sentences: list[str], passages: list[str], vocabulary: Vocabulary,
                      coverage: Coverage | None = None, language: str = "en") -> str | None:
    """Why the chosen sentences do not answer `question`, or None if they may. Without the
    index's `coverage`, the scope of the knowledge base is not checked.

    Adding sentences can only turn a reason into None, never the other way (each check wants
    one sentence with the detail, or asks about the question alone): generated answers rely on
    it to stream text once it passes (llm.HoldBack)."""
    if _STATUS.search(question) and _OBTAIN.search(question) and \
            not any(_STATUS.search(s) and _OBTAIN.search(s) for s in sentences):
        return "abstain_immigration_case"
    if _LIVE.search(question) and _LIVE_RESULT.search(question):
        return "abstain_live"
    if coverage is not None and outside_scope(question, sentences, coverage, language):
        return "abstain_elsewhere"
    tests = wanted_details(question)
    if tests:
        # A place to report something need not repeat what happened ("my mom was shoved").
        focus = None if _ASKS_CONTACT.search(question) else focus_term(question, passages, vocabulary)
        # "How many detainers did Worcester police get?" is not answered by a statewide count.
        names = {n.lower() for n in _QUESTION_NAME.findall(question)} - _everywhere(coverage)
        if not any(all(test(s) for test in tests) and (focus is None or focus in vocabulary.terms(s))
                   and all(n in s.lower() for n in names) for s in sentences):
            return "abstain_missing_detail"
    return None


def _everywhere(coverage: Coverage | None) -> set[str]:
    """Jurisdictions at least half the documents are about ("Massachusetts"): the knowledge
    base's own scope, which an answer need not repeat."""
    if coverage is None:
        return set()
    return {normalize(name) for name, count in coverage.jurisdictions.items() if 2 * count >= coverage.documents}
