"""Support checking: is a sentence backed by the passage it cites?

Two layers, one judge (`SupportScorer`) for the answerer, `assistant check` and `assistant eval`:
1. Deterministic gates that cannot be talked out of their verdict: a quote must sit in its
   passage at the stated offsets, and every number, date, capitalised name and negation in
   the claim must be found in the cited text. A claim that fails is unsupported.
2. A verifier model of our own (assistant/answer/verifier.py), a MiniLM cross-encoder trained
   by evals/train_verifier.py, scores what the gates let through. Its thresholds were tuned on
   training-side data and travel with the weights in card.json.
Measured in evals/reports/attribution.md.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.text import normalize, split_sentences, stem
from assistant.types import Verdict

if TYPE_CHECKING:
    from assistant.answer.verifier import Verifier
    from assistant.settings import Settings

_NUMBER = re.compile(r"(?<![\w.])(?:\$\s?)?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:%|percent|million|billion))?")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+(?:\s+(?:[A-Z][a-zA-Z'’\-]+|of|de|v\.|and|for|the)(?=\s+[A-Z]|$|\W))*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)[\"'“‘(\[*]*$")
# Sentence-initial words and everyday capitalised words that are not names to check.
_COMMON = {"the", "a", "an", "in", "on", "at", "for", "and", "but", "or", "if", "when", "under",
           "per", "as", "by", "this", "that", "these", "those", "it", "its", "they", "their",
           "there", "some", "many", "most", "each", "every", "both", "one", "after", "before",
           "during", "since", "until", "while", "because", "also", "you", "your", "we", "our",
           "he", "she", "his", "her", "what", "who", "how", "why", "where", "yes", "no",
           "according", "however", "i", "is", "are", "was", "were", "not", "do", "does"}
# Words that open sentences in chatbot answers; capitalised there, they are not names.
_OPENERS = {"furthermore", "additionally", "moreover", "overall", "generally", "typically", "usually",
            "often", "instead", "therefore", "thus", "hence", "clearly", "importantly", "notably",
            "specifically", "similarly", "finally", "first", "second", "third", "next", "then", "although",
            "though", "today", "currently", "recently", "meanwhile", "here", "it's", "there's", "that's",
            "they're", "we're", "you're", "i'm", "so", "still", "yet", "other", "another", "such", "all",
            "any", "only", "even", "again", "later", "earlier", "once", "now", "people", "no"}


# Words between a negation and the word it negates ("not have to open", "not been told").
_AUXILIARIES = {"be", "been", "being", "have", "has", "had", "to", "a", "an", "the", "yet", "always", "only"}


# Negation words by role. Denials say something is not so; "without" limits a claim rather than
# denies it, so it counts when a claim must keep the evidence's negation but is not a "not" itself.
# A denial bound to a verb ("Lunn did not create", "police cannot hold") has a subject before it.
_DENIALS = r"not|no|never|none|nor|neither|cannot|\w+n['’]t"
_LIMITS = r"without"
_AUXILIARY_VERBS = r"did|does|do|was|were|is|are|has|have|had|could|would|should|will|may|must|can"
_NEGATION = re.compile(rf"\b(?:{_DENIALS}|{_LIMITS})\b", re.IGNORECASE)
_NOT = re.compile(rf"\b(?:{_DENIALS})\b", re.IGNORECASE)
_VERBAL_NEGATION = re.compile(rf"\b(?:(?:{_AUXILIARY_VERBS})\s+not|cannot|\w+n['’]t|never)\b", re.IGNORECASE)

# Reported speech. "Everett's mayor said the police did not call ICE" supports that the mayor
# said so, not that the police did: a claim restating what a person or agency said must keep
# who said it. A document speaking for itself ("the policy says") is the cited source, and
# "according to <outlet>" names where a fact was reported, which the citation already links
# (so "according to ICE" is not checked either: a known gap).
# Verb forms that are seldom nouns ("state", "claims" and "notes" often are).
_SPEECH_VERBS = {"say", "said", "says", "tell", "told", "tells", "stated", "claimed", "allege", "alleged", "alleges",
                 "argue", "argued", "argues", "insist", "insisted", "insists", "maintained", "maintains", "deny",
                 "denied", "denies", "contended", "contends", "asserted", "asserts", "announced", "announces",
                 "wrote", "writes", "testified", "testifies", "confirmed", "confirms", "acknowledged",
                 "acknowledges", "noted", "warned", "warns", "added", "reported", "replied", "replies",
                 "responded", "responds", "countered", "cites", "cited"}
# What keeps an attribution in a claim, besides the speaker: a speech verb or these.
_ATTRIBUTION_WORDS = _SPEECH_VERBS | {"according", "statement", "interview", "states", "claims", "reports"}
# "Joshua Dankoff of Citizens for Juvenile Justice cites": any of the last five words names the speaker.
_SPEAKER_WORDS = 5
# A claim that someone said something: its speaker must be speaking in the evidence too, in any
# of the ways a passage puts it (a decision "held", a report "found").
_CLAIMED_SPEECH = {"say", "says", "said", "states", "stated", "claims", "claimed", "told", "argues", "argued",
                   "insists", "insisted", "alleges", "alleged", "asserts", "asserted", "contends", "contended",
                   "ruled"}
_SAYING = _SPEECH_VERBS | {"says", "states", "claims", "held", "holds", "ruled", "rules", "found", "finds", "decided",
                           "concluded", "recommends", "recommended", "calls", "called", "described", "describes",
                           "according", "citing", "cited"}
_PRONOUNS = {"he", "she", "they", "we", "i"}
_DOCUMENT_SPEAKERS = {"policy", "law", "statute", "act", "bill", "report", "order", "rule", "rules", "guidance",
                      "memo", "agreement", "decision", "ruling", "opinion", "court", "sjc", "card", "summary",
                      "data", "records", "article", "story", "website", "page", "form", "contract", "text",
                      "section", "document", "letter", "version", "versions", "amendment", "regulation", "manual",
                      "guide", "lawsuit", "complaint", "survey", "study", "analysis", "petition", "brief", "filing",
                      "testimony", "audit", "review", "release", "statement", "it"}
# Before a speech verb, these mean nobody in particular is speaking ("people are not told", "one
# could say", "declined to say") or the word is a noun ("other states", "the claims").
_NO_SPEAKER_BEFORE = {*_AUXILIARY_VERBS.split("|"), "be", "been", "being", "not", "never", "might", "to",
                      "a", "an", "the", "other", "some", "many", "all", "several", "united", "these", "those"}
# Words passed over when looking back from a speech verb for who is speaking.
_NOT_SPEAKER = {"also", "later", "first", "then", "still", "repeatedly", "always", "only", "has", "have", "had",
                "and", "but", "s", "publicly", "once"}
# A speech verb right after these sits in a relative clause ("the report, which advocates said was
# incomplete, found..."): the rest of the sentence is not what was said.
_RELATIVE = {"which", "who", "whom", "that"}

# Verbs that reverse or limit their object. "recommends regulating or abolishing gang databases"
# -> "recommends gang databases" keeps every other word and says the opposite. Whole verb forms,
# not stems, so "removal proceedings", "barrier" and "endure" are not caught.
_REVERSING_VERBS = {form for base, forms in {
    "abolish": "abolishes abolished abolishing", "ban": "bans banned banning", "bar": "bars barred barring",
    "prohibit": "prohibits prohibited prohibiting", "limit": "limits limited limiting",
    "restrict": "restricts restricted restricting", "regulate": "regulates regulated regulating",
    "stop": "stops stopped stopping", "prevent": "prevents prevented preventing",
    "eliminate": "eliminates eliminated eliminating", "repeal": "repeals repealed repealing",
    "reduce": "reduces reduced reducing", "curb": "curbs curbed curbing", "oppose": "opposes opposed opposing",
    "reject": "rejects rejected rejecting", "block": "blocks blocked blocking", "halt": "halts halted halting",
    "cancel": "cancels canceled cancelled canceling cancelling", "withdraw": "withdraws withdrew withdrawn withdrawing",
    "suspend": "suspends suspended suspending", "dismantle": "dismantles dismantled dismantling",
    "rescind": "rescinds rescinded rescinding", "terminate": "terminates terminated terminating",
    "forbid": "forbids forbade forbidden forbidding", "outlaw": "outlaws outlawed outlawing",
    "exclude": "excludes excluded excluding", "end": "ends ended ending",
}.items() for form in [base, *forms.split()]}
# The same reversal said with a noun: "limits on fingerprint transmission", "an end to 287(g)".
_REVERSING_NOUNS = {"limits", "limit", "restrictions", "ban", "bans", "end", "abolition", "regulation", "repeal",
                    "prohibition", "elimination", "moratorium", "curbs", "opposition"}
_SKIP_SPAN = 12  # how far apart, in the evidence, two words the claim joins may stand
_CLAUSE_WORDS = {*_AUXILIARY_VERBS.split("|"), "be", "been", "and", "but", "which", "who", "that", "while", "when"}
# Permission is not certainty: "the policy lets court staff tell ICE" -> "the court will tell ICE".
_PERMITTING = {"lets", "let", "allows", "allow", "allowed", "permits", "permit", "permitted", "may", "can"}
_PERMISSION_KEPT = _PERMITTING | {"could", "might", "able", "authorizes", "authorized", "optional", "discretion"}
# Words that make the next one a noun: "a bus stop", "traffic stops", "the end".
_BEFORE_NOUN = {"a", "an", "the", "this", "that", "its", "their", "his", "her", "no", "each", "every", "bus",
                "traffic", "car", "speed", "time", "term", "age"}
_OBJECT_WORDS = 2  # the reversed object's first content words
_KEPT_WITHIN = 4  # how far before the object a claim's reversing verb, negation or modal may stand

# A bill "would bar" arrests; stating that it "bars" them turns a proposal into law.
_HYPOTHETICAL = {"would", "could", "might"}
_MODALITY = _HYPOTHETICAL | {"can", "will", "may", "should", "must", "if", "propose", "proposes", "proposed"}
_MODAL_FILLERS = {"not", "also", "still", "only", "then", "likely", "generally", "first", "be", "been"}

# Hedges. "...which is probably the Commonwealth Fusion Center" -> "...is the Commonwealth
# Fusion Center", and "more than 200" -> "200", state as certain or exact what the source does not.
_HEDGES = {"probably", "possibly", "likely", "apparently", "reportedly", "perhaps", "presumably", "seemingly"}
_HEDGING_VERBS = {"appears", "appear", "appeared", "seems", "seem", "seemed"}  # "appears to", not "appears in court"
# A claim saying these keeps the doubt. (Our corpus's "(uncertain: ...)" notes are not checked in
# the evidence: most say how a fact was sourced, and claims that leave them out were labelled supported.)
_DOUBT_NOTES = {"uncertain", "unclear", "unconfirmed", "unverified", "disputed"}
_NUMBER_QUALIFIERS = {"more", "least", "over", "nearly", "about", "almost", "fewer", "less", "under",
                      "approximately", "around", "roughly", "some", "estimated", "than", "above", "below", "only",
                      "just", "exactly"}
# Words too common to show what a claim is about.
_STOPWORDS = {"the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "from", "with", "by", "at", "as",
              "its", "their", "his", "her", "all", "any", "is", "are", "was", "were", "be", "been", "that", "this",
              "it", "they", "he", "she", "local", "state", "s"}
_SUBJECT_WORDS = 2  # the claim's first content words: what it is about
_NOT_SUBJECT = {"and", "but", "or", "that", "which", "who", "it", "they", "he", "she", "also", "still", "v", "v.",
                "a", "an", "the", "of", "so", "yet", "then"}


@dataclass
class GateResult:
    passed: bool
    missing: list[str] = field(default_factory=list)  # facts in the claim absent from evidence
    negation_mismatch: bool = False
    # Evidence words the claim leaves out that change its meaning: who said it ("mayor said"),
    # a verb that reverses the claim's object ("abolishing"), a "would" ("would bar"), or a hedge
    # ("probably", "more than 200").
    dropped: list[str] = field(default_factory=list)


def _number_key(token: str) -> str:
    return re.sub(r"[\s,$]", "", token.lower()).replace("percent", "%")


def claim_numbers(text: str) -> list[str]:
    return [m.group(0).strip() for m in _NUMBER.finditer(text)]


def claim_names(text: str) -> list[str]:
    """Capitalised names in `text`, without the words that are capitalised only because they
    open a sentence ("Furthermore", "Sketching", "It's")."""
    names = []
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        if _SENTENCE_START.search(text[:match.start()]) and _opener(words[0]):
            words = words[1:]
        words = [w for w in words if w.lower() not in _COMMON]
        while words and words[-1].lower() in {"and", "for", "the", "of", "de"}:
            words.pop()
        if words:
            names.append(" ".join(words))
    return names


def _opener(word: str) -> bool:
    lowered = word.lower()
    return lowered in _COMMON or lowered in _OPENERS or lowered.endswith(("ly", "ing"))


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


def _name_found(name: str, evidence: str, evidence_norm: str) -> bool:
    """Every word of the name is in the evidence, or the name is the acronym of a name there
    ("ICE" for "Immigration and Customs Enforcement"), or the other way round."""
    parts = [p for p in normalize(name).split() if len(p) > 2]
    if not parts or all(p in evidence_norm for p in parts):
        return True
    evidence_tokens = set(re.findall(r"\b[A-Z]{2,6}\b", evidence))
    if len(name.split()) > 1 and _initials(name) in evidence_tokens:
        return True
    return name.isupper() and name in {_initials(n) for n in claim_names(evidence) if len(n.split()) > 1}


def fact_gate(claim: str, evidence: str) -> GateResult:
    """Numbers and names in `claim` must be found in `evidence`, and a claim that restates one
    evidence sentence must not drop what gives that sentence its meaning: a negation, who said
    it, a verb reversing its object, a "would", or a hedge."""
    evidence_numbers = {_number_key(n) for n in claim_numbers(evidence)}
    evidence_norm = normalize(evidence)
    missing = [n for n in claim_numbers(claim) if _number_key(n) not in evidence_numbers]
    missing += [name for name in claim_names(claim) if not _name_found(name, evidence, evidence_norm)]
    missing = list(dict.fromkeys(missing))
    claim_words = _tokens(claim)
    restated = _restated_sentence(claim_words, evidence)
    negation_mismatch = _negation_mismatch(claim, claim_words, evidence, restated)
    dropped: list[str] = []
    if restated is not None:
        restated_words = _tokens(restated)
        dropped = [word for gate in _MEANING_GATES for word in gate(claim_words, restated_words)]
    dropped = list(dict.fromkeys([*dropped, *_misattributed(claim_words, _tokens(evidence))]))
    return GateResult(passed=not missing and not negation_mismatch and not dropped, missing=missing,
                      negation_mismatch=negation_mismatch, dropped=dropped)


def _tokens(text: str) -> list[str]:
    """Lower-case words of `text` without punctuation; "don't" and "Everett's" stay one word."""
    return re.findall(r"[a-z0-9$%§]+(?:'[a-z]+)?", normalize(text))


def _restated_sentence(claim_tokens: list[str], evidence: str) -> str | None:
    """The evidence sentence the claim restates: the one sharing most of its words (60% or more).
    Lines are split first, so a passage title never joins its first sentence."""
    claim_words = set(claim_tokens)
    sentences = [s for line in evidence.splitlines() for s in split_sentences(line)] or [evidence]
    shared = {sentence: len(claim_words & set(_tokens(sentence))) for sentence in sentences}
    closest = max(shared, key=shared.__getitem__)
    return closest if shared[closest] >= 0.6 * len(claim_words) else None


def _negation_mismatch(claim: str, claim_words: list[str], evidence: str, restated: str | None) -> bool:
    """A negated claim needs a negation in the evidence. And a claim restating an evidence
    sentence must keep that sentence's "not X" when it states X: dropping the negation of a
    word the claim still uses ("did not call ICE" -> "called ICE") flips the meaning, while
    leaving out the negated part ("a knife and no gun" -> "a knife") does not."""
    if _NEGATION.search(claim) and not _NEGATION.search(evidence):
        return True
    if _NOT.search(claim) or restated is None:
        return False  # the claim says "not" itself; whether it is the same "not" is the verifier's call
    claim_text = " ".join(claim_words)
    for match in _NEGATION.finditer(restated):
        if " ".join(_tokens(restated[match.start():])[:2]) in claim_text:
            continue  # the claim keeps this negation ("without a judicial warrant")
        following = [w for w in _tokens(restated[match.end():])[:3] if w not in _AUXILIARIES]
        if following and any(w.startswith(following[0][:4]) for w in claim_words):
            return True
    # "...a rule that Lunn v. Commonwealth did not create, barring X" -> "Lunn barred X": the
    # claim's subject is what the evidence says something is not (or did not do), yet the claim
    # keeps the rest of the sentence and drops the "not".
    subject = [w for w in claim_words if w not in _NOT_SUBJECT and w not in _COMMON][:_SUBJECT_WORDS]
    for match in _VERBAL_NEGATION.finditer(restated):
        before = [w for w in _tokens(restated[:match.start()]) if w not in _NOT_SUBJECT][-3:]
        if any(w in before for w in subject):
            return True
    return False


def _near(words: list[str], index: int, wanted: Callable[[str], bool]) -> bool:
    """A word `wanted` stands among the few words before `words[index]`."""
    return any(wanted(w) for w in words[max(0, index - _KEPT_WITHIN):index])


def _dropped_speaker(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["mayor said"] when the claim states what a person or agency said in the evidence sentence without
    keeping both who said it and that it was said; [] otherwise."""
    content = set(claim_words) - _STOPWORDS
    for i, word in enumerate(evidence_words):
        if word not in _SPEECH_VERBS:
            continue
        before = evidence_words[:i]
        if not before or before[-1] in _NO_SPEAKER_BEFORE or before[-1].endswith("n't"):
            continue
        named = [w for w in before if (w in _PRONOUNS or w not in _NOT_SPEAKER | _STOPWORDS)
                 and not w.endswith("ly") and not w.isdigit()]
        speaker = named[-_SPEAKER_WORDS:]
        # A document a little further back still speaks for itself ("guidance, not specific to X, says").
        if not speaker or _DOCUMENT_SPEAKERS & set(speaker) or _RELATIVE & set(before[-2:]):
            continue
        if set(speaker) & set(claim_words) and _ATTRIBUTION_WORDS & set(claim_words):
            continue  # "the mayor said...", "according to the mayor..."
        if len(content & set(evidence_words[i + 1:])) >= max(2, len(content) / 2):
            return [f"{speaker[-1]} {word}"]
    return []


