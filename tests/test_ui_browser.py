"""End to end in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The server is the real `assistant serve` subprocess on a free loopback port, over the real
corpus plus the hostile-markup fixture, with outbound connections refused and logged. The
browser refuses and records every request that is not for that server. Screenshots are the
evidence that the layout works: `UI_SHOTS_DIR=evals/reports/ui pytest tests/test_ui_browser.py`
refreshes the committed ones in evals/reports/ui/.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from tests.browser import launch_chromium, running_server
from tests.conftest import ROOT, free_port
from tests.test_ui_api import HOSTILE_QUESTION

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.index]

# The committed screenshots are refreshed on purpose (UI_SHOTS_DIR=evals/reports/ui); a plain test
# run writes its own under .pytest_cache so that `make test` leaves the tree clean.
SHOTS = ROOT / os.environ.get("UI_SHOTS_DIR", ".pytest_cache/ui-shots")
QUESTION = "Does ICE need a judge's warrant to come into my house?"
DONE = '.answer[data-state="done"]'


@pytest.fixture(scope="module")
def server(hostile_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-server")
    netlog = folder / "net.log"
    with running_server(hostile_settings.data_dir, hostile_settings.ingest.corpus_dir, free_port(),
                        folder / "server.log", netguard_log=netlog) as url:
        yield url, netlog, folder / "server.log"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it must not: requests off the server, dialogs (alert() ran)."""

    def __init__(self, page, base_url: str) -> None:
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        origin = urlsplit(base_url).netloc

        def route(route_, request):
            if urlsplit(request.url).netloc == origin or request.url.startswith(("data:", "blob:")):
                route_.continue_()
            else:
                self.outside.append(request.url)
                route_.abort()

        def dialog(item):
            self.dialogs.append(item.message)
            item.dismiss()

        page.route("**/*", route)
        page.on("dialog", dialog)
        page.on("websocket", lambda socket: None if urlsplit(socket.url).netloc == origin
                else self.outside.append(socket.url))


