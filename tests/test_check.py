"""`assistant check`: reading answers from any chatbot, and verdicts with reason codes from the
real SupportScorer on supported, unsupported and altered-number/date/name/negation sentences."""

from __future__ import annotations

import json

import pytest

from assistant.errors import UserError
from assistant.verify.check import check_answer, parse_payload, split_answer
from assistant.verify.types import Reason
from tests.conftest import run_cli

FINDINGS = ("Citizens for Juvenile Justice asked 62 Massachusetts police departments for their "
            "policies on ICE, according to GBH News. Of those 62 departments, 28 had policies that "
            "allow or require information sharing or collaboration with ICE, according to the ICE "
            "Out report.")
COURTS = ("GBH News reported at least 614 immigration arrests at Massachusetts trial courts in "
          "2025. State Rep. Erika Uyterhoeven cites 614 ICE courthouse arrests in Massachusetts in "
          "2025, more than double the 282 recorded in 2024.")
SUPPORTED = ("Of those 62 departments, 28 had policies that allow or require information sharing "
             "or collaboration with ICE.")
NUMBER_ALTERED = "GBH News reported at least 641 immigration arrests at Massachusetts trial courts in 2025."
DATE_ALTERED = "State Rep. Erika Uyterhoeven cites 614 ICE courthouse arrests in Massachusetts in 2023."
NAME_ALTERED = ("Citizens for Juvenile Justice asked 62 Massachusetts police departments for their "
                "policies on ICE, according to the Boston Globe.")
NEGATED = "Of those 62 departments, 28 had policies that do not allow information sharing with ICE."
UNRELATED = "The Boston Red Sox won the World Series in 2004."
UNCITED = "Citizens for Juvenile Justice asked 62 Massachusetts police departments for their policies."

# Written the way chat assistants do: markers after the full stop, [1, 2], a reference list.
CHATBOT_ANSWER = "\n".join([
    f"{SUPPORTED}[1] {NUMBER_ALTERED} [2] {DATE_ALTERED}[2]",
    f"{NAME_ALTERED} [1] {NEGATED} [1]",
    f"{UNRELATED} [1] {UNCITED} {SUPPORTED} [1, 2]",
    "",
    "Sources:",
    "[1] ICE Out report findings - cfjj.org",
    "[2] GBH News",
])


# --- Reading answers (pure) ---------------------------------------------------------------

def test_split_answer_keeps_markers_with_their_sentence_and_drops_the_reference_list():
    sentences = split_answer(CHATBOT_ANSWER)
    assert [s.citations for s in sentences] == [[1], [2], [2], [1], [1], [1], [], [1, 2]]
    assert sentences[0].text == SUPPORTED
    assert sentences[1].text == NUMBER_ALTERED
    assert all("[" not in s.text for s in sentences)


def test_payload_forms():
    plain = parse_payload("Just text. With two sentences.")
    assert plain.passages is None and len(plain.sentences) == 2
    strings = parse_payload({"answer": "A [2].", "passages": ["one", "two"]})
    assert {n: p.text for n, p in strings.passages.items()} == {1: "one", 2: "two"}
    numbered = parse_payload(json.dumps({"answer": "A [7].",
                                         "passages": [{"n": 7, "text": "seven", "title": "T"}]}))
    assert (numbered.passages[7].title, numbered.passages[7].text) == ("T", "seven")
    own = parse_payload({"answer": "ignored", "sentences": [{"text": "Claim.", "citations": [1]}],
                         "citations": [{"n": 1, "text": "Claim.", "title": "Doc", "doc_id": "d"}]})
    assert [(s.text, s.citations) for s in own.sentences] == [("Claim.", [1])]
    assert own.passages[1].doc_id == "d"


@pytest.mark.parametrize("bad", ['{"answer": ', '{"passages": []}', '{"answer": "x", "passages": [{}]}',
                                 '{"answer": "x", "passages": "text"}', "   "])
def test_bad_input_is_a_clear_user_error(bad):
    with pytest.raises(UserError):
        parse_payload(bad)


# --- Verdicts with the real scorer --------------------------------------------------------

@pytest.mark.model
def test_verdicts_against_given_passages():
    payload = {"answer": CHATBOT_ANSWER, "passages": [
        {"n": 1, "title": "ICE Out report findings", "text": FINDINGS},
        {"n": 2, "title": "Courthouse arrests", "text": COURTS}]}
    report = check_answer(None, payload)
    verdicts = [s.verdict for s in report.sentences]
    assert verdicts[0] == "supported"
    assert verdicts[1:6] == ["unsupported"] * 5
    assert verdicts[6] == "uncited"
    assert verdicts[7] == "supported"
    number, date, name, negated = report.sentences[1:5]
    assert "641" in number.missing and number.reason == Reason.NUMBER_MISSING
    assert "2023" in date.missing and date.reason == Reason.NUMBER_MISSING
    # The names check is off by default; the judge reads the changed outlet.
    assert name.reason in (Reason.NOT_ENTAILED, Reason.PARTLY_ENTAILED)
    assert negated.reason in (Reason.NOT_ENTAILED, Reason.PARTLY_ENTAILED)
    assert report.sentences[6].reason == Reason.UNCITED
    assert report.sentences[0].passage.n == 1 and report.sentences[0].quote.startswith("Of those 62")
    assert report.sentences[6].passage.n == 1  # an uncited sentence still shows what backs it
    assert report.sentences[7].irrelevant_citations == [2]
    # ALCE: 2 of 8 sentences supported; of 8 citations, the two [1]s of supported sentences count.
    assert report.citation_recall == pytest.approx(2 / 8)
    assert report.citation_precision == pytest.approx(2 / 8)


@pytest.mark.model
def test_a_marker_without_its_passage_is_unsupported():
    report = check_answer(None, {"answer": f"{SUPPORTED} [3]", "passages": [FINDINGS]})
    assert report.sentences[0].verdict == "unsupported"
    assert report.sentences[0].unknown_citations == [3]
    assert report.sentences[0].reason == Reason.UNKNOWN_CITATION


@pytest.mark.model
def test_plain_text_is_checked_against_the_corpus(assistant):
    text = " ".join(["GBH News reported at least 614 immigration arrests at Massachusetts trial "
                     "courts in 2025.", NUMBER_ALTERED, UNRELATED])
    report = check_answer(assistant, text)
    assert report.mode == "corpus" and report.citation_recall is None
    supported, altered, unrelated = report.sentences
    assert supported.verdict == "supported"
    assert supported.passage.doc_id == "data-courthouse-arrests" and "614" in supported.quote
    assert altered.verdict == "unsupported" and "641" in altered.missing
    assert unrelated.verdict == "unsupported"


@pytest.mark.cli
@pytest.mark.model
def test_cli_checks_json_from_stdin():
    payload = json.dumps({"answer": f"{SUPPORTED} [1] {NUMBER_ALTERED} [1]", "passages": [FINDINGS]})
    result = run_cli("check", "-", "--json", input_text=payload)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["verdict"] for s in report["sentences"]] == ["supported", "unsupported"]
    assert report["citation_recall"] == 0.5 and report["verdict_counts"]["supported"] == 1
    human = run_cli("check", "-", input_text=payload)
    assert "SUPPORTED" in human.stdout and "not in the passage: 641" in human.stdout
    assert "why: A number or date in the sentence is not in the passage." in human.stdout


@pytest.mark.cli
def test_cli_names_a_missing_file():
    result = run_cli("check", "no/such/answer.json")
    assert result.returncode == 1
    assert "no/such/answer.json" in result.stderr and "Traceback" not in result.stderr
