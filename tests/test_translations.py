"""Translations keep their originals' facts: every translated know-your-rights card, message
table, referral table and search glossary is checked against the English it comes from.

A translated card must name its original (`translation_of`), list the same sources, hold the
same numbers, dates, phone numbers, URLs and form numbers, and carry a source marker wherever
the original carries one. The markers are the translated forms of "(Source: NAME)",
"(Sources: A; B)" and "(General guidance, not from our sources…)" (see
tests/test_corpus_sources.py), with NAME kept as in English.
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest
import yaml

from assistant.retrieve.language import LANGUAGES
from tests.conftest import CORPUS, ROOT

PROMPTS = ROOT / "prompts"
TERMS = ROOT / "assistant" / "retrieve" / "terms"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
# Numbers (1,461 · 2025 · 617-370-5023), form numbers (I-200) and web addresses.
_FACT = re.compile(r"https?://[^\s)\]]+|[A-Z]-\d+|\d[\d,.:/-]*\d|\d")
_MARKER = re.compile(r"\((?:Source|Sources|General guidance|Fuente|Fuentes|Orientación general|Fonte|Fontes|"
                     r"Orientação geral|Sous|Sous yo|Konsèy jeneral)\b[^()]*(?:\([^()]*\)[^()]*)*\)", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}(?!\d))")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)

CARDS = sorted(p for p in CORPUS.glob("kyr-*.md") if p.stem.rsplit("-", 1)[-1] in TRANSLATED)


def _split(path: Path) -> tuple[dict, str]:
    match = _FRONT.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: needs a front matter block between '---' lines"
    return yaml.safe_load(match.group(1)), match.group(2)


def _facts(text: str) -> list[str]:
    """Its numbers, form numbers and URLs. Thousands are grouped "10,000" in English and
    "10.000" in Brazilian Portuguese: both read as 10000. A date written "29 de mayo de 2025"
    keeps its numbers."""
    return sorted(_THOUSANDS.sub("", token.rstrip(".,")) for token in _FACT.findall(text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_english_card_is_translated(language):
    originals = {p.stem for p in CORPUS.glob("kyr-*.md") if p.stem.rsplit("-", 1)[-1] not in TRANSLATED}
    translated = {p.stem.removesuffix(f"-{language}") for p in CORPUS.glob(f"kyr-*-{language}.md")}
    assert translated == originals, f"missing {language} cards: {sorted(originals - translated)}"


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.name)
def test_a_translated_card_keeps_its_originals_sources_facts_and_markers(card):
    meta, body = _split(card)
    language = card.stem.rsplit("-", 1)[-1]
    original = CORPUS / f"{meta.get('translation_of')}.md"
    assert original.is_file(), f"{card.name}: translation_of must name the English card it translates"
    english_meta, english_body = _split(original)
    assert meta["language"] == language, f"{card.name}: set language: {language}"
    assert meta["sources"] == english_meta["sources"], f"{card.name}: list exactly the sources of {original.name}"
    assert {k: v for k, v in meta.items() if k not in ("title", "language", "translation_of")} == \
        {k: v for k, v in english_meta.items() if k not in ("title", "language")}, \
        f"{card.name}: front matter must match {original.name} but for title, language, translation_of"
    missing = sorted(set(_facts(english_body)) - set(_facts(body)))
    assert not missing, f"{card.name}: these numbers, dates or URLs of {original.name} are missing: {missing}"
    added = sorted(set(_facts(body)) - set(_facts(english_body)))
    assert not added, f"{card.name}: these are not in {original.name} (a translation adds no facts): {added}"
    assert len(_MARKER.findall(body)) == len(_MARKER.findall(english_body)), \
        f"{card.name}: every source marker of {original.name} needs its translation"


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("table", ["messages", "ui"])
def test_every_fixed_text_is_translated_with_its_placeholders(table, language):
    english = tomllib.loads((PROMPTS / f"{table}.toml").read_text(encoding="utf-8"))
    translated = tomllib.loads((PROMPTS / f"{table}.{language}.toml").read_text(encoding="utf-8"))
    assert set(translated) == set(english), \
        f"prompts/{table}.{language}.toml: missing {sorted(set(english) - set(translated))}, " \
        f"extra {sorted(set(translated) - set(english))}"
    for key, text in english.items():
        if isinstance(text, str):
            assert _placeholders(translated[key]) == _placeholders(text), f"{table}.{language}.toml: {key}"
    if table == "ui":
        ids = {p.stem for p in CORPUS.glob("*.md")}
        situations = [s["doc_id"] for s in translated["situations"]]
        assert situations == [f"{s['doc_id']}-{language}" for s in english["situations"]]
        assert set(situations) <= ids


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_referral_is_described_in_every_language(language):
    english = yaml.safe_load((CORPUS / "referrals.yaml").read_text(encoding="utf-8"))["referrals"]
    translated = yaml.safe_load((CORPUS / f"referrals.{language}.yaml").read_text(encoding="utf-8"))["referrals"]
    assert set(translated) == {r["id"] for r in english}
    for referral in english:
        text = translated[referral["id"]]
        assert text["description"], referral["id"]
        assert (text.get("caveat") is None) == (referral.get("caveat") is None), referral["id"]
        for field in ("description", "caveat"):
            assert set(_facts(text.get(field) or "")) == set(_facts(referral.get(field) or "")), \
                f"referrals.{language}.yaml {referral['id']}.{field}: numbers differ from English"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_a_search_glossary_of_the_domain(language):
    terms = tomllib.loads((TERMS / f"{language}.toml").read_text(encoding="utf-8"))["terms"]
    assert len(terms) >= 200
    assert all(isinstance(v, list) and v and all(isinstance(p, str) and p.strip() for p in v)
               for v in terms.values())
