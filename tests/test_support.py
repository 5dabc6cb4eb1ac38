"""The support scorer: deterministic gates, the shipped verifier model, and `assistant eval --attribution`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.support import SupportScorer, fact_gate
from assistant.errors import UserError
from assistant.evaluate.attribution import binary_scores, read_pairs
from tests.conftest import ROOT, run_cli

NETGUARD = ROOT / "tests" / "fixtures" / "netguard"
TINY_SET = ROOT / "tests" / "fixtures" / "attribution_tiny.jsonl"
# The verifier's weights ship in the package; a checkout without them (before
# `python evals/train_verifier.py` has run) skips these tests.
needs_model = pytest.mark.skipif(not (ROOT / "assistant" / "models" / "verifier" / "model.onnx").is_file(),
                                 reason="no trained verifier in assistant/models/verifier")

# From corpus/lunn-v-commonwealth.md.
EVIDENCE = ("Sreynuon Lunn's criminal case was dismissed for lack of prosecution on February 6, 2017. "
            "After Sreynuon Lunn's case was dismissed, court officers kept him in a holding cell because "
            "of the immigration detainer. Federal officers took Sreynuon Lunn into custody several hours "
            "after his case was dismissed.")
EXACT = "Sreynuon Lunn's criminal case was dismissed for lack of prosecution on February 6, 2017."
PARAPHRASE = "Court officers held Lunn in a holding cell after his case was dismissed, because of the detainer."
ALTERED = {
    "number": "Sreynuon Lunn's criminal case was dismissed for lack of prosecution on February 9, 2017.",
    "date": "Sreynuon Lunn's criminal case was dismissed for lack of prosecution in March 2017.",
    "year": "Sreynuon Lunn's criminal case was dismissed for lack of prosecution on February 6, 2018.",
    "name": "Juan Lopez's criminal case was dismissed for lack of prosecution on February 6, 2017.",
    "negation": "After Lunn's case was dismissed, court officers did not keep him in a holding cell.",
}


@pytest.fixture(scope="module")
def scorer() -> SupportScorer:
    return SupportScorer()


@pytest.mark.parametrize("kind", sorted(ALTERED))
def test_gate_rejects_altered_facts(kind: str) -> None:
    assert not fact_gate(ALTERED[kind], EVIDENCE).passed
    support = SupportScorer(use_verifier=False).score(ALTERED[kind], EVIDENCE)
    assert support.verdict == "unsupported"


@pytest.mark.parametrize(("evidence", "dropped", "kept"), [
    # A packaged 1.5B model dropped the verb that reverses the object (corpus/ice-out-report-findings.md).
    ("The ICE Out report recommends expanding the PROTECT Act, restricting fingerprint transmission to federal "
     "authorities, and regulating or abolishing gang databases.",
     "The ICE Out report recommends expanding the PROTECT Act and gang databases.",
     "The ICE Out report recommends expanding the PROTECT Act and abolishing or regulating gang databases."),
    # ...and the mayor who said it (corpus/incident-everett.md).
    ("Everett's mayor said the Everett police did not call ICE about the 13-year-old.",
     "The Everett police did not call ICE about the 13-year-old.",
     "Everett's mayor said the police did not call ICE about the 13-year-old."),
    # ...and a bill's "would" turns into law (corpus/healey-executive-order-and-bill.md).
    ("HD 5610 would bar civil ICE arrests in Massachusetts courthouses without a judicial warrant.",
     "HD 5610 bars civil ICE arrests in Massachusetts courthouses without a judicial warrant.",
     "If passed, HD 5610 would bar civil ICE arrests in Massachusetts courthouses without a judicial warrant."),
    # A pronoun speaks too; a claim naming the speaker elsewhere still drops that they said it.
    ("He said officers never asked about his immigration status.",
     "Officers never asked about his immigration status.",
     "He said officers never asked about his immigration status, according to the report."),
    ("ICE said Everett police shared the boy's address.",
     "Everett police shared the boy's address with ICE.",
     "According to ICE, Everett police shared the boy's address."),
    # A passive "would be barred" and a modal elsewhere in the claim.
    ("Under the bill, sheriffs would be barred from signing 287(g) agreements.",
     "Under the bill, sheriffs are barred from signing 287(g) agreements.",
     "Under the bill, sheriffs would be barred from signing new 287(g) agreements."),
    ("HD 5610 would bar civil ICE arrests in courthouses so people can attend hearings.",
     "HD 5610 bars civil ICE arrests in courthouses so people can attend hearings.",
     "HD 5610 would bar civil ICE arrests in courthouses."),
    # Another reversing verb elsewhere in the claim does not cover the object it dropped.
    ("The report recommends restricting fingerprint transmission, and abolishing gang databases.",
     "The report recommends restricting fingerprint transmission and expanding gang databases.",
     "The report recommends restricting fingerprint transmission and abolishing gang databases."),
    # Hedges: the packaged model turned "probably" into a fact, and "more than" is a hedge on a number.
    ("Biometric Update calls the state body the Massachusetts Fusion Center, which is probably the "
     "Commonwealth Fusion Center.",
     "The state body is the Commonwealth Fusion Center.",
     "The state body is probably the Commonwealth Fusion Center."),
    ("The report was based on more than 90 public records requests.",
     "The report was based on 90 public records requests.",
     "The report was based on over 90 public records requests."),
    # Sentences the packaged model wrote in the full dev run (corpus/ice-out-report-findings.md,
    # pathway-courthouses-trial-court-policy.md, local-ordinances-boston-trust-act.md): a list under "limits on",
    # permission turned into certainty, a reply stated as fact.
    ("The CJJ report recommends expanding the PROTECT Act, along with limits on fingerprint transmission, "
     "gang databases and surveillance data.",
     "The CJJ report recommends gang databases and surveillance data.",
     "The CJJ report recommends limits on gang databases and surveillance data."),
    ("The Trial Court's policy lets court staff tell ICE, when asked, which courtroom a person will be in.",
     "The court will tell ICE which courtroom a person will be in.",
     "Court staff may tell ICE which courtroom a person will be in."),
    ("Lexipol replied that its Immigration Violations Policy is constitutionally sound and meant to be "
     "customized by each client.",
     "Lexipol's Immigration Violations Policy is constitutionally sound and meant to be customized by each client.",
     "Lexipol replied that its policy is constitutionally sound and meant to be customized by each client."),
    # A reviewer's pair: the reversed verb swapped for its opposite, its object in another form.
    ("The bill would bar police from sharing release dates with ICE.",
     "The bill lets police share release dates with ICE.",
     "The bill would bar police from sharing release dates with ICE."),
    # Saying someone said what they did not: the policy cites Lunn; Lunn says nothing here.
    ("Citing Lunn v. Commonwealth, the Trial Court policy bars court staff from holding a person who is not "
     "in state custody just to give ICE time.",
     "Lunn says courts can't hold people for ICE.",
     "Citing Lunn, the Trial Court policy bars court staff from holding people just to give ICE time."),
])
def test_gate_catches_a_restatement_that_drops_what_gives_it_its_meaning(evidence, dropped, kept) -> None:
    assert not fact_gate(dropped, evidence).passed and fact_gate(dropped, evidence).dropped
    assert fact_gate(kept, evidence).passed, fact_gate(kept, evidence)


@pytest.mark.parametrize(("claim", "evidence"), [
    # A document speaking for itself is the source, not a party whose word is reported.
    ("Court staff may not hold someone who is not in state custody just for ICE.",
     "The Trial Court policy says court staff must neither help nor block ICE arrests, and may not hold "
     "someone who is not in state custody just for ICE."),
    # A negated reversing verb (curly apostrophe and all) leaves its object in place; nouns are not verbs.
    ("The 287(g) agreement between the Department of Correction and ICE continues.",
     "The executive order doesn’t end the 287(g) agreement between the Department of Correction and ICE."),
    ("Everett police arrested a 13-year-old boy near the Parlin School.",
     "Everett police arrested a 13-year-old boy at a bus stop near the Parlin School."),
    ("He was placed in deportation proceedings after the arrest.",
     "He was placed in removal proceedings after the arrest."),
    ("Massachusetts has no law limiting 287(g) agreements.",
     "Unlike some other states, Massachusetts has no law limiting 287(g) agreements."),
    # What advocates said is a relative clause; the rest is the report's own finding.
    ("The report found 40 detainers in Worcester.",
     "The report, which advocates said was incomplete, found 40 detainers in Worcester."),
    ("According to Everett's mayor, the police did not call ICE about the 13-year-old.",
     "Everett's mayor said the Everett police did not call ICE about the 13-year-old."),
    # Two clauses: "block" governs "ICE arrests", not the "may not hold" after "and".
    ("Court staff may not hold someone who is not in state custody just for ICE.",
     "The Trial Court policy says court staff must neither help nor block ICE arrests, and may not hold someone "
     "who is not in state custody just for ICE."),
    ("Joshua Dankoff cites cases in Chelsea and Everett in which teenagers were taken into ICE custody.",
     "Joshua Dankoff of Citizens for Juvenile Justice cites Chelsea and Everett cases in which 13-, 15- and "
     "16-year-olds were taken from municipal police stations into ICE custody after arrest."),
    # "would have" tells what did not happen; the claim says what did.
    ("The House rejected an amendment to override the Lunn ruling.",
     "The House rejected an amendment that would have overridden the Lunn ruling."),
])
def test_gate_keeps_restatements_that_drop_nothing_of_meaning(claim, evidence) -> None:
    assert fact_gate(claim, evidence).passed, fact_gate(claim, evidence)


def test_gate_names_what_is_missing() -> None:
    assert fact_gate(ALTERED["number"], EVIDENCE).missing == ["9"]
    assert fact_gate(ALTERED["name"], EVIDENCE).missing == ["Juan Lopez's"]
    assert fact_gate(ALTERED["negation"], EVIDENCE).negation_mismatch


def test_gate_catches_a_claim_that_drops_what_its_subject_did_not_do() -> None:
    # A packaged 1.5B model wrote the first claim from this sentence; it turns "Lunn did not
    # create this rule" into "Lunn created it". The second claim restates the sentence correctly.
    evidence = ("Both versions of the 2026 PROTECT Act would add a rule that Lunn v. Commonwealth did not "
                "create, barring civil arrests in Massachusetts courthouses without a judicial warrant.")
    flipped = "Lunn already barred civil arrests in Massachusetts courthouses without a judicial warrant."
    assert fact_gate(flipped, evidence).negation_mismatch
    assert fact_gate("The PROTECT Act would bar civil arrests in Massachusetts courthouses without a judicial "
                     "warrant.", evidence).passed
    # A claim that keeps its own "not" is left to the verifier.
    assert not fact_gate("Lunn did not create the courthouse rule.", evidence).negation_mismatch


def test_exact_sentence_is_supported_without_a_model() -> None:
    support = SupportScorer(use_verifier=False).score(EXACT, EVIDENCE)
    assert (support.verdict, support.score, support.missing) == ("supported", 1.0, [])


@needs_model
@pytest.mark.model
def test_verifier_supports_a_paraphrase_and_rejects_altered_facts(scorer: SupportScorer) -> None:
    assert scorer.score(PARAPHRASE, EVIDENCE).verdict == "supported"
    assert scorer.score(EXACT, EVIDENCE).verdict == "supported"
    for kind, claim in ALTERED.items():
        assert scorer.score(claim, EVIDENCE).verdict == "unsupported", kind


@needs_model
@pytest.mark.model
def test_verifier_ranks_supported_above_unsupported(scorer: SupportScorer) -> None:
    wrong_passage = "Governor Healey filed HD 5610 on January 29, 2026, as a companion to her executive order."
    supported, unsupported = scorer.verifier.probabilities([(PARAPHRASE, EVIDENCE), (PARAPHRASE, wrong_passage)])
    assert supported > scorer.thresholds.supported > unsupported
    batch = scorer.score_many([(PARAPHRASE, EVIDENCE), (ALTERED["number"], EVIDENCE)])
    assert [s.verdict for s in batch] == ["supported", "unsupported"]
    assert batch[1].missing == ["9"]


@needs_model
@pytest.mark.model
def test_verifier_catches_what_the_gates_cannot(scorer: SupportScorer) -> None:
    # Every number, name and negation checks out; the second half is simply not in the passage.
    added = ("Court officers kept Lunn in a holding cell after the dismissal and questioned him about "
             "his immigration status.")
    assert fact_gate(added, EVIDENCE).passed
    assert scorer.score(added, EVIDENCE).verdict != "supported"


@needs_model
@pytest.mark.model
def test_a_verdict_does_not_depend_on_the_batch(scorer: SupportScorer) -> None:
    claims = [PARAPHRASE, "Lunn was convicted and sentenced to prison.", EXACT]
    alone = [scorer.score(claim, EVIDENCE) for claim in claims]
    scorer.verifier.clear_cache()
    together = scorer.score_many([(claim, EVIDENCE) for claim in claims])
    assert [s.verdict for s in together] == [s.verdict for s in alone]
    assert [s.score for s in together] == pytest.approx([s.score for s in alone], abs=1e-6)


def test_attribution_file_parsing(tmp_path: Path) -> None:
    pairs = read_pairs(TINY_SET)
    assert [p.label for p in pairs] == [1, 0, 0, 1, 0, 1]
    assert pairs[3].evidence.count("\n\n") == 1  # a list of passages is joined
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"claim": "c", "evidence": "e", "label": "maybe"}) + "\n")
    with pytest.raises(UserError, match=r"bad.jsonl:1: label 'maybe'"):
        read_pairs(bad)
    bad.write_text(json.dumps({"claim": "c", "label": 1}) + "\n")
    with pytest.raises(UserError, match=r"bad.jsonl:1: missing evidence; every line needs claim, evidence, label"):
        read_pairs(bad)
    bad.write_text("[1, 2]\n")
    with pytest.raises(UserError, match=r"bad.jsonl:1: not a JSON object"):
        read_pairs(bad)


def test_binary_scores_by_hand() -> None:
    # Supported class: recall 2/3, precision 2/2; not-supported: recall 1/1, precision 1/2.
    balanced, macro_f1, accuracy = binary_scores([1, 1, 1, 0], [1, 1, 0, 0])
    assert balanced == pytest.approx((2 / 3 + 1) / 2)
    assert macro_f1 == pytest.approx((0.8 + 2 / 3) / 2)
    assert accuracy == pytest.approx(0.75)


@pytest.mark.cli
def test_eval_attribution_cli_with_overlap_scorer() -> None:
    # Gates catch the altered number and the negation flip, the wrong passage barely overlaps
    # (0.12), and the paraphrase (line 4) shares 86% of its words: 6 of 6 right.
    result = run_cli("eval", "--attribution", str(TINY_SET), "--json",
                     env={"ASSISTANT_VERIFY_SUPPORT_VERIFIER": "none"})
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 6 and metrics["positives"] == 3
    assert metrics["accuracy"] == pytest.approx(1.0)


@pytest.mark.cli
@needs_model
@pytest.mark.model
def test_eval_attribution_cli_loads_the_model_offline(tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    result = run_cli("eval", "--attribution", str(TINY_SET),
                     env={"PYTHONPATH": f"{NETGUARD}:{ROOT}", "NETGUARD_LOG": str(log),
                          "ASSISTANT_VERIFY_SUPPORT_VERIFIER": "builtin"})
    assert result.returncode == 0, result.stderr
    assert "6 pairs (3 supported, 3 not)" in result.stdout
    assert "balanced accuracy  1.000" in result.stdout and "macro-F1           1.000" in result.stdout
    assert "ms mean" in result.stdout
    assert not log.exists() or not log.read_text().strip(), log.read_text()
