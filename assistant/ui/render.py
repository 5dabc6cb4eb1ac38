"""HTML for the web UI, built as pure functions of the Answer records.

Safety rule for every function here: text that comes from documents, questions or answers
is passed through `esc` before it touches markup, and the only markup is what this module
writes around it (the quote's <mark> is placed by offsets into the *unescaped* passage,
then each piece is escaped). Links are emitted only for http(s) URLs. Nothing here parses
Markdown, so `[x](javascript:…)` in a document stays plain text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from assistant.types import Answer, Citation, Referral, Sentence

Texts = dict[str, Any]


@dataclass
class Turn:
    """One question and what the UI shows for it while it streams and once it is done."""

    question: str
    draft: str = ""  # streamed text, shown until the verified answer arrives
    answer: Answer | None = None
    error: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address with a host, else None (javascript:, data:, …)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(c in url for c in "\r\n\t "):
        return None
    return url


def external_link(url: str | None, label: str) -> str:
    href = safe_url(url)
    if href is None:
        return ""
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def quote_span(passage: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` lies in `passage`. Citations are verified to quote their passage verbatim,
    so an exact search is enough; None only for a citation from elsewhere that does not."""
    if not quote:
        return None
    start = passage.find(quote)
    return (start, start + len(quote)) if start >= 0 else None


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quoted span wrapped in <mark>."""
    span = quote_span(passage, quote)
    if span is None:
        return esc(passage)
    start, end = span
    return f"{esc(passage[:start])}<mark>{esc(passage[start:end])}</mark>{esc(passage[end:])}"


def source_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def chip_id(turn: int, n: int) -> str:
    return f"chip-{turn}-{n}"


def _badge(sentence: Sentence, texts: Texts) -> str:
    supported = sentence.verdict == "supported"
    kind = "supported" if supported else "weak"
    help_text = texts["badge_supported_help" if supported else "badge_weak_help"]
    return f'<span class="badge badge-{kind}" title="{esc(help_text)}">{esc(texts[f"badge_{kind}"])}</span>'


def _chips(turn: int, sentence: Sentence, citations: dict[int, Citation], seen: set[int], texts: Texts) -> str:
    chips = []
    for n in sentence.citations:
        citation = citations.get(n)
        if citation is None:
            continue
        # Only the first chip for a source gets the id the source panel's "back" button returns to.
        id_attr = f' id="{chip_id(turn, n)}"' if n not in seen else ""
        seen.add(n)
        label = texts["cite_label"].format(n=n, title=citation.title or citation.doc_id)
        chips.append(f'<button type="button" class="chip"{id_attr} data-cite="{source_id(turn, n)}" '
                     f'aria-controls="{source_id(turn, n)}" aria-label="{esc(label)}">[{n}]</button>')
    return "".join(chips)


def _sentences(turn: int, answer: Answer, texts: Texts) -> str:
    citations = {c.n: c for c in answer.citations}
    seen: set[int] = set()
    items = [f'<span class="sentence">{esc(s.text)} {_chips(turn, s, citations, seen, texts)} {_badge(s, texts)}</span>'
             for s in answer.sentences]
    # The answerer marks list answers (steps, several facts) by rendering them as "- " lines.
    if answer.answer.lstrip().startswith("- "):
        return '<ul class="answer-list">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    return '<p class="answer-text">' + " ".join(items) + "</p>"


def _how_i_searched(answer: Answer, filters: dict[str, list[str]], texts: Texts) -> str:
    chosen = "; ".join(f"{key}: {', '.join(values)}" for key, values in filters.items() if values)
    scope = f'{texts["searched_filters"]} {chosen}' if chosen else texts["no_filters"]
    return (f'<details class="how"><summary>{esc(texts["how_i_searched"])}</summary>'
            f'<p>{esc(texts["searched_for"])} <q>{esc(answer.search_query or answer.question)}</q></p>'
            f'<p>{esc(scope)}</p></details>')


def _answer_body(index: int, turn: Turn, texts: Texts, legal_notice: str) -> tuple[str, str]:
    """(state, inner HTML) of one turn's answer area."""
    if turn.error:
        return "error", f'<p class="error" role="alert">{esc(turn.error)}</p>'
    answer = turn.answer
    if answer is None:
        if turn.draft:
            return "streaming", f'<p class="draft">{esc(turn.draft)}</p>'
        return "waiting", f'<p class="status">{esc(texts["searching"])}</p>'
    notices = [n for n in answer.notices if n != legal_notice]
    parts = [f'<p class="notice{" notice-urgent" if answer.urgent and i == 0 else ""}">{esc(n)}</p>'
             for i, n in enumerate(notices)]
    if answer.abstained:
        parts.append(f'<p class="answer-text abstained">{esc(answer.answer)}</p>')
    else:
        if answer.lead:  # in the asker's language, e.g. that the quotes below are in English
            parts.append(f'<p class="lead">{esc(answer.lead)}</p>')
        parts.append(_sentences(index, answer, texts))
    parts.append(_how_i_searched(answer, turn.filters, texts))
    parts.append(f'<p class="legal">{esc(legal_notice)}</p>')
    return "done", "".join(parts)