def _misattributed(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["lunn says"] when the claim says someone said something ("Lunn says courts can't hold
    people") but the evidence never has them saying anything ("Citing Lunn, the policy bars...");
    [] otherwise. Documents are exempt: the cited passage is theirs."""
    for i, word in enumerate(claim_words):
        if word not in _CLAIMED_SPEECH or not i:
            continue
        speaker = claim_words[i - 1].removesuffix("'s")
        if speaker in _DOCUMENT_SPEAKERS | _PRONOUNS | _NOT_SPEAKER | _STOPWORDS | _NO_SPEAKER_BEFORE \
                or not speaker.isalpha():
            continue
        speaking = any(w.startswith(speaker[:5]) and (_SAYING & set(evidence_words[j + 1:j + 7])
                                                      or "according" in evidence_words[max(0, j - 3):j])
                       for j, w in enumerate(evidence_words))
        if not speaking:
            return [f"{speaker} {word}"]
    return []


def _dropped_hypothetical(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["would bar"] when the evidence sentence says something would happen and the claim says it does; []
    otherwise. "would have" is left alone: it mostly tells what did not happen."""
    for i, word in enumerate(evidence_words):
        if word not in _HYPOTHETICAL:
            continue
        verb = next((w for w in evidence_words[i + 1:i + 4] if w not in _MODAL_FILLERS), "")
        if not verb.isalpha() or verb in {"have", "to"} or verb in _BEFORE_NOUN:
            continue
        for j, claimed in enumerate(claim_words):
            if claimed.startswith(verb[:4]) and not _near(claim_words, j, _MODALITY.__contains__):
                return [f"{word} {verb}"]
    return []


def _dropped_permission(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["lets tell"] when the evidence sentence permits something ("lets court staff tell ICE") that the claim
    says will or does happen; [] otherwise."""
    for i, word in enumerate(evidence_words):
        if word not in _PERMITTING or (i and evidence_words[i - 1] in _BEFORE_NOUN):
            continue
        # The permitted act: one of the next few words the claim uses as its verb ("lets court staff tell").
        for verb in evidence_words[i + 1:i + 5]:
            if verb in _STOPWORDS or len(verb) < 3 or not verb.isalpha():
                continue
            for j, claimed in enumerate(claim_words):
                if claimed == verb and j and claim_words[j - 1] in {"will", "does", "do", "did", "would", "must"} \
                        and not _near(claim_words, j, _PERMISSION_KEPT.__contains__):
                    return [f"{word} {verb}"]
    return []


def _skipped_reversal(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["limits"] when the claim joins two words ("recommends gang databases") that the evidence
    only ever separates by a reversal governing the second ("recommends ..., along with limits on
    fingerprint transmission, gang databases"); [] otherwise."""
    reversing = (_REVERSING_VERBS | _REVERSING_NOUNS) - set(claim_words)  # a reversal the claim keeps is fine
    content = [w for w in claim_words if w not in _STOPWORDS]
    for first, second in itertools.pairwise(content):
        if first in reversing or second in reversing or _NOT.fullmatch(first):
            continue
        skipped = [_governing_reversal(evidence_words[start + 1:end], reversing)
                   for end, word in enumerate(evidence_words) if word == second
                   for start in [max((i for i in range(max(0, end - _SKIP_SPAN), end)
                                      if evidence_words[i] == first), default=-1)] if start >= 0]
        if skipped and all(skipped):
            return [skipped[0]]
    return []


def _governing_reversal(between: list[str], reversing: set[str]) -> str:
    """The reversal among `between` that governs the word after them, or "": no verb or clause
    may start after it ("nor block ICE arrests, and may not hold" does not govern "hold")."""
    for k, word in enumerate(between):
        if word in reversing and not _CLAUSE_WORDS & set(between[k + 1:]) and \
                (not k or between[k - 1] not in _BEFORE_NOUN - {"no"}):
            return word
    return ""


def _hedged(words: list[str]) -> bool:
    return bool((_HEDGES | _DOUBT_NOTES) & set(words)) or any(
        w in _HEDGING_VERBS and nxt == "to" for w, nxt in itertools.pairwise(words))


def _dropped_hedge(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["probably"] or ["more than 200"] when the evidence sentence hedges what the claim states plainly;
    [] otherwise."""
    if not _hedged(claim_words):
        for i, word in enumerate(evidence_words):
            hedging = word in _HEDGES and (not i or evidence_words[i - 1] not in {"more", "less", "most", "least"})
            hedging |= word in _HEDGING_VERBS and evidence_words[i + 1:i + 2] == ["to"]
            following = [w for w in evidence_words[i + 1:i + 5] if w not in _STOPWORDS | {"to"}]
            if hedging and following and any(c.startswith(following[0][:5]) for c in claim_words):
                return [word]
    # "more than 90 requests" -> "90 requests": the number must keep a qualifier.
    for i, word in enumerate(evidence_words):
        if not word[0].isdigit() or not _NUMBER_QUALIFIERS & set(evidence_words[max(0, i - 2):i]):
            continue
        stated = [j for j, claimed in enumerate(claim_words) if claimed == word]
        if stated and not any(_NUMBER_QUALIFIERS & set(claim_words[max(0, j - 2):j]) for j in stated):
            return [" ".join([*evidence_words[max(0, i - 2):i], word])]
    return []


def _same_word(claimed: str, word: str) -> bool:
    """The same word in another form: "share" and "sharing", "detainers" and "detained"."""
    return claimed.startswith(word[:5]) or stem(claimed) == stem(word)


def _dropped_reversal(claim_words: list[str], evidence_words: list[str]) -> list[str]:
    """["abolishing"] when the evidence sentence reverses or limits something ("regulating or abolishing gang
    databases") that the claim names without a reversing verb or negation just before it; []
    otherwise."""
    for i, word in enumerate(evidence_words):
        if word not in _REVERSING_VERBS or (i and evidence_words[i - 1] in _BEFORE_NOUN):
            continue
        if _NOT.search(" ".join(evidence_words[max(0, i - 2):i])):
            continue  # "does not end the agreement" leaves it in place
        following = [w for w in evidence_words[i + 1:i + 6] if w not in _STOPWORDS and w not in _REVERSING_VERBS]
        target = following[:_OBJECT_WORDS]
        if not target:
            continue
        found = [j for j, claimed in enumerate(claim_words) if any(_same_word(claimed, t) for t in target)]
        if all(any(_same_word(c, t) for c in claim_words) for t in target) and not any(
                _near(claim_words, j, lambda w: w in _REVERSING_VERBS or bool(_NOT.fullmatch(w))) for j in found):
            return [word]
    return []


# What a claim restating one evidence sentence must keep; each gate reads the claim's words and
# that sentence's, and names what the claim dropped.
_MEANING_GATES: tuple[Callable[[list[str], list[str]], list[str]], ...] = (
    _dropped_speaker, _dropped_reversal, _dropped_hypothetical, _dropped_hedge, _dropped_permission,
    _skipped_reversal)


@dataclass
class Support:
    """How well one claim is backed by one piece of evidence."""

    score: float  # 0..1
    verdict: Verdict  # never UNCITED: a scored pair has its evidence
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Thresholds:
    supported: float  # score at or above: supported
    partial: float  # score at or above (and below `supported`): partial
    # A claim failing a gate scores at most this, below `partial`, so it is never supported.
    gate_cap: float

    def verdict(self, score: float) -> Verdict:
        if score >= self.supported:
            return Verdict.SUPPORTED
        return Verdict.PARTIAL if score >= self.partial else Verdict.UNSUPPORTED


# Without a verifier, the share of the claim's words found in the evidence is the score.
OVERLAP_THRESHOLDS = Thresholds(supported=0.8, partial=0.5, gate_cap=0.3)
_GATE_CAP_WITH_VERIFIER = 0.05


def word_overlap(claim: str, evidence: str) -> float:
    claim_words = set(normalize(claim).split())
    return len(claim_words & set(normalize(evidence).split())) / max(1, len(claim_words))


class SupportScorer:
    """The one support judge used by the answerer, `assistant check` and `assistant eval`.

    `SupportScorer()` uses the verifier shipped in assistant/models/verifier/, loaded on first
    use (about a second, offline). `SupportScorer(use_verifier=False)` is the gates plus word
    overlap alone.
    """

    def __init__(self, verifier_dir: Path | None = None, *, use_verifier: bool = True, verifier_windows: int = 6,
                 verifier_cache_size: int = 512) -> None:
        from assistant.answer.verifier import BUILTIN_VERIFIER_DIR

        self.verifier_dir = (verifier_dir or BUILTIN_VERIFIER_DIR) if use_verifier else None
        self.verifier_windows = verifier_windows
        self.verifier_cache_size = verifier_cache_size
        self._verifier: Verifier | None = None
        self._loading = threading.Lock()  # the UI serves several people; load the model once
        self._thresholds: Thresholds | None = None if self.verifier_dir else OVERLAP_THRESHOLDS

    @classmethod
    def from_settings(cls, settings: Settings) -> SupportScorer:
        """`verify.support_verifier`: "builtin" (shipped weights), "none" (gates and overlap), or a directory."""
        verify = settings.verify
        choice = verify.support_verifier.strip()
        if choice.lower() == "none":
            return cls(use_verifier=False)
        return cls(None if choice.lower() in {"", "builtin"} else Path(choice).expanduser(),
                   verifier_windows=verify.verifier_windows, verifier_cache_size=verify.verifier_cache_size)

    @property
    def verifier(self) -> Verifier | None:
        if self.verifier_dir and self._verifier is None:
            from assistant.answer.verifier import Verifier

            with self._loading:
                if self._verifier is None:
                    self._verifier = Verifier(self.verifier_dir, max_windows=self.verifier_windows,
                                              cache_size=self.verifier_cache_size)
        return self._verifier

    @property
    def thresholds(self) -> Thresholds:
        if self._thresholds is None:
            card = self.verifier.card  # type: ignore[union-attr]  # set whenever a verifier is
            self._thresholds = Thresholds(card.supported_threshold, card.partial_threshold,
                                          _GATE_CAP_WITH_VERIFIER)
        return self._thresholds

    @thresholds.setter
    def thresholds(self, value: Thresholds) -> None:
        self._thresholds = value  # threshold tuning (evals/train_verifier.py) sweeps this

    def score(self, claim: str, evidence: str) -> Support:
        return self.score_many([(claim, evidence)])[0]

    def score_many(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        """Score pairs in one batch: gates first, the model only for what they let through."""
        gates = [_gate(claim, evidence) for claim, evidence in pairs]
        undecided = [i for i, gate in enumerate(gates) if gate is not None and gate.passed]
        probabilities: list[float | None] = [None] * len(pairs)
        verifier = self.verifier
        model = verifier.probabilities if verifier else lambda batch: [word_overlap(*pair) for pair in batch]
        for i, p in zip(undecided, model([pairs[i] for i in undecided]), strict=True):
            probabilities[i] = p
        return [self._combine(claim, evidence, gate, p)
                for (claim, evidence), gate, p in zip(pairs, gates, probabilities, strict=True)]

    def judge(self, claim: str, evidence: str, probability: float | None) -> Support:
        """The verdict for one pair given a model probability for it (threshold sweeps use this)."""
        return self._combine(claim, evidence, _gate(claim, evidence), probability)

    def _combine(self, claim: str, evidence: str, gate: GateResult | None, probability: float | None) -> Support:
        """An exact quote (gate None) is supported; a failed gate decides; else the model does."""
        thresholds = self.thresholds
        if gate is None:
            return Support(1.0, Verdict.SUPPORTED)
        if not gate.passed or probability is None:
            # Overlap still ranks failed passages, so `check` can show the closest one.
            score = thresholds.gate_cap * word_overlap(claim, evidence)
            return Support(score, Verdict.UNSUPPORTED, gate.missing)
        return Support(probability, thresholds.verdict(probability))


def _gate(claim: str, evidence: str) -> GateResult | None:
    """The fact gate's result, or None for an exact quote, which needs no gate."""
    return None if _quoted(claim, evidence) else fact_gate(claim, evidence)


def _quoted(claim: str, evidence: str) -> bool:
    """The claim is one or more whole sentences of the evidence, word for word: an exact quote
    needs no model. Part of a sentence is not enough, since "ICE may enter a home" cut from
    "ICE may enter a home only with a judicial warrant" drops the condition, so the quote must
    start and end where the evidence's sentences do; a trailing attribution (", according to
    GBH News") may be left off."""
    quote = normalize(claim).rstrip(" .;:")
    if len(quote.split()) < 4:
        return False
    ends = r"\s?(?:[.;:?!]|$|, (?:according to|as reported by|reported|reports|said|says)\b)"
    pattern = re.compile(r"(?:^|[.;:?!\-]\s)" + re.escape(quote) + ends)
    # A line break (after a title, between list items) also ends a sentence.
    return any(pattern.search(normalize(part)) for part in [evidence, *evidence.splitlines()])


def quote_in_passage(quote: str, passage: str, start: int, end: int, passage_start: int) -> bool:
    """The quote is exactly the passage text at the stated document offsets."""
    local = start - passage_start
    return local >= 0 and passage[local:local + (end - start)] == quote and end - start == len(quote)