def _open(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watch = Watch(page, url)
    page.goto(url + "/")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return context, page, watch


def _tab_to(page, selector: str, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `selector` has keyboard focus: proof it is reachable without a mouse."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def _wait_turns(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('{DONE}').length >= {count}", timeout=60_000)


def _assert_inert(page) -> None:
    dangerous = page.evaluate("""() => {
      const roots = ['#conversation', '#sources', '#help-banner'].map(s => document.querySelector(s));
      const found = [];
      for (const root of roots) {
        for (const el of root.querySelectorAll('*')) {
          if (['SCRIPT', 'IMG', 'SVG', 'IFRAME'].includes(el.tagName.toUpperCase())) found.push(el.outerHTML);
          for (const attr of el.attributes) {
            if (attr.name.startsWith('on') || /^\\s*javascript:/i.test(attr.value)) found.push(el.outerHTML);
          }
        }
      }
      return found;
    }""")
    assert dangerous == []


def test_ask_cite_situation_hostile_clear_and_check_on_a_laptop(server, browser):
    url, netlog, server_log = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, watch = _open(browser, url, 1280, 900)

    # Keyboard only: reach the question box, type, Enter sends.
    _tab_to(page, "#question textarea")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    _wait_turns(page, 1)
    first = page.locator("#turn-0")
    assert first.locator("button.chip").count() >= 1
    assert first.locator(".badge").count() == first.locator(".sentence").count()

    # A chip opens its source in the panel, with the quoted span highlighted, and takes focus.
    _tab_to(page, "#turn-0 button.chip", backwards=True)
    cited = page.evaluate("document.activeElement.dataset.cite")
    page.keyboard.press("Enter")
    source = page.locator(f"#{cited}")
    assert source.get_attribute("open") is not None
    assert page.evaluate("document.activeElement.closest('details.source')?.id") == cited
    mark = source.locator("blockquote.passage mark")
    assert mark.is_visible() and len(mark.inner_text()) > 20
    assert source.locator("a[href^='http']").count() == 1
    # "Back to the answer" returns focus to the chip.
    _tab_to(page, f"#{cited} button.back")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.cite") == cited
    page.locator("#turn-0 button.chip").first.click()
    page.screenshot(path=SHOTS / "desktop-1280-answer.png", full_page=True)

    # A know-your-rights situation: its card answers, and urgency brings the help banner.
    page.get_by_role("button", name="ICE at my door").click()
    _wait_turns(page, 2)
    banner = page.locator("#help-banner [role=alert]")
    assert banner.is_visible() and banner.locator("a[href^='tel:']").count() >= 1
    page.locator("#turn-1 button.chip").first.click()
    assert page.locator("#sources-1").is_visible() and page.locator("#sources-0").is_hidden()
    assert page.locator("#src-1-1 mark").is_visible()
    page.screenshot(path=SHOTS / "desktop-1280-situation.png", full_page=True)

    # A cited document full of markup: shown as text, nothing runs.
    page.get_by_label("Your question").fill(HOSTILE_QUESTION)
    page.locator("#ask-button").click()
    _wait_turns(page, 3)
    for chip in page.locator("#turn-2 button.chip").all():
        chip.click()
    assert "<script>" in page.locator("#sources-2").inner_text()
    _assert_inert(page)
    page.screenshot(path=SHOTS / "desktop-1280-hostile.png", full_page=True)

    # Nothing of the conversation is kept in the browser, and Clear empties the page.
    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "warrant" not in stored and "Quokkaville" not in stored
    page.locator("#clear-button").click()
    page.wait_for_function("document.querySelectorAll('#conversation .turn').length === 0", timeout=30_000)
    assert page.locator("#help-banner").inner_text().strip() == ""
    assert page.locator("#sources .source-group").count() == 0

    # The citation checker tab.
    page.get_by_role("tab", name="Check an answer").click()
    page.get_by_label("Answer to check").fill("The SJC decided Lunn v. Commonwealth in 1999 [1].")
    page.get_by_label("Cited passages (optional)").fill(
        '[{"n": 1, "text": "The SJC decided Lunn v. Commonwealth on July 24, 2017."}]')
    page.locator("#check-button").click()
    page.wait_for_selector("#check-result .check-report, #check-result [role=alert]", timeout=60_000)
    result = page.locator("#check-result").inner_text()
    assert "1999" in result and re.search(r"unsupported|partial", result), result
    page.screenshot(path=SHOTS / "desktop-1280-check.png", full_page=True)

    assert watch.dialogs == []
    assert watch.outside == [], f"requests left the machine: {watch.outside}"
    assert not netlog.exists() or netlog.read_text() == "", netlog.read_text()
    # The server keeps no record of what was asked.
    assert "warrant" not in server_log.read_text() and "Quokkaville" not in server_log.read_text()
    context.close()


def test_a_phone_sized_screen_works(server, browser):
    url, _, _ = server
    context, page, watch = _open(browser, url, 390, 844)
    page.get_by_role("button", name="Recording ICE").click()
    _wait_turns(page, 1)
    chip = page.locator("#turn-0 button.chip").first
    box = chip.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 minimum target size
    chip.click()
    assert page.locator("#src-0-1 mark").is_visible()
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SHOTS / "phone-390-answer.png", full_page=True)
    page.get_by_role("button", name="ICE at my door").click()
    _wait_turns(page, 2)
    assert page.locator("#help-banner [role=alert]").is_visible()
    page.screenshot(path=SHOTS / "phone-390-situation.png", full_page=True)
    assert watch.dialogs == [] and watch.outside == []
    # The watchers themselves work: an outside fetch and an alert() are both caught.
    page.evaluate("fetch('https://example.org/probe').catch(() => null)")
    page.evaluate("alert('probe')")
    page.wait_for_timeout(300)
    assert watch.outside == ["https://example.org/probe"] and watch.dialogs == ["probe"]
    context.close()


def test_the_whole_ui_and_its_answers_in_spanish(server, browser):
    from assistant.prompts import load_messages
    from assistant.retrieve.language import detect
    from tests.conftest import ROOT as repo

    texts = load_messages(repo / "prompts", "ui", "es")
    messages = load_messages(repo / "prompts", "messages", "es")
    url, _, _ = server
    context, page, watch = _open(browser, url, 1280, 900)
    page.get_by_role("link", name="Español").click()
    page.wait_for_selector("#question textarea", timeout=60_000)
    assert page.url.rstrip("/").endswith("/es")
    assert page.get_by_role("button", name=texts["ask_button"], exact=True).is_visible()
    assert page.get_by_label(texts["question_label"]).is_visible()

    # A situation button asks its question of the Spanish card; the answer quotes it in Spanish.
    situation = texts["situations"][0]
    page.get_by_role("button", name=situation["label"]).click()
    _wait_turns(page, 1)
    answer = page.locator("#turn-0 .answer-text, #turn-0 .answer-list").first.inner_text()
    assert detect(answer).language == "es", answer
    assert messages["legal_notice"] in page.locator("#turn-0").inner_text()
    page.locator("#turn-0 button.chip").first.click()
    assert page.locator("#src-0-1 mark").is_visible()
    page.screenshot(path=SHOTS / "desktop-1280-spanish.png", full_page=True)
    assert watch.dialogs == [] and watch.outside == []
    context.close()
