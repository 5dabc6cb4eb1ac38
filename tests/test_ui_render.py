"""The UI's HTML: every piece of document, question and answer text renders inert.

The whitelist check below parses the HTML and fails on any tag, attribute or link scheme the
renderer does not write itself, so a regression that lets markup through cannot pass.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.prompts import load_messages
from assistant.types import Answer, Citation, Referral, Sentence
from assistant.ui.render import (
    Turn,
    highlight,
    render_check,
    render_conversation,
    render_help,
    render_sources,
    safe_url,
)

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
TEXTS = load_messages(PROMPTS, "ui")
LEGAL = load_messages(PROMPTS)["legal_notice"]
INTRO = load_messages(PROMPTS)["referral_intro"]

OUR_TAGS = {"div", "p", "h1", "h2", "h3", "span", "button", "article", "section", "details", "summary", "ul",
            "ol", "li", "dl", "dt", "dd", "blockquote", "mark", "q", "a", "strong", "small", "br", "header"}
OUR_ATTRIBUTES = {"class", "id", "href", "target", "rel", "title", "role", "hidden", "type", "data-cite",
                  "data-back", "data-state", "aria-label", "aria-labelledby", "aria-controls", "aria-busy"}
HOSTILE = [
    "<script>alert('s')</script>",
    "<img src=x onerror=\"alert('i')\">",
    "[click](javascript:alert('m'))",
    "<a href=\"javascript:alert('a')\" onclick=\"alert('c')\">x</a>",
    "\"><svg onload=alert(1)>",
]
EVIL = " ".join(HOSTILE)


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in OUR_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in OUR_ATTRIBUTES:
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name == "href" and not (value or "").startswith(("http://", "https://", "tel:")):
                self.problems.append(f"link {value!r}")


def markup_problems(html: str) -> list[str]:
    """Tags, attributes and links in `html` that the renderer never writes itself."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def _hostile_answer(**overrides) -> Answer:
    passage = f"Before {EVIL}. The quoted sentence {EVIL} ends here. After."
    quote = f"The quoted sentence {EVIL} ends here."
    citation = Citation(n=1, chunk_id="evil#0", doc_id="evil", title=f"Title {EVIL}",
                        source_url="javascript:alert('url')", page=3, section=f"Section {EVIL}",
                        text=passage, quote=quote, start=0, end=len(quote), kind=f"kind {EVIL}",
                        as_of=f"2026 {EVIL}")
    fields = dict(question=f"Question {EVIL}", answer=f"Answer {EVIL} [1]", abstained=False,
                  sentences=[Sentence(text=f"Sentence {EVIL}", citations=[1], support=1.0)],
                  citations=[citation], notices=[f"Notice {EVIL}", LEGAL], urgent=True,
                  search_query=f"query {EVIL}",
                  referrals=[Referral(name=f"Org {EVIL}", description=f"Helps {EVIL}", phone="617-555-0100 <b>",
                                      url="javascript:alert('ref')", languages=[EVIL], caveat=EVIL, urgent=True)])
    fields.update(overrides)
    return Answer(**fields)


def _all_html(answer: Answer) -> str:
    turns = [Turn(question=answer.question, answer=answer, filters={"doc_id": [EVIL]}),
             Turn(question=EVIL, draft=EVIL), Turn(question=EVIL, error=EVIL)]
    return "".join([render_conversation(turns, TEXTS, LEGAL), render_sources(turns, TEXTS),
                    render_help(answer, TEXTS, INTRO)])


def test_the_audit_catches_raw_markup():
    assert markup_problems(EVIL), "the whitelist check must be able to fail"


def test_hostile_text_in_every_field_renders_inert_but_visible():
    html = _all_html(_hostile_answer())
    assert markup_problems(html) == []
    # Shown as text, not silently dropped.
    assert "&lt;script&gt;alert(&#x27;s&#x27;)&lt;/script&gt;" in html
    assert "[click](javascript:alert(&#x27;m&#x27;))" in html
    assert 'href="javascript' not in html.lower()


def test_the_quote_is_marked_after_escaping():
    passage = "a < b & c. The <b>quoted</b> part. Tail."
    assert highlight(passage, "The <b>quoted</b> part.") == \
        "a &lt; b &amp; c. <mark>The &lt;b&gt;quoted&lt;/b&gt; part.</mark> Tail."
    assert highlight(passage, "not in the passage") == "a &lt; b &amp; c. The &lt;b&gt;quoted&lt;/b&gt; part. Tail."


