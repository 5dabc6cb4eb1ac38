"""Answer selection as pure logic: the relevance model's part, the lead sentence, repeats left out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assistant.answer.answerability import answer_types, declined_by_policy, parse_rules, wanted_details
from assistant.answer.extractive import Candidate, ExtractiveAnswerer
from assistant.errors import UserError
from assistant.types import Chunk
from assistant.verify.checks import CHECKS
from assistant.verify.scorer import SupportScorer

SENTENCES = [
    "The report counted 12 departments that share booking data.",  # answers "how many departments"
    "Departments share booking data with federal agencies in several ways.",  # on topic, no count
    "Sheriffs publish release dates on a public website.",
]


def _candidates(scores: list[float], vectors: list[list[float]] | None = None,
                sentences: list[str] = SENTENCES) -> list[Candidate]:
    text = " ".join(sentences)
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    chunk = Chunk("c1", "doc", text, 0, len(text), "", None, {"title": "Report"}, spans)
    vectors = vectors or [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]
    return [Candidate(chunk, 0, start, end, score, np.array(vector, dtype=np.float32))
            for (start, end), score, vector in zip(spans, scores, vectors, strict=True)]


class _FakeRelevance:
    """Says the counted sentence answers and the others do not."""

    name = "fake"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        self.seen.extend(pairs)
        return [0.9 if "12 departments" in text else 0.05 for _, text in pairs]


class _Request:
    query = "how many departments share booking data"
    language = "en"


def test_the_sentence_the_relevance_model_says_answers_ranks_first_and_reads_with_its_title():
    relevance = _FakeRelevance()
    answerer = ExtractiveAnswerer(relevance=relevance, relevance_weight=1.0)
    judged = answerer.judged(_Request(), _candidates([0.5, 0.7, 0.6]))  # similarity prefers the no-count one
    selection = answerer.select(judged)
    assert selection.sentences[0].quote == SENTENCES[0]
    assert selection.relevance == 0.9
    assert (_Request.query, f"Report: {SENTENCES[0]}") in relevance.seen


def test_without_the_model_similarity_alone_ranks():
    selection = ExtractiveAnswerer().select(_candidates([0.5, 0.7, 0.6]))
    assert selection.sentences[0].quote == SENTENCES[1]
    assert selection.relevance is None


def test_the_model_reads_only_the_best_few_candidates():
    relevance = _FakeRelevance()
    judged = ExtractiveAnswerer(relevance=relevance, relevance_top=2).judged(_Request(), _candidates([0.5, 0.7, 0.6]))
    assert len(relevance.seen) == 2 and len(judged) == 2
    assert SENTENCES[0] not in {c.quote for c in judged}  # the lowest-scored was not read


def test_the_best_sentence_leads_even_when_it_comes_later_in_its_passage():
    selection = ExtractiveAnswerer(keep_ratio=0.1).select(_candidates([0.3, 0.2, 0.9]))
    assert [c.quote for c in selection.sentences] == [SENTENCES[2], SENTENCES[0], SENTENCES[1]]


class _FakeJudge:
    name = "fake"
    threshold = 0.5
    partial_threshold = 0.25

    def __init__(self, supports: set[tuple[str, str]]) -> None:
        self.supports = supports  # (claim, evidence) pairs that hold

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [1.0 if pair in self.supports else 0.0 for pair in pairs]


def _scorer(judge: _FakeJudge) -> SupportScorer:
    return SupportScorer(judge, CHECKS_USED)


CHECKS_USED = (CHECKS["numbers"],)
ALIKE = [[1.0, 0.0], [0.9, 0.436], [0.0, 1.0]]  # the first two alike (cosine 0.9), not duplicates


def test_a_sentence_the_chosen_one_already_states_is_left_out():
    judge = _FakeJudge({(SENTENCES[1], SENTENCES[0])})  # the first states the second
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(judge), repeat_cosine=0.8)
    kept = [c.quote for c in answerer.select(_candidates([0.9, 0.8, 0.7], ALIKE)).sentences]
    assert kept == [SENTENCES[0], SENTENCES[2]]


def test_a_sentence_that_states_the_chosen_one_and_more_takes_its_place():
    judge = _FakeJudge({(SENTENCES[1], SENTENCES[0])})  # the counted sentence states the other, and more
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(judge), repeat_cosine=0.8)
    kept = [c.quote for c in answerer.select(_candidates([0.8, 0.9, 0.7], ALIKE)).sentences]
    assert kept == [SENTENCES[0], SENTENCES[2]]


def test_alike_sentences_that_each_add_something_are_both_kept():
    judge = _FakeJudge(set())
    judged: list[tuple[str, str]] = []
    judge.probabilities = lambda pairs: judged.extend(pairs) or [0.0] * len(pairs)  # type: ignore[method-assign]
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(judge), repeat_cosine=0.8)
    assert len(answerer.select(_candidates([0.9, 0.8, 0.7], ALIKE)).sentences) == 3
    assert (SENTENCES[1], SENTENCES[0]) in judged  # the other way the numbers check decides alone


def test_sentences_unlike_each_other_are_never_judged():
    class Refusing(_FakeJudge):
        def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
            raise AssertionError("judged sentences that are not alike")

    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(Refusing(set())), repeat_cosine=0.8)
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.6, -0.8]]
    assert len(answerer.select(_candidates([0.9, 0.8, 0.7], vectors)).sentences) == 3


def test_a_sentence_with_a_number_the_other_lacks_is_never_taken_for_a_repeat():
    points = ["A person with 10 points is classed as a gang member.",
              "A person with 6 to 9 points is classed as a gang associate.", SENTENCES[2]]
    # A judge blind to numbers says each states the other; the numbers check keeps both.
    judge = _FakeJudge({(points[0], points[1]), (points[1], points[0])})
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(judge), repeat_cosine=0.8)
    assert len(answerer.select(_candidates([0.9, 0.8, 0.7], ALIKE, points)).sentences) == 3
    without_numbers = ExtractiveAnswerer(keep_ratio=0.1, repeats=SupportScorer(judge, ()), repeat_cosine=0.8)
    assert len(without_numbers.select(_candidates([0.9, 0.8, 0.7], ALIKE, points)).sentences) == 2


def test_the_evidence_score_is_the_best_match_even_after_a_replacement():
    judge = _FakeJudge({(SENTENCES[1], SENTENCES[0])})
    answerer = ExtractiveAnswerer(keep_ratio=0.1, repeats=_scorer(judge), repeat_cosine=0.8)
    assert answerer.select(_candidates([0.8, 0.9, 0.7], ALIKE)).evidence == pytest.approx(0.9)


def test_rules_are_named_and_a_typo_is_an_error():
    assert parse_rules("declines, scope") == {"declines", "scope"}
    assert parse_rules("") == frozenset()
    with pytest.raises(UserError, match="unknown rule focsu"):
        parse_rules("scope,focsu")


def test_policy_declines_and_answer_types_read_from_data():
    assert declined_by_policy("How do I apply for a green card?", []) == "abstain_immigration_case"
    assert declined_by_policy("How do I apply for a green card?",
                              ["You can apply for a green card through a family petition."]) is None
    # A sentence about a person's own claim answers a question about their application.
    question = "Did the family file an asylum application?"
    assert declined_by_policy(question, ["The family lives in Everett."]) == "abstain_immigration_case"
    assert declined_by_policy(question, ["The family's lawyer said it has a pending asylum claim."]) is None
    assert declined_by_policy("Can I get a green card?", ["Officials claim asylum seekers skip hearings."]) \
        == "abstain_immigration_case"
    assert declined_by_policy("How many people are in the Plymouth jail right now?", []) == "abstain_live"
    assert declined_by_policy("How many detainers did ICE send in 2024?", []) is None
    date = answer_types()["date"]
    assert date.asked_by("WHEN did it start?")  # questions are read without regard to case
    tests = wanted_details("When was the policy adopted?")
    assert tests[0]("It was adopted in May 2019.") and not tests[0]("Officers may ask for it.")
    website = wanted_details("What is the website for the hotline?")[0]
    assert website("See WWW.MASS.GOV for details.") and not website("Call them.")
    count = wanted_details("How many of the 62 departments answered?")[0]
    assert count("Of the 62 departments, 38 answered.") and not count("All 62 departments were asked.")


def test_when_takes_a_time_limit_and_who_takes_an_agency_the_question_does_not_name():
    when = wanted_details("When must officers report a claim of citizenship?")[0]
    assert when("They must report it within one hour.") and when("It is due within 48 business hours.")
    assert not when("Call a lawyer immediately.") and not when("You must be at least 18 years old.")
    who = wanted_details("Who pays the salaries of ICE-trained officers?")
    assert len(who) == 1 and who[0]("The LEA pays them.") and who[0]("Maura Healey decided.")
    # The question's own "ICE" and a section number name no one new.
    assert not who[0]("ICE pays for travel.") and not who[0]("Section XX covers it.")
    # "Who is the...?" asks who a person is: an agency does not say.
    assert [t.name for t in answer_types().values() if t.asked_by("Who is the chief of police?")] == \
        ["person", "actor"]
    chief = wanted_details("Who is the chief of police?")
    assert not all(test("The LEA names a chief.") for test in chief)
    assert all(test("The chief is David Ellis.") for test in chief)


def test_how_soon_wants_a_time_limit_and_how_often_a_period_not_a_date():
    assert [t.name for t in answer_types().values() if t.asked_by("How soon must they notify ICE?")] == ["time_limit"]
    soon = wanted_details("How soon must they notify ICE?")[0]
    assert soon("They must notify ICE as soon as possible, but no longer than approximately 24 hours.")
    assert not soon("The agreement was signed in January 2026.") and not soon("They notify ICE as soon as possible.")
    often = wanted_details("How often is the agreement reviewed?")[0]
    assert often("ICE may review it every three years.") and often("It is audited twice a year.")
    assert not often("It was reviewed in July 2024.")
    # "When" still takes either a date or a time limit.
    when = wanted_details("When must they notify ICE?")[0]
    assert when("They signed it in May 2019.") and when("They must do it within one hour.")


def test_a_person_is_a_given_name_or_a_title_before_a_surname_the_question_does_not_hold():
    person = wanted_details("Who is the Troy, New Hampshire chief of police?")[0]
    assert person("For the LEA: David Ellis Jr") and person("Sheriff Tompkins said so.")
    assert person("Rep. Vargas filed it.") and person("Bristol County Sheriff Paul Heroux")
    # Two capitalised words are not yet a person: a place, an office, a heading.
    assert not person("An agreement between ICE and the Troy, New Hampshire Police.")
    assert not person("the Troy Police Department") and not person("Chief Of Police 603-355-2000")
    assert not person("The Law Enforcement Agency (LEA) will pay.")
    # The question's own name answers nothing.
    assert not wanted_details("Which sheriff, Paul Heroux or another, ended it?")[0]("Paul Heroux spoke.")


def test_a_phone_the_question_mentions_is_not_a_phone_number_it_asks_for():
    assert "phone" not in [t.name for t in answer_types().values() if t.asked_by("Can I film ICE with my phone?")]
    assert "phone" in [t.name for t in answer_types().values()
                       if t.asked_by("What's the phone number for the LUCE hotline?")]


def _sentence(text: str, language: str, vector: list[float]) -> Candidate:
    chunk = Chunk(f"c-{language}", f"doc-{language}", text, 0, len(text), "", None,
                  {"title": "Card", "language": language}, [(0, len(text))])
    return Candidate(chunk, 0, 0, len(text), 1.0, np.array(vector, dtype=np.float32))


def test_an_english_sentence_that_a_chosen_translated_sentence_already_states_is_left_out():
    translated = _sentence("O guia da Procuradora-Geral diz que uma pessoa não precisa abrir a porta para o ICE, "
                           "a não ser que um mandado judicial seja mostrado.", "pt", [1.0, 0.0])
    same = _sentence("According to the Attorney General's guide, a person does not have to open the door to ICE "
                     "unless a judicial warrant is shown.", "en", [0.0, 1.0])
    other = _sentence("Call the LUCE hotline to report ICE activity near your home.", "en", [0.6, 0.8])
    selection = ExtractiveAnswerer(repeats=None).select([translated, same, other])
    assert translated in selection.sentences and other in selection.sentences
    assert same not in selection.sentences


class _RecordingYesNo:
    def __init__(self) -> None:
        self.prompts: list[str] = []

    def probability(self, prompt: str) -> float:
        self.prompts.append(prompt)
        return 0.7


def test_the_llm_answer_judge_reads_the_question_and_each_numbered_sentence_with_its_title():
    from assistant.answer.answer_judge import LLMAnswerJudge
    from assistant.bundled import prompts_dir

    model = _RecordingYesNo()
    judge = LLMAnswerJudge(model, prompts_dir())  # type: ignore[arg-type]
    assert judge.probability("how many departments?", [("Report", SENTENCES[0]), ("", SENTENCES[2])]) == 0.7
    prompt = model.prompts[0]
    assert "how many departments?" in prompt
    assert f"1. Report: {SENTENCES[0]}" in prompt and f"2. {SENTENCES[2]}" in prompt


def test_the_answer_judge_is_off_unless_a_model_is_named():
    from assistant.answer.answer_judge import make_answer_judge
    from assistant.settings import Settings

    assert make_answer_judge(Settings.load(values={"answer": {"answer_judge": "off"}})) is None
    with pytest.raises(UserError, match=r"not a packaged model.*set answer\.answer_judge to <name or path>"):
        make_answer_judge(Settings.load(values={"answer": {"answer_judge": "no-such-model"}}))


# --- compound questions (answer/compound.py) ---

def test_a_question_asking_two_things_is_split_into_its_parts_with_what_comes_before_as_context():
    from assistant.answer.compound import question_parts

    assert question_parts("Which sheriffs had 287(g) agreements, and what does the 2026 order change?") == (
        ["Which sheriffs had 287(g) agreements?", "what does the 2026 order change?"], [])
    assert question_parts("I'm writing a story. How many reports did the BRIC get? "
                          "And how many points make someone a gang member?") == (
        ["How many reports did the BRIC get?", "And how many points make someone a gang member?"],
        ["I'm writing a story."])


@pytest.mark.parametrize("question", [
    "Does ICE need a judge's warrant to enter my home?",  # one thing
    "What is the Trust Act, and when?",  # a part too short to ask alone
    "Has a federal court criticized the gang database? What did it say?",  # leans on the first part
    "Which sheriffs had agreements and what changed?",  # no comma: one clause
])
def test_a_question_asking_one_thing_stays_whole(question):
    from assistant.answer.compound import question_parts

    assert question_parts(question) == ([question], [])


def _part_answer(question: str, quotes: list[tuple[str, int]], abstained: bool = False,
                 notices: list[str] | None = None) -> object:
    from assistant.types import Answer, Citation, Sentence

    citations = [Citation(n=i + 1, chunk_id=f"{doc}#0", doc_id=doc, title=doc, source_url="", page=None,
                          section="", text="t", quote=f"quote {start}", start=start, end=start + 7)
                 for i, (doc, start) in enumerate(quotes)]
    sentences = [Sentence(f"Sentence of {doc} at {start}.", [i + 1], 1.0) for i, (doc, start) in enumerate(quotes)]
    return Answer(question=question, answer="", abstained=abstained, sentences=[] if abstained else sentences,
                  citations=[] if abstained else citations, notices=notices or [], search_query=question)


def test_the_parts_answers_are_joined_in_order_each_quote_cited_once_and_renumbered():
    from assistant.answer.compound import joined

    first = _part_answer("a?", [("sheriffs", 10), ("sheriffs", 50), ("sheriffs", 90)], notices=["weak"])
    second = _part_answer("b?", [("sheriffs", 50), ("order", 5)])  # quotes one sentence the first did
    answer = joined("a, and b?", [first, second], per_part=2, partly_notice="partly")
    assert [s.text for s in answer.sentences] == ["Sentence of sheriffs at 10.", "Sentence of sheriffs at 50.",
                                                  "Sentence of order at 5."]
    assert [s.citations for s in answer.sentences] == [[1], [2], [3]]
    assert [(c.n, c.doc_id, c.start) for c in answer.citations] == [(1, "sheriffs", 10), (2, "sheriffs", 50),
                                                                    (3, "order", 5)]
    assert answer.answer.split("\n\n") == ["Sentence of sheriffs at 10. [1] Sentence of sheriffs at 50. [2]",
                                           "Sentence of order at 5. [3]"]
    assert answer.notices == ["weak"] and not answer.abstained


def test_a_part_without_an_answer_is_said_and_no_answer_at_all_gives_none():
    from assistant.answer.compound import joined

    answered, declined = _part_answer("a?", [("sheriffs", 10)]), _part_answer("b?", [], abstained=True)
    assert joined("a, and b?", [answered, declined], per_part=3, partly_notice="partly").notices == ["partly"]
    assert joined("a, and b?", [declined, declined], per_part=3, partly_notice="partly") is None


def test_a_question_in_a_language_without_a_join_pattern_is_never_split():
    from assistant.answer.compound import question_parts

    question = "¿Tengo que ir a la audiencia? ¿Qué pasa si no voy?"
    assert question_parts(question, "es") == ([question], [])
