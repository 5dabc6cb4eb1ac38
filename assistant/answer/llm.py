"""Generative answers: a LangChain chat model writes, the support scorer decides what is shown.

The model gets numbered passages and must cite [n] in every sentence. Each sentence is checked
as soon as it is complete: one or two adjacent sentences of a passage it cites must support it
(verify/: exact checks of its numbers, dates and names, then the entailment judge); that span becomes the
citation's quote. The passage read whole must support it too, and it may not take words from
another sentence of the passage about the same thing (borrowed_words). Unsupported or uncited
sentences are removed (or flagged, if configured), and `Answer.removed` says which and why.
When the model refuses, fails, times out, or too little of what it wrote survives, the
extractive answer is shown instead, with a notice saying why.

Passages are data (see injection.py): citation-like markers and sentences addressed to an AI
are taken out of the passages before the model reads them and before they serve as evidence, so
an injected instruction can neither steer the model nor vouch for a claim.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from assistant.answer.extractive import ExtractiveAnswerer, stems, unanswered
from assistant.answer.injection import data_sentences
from assistant.errors import UserError
from assistant.prompts import load_prompt
from assistant.retrieve.rewrite import content_words
from assistant.text import sentence_spans, words
from assistant.types import (
    Answer,
    AnswerRequest,
    Chunk,
    Citation,
    EventKind,
    Passage,
    RemovedSentence,
    Sentence,
    StreamEvent,
    Verdict,
    WithheldReason,
)
from assistant.verify import markers
from assistant.verify.evidence import chunk_evidence, evidence_text
from assistant.verify.scorer import SupportScorer
from assistant.verify.types import Support

# The model's way of saying the passages do not answer; prompts/llm_refusal.txt asks for it.
REFUSAL_SENTINEL = "NOT_IN_SOURCES"
UNSUPPORTED_POLICIES = ("remove", "flag")
# A sentence outside the window sharing this many of the claim's words (besides the ones the window
# lacks) is about the same thing. Chosen with evals/joined_sentences.py on the labelled attribution
# sets (evals/reports/joined-sentences.md); the setting llm.same_subject_words.
SAME_SUBJECT = 3
# "Yes, …" / "No, …" answers the question, which the passage cannot confirm; the rest it can.
_YES_NO = re.compile(r"^(?:yes|no)\b\s*[,.;:–—-]?\s*", re.IGNORECASE)


@dataclass
class Window:
    """One or two adjacent data sentences of a passage: what a claim is checked against and quoted from."""

    start: int  # document offsets
    end: int
    evidence: str  # what the scorer reads (verify/evidence.py)
    sentences: int = 1

    @cached_property
    def word_stems(self) -> set[str]:
        """Stems of the span's content words, computed once: every claim of the answer ranks and
        checks the passage's windows by them."""
        return stems(self.evidence)


def windows(chunk: Chunk, size: int = 2) -> list[Window]:
    data = set(data_sentences(chunk))
    spans = chunk.sentences or [(chunk.start, chunk.end)]
    found = []
    for i in range(len(spans)):
        # A window stops at a sentence addressed to an AI: that text is never evidence.
        run = list(itertools.takewhile(lambda span: span in data, spans[i:i + size]))
        for last in range(len(run)):
            start, end = run[0][0], run[last][1]
            text = evidence_text(chunk.text[start - chunk.start:end - chunk.start])
            found.append(Window(start, end, text, last + 1))
    return found


def borrowed_words(claim: str, window: Window, passage: list[Window], same_subject: int = SAME_SUBJECT) -> list[str]:
    """Claim words the window lacks but another sentence of its passage has, where that sentence
    is about the same thing (it shares at least `same_subject` more of the claim's words).

    Such a claim joins a fact from elsewhere in the passage to the window's: "An administrative
    warrant is signed by an ICE official and does not let ICE enter a home" took "official" from
    the glossary's first sentence and the rest from its third, so the quote shown under it did
    not say who signs. Words found nowhere in the passage are paraphrase, the scorer's call. An
    adjacent sentence counts too: the two-sentence window holding both is scored on its own."""
    claim_stems = stems(claim)
    missing = claim_stems - window.word_stems
    taken: set[str] = set()
    for other in passage:
        if other.sentences > 1 or (other.start < window.end and window.start < other.end):
            continue
        found = missing & other.word_stems
        if found and len((claim_stems & other.word_stems) - found) >= same_subject:
            taken |= found
    return [word for word in dict.fromkeys(content_words(claim)) if stems(word) & taken]