@pytest.mark.parametrize("url", ["https://www.mass.gov/x?a=1&b=2", "http://example.org/"])
def test_plain_web_addresses_are_links(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "javascript://x.example/%0aalert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "//evil.example",
                                 "http://", "https://ok.example/\njavascript:x", "", None, "mailto:a@b.c"])
def test_anything_else_is_not_a_link(url):
    assert safe_url(url) is None


def test_each_sentence_has_a_chip_for_its_source_and_a_support_badge():
    answer = _hostile_answer(sentences=[Sentence("One.", [1], 1.0), Sentence("Two.", [1], 0.4, verdict="partial")])
    html = render_conversation([Turn(question="q", answer=answer)], TEXTS, LEGAL)
    assert html.count('data-cite="src-0-1"') == 2
    assert html.count('id="chip-0-1"') == 1  # the back button's target is unique
    assert html.count("badge-supported") == 1 and html.count("badge-weak") == 1
    assert TEXTS["how_i_searched"] in html and "query &lt;script&gt;" in html
    sources = render_sources([Turn(question="q", answer=answer)], TEXTS)
    assert 'id="src-0-1"' in sources and "<mark>The quoted sentence" in sources


def test_streaming_waiting_and_error_states_are_marked_for_the_page():
    turns = [Turn(question="q1"), Turn(question="q2", draft="Partial text [1]"), Turn(question="q3", error="bad")]
    html = render_conversation(turns, TEXTS, LEGAL)
    assert 'data-state="waiting" aria-busy="true"' in html and TEXTS["searching"] in html
    assert 'data-state="streaming" aria-busy="true"' in html and "Partial text [1]" in html
    assert 'data-state="error"' in html and 'role="alert">bad<' in html


def test_an_abstention_has_no_chips_and_no_sources():
    answer = _hostile_answer(abstained=True, answer="My sources do not cover this.", sentences=[], citations=[],
                             urgent=False)
    turns = [Turn(question="q", answer=answer)]
    assert "data-cite" not in render_conversation(turns, TEXTS, LEGAL)
    assert "source-group" not in render_sources(turns, TEXTS)


def test_only_the_newest_answers_sources_are_shown_until_a_chip_asks_for_older_ones():
    turns = [Turn(question="a", answer=_hostile_answer()), Turn(question="b", answer=_hostile_answer())]
    html = render_sources(turns, TEXTS)
    assert '<div class="source-group" id="sources-0" hidden>' in html
    assert '<div class="source-group" id="sources-1">' in html


def test_the_help_banner_appears_for_urgency_or_abstention_with_referrals_only():
    urgent = render_help(_hostile_answer(), TEXTS, INTRO)
    assert 'role="alert"' in urgent and TEXTS["help_urgent_heading"] in urgent
    assert '<a href="tel:6175550100">' in urgent
    abstained = render_help(_hostile_answer(urgent=False, abstained=True), TEXTS, INTRO)
    assert 'role="region"' in abstained and TEXTS["help_heading"] in abstained
    assert render_help(_hostile_answer(urgent=False), TEXTS, INTRO) == ""
    assert render_help(_hostile_answer(referrals=[]), TEXTS, INTRO) == ""
    assert render_help(None, TEXTS, INTRO) == ""


def test_a_check_report_renders_each_verdict_inert():
    report = {"mode": "passages", "citation_recall": 0.5, "citation_precision": 1.0,
              "verdict_counts": {"supported": 1, "partial": 0, "unsupported": 1, "uncited": 0},
              "sentences": [
                  {"text": f"Claim {EVIL}", "citations": [1], "verdict": "supported", "score": 0.9,
                   "passage": {"n": 1, "title": EVIL, "doc_id": "d", "source_url": "javascript:x", "chunk_id": ""},
                   "quote": EVIL, "missing": [], "reason": "entailed", "unknown_citations": [],
                   "irrelevant_citations": []},
                  {"text": "Second", "citations": [2], "verdict": "unsupported", "score": 0.1, "passage": None,
                   "quote": "", "missing": ["2019", EVIL], "reason": "number_missing", "unknown_citations": [2],
                   "irrelevant_citations": []}]}
    html = render_check(report, TEXTS)
    assert markup_problems(html) == []
    assert "badge-supported" in html and "badge-unsupported" in html
    assert "50%" in html and "100%" in html and "2019" in html and "[2]" in html
    assert TEXTS["check_reason_number_missing"] in html and TEXTS["check_reason_entailed"] in html
