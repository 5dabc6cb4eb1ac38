"""`assistant check`: verify the citations of any answer, ours or another chatbot's.

Input is either JSON — `{"answer": "text with [1] markers", "passages": [...]}`, or our own
Answer JSON with `citations` — or plain text with no passages, in which case every sentence
is looked up in the indexed corpus. Each sentence gets a verdict from the SupportScorer
(the same judge the answerer and `assistant eval` use), the best supporting passage and
quote, and the numbers, dates and names the passage lacks; the answer gets ALCE citation
recall and precision.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.extractive import stems
from assistant.answer.support import Support, SupportScorer, fact_gate
from assistant.errors import UserError
from assistant.evaluate.metrics import CitedSentence, SupportJudge, citation_scores
from assistant.settings import Settings
from assistant.text import display_text, sentence_spans
from assistant.types import Verdict

if TYPE_CHECKING:
    from assistant.assistant import Assistant

# Citation markers as chatbots write them: [1], [1][2], [1, 2], [1-3], [^1], 【1】.
_MARKER = re.compile(r"\s*[\[【]\^?(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)[\]】]")
# Markers placed after the full stop still belong to the sentence before it.
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*[\[【]\^?\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*[\]】])+)")
# A reference list ("[1] Title, https://…" or "Sources:") is not part of the answer's claims.
_REFERENCE_LINE = re.compile(r"^\s*(?:[-*]\s*)?(?:[\[【]\^?\d{1,3}[\]】]:?\s|(?:sources|references|"
                             r"citations)\s*:?\s*$)", re.IGNORECASE)
_MAX_RANGE = 50

VERDICTS = tuple(Verdict)


@dataclass
class CheckedPassage:
    """One piece of evidence: a passage given with the answer (`n`) or found in the corpus."""

    text: str
    n: int | None = None
    title: str = ""
    doc_id: str = ""
    source_url: str = ""
    chunk_id: str = ""

    @property
    def evidence(self) -> str:
        """What the judge reads: the title too, as ALCE does, since names often live there."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass
class SentenceCheck:
    text: str
    citations: list[int]
    verdict: Verdict
    score: float  # the best single passage's support score, 0..1
    passage: CheckedPassage | None = None  # the best supporting passage
    quote: str = ""  # its sentence that best matches the claim
    missing: list[str] = field(default_factory=list)  # numbers, dates, names it lacks
    negation_mismatch: bool = False
    dropped: list[str] = field(default_factory=list)  # what it leaves out that changes the meaning
    unknown_citations: list[int] = field(default_factory=list)  # markers with no passage
    irrelevant_citations: list[int] = field(default_factory=list)  # ALCE-irrelevant ones


@dataclass
class CheckReport:
    mode: str  # passages: checked against the passages given | corpus: searched for support
    sentences: list[SentenceCheck]
    # ALCE citation recall and precision; None in corpus mode, where nothing was cited.
    citation_recall: float | None
    citation_precision: float | None

    @property
    def verdict_counts(self) -> dict[str, int]:
        return {v.value: sum(s.verdict == v for s in self.sentences) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for sentence in data["sentences"]:
            if sentence["passage"]:
                sentence["passage"].pop("text")  # the quote says what matters; keep it short
        data["verdict_counts"] = self.verdict_counts
        return data


@dataclass
class Submission:
    sentences: list[CitedSentence]
    passages: dict[int, CheckedPassage] | None  # None: search the corpus


# --- Reading an answer --------------------------------------------------------------------

def parse_markers(text: str) -> list[int]:
    """Passage numbers cited in `text`, in order: "[1][2]", "[1, 2]" and "[1-3]" all count."""
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            low, _, high = re.sub(r"\s", "", part).replace("–", "-").partition("-")
            if high and 0 <= int(high) - int(low) <= _MAX_RANGE:
                numbers.extend(range(int(low), int(high) + 1))
            else:
                numbers.extend(int(n) for n in (low, high) if n)
    return list(dict.fromkeys(numbers))


def strip_markers(text: str) -> str:
    plain = _MARKER.sub("", text)
    return display_text(re.sub(r"\s+([.,;:!?])", r"\1", plain))


def split_answer(answer: str) -> list[CitedSentence]:
    """Claims of a free-text answer with the passages each cites; reference lists dropped."""
    body = "\n".join(line for line in answer.splitlines() if not _REFERENCE_LINE.match(line))
    body = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", body)
    sentences = []
    for start, end in sentence_spans(body):
        raw = body[start:end]
        claim = strip_markers(raw)
        if re.search(r"\w", claim):
            sentences.append(CitedSentence(claim, parse_markers(raw)))
    return sentences


def parse_payload(payload: str | dict[str, Any]) -> Submission:
    """JSON with passages (or our Answer JSON with citations), or plain text."""
    if isinstance(payload, str):
        stripped = payload.strip()
        if not stripped:
            raise UserError("the answer to check is empty; give plain text or JSON with an 'answer'")
        if not stripped.startswith("{"):
            return Submission(split_answer(stripped), None)
        try:
            payload = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UserError(f"the input starts with '{{' but is not valid JSON ({exc}); "
                            "fix the JSON or pass plain text") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("answer"), str):
        raise UserError('JSON input needs an "answer" string, e.g. '
                        '{"answer": "... [1]", "passages": [{"n": 1, "text": "..."}]}')
    passages = _read_passages(payload.get("passages") or payload.get("citations") or [])
    own = payload.get("sentences")
    if own and all(isinstance(s, dict) and "text" in s for s in own):
        sentences = [CitedSentence(display_text(s["text"]), [int(n) for n in s.get("citations", [])])
                     for s in own]
    else:
        sentences = split_answer(payload["answer"])
    return Submission(sentences, passages or None)


