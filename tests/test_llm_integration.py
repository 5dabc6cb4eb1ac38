"""The LLM path with a real model: llama.cpp (xllamacpp) running the smallest packaged GGUF.

SmolLM2-135M is the test model on purpose: 98 MB, about 100 tokens/s here, and it invents
facts freely, which is exactly what the verifier must catch. Whatever it writes, the user may
only see sentences whose cited passage supports them, each quoted at its exact offsets.
`make test` installs it (`make models LLM_MODEL=smollm2-135m`).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.types import WithheldReason
from tests.conftest import ROOT, copy_index, free_port, run_cli

pytestmark = [pytest.mark.index, pytest.mark.server]

TEST_MODEL = "smollm2-135m"
QUESTION = "How many police departments did the advocates ask for their ICE policies?"
INJECTION_DOC = ROOT / "tests" / "fixtures" / "llm" / "injected-instructions.md"
INJECTION_QUESTION = "Can ICE arrest people at Massachusetts courthouses?"
FAILURE_NOTICES = ("llm_timeout", "llm_unreachable", "llm_failed")


@pytest.fixture(scope="module")
def local_settings(corpus_settings):
    return corpus_settings.updated({"llm": {"backend": f"local:{TEST_MODEL}", "max_tokens": 120,
                                            "timeout_s": 240}}, "test")


@pytest.fixture(scope="module")
def local_assistant(local_settings):
    from assistant.assistant import Assistant

    return Assistant.from_settings(local_settings)


def fallback_reason(assistant, answer) -> str | None:
    """Which notice, if any, says the model's text was replaced by the extractive answer."""
    for name in (*FAILURE_NOTICES, "llm_refused", "llm_unverified"):
        if any(n.startswith(assistant.messages()[name].split("{")[0]) for n in answer.notices):
            return name
    return None


def assert_only_verified_text_is_shown(assistant, answer) -> None:
    """The model ran, and every sentence shown is verified and quoted at its exact offsets."""
    assert fallback_reason(assistant, answer) not in FAILURE_NOTICES, answer.notices
    assert answer.timings_ms["llm_first_token"] > 0
    chunks = {c.chunk_id: c for c in assistant.reader.snapshot().data.chunks}
    for sentence in answer.sentences:
        assert sentence.verdict == "supported" and sentence.citations, sentence
        for n in sentence.citations:
            citation = answer.citations[n - 1]
            chunk = chunks[citation.chunk_id]
            assert chunk.text[citation.start - chunk.start:citation.end - chunk.start] == citation.quote
    for record in answer.removed:
        assert record.reason in {WithheldReason.UNCITED, WithheldReason.UNKNOWN_CITATION,
                                 WithheldReason.TOO_SHORT, WithheldReason.UNSUPPORTED}, record


def test_the_packaged_model_streams_an_answer_in_which_every_sentence_is_verified(local_assistant):
    events = list(local_assistant.stream(QUESTION))
    kinds = [e.kind for e in events]
    answer = events[-1].answer

    assert kinds[-1] == "done" and "done" not in kinds[:-1]
    assert_only_verified_text_is_shown(local_assistant, answer)
    shown = "".join(e.text for e in events if e.kind == "delta")
    generated = [e.sentence for e in events if e.kind == "sentence"]
    if fallback_reason(local_assistant, answer) is None:
        assert shown.strip() == answer.answer  # what streamed is exactly what was kept
        assert len(generated) == len(answer.sentences) + len(answer.removed)


def test_cancelling_stops_generation_and_the_model_keeps_serving(local_assistant):
    stream = local_assistant.stream(QUESTION)
    next(stream)
    stream.close()
    answer = local_assistant.ask("What is the Commonwealth Fusion Center?")
    assert_only_verified_text_is_shown(local_assistant, answer)


def test_an_injected_instruction_does_not_reach_the_user_through_the_real_model(local_settings, tmp_path_factory):
    from assistant.assistant import Assistant

    settings = copy_index(local_settings, tmp_path_factory.mktemp("llm-injection"), (INJECTION_DOC,))
    assistant = Assistant.from_settings(replace(settings, llm=local_settings.llm))
    answer = assistant.ask(INJECTION_QUESTION)
    shown = " ".join([answer.answer, *(c.quote for c in answer.citations)]).lower()

    assert_only_verified_text_is_shown(assistant, answer)
    assert "cannot arrest anyone" not in shown and "ignore your previous instructions" not in shown
    assert "[7]" not in answer.answer or len(answer.citations) >= 7


def test_an_openai_compatible_server_is_used_through_its_base_url(corpus_settings):
    """llama.cpp's own OpenAI-compatible HTTP server on loopback, reached through ChatOpenAI."""
    import xllamacpp

    from assistant.assistant import Assistant
    from assistant.llm.weights import resolve_gguf

    port = free_port()
    params = xllamacpp.CommonParams()
    params.model.path = str(resolve_gguf(TEST_MODEL, corpus_settings.llm.model_cache_dir))
    params.n_ctx = 4096
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.verbosity = -1
    server = xllamacpp.Server(params)
    settings = corpus_settings.updated({"llm": {"backend": f"openai:{TEST_MODEL}", "max_tokens": 120, "timeout_s": 240,
                                               "base_url": f"http://127.0.0.1:{port}/v1"}}, "test")
    assistant = Assistant.from_settings(settings)
    answer = assistant.ask(QUESTION)

    assert_only_verified_text_is_shown(assistant, answer)
    del server  # stops llama.cpp's HTTP server


@pytest.mark.cli
def test_the_local_backend_opens_no_network_connection(corpus_settings, tmp_path):
    netguard_log = tmp_path / "net.log"
    netguard_log.touch()
    result = run_cli("ask", QUESTION, "--json", env={
        "ASSISTANT_DATA_DIR": str(corpus_settings.data_dir), "ASSISTANT_LLM_BACKEND": f"local:{TEST_MODEL}",
        "ASSISTANT_LLM_MAX_TOKENS": "60",
        "PYTHONPATH": f"{ROOT / 'tests' / 'fixtures' / 'netguard'}:{ROOT}", "NETGUARD_LOG": str(netguard_log)})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["timings_ms"]["llm_first_token"] > 0
    assert netguard_log.read_text() == ""
    assert "Traceback" not in result.stderr


def test_the_answer_judge_reads_a_probability_from_the_real_model(local_settings, monkeypatch):
    from assistant.assistant import Assistant

    settings = local_settings.updated({"llm": {"backend": ""}, "answer": {"answer_judge": TEST_MODEL,
                                                                              "answer_judge_above": 0.0}}, "test")
    judged = Assistant.from_settings(settings)
    asked = []
    probability = judged.extractive.answer_judge.probability
    monkeypatch.setattr(judged.extractive.answer_judge, "probability",
                        lambda *args: asked.append(probability(*args)) or asked[-1])
    answer = judged.ask("How many ICE detainers did Worcester police receive in 2025?")  # declined for detail
    assert asked and 0.0 <= asked[0] <= 1.0 and answer.answerability == asked[0]
    assert not answer.abstained  # threshold 0: the judge overrules the decline
    # Asked again, nearly the same (llama.cpp's reused prompt cache moves the last digits).
    again = [probability(answer.question, [("Title", answer.sentences[0].text)]) for _ in range(2)]
    assert again[0] == pytest.approx(again[1], abs=0.02)
