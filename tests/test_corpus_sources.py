"""Source lint for the knowledge base: every checkable detail in a corpus document must come
from a source that the document lists.

Checks (each failure names the file, the offending token or sentence, and the fix):

(a) Every number, date, phone number and URL in a document's body appears in the text that
    facts.md (../shared/facts.md) records for one of the document's listed sources, or, for the
    Biometric Update story, in its full text kept as the seed news article
    (../shared/seed/news-article.txt; the registry entry names it with `seed_file`).
    A facts.md bullet belongs to the source(s) named in its "[source: ...]" brackets: by URL, or,
    for a short reference such as "[source: GBH News, 2026-04-27]", by the earlier bracket with
    a URL that shares its outlet words and date ("same" means the bullet above).
    Normalised before comparing: dashes (– — ‑ to -), thousands commas (10,000 = 10000),
    month names ("May 8, 2025" = 2025-05-08; "May 2025" = 2025-05), URLs (scheme, "www." and a
    trailing slash dropped). Names that contain digits but are not quantities, "287(g)" and
    "I-200"-style form numbers, are skipped. ALLOW below lists the few remaining tokens that are
    not facts, each with a reason. (It lives here, not in corpus/: the ingest pipeline indexes
    every supported file in corpus/ and reports the rest as skipped.)
(b) Know-your-rights cards (kyr-*.md): an imperative sentence (it starts with a verb such as
    "Call", "Do not", "Tell", or has a clause that does, after a comma, ";", ":" or "so", or
    gives "should" advice in our own voice) must end with a source marker just before its full stop:
        "(Source: NAME)" or "(Sources: NAME; NAME)"
            where each NAME is a piece of the title of a source in the card's front matter
            (compared case-insensitively, punctuation ignored), e.g. "(Source: Rep. Lori Trahan)";
            use it only when that source itself recommends the step;
        "(General guidance, not from our sources)" (more words may follow before the ")")
            when no listed source recommends the step.
    The marker is plain words in parentheses because the loader (assistant/ingest/loaders.py)
    keeps the markdown body as the citable text, so a quoted step shows its marker to the reader.
(c) Every entry in a document's `sources` is in the registry corpus/sources.yaml (matched by
    URL), under `sources:` (primary documents that `assistant fetch-sources` downloads) or
    `also_cited:` (news, summaries and reposts, never fetched).

Pure: pytest, yaml, re and pathlib only; no index and no model. Tests that need ../shared skip,
saying why, when that folder is missing. The helper functions take text, not paths, so they can
be run on an old revision of a file (`git show REV:corpus/FILE`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT / ".." / "shared"
FACTS = SHARED / "facts.md"
MD_FILES = sorted(CORPUS.glob("*.md"))
# Translations are checked against their English originals (tests/test_translations.py: the same
# sources, numbers, URLs and markers), so the originals' checks here cover them too; the English
# patterns for imperatives would misread them.
DOCS = [p for p in MD_FILES if "translation_of:" not in p.read_text(encoding="utf-8").split("\n---", 1)[0]]

# Tokens that are not facts from a source. Keep this short; every entry needs a reason.
ALLOW: list[dict] = [
    {"token": "7.00", "files": ["glossary.md"],
     "reason": "803 CMR 7.00 is the name of the regulation title on the Criminal Justice Information "
               "System that holds 803 CMR 7.08; facts.md shows it only inside the Casetext URL "
               "(title-803-cmr-700-criminal-justice-information-system-cjis)"},
]

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
for _m, _i in list(MONTHS.items()):
    MONTHS[_m[:3]] = _i
MONTHS["sept"] = 9
_MON = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
        r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")

URL_RE = re.compile(r"https?://[^\s)\]>,\"']+")
BARE_URL_RE = re.compile(r"(?<![\w@/.-])(?:[a-z0-9-]+\.)+(?:org|gov|com|net|edu|info|news|bot)(?:/[\w./%?=&-]*)?",
                         re.IGNORECASE)
PHONE_RE = re.compile(r"(?<!\d)(?:1-)?(?:\(\d{3}\)\s?|\d{3}-)\d{3}-\d{4}(?!\d)")
DATE_MDY_RE = re.compile(rf"\b({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*(\d{{4}}))?\b")
DATE_MY_RE = re.compile(rf"\b({_MON})\s+(\d{{4}})\b")
ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)")
# Names with digits that are not quantities: the 287(g) program, ICE form numbers (I-200, I-247A).
NAME_RE = re.compile(r"\b287\s?\(g\)|\bI-\d{3}[A-Z]?\b")
NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")

IMPERATIVE_VERBS = {
    "ask", "tell", "say", "call", "keep", "stay", "do", "don't", "dont", "never", "write", "record", "report",
    "go", "bring", "make", "plan", "expect", "check", "talk", "get", "teach", "remind", "hand", "show", "carry",
    "walk", "leave", "refuse", "sign", "contact", "find", "remember", "give", "let", "take", "put", "use", "seek",
    "avoid", "be", "open", "answer", "confirm", "stop", "wait", "know", "consider", "save", "learn", "look", "try",
    "speak", "file", "request", "prepare", "update", "please", "note", "read", "join", "attend", "follow", "have",
}
MARKER_RE = re.compile(
    r"\((?:(?P<src>Sources?):\s*(?P<names>[^()]+)|(?P<gen>general guidance, not from our sources)[^()]*)\)"
    r"\s*[.!?]?[\"”']?\s*$",
    re.IGNORECASE)
ATTRIBUTION_RE = re.compile(
    r"\b(says?|said|advises?|advised|recommends?|recommended|according to|told|tells?)\b", re.IGNORECASE)
_ABBREV = re.compile(r"(?:\b[A-Z]\.$)|\b(?:Mass|Rep|Reps|Sen|Gov|Dr|St|No|Jr|Inc|Co|v|vs|c|Ch|Mr|Ms|Mrs|U\.S|"
                     r"G\.L|Jan|Feb|Aug|Sept|Oct|Nov|Dec|approx|e\.g|i\.e)\.$")


# ----------------------------------------------------------------------------- text helpers

def split_doc(text: str) -> tuple[dict, str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    meta = yaml.safe_load(m.group(1)) or {}
    return (meta if isinstance(meta, dict) else {}), m.group(2)


def norm_dashes(text: str) -> str:
    return re.sub(r"[\u2010-\u2015\u2212]", "-", text).replace("\u00a0", " ")


def norm_url(url: str) -> str:
    url = url.strip().rstrip(".,;:)").lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def iso_dates(text: str) -> set[str]:
    """Every date in `text` as YYYY-MM-DD and YYYY-MM (month names and ISO forms alike)."""
    text = norm_dashes(text)
    out: set[str] = set()
    for m in DATE_MDY_RE.finditer(text):
        if m.group(3):
            ym = f"{m.group(3)}-{_month(m.group(1)):02d}"
            out |= {ym, f"{ym}-{int(m.group(2)):02d}"}
        out.add(f"--{_month(m.group(1)):02d}-{int(m.group(2)):02d}")
    for m in DATE_MY_RE.finditer(text):
        out.add(f"{m.group(2)}-{_month(m.group(1)):02d}")
    for m in ISO_RE.finditer(text):
        out.add(f"{m.group(1)}-{m.group(2)}")
        if m.group(3):
            out |= {f"{m.group(1)}-{m.group(2)}-{m.group(3)}", f"--{m.group(2)}-{m.group(3)}"}
    return out


NUMBER_WORDS = {w: str(i) for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
NUMBER_WORDS["dozen"] = "12"


def plain_numbers(text: str) -> set[str]:
    """Numbers in a source's text; number words ("seven") count as their digits."""
    text = NAME_RE.sub(" ", norm_dashes(text))
    found = {m.group(0).replace(",", "") for m in NUMBER_RE.finditer(text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return found


class SourceText:
    """What our records say under one source: its facts.md bullets, plus the seed text if any."""

    def __init__(self, text: str):
        self.text = norm_dashes(text)
        self.lower = self.text.lower()
        self.numbers = plain_numbers(self.text)
        self.dates = iso_dates(self.text)
        self.phones = {re.sub(r"\D", "", m.group(0))[-10:] for m in PHONE_RE.finditer(self.text)}
        urls = {norm_url(u) for u in URL_RE.findall(self.text)}
        urls |= {norm_url(u) for u in BARE_URL_RE.findall(self.text)}
        self.urls_blob = " ".join(sorted(urls)) + " " + self.lower


# ----------------------------------------------------------------------------- facts.md index

UNATTRIBUTED = "<facts.md caveats>"  # bullets with no [source: ...]: the fact sheet's own gaps and caveats
_BRACKET_RE = re.compile(r"\[source:\s*([^\]]*)\]", re.IGNORECASE)
_STOP = {"same", "url", "via", "summary", "of", "the", "and", "a", "above", "repost", "news", "secondary",
         "uncertain", "mass", "massachusetts", "text", "blog", "page", "statement", "com", "org", "gov", "net",
         "www", "http", "https"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


def facts_bullets(facts: str) -> list[str]:
    bullets: list[str] = []
    for line in facts.splitlines():
        if re.match(r"^\s*- ", line):
            bullets.append(line)
        elif bullets and line.strip() and not line.startswith("#"):
            bullets[-1] += " " + line.strip()
    return bullets


def index_facts(facts: str) -> dict[str, str]:
    """Map each normalised source URL to the facts.md bullets attributed to it."""
    by_url: dict[str, list[str]] = {}
    seen: list[tuple[str, set[str], set[str]]] = []  # (url, outlet words, dates) of URL brackets so far
    prev_urls: list[str] = []
    for bullet in facts_bullets(facts):
        urls: list[str] = []
        for bracket in _BRACKET_RE.findall(bullet):
            for part in re.split(r";\s*", bracket):
                found = [norm_url(u) for u in URL_RE.findall(part)]
                if found:
                    head = part.split("http")[0]
                    for u in found:
                        seen.append((u, _words(head) | _words(u.split("/")[0]), iso_dates(part)))
                    urls += found
                    continue
                if part.strip().lower().startswith("same"):
                    urls += prev_urls
                    continue
                name = part.split(",")[0]
                words, dates = _words(name), iso_dates(part)
                best, score = None, 0
                for u, w, d in reversed(seen):
                    s = len(words & w) * 2 + (2 if dates and dates & d else 0)
                    if words & w and s > score:
                        best, score = u, s
                if best:
                    urls.append(best)
        for u in urls or [UNATTRIBUTED]:
            by_url.setdefault(u, []).append(bullet)
        if urls:
            prev_urls = urls
    return {u: "\n".join(b) for u, b in by_url.items()}


# ----------------------------------------------------------------------------- registry

def load_registry(text: str) -> dict[str, dict]:
    data = yaml.safe_load(text) or {}
    out: dict[str, dict] = {}
    for group in ("sources", "also_cited"):
        for entry in data.get(group) or []:
            if isinstance(entry, dict) and entry.get("url"):
                out[norm_url(entry["url"])] = {**entry, "_group": group}
    return out


def build_source_texts(facts: str, registry: dict[str, dict], shared: Path) -> dict[str, SourceText]:
    raw = index_facts(facts)
    for url, entry in registry.items():
        seed = entry.get("seed_file")
        if seed and (shared / seed).is_file():
            raw[url] = raw.get(url, "") + "\n" + (shared / seed).read_text(encoding="utf-8")
    return {u: SourceText(t) for u, t in raw.items()}


# ----------------------------------------------------------------------------- check (a)

def doc_tokens(body: str) -> list[tuple[str, str, str]]:
    """(kind, shown text, key) for every checkable token in a document body."""
    text = norm_dashes(body)
    out: list[tuple[str, str, str]] = []

    def take(regex, kind, key_fn):
        nonlocal text
        for m in regex.finditer(text):
            out.append((kind, m.group(0), key_fn(m)))
        text = regex.sub(lambda m: " " * len(m.group(0)), text)

    take(URL_RE, "url", lambda m: norm_url(m.group(0)))
    take(BARE_URL_RE, "url", lambda m: norm_url(m.group(0)))
    take(PHONE_RE, "phone", lambda m: re.sub(r"\D", "", m.group(0))[-10:])
    take(DATE_MDY_RE, "date", lambda m: (f"{m.group(3)}-{_month(m.group(1)):02d}-{int(m.group(2)):02d}"
                                         if m.group(3) else f"--{_month(m.group(1)):02d}-{int(m.group(2)):02d}"))
    take(DATE_MY_RE, "date", lambda m: f"{m.group(2)}-{_month(m.group(1)):02d}")
    take(ISO_RE, "date", lambda m: m.group(0))
    text = NAME_RE.sub(" ", text)
    for m in NUMBER_RE.finditer(text):
        out.append(("number", m.group(0), m.group(0).replace(",", "")))
    return out


def token_found(kind: str, key: str, src: SourceText) -> bool:
    if kind == "url":
        return key in src.urls_blob
    if kind == "phone":
        return key in src.phones
    if kind == "date":
        return key in src.dates
    return key in src.numbers


def allowed(name: str, token: str, allow: list[dict]) -> bool:
    for e in allow:
        files = e.get("files") or ["*"]
        if str(e.get("token")) == token and ("*" in files or name in files):
            return True
    return False


def listed_keys(listed: list[str], texts: dict[str, SourceText]) -> list[str]:
    """facts.md keys for a document's sources: exact URL, or a shortened URL facts.md prints with
    "/..." (a prefix of the real one); facts.md's own caveat bullets count for every document."""
    keys = [k for k in texts if k in listed or any(u.startswith(k) and len(k) > 20 for u in listed)]
    return keys + ([UNATTRIBUTED] if UNATTRIBUTED in texts else [])


def check_tokens(name: str, text: str, texts: dict[str, SourceText], allow: list[dict]) -> list[str]:
    meta, body = split_doc(text)
    listed = [norm_url(s["url"]) for s in meta.get("sources") or [] if isinstance(s, dict) and s.get("url")]
    mine = [texts[u] for u in listed_keys(listed, texts)]
    failures = []
    for kind, shown, key in doc_tokens(body):
        if allowed(name, shown, allow) or any(token_found(kind, key, s) for s in mine):
            continue
        if kind == "url" and any(u.startswith(key) for u in listed):
            continue  # the address of (a site of) a source the document lists
        elsewhere = [u for u, s in texts.items() if s not in mine and token_found(kind, key, s)]
        pat = re.compile(r"(?<![\w.,])" + re.escape(shown) + r"(?![\w])")
        line = next((ln.strip() for ln in norm_dashes(body).splitlines() if pat.search(ln)), "")
        if elsewhere:
            fix = (f"facts.md has it under a source this document does not list ({elsewhere[0]}); "
                   f"add that source to the front matter if it is the real source, else correct the text")
        else:
            fix = ("no listed source records it (facts.md or the seed); correct or remove it, or, if it is "
                   "not a fact (a section number of a law cited by name), add it to ALLOW in "
                   "tests/test_corpus_sources.py with a reason")
        failures.append(f"{name}: {kind} {shown!r} in: {line[:160]!r}\n    fix: {fix}")
    return failures


# ----------------------------------------------------------------------------- check (b)

def sentences(body: str) -> list[str]:
    out: list[str] = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            continue
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)
        parts = re.split(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z])", line)
        buf = ""
        for p in parts:
            buf = f"{buf} {p}".strip()
            if _ABBREV.search(buf):
                continue
            out.append(buf)
            buf = ""
        if buf:
            out.append(buf)
    return out


def _first_word(clause: str) -> str:
    clause = re.sub(r"^[\s*_\"“'(]+", "", clause)
    m = re.match(r"[A-Za-z']+", clause.replace("’", "'"))
    return m.group(0).lower() if m else ""


def is_imperative(sentence: str) -> bool:
    s = re.sub(r"\([^()]*\)", "", sentence)          # parentheticals, markers included
    s = re.sub(r"\"[^\"]*\"|“[^”]*”", "\"\"", s)      # quoted speech is not our instruction
    if _first_word(s) in IMPERATIVE_VERBS:
        return True
    if (re.match(r"\s*(?:if|when|before|after|once|while|until|whenever)\b", s, re.IGNORECASE) and "," in s
            and _first_word(s.split(",", 1)[1]) in IMPERATIVE_VERBS):
        return True
    reported = bool(ATTRIBUTION_RE.search(s))  # "The red cards, printed in many languages, tell people..."
    for m in re.finditer(r"(?:,?\s\bso\b|;|,|:)\s+", s):
        if m.group(0).strip() == "," and reported:
            continue
        if _first_word(s[m.end():]) in IMPERATIVE_VERBS:
            return True
    return bool(re.search(r"\bshould\b", s, re.IGNORECASE) and not ATTRIBUTION_RE.search(s))


def _norm_name(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", "")))


def check_markers(name: str, text: str) -> list[str]:
    meta, body = split_doc(text)
    if not (name.startswith("kyr-") or meta.get("kind") == "know-your-rights"):
        return []
    titles = [_norm_name(str(s.get("title", ""))) for s in meta.get("sources") or [] if isinstance(s, dict)]
    failures = []
    for sent in sentences(body):
        if not is_imperative(sent):
            continue
        m = MARKER_RE.search(sent)
        if not m:
            failures.append(
                f"{name}: know-your-rights step without a source marker: {sent[:160]!r}\n"
                f"    fix: end it with '(Source: NAME)' naming a listed source that recommends the step, or "
                f"'(General guidance, not from our sources)', or drop the step")
            continue
        if m.group("src"):
            for part in re.split(r";", m.group("names")):
                want = _norm_name(part)
                if not want or not any(want in t for t in titles):
                    failures.append(
                        f"{name}: marker names {part.strip()!r}, which is not in the title of any source in "
                        f"this card's front matter: {sent[:120]!r}\n"
                        f"    fix: use words from a listed source's title (e.g. 'Rep. Lori Trahan'), or list "
                        f"the source")
    return failures


# ----------------------------------------------------------------------------- check (c)

def check_registered(name: str, text: str, registry: dict[str, dict]) -> list[str]:
    meta, _ = split_doc(text)
    failures = []
    for s in meta.get("sources") or []:
        url = s.get("url") if isinstance(s, dict) else None
        if not url or norm_url(url) not in registry:
            failures.append(f"{name}: source {url or s!r} is not in corpus/sources.yaml\n"
                            f"    fix: add it there (id, title, url, kind, note) under 'sources' or 'also_cited'")
    return failures


# ----------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def registry() -> dict[str, dict]:
    return load_registry((CORPUS / "sources.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def source_texts(registry) -> dict[str, SourceText]:
    if not FACTS.is_file():
        pytest.skip(f"{FACTS} is missing: the source lint needs ../shared/facts.md and ../shared/seed/")
    return build_source_texts(FACTS.read_text(encoding="utf-8"), registry, SHARED)


@pytest.fixture(scope="module")
def allow() -> list[dict]:
    return ALLOW


def test_allow_list_entries_have_reasons(allow):
    bad = [e for e in allow if not str(e.get("token", "")).strip() or not str(e.get("reason", "")).strip()]
    assert not bad, f"ALLOW in tests/test_corpus_sources.py: every entry needs a token and a reason: {bad}"


def test_registry_entries(registry):
    for url, e in registry.items():
        for key in ("id", "title", "url", "kind"):
            assert str(e.get(key, "")).strip(), f"corpus/sources.yaml: {url} has no {key}"
    ids = [e["id"] for e in registry.values()]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"corpus/sources.yaml: duplicate ids {dupes} (across sources and also_cited)"


def test_seed_article_is_registered(registry):
    seeds = [e for e in registry.values() if e.get("seed_file")]
    assert seeds, "corpus/sources.yaml: no entry names the seed news article (seed_file: seed/news-article.txt)"


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_sources_are_registered(path: Path, registry):
    failures = check_registered(path.name, path.read_text(encoding="utf-8"), registry)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_numbers_dates_phones_urls_come_from_listed_sources(path: Path, source_texts, allow):
    failures = check_tokens(path.name, path.read_text(encoding="utf-8"), source_texts, allow)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_kyr_imperatives_carry_source_markers(path: Path):
    failures = check_markers(path.name, path.read_text(encoding="utf-8"))
    assert not failures, "\n".join(failures)


def test_lint_catches_known_bad_examples(source_texts, registry):
    """The checks themselves: an invented number, an unlisted source and an unmarked step all fail."""
    gbh = "https://www.wgbh.org/news/local/2026-04-27/cooperation-with-ice-common-among-mass-law-enforcement-new-report-finds"
    doc = ("---\ntitle: t\nkind: know-your-rights\nsources:\n"
           f"  - {{title: \"Cooperation with ICE (GBH News)\", url: \"{gbh}\"}}\n---\n"
           "# t\n\nGBH News reported that 62 departments were asked.\n"
           "GBH News reported that 63 departments were asked.\n"
           "- Ask for a lawyer.\n- Ask for a lawyer (Source: GBH News).\n"
           "- Stay calm (General guidance, not from our sources).\n- Call 555-123-4567 (Source: Nobody).\n")
    tok = check_tokens("x.md", doc, source_texts, [])
    assert any("'63'" in f for f in tok) and not any("'62'" in f for f in tok), tok
    assert any("555-123-4567" in f for f in tok), tok
    marks = check_markers("kyr-x.md", doc)
    assert len(marks) == 2 and "'Ask for a lawyer.'" in marks[0] and "Nobody" in marks[1], marks
    assert check_registered("x.md", doc.replace(gbh, "https://example.org/nope"), registry)