def _read_passages(items: Any) -> dict[int, CheckedPassage]:
    if not isinstance(items, list):
        raise UserError('"passages" must be a list of strings or {"n": 1, "text": "..."} objects')
    passages: dict[int, CheckedPassage] = {}
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            passages[index] = CheckedPassage(text=item, n=index)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UserError(f'passage {index} needs a "text" string; got {str(item)[:60]!r}')
        try:
            n = int(item.get("n", index))
        except (TypeError, ValueError) as exc:
            raise UserError(f'passage {index}: "n" must be a number, got {item.get("n")!r}') from exc
        passages[n] = CheckedPassage(
            text=item["text"], n=n, title=str(item.get("title") or ""),
            doc_id=str(item.get("doc_id") or ""), source_url=str(item.get("source_url") or ""),
            chunk_id=str(item.get("chunk_id") or ""))
    return passages


# --- Checking -----------------------------------------------------------------------------

def best_quote(claim: str, passage_text: str) -> str:
    """The passage sentence sharing the most content words (stemmed) with the claim."""
    claim_stems = stems(claim)
    best, best_overlap = "", -1.0
    for start, end in sentence_spans(passage_text):
        overlap = len(claim_stems & stems(passage_text[start:end])) / max(1, len(claim_stems))
        if overlap > best_overlap:
            best, best_overlap = passage_text[start:end], overlap
    return best


@lru_cache(maxsize=4)
def shared_scorer(settings: Settings) -> SupportScorer:
    """One scorer per configuration and process, so its verifier model loads once."""
    return SupportScorer.from_settings(settings)


def check_answer(assistant: Assistant | None, payload: str | dict[str, Any],
                 scorer: SupportScorer | None = None) -> CheckReport:
    """Check one answer. `payload` is the raw text or parsed JSON of the input. `assistant`
    is needed only when no passages are given (the corpus is searched); `scorer` defaults to
    the one the settings configure (the assistant's, else those loaded from the environment)."""
    submission = parse_payload(payload)
    if not submission.sentences:
        raise UserError("found no sentences to check in the answer")
    judge = SupportJudge(scorer or shared_scorer(assistant.settings if assistant else Settings.load()))
    if submission.passages is None:
        if assistant is None:
            raise UserError("no passages were given, so the corpus must be searched: "
                            "run `assistant ingest` first")
        return _check_against_corpus(assistant, submission.sentences, judge)
    return _check_against_passages(submission.sentences, submission.passages, judge)


def _check_against_passages(sentences: list[CitedSentence], passages: dict[int, CheckedPassage],
                            judge: SupportJudge) -> CheckReport:
    scores = citation_scores(sentences, {n: p.evidence for n, p in passages.items()}, judge)
    checks = []
    for index, sentence in enumerate(sentences):
        known = [n for n in sentence.citations if n in passages]
        # An uncited sentence is still matched against every passage, to show what could back it.
        pool = [passages[n] for n in known] if known else list(passages.values())
        best, support = _best(judge, sentence.text, pool)
        evidence = "\n".join(passages[n].evidence for n in known) if known else best.evidence
        if not sentence.citations:
            verdict = Verdict.UNCITED
        elif scores.supported[index]:
            verdict = Verdict.SUPPORTED
        elif known and _partly(judge, sentence.text, [evidence, *(p.evidence for p in pool)]):
            verdict = Verdict.PARTIAL
        else:
            verdict = Verdict.UNSUPPORTED
        checks.append(_sentence_check(sentence, verdict, support, best, evidence,
                                      unknown=[n for n in sentence.citations if n not in passages],
                                      irrelevant=scores.irrelevant[index]))
    return CheckReport("passages", checks, scores.recall, scores.precision)


