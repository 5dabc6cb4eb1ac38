"""The JSON API and the UI's behaviour on the real index (real model, real Chroma), in process.

The index is the real corpus plus tests/fixtures/ui/hostile-markup.md, a document whose title,
source link and text carry <script>, <img onerror>, javascript: links and template markers.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.test_ui_render import markup_problems

pytestmark = [pytest.mark.server, pytest.mark.index]

HOSTILE_QUESTION = "What does the Quokkaville zebra crossing ordinance require of drivers?"


@pytest.fixture(scope="module")
def hostile_assistant(hostile_settings):
    from assistant.assistant import Assistant

    return Assistant.from_settings(hostile_settings)


@pytest.fixture(scope="module")
def ui(hostile_assistant):
    from assistant.ui.app import ChatUI

    return ChatUI(hostile_assistant)


@pytest.fixture(scope="module")
def client(hostile_assistant):
    from assistant.ui.app import create_app

    with TestClient(create_app(hostile_assistant)) as test_client:
        yield test_client


def _final(outputs):
    *_, last = outputs
    return last


def test_a_hostile_document_is_cited_and_renders_inert(ui):
    conversation, sources, help_banner, question_box, turns = _final(ui.respond(HOSTILE_QUESTION, [], {}))
    answer = turns[-1].answer
    assert answer is not None and not answer.abstained, answer
    assert any(c.doc_id == "hostile-markup" for c in answer.citations)
    assert any("<" in c.text for c in answer.citations), "the fixture's markup must reach the renderer"
    for html in (conversation, sources, help_banner):
        assert markup_problems(html) == []
    assert "&lt;script&gt;" in sources and 'href="javascript' not in sources.lower()
    assert question_box == ""


def test_follow_ups_are_searched_with_the_earlier_topic(ui):
    first = _final(ui.respond("Can police share my fingerprints with ICE after an arrest?", [], {}))[-1]
    follow_up = _final(ui.respond("what about juveniles?", first, {}))[-1]
    answer = follow_up[-1].answer
    assert len(follow_up) == 2
    assert "fingerprint" in answer.search_query and answer.search_query != answer.question
    # The disclosure shows the query that was actually searched.
    conversation = ui.conversation(follow_up)
    assert "How I searched" in conversation and answer.search_query.split()[-1] in conversation


def test_a_situation_button_answers_from_its_card_and_urgency_brings_help(ui):
    door = next(i for i, s in enumerate(ui.situations) if s.doc_id == "kyr-ice-at-your-door")
    conversation, _, help_banner, _, turns = _final(ui.situation(door, []))
    answer = turns[-1].answer
    assert answer.citations and {c.doc_id for c in answer.citations} == {"kyr-ice-at-your-door"}
    assert answer.urgent and 'role="alert"' in help_banner and "tel:" in help_banner
    assert "data-cite" in conversation


def test_filters_restrict_the_sources(ui):
    turns = _final(ui.ask("What did the SJC decide?", [], [], ["lunn-v-commonwealth"]))[-1]
    assert {c.doc_id for c in turns[-1].answer.citations} == {"lunn-v-commonwealth"}


def test_an_empty_question_changes_nothing_and_clear_empties_everything(ui):
    assert _final(ui.respond("   ", [], {}))[-1] == []
    conversation, sources, help_banner, question_box, turns = ui.clear()
    assert turns == [] and question_box == "" and help_banner == ""
    assert "source-group" not in sources and 'class="turn"' not in conversation


def test_the_check_tab_renders_the_checkers_verdicts(ui):
    from assistant.ui.app import check_payload

    html = ui.check("Lunn v. Commonwealth was decided in 1999 [1].",
                    '[{"n": 1, "text": "The SJC decided Lunn v. Commonwealth on July 24, 2017."}]')
    assert markup_problems(html) == [] and "1999" in html and "badge-" in html
    assert 'role="alert"' in ui.check("Some answer.", "[not json")
    assert check_payload("Plain answer.", "") == "Plain answer."


def test_api_ask_returns_the_answer_json(client):
    response = client.post("/api/ask", json={"question": "Does ICE need a judge's warrant to enter my home?"})
    assert response.status_code == 200
    data = response.json()
    assert data["citations"] and data["sentences"] and not data["abstained"]
    assert all(c["quote"] in c["text"] for c in data["citations"])
    assert {"question", "answer", "notices", "referrals", "urgent", "search_query", "timings_ms"} <= set(data)


def test_api_ask_takes_history_and_filters(client):
    response = client.post("/api/ask", json={
        "question": "what about juveniles?", "history": ["Can police share my fingerprints with ICE?"],
        "filters": {"kind": ["know-your-rights"]}})
    data = response.json()
    assert response.status_code == 200 and "fingerprints" in data["search_query"]
    assert {c["kind"] for c in data["citations"]} <= {"know-your-rights"}


@pytest.mark.parametrize("body, fragment", [
    ({"question": "  "}, "empty"),
    ({"question": "x" * 3000}, "characters long"),
    ({"question": "hi", "filters": {"colour": ["red"]}}, "filters.colour"),
    ({"history": []}, "question"),
])
def test_api_bad_requests_get_one_line_errors(client, body, fragment):
    response = client.post("/api/ask", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert fragment in error and "\n" not in error


def test_api_check_returns_the_report(client):
    response = client.post("/api/check", json={
        "answer": "The SJC decided Lunn v. Commonwealth in 1999 [1].",
        "passages": [{"n": 1, "text": "The SJC decided Lunn v. Commonwealth on July 24, 2017."}]})
    assert response.status_code == 200
    sentence = response.json()["sentences"][0]
    assert sentence["verdict"] != "supported" and "1999" in sentence["missing"]


def test_the_ui_is_served_beside_the_api_and_names_no_outside_host(client):
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    theme = client.get("/theme.css")
    assert theme.status_code == 200
    for text in (page.text, theme.text):
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
    assert client.get("/docs").status_code == 404  # FastAPI's docs page loads from a CDN
