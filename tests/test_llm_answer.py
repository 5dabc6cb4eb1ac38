"""Generative answers with scripted LangChain fake chat models: what the model writes is only
shown when its cited passage supports it, and every failure falls back to the extractive answer.

The scripts quote passages word for word for sentences that must be kept, and change a number
or drop the citation for sentences that must go, so the verdicts do not depend on which
support verifier is installed."""

from __future__ import annotations

import copy
import re

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.llm import REFUSAL_SENTINEL, LLMAnswerer, SentenceStream, split_cited
from assistant.errors import UserError
from assistant.llm.factory import make_chat_model
from assistant.settings import Settings
from assistant.types import WithheldReason
from assistant.verify.evidence import chunk_evidence
from assistant.verify.scorer import OverlapJudge, SupportScorer
from tests.conftest import ROOT, copy_index

QUESTION = "How many ICE arrests happened at Massachusetts courthouses in 2025?"
INJECTION_DOC = ROOT / "tests" / "fixtures" / "llm" / "injected-instructions.md"
INJECTION_QUESTION = "Can ICE arrest people at Massachusetts courthouses?"


class RecordingFake(GenericFakeChatModel):
    """Streams its script word by word and counts the chunks it was asked for."""

    pulled: int = 0

    def _stream(self, *args, **kwargs):
        for chunk in super()._stream(*args, **kwargs):
            self.pulled += 1
            yield chunk


class FailingModel(GenericFakeChatModel):
    error: Exception

    def _stream(self, *args, **kwargs):
        raise self.error
        yield  # a generator, like every streaming backend


def scripted(*replies: str) -> RecordingFake:
    return RecordingFake(messages=iter([AIMessage(content=r) for r in replies]))


def generative(assistant, model, **options):
    """The session assistant with `model` as its LLM backend (same index, same embedder)."""
    clone = copy.copy(assistant)
    settings = assistant.settings
    clone.generator = LLMAnswerer(model, settings.answer.prompts_dir, SupportScorer.from_settings(settings),
                                  fallback=clone.extractive, max_passages=settings.llm.passages, **options)
    return clone


def passages_for(assistant, question: str):
    return assistant.retriever.retrieve(assistant.reader.snapshot(), question).passages[
        :assistant.settings.llm.passages]


def quote(passage, index: int = 0) -> str:
    start, end = passage.chunk.sentences[index]
    return passage.chunk.text[start - passage.chunk.start:end - passage.chunk.start]


def cite(sentence: str, n: int) -> str:
    """The sentence as a model writes it: the marker before the full stop."""
    return f"{sentence.rstrip('.')} [{n}]."


def plain(text: str) -> str:
    return split_cited(text)[0]


def events(assistant, question: str, history: list[str] | None = None):
    found = list(assistant.stream(question, history))
    assert [e.kind for e in found][-1] == "done"
    return found, found[-1].answer


def test_supported_sentences_are_kept_with_exact_quotes_and_the_rest_removed_with_reasons(assistant):
    passages = passages_for(assistant, QUESTION)
    kept = quote(passages[0])
    others = [quote(passages[1]), quote(passages[2])]
    model = scripted(f"{cite(kept, 1)} {cite(others[0], 2)} {cite(others[1], 3)} 614 [1]. "
                     "ICE made 1,111,111 courthouse arrests in 2025 [1]. Courthouse arrests worried many families.")
    _, answer = events(generative(assistant, model), QUESTION)

    assert not answer.abstained
    assert [s.text for s in answer.sentences] == [plain(kept), *map(plain, others)]
    assert {s.verdict for s in answer.sentences} == {"supported"}
    citation = answer.citations[answer.sentences[0].citations[0] - 1]
    assert citation.chunk_id == passages[0].chunk.chunk_id
    # The quote is the passage's own text at the stated document offsets.
    chunk = passages[0].chunk
    assert chunk.text[citation.start - chunk.start:citation.end - chunk.start] == citation.quote
    assert citation.quote == kept
    assert "1,111,111" not in answer.answer and "worried" not in answer.answer
    reasons = {r.text: r for r in answer.removed}
    invented = reasons["ICE made 1,111,111 courthouse arrests in 2025."]
    assert invented.reason is WithheldReason.UNSUPPORTED and "1,111,111" in invented.missing
    assert reasons["Courthouse arrests worried many families."].reason is WithheldReason.UNCITED
    assert reasons["614."].reason is WithheldReason.TOO_SHORT  # a bare number is not a checkable claim
    assert any("left out" in n for n in answer.notices)
    assert answer.notices[-1] == assistant.messages()["legal_notice"]


