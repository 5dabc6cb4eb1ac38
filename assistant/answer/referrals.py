"""Referrals from `corpus/referrals.yaml`: urgent help first when a question signals an
emergency, and relevant organizations whenever the assistant abstains."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml

from assistant.errors import UserError
from assistant.text import fold_accents
from assistant.types import Referral

_TOPICS = {
    "ice-at-door": r"\b(door|home|house|apartment|knock|warrant)\b",
    "arrest": r"\b(arrest\w*|police|cops?|stopped|custody|jail)\b",
    "court": r"\b(court\w*|judge|hearing)\b",
    "detained": r"\b(detain\w*|find (him|her|them|my)|locat\w+|deport\w*|taken)\b",
    "fingerprints": r"\b(fingerprint\w*|booking|booked)\b",
    "juvenile": r"\b(child|children|kids?|son|daughter|teen\w*|juvenile|minor|student)\b",
    "recording": r"\b(record\w*|film\w*|video|watch\w*|phone)\b",
    "legal-help": r"\b(lawyer|attorney|legal|counsel)\b",
    "misconduct-report": r"\b(complain\w*|misconduct|report (an|the) agent|abuse)\b",
}


@lru_cache(maxsize=1)
def _urgent_cues() -> re.Pattern[str]:
    cues = tomllib.loads((files("assistant.answer") / "urgent.toml").read_text(encoding="utf-8"))
    phrases = sorted({fold_accents(p) for language in cues.values() for p in language}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def is_urgent(question: str) -> bool:
    """Whether the question says something is happening now (cues in assistant/answer/urgent.toml,
    for every language the assistant speaks, matched without case or accents)."""
    return bool(_urgent_cues().search(fold_accents(question)))


def topics_of(question: str) -> set[str]:
    return {tag for tag, pattern in _TOPICS.items() if re.search(pattern, question, re.I)}


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: invalid YAML ({exc})") from exc


@lru_cache(maxsize=8)
def load_referrals(path: Path, language: str = "en") -> tuple[tuple[Referral, frozenset[str]], ...]:
    """The referral table; in another language, `referrals.<language>.yaml` beside it supplies the
    description and caveat of each entry by id (names, phones and URLs are never translated)."""
    if not path.is_file():
        return ()
    items = _read_yaml(path).get("referrals", [])
    translation = path.with_name(f"{path.stem}.{language}{path.suffix}")
    translated = _read_yaml(translation).get("referrals", {}) if language != "en" and translation.is_file() else {}
    referrals = []
    for item in items:
        text = {**{k: item.get(k) for k in ("description", "caveat")}, **translated.get(item.get("id"), {})}
        referrals.append((Referral(name=item["name"], description=text["description"] or "",
                                   phone=item.get("phone"), url=item.get("url"),
                                   languages=list(item.get("languages") or []), caveat=text["caveat"],
                                   urgent=bool(item.get("urgent"))),
                          frozenset(item.get("helps_with") or [])))
    return tuple(referrals)


def select_referrals(path: Path, question: str, *, urgent: bool, abstained: bool,
                     limit: int = 3, language: str = "en") -> list[Referral]:
    if not (urgent or abstained):
        return []
    wanted = topics_of(question) | {"legal-help"}
    scored = []
    for position, (referral, tags) in enumerate(load_referrals(path, language)):
        overlap = len(tags & wanted)
        if overlap or (urgent and referral.urgent):
            # Urgent hotlines first in an emergency; then the best topical match; then file order.
            scored.append((-(urgent and referral.urgent), -overlap, position, referral))
    return [item[-1] for item in sorted(scored, key=lambda s: s[:3])[:limit]]
