"""The knowledge base's scope comes from the indexed documents: a question about a place they do
not cover is declined with a message saying what they do cover, and a user's own documents
about another place bring it into scope."""

from __future__ import annotations

import json

import pytest

from assistant.answer.answerability import outside_scope, scope_places
from assistant.assistant import Assistant
from assistant.index.reader import Coverage, IndexReader
from assistant.retrieve.language import Glossary
from assistant.settings import Settings
from assistant.types import Chunk
from tests.conftest import ROOT, copy_index


def _chunk(doc_id: str, text: str, jurisdiction: str) -> Chunk:
    return Chunk(chunk_id=f"{doc_id}:0", doc_id=doc_id, text=text, start=0, end=len(text), section="",
                 page=None, meta={"title": doc_id, "jurisdiction": jurisdiction})


COVERAGE = Coverage.of([
    _chunk("statewide", "Massachusetts police may not hold people for ICE. The Worcester jail is full.",
           "Massachusetts"),
    _chunk("everett", "Everett police booked a teenager. In Everett, the police chief spoke.", "Everett"),
])


def test_a_place_no_document_mentions_is_outside_scope():
    assert outside_scope("Does the Houston police department hand people to ICE?", [], COVERAGE) == "Houston"
    assert outside_scope("Do police in New Hampshire hold people?", [], COVERAGE) == "New Hampshire"


def test_places_and_words_the_documents_mention_are_inside_scope():
    assert outside_scope("Did Everett police call ICE?", [], COVERAGE) is None
    assert outside_scope("Does Massachusetts let police hold people for ICE?", [], COVERAGE) is None
    # A sentence's first word is capitalised for grammar, not because it names anything.
    assert outside_scope("Tell me whether police hold people", [], COVERAGE) is None


def test_a_word_made_from_a_name_the_documents_mention_is_inside_scope():
    coverage = Coverage.of([_chunk("family", "The family is from Brazil and lives in Everett.", "Everett")])
    assert outside_scope("Should I carry my Brazilian passport?", [], coverage) is None
    # A name they do not mention stays outside, with or without an ending.
    assert outside_scope("Should I carry my Peruvian passport?", [], coverage) == "Peruvian"
    assert outside_scope("Do the Houstonians hand people to ICE?", [], COVERAGE) == "Houstonians"
    # Only endings that make a word from a name: "Johnson" is not made from "John".
    john = Coverage.of([_chunk("john", "John Smith spoke for the family.", "Massachusetts")])
    assert outside_scope("What did the Johnson family say?", [], john) == "Johnson"
    # The word it would be made from must be a name there, not any word ("Maine" is not "main").
    lower = Coverage.of([_chunk("main", "The main jail is full.", "Massachusetts")])
    assert outside_scope("Do police in Maine hold people?", [], lower) == "Maine"


def test_a_place_mentioned_but_not_covered_needs_the_evidence_to_name_it():
    question = "how many people are held in worcester"
    assert outside_scope(question, ["Police may not hold people for ICE."], COVERAGE) == "worcester"
    assert outside_scope(question, ["The Worcester jail is full."], COVERAGE) is None
    # A jurisdiction of the documents is covered, whatever the chosen sentences say.
    assert outside_scope("what happened in everett", ["Police may not hold people."], COVERAGE) is None


def test_a_month_after_in_is_a_time_not_a_place():
    coverage = Coverage.of([_chunk("list", "Deaths in October and in May were listed.", "Massachusetts")])
    # The documents write "October" as a name and none is about it, yet "in October 2009" asks when.
    assert outside_scope("who died in October 2009?", ["A detainee died on 10/28/2009."], coverage) is None
    assert outside_scope("who died in may 2019?", ["A detainee died on 5/1/2019."], coverage) is None
    # The same words that are not months stay what they were: a place the documents don't cover.
    assert outside_scope("who died in Worcester?", ["A detainee died."], COVERAGE) == "Worcester"


def test_a_question_in_another_language_is_read_for_scope_by_the_words_its_glossary_does_not_know():
    glossary = Glossary({"legislature": ["assembleia"], "senate": ["senado"], "police": ["polícia"]})
    coverage = Coverage.of([_chunk("bill", "The Legislature and the Senate passed it in Massachusetts.",
                                   "Massachusetts")])
    # "Senado" (capitalised) and "na Assembleia" (after a word that introduces a place) are
    # Portuguese words for the documents' own terms, not a name or a place they lack.
    question = "Quem votou no Senado e na Assembleia de Massachusetts?"
    assert outside_scope(question, [], coverage) == "Senado"
    assert outside_scope(glossary.untranslated(question), [], coverage, "pt") is None
    assert outside_scope(glossary.untranslated("A polícia de Miami entrega pessoas?"), [], coverage, "pt") == "Miami"


def test_the_scope_message_lists_the_documents_jurisdictions_most_documents_first():
    coverage = Coverage.of([_chunk("a", "One.", "Massachusetts"), _chunk("b", "Two.", "Massachusetts"),
                            _chunk("c", "Three.", "Maine"), _chunk("d", "Four.", "")])
    assert coverage.documents == 4
    assert scope_places(coverage) == "Massachusetts, Maine"