def _check_against_corpus(assistant: Assistant, sentences: list[CitedSentence],
                          judge: SupportJudge) -> CheckReport:
    snapshot = assistant.reader.snapshot()
    checks = []
    for sentence in sentences:
        found = assistant.retriever.retrieve(snapshot, sentence.text).passages
        pool = [CheckedPassage(text=p.chunk.text, title=p.chunk.meta.get("title", ""),
                               doc_id=p.chunk.doc_id, source_url=p.chunk.meta.get("source_url", ""),
                               chunk_id=p.chunk.chunk_id) for p in found]
        if not pool:
            checks.append(SentenceCheck(sentence.text, sentence.citations, "unsupported", 0.0))
            continue
        best, support = _best(judge, sentence.text, pool)
        checks.append(_sentence_check(sentence, support.verdict, support, best, best.evidence))
    return CheckReport("corpus", checks, None, None)


def _best(judge: SupportJudge, claim: str,
          pool: list[CheckedPassage]) -> tuple[CheckedPassage, Support]:
    supports = judge.support_many([(claim, p.evidence) for p in pool])
    support, passage = max(zip(supports, pool, strict=True), key=lambda pair: pair[0].score)
    return passage, support


def _partly(judge: SupportJudge, claim: str, evidences: list[str]) -> bool:
    return any(s.verdict in (Verdict.SUPPORTED, Verdict.PARTIAL)
               for s in judge.support_many([(claim, e) for e in evidences]))


def _sentence_check(sentence: CitedSentence, verdict: Verdict, support: Support, best: CheckedPassage,
                    evidence: str, unknown: list[int] | None = None,
                    irrelevant: list[int] | None = None) -> SentenceCheck:
    gate = fact_gate(sentence.text, evidence)
    return SentenceCheck(
        text=sentence.text, citations=sentence.citations, verdict=verdict,
        score=round(float(support.score), 3), passage=best, quote=best_quote(sentence.text, best.text),
        missing=gate.missing, negation_mismatch=gate.negation_mismatch, dropped=gate.dropped,
        unknown_citations=unknown or [], irrelevant_citations=irrelevant or [])


# --- Command line -------------------------------------------------------------------------

def read_input(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file; give a file with the answer, or '-' for stdin") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it as UTF-8 text ({exc})") from exc


def check_command(settings: Settings, source: str, as_json: bool) -> int:
    """`assistant check FILE|-`: the index is opened only when the corpus must be searched."""
    raw = read_input(source)
    needs_corpus = parse_payload(raw).passages is None
    assistant = None
    if needs_corpus:
        from assistant.assistant import Assistant

        assistant = Assistant.from_settings(settings)
    report = check_answer(assistant, raw, shared_scorer(settings))
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if as_json
          else format_report(report))
    return 0


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def format_report(report: CheckReport) -> str:
    counts = report.verdict_counts
    where = "the passages given" if report.mode == "passages" else "the indexed corpus"
    lines = [f"Checked {len(report.sentences)} sentences against {where}: "
             + ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])]
    if report.mode == "passages":
        lines.append(f"Citation recall {_percent(report.citation_recall)} · "
                     f"citation precision {_percent(report.citation_precision)}")
    for number, check in enumerate(report.sentences, start=1):
        cites = "".join(f"[{n}]" for n in check.citations)
        lines += ["", f"{number}. {check.verdict.upper()}: {check.text} {cites}".rstrip()]
        if check.passage:
            label = f"[{check.passage.n}] " if check.passage.n is not None else ""
            name = check.passage.title or check.passage.doc_id
            source = f" — {check.passage.source_url}" if check.passage.source_url else ""
            lines.append(f"   best passage: {label}{name}{source}".rstrip())
            lines.append(f"   quote: \"{display_text(check.quote)}\"")
        if check.missing:
            lines.append(f"   not in the passage: {', '.join(check.missing)}")
        if check.negation_mismatch:
            lines.append("   the sentence is negated but the passage is not")
        if check.dropped:
            lines.append(f"   leaves out what changes the meaning: {', '.join(check.dropped)}")
        if check.unknown_citations:
            lines.append(f"   cites passages that were not given: {check.unknown_citations}")
        if check.irrelevant_citations:
            lines.append(f"   citations not needed for this sentence: {check.irrelevant_citations}")
    return "\n".join(lines)
