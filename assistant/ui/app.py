"""The web UI (Gradio Blocks) and the server that carries it beside the JSON API.

`assistant serve` → uvicorn on settings.ui.host:settings.ui.port with
  /api/ask, /api/check   (assistant/api.py)
  /                      the chat UI, the know-your-rights situations and the citation checker.

All HTML the UI shows is built by assistant/ui/render.py, which escapes every piece of text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.api import create_api
from assistant.assistant import Assistant
from assistant.errors import UserError
from assistant.prompts import load_messages
from assistant.retrieve.language import LANGUAGES
from assistant.settings import Settings
from assistant.types import EventKind
from assistant.ui.render import (
    Turn,
    esc,
    render_check,
    render_conversation,
    render_header,
    render_help,
    render_languages,
    render_message,
    render_sources,
)
from assistant.verify.check import check_answer

log = logging.getLogger(__name__)

# System fonts only: Gradio's default theme fetches its fonts from Google, and nothing here
# may make a browser contact another server.
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial",
                "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
STYLE = Path(__file__).with_name("style.css")
WARM_UP_QUESTION = "What is an ICE detainer?"

# A citation chip shows its source in the sources panel: open that passage, close the others,
# show the group of the answer it belongs to, and move keyboard focus there.
CHIP_SCRIPT = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('button[data-cite]');
  if (!chip) return;
  const source = document.getElementById(chip.dataset.cite);
  if (!source) return;
  const group = source.closest('.source-group');
  for (const other of document.querySelectorAll('.source-group')) other.hidden = other !== group;
  for (const item of group.querySelectorAll('details.source')) {
    item.open = item === source;
    item.classList.toggle('selected', item === source);
  }
  source.querySelector('summary').focus();
});
"""
# "Back to the answer" returns focus to the chip that opened the source.
BACK_SCRIPT = """
element.addEventListener('click', (event) => {
  const back = event.target.closest('button[data-back]');
  if (!back) return;
  const chip = document.getElementById(back.dataset.back);
  if (chip) chip.focus();
});
"""

Outputs = tuple[str, str, str, str, list[Turn]]


@dataclass
class Situation:
    label: str
    question: str
    doc_id: str


