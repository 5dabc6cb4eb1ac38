"""Exact checks: the numbers, dates and names a claim states must be in its evidence.

These are the only rules kept beside the judge, because they are exact: "9 arrests" is not
supported by a passage that says 7, whatever a model thinks, and a name the passage never
mentions cannot be vouched for by it. Word lists live in words.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from assistant.text import normalize

_NUMBER = re.compile(r"(?<![\w.])(?:\$\s?)?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:%|percent|million|billion))?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)[\"'“‘(\[*]*$")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


@cache
def _words() -> dict[str, frozenset[str]]:
    raw = tomllib.loads((Path(__file__).with_name("words.toml")).read_text(encoding="utf-8"))
    return {key: frozenset(values) for key, values in raw.items()}


@cache
def _name_pattern() -> re.Pattern[str]:
    joiners = "|".join(re.escape(w) for w in sorted(_words()["name_joiners"]))
    return re.compile(rf"\b[A-Z][a-zA-Z'’\-]+(?:\s+(?:[A-Z][a-zA-Z'’\-]+|{joiners})(?=\s+[A-Z]|$|\W))*")


def _number_key(token: str) -> str:
    return re.sub(r"[\s,$]", "", token.lower()).replace("percent", "%")


def claim_numbers(text: str) -> list[str]:
    """Numbers, years, amounts and percentages, as written."""
    return [m.group(0).strip() for m in _NUMBER.finditer(text)]


def claim_names(text: str) -> list[str]:
    """Capitalised names in `text`, without the words capitalised only because they open a
    sentence ("Furthermore", "Sketching", "It's")."""
    words = _words()
    names = []
    for match in _name_pattern().finditer(text):
        parts = match.group(0).split()
        if _SENTENCE_START.search(text[:match.start()]) and _opener(parts[0]):
            parts = parts[1:]
        parts = [w for w in parts if w.lower() not in words["not_names"]]
        while parts and parts[-1].lower() in words["name_joiners"]:
            parts.pop()
        if parts:
            names.append(" ".join(parts))
    return names


def claim_initials(text: str, shortest: int = 3) -> list[str]:
    """Initials of `shortest` to six capitals ("ICE", "BJS", "ACLU"): names, wherever they stand.
    Two capitals ("NH", "MA") are too often something else to count as names by default."""
    return [m for m in _ACRONYM.findall(text) if len(m) >= shortest]


def stands_for(initials: str, text: str, given_names: frozenset[str] = frozenset()) -> bool:
    """`initials` ("NH", "DOC") abbreviate a run of words of a name in `text` ("New Hampshire
    Police", "Department of Correction"), by the capitals alone or by every word's first letter.
    The run begins and ends with a capital ("OC" is not "of Correction"), and two capitals are
    never a person's initials: a run opening with one of `given_names` (upper case) is passed
    over for them ("NH" is not "Nancy Harris")."""
    for name in claim_names(text):
        words = name.split()
        for first in range(len(words)):
            for last in range(first + 2, len(words) + 1):
                run = words[first:last]
                if not (run[0][0].isupper() and run[-1][0].isupper()):
                    continue
                if len(initials) == 2 and run[0].upper() in given_names:
                    continue
                if initials in (_initials(" ".join(run)), "".join(w[0] for w in run).upper()):
                    return True
    return False


def _opener(word: str) -> bool:
    lowered = word.lower()
    words = _words()
    return lowered in words["not_names"] or lowered in words["sentence_openers"] or lowered.endswith(("ly", "ing"))


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


def _name_found(name: str, evidence: str, evidence_norm: str) -> bool:
    """Every word of the name is in the evidence, or the name is the acronym of a name there
    ("ICE" for "Immigration and Customs Enforcement"), or the other way round."""
    parts = [p for p in normalize(name).split() if len(p) > 2]
    if not parts or all(p in evidence_norm for p in parts):
        return True
    if len(name.split()) > 1 and _initials(name) in set(_ACRONYM.findall(evidence)):
        return True
    return name.isupper() and stands_for(name, evidence)


def missing_numbers(claim: str, evidence: str) -> list[str]:
    """The claim's numbers and dates that the evidence does not state."""
    present = {_number_key(n) for n in claim_numbers(evidence)}
    return list(dict.fromkeys(n for n in claim_numbers(claim) if _number_key(n) not in present))


def missing_names(claim: str, evidence: str) -> list[str]:
    """The claim's names that the evidence does not mention."""
    evidence_norm = normalize(evidence)
    return list(dict.fromkeys(n for n in claim_names(claim) if not _name_found(n, evidence, evidence_norm)))


def is_quote(claim: str, evidence: str) -> bool:
    """The claim is one or more whole sentences of the evidence, word for word. Part of a sentence
    is not enough, since "ICE may enter a home" cut from "ICE may enter a home only with a
    judicial warrant" drops the condition, so the quote must start and end where the evidence's
    sentences do."""
    quote = normalize(claim).rstrip(" .;:")
    if len(quote.split()) < 4:
        return False
    pattern = re.compile(r"(?:^|[.;:?!\-]\s)" + re.escape(quote) + r"\s?(?:[.;:?!]|$)")
    # A line break (after a title, between list items) also ends a sentence.
    return any(pattern.search(normalize(part)) for part in [evidence, *evidence.splitlines()])


def quote_in_passage(quote: str, passage: str, start: int, end: int, passage_start: int) -> bool:
    """The quote is exactly the passage text at the stated document offsets."""
    local = start - passage_start
    return local >= 0 and passage[local:local + (end - start)] == quote and end - start == len(quote)