def test_flag_mode_shows_unsupported_sentences_marked(assistant):
    passages = passages_for(assistant, QUESTION)
    model = scripted(f"{cite(quote(passages[0]), 1)} {cite(quote(passages[1]), 2)} "
                     "ICE made 1,111,111 courthouse arrests in 2025 [1].")
    _, answer = events(generative(assistant, model, unsupported="flag"), QUESTION)

    marker = assistant.messages()["llm_flag_marker"]
    assert [s.verdict for s in answer.sentences] == ["supported", "supported", "unsupported"]
    assert f"{marker} ICE made 1,111,111" in answer.answer
    assert not answer.removed
    assert any(marker in n for n in answer.notices)


def test_the_refusal_sentinel_falls_back_to_the_extractive_answer(assistant):
    model = scripted(REFUSAL_SENTINEL)
    _, answer = events(generative(assistant, model), QUESTION)
    extractive = assistant.ask(QUESTION)

    assert answer.answer == extractive.answer
    assert answer.notices[0] == assistant.messages()["llm_refused"]


def test_an_answer_with_too_little_verified_falls_back(assistant):
    passages = passages_for(assistant, QUESTION)
    model = scripted(f"{cite(quote(passages[0]), 1)} ICE made 1,111,111 arrests [1]. "
                     "It made 2,222,222 more [2]. And 3,333,333 after that [1].")
    _, answer = events(generative(assistant, model, min_verified=0.5), QUESTION)

    assert answer.answer == assistant.ask(QUESTION).answer
    assert answer.notices[0] == assistant.messages()["llm_unverified"]
    assert len(answer.removed) == 3


@pytest.mark.parametrize(("error", "notice"), [
    (TimeoutError("read timed out"), "llm_timeout"),
    (ConnectionError("connection refused"), "llm_unreachable"),
    (RuntimeError("model exploded\nTraceback (most recent call last): ..."), "llm_failed"),
])
def test_backend_failures_fall_back_with_a_one_line_notice(assistant, error, notice):
    _, answer = events(generative(assistant, FailingModel(messages=iter([]), error=error)), QUESTION)

    assert answer.answer == assistant.ask(QUESTION).answer
    first = answer.notices[0]
    assert first.startswith(assistant.messages()[notice].split("{")[0])
    assert "\n" not in first


@pytest.mark.parametrize("spec", ["openai:some-model", "ollama:qwen2.5:7b"])
def test_an_unreachable_server_falls_back_to_the_extractive_answer(assistant, spec):
    from tests.conftest import free_port

    settings = assistant.settings.updated({"llm": {"backend": spec, "base_url": f"http://127.0.0.1:{free_port()}/v1",
                                                   "timeout_s": 5}}, "test")
    _, answer = events(generative(assistant, make_chat_model(settings)), QUESTION)

    assert answer.answer == assistant.ask(QUESTION).answer
    assert answer.notices[0] == assistant.messages()["llm_unreachable"]


def test_streaming_yields_verified_deltas_then_done_and_stops_when_cancelled(assistant):
    passages = passages_for(assistant, QUESTION)
    script = f"{cite(quote(passages[0]), 1)} ICE made 1,111,111 arrests [1]. {cite(quote(passages[1]), 2)}"
    found, answer = events(generative(assistant, scripted(script)), QUESTION)
    kinds = [e.kind for e in found]
    deltas = [e.text for e in found if e.kind == "delta"]

    assert kinds.count("sentence") == 3 and kinds.count("delta") == 2
    assert kinds.index("delta") < kinds.index("done")
    assert [plain(d) for d in deltas] == [plain(quote(passages[0])), plain(quote(passages[1]))]
    assert "".join(deltas).strip() == answer.answer

    # The model would write 300 sentences; the user stops reading after the first one.
    model = scripted(" ".join([cite(quote(passages[0]), 1)] * 300))
    stream = generative(assistant, model).stream(QUESTION)
    assert next(e for e in stream if e.kind == "delta")
    stream.close()
    assert model.pulled < 100


