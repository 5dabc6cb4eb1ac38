"""Referrals from `corpus/referrals.yaml`: urgent help first when a question signals an
emergency, and relevant organizations whenever the assistant abstains."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.errors import UserError
from assistant.types import Referral

_URGENT = re.compile(
    r"\b(right now|now|at (my|the) door|outside (my|the)|knocking|banging|are here|is here|"
    r"(being|getting|just got|was|were|got) (arrested|detained|taken|picked up)|took (my|him|her)|"
    r"taking (my|him|her)|emergency|urgent|help me|ahora|socorro|ayuda)\b", re.IGNORECASE)
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


def is_urgent(question: str) -> bool:
    return bool(_URGENT.search(question))


def topics_of(question: str) -> set[str]:
    return {tag for tag, pattern in _TOPICS.items() if re.search(pattern, question, re.I)}


@lru_cache(maxsize=4)
def load_referrals(path: Path) -> tuple[tuple[Referral, frozenset[str]], ...]:
    if not path.is_file():
        return ()
    try:
        items = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("referrals", [])
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: invalid YAML ({exc})") from exc
    return tuple(
        (Referral(name=item["name"], description=item.get("description", ""),
                  phone=item.get("phone"), url=item.get("url"),
                  languages=list(item.get("languages") or []), caveat=item.get("caveat"),
                  urgent=bool(item.get("urgent"))),
         frozenset(item.get("helps_with") or []))
        for item in items
    )


def select_referrals(path: Path, question: str, *, urgent: bool, abstained: bool,
                     limit: int = 3) -> list[Referral]:
    if not (urgent or abstained):
        return []
    wanted = topics_of(question) | {"legal-help"}
    scored = []
    for position, (referral, tags) in enumerate(load_referrals(path)):
        overlap = len(tags & wanted)
        if overlap or (urgent and referral.urgent):
            # Urgent hotlines first in an emergency; then the best topical match; then file order.
            scored.append((-(urgent and referral.urgent), -overlap, position, referral))
    return [item[-1] for item in sorted(scored, key=lambda s: s[:3])[:limit]]
