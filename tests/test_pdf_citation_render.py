"""The citation panel names the page and the section of a PDF citation, escaped."""

from __future__ import annotations

from assistant.prompts import load_messages
from assistant.types import Answer, Citation
from assistant.ui.render import Turn, render_sources
from tests.conftest import ROOT

TEXTS = load_messages(ROOT / "prompts", "ui")


def _citation(**fields) -> Citation:
    base = dict(n=1, chunk_id="moa#3", doc_id="moa", title="Troy 287(g) MOA", source_url="https://www.ice.gov/x",
                page=9, section="XVIII. EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA",
                text="ICE will provide the LEA a 90-day notice.", quote="ICE will provide the LEA a 90-day notice.",
                start=0, end=41)
    return Citation(**{**base, **fields})


def _panel(citation: Citation) -> str:
    answer = Answer(question="q", answer="a", abstained=False, citations=[citation])
    return render_sources([Turn(question="q", answer=answer)], TEXTS)


def test_pdf_citation_shows_page_and_section():
    html = _panel(_citation())
    summary = html[html.index("<summary>"):html.index("</summary>")]
    assert '<span class="source-page">Page 9</span>' in summary
    assert "Section: XVIII. EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA" in summary


def test_citation_without_page_or_section_shows_neither():
    html = _panel(_citation(page=None, section=""))
    assert "source-page" not in html and "source-section" not in html


def test_section_text_is_escaped():
    html = _panel(_citation(section="<script>alert(1)</script>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
