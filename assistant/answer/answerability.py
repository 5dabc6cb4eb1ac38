"""Does the chosen evidence actually answer the question, or only sit near its topic?

Similarity alone cannot tell "how many people are in the Plymouth jail right now?" from
questions the sources do answer: both land on the same passages. These checks look at
what kind of answer the question asks for and whether the chosen sentences contain one.
Each returns a reason key (a message in prompts/messages.toml) or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from assistant.answer.support import claim_numbers
from assistant.retrieve.rewrite import content_words

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
# Places outside Massachusetts people ask about; the sources cover Massachusetts only.
_ELSEWHERE = re.compile(r"\b(alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|"
                        r"georgia|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|"
                        r"michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|"
                        r"new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|"
                        r"pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|"
                        r"virginia|washington state|west virginia|wisconsin|wyoming|houston|dallas|austin|"
                        r"los angeles|san francisco|san diego|chicago|miami|atlanta|phoenix|seattle|denver|"
                        r"philadelphia|detroit|las vegas|portland|new orleans|nyc)\b", re.I)

# Applying for immigration status is a case for an immigration lawyer; the sources cover how
# police, sheriffs and courts share information with ICE and people's rights in encounters.
_STATUS = re.compile(r"\b(green ?cards?|visas?|citizenship|naturali[sz]\w*|asylum|daca|tps|work permits?|"
                     r"permanent residen\w*|residency)\b", re.I)
_OBTAIN = re.compile(r"\b(get|gets|getting|apply|applying|application|sponsor\w*|petition\w*|qualify|eligib\w*|"
                     r"file|filing|renew\w*|deadline)\b", re.I)
# A name in the question: a capitalised word inside it ("Worcester"), not its first word.
_QUESTION_NAME = re.compile(r"(?<=\S )[A-Z][a-z]{2,}\b")
_SCOPE_NAMES = {"massachusetts"}  # the whole corpus is about it; answers need not repeat it
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


def unanswered_reason(question: str, sentences: list[str], passages: list[str],
                      vocabulary: Vocabulary) -> str | None:
    """Why the chosen sentences do not answer `question`, or None if they may.

    Adding sentences can only turn a reason into None, never the other way (each check wants
    one sentence with the detail, or asks about the question alone): generated answers rely on
    it to stream text once it passes (llm.HoldBack)."""
    evidence = " ".join(sentences)
    if _STATUS.search(question) and _OBTAIN.search(question) and \
            not any(_STATUS.search(s) and _OBTAIN.search(s) for s in sentences):
        return "abstain_immigration_case"
    if _LIVE.search(question) and _LIVE_RESULT.search(question):
        return "abstain_live"
    place = _ELSEWHERE.search(question)
    if place and place.group(0).lower() not in evidence.lower():
        return "abstain_elsewhere"
    tests = wanted_details(question)
    if tests:
        # A place to report something need not repeat what happened ("my mom was shoved").
        focus = None if _ASKS_CONTACT.search(question) else focus_term(question, passages, vocabulary)
        # "How many detainers did Worcester police get?" is not answered by a statewide count.
        names = {n.lower() for n in _QUESTION_NAME.findall(question)} - _SCOPE_NAMES
        if not any(all(test(s) for test in tests) and (focus is None or focus in vocabulary.terms(s))
                   and all(n in s.lower() for n in names) for s in sentences):
            return "abstain_missing_detail"
    return None