@dataclass
class Checked:
    """One sentence the model wrote, after verification."""

    text: str  # display text, markers removed
    cited: list[int]  # passage numbers as the model wrote them
    backing: list[int]  # the cited passages that support it (empty: not verified)
    score: float
    verdict: Verdict
    reason: WithheldReason | None = None  # why it is not verified; None when it is
    missing: list[str] = field(default_factory=list)
    quotes: dict[int, Window] = field(default_factory=dict)  # the span that backs it, per passage
    sentence: Sentence | None = None  # as shown, with final citation numbers

    @property
    def verified(self) -> bool:
        return bool(self.backing)

    def removed(self, reason: WithheldReason | None = None, unanswered: str = "") -> RemovedSentence:
        return RemovedSentence(self.text, self.cited, self.verdict, reason or self.reason or WithheldReason.UNSUPPORTED,
                               round(self.score, 3), self.missing, unanswered)


def split_cited(raw: str) -> tuple[str, list[int]]:
    """A model sentence → (display text without markers, cited numbers in order)."""
    text, cited = markers.split_cited(raw)
    if _YES_NO.match(text) and len(_YES_NO.sub("", text)) > 1:
        text = _YES_NO.sub("", text)
        text = text[0].upper() + text[1:]
    return text, cited


class SentenceStream:
    """Cuts streamed text into sentences, each released once the next one has begun."""

    def __init__(self) -> None:
        self.text = ""
        self._released = 0

    def feed(self, delta: str) -> list[str]:
        self.text += delta
        return self._release(final=False)

    def finish(self) -> list[str]:
        return self._release(final=True)

    def _release(self, final: bool) -> list[str]:
        text = markers.markers_before_stop(self.text)
        spans = sentence_spans(text)
        if not final:
            spans = spans[:-1]  # the last sentence may still be growing
            # A sentence followed only by "[" may be waiting for its citation marker.
            while spans and text[spans[-1][1]:].lstrip().startswith("["):
                spans.pop()
        fresh = [text[s:e] for s, e in spans[self._released:]]
        self._released = max(self._released, len(spans))
        return fresh


# Why the verified sentences do not answer the question (a reason key in prompts/messages.toml), or None.
Unanswered = Callable[[list[Checked]], str | None]


class HoldBack:
    """Holds streamed events back until the verified sentences so far answer the question.

    The checks only ever go from a reason to None as sentences are added (one sentence with the
    asked-for detail is enough; see answerability.py), so text released here is never withdrawn
    as a non-answer. A later fallback (too little verified, a backend error) still replaces the
    whole answer, as the `done` event says."""

    def __init__(self, unanswered: Unanswered) -> None:
        self.unanswered = unanswered
        self.reason = unanswered([])
        self.held: list[StreamEvent] = []

    def release(self, events: Iterator[StreamEvent], checked: list[Checked]) -> Iterator[StreamEvent]:
        for event in events:
            self.held.append(event)
            if self.reason is not None and event.kind is EventKind.SENTENCE:
                self.reason = self.unanswered([c for c in checked if c.verified])
            if self.reason is None:
                yield from self.flush()

    def flush(self) -> Iterator[StreamEvent]:
        held, self.held = self.held, []
        yield from held


