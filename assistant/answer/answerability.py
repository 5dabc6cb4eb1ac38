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
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Protocol

from assistant.index.reader import Coverage
from assistant.retrieve.rewrite import content_words
from assistant.text import normalize
from assistant.verify.facts import claim_initials, claim_numbers, stands_for

# A name in the question: a capitalised word inside it ("Worcester"), not its first word (and
# initials anywhere: verify.facts.claim_initials).
_QUESTION_NAME = re.compile(r"(?<=\S )[A-Z][a-z]{2,}\b")
_LETTERS = re.compile(r"[^\W\d_]+")
# Text before a word that opens a sentence, where a capital says nothing about a name.
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;\n])[\s\"'“‘(\[*-]*$")
_MIN_NAME_LETTERS = 3  # "US", "MS" and "Qu" (of "¿Qué") are too short to tell a name by
_DERIVED_STEM = 4  # "Brazil|ian": a derived word's name has 4 letters or more
_PLACES_SHOWN = 8  # the scope message lists at most this many jurisdictions


@dataclass(frozen=True)
class AnswerType:
    """A kind of answer a question can ask for (answer_types.toml): a phone number, a count..."""

    name: str
    asks: tuple[re.Pattern[str], ...]  # any matching the question: it asks for this type
    gives: re.Pattern[str] | None  # a sentence matching it gives this type
    gives_new: bool  # and only with a match the question does not hold ("LEA" for "who pays ICE?")
    given_names: bool  # and only where the match's `given` group, if any, is a known given name
    gives_any: tuple[str, ...]  # or: a sentence giving any of these types
    new_number: bool  # or: a sentence holding a number the question does not
    needs_focus: bool  # the sentence must also mention what the question is about

    def asked_by(self, question: str) -> bool:
        return any(p.search(question) for p in self.asks)


@cache
def question_data() -> dict[str, Any]:
    """answer_types.toml, read once: answer types, action questions, compound joins, declines."""
    return tomllib.loads((files("assistant.answer") / "answer_types.toml").read_text(encoding="utf-8"))


@cache
def _patterns(found: tuple[str, ...], flags: int = re.I) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, flags) for p in found)


@cache
def answer_types() -> dict[str, AnswerType]:
    """The types of answer_types.toml, checked once: each gives something, by names that exist."""
    rows = question_data()["types"]
    found = {name: AnswerType(name, _patterns(tuple(row["asks"])),
                              re.compile(row["gives"]) if "gives" in row else None, bool(row.get("gives_new", False)),
                              bool(row.get("given_names", False)),
                              tuple(row.get("gives_any", ())), bool(row.get("new_number", False)),
                              bool(row.get("needs_focus", True)))
             for name, row in rows.items()}
    for answer_type in found.values():
        unknown = [n for n in answer_type.gives_any if n not in found]
        if unknown or not (answer_type.gives or answer_type.gives_any or answer_type.new_number):
            raise ValueError(f"answer_types.toml [types.{answer_type.name}]: give `gives`, `new_number` or "
                             f"`gives_any` naming known types (unknown: {', '.join(unknown) or 'none'})")
    return found


def _gives(answer_type: AnswerType, question: str) -> Callable[[str], bool]:
    if answer_type.new_number:
        asked = set(claim_numbers(question))
        return lambda text: any(n not in asked for n in claim_numbers(text))
    if answer_type.gives_any:
        tests = [_gives(answer_types()[name], question) for name in answer_type.gives_any]
        return lambda text: any(test(text) for test in tests)
    pattern = answer_type.gives
    if pattern is None:
        return lambda text: False

    def counts(match: re.Match[str]) -> bool:
        given = match.groupdict().get("given")
        return (not answer_type.gives_new or match.group(0) not in question) and \
            (not answer_type.given_names or given is None or given.upper() in given_names())

    return lambda text: any(counts(m) for m in pattern.finditer(text))


@cache
def given_names() -> frozenset[str]:
    """The US census's given names (1990, the `names` package's lists), in capitals."""
    lists = files("names")
    return frozenset(line.split()[0] for name in ("dist.male.first", "dist.female.first")
                     for line in (lists / name).read_text(encoding="utf-8").splitlines() if line.strip())


def main_clause(question: str) -> str:
    """The question without a leading clause that sets its scene: "When officers work in the
    field, does the agreement require...?" asks whether, not when (the `leading` patterns of
    answer_types.toml's [clauses] table)."""
    for pattern in _patterns(tuple(question_data()["clauses"]["leading"])):
        match = pattern.match(question)
        if match:
            return question[match.end():]
    return question