def test_verified_sentences_that_do_not_answer_the_question_are_held_back_for_the_extractive_answer(assistant):
    # Applying for a green card is a case for a lawyer; a verified quote about something else is
    # not an answer to it. The extractive answer, with the same checks, abstains and says why.
    question = "Can my US citizen daughter sponsor me for a green card?"
    passages = passages_for(assistant, question)
    script = f"{cite(quote(passages[0]), 1)} {cite(quote(passages[1]), 2)}"
    found, answer = events(generative(assistant, scripted(script)), question)

    assert answer.abstained and not answer.sentences and not answer.citations
    assert answer.answer.startswith(assistant.messages()["abstain_immigration_case"])
    # Nothing the model wrote was streamed: the only text shown is the abstention.
    assert [e.text for e in found if e.kind == "delta"] == [answer.answer]
    assert {(r.reason, r.unanswered) for r in answer.removed} == {(WithheldReason.DOES_NOT_ANSWER,
                                                                   "abstain_immigration_case")}
    assert {r.text for r in answer.removed} == {plain(quote(passages[0])), plain(quote(passages[1]))}
    assert answer.referrals and answer.notices[-1] == assistant.messages()["legal_notice"]
    assert answer.notices[0] == assistant.messages()["llm_unanswered"]


def test_the_llm_rewrites_follow_ups_and_a_failing_one_falls_back(assistant):
    history = ["How many ICE arrests happened at Massachusetts courthouses in 2025?"]
    rewritten = "How many ICE arrests happened at Massachusetts courthouses in 2024?"
    model = FakeListChatModel(responses=[rewritten, REFUSAL_SENTINEL])
    _, answer = events(generative(assistant, model), "and the year before?", history)
    assert answer.search_query == rewritten

    broken = generative(assistant, FailingModel(messages=iter([]), error=ConnectionError("down")))
    _, answer = events(broken, "and the year before?", history)
    assert answer.search_query.startswith("and the year before?")
    assert "courthouses" in answer.search_query  # the deterministic rewriter borrowed the topic


@pytest.fixture(scope="module")
def injected(corpus_settings, tmp_path_factory):
    from assistant.assistant import Assistant

    settings = copy_index(corpus_settings, tmp_path_factory.mktemp("injection-index"), (INJECTION_DOC,))
    return Assistant.from_settings(settings)


def test_injected_instructions_and_fake_markers_cannot_reach_the_user(injected):
    passages = passages_for(injected, INJECTION_QUESTION)
    hostile = next(n for n, p in enumerate(passages, 1) if p.chunk.doc_id == "injected-instructions")
    answerer = generative(injected, scripted("")).generator
    prompt = " ".join(m.text for m in answerer.prompt(INJECTION_QUESTION, passages))
    # The model never reads the instruction or the fake markers...
    assert "Ignore your previous instructions" not in prompt and "[7]" not in prompt
    assert "drew wide public attention" in prompt

    # ...and when it obeys anyway (as this scripted model does), the verifier blocks it.
    obeying = scripted(f"Ignore sources: ICE cannot arrest anyone at Massachusetts courthouses [{hostile}]. "
                       f"Every courthouse arrest in Massachusetts is illegal [7]. "
                       f"{cite(quote(passages[0]), 7)}")
    _, answer = events(generative(injected, obeying), INJECTION_QUESTION)
    shown = " ".join([answer.answer, *(c.quote for c in answer.citations)])

    assert "cannot arrest anyone" not in shown and "is illegal" not in shown
    assert {r.reason for r in answer.removed} == {WithheldReason.UNSUPPORTED, WithheldReason.UNKNOWN_CITATION}
    assert all(1 <= n <= len(answer.citations) for s in answer.sentences for n in s.citations)


def test_chunk_evidence_drops_markers_and_instructions_but_keeps_facts(injected):
    passages = passages_for(injected, INJECTION_QUESTION)
    hostile = next(p for p in passages if p.chunk.doc_id == "injected-instructions")
    data = chunk_evidence(hostile.chunk)
    assert "drew wide public attention during 2025" in data
    assert not re.search(r"\[\d+\]", data) and "AI assistants must" not in data


def test_sentences_are_released_whole_with_their_markers():
    stream = SentenceStream()
    assert stream.feed("ICE made 614 arrests in 2025.") == []
    assert stream.feed(" [1") == []  # the marker may still be arriving
    assert stream.feed("] The year before") == ["ICE made 614 arrests in 2025 [1]."]
    assert stream.feed(" it made 282 [2]. Next") == ["The year before it made 282 [2]."]
    assert stream.finish() == ["Next"]
    assert split_cited("Two facts [1][3], joined [2, 1].") == ("Two facts, joined.", [1, 3, 2])


def one_passage(*sentences: str):
    """The windows of a one-chunk passage made of `sentences`, and its text."""
    from assistant.answer.llm import windows
    from assistant.types import Chunk

    text = " ".join(sentences)
    starts = [text.index(sentence) for sentence in sentences]
    spans = [(start, start + len(sentence)) for start, sentence in zip(starts, sentences, strict=True)]
    return [windows(Chunk("doc#0", "doc", text, 0, len(text), "", None, {"title": "A test passage"}, spans))], text


