"""Command line: `assistant ingest | ask | chat | ...`. Expected failures print one line, no trace."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Generator
from pathlib import Path

from assistant.errors import UserError
from assistant.settings import Settings
from assistant.types import Answer, EventKind, StreamEvent


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.load(Path(args.config) if args.config else None)
        return int(args.run(settings, args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assistant config | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    parser.add_argument("--config", help="TOML settings file (default: ./assistant.toml)")
    commands = parser.add_subparsers(dest="command")

    ingest = commands.add_parser("ingest", help="index documents (default: corpus/)")
    ingest.add_argument("paths", nargs="*", type=Path)
    ingest.add_argument("--strict", action="store_true", help="any skipped file is fatal")
    ingest.add_argument("--rebuild", action="store_true", help="re-embed everything")
    ingest.add_argument("--ocr", choices=["auto", "force", "off"],
                        help="scanned PDFs: OCR pages without text (auto, the default), every page (force: "
                             "the text layer is bad OCR), or none (off)")
    ingest.set_defaults(run=_ingest)

    ask = commands.add_parser("ask", help="answer one question ('-' reads one per line)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print Answer JSON")
    ask.add_argument("--kind", action="append", default=[], help="only this source kind")
    ask.add_argument("--doc", action="append", default=[], help="only this document id")
    ask.add_argument("--jurisdiction", action="append", default=[])
    ask.add_argument("--language", choices=["en", "es", "pt", "ht"],
                     help="answer in this language (default: the question's, detected)")
    ask.set_defaults(run=_ask)

    fetch = commands.add_parser("fetch-sources", help="download the primary documents in corpus/sources.yaml "
                                                      "into corpus/fetched/ and index them (uses the network)")
    fetch.add_argument("--sources", type=Path, help="source list (default: corpus/sources.yaml)")
    fetch.set_defaults(run=_fetch_sources)

    add = commands.add_parser("add", help="add a local document (e.g. the ICE Out report PDF) and index it")
    add.add_argument("file", type=Path)
    add.add_argument("--title", default="")
    add.add_argument("--url", default="", help="where the original can be read")
    add.add_argument("--kind", default="report")
    add.add_argument("--language", choices=["en", "es", "pt", "ht"], default="en",
                     help="the document's language, so questions in it find it (default: en)")
    add.add_argument("--ocr", choices=["auto", "force", "off"], default="auto",
                     help="force: this file's text layer is bad OCR, read its pages again (kept for later ingests)")
    add.set_defaults(run=_add)

    chat = commands.add_parser("chat", help="terminal chat with follow-up questions")
    chat.set_defaults(run=_chat)

    serve = commands.add_parser("serve", help="web chat UI and JSON API (default http://127.0.0.1:7860)")
    serve.add_argument("--port", type=int, help="port (default: the `port` setting)")
    serve.set_defaults(run=_serve)

    evaluate = commands.add_parser("eval", help="measure answer and citation quality on a "
                                                "question set, or retrieval on a BEIR dataset")
    evaluate.add_argument("--set", type=Path, default=Path("evals/dev_questions.jsonl"),
                          help="JSONL question set (default: evals/dev_questions.jsonl)")
    evaluate.add_argument("--name", help="report name (default: date and time)")
    evaluate.add_argument("--beir", type=Path, metavar="DIR",
                          help="BEIR-format dataset: corpus.jsonl, queries.jsonl, qrels/test.tsv")
    evaluate.add_argument("--attribution", type=Path, metavar="FILE",
                          help="measure the support scorer on labelled claim/evidence JSONL")
    evaluate.add_argument("--json", action="store_true", help="print --beir or --attribution results as JSON")
    evaluate.add_argument("--grader", choices=("llm", "builtin", "overlap"),
                          help="also grade citations with this judge, independent of the one that filtered "
                               "the answer (llm: ~1-2 s a sentence)")
    evaluate.set_defaults(run=_eval)

    check = commands.add_parser("check", help="check the citations of any answer (ours or "
                                              "another chatbot's)")
    check.add_argument("file", help="JSON {answer, passages} or plain text; '-' reads stdin")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--thorough", action="store_true",
                       help="judge with the local LLM (~1-2 s a sentence) instead of the cross-encoder")
    check.set_defaults(run=_check)

    config = commands.add_parser("config", help="print every setting: the value in effect, where it came "
                                                "from, and what it does")
    config.add_argument("--markdown", action="store_true", help="a Markdown table of the settings and their "
                                                                  "defaults (the README's)")
    config.set_defaults(run=_config)
    return parser


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.ingest.pipeline import ingest

    if getattr(args, "ocr", None):
        settings = settings.updated({"ingest": {"ocr": args.ocr}}, "--ocr")
    report = ingest(settings, args.paths or None, strict=args.strict, rebuild=args.rebuild)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    state = "updated" if report.changed else "already up to date"
    print(f"Index {state}: {report.summary()}")
    return 0 if report.docs else 1


def _fetch_sources(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.ingest.fetch import fetch_sources

    target = settings.documents_dir / "fetched"
    report = fetch_sources(args.sources or settings.ingest.corpus_dir / "sources.yaml", target)
    for line in report.failed:
        print(f"not fetched: {line}", file=sys.stderr)
    print(f"Fetched {len(report.saved)} document(s) into {target}; "
          f"{len(report.failed)} failed.")
    return _ingest(settings, argparse.Namespace(paths=[], strict=False, rebuild=False)) if report.saved else 1


def _add(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.ingest.fetch import add_document

    path = add_document(args.file, settings.documents_dir, args.title, args.url, args.kind, args.ocr,
                        args.language)
    print(f"Added {path}")
    return _ingest(settings, argparse.Namespace(paths=[], strict=False, rebuild=False))


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant

    assistant = Assistant.from_settings(settings)
    filters = {k: v for k, v in {"kind": args.kind, "doc_id": args.doc,
                                 "jurisdiction": args.jurisdiction}.items() if v}
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        if not line.strip():
            continue
        try:
            answer = assistant.ask(line, filters=filters or None, language=args.language)
        except UserError as exc:
            if args.question != "-":
                raise
            print(json.dumps({"question": line.strip(), "error": str(exc)}), flush=True)
            continue
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    if args.attribution:
        from assistant.evaluate.attribution import attribution_command

        return attribution_command(settings, args.attribution, as_json=args.json)
    from assistant.evaluate.runner import eval_command

    return eval_command(settings, args)


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.verify.check import check_command

    return check_command(settings, args.file, as_json=args.json, thorough_judge=args.thorough)


def _config(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.settings_report import settings_markdown, settings_toml

    print(settings_markdown() if args.markdown else settings_toml(settings))
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:

    from assistant.ui.app import serve

    serve(settings.updated({"ui": {"port": args.port}}, "--port") if args.port else settings)
    return 0


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant

    assistant = Assistant.from_settings(settings)
    history: list[str] = []
    print("Ask a question about Massachusetts police, courts and ICE. Empty line or Ctrl-D quits.")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        try:
            answer, draft = _stream_answer(assistant.stream(question, history=history))
        except UserError as exc:
            print(f"error: {exc}")
            continue
        if answer is None:
            print("\n(stopped)")
            continue
        history.append(question)
        # The draft stays on screen when it is the final answer; otherwise the final one follows it.
        print(format_answer(answer, body=draft.strip() != answer.answer.strip()))


def _stream_answer(events: Generator[StreamEvent]) -> tuple[Answer | None, str]:
    """Print verified text as it streams; Ctrl-C stops the answer (and the model) early."""
    draft = ""
    try:
        for event in events:
            if event.kind is EventKind.DELTA:
                draft += event.text
                print(event.text, end="", flush=True)
            elif event.answer is not None:
                if draft:
                    print()
                return event.answer, draft
    except KeyboardInterrupt:
        events.close()  # closing the stream stops generation
    return None, draft


def format_answer(answer: Answer, body: bool = True) -> str:
    lines = [*(f"! {notice}" for notice in answer.notices if answer.urgent), "",
             *([answer.lead] if answer.lead and body else []), answer.answer if body else ""]
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            where = ", ".join(x for x in (f"p. {c.page}" if c.page else "", c.section) if x)
            lines.append(f"  [{c.n}] {c.title}{f' ({where})' if where else ''} — "
                         f"{c.source_url or c.doc_id}")
    if answer.referrals:
        lines.append("\nWhere to get help:")
        for r in answer.referrals:
            contact = " · ".join(x for x in (r.phone, r.url) if x)
            lines.append(f"  - {r.name}{f': {contact}' if contact else ''}"
                         f"{f' ({r.caveat})' if r.caveat else ''}")
    lines.extend(f"\n{notice}" for notice in answer.notices if not answer.urgent)
    return "\n".join(lines).strip()


if __name__ == "__main__":
    sys.exit(main())