MAINE = """---
title: "Maine police and ICE detainers"
kind: policy
jurisdiction: Maine
as_of: 2026-01-01
language: en
---

# Maine police and ICE detainers

## Detainers in Maine

Police departments in Maine do not hold people in jail for ICE on a detainer alone. A person in a
Maine jail whose case is over is released even if ICE has sent a detainer request. Maine police
do not ask about immigration status during traffic stops.
"""
MAINE_QUESTION = "Do police in Maine hold people in jail for ICE on a detainer?"


def _scope_prefix(assistant: Assistant, language: str = "en") -> str:
    return assistant.messages(language)["abstain_elsewhere"].split("{places}")[0]


@pytest.mark.index
def test_a_question_about_a_place_outside_the_knowledge_base_is_declined_saying_what_it_covers(assistant):
    answer = assistant.ask(MAINE_QUESTION)
    assert answer.abstained
    assert answer.answer.startswith(assistant.messages()["abstain_elsewhere"].format(
        places=scope_places(assistant.reader.snapshot().coverage), asked="Maine"))
    assert "Massachusetts" in answer.answer

    spanish = assistant.ask("¿La policía de Houston entrega gente a ICE?")
    assert spanish.abstained and spanish.answer.startswith(_scope_prefix(assistant, "es"))
    assert "Houston" in spanish.answer
    # A capitalised word of the question's language ("Senado") is no name the documents lack.
    portuguese = assistant.ask("Qual foi o placar da votação do PROTECT Act no Senado de Massachusetts?")
    assert not portuguese.answer.startswith(_scope_prefix(assistant, "pt"))
    assert not portuguese.abstained and "37" in portuguese.answer


@pytest.mark.index
def _with_document(corpus_settings, tmp_path, name: str, text: str) -> tuple[Settings, Assistant]:
    """A copy of the corpus index with the user's document `name` added, and an assistant on it."""
    document = tmp_path / name
    document.write_text(text, encoding="utf-8")
    settings = copy_index(corpus_settings, tmp_path / "with-document", (document,))
    return settings, Assistant.from_settings(settings)


def test_a_users_documents_about_maine_bring_maine_into_scope(corpus_settings, tmp_path):
    settings, widened = _with_document(corpus_settings, tmp_path, "maine-detainers.md", MAINE)

    coverage = IndexReader(settings.data_dir).snapshot().coverage
    assert "Maine" in coverage.jurisdictions
    answer = widened.ask(MAINE_QUESTION)
    assert not answer.answer.startswith(_scope_prefix(widened)), answer.answer
    assert any(c.doc_id == "maine-detainers" for c in answer.citations), answer.answer


@pytest.mark.index
def test_answerable_dev_questions_naming_massachusetts_places_are_not_declined_for_scope(assistant):
    """Every answerable dev question that is not a follow-up, in every language: the towns,
    agencies, laws and people they name ("Everett", "Barnstable County", "Lunn") are in scope."""
    questions = [json.loads(line) for name in ("dev_questions.jsonl", "dev_multilingual.jsonl")
                 for line in (ROOT / "evals" / name).read_text(encoding="utf-8").splitlines()]
    asked = [q["question"] for q in questions if q["answerable"] and not q["history"]]
    assert len(asked) >= 100
    answers = [assistant.ask(question) for question in asked]
    declined = [a.question for a in answers if a.answer.startswith(_scope_prefix(assistant, a.language))]
    assert not declined


# A user's agreement, written for this test (the town is made up): like a real 287(g) agreement,
# only its opening and its signature blocks name the town; its clauses say "the LEA".
AGREEMENT = """# Memorandum of Agreement

This agreement is made between U.S. Immigration and Customs Enforcement (ICE) and the Greyhaven,
New Hampshire Police, called the Law Enforcement Agency (LEA) below.

## Termination of this agreement

If ICE decides to end the agreement, ICE will give the LEA a 90-day notice before the partnership
ends.

## Points of contact

The chief of police for the LEA is Maria Lopes.

Chief of Police, Greyhaven, New Hampshire Police

## Signatures

Signed for the Greyhaven, New Hampshire Police by its chief.
"""


@pytest.mark.index
def test_a_clause_is_read_with_the_names_its_documents_opening_gives(corpus_settings, tmp_path):
    _, assistant = _with_document(corpus_settings, tmp_path, "greyhaven-moa.md", AGREEMENT)

    notice = assistant.ask("How much notice does ICE give the Greyhaven, New Hampshire police before ending "
                           "their agreement?")
    assert not notice.abstained, notice.answer
    assert "90-day notice" in notice.sentences[0].text and notice.citations[0].doc_id == "greyhaven-moa"
    # The sentence that names the person asked for leads, though others share more of the question's words.
    chief = assistant.ask("Who is the Greyhaven, New Hampshire chief of police?")
    assert not chief.abstained, chief.answer
    assert "Maria Lopes" in chief.sentences[0].text, chief.answer