def render_conversation(turns: list[Turn], texts: Texts, legal_notice: str) -> str:
    if not turns:
        return f'<div class="conversation empty"><p class="intro">{esc(texts["intro"])}</p></div>'
    articles = []
    for index, turn in enumerate(turns):
        state, body = _answer_body(index, turn, texts, legal_notice)
        busy = "true" if state in {"waiting", "streaming"} else "false"
        articles.append(
            f'<article class="turn" id="turn-{index}" aria-labelledby="q-{index}">'
            f'<h3 class="question" id="q-{index}"><span class="visually-hidden">{esc(texts["you_asked"])} </span>'
            f'{esc(turn.question)}</h3>'
            f'<div class="answer" data-state="{state}" aria-busy="{busy}">{body}</div></article>')
    # role=log: screen readers announce new answers; aria-busy holds a turn back until it is whole.
    label = esc(texts["conversation_label"])
    return f'<div class="conversation" role="log" aria-label="{label}">{"".join(articles)}</div>'


def _meta(citation: Citation, texts: Texts) -> str:
    # Page and section are in the summary line above these rows.
    rows = [(texts["source_as_of"], citation.as_of), (texts["source_kind"], citation.kind)]
    return '<dl class="source-meta">' + "".join(
        f"<div><dt>{esc(label)}</dt><dd>{esc(value)}</dd></div>" for label, value in rows if value) + "</dl>"


def _source(turn: int, citation: Citation, texts: Texts) -> str:
    link = external_link(citation.source_url, texts["source_link"]) or \
        f'<span class="no-link">{esc(texts["source_no_link"])}</span>'
    # Several citations often come from one document: page and section tell them apart at a
    # glance, and say where to look in the original (a PDF's page counts from its first page, as a viewer does).
    where = [f' · <span class="source-page">{esc(texts["source_page"])} {esc(citation.page)}</span>'
             if citation.page is not None else "",
             f'<span class="source-section">{esc(texts["source_section"])}: {esc(citation.section)}</span>'
             if citation.section else ""]
    section = "".join(where)
    return (f'<details class="source" id="{source_id(turn, citation.n)}">'
            f'<summary><span class="source-n">[{citation.n}]</span> {esc(citation.title or citation.doc_id)}'
            f'{section}</summary>'
            f'{_meta(citation, texts)}'
            f'<blockquote class="passage">{highlight(citation.text, citation.quote)}</blockquote>'
            f'<p class="source-actions">{link} <button type="button" class="back" '
            f'data-back="{chip_id(turn, citation.n)}">{esc(texts["back_to_answer"])}</button></p>'
            f'</details>')


def render_sources(turns: list[Turn], texts: Texts) -> str:
    """Every turn's sources; only the newest turn's group is visible until a chip in an older
    answer is selected (the chip handler in app.py shows that group)."""
    answered = [(i, t.answer) for i, t in enumerate(turns) if t.answer and t.answer.citations]
    newest = answered[-1][0] if answered else None
    groups = []
    for index, answer in answered:
        hidden = "" if index == newest else " hidden"
        sources = "".join(_source(index, c, texts) for c in answer.citations)
        groups.append(f'<div class="source-group" id="sources-{index}"{hidden}>'
                      f'<p class="sources-for">{esc(texts["sources_for"])} <q>{esc(answer.question)}</q></p>'
                      f'{sources}</div>')
    return (f'<section class="sources" aria-labelledby="sources-heading">'
            f'<h2 id="sources-heading">{esc(texts["sources_heading"])}</h2>'
            f'<p class="hint">{esc(texts["sources_hint"])}</p>{"".join(groups)}</section>')


