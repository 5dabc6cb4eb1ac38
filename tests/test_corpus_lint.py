"""Lint checks for the knowledge-base corpus (corpus/*.md, referrals.yaml, sources.yaml).

Uses only pytest, yaml, pathlib, re and the standard library's datetime.
Every markdown document is its own parametrized case, so one bad file fails on its own.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

ALLOWED_KINDS = {
    "report",
    "news",
    "law",
    "bill",
    "court-decision",
    "policy",
    "explainer",
    "incident",
    "data",
    "know-your-rights",
    "glossary",
}
REQUIRED_KEYS = ("title", "kind", "jurisdiction", "as_of", "sources", "language")
DOC_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://\S+$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)

HELPS_WITH_TAGS = {
    "ice-at-door",
    "arrest",
    "court",
    "detained",
    "fingerprints",
    "juvenile",
    "recording",
    "legal-help",
    "policy-advocacy",
    "misconduct-report",
    "hotline",
    "immigration-court",
}
REFERRAL_FIELDS = (
    "id",
    "name",
    "helps_with",
    "description",
    "languages",
    "phone",
    "url",
    "urgent",
    "caveat",
    "source",
    "as_of",
)
# North American number, e.g. 617-370-5023, (508) 293-1871, 1-800-898-7180.
PHONE_RE = re.compile(r"^(?:\+?1[-. ]?)?(?:\(\d{3}\)|\d{3})[-. ]?\d{3}[-. ]\d{4}$")
# The only numbers our fact sheet prints; any other number must be added deliberately.
KNOWN_PHONE_DIGITS = {"6173705023", "5082931871", "18008987180"}

MD_FILES = sorted(CORPUS.glob("*.md"))


def _split_front_matter(path: Path):
    text = path.read_text(encoding="utf-8")
    m = FRONT_MATTER_RE.match(text)
    assert m, f"{path.name}: file must start with a '---' front matter block closed by '---'"
    meta = yaml.safe_load(m.group(1))
    assert isinstance(meta, dict), f"{path.name}: front matter is not a mapping"
    return meta, m.group(2)


def _is_date(value) -> bool:
    if isinstance(value, _dt.datetime):
        return False
    if isinstance(value, _dt.date):
        return True
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            _dt.date.fromisoformat(value)
            return True
        except ValueError:
            return False
    return False


def _load_yaml(name: str):
    path = CORPUS / name
    assert path.exists(), f"missing corpus/{name}"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"corpus/{name} must be a mapping at top level"
    return data


def test_corpus_has_markdown_documents():
    assert MD_FILES, "corpus/ contains no .md documents"


@pytest.mark.parametrize("path", MD_FILES, ids=[p.name for p in MD_FILES])
def test_document_front_matter(path: Path):
    meta, body = _split_front_matter(path)

    assert DOC_ID_RE.match(path.stem), f"{path.name}: doc id must be lowercase words joined by hyphens"

    missing = [k for k in REQUIRED_KEYS if k not in meta]
    assert not missing, f"{path.name}: missing front matter keys {missing}"

    assert isinstance(meta["title"], str) and meta["title"].strip(), f"{path.name}: empty title"
    assert meta["kind"] in ALLOWED_KINDS, f"{path.name}: kind {meta['kind']!r} not in {sorted(ALLOWED_KINDS)}"
    assert isinstance(meta["jurisdiction"], str) and meta["jurisdiction"].strip(), f"{path.name}: empty jurisdiction"
    assert _is_date(meta["as_of"]), f"{path.name}: as_of {meta['as_of']!r} is not a YYYY-MM-DD date"
    assert isinstance(meta["language"], str) and meta["language"].strip(), f"{path.name}: empty language"

    sources = meta["sources"]
    assert isinstance(sources, list) and sources, f"{path.name}: sources must be a non-empty list"
    for i, src in enumerate(sources):
        assert isinstance(src, dict), f"{path.name}: source #{i} is not a mapping"
        assert isinstance(src.get("title"), str) and src["title"].strip(), f"{path.name}: source #{i} has no title"
    urls = [s.get("url") for s in sources if isinstance(s, dict)]
    assert any(isinstance(u, str) and URL_RE.match(u) for u in urls), f"{path.name}: no source with an http(s) url"
    for u in urls:
        if u is not None:
            assert isinstance(u, str) and URL_RE.match(u), f"{path.name}: bad source url {u!r}"

    assert re.search(r"^# \S", body, re.MULTILINE), f"{path.name}: no '# ' title heading in the body"


def test_document_titles_are_unique():
    seen: dict[str, str] = {}
    dupes = []
    for path in MD_FILES:
        meta, _ = _split_front_matter(path)
        title = str(meta.get("title", "")).strip().lower()
        if title in seen:
            dupes.append((title, seen[title], path.name))
        seen[title] = path.name
    assert not dupes, f"duplicate titles: {dupes}"


# ---------------------------------------------------------------- referrals.yaml


def _referrals():
    data = _load_yaml("referrals.yaml")
    items = data.get("referrals")
    assert isinstance(items, list) and items, "referrals.yaml: 'referrals' must be a non-empty list"
    return items


def test_referrals_ids_unique():
    ids = [r.get("id") for r in _referrals()]
    assert len(ids) == len(set(ids)), f"duplicate referral ids: {ids}"


def _referral_ids():
    try:
        return [str(r.get("id", i)) for i, r in enumerate(_referrals())]
    except Exception:  # reported by test_referrals_ids_unique / the item test itself
        return ["<unreadable>"]


@pytest.mark.parametrize("idx", range(len(_referral_ids())), ids=_referral_ids())
def test_referral_item(idx: int):
    item = _referrals()[idx]
    assert isinstance(item, dict), f"referral #{idx} is not a mapping"
    missing = [f for f in REFERRAL_FIELDS if f not in item]
    assert not missing, f"referral {item.get('id')}: missing fields {missing}"

    rid = item["id"]
    assert isinstance(rid, str) and DOC_ID_RE.match(rid), f"referral id {rid!r} is not a slug"
    for key in ("name", "description"):
        assert isinstance(item[key], str) and item[key].strip(), f"{rid}: {key} must be a non-empty string"

    tags = item["helps_with"]
    assert isinstance(tags, list), f"{rid}: helps_with must be a list"
    bad = [t for t in tags if t not in HELPS_WITH_TAGS]
    assert not bad, f"{rid}: unknown helps_with tags {bad}"

    langs = item["languages"]
    assert isinstance(langs, list) and langs, f"{rid}: languages must be a non-empty list"
    assert all(isinstance(x, str) and x.strip() for x in langs), f"{rid}: languages must be strings"

    phone = item["phone"]
    assert phone is None or isinstance(phone, str), f"{rid}: phone must be a string or null, got {type(phone).__name__}"
    if phone is not None:
        assert PHONE_RE.match(phone), f"{rid}: phone {phone!r} does not look like a phone number"
        digits = re.sub(r"\D", "", phone)
        assert digits in KNOWN_PHONE_DIGITS, f"{rid}: phone {phone!r} is not one of the numbers our sources print"

    url = item["url"]
    assert url is None or (isinstance(url, str) and URL_RE.match(url)), f"{rid}: url must be http(s) or null"

    assert isinstance(item["urgent"], bool), f"{rid}: urgent must be true/false"
    if item["urgent"]:
        assert phone is not None, f"{rid}: an urgent referral needs a phone number"

    caveat = item["caveat"]
    assert caveat is None or (isinstance(caveat, str) and caveat.strip()), f"{rid}: caveat must be text or null"

    src = item["source"]
    assert isinstance(src, dict), f"{rid}: source must be a mapping with title and url"
    assert isinstance(src.get("title"), str) and src["title"].strip(), f"{rid}: source.title missing"
    assert isinstance(src.get("url"), str) and URL_RE.match(src["url"]), f"{rid}: source.url must be http(s)"

    assert _is_date(item["as_of"]), f"{rid}: as_of must be a YYYY-MM-DD date"


# ---------------------------------------------------------------- sources.yaml


def _sources():
    data = _load_yaml("sources.yaml")
    items = data.get("sources")
    assert isinstance(items, list) and items, "sources.yaml: 'sources' must be a non-empty list"
    return items


def test_sources_yaml_entries():
    items = _sources()
    ids = []
    for i, entry in enumerate(items):
        assert isinstance(entry, dict), f"sources.yaml entry #{i} is not a mapping"
        for key in ("id", "title", "url"):
            assert isinstance(entry.get(key), str) and entry[key].strip(), f"sources.yaml entry #{i}: missing {key}"
        assert DOC_ID_RE.match(entry["id"]), f"sources.yaml: id {entry['id']!r} is not a slug"
        assert URL_RE.match(entry["url"]), f"sources.yaml {entry['id']}: url must be http(s)"
        ids.append(entry["id"])
    assert len(ids) == len(set(ids)), f"sources.yaml: duplicate ids {ids}"
