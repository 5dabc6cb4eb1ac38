"""Asking the real index: cited answers whose quotes verify, abstention, urgency, filters, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.answerability import answering, asked_types, focus_term, given_names, unanswered_reason
from assistant.errors import UserError
from assistant.ingest.loaders import load_document
from assistant.retrieve.hybrid import HybridRetriever, diversify
from assistant.retrieve.rerank import NoReranker
from assistant.retrieve.rewrite import rewrite_follow_up
from assistant.types import Answer, Chunk, Passage
from assistant.verify.facts import stands_for
from tests.conftest import run_cli

pytestmark = pytest.mark.index

ANSWERABLE = [
    "What did the SJC decide in Lunn v. Commonwealth?",
    "how many ICE arrests happened at Massachusetts courthouses in 2025",
    "Does ICE need a judge's warrant to come into my house?",
    "Which agency holds the only 287(g) agreement in Massachusetts?",
]


def _document_text(path: str) -> str:
    return load_document(Path(path), max_bytes=50_000_000).text


@pytest.mark.parametrize("question", ANSWERABLE)
def test_answers_are_cited_and_every_quote_verifies_against_the_source(assistant, question):
    answer = assistant.ask(question)
    assert not answer.abstained, answer.answer
    assert answer.sentences and all(s.citations for s in answer.sentences)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        text = _document_text(str(assistant.settings.ingest.corpus_dir / f"{citation.doc_id}.md"))
        assert text[citation.start:citation.end] == citation.quote
        assert citation.quote in citation.text
        assert citation.source_url.startswith("http") and citation.title
    for marker in (f"[{c.n}]" for c in answer.citations):
        assert marker in answer.answer
    assert answer.notices and "not legal advice" in answer.notices[-1]


def test_unrelated_question_abstains_and_points_to_help(assistant):
    answer = assistant.ask("What is a good recipe for banana bread?")
    assert answer.abstained and not answer.sentences and not answer.citations
    assert "do not cover" in answer.answer
    assert answer.referrals


def test_urgent_question_puts_urgent_help_first(assistant):
    answer = assistant.ask("ICE agents are at my door right now, what do I do?")
    assert answer.urgent and answer.referrals[0].urgent
    assert answer.referrals[0].phone
    assert not answer.abstained


def test_applying_for_immigration_status_is_referred_to_a_lawyer(assistant):
    # The sources mention green card holders, but not how to become one.
    answer = assistant.ask("can my US citizen daughter sponsor me for a green card")
    assert answer.abstained and not answer.citations
    assert "applying for immigration status" in answer.answer
    assert answer.referrals


def test_a_count_for_a_named_place_needs_a_sentence_about_that_place(assistant):
    # Statewide counts sit close to this question; none of them is about Worcester.
    answer = assistant.ask("How many ICE detainers did Worcester police receive in 2025?")
    assert answer.abstained and "do not give the detail" in answer.answer
    assert not assistant.ask("how many ICE arrests happened at Massachusetts courthouses in 2025").abstained


def test_what_should_i_do_is_answered_with_know_your_rights_actions(assistant):
    # Without the preference, this question drew statutes and advocacy history, not steps to take.
    answer = assistant.ask("my kid was fingerprinted, what should I do")
    assert not answer.abstained and answer.citations
    assert {c.kind for c in answer.citations} == {"know-your-rights"}
    assert "kyr-your-child-was-arrested" in {c.doc_id for c in answer.citations}


def test_kind_filter_limits_citations(assistant):
    answer = assistant.ask("What should I do if I am arrested?", filters={"kind": ["know-your-rights"]})
    assert answer.citations and {c.kind for c in answer.citations} == {"know-your-rights"}


def test_follow_up_is_rewritten_with_the_previous_topic(assistant):
    answer = assistant.ask("what about for kids?", history=["Are fingerprints taken at booking sent to ICE?"])
    assert "fingerprints" in answer.search_query
    assert not answer.abstained


def test_answer_round_trips_through_json(assistant):
    answer = assistant.ask(ANSWERABLE[0])
    assert Answer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


def test_diversify_caps_passages_per_document():
    def passage(doc: str, n: int) -> Passage:
        return Passage(Chunk(f"{doc}#{n}", doc, "t", 0, 1, "", None, {}), score=1.0 / (n + 1))

    ranked = [passage("a", 0), passage("a", 1), passage("a", 2), passage("b", 0), passage("a", 3), passage("c", 0)]
    kept = diversify(ranked, per_doc_limit=2, top_k=4)
    assert [p.chunk.chunk_id for p in kept] == ["a#0", "a#1", "b#0", "c#0"]


def test_a_passage_far_better_than_the_rest_is_not_held_back_by_the_per_document_limit():
    def passage(doc: str, n: int, score: float) -> Passage:
        return Passage(Chunk(f"{doc}#{n}", doc, "t", 0, 1, "", None, {}), score=score)

    ranked = [passage("a", 0, 1.0), passage("a", 1, 0.98), passage("a", 2, 0.95), passage("b", 0, 0.9),
              passage("c", 0, 0.5)]
    # a#2 waits behind b#0, which is close to it, but not behind c#0, which is far below it.
    assert [p.chunk.chunk_id for p in diversify(ranked, 2, 5, yield_ratio=0.8)] == ["a#0", "a#1", "b#0", "a#2", "c#0"]
    assert [p.chunk.chunk_id for p in diversify(ranked, 2, 5, yield_ratio=0.0)] == ["a#0", "a#1", "b#0", "c#0", "a#2"]
    # Scores at or below 0 (cosines can be) say nothing about closeness: such a passage waits.
    below = [passage("a", 0, 0.2), passage("a", 1, -0.1), passage("b", 0, -0.3)]
    assert [p.chunk.chunk_id for p in diversify(below, 1, 3, yield_ratio=0.8)] == ["a#0", "b#0", "a#1"]
    with pytest.raises(UserError, match=r"diversity_yield=1\.5"):
        HybridRetriever(None, NoReranker(), diversity_yield=1.5)


def test_rewrite_keeps_the_earlier_topic_and_its_names():
    boston = ["does Boston have a law that limits police working with ICE?"]
    assert rewrite_follow_up("what about newton?", boston).startswith("what about newton?")
    assert "boston" in rewrite_follow_up("what about newton?", boston)
    lunn = ["what did the SJC decide in Lunn v. Commonwealth?"]
    assert "lunn" in rewrite_follow_up("and what did it leave out?", lunn)


def test_who_is_asking_is_not_searched_for():
    assert rewrite_follow_up("legislative aide here - what would chapter 221D do", []) == "what would chapter 221D do"
    assert rewrite_follow_up("I'm a reporter. How many arrests?", []) == "How many arrests?"
    # Words that are the question itself stay.
    assert rewrite_follow_up("ICE is here - what do I do", []) == "ICE is here - what do I do"
    assert rewrite_follow_up("Are reporters allowed to film ICE?", []) == "Are reporters allowed to film ICE?"


class _Vocabulary:
    """Whitespace terms and a fixed IDF: enough to test the focus rule by itself."""

    def __init__(self, idf: dict[str, float]) -> None:
        self._idf = idf

    def terms(self, text: str) -> set[str]:
        return {w.strip(".,?").lower() for w in text.split()}

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)


def test_focus_is_the_rarest_asked_word_and_ties_go_to_the_better_ranked_passage():
    vocabulary = _Vocabulary({"fy2026": 4.5, "aside": 4.5, "budget": 3.0})
    question = "how much did the FY2026 budget set aside for lawyers"
    passages = ["The FY2026 budget included $5M for lawyers.", "526 beds were set aside for detainees."]
    assert focus_term(question, passages, vocabulary) == "fy2026"
    assert focus_term(question, passages[::-1], vocabulary) == "aside"
    assert unanswered_reason(question, ["The FY2026 budget included $5M for lawyers."], passages, vocabulary) is None
    assert unanswered_reason(question, ["The budget grew in 2025."], passages, vocabulary) == "abstain_missing_detail"


def test_a_clause_is_read_under_its_heading_but_the_detail_must_be_in_the_clause():
    vocabulary = _Vocabulary({"troy": 6.0, "notice": 2.0})
    question = "How much notice must Troy police get before the agreement ends?"
    passages = ["The LEA will receive 90 days notice of termination."]
    clause = ["The LEA will receive 90 days notice of termination."]
    assert unanswered_reason(question, clause, passages, vocabulary) == "abstain_missing_detail"
    assert unanswered_reason(question, clause, passages, vocabulary,
                             headings=["Troy 287(g) agreement XX. TERMINATION"]) is None
    # The heading names what the question is about; it never supplies the number asked for.
    assert unanswered_reason(question, ["The LEA gets notice before the agreement ends."], passages, vocabulary,
                             headings=["Troy agreement: 90 days"]) == "abstain_missing_detail"


def test_each_sentence_is_marked_for_whether_it_gives_what_was_asked():
    vocabulary = _Vocabulary({"troy": 6.0, "notice": 2.0})
    question = "How much notice must Troy police get before the agreement ends?"
    sentences = ["Troy police signed the agreement.", "The LEA will receive 90 days notice."]
    # The second gives a count and is read under a heading that names Troy; the first gives no count.
    headings = ["Troy agreement", "Troy agreement XX. TERMINATION"]
    assert answering(question, sentences, sentences, vocabulary, headings=headings) == [False, True]
    assert answering(question, sentences, sentences, vocabulary) == [False, False]
    assert answering("What is the Troy agreement?", sentences, sentences, vocabulary) is None


def test_the_words_asking_for_the_answer_are_not_what_the_question_is_about():
    vocabulary = _Vocabulary({"website": 7.0, "locator": 5.0})
    question = "What is the website for the detainee locator?"
    passages = ["Visit the website lucemass.org for the hotline.", "A locator system would be created."]
    # "website" is the rarer word, but it is what is asked for: the answer must be about the locator.
    assert unanswered_reason(question, [passages[0]], passages, vocabulary) == "abstain_missing_detail"
    assert unanswered_reason(question, ["The locator is at locator.example.gov."], passages, vocabulary) is None


def test_initials_in_the_question_are_names_the_answer_must_hold():
    vocabulary = _Vocabulary({"hotline": 3.0})
    question = "What is the phone number of the ACLU hotline?"
    passages = ["Call the LUCE hotline at 617-555-0100."]
    assert unanswered_reason(question, passages, passages, vocabulary) == "abstain_missing_detail"
    assert unanswered_reason(question, ["The ACLU hotline is 617-555-0100."], passages, vocabulary) is None


def test_initials_are_held_by_the_name_they_abbreviate():
    vocabulary = _Vocabulary({"nh": 8.0, "suspend": 4.0})
    question = "Who may suspend the agreement of Troy NH?"
    clause = ["The ICE Director may suspend the MOA."]
    passages = [*clause, "Signed for Troy NH."]
    # "NH" is the rarest word; the clause, read under its heading, names New Hampshire in full.
    assert unanswered_reason(question, clause, passages, vocabulary, headings=["Troy, New Hampshire Police"]) is None
    assert unanswered_reason(question, clause, passages, vocabulary,
                             headings=["Troy, New York Police"]) == "abstain_missing_detail"
    question = "What is the phone number of the ACLU hotline?"
    spelled = ["The American Civil Liberties Union hotline is 617-555-0100."]
    assert unanswered_reason(question, spelled, spelled, _Vocabulary({"hotline": 3.0})) is None


def test_initials_stand_for_a_run_of_a_name_that_begins_and_ends_with_a_capital_and_is_no_person():
    names = given_names()
    assert stands_for("NH", "Troy, New Hampshire Police", names)
    assert stands_for("DOC", "the Department of Correction", names)
    assert not stands_for("OC", "the Department of Correction", names)  # "of Correction" is no name
    assert not stands_for("NH", "Nancy Harris, a lawyer, spoke.", names)  # a person, not a place
    assert not stands_for("NH", "New York Police", names)


def test_a_leading_clause_that_sets_the_scene_is_not_what_the_question_asks():
    # "When ..., does ...?" asks whether, not when; "If ..., how soon ...?" asks for a time limit.
    assert asked_types("When officers work in the field, does the agreement require them to call ICE?") == []
    assert [t.name for t in asked_types("If I am arrested, how soon must police call ICE?")] == ["time_limit"]
    assert [t.name for t in asked_types("When did the SJC decide Lunn, and why?")] == ["date"]
    # A "when" before its verb is the question itself, whatever follows the comma.
    assert [t.name for t in asked_types("When did ICE start detaining people in Plymouth, was it 2019?")] == ["date"]


def test_the_words_asking_for_the_answer_are_left_out_of_the_focus_after_a_leading_clause_too():
    vocabulary = _Vocabulary({"soon": 9.0, "notify": 2.0})
    passages = ["ICE will be told as soon as practicable.", "The LEA will notify ICE within 48 hours."]
    answer = [passages[1]]
    # "soon" asks for a time limit; it is not what the answer must mention.
    for question in ("How soon must police notify ICE?", "If I am arrested, how soon must police notify ICE?"):
        assert unanswered_reason(question, answer, passages, vocabulary) is None


def test_a_question_in_another_language_takes_its_focus_from_its_english_terms():
    vocabulary = _Vocabulary({"os": 9.0, "gang": 5.0})  # the article is rare among English passages
    question = "Quantos pontos os membros precisam? how many points gang members"
    passages = ["Os cartões vermelhos ajudam.", "A person with 10 points is a gang member."]
    answer = ["A person with 10 points is a gang member."]
    assert unanswered_reason(question, answer, passages, vocabulary) == "abstain_missing_detail"
    assert unanswered_reason(question, answer, passages, vocabulary,
                             focus_words="how many points gang members") is None


def test_where_to_report_wants_a_phone_number_or_web_address():
    vocabulary = _Vocabulary({"shoved": 9.0})
    question = "an agent shoved my mom. where do i report that"
    assert unanswered_reason(question, ["Report misconduct at mass.gov/fedmisconduct."], [], vocabulary) is None
    assert unanswered_reason(question, ["Write down what happened."], [], vocabulary) == "abstain_missing_detail"


def test_rewrite_leaves_standalone_questions_alone():
    assert rewrite_follow_up("What is the PROTECT Act?", ["Tell me about Lunn"]) == "What is the PROTECT Act?"
    assert rewrite_follow_up("and in Boston?", ["Do police share data with ICE?"]).startswith("and in Boston?")
    assert "police" in rewrite_follow_up("and in Boston?", ["Do police share data with ICE?"])


@pytest.mark.cli
def test_cli_ask_json_reads_one_question_per_line(corpus_settings):
    result = run_cli("ask", "--json", "-", env={"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir)},
                     input_text="What is a detainer?\n\nWhat is the capital of Peru?\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["What is a detainer?", "What is the capital of Peru?"]
    assert not lines[0]["abstained"] and lines[1]["abstained"]


@pytest.mark.cli
def test_cli_ask_prints_numbered_sources(corpus_settings):
    result = run_cli("ask", "What is the Boston Trust Act?", env={"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir)})
    assert result.returncode == 0, result.stderr
    assert "Sources:" in result.stdout and "[1]" in result.stdout and "https://" in result.stdout


@pytest.mark.cli
def test_cli_without_an_index_says_how_to_build_one(tmp_path):
    result = run_cli("ask", "anything", env={"ASSISTANT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "run `assistant ingest` first" in result.stderr and "Traceback" not in result.stderr


class _ScriptedAnswerJudge:
    """Gives one probability to every answer and records what it read."""

    name = "scripted"

    def __init__(self, probability: float) -> None:
        self.probability_given = probability
        self.read: list[tuple[str, list[tuple[str, str]]]] = []

    def probability(self, question, sentences):
        self.read.append((question, list(sentences)))
        return self.probability_given


DECLINED_FOR_DETAIL = "How many ICE detainers did Worcester police receive in 2025?"  # no Worcester count


@pytest.mark.parametrize("probability, overruled", [(0.2, False), (0.8, True)])
def test_the_answer_judge_may_overrule_a_decline_for_missing_detail(assistant, monkeypatch, probability, overruled):
    judge = _ScriptedAnswerJudge(probability)
    monkeypatch.setattr(assistant.extractive, "answer_judge", judge)
    monkeypatch.setattr(assistant.extractive, "answer_judge_above", 0.5)
    monkeypatch.setattr(assistant.extractive, "answer_judge_sentences", 2)
    answer = assistant.ask(DECLINED_FOR_DETAIL)
    assert answer.answerability == probability and answer.abstained is not overruled
    question, read = judge.read[0]
    assert "Worcester" in question and 1 <= len(read) <= 2
    if overruled:  # it read the sentences shown, in order, under their documents' titles
        titles = {c.n: c.title for c in answer.citations}
        assert read == [(titles[s.citations[0]], s.text) for s in answer.sentences[:len(read)]]
        # An overruled decline is still an extractive answer: every sentence cited, every quote exact.
        assert answer.sentences and all(s.citations for s in answer.sentences)
        for citation in answer.citations:
            text = _document_text(str(assistant.settings.ingest.corpus_dir / f"{citation.doc_id}.md"))
            assert text[citation.start:citation.end] == citation.quote
    else:
        assert answer.answer.startswith(assistant.messages()["abstain_missing_detail"]) and not answer.citations


def test_the_answer_judge_reads_only_answers_the_rules_decline_for_missing_detail(assistant, monkeypatch):
    judge = _ScriptedAnswerJudge(0.0)
    monkeypatch.setattr(assistant.extractive, "answer_judge", judge)
    answered = assistant.ask("Does ICE need a judge's warrant to come into my house?")
    off_topic = assistant.ask("What is a good recipe for banana bread?")
    assert not answered.abstained and off_topic.abstained  # a judge saying "no" declines neither
    assert judge.read == [] and answered.answerability is None


def test_without_an_answer_judge_a_decline_stands(assistant):
    assert assistant.extractive.answer_judge is None
    answer = assistant.ask(DECLINED_FOR_DETAIL)
    assert answer.abstained and answer.answerability is None


def test_a_question_asking_two_things_is_answered_from_the_documents_of_both(assistant):
    # Asked as one text, the detail rule finds no sentence with both counts and declines it.
    answer = assistant.ask("How many Boston Public Schools incident reports reached the BRIC, and how many "
                           "points make someone a gang member in the Boston police database?")
    assert not answer.abstained, answer.answer
    cited = {c.doc_id for c in answer.citations}
    assert {"pathway-fusion-centers-bric-cfc", "pathway-gang-database"} <= cited, cited
    assert "135" in answer.answer and "10 points" in answer.answer
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for sentence in answer.sentences:
        assert sentence.citations and all(1 <= n <= len(answer.citations) for n in sentence.citations)
    for citation in answer.citations:
        text = _document_text(str(assistant.settings.ingest.corpus_dir / f"{citation.doc_id}.md"))
        assert text[citation.start:citation.end] == citation.quote
    assert answer.notices[-1] == assistant.messages()["legal_notice"]
