"""`assistant check`: verify the citations of any answer, ours or another chatbot's.

Input is either JSON (`{"answer": "text with [1] markers", "passages": [...]}`, or our own
Answer JSON with `citations`) or plain text with no passages, in which case every sentence is
looked up in the indexed corpus. Each sentence gets a verdict from the SupportScorer (the same
checks and judge the answerer uses), a reason code saying which check decided, the best
passage and its closest sentence, and the numbers, dates or names the passage lacks; the
answer gets ALCE citation recall and precision. `--thorough` judges with the local LLM.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.extractive import stems
from assistant.errors import UserError
from assistant.evaluate.metrics import CitedSentence, SupportJudge, citation_scores
from assistant.settings import Settings
from assistant.text import display_text, sentence_spans
from assistant.types import Verdict
from assistant.verify.evidence import evidence_text
from assistant.verify.markers import REFERENCE_LINE, markers_before_stop, parse_markers, strip_markers
from assistant.verify.scorer import SupportScorer, shared_scorer
from assistant.verify.types import Evidence, Reason, Support

if TYPE_CHECKING:
    from assistant.assistant import Assistant

VERDICTS = tuple(Verdict)


def reason_text(reason: Reason, language: str = "en") -> str:
    """A reason code in words, in one of the UI languages (prompts/ui*.toml)."""
    from assistant.bundled import prompts_dir
    from assistant.prompts import load_messages

    return load_messages(prompts_dir(), "ui", language)[f"check_reason_{reason.value}"]


@dataclass
class SentenceCheck:
    text: str
    citations: list[int]
    verdict: Verdict
    reason: Reason  # the check that decided (README: Support checking)
    score: float  # the best single passage's support score, 0..1
    passage: Evidence | None = None  # the best supporting passage
    quote: str = ""  # its sentence that best matches the claim
    missing: list[str] = field(default_factory=list)  # numbers, dates, names it lacks
    unknown_citations: list[int] = field(default_factory=list)  # markers with no passage
    irrelevant_citations: list[int] = field(default_factory=list)  # ALCE-irrelevant ones


@dataclass
class CheckReport:
    mode: str  # passages: checked against the passages given | corpus: searched for support
    judge: str  # the judge that read what the exact checks let through
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
    passages: dict[int, Evidence] | None  # None: search the corpus


# --- Reading an answer --------------------------------------------------------------------

def split_answer(answer: str) -> list[CitedSentence]:
    """Claims of a free-text answer with the passages each cites; reference lists dropped."""
    body = "\n".join(line for line in answer.splitlines() if not REFERENCE_LINE.match(line))
    body = markers_before_stop(body)
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


def _read_passages(items: Any) -> dict[int, Evidence]:
    if not isinstance(items, list):
        raise UserError('"passages" must be a list of strings or {"n": 1, "text": "..."} objects')
    passages: dict[int, Evidence] = {}
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            passages[index] = Evidence(text=item, n=index)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UserError(f'passage {index} needs a "text" string; got {str(item)[:60]!r}')
        try:
            n = int(item.get("n", index))
        except (TypeError, ValueError) as exc:
            raise UserError(f'passage {index}: "n" must be a number, got {item.get("n")!r}') from exc
        passages[n] = Evidence(
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


def check_answer(assistant: Assistant | None, payload: str | dict[str, Any],
                 scorer: SupportScorer | None = None) -> CheckReport:
    """Check one answer. `payload` is the raw text or parsed JSON of the input. `assistant`
    is needed only when no passages are given (the corpus is searched); `scorer` defaults to
    the one the settings configure (the assistant's, else those loaded from the environment)."""
    submission = parse_payload(payload)
    if not submission.sentences:
        raise UserError("found no sentences to check in the answer")
    scorer = scorer or shared_scorer(assistant.settings if assistant else Settings.load())
    judge = SupportJudge(scorer)
    if submission.passages is None:
        if assistant is None:
            raise UserError("no passages were given, so the corpus must be searched: "
                            "run `assistant ingest` first")
        return _check_against_corpus(assistant, submission.sentences, judge)
    return _check_against_passages(submission.sentences, submission.passages, judge)


def _evidence(passage: Evidence) -> str:
    return evidence_text(passage.text)


def _check_against_passages(sentences: list[CitedSentence], passages: dict[int, Evidence],
                            judge: SupportJudge) -> CheckReport:
    scores = citation_scores(sentences, {n: _evidence(p) for n, p in passages.items()}, judge)
    checks = []
    for index, sentence in enumerate(sentences):
        known = [n for n in sentence.citations if n in passages]
        # An uncited sentence is still matched against every passage, to show what could back it.
        pool = [passages[n] for n in known] if known else list(passages.values())
        best, support = _best(judge, sentence.text, pool)
        joint = judge.support(sentence.text, "\n".join(_evidence(passages[n]) for n in known)) if known else support
        if not sentence.citations:
            verdict, reason = Verdict.UNCITED, Reason.UNCITED
        elif not known:
            verdict, reason = Verdict.UNSUPPORTED, Reason.UNKNOWN_CITATION
        elif scores.supported[index]:
            verdict, reason = Verdict.SUPPORTED, joint.reason if joint.verdict == Verdict.SUPPORTED else support.reason
        else:
            # Partial when the cited passages, together or one by one, back part of it.
            partly = [s for s in (joint, support) if s.verdict == Verdict.PARTIAL]
            verdict = Verdict.PARTIAL if partly else Verdict.UNSUPPORTED
            reason = (partly[0] if partly else joint).reason
        checks.append(_sentence_check(sentence, verdict, reason, joint if known else support, best,
                                      unknown=[n for n in sentence.citations if n not in passages],
                                      irrelevant=scores.irrelevant[index]))
    return CheckReport("passages", judge.scorer.judge.name, checks, scores.recall, scores.precision)


def _check_against_corpus(assistant: Assistant, sentences: list[CitedSentence],
                          judge: SupportJudge) -> CheckReport:
    snapshot = assistant.reader.snapshot()
    checks = []
    for sentence in sentences:
        found = assistant.retriever.retrieve(snapshot, sentence.text).passages
        pool = [Evidence(text=p.chunk.text, title=p.chunk.meta.get("title", ""), doc_id=p.chunk.doc_id,
                         source_url=p.chunk.meta.get("source_url", ""), chunk_id=p.chunk.chunk_id) for p in found]
        if not pool:
            checks.append(SentenceCheck(sentence.text, sentence.citations, Verdict.UNSUPPORTED,
                                        Reason.NO_EVIDENCE, 0.0))
            continue
        best, support = _best(judge, sentence.text, pool)
        checks.append(_sentence_check(sentence, support.verdict, support.reason, support, best))
    return CheckReport("corpus", judge.scorer.judge.name, checks, None, None)


def _best(judge: SupportJudge, claim: str, pool: list[Evidence]) -> tuple[Evidence, Support]:
    supports = judge.support_many([(claim, _evidence(p)) for p in pool])
    support, passage = max(zip(supports, pool, strict=True), key=lambda pair: pair[0].score)
    return passage, support


def _sentence_check(sentence: CitedSentence, verdict: Verdict, reason: Reason, support: Support, best: Evidence,
                    unknown: list[int] | None = None, irrelevant: list[int] | None = None) -> SentenceCheck:
    return SentenceCheck(
        text=sentence.text, citations=sentence.citations, verdict=verdict, reason=reason,
        score=round(float(support.score), 3), passage=best, quote=best_quote(sentence.text, best.text),
        missing=support.missing, unknown_citations=unknown or [], irrelevant_citations=irrelevant or [])


def thorough(settings: Settings) -> Settings:
    """The settings `check --thorough` uses: the LLM judges what the exact checks let through."""
    return settings.updated({"verify": {"judge": "llm"}}, "--thorough")


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


def check_command(settings: Settings, source: str, as_json: bool, thorough_judge: bool = False) -> int:
    """`assistant check FILE|-`: the index is opened only when the corpus must be searched."""
    raw = read_input(source)
    if thorough_judge:
        settings = thorough(settings)
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
    lines = [f"Checked {len(report.sentences)} sentences against {where} (judge: {report.judge}): "
             + ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])]
    if report.mode == "passages":
        lines.append(f"Citation recall {_percent(report.citation_recall)} · "
                     f"citation precision {_percent(report.citation_precision)}")
    for number, check in enumerate(report.sentences, start=1):
        cites = "".join(f"[{n}]" for n in check.citations)
        lines += ["", f"{number}. {check.verdict.upper()}: {check.text} {cites}".rstrip(),
                  f"   why: {reason_text(check.reason)}"]
        if check.passage:
            label = f"[{check.passage.n}] " if check.passage.n is not None else ""
            name = check.passage.title or check.passage.doc_id
            source = f" — {check.passage.source_url}" if check.passage.source_url else ""
            lines.append(f"   best passage: {label}{name}{source}".rstrip())
            lines.append(f"   quote: \"{display_text(check.quote)}\"")
        if check.missing:
            lines.append(f"   not in the passage: {', '.join(check.missing)}")
        if check.unknown_citations:
            lines.append(f"   cites passages that were not given: {check.unknown_citations}")
        if check.irrelevant_citations:
            lines.append(f"   citations not needed for this sentence: {check.irrelevant_citations}")
    return "\n".join(lines)