def asked_types(question: str) -> list[AnswerType]:
    question = main_clause(question)
    return [t for t in answer_types().values() if t.asked_by(question)]


def asks_for_actions(question: str) -> bool:
    return any(p.search(question) for p in _patterns(tuple(question_data()["actions"]["asks"])))


def wanted_details(question: str) -> list[Callable[[str], bool]]:
    """Tests a sentence must pass to hold the detail the question asks for (a phone number,
    a count, a date...). Used to prefer such sentences and to abstain when none has one."""
    return [_gives(t, question) for t in asked_types(question)]


def declined_by_policy(question: str, sentences: list[str]) -> str | None:
    """The message key of a policy decline (answer_types.toml [declines]) that applies, or None."""
    for message, row in question_data()["declines"].items():
        if all(p.search(question) for p in _patterns(tuple(row["question"]))):
            sentence = _patterns(tuple(row.get("sentence", ())))
            if not sentence or not any(all(p.search(s) for p in sentence) for s in sentences):
                return message
    return None


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
def _places_table() -> dict[str, dict[str, list[str]]]:
    return tomllib.loads((files("assistant.answer") / "places.toml").read_text(encoding="utf-8"))


@cache
def _place_words() -> dict[str, frozenset[str]]:
    return {language: frozenset(normalize(w) for w in words)
            for language, words in _places_table()["introducers"].items()}