class LLMAnswerer:
    """An Answerer: the model writes, each sentence is verified, and `fallback` (the extractive
    answerer) answers instead when the model refuses, fails or too little of it verifies."""

    def __init__(self, model: BaseChatModel, prompts_dir: Path, scorer: SupportScorer,
                 *, fallback: ExtractiveAnswerer, max_passages: int = 4,
                 max_sentences: int = 4, unsupported: str = "remove", min_verified: float = 0.5,
                 timeout_s: float = 90.0, min_claim_words: int = 4, window_sentences: int = 2,
                 windows_scored: int = 3, same_subject_words: int = SAME_SUBJECT) -> None:
        if unsupported not in UNSUPPORTED_POLICIES:
            raise UserError(f"llm.unsupported={unsupported!r}; use one of {', '.join(UNSUPPORTED_POLICIES)}")
        self.model = model
        self.prompts_dir = prompts_dir
        self.scorer = scorer
        self.fallback = fallback
        self.max_passages = max_passages
        self.max_sentences = max_sentences
        self.unsupported = unsupported
        self.min_verified = min_verified
        self.timeout_s = timeout_s
        # "28 [1]" is not a claim anyone can check: any passage holding the number would "support"
        # it, whatever it counts. Shorter sentences are removed.
        self.min_claim_words = min_claim_words
        # A claim must be backed by one sentence of the passage it cites, or a few adjacent ones,
        # not by words gathered from across it ("Lunn barred…" + "…a warrant reviewed by a judge").
        self.window_sentences = window_sentences
        # Only the windows sharing the most words with the claim are scored, bounding the cost.
        self.windows_scored = windows_scored
        self.same_subject_words = same_subject_words

    # --- Follow-up rewriting --------------------------------------------------------------

    def rewrite_follow_up(self, question: str, history: list[str] | None) -> str | None:
        """The follow-up as a standalone search query, or None when the model cannot help
        (no history, an error, or an implausible reply): the caller then uses its own rewriter."""
        if not history:
            return None
        prompt = load_prompt(self.prompts_dir, "llm_rewrite").format(
            history="\n".join(f"- {h}" for h in history[-3:]), question=question)
        try:
            reply = self.model.invoke([HumanMessage(prompt)], stop=["\n"]).text
        except Exception:  # any backend failure falls back to the deterministic rewriter
            return None
        line = next((ln for ln in reply.splitlines() if ln.strip()), "")
        line = re.sub(r"^\s*(?:rewritten question|question)\s*:\s*", "", line, flags=re.I).strip(" \"'“”")
        if not line or REFUSAL_SENTINEL in line or len(line) > max(200, 4 * len(question)):
            return None
        return line

    # --- Answering ------------------------------------------------------------------------

    def prompt(self, question: str, passages: list[Passage]) -> list[Any]:
        refusal = load_prompt(self.prompts_dir, "llm_refusal").strip().format(sentinel=REFUSAL_SENTINEL)
        system = load_prompt(self.prompts_dir, "llm_system").strip().format(
            max_sentences=self.max_sentences, refusal=refusal)
        template = load_prompt(self.prompts_dir, "llm_passage")
        numbered = "\n".join(template.format(n=n, title=p.chunk.meta.get("title", ""),
                                             text=chunk_evidence(p.chunk))
                             for n, p in enumerate(passages, start=1))
        user = load_prompt(self.prompts_dir, "llm_answer").strip().format(
            passages=numbered.strip(), question=question)
        # One worked example teaches small models the citation format better than any rule.
        example = [HumanMessage(load_prompt(self.prompts_dir, "llm_example_question").strip()),
                   AIMessage(load_prompt(self.prompts_dir, "llm_example_answer").strip())]
        return [SystemMessage(system), *example, HumanMessage(user)]

    def stream(self, request: AnswerRequest) -> Iterator[StreamEvent]:
        """Deltas of verified text as the model writes, a SENTENCE event with each verdict, then
        DONE with the final Answer. The extractive answer's own answerability checks hold the
        text back until its verified sentences answer the question, and fall back if they never do."""
        question = request.question
        passages = request.passages[:self.max_passages]
        if not passages:
            yield StreamEvent(EventKind.DONE, answer=self.fallback.answer(request))
            return
        hold = HoldBack(lambda verified: self._unanswered(request, verified))
        started = time.perf_counter()
        evidence = [windows(p.chunk, self.window_sentences) for p in passages]
        whole = [chunk_evidence(p.chunk) for p in passages]
        splitter = SentenceStream()
        checked: list[Checked] = []
        citations: dict[tuple[str, int], Citation] = {}
        first_token: float | None = None
        refused = False
        problem: str | None = None
        tokens = self.model.stream(self.prompt(question, passages))
        try:
            while not refused:
                try:
                    chunk = next(tokens)
                except StopIteration:
                    for raw in splitter.finish():
                        yield from hold.release(self._emit(raw, request, evidence, whole, checked, citations), checked)
                    break
                except Exception as exc:  # every backend failure becomes a notice, never a trace
                    problem = self._problem(exc, request.messages)
                    break
                first_token = first_token or time.perf_counter()
                for raw in splitter.feed(chunk.text):
                    yield from hold.release(self._emit(raw, request, evidence, whole, checked, citations), checked)
                refused = REFUSAL_SENTINEL in splitter.text
        finally:
            tokens.close()  # stops generation when we stop early or the consumer went away
        timings = {"llm_first_token": 1000 * ((first_token or time.perf_counter()) - started),
                   "llm_generate": 1000 * (time.perf_counter() - started)}
        verified = [c for c in checked if c.verified]
        if problem is None and refused:
            problem = request.messages["llm_refused"]
        elif problem is None and (not verified or len(verified) < self.min_verified * len(checked)):
            problem = request.messages["llm_unverified"]
        removed = [c.removed() for c in checked if not c.verified]
        if problem is not None:
            answer = self.fallback.answer(request)
            answer.notices.insert(0, problem)
            answer.removed = removed
        elif reason := self._unanswered(request, verified):
            # Verified, but not an answer to what was asked (the model wrote "the report" where
            # the question named the CJJ report, or a statewide count for a named town): the
            # extractive answer, which picks sentences with the detail or abstains. None of the
            # model's text was shown: held text is released only once the checks pass.
            answer = self.fallback.answer(request)
            answer.notices.insert(0, request.messages["llm_unanswered"])
            answer.removed = [*removed, *(c.removed(WithheldReason.DOES_NOT_ANSWER, reason) for c in verified)]
            yield StreamEvent(EventKind.DELTA, answer.answer)
        else:
            yield from hold.flush()
            answer = self._compose(request, checked, citations, removed)
        answer.timings_ms.update({k: round(v, 1) for k, v in timings.items()})
        yield StreamEvent(EventKind.DONE, answer=answer)

    def _unanswered(self, request: AnswerRequest, verified: list[Checked]) -> str | None:
        """The extractive answerer's answerability checks on verified sentences, each read under
        the heading and document subject of the first passage that backs it (Chunk.context)."""
        headings = [request.passages[c.backing[0] - 1].chunk.context for c in verified]
        return unanswered(request, [c.text for c in verified], headings, self.fallback.rules)

    def _emit(self, raw: str, request: AnswerRequest, evidence: list[list[Window]], whole: list[str],
              checked: list[Checked], citations: dict[tuple[str, int], Citation]) -> Iterator[StreamEvent]:
        if REFUSAL_SENTINEL in raw:
            return
        result = self.verify(raw, evidence, whole)
        # Small models loop; a repeated sentence is neither shown twice nor counted twice.
        if result is None or any(c.text == result.text for c in checked):
            return
        checked.append(result)
        numbers = [self._cite(request.passages[n - 1].chunk, result.quotes[n], citations) for n in result.backing]
        result.sentence = Sentence(text=result.text, citations=numbers, support=round(result.score, 3),
                                   verdict=result.verdict)
        yield StreamEvent(EventKind.SENTENCE, text=result.text, sentence=result.sentence)
        if result.verified or self.unsupported == "flag":
            yield StreamEvent(EventKind.DELTA, self._render(result.sentence, request.messages) + " ")

    def verify(self, raw: str, evidence: list[list[Window]], passages: list[str] | None = None) -> Checked | None:
        """Check one model sentence against the passages it cites; None if it has no words.

        A span of the cited passage must support it; with `passages` (each passage as evidence, as
        `assistant check` reads them), so must the passage read whole, so a span taken
        out of its context ("..., but the policy was withdrawn") cannot carry it alone."""
        text, cited = split_cited(raw)
        if not re.search(r"\w", text):
            return None
        if len(words(text)) < self.min_claim_words:
            return Checked(text, cited, [], 0.0, Verdict.UNSUPPORTED, WithheldReason.TOO_SHORT)
        known = [n for n in cited if 1 <= n <= len(evidence)]
        if not known:
            reason = WithheldReason.UNKNOWN_CITATION if cited else WithheldReason.UNCITED
            return Checked(text, cited, [], 0.0, Verdict.UNCITED, reason)
        quotes: dict[int, Window] = {}
        scores: dict[int, float] = {}
        best: Support | None = None
        out_of_context = False  # a span supports it, the passage read whole does not
        borrowed: list[str] = []  # ... but only with words from another sentence of its passage
        claim_stems = stems(text)
        for n in known:
            # Most shared words first; on a tie the shorter span, so the quote is as tight as it can be.
            closest = sorted(evidence[n - 1], key=lambda w: (-len(claim_stems & w.word_stems),
                                                             w.end - w.start))[:self.windows_scored]
            for window in closest:
                # "supported" and "partial" mean the fact gate passed, or the claim quotes the window word for word.
                support = self.scorer.score(text, window.evidence)
                if support.verdict == Verdict.SUPPORTED and support.score > scores.get(n, -1.0):
                    taken = borrowed_words(text, window, evidence[n - 1], self.same_subject_words)
                    if taken:
                        borrowed = borrowed or taken
                    else:
                        quotes[n], scores[n] = window, support.score
                if best is None or support.score > best.score:
                    best = support
            if n in quotes and passages and self.scorer.score(text, passages[n - 1]).verdict != Verdict.SUPPORTED:
                del quotes[n], scores[n]
                out_of_context = True
        if quotes:
            return Checked(text, cited, list(quotes), max(scores.values()), Verdict.SUPPORTED, quotes=quotes)
        if out_of_context:
            return Checked(text, cited, [], 0.0, Verdict.UNSUPPORTED, WithheldReason.UNSUPPORTED_BY_PASSAGE)
        if borrowed:
            return Checked(text, cited, [], 0.0, Verdict.UNSUPPORTED, WithheldReason.JOINS_PASSAGE_SENTENCES,
                           borrowed)
        if best is None:  # the cited passages hold nothing but instructions to an AI
            return Checked(text, cited, [], 0.0, Verdict.UNSUPPORTED, WithheldReason.UNSUPPORTED)
        verdict = Verdict.PARTIAL if best.verdict == Verdict.PARTIAL else Verdict.UNSUPPORTED
        return Checked(text, cited, [], best.score, verdict, WithheldReason.UNSUPPORTED, best.missing)

    def _cite(self, chunk: Chunk, window: Window, citations: dict[tuple[str, int], Citation]) -> int:
        """The citation number quoting `window` of `chunk`."""
        key = (chunk.chunk_id, window.start)
        if key not in citations:
            citations[key] = Citation.quoting(len(citations) + 1, chunk, window.start, window.end)
        return citations[key].n

    def _render(self, sentence: Sentence, messages: dict[str, Any]) -> str:
        markers = "".join(f"[{n}]" for n in sentence.citations)
        if sentence.verdict == Verdict.SUPPORTED:
            return f"{sentence.text} {markers}"
        return f"{messages['llm_flag_marker']} {sentence.text}"

    def _compose(self, request: AnswerRequest, checked: list[Checked],
                 citations: dict[tuple[str, int], Citation], removed: list[RemovedSentence]) -> Answer:
        flag = self.unsupported == "flag"
        messages = request.messages
        sentences = [c.sentence for c in checked if c.verified or flag]
        notices = []
        if removed:
            notices.append(messages["llm_flagged"].format(marker=messages["llm_flag_marker"])
                           if flag else messages["llm_removed"].format(count=len(removed)))
        return Answer(question=request.question, answer=" ".join(self._render(s, messages) for s in sentences),
                      abstained=False, sentences=sentences, citations=list(citations.values()),
                      notices=notices, search_query=request.query, removed=[] if flag else removed)

    def _problem(self, exc: BaseException, messages: dict[str, Any]) -> str:
        """A one-line notice for a backend failure. Classes are matched by name so the check
        needs none of the optional client libraries (httpx, openai, ollama) to be importable."""
        names = {cls.__name__ for cls in type(exc).__mro__}
        if isinstance(exc, TimeoutError) or names & {"TimeoutException", "APITimeoutError", "ReadTimeout"}:
            return messages["llm_timeout"].format(seconds=self.timeout_s)
        if isinstance(exc, ConnectionError) or names & {"ConnectError", "APIConnectionError", "NetworkError"}:
            return messages["llm_unreachable"]
        error = " ".join(str(exc).split())[:160] or type(exc).__name__
        return messages["llm_failed"].format(error=error)
