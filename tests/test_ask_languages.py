"""Questions in Spanish, Portuguese and Haitian Creole, over the real indexed corpus: answers and
fixed text in the asker's language, translated cards for their readers only, English sources
quoted exactly under a lead that says so."""

from __future__ import annotations

import json

import pytest

from assistant.prompts import load_messages
from tests.conftest import run_cli

pytestmark = pytest.mark.index


def messages(assistant, language: str) -> dict:
    return load_messages(assistant.settings.answer.prompts_dir, "messages", language)


@pytest.mark.parametrize(("language", "question"), [
    ("es", "ICE está tocando mi puerta. ¿Tengo que abrir?"),
    ("pt", "O ICE está batendo na minha porta. Eu preciso abrir?"),
    ("ht", "ICE ap frape pòt mwen. Èske m oblije louvri?"),
])
def test_a_know_your_rights_question_is_answered_from_the_card_in_its_language(assistant, language, question):
    answer = assistant.ask(question)

    assert answer.language == language and not answer.abstained
    assert any(c.doc_id == f"kyr-ice-at-your-door-{language}" for c in answer.citations)
    for citation in answer.citations:  # every quote is the passage's own words, unchanged
        assert citation.quote in citation.text
    assert answer.notices[-1] == messages(assistant, language)["legal_notice"]
    assert answer.urgent and messages(assistant, language)["urgent"] in answer.notices


def test_english_questions_never_see_translated_cards(assistant):
    answer = assistant.ask("ICE is knocking on my door. Do I have to open it?")
    assert answer.language == "en" and answer.citations
    assert not any(c.language != "en" for c in answer.citations)
    assert answer.lead == ""


def test_an_answer_from_english_sources_says_so_first_and_quotes_them_exactly(assistant):
    # (A broader question also quotes the Spanish arrest card, which mentions Lunn: the next test.)
    answer = assistant.ask("¿Qué decidió el tribunal en el caso Lunn v. Commonwealth en 2017?")

    assert answer.language == "es" and not answer.abstained
    assert {c.doc_id for c in answer.citations} == {"lunn-v-commonwealth"}
    assert answer.lead == messages(assistant, "es")["sources_in_english"]
    for citation in answer.citations:
        assert citation.quote in citation.text


def test_the_lead_says_the_quotes_are_english_only_when_all_are_and_some_when_some_are(assistant):
    answer = assistant.ask("Tem agentes do ICE batendo na minha porta agora. Eu sou obrigado a abrir?")
    languages = {c.language for c in answer.citations}
    assert answer.language == "pt" and not answer.abstained
    expected = {frozenset({"en"}): "sources_in_english", frozenset({"en", "pt"}): "some_sources_in_english"}
    assert answer.lead == (messages(assistant, "pt")[expected[frozenset(languages)]] if "en" in languages else "")


def test_an_off_topic_question_is_declined_in_its_language(assistant):
    answer = assistant.ask("¿Cuál es la mejor receta para hacer pupusas salvadoreñas en casa?")
    assert answer.abstained and answer.language == "es"
    assert answer.answer.startswith(messages(assistant, "es")["abstain"])


def test_referrals_are_described_in_the_askers_language(assistant):
    answer = assistant.ask("ICE está tocando mi puerta ahora mismo. ¿Qué hago?")
    english = {r.name: r.description for r in assistant.ask("ICE is knocking on my door right now").referrals}
    assert answer.referrals
    for referral in answer.referrals:
        assert referral.description != english.get(referral.name)


def test_the_chosen_language_wins_over_the_questions_own(assistant):
    answer = assistant.ask("Does ICE need a judge's warrant to enter my home?", language="pt")
    assert answer.language == "pt" and answer.notices[-1] == messages(assistant, "pt")["legal_notice"]


@pytest.mark.cli
def test_the_cli_answers_in_the_language_asked_for(corpus_settings):
    result = run_cli("ask", "--json", "--language", "ht", "What is an ICE detainer?",
                     env={"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["language"] == "ht"