def _phone_link(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f'<a href="tel:{digits}">{esc(phone)}</a>' if digits else esc(phone)


def _referral(referral: Referral, texts: Texts) -> str:
    contact = [_phone_link(referral.phone)] if referral.phone else []
    if referral.url:
        contact.append(external_link(referral.url, urlsplit(referral.url).netloc or referral.url))
    languages = [lang for lang in referral.languages if lang != "unknown"]
    # Name and how to reach them first: in an emergency that is what a person needs.
    return ("<li>"
            f'<strong>{esc(referral.name)}</strong>'
            f'{"<br>" + " · ".join(c for c in contact if c) if any(contact) else ""}'
            f'{"<br>" + esc(referral.description) if referral.description else ""}'
            f'{"<br>" + esc(texts["help_languages"]) + " " + esc(", ".join(languages)) if languages else ""}'
            f'{"<br><small>" + esc(referral.caveat) + "</small>" if referral.caveat else ""}'
            "</li>")


def render_help(answer: Answer | None, texts: Texts, referral_intro: str) -> str:
    """The help banner: shown when the newest answer signals urgency or abstains with referrals."""
    if answer is None or not answer.referrals or not (answer.urgent or answer.abstained):
        return ""
    heading = texts["help_urgent_heading" if answer.urgent else "help_heading"]
    # role=alert makes a screen reader announce an emergency at once; otherwise a plain region.
    role = 'role="alert"' if answer.urgent else 'role="region" aria-labelledby="help-title"'
    items = "".join(_referral(r, texts) for r in answer.referrals)
    return (f'<section class="help{" help-urgent" if answer.urgent else ""}" {role}>'
            f'<h2 id="help-title">{esc(heading)}</h2><p>{esc(referral_intro)}</p>'
            f'<ul class="referrals">{items}</ul></section>')


def render_header(texts: Texts, legal_notice: str) -> str:
    return (f'<header class="app-header"><h1>{esc(texts["title"])}</h1>'
            f'<p class="tagline">{esc(texts["tagline"])}</p>'
            f'<p class="legal-banner" role="note"><strong>{esc(legal_notice)}</strong></p></header>')


def render_languages(current: str, names: dict[str, str]) -> str:
    """Links to the UI in each language; the page's own is marked, not linked."""
    links = [f'<span aria-current="page" lang="{esc(code)}">{esc(name)}</span>' if code == current
             else f'<a href="{"/" if code == "en" else f"/{code}/"}" lang="{esc(code)}" hreflang="{esc(code)}">'
                  f'{esc(name)}</a>'
             for code, name in names.items()]
    return f'<nav class="languages" aria-label="Language">{" · ".join(links)}</nav>'


def render_message(text: str, role: str = "status") -> str:
    return f'<p class="message" role="{esc(role)}">{esc(text)}</p>'


VERDICT_BADGE = {"supported": "supported", "partial": "weak", "unsupported": "unsupported", "uncited": "uncited"}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _check_item(item: dict[str, Any], texts: Texts) -> str:
    verdict = str(item.get("verdict", "unsupported"))
    badge = (f'<span class="badge badge-{VERDICT_BADGE.get(verdict, "unsupported")}">'
             f'{esc(texts.get(f"verdict_{verdict}", verdict))}</span>')
    cites = "".join(f"[{int(n)}]" for n in item.get("citations", []))
    details = []
    reason = texts.get(f"check_reason_{item.get('reason', '')}")
    if reason:
        details.append(f'<p class="reason">{esc(reason)}</p>')
    passage = item.get("passage")
    if passage:
        number = f"[{int(passage['n'])}] " if passage.get("n") is not None else ""
        name = passage.get("title") or passage.get("doc_id") or ""
        link = external_link(passage.get("source_url"), passage.get("source_url") or "")
        details.append(f'<p>{esc(texts["check_best_passage"])} {esc(number)}{esc(name)} {link}</p>')
    if item.get("quote"):
        details.append(f'<blockquote class="passage"><mark>{esc(item["quote"])}</mark></blockquote>')
    if item.get("missing"):
        details.append(f'<p class="missing">{esc(texts["check_missing"])} {esc(", ".join(item["missing"]))}</p>')
    for key, label in (("unknown_citations", "check_unknown"), ("irrelevant_citations", "check_irrelevant")):
        if item.get(key):
            details.append(f'<p>{esc(texts[label])} {esc(", ".join(f"[{int(n)}]" for n in item[key]))}</p>')
    return (f'<li class="check verdict-{esc(verdict)}">{badge} <span class="claim">{esc(item.get("text", ""))}'
            f'{" " + esc(cites) if cites else ""}</span><div class="check-detail">{"".join(details)}</div></li>')


def render_check(report: dict[str, Any], texts: Texts) -> str:
    """The citation checker's report (CheckReport.to_dict()) as an escaped list of verdicts."""
    sentences = report.get("sentences", [])
    counts = report.get("verdict_counts", {})
    where = texts["check_where_passages" if report.get("mode") == "passages" else "check_where_corpus"]
    tally = ", ".join(f"{n} {texts.get(f'verdict_{v}', v)}" for v, n in counts.items() if n)
    summary = f'{texts["check_summary"].format(count=len(sentences), where=where)} {tally}'
    scores = ""
    if report.get("mode") == "passages":
        scores = (f'<p>{esc(texts["check_recall"])} {_percent(report.get("citation_recall"))} · '
                  f'{esc(texts["check_precision"])} {_percent(report.get("citation_precision"))}</p>')
    items = "".join(_check_item(item, texts) for item in sentences)
    return (f'<section class="check-report" aria-labelledby="check-heading">'
            f'<h2 id="check-heading">{esc(texts["check_heading"])}</h2><p>{esc(summary)}</p>{scores}'
            f'<ol class="checks">{items}</ol></section>')