def _derived(word: str, names: frozenset[str]) -> bool:
    """Whether `word` is one of these names (`Coverage.capitalised`) with an ending that makes a
    word from a name (places.toml): "Brazilian" is covered by documents that name "Brazil";
    "Maine" is not by "main", which they write in lower case, nor "Johnson" by "John"."""
    return any(word.endswith(ending) and word[:-len(ending)] in names
               for ending in _places_table()["derived"]["endings"] if len(word) - len(ending) >= _DERIVED_STEM)


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

    - a name no document mentions: a capitalised word inside a sentence ("Houston"), unless it
      is made from one they name ("Brazilian": see _derived);
    - a place the question is asked about, after a word that introduces one ("in worcester", see
      places.toml), that the documents mention as a name (capitalised) but none is about (no
      `jurisdiction` holds it), when the chosen sentences do not name it either. Typed in lower
      case, the documents' capitals tell it is a name.
    """
    place_words = _place_words()
    calendar = answer_types()["calendar"].gives
    introducers = place_words.get("en", frozenset()) | place_words.get(language, frozenset())
    jurisdiction_words = {normalize(w) for name in coverage.jurisdictions for w in _LETTERS.findall(name)}
    evidence = {normalize(w) for w in _LETTERS.findall(" ".join(sentences))}
    tokens = list(_LETTERS.finditer(question))
    for index, token in enumerate(tokens):
        word = normalize(token.group(0))
        # "in October 2009" names a time, not a place: a month (in English, as the calendar type
        # reads it) is never taken for a name or place outside the documents' scope.
        if len(word) < _MIN_NAME_LETTERS or (calendar and calendar.fullmatch(token.group(0).capitalize())):
            continue
        introduced = index > 0 and normalize(tokens[index - 1].group(0)) in introducers
        if word not in coverage.words and not _derived(word, coverage.capitalised) and _named(question, token):
            return _name_at(tokens, index, question)
        if introduced and word in coverage.capitalised and word not in jurisdiction_words | evidence:
            return _name_at(tokens, index, question)
    return None


def scope_places(coverage: Coverage) -> str:
    """The jurisdictions the documents cover, most documents first, for the scope message."""
    return ", ".join(list(coverage.jurisdictions)[:_PLACES_SHOWN])


def read_under(sentences: list[str], headings: list[str] | None) -> list[str]:
    """Each sentence as read under its heading (None: no headings), for what it is about."""
    if headings is None:
        return list(sentences)
    return [f"{h} {s}".strip() for s, h in zip(sentences, headings, strict=True)]


# The named rules of unanswered_reason, each switchable (answer.rules) for the ablation table.
RULES = ("declines", "scope", "detail", "focus")


def parse_rules(text: str) -> frozenset[str]:
    """`answer.rules` ("declines,scope,detail,focus"; empty: none) as a set; a typo is named."""
    from assistant.errors import UserError

    rules = frozenset(r.strip() for r in text.split(",") if r.strip())
    unknown = sorted(rules - set(RULES))
    if unknown:
        raise UserError(f"answer.rules: unknown rule {', '.join(unknown)}; choose from {', '.join(RULES)}")
    return rules


def unanswered_reason(question: str, sentences: list[str], passages: list[str], vocabulary: Vocabulary,
                      coverage: Coverage | None = None, language: str = "en",
                      rules: frozenset[str] = frozenset(RULES), headings: list[str] | None = None,
                      focus_words: str | None = None, scope_words: str | None = None) -> str | None:
    """Why the chosen sentences do not answer `question`, or None if they may. Without the
    index's `coverage`, the scope of the knowledge base is not checked. The rules, by name:
    `declines` (answer_types.toml's policy declines), `scope` (a name no document covers),
    `detail` (one sentence must give the answer type asked for) and `focus` (that sentence
    must also name the question's rarest word and its names).

    `headings[i]` is where sentences[i] stands (Chunk.context: its document's title, section and
    subject, the names the document's opening gives).
    A sentence is read under it for what the question is about, as a person reads a citation:
    "ICE will provide the LEA a 90-day notice" under "287(g) MOA TF - Troy PD XVIII. EFFECTIVE
    DATE, SUSPENSION, AND TERMINATION OF THIS MOA" is about Troy's agreement. The asked-for detail
    itself must be in the sentence.

    `focus_words`: what the focus rule picks the question's rarest word from, when not the
    question itself. A question in another language gives its English terms, so an article such
    as "os" is never taken for what it is about. `scope_words`: what the scope rule reads names
    and places from, when not the question itself; a question in another language gives the
    words its glossary does not translate, so "Senado" or "na Assembleia" is no name or place
    the documents lack (the glossary's terms are the documents' own words).

    Adding sentences can only turn a reason into None, never the other way (each check wants
    one sentence with the detail, or asks about the question alone): generated answers rely on
    it to stream text once it passes (llm.HoldBack)."""
    declined = declined_by_policy(question, sentences) if "declines" in rules else None
    if declined:
        return declined
    if "scope" in rules and coverage is not None and \
            outside_scope(scope_words or question, read_under(sentences, headings), coverage, language):
        return "abstain_elsewhere"
    answers = answering(question, sentences, passages, vocabulary, coverage, rules, headings, focus_words)
    if answers is not None and not any(answers):
        return "abstain_missing_detail"
    return None


def answering(question: str, sentences: list[str], passages: list[str], vocabulary: Vocabulary,
              coverage: Coverage | None = None, rules: frozenset[str] = frozenset(RULES),
              headings: list[str] | None = None, focus_words: str | None = None) -> list[bool] | None:
    """Which sentences give what the question asks for (the `detail` rule: its answer type; the
    `focus` rule: under its heading, its rarest word and its names), or None when the question
    asks for no type and any sentence may answer. Arguments as for unanswered_reason."""
    asked = asked_types(question) if "detail" in rules else []
    if not asked:
        return None
    tests = [_gives(t, question) for t in asked]
    focused = "focus" in rules and all(t.needs_focus for t in asked)
    focus = focus_term(_about(focus_words or question, asked), passages, vocabulary) if focused else None
    # "How many detainers did Worcester police get?" is not answered by a statewide count.
    names = {n.lower() for n in [*_QUESTION_NAME.findall(question), *claim_initials(question)]} - \
        _everywhere(coverage) if "focus" in rules else set()
    initials = set(claim_initials(question, shortest=2))

    def abbreviated(word: str, text: str) -> bool:
        """The question wrote `word` in capitals ("NH") and `text` has the name it abbreviates."""
        return word.upper() in initials and stands_for(word.upper(), text, given_names())

    return [all(test(s) for test in tests)
            and (focus is None or focus in vocabulary.terms(r) or abbreviated(focus, r))
            and all(n in r.lower() or abbreviated(n, r) for n in names)
            for s, r in zip(sentences, read_under(sentences, headings), strict=True)]


def _about(question: str, asked: list[AnswerType]) -> str:
    """The question without the words that ask for its answer type ("website", "phone number",
    "which sheriff"): what is asked for is not what the question is about, and an answer need not
    name it ("lucemass.org" answers "what is the website..."). A leading clause is kept: the
    patterns read the main clause, as asked_types does ("If I am arrested, how soon...")."""
    main = main_clause(question)
    lead = question[:len(question) - len(main)]
    for answer_type in asked:
        for pattern in answer_type.asks:
            main = pattern.sub(" ", main)
    return lead + main


def _everywhere(coverage: Coverage | None) -> set[str]:
    """Jurisdictions at least half the documents are about ("Massachusetts"): the knowledge
    base's own scope, which an answer need not repeat."""
    if coverage is None:
        return set()
    return {normalize(name) for name, count in coverage.jurisdictions.items() if 2 * count >= coverage.documents}