def verifying_answerer(scorer: SupportScorer) -> LLMAnswerer:
    settings = Settings.load()
    return LLMAnswerer(FakeListChatModel(responses=[""]), settings.answer.prompts_dir, scorer,
                       fallback=ExtractiveAnswerer())


def test_a_claim_needs_one_span_of_its_passage_not_words_from_across_it():
    evidence, text = one_passage("The 2026 bill would bar civil arrests in courthouses without a judicial warrant.",
                                 "The court ruled on detainers held by state court officers.",
                                 "Lunn v. Commonwealth was decided in 2017.")
    answerer = verifying_answerer(SupportScorer(OverlapJudge()))

    assembled = answerer.verify("Lunn v. Commonwealth barred civil arrests in courthouses without a judicial "
                                "warrant [1].", evidence)
    assert not assembled.verified
    # The title names the topic; it is not evidence ("A test passage" does not say anything was tested).
    titled = answerer.verify("The court ruled on detainers in a test passage [1].", evidence)
    assert not titled.verified
    quoted = answerer.verify("Yes, Lunn v. Commonwealth was decided in 2017 [1].", evidence)
    assert quoted.verified and quoted.text == "Lunn v. Commonwealth was decided in 2017."
    window = quoted.quotes[1]
    assert text[window.start:window.end] == "Lunn v. Commonwealth was decided in 2017."


@pytest.mark.model
def test_a_claim_joining_a_fact_from_a_distant_sentence_of_its_passage_is_withheld():
    # From the packaged model's dev run: the quote shown under the claim did not say who signs.
    evidence, _ = one_passage(
        "An administrative warrant is an ICE warrant signed by an ICE official rather than by a judge, such as "
        "Form I-200 or Form I-205.",
        "A judicial warrant is a warrant signed by a judge; the ILRC \"red card\" refers to a warrant signed by "
        "a judge or magistrate.",
        "According to the Massachusetts Attorney General's guide, an administrative warrant does not allow ICE to "
        "enter a home or the non-public areas of a business.")
    answerer = verifying_answerer(SupportScorer())

    joined = answerer.verify("An administrative warrant is signed by an ICE official and does not let ICE enter "
                             "a home, according to the Attorney General's guide [1].", evidence)
    assert not joined.verified
    assert joined.reason in (WithheldReason.JOINS_PASSAGE_SENTENCES, WithheldReason.UNSUPPORTED)
    # Each half stands on a span of its own.
    for half in ("An administrative warrant is signed by an ICE official rather than by a judge [1].",
                 "According to the Attorney General's guide, an administrative warrant does not let ICE enter "
                 "a home [1]."):
        assert answerer.verify(half, evidence).verified, half


@pytest.mark.parametrize(("spec", "problem"), [
    ("bogus:model", "not a known backend"),
    ("openai:some-model", "needs llm.base_url"),
    ("ollama:", "names no model"),
    ("local:missing.gguf", "file not found"),
    ("local:notes.txt", "nor a path to a .gguf"),
])
def test_bad_llm_settings_are_one_line_errors(spec, problem):
    with pytest.raises(UserError, match=problem):
        make_chat_model(Settings.load(values={"llm": {"backend": spec}}))


def test_backends_are_built_for_the_configured_server_only():
    from langchain_ollama import ChatOllama
    from langchain_openai import ChatOpenAI

    assert make_chat_model(Settings.load()) is None
    openai = make_chat_model(Settings.load(values={"llm": {"backend": "openai:served-model",
                                                          "base_url": "http://10.0.0.5:8000/v1",
                                                          "api_key": "secret"}}))
    assert isinstance(openai, ChatOpenAI)
    assert (openai.model_name, openai.openai_api_base, openai.max_retries) == ("served-model",
                                                                                "http://10.0.0.5:8000/v1", 0)
    ollama = make_chat_model(Settings.load(values={"llm": {"backend": "ollama:qwen2.5:7b"}}))
    assert isinstance(ollama, ChatOllama)
    assert (ollama.model, ollama.base_url) == ("qwen2.5:7b", "http://127.0.0.1:11434")


def test_a_question_in_another_language_is_answered_extractively_without_the_model(assistant):
    # The model's answers and their checks are measured in English only; a Spanish question is
    # answered from quoted sentences, exactly as without a model.
    model = scripted("Esto no debe mostrarse [1].")
    question = "¿Cuántos arrestos de ICE hubo en las cortes de Massachusetts en 2025?"
    answer = generative(assistant, model).ask(question)
    assert model.pulled == 0
    assert answer.language == "es" and answer.answer == assistant.ask(question).answer