class ChatUI:
    """The UI's behaviour, separate from its layout so each step can be called directly."""

    def __init__(self, assistant: Assistant, language: str | None = None) -> None:
        """`language`: the UI's, which answers are also in; None: an English UI whose answers
        follow each question's language."""
        self.assistant = assistant
        self.language = language
        prompts_dir = assistant.settings.answer.prompts_dir
        self.texts = load_messages(prompts_dir, "ui", language or "en")
        messages = load_messages(prompts_dir, "messages", language or "en")
        self.legal_notice: str = messages["legal_notice"]
        self.referral_intro: str = messages["referral_intro"]
        self.situations = [Situation(**item) for item in self.texts["situations"]]

    def conversation(self, turns: list[Turn]) -> str:
        return render_conversation(turns, self.texts, self.legal_notice)

    def sources(self, turns: list[Turn]) -> str:
        return render_sources(turns, self.texts)

    def help(self, turns: list[Turn]) -> str:
        return render_help(turns[-1].answer if turns else None, self.texts, self.referral_intro)

    def filter_choices(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Source kinds and (title, doc_id) pairs present in the served index."""
        kinds: set[str] = set()
        titles: dict[str, str] = {}
        for chunk in self.assistant.reader.snapshot().data.chunks:
            kinds.add(str(chunk.meta.get("kind", "")))
            titles.setdefault(chunk.doc_id, str(chunk.meta.get("title") or chunk.doc_id))
        return sorted(k for k in kinds if k), sorted(((t, d) for d, t in titles.items()), key=lambda p: p[0].lower())

    def respond(self, question: str, turns: list[Turn], filters: dict[str, list[str]]) -> Iterator[Outputs]:
        """Stream one answer: the question at once, then the draft text, then the verified answer."""
        question = " ".join((question or "").split())
        if not question:
            yield self._outputs(turns, "")
            return
        # Each earlier turn contributes the query it was searched with, so a chain of follow-ups
        # ("what about juveniles?" then "and in Boston?") keeps the original topic.
        history = [t.answer.search_query or t.question for t in turns if t.answer]
        turn = Turn(question=question, filters={k: v for k, v in filters.items() if v})
        turns = [*turns, turn]
        yield self._outputs(turns, "")
        try:
            for event in self.assistant.stream(question, history, turn.filters or None, self.language):
                if event.kind is EventKind.DELTA:
                    turn.draft += event.text
                elif event.answer is not None:
                    turn.answer = event.answer
                yield self._outputs(turns, "")
        except UserError as exc:
            turn.error = str(exc)
            yield self._outputs(turns, question)
        except Exception:
            # The question is deliberately left out of the log.
            log.exception("answering failed")
            turn.error = self.texts["error"]
            yield self._outputs(turns, question)

    def ask(self, question: str, turns: list[Turn], kinds: list[str], doc_ids: list[str]) -> Iterator[Outputs]:
        yield from self.respond(question, turns, {"kind": kinds or [], "doc_id": doc_ids or []})

    def situation(self, index: int, turns: list[Turn]) -> Iterator[Outputs]:
        chosen = self.situations[index]
        yield from self.respond(chosen.question, turns, {"doc_id": [chosen.doc_id]})

    def clear(self) -> Outputs:
        return self._outputs([], "")

    def check(self, answer_text: str, passages_json: str) -> str:
        try:
            payload = check_payload(answer_text, passages_json)
            report = check_answer(self.assistant, payload)
        except UserError as exc:
            return render_message(str(exc), role="alert")
        return render_check(report.to_dict(), self.texts)

    def _outputs(self, turns: list[Turn], question_box: str) -> Outputs:
        return self.conversation(turns), self.sources(turns), self.help(turns), question_box, turns


def check_payload(answer_text: str, passages_json: str) -> str | dict[str, Any]:
    """The checker's input: the pasted answer as is (plain text or JSON, which the checker
    reads), or the answer with the passages the user pasted beside it."""
    answer_text = (answer_text or "").strip()
    if not answer_text:
        raise UserError("paste an answer to check first")
    if not (passages_json or "").strip():
        return answer_text
    try:
        passages = json.loads(passages_json)
    except json.JSONDecodeError as exc:
        raise UserError(f"the cited passages are not valid JSON ({exc.msg} at line {exc.lineno}); "
                        "fix them or leave the box empty") from exc
    return {"answer": answer_text, "passages": passages}


def build_blocks(ui: ChatUI) -> gr.Blocks:
    texts = ui.texts
    kinds, docs = ui.filter_choices()
    with gr.Blocks(title=texts["title"], analytics_enabled=False) as blocks:
        # Gradio drops a session's state when its tab closes; the time limit also covers a tab
        # left open, so a conversation is not held in server memory indefinitely.
        turns = gr.State([], time_to_live=3 * 3600)
        gr.HTML(render_languages(ui.language or "en", LANGUAGES), js_on_load=None)
        gr.HTML(render_header(texts, ui.legal_notice), js_on_load=None)
        with gr.Tabs():
            with gr.Tab(texts["ask_tab"], elem_id="ask-tab"):
                gr.HTML(f'<h2 class="situations-heading">{esc(texts["situations_heading"])}</h2>', js_on_load=None)
                with gr.Row(elem_classes="situations", equal_height=True):
                    situation_buttons = [gr.Button(s.label, size="sm", min_width=130, elem_classes="situation")
                                         for s in ui.situations]
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        conversation = gr.HTML(ui.conversation([]), elem_id="conversation",
                                               js_on_load=CHIP_SCRIPT)
                        # Right under the newest answer, whose urgent notice points "below" to it.
                        help_banner = gr.HTML("", elem_id="help-banner", js_on_load=None)
                        # One line to start (it grows): Gradio sends on Enter only for one-line boxes.
                        question = gr.Textbox(label=texts["question_label"], placeholder=texts["question_placeholder"],
                                              lines=1, max_lines=6, elem_id="question")
                        with gr.Row():
                            ask_button = gr.Button(texts["ask_button"], variant="primary", elem_id="ask-button")
                            clear_button = gr.Button(texts["clear_button"], elem_id="clear-button")
                        with gr.Accordion(texts["filters_label"], open=False, elem_id="filters"):
                            kind_filter = gr.CheckboxGroup(kinds, label=texts["kind_label"], elem_id="kind-filter")
                            doc_filter = gr.Dropdown(docs, multiselect=True, label=texts["doc_label"],
                                                     elem_id="doc-filter")
                    with gr.Column(scale=2, min_width=300):
                        sources = gr.HTML(ui.sources([]), elem_id="sources", js_on_load=BACK_SCRIPT)
            with gr.Tab(texts["check_tab"], elem_id="check-tab"):
                gr.HTML(f'<p class="check-intro">{esc(texts["check_intro"])}</p>', js_on_load=None)
                check_text = gr.Textbox(label=texts["check_answer_label"],
                                        placeholder=texts["check_answer_placeholder"], lines=6, elem_id="check-answer")
                check_passages = gr.Textbox(label=texts["check_passages_label"],
                                            placeholder=texts["check_passages_placeholder"], lines=3,
                                            elem_id="check-passages")
                check_button = gr.Button(texts["check_button"], variant="primary", elem_id="check-button")
                check_result = gr.HTML("", elem_id="check-result", js_on_load=None)

        outputs = [conversation, sources, help_banner, question, turns]
        quiet: dict[str, Any] = {"show_progress": "hidden", "api_visibility": "private"}
        ask_inputs = [question, turns, kind_filter, doc_filter]
        answering = [ask_button.click(ui.ask, ask_inputs, outputs, **quiet),
                     question.submit(ui.ask, ask_inputs, outputs, **quiet)]
        answering += [button.click(partial(ui.situation, index), [turns], outputs, **quiet)
                      for index, button in enumerate(situation_buttons)]
        # Clearing also stops an answer still being written (an LLM stops generating).
        clear_button.click(ui.clear, None, outputs, cancels=answering, **quiet)
        check_button.click(ui.check, [check_text, check_passages], [check_result], **quiet)
    return blocks


def create_app(assistant: Assistant) -> FastAPI:
    """The JSON API and the UI on one FastAPI app (API routes first, so they take precedence)."""
    app = create_api(assistant)
    theme = gr.themes.Default(primary_hue="blue", font=SYSTEM_FONTS, font_mono=MONO_FONTS,
                              text_size=gr.themes.sizes.text_lg)
    # The whole UI in each language at /es/, /pt/, /ht/; / is English and answers each question
    # in its own language. The more specific paths are mounted first, so "/" does not take them.
    for language in [*(code for code in LANGUAGES if code != "en"), None]:
        blocks = build_blocks(ChatUI(assistant, language))
        # Several people may share one server; answers take well under a second each.
        blocks.queue(default_concurrency_limit=4)
        app = gr.mount_gradio_app(
            app, blocks, path=f"/{language}" if language else "/", server_name=assistant.settings.ui.host,
            server_port=assistant.settings.ui.port,
            # No footer links (they lead off this machine), no run history (it would keep the
            # questions in the browser), no share link, no MCP server, no Node SSR process.
            footer_links=[], run_history=False, ssr_mode=False, mcp_server=False, pwa=False,
            enable_monitoring=False, show_error=False, theme=theme, css_paths=[STYLE])
    return app


def serve(settings: Settings) -> None:
    import uvicorn

    assistant = Assistant.from_settings(settings)
    # One answer before the port opens, so the first visitor does not wait for the model's and
    # the index's first-use costs (about a second and a half here).
    assistant.ask(WARM_UP_QUESTION)
    app = create_app(assistant)
    print(f"ICE Out Assistant: open http://{settings.ui.host}:{settings.ui.port} in a browser (Ctrl-C stops).",
          flush=True)
    # access_log off: request lines are not needed, and nothing about a visitor is kept.
    uvicorn.run(app, host=settings.ui.host, port=settings.ui.port, log_level="warning", access_log=False)
