"""Re-ingesting while the assistant is answering: every answer comes whole from one generation.

A thread asks questions without pause on a served index while `assistant ingest` (a separate
process, as in real use) re-indexes a changed copy of the corpus twice. No answer may fail,
come back empty, or cite a passage that does not contain its quote.
"""

from __future__ import annotations

import threading

import pytest

from tests.conftest import copy_index, run_cli

pytestmark = [pytest.mark.index, pytest.mark.cli]

QUESTIONS = ["What did the SJC decide in Lunn v. Commonwealth?",
             "Does ICE need a judge's warrant to come into my house?"]


def test_answers_stay_whole_while_the_index_is_replaced(corpus_settings, tmp_path):
    from assistant.assistant import Assistant

    settings = copy_index(corpus_settings, tmp_path)
    assistant = Assistant.from_settings(settings)
    first_generation = assistant.reader.snapshot().generation
    stop = threading.Event()
    problems: list[str] = []
    generations: set[str] = set()
    answered = 0

    def hammer() -> None:
        nonlocal answered
        while not stop.is_set():
            question = QUESTIONS[answered % len(QUESTIONS)]
            try:
                answer = assistant.ask(question)
            except Exception as exc:  # any failure at all is what this test looks for
                problems.append(f"{question}: {type(exc).__name__}: {exc}")
                continue
            generations.add(assistant.reader.snapshot().generation)
            if answer.abstained or not answer.citations or not answer.answer.strip():
                problems.append(f"{question}: empty or abstained answer {answer.answer!r}")
            problems.extend(f"{question}: quote not in passage [{c.n}]" for c in answer.citations
                            if c.quote not in c.text)
            answered += 1

    worker = threading.Thread(target=hammer)
    worker.start()
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_INGEST_CORPUS_DIR": str(settings.ingest.corpus_dir)}
    try:
        for change in ("The appeal was argued by counsel for both sides.", "Both sides filed briefs."):
            lunn = settings.ingest.corpus_dir / "lunn-v-commonwealth.md"
            lunn.write_text(lunn.read_text(encoding="utf-8") + f"\n{change}\n", encoding="utf-8")
            result = run_cli("ingest", env=env)
            assert result.returncode == 0, result.stderr
            assert "1 new or changed" in result.stdout, result.stdout
        answered_before_last = answered
        # Keep asking until the newest generation has been served a few times.
        while answered < answered_before_last + 4 and worker.is_alive():
            worker.join(timeout=0.2)
    finally:
        stop.set()
        worker.join(timeout=60)

    assert problems == []
    assert answered >= 10
    newest = assistant.reader.snapshot().generation
    assert newest != first_generation and {first_generation, newest} <= generations
