"""Time to first token and to the complete answer in the web UI, measured in a real browser.

    python evals/bench_ui.py [--url http://127.0.0.1:7860] [--questions 12]

Without --url it starts `assistant serve` on a free port over the configured index. For each
question, headless Chromium clicks Ask; the page itself records the click time, the moment the
newest answer first shows text (first token) and the moment it is complete (the verified answer
with its citations), so no polling delay is counted. Target: first token within 1 s.
Results are printed and written to evals/reports/ui_bench.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.browser (server start-up shared with the browser tests)

TARGET_FIRST_TOKEN_S = 1.0

# Watches the answer of turn `index`: first text (a draft or the answer itself), then "done".
OBSERVE = """index => {
  const times = window.__bench = {click: null, first: null, done: null};
  document.addEventListener('click', event => {
    if (event.target.closest('#ask-button') && times.click === null) times.click = performance.now();
  }, {capture: true, once: true});
  const check = () => {
    const answer = document.querySelector(`#turn-${index} .answer`);
    if (!answer || times.click === null) return;
    const state = answer.dataset.state;
    if (times.first === null && (state === 'streaming' || state === 'done')) times.first = performance.now();
    if (times.done === null && (state === 'done' || state === 'error')) times.done = performance.now();
  };
  const observer = new MutationObserver(() => { check(); if (times.done !== null) observer.disconnect(); });
  observer.observe(document.querySelector('#conversation'),
                   {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def dev_questions(path: Path, count: int) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row["question"] for row in rows if row.get("answerable") and not row.get("history")][:count]


def measure(page, question: str) -> tuple[float, float]:
    page.evaluate(OBSERVE, 0)
    page.get_by_label("Your question").fill(question)
    page.locator("#ask-button").click()
    page.wait_for_function("window.__bench.done !== null", timeout=120_000)
    times = page.evaluate("window.__bench")
    # A fresh conversation for the next question, so every answer is turn 0 of the same page.
    page.locator("#clear-button").click()
    page.wait_for_function("document.querySelectorAll('#conversation .turn').length === 0")
    return (times["first"] - times["click"]) / 1000, (times["done"] - times["click"]) / 1000


def run(url: str, questions: list[str]) -> list[tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        page.wait_for_selector("#question textarea", timeout=60_000)
        measure(page, questions[0])  # the page's own first-use costs are not an answer's
        results = [measure(page, question) for question in questions]
        browser.close()
    return results


def report(results: list[tuple[float, float]]) -> str:
    first = [r[0] for r in results]
    done = [r[1] for r in results]

    def row(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return f"| {name} | {statistics.median(values):.2f} | {p95:.2f} | {max(values):.2f} |"

    verdict = "met" if statistics.median(first) <= TARGET_FIRST_TOKEN_S else "NOT met"
    return "\n".join([
        "# Web UI latency after submit", "",
        f"{len(results)} questions from evals/dev_questions.jsonl, headless Chromium, default (extractive) "
        f"answerer, {time.strftime('%Y-%m-%d %H:%M')}. Times from the click on Ask, measured in the page.", "",
        "| | median s | p95 s | max s |", "|---|---|---|---|",
        row("first token", first), row("complete answer", done), "",
        f"Target: first token within {TARGET_FIRST_TOKEN_S:.0f} s (median): {verdict}.", ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one on a free port)")
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--set", type=Path, default=ROOT / "evals" / "dev_questions.jsonl")
    parser.add_argument("--report", type=Path, default=ROOT / "evals" / "reports" / "ui_bench.md")
    args = parser.parse_args()
    questions = dev_questions(args.set, args.questions)
    if args.url:
        results = run(args.url.rstrip("/"), questions)
    else:
        from assistant.settings import Settings
        from tests.browser import running_server
        from tests.conftest import free_port

        settings = Settings.load()
        with tempfile.TemporaryDirectory() as folder, \
                running_server(settings.data_dir.resolve(), settings.corpus_dir.resolve(), free_port(),
                               Path(folder) / "server.log") as url:
            results = run(url, questions)
    text = report(results)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
