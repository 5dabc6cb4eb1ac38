"""Training and tuning data for the support verifier (see evals/train_verifier.py).

Two sources:
- AttributionBench dev (Apache-2.0, ../shared/data/attributionbench/): real claims from
  generative search engines against their references. A fixed, seeded, stratified 25% is
  held out as a test set and never trained on or tuned on.
- Synthetic pairs from our own corpus, in the style of FactCC (Kryscinski et al. 2020): a
  sentence against its passage is supported, lightly reworded it still is, and a copy with
  an altered number, date, name, negation or swapped entities, a sentence with an unrelated
  sentence added, or a sentence paired with a different passage is not.

Leakage rules: the six documents the hand-labelled test set (evals/attribution/corpus_labelled.jsonl)
was written from produce no synthetic pairs, and neither does any other sentence that
restates one of their sentences (the corpus repeats facts across documents). Three more
documents give the tuning data, never trained on: their synthetic pairs and a small
hand-labelled tuning set (evals/attribution/corpus_tuning.jsonl).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.support import claim_names, claim_numbers
from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import load_document
from assistant.text import display_text, normalize

ROOT = Path(__file__).resolve().parent.parent
ATTRIBUTIONBENCH = ROOT.parent / "shared" / "data" / "attributionbench" / "dev_all_subset_balanced.jsonl"
HAND_TUNING = ROOT / "evals" / "attribution" / "corpus_tuning.jsonl"
# The hand-labelled set is drawn from these; they never feed training or tuning.
LABELLED_SET_DOCS = ("incident-everett", "data-courthouse-arrests", "pathway-gang-database",
                     "kyr-ice-at-your-door", "lunn-v-commonwealth", "healey-executive-order-and-bill")
# Synthetic and hand-labelled pairs from these tune thresholds; the rest train.
TUNING_DOCS = ("incident-tewksbury", "kyr-going-to-court", "pathway-license-plate-readers-flock")

_STOP = frozenset([
    "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "but", "by", "with", "from",
    "as", "is", "are", "was", "were", "be", "been", "that", "this", "these", "those", "it", "its",
    "their", "his", "her", "he", "she", "they", "who", "which", "what", "when", "where", "has",
    "have", "had", "not", "no", "do", "does", "did", "would", "will", "can", "could", "may", "must",
    "should", "than", "then", "there", "also",
])


@dataclass(frozen=True)
class Pair:
    claim: str
    evidence: str
    label: int  # 1: the evidence supports the claim
    kind: str  # how the pair was made, for per-kind error analysis
    group: str  # source: "attributionbench/<subset>" or "synthetic/<doc id>"

    def to_json(self) -> dict[str, object]:
        return {"claim": self.claim, "evidence": self.evidence, "label": self.label,
                "note": self.kind, "source": self.group}


def data_hash(pairs: Iterable[Pair]) -> str:
    """sha256 over every pair, in order: the recorded fingerprint of the training data."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(json.dumps(pair.to_json(), sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


# --- AttributionBench -------------------------------------------------------------------

def attributionbench_split(path: Path = ATTRIBUTIONBENCH, seed: int = 13,
                           test_share: float = 0.25) -> tuple[list[Pair], list[Pair]]:
    """(rest, test): a stratified split by (source dataset, label), stable for a given seed."""
    strata: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        strata[(row["src_dataset"], row["attribution_label"])].append(row)
    rest: list[Pair] = []
    test: list[Pair] = []
    rng = random.Random(seed)
    for key in sorted(strata):
        rows = sorted(strata[key], key=lambda r: str(r["id"]))
        rng.shuffle(rows)
        cut = round(len(rows) * test_share)
        for index, row in enumerate(rows):
            pair = Pair(claim=str(row["claim"]).strip(), evidence="\n\n".join(row["references"]).strip(),
                        label=int(row["attribution_label"] == "attributable"),
                        kind="attributionbench", group=f"attributionbench/{row['src_dataset']}")
            (test if index < cut else rest).append(pair)
    return rest, test


def labelled_pairs(path: Path, group: str) -> list[Pair]:
    """A hand-labelled JSONL set (claim, evidence, label, note) as pairs of one group."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Pair(r["claim"], r["evidence"], int(r["label"]), r.get("note", ""), group) for r in rows]


def split_off(pairs: list[Pair], share: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """(kept, split off): a seeded, group-and-label stratified share of `pairs`."""
    strata: dict[tuple[str, int], list[Pair]] = defaultdict(list)
    for pair in pairs:
        strata[(pair.group, pair.label)].append(pair)
    rng = random.Random(seed)
    kept: list[Pair] = []
    taken: list[Pair] = []
    for key in sorted(strata):
        members = strata[key][:]
        rng.shuffle(members)
        cut = round(len(members) * share)
        taken.extend(members[:cut])
        kept.extend(members[cut:])
    return kept, taken


# --- Synthetic corpus pairs ---------------------------------------------------------------

@dataclass
class _Passage:
    doc_id: str
    text: str
    sentences: list[str]


def corpus_passages(corpus_dir: Path) -> dict[str, list[_Passage]]:
    """Every document cut the way the product cuts it, as display text."""
    by_doc: dict[str, list[_Passage]] = {}
    for path in sorted(corpus_dir.glob("*.md")):
        document = load_document(path, max_bytes=20_000_000)
        passages = []
        for chunk in chunk_document(document, ChunkerConfig()):
            sentences = [display_text(document.text[s:e]) for s, e in chunk.sentences]
            sentences = [s for s in sentences if len(s.split()) >= 4]
            if sentences:
                passages.append(_Passage(document.doc_id, " ".join(sentences), sentences))
        by_doc[document.doc_id] = passages
    return by_doc


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", normalize(text)) if w not in _STOP}


def _restates(sentence: str, other: str, share: float = 0.6) -> bool:
    """Most of the sentence's content words are in the other sentence."""
    words = _content(sentence)
    return bool(words) and len(words & _content(other)) / len(words) >= share


# Rewordings that keep the meaning in this corpus (both directions are applied).
_SYNONYMS = [
    ("said", "stated"), ("says", "states"), ("more than", "over"), ("at least", "no fewer than"),
    ("took place", "happened"), ("bars", "prohibits"), ("barred", "prohibited"), ("allows", "permits"),
    ("allowed", "permitted"), ("asked for", "requested"), ("people", "individuals"),
    ("because of", "due to"), ("began", "started"), ("obtain", "get"), ("children", "kids"),
    ("immigration agents", "immigration officers"), ("lawsuit", "suit"),
    ("ICE", "Immigration and Customs Enforcement"), ("DHS", "the Department of Homeland Security"),
    ("SJC", "Supreme Judicial Court"), ("DOC", "Department of Correction"), ("U.S.", "United States"),
    ("BRIC", "Boston Regional Intelligence Center"), ("does not have to", "is not required to"),
    ("must", "has to"), ("shows", "indicates"), ("showed", "indicated"),
    ("criticized", "faulted"), ("recommends", "urges"), ("report", "study"),
    ("told", "informed"), ("received", "got"), ("use", "utilize"), ("help", "assist"),
    ("gives", "provides"), ("give", "provide"), ("before", "prior to"),
]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_WORD_NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
# Meaning-reversing swaps: negations, antonyms and this domain's easily confused pairs.
_FLIPS = [
    (r"\bdoes not\b", "does"), (r"\bdo not\b", "do"), (r"\bdid not\b", "did"), (r"\bis not\b", "is"),
    (r"\bare not\b", "are"), (r"\bwas not\b", "was"), (r"\bwere not\b", "were"), (r"\bcannot\b", "can"),
    (r"\bwould not\b", "would"), (r"\bwill not\b", "will"), (r"\bhas not\b", "has"), (r"\bnever\b", "always"),
    (r"\bjudicial warrant\b", "administrative warrant"), (r"\badministrative warrant\b", "judicial warrant"),
    (r"\bcivil\b", "criminal"), (r"\bcriminal\b", "civil"), (r"\bfederal\b", "state"),
    (r"\bvoluntary\b", "mandatory"), (r"\bbars\b", "allows"), (r"\bbarred\b", "allowed"),
    (r"\ballows\b", "bars"), (r"\ballowed\b", "barred"), (r"\brequires\b", "does not require"),
    (r"\brejected\b", "approved"), (r"\bpassed\b", "rejected"), (r"\bdenied\b", "granted"),
    (r"\bbefore\b", "after"), (r"\bafter\b", "before"), (r"\bmore than\b", "fewer than"),
    (r"\bincreased\b", "decreased"), (r"\bpublic\b", "non-public"), (r"\bfirst\b", "last"),
    (r"\bonly\b", "also"), (r"\bended\b", "extended"), (r"\bsupports\b", "opposes"),
    (r"\b(is|are|was|were|can|will|would|could|may|must|should|has|have|had)\b", r"\1 not"),
]


class _Mutator:
    """FactCC-style edits of one sentence; each returns None when it does not apply."""

    def __init__(self, rng: random.Random, names: list[str]) -> None:
        self.rng = rng
        self.names = names

    def reword(self, sentence: str) -> str | None:
        options = [(a, b) for a, b in _SYNONYMS if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", sentence)]
        options += [(b, a) for a, b in _SYNONYMS if re.search(rf"(?<!\w){re.escape(b)}(?!\w)", sentence)]
        said = re.match(r"^([A-Z][^,;]{2,60}?) (said|says|reported|found|noted|wrote) (?:that )?(.{12,})$",
                        sentence)
        changed = sentence
        for a, b in self.rng.sample(options, min(len(options), 2)):
            changed = re.sub(rf"(?<!\w){re.escape(a)}(?!\w)", b, changed, count=1)
        if said and self.rng.random() < 0.5:
            changed = f"According to {said.group(1)}, {said.group(3)}"
        according = re.match(r"^According to ([^,]{3,60}), (.{12,})\.$", changed)
        if according and self.rng.random() < 0.5:
            changed = f"{according.group(2)[0].upper()}{according.group(2)[1:]}, according to {according.group(1)}."
        return changed if changed != sentence else None

    def compress(self, sentence: str) -> str | None:
        """Drop parentheticals, a trailing attribution, or a clause after a semicolon."""
        shorter = re.sub(r"\s*\([^()]*\)", "", sentence)
        if shorter == sentence and "; " in sentence:
            shorter = sentence.split("; ")[0].rstrip(".,") + "."
        if shorter == sentence:
            shorter = re.sub(r", (?:according to|as reported by) [^,]+\.$", ".", sentence)
        return shorter if shorter != sentence and len(shorter.split()) >= 6 else None

    def number(self, sentence: str, evidence: str) -> str | None:
        present = {normalize(n) for n in claim_numbers(evidence)}
        numbers = [n for n in claim_numbers(sentence) if re.fullmatch(r"\$?\d[\d,]*(?:\.\d+)?", n.strip())]
        months = [m for m in _MONTHS if re.search(rf"\b{m}\b", sentence)]
        words = [w for w in _WORD_NUMBERS if re.search(rf"\b{w}\b", sentence)]
        choices = [("n", n) for n in numbers] + [("m", m) for m in months] + [("w", w) for w in words]
        if not choices:
            return None
        kind, token = self.rng.choice(choices)
        if kind == "m":
            new = self.rng.choice([m for m in _MONTHS if m != token])
        elif kind == "w":
            new = self.rng.choice([w for w in _WORD_NUMBERS if w != token])
        else:
            value = int(re.sub(r"[^\d]", "", token.split(".")[0]) or 0)
            for _ in range(10):
                if 1900 <= value <= 2100:
                    candidate = value + self.rng.choice([-3, -2, -1, 1, 2])
                elif value < 10:
                    candidate = self.rng.choice([v for v in range(1, 13) if v != value])
                else:
                    candidate = max(1, round(value * self.rng.uniform(0.3, 2.5)))
                new = f"{'$' if token.startswith('$') else ''}{candidate:,}" if value >= 10000 \
                    else f"{'$' if token.startswith('$') else ''}{candidate}"
                if normalize(new) not in present and candidate != value:
                    break
            else:
                return None
        return re.sub(rf"(?<![\w.]){re.escape(token)}(?![\w])", new, sentence, count=1)

    def name(self, sentence: str, evidence: str) -> str | None:
        own = [n for n in claim_names(sentence) if n in sentence and len(n) > 3]
        if not own:
            return None
        target = self.rng.choice(own)
        evidence_norm = normalize(evidence)
        size = len(target.split())
        pool = [n for n in self.names if n != target and normalize(n) not in evidence_norm
                and abs(len(n.split()) - size) <= 1]
        if not pool:
            return None
        return sentence.replace(target, self.rng.choice(pool), 1)

    def flip(self, sentence: str) -> str | None:
        for pattern, replacement in [*self.rng.sample(_FLIPS[:-1], len(_FLIPS) - 1), _FLIPS[-1]]:
            if re.search(pattern, sentence):
                flipped = re.sub(pattern, replacement, sentence, count=1)
                return flipped.replace("can not", "cannot")
        return None

    def swap(self, sentence: str) -> str | None:
        """Two numbers, or two names, trade places: every fact stays present, the claim is wrong."""
        numbers = [n for n in claim_numbers(sentence) if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w(])", sentence)]
        years = [n for n in numbers if re.fullmatch(r"(19|20)\d\d", n)]
        others = [n for n in numbers if n not in years and len(n) > 1]
        for found in (years, others, [n for n in claim_names(sentence) if n in sentence]):
            distinct = list(dict.fromkeys(f for f in found if len(f) > 1))
            if len(distinct) >= 2:
                a, b = distinct[0], distinct[1]
                if a in b or b in a:
                    continue
                swapped = sentence.replace(a, "\x00").replace(b, a).replace("\x00", b)
                if swapped != sentence:
                    return swapped
        return None


def synthetic_pairs(corpus_dir: Path, doc_ids: Iterable[str], seed: int) -> list[Pair]:
    """About one supported and one unsupported pair per sentence of the given documents."""
    rng = random.Random(seed)
    by_doc = corpus_passages(corpus_dir)
    protected = [s for doc in LABELLED_SET_DOCS for p in by_doc.get(doc, []) for s in p.sentences]
    names = sorted({n for passages in by_doc.values() for p in passages for s in p.sentences
                    for n in claim_names(s) if n in s and len(n) > 3})
    mutate = _Mutator(rng, names)
    all_sentences = [(doc, s) for doc, passages in by_doc.items() for p in passages for s in p.sentences]
    pairs: list[Pair] = []
    for doc in doc_ids:
        passages = by_doc[doc]
        for index, passage in enumerate(passages):
            for position, sentence in enumerate(passage.sentences):
                if any(_restates(sentence, other) for other in protected):
                    continue
                # Evidence as the product cites it: usually the whole passage, sometimes just a
                # sentence or two, as a quote.
                if rng.random() < 0.3:
                    near = passage.sentences[max(0, position - 1):position + 2]
                    evidence = " ".join(near) if rng.random() < 0.5 else sentence
                else:
                    evidence = passage.text
                group = f"synthetic/{doc}"
                pairs.extend(_supported(mutate, rng, sentence, passage, position, evidence, group))
                pairs.extend(_unsupported(mutate, rng, sentence, passages, index, evidence, group,
                                          all_sentences, doc))
    return pairs


def _supported(mutate: _Mutator, rng: random.Random, sentence: str, passage: _Passage, position: int,
               evidence: str, group: str) -> list[Pair]:
    roll = rng.random()
    if roll < 0.45 and (reworded := mutate.reword(sentence)):
        return [Pair(reworded, evidence, 1, "reworded", group)]
    if roll < 0.65 and (short := mutate.compress(sentence)):
        return [Pair(short, evidence, 1, "compressed", group)]
    if roll < 0.8 and position + 1 < len(passage.sentences) and evidence == passage.text:
        both = f"{sentence} {passage.sentences[position + 1]}"
        return [Pair(mutate.reword(both) or both, evidence, 1, "two sentences", group)]
    return [Pair(sentence, evidence, 1, "exact", group)]


def _unsupported(mutate: _Mutator, rng: random.Random, sentence: str, passages: list[_Passage],
                 index: int, evidence: str, group: str, all_sentences: list[tuple[str, str]],
                 doc: str) -> list[Pair]:
    # Half the edits start from a reworded copy, so "reworded" never means "supported".
    base = (mutate.reword(sentence) if rng.random() < 0.5 else None) or sentence
    # Edits the gates cannot see (flips, swaps) come first more often: they are what the
    # verifier is for; an altered number or name is usually caught before the model runs.
    unseen = [("negation or antonym", lambda: mutate.flip(base)), ("swapped entities", lambda: mutate.swap(base))]
    seen = [("altered number", lambda: mutate.number(base, evidence)),
            ("altered name", lambda: mutate.name(base, evidence))]
    rng.shuffle(unseen)
    rng.shuffle(seen)
    edits = unseen + seen if rng.random() < 0.6 else rng.sample(unseen + seen, 4)
    roll = rng.random()
    if roll < 0.2:
        others = [p for i, p in enumerate(passages) if i != index
                  and not any(_restates(sentence, s, 0.5) for s in p.sentences)]
        if others:
            ranked = sorted(others, key=lambda p: -len(_content(sentence) & _content(p.text)))
            return [Pair(sentence, rng.choice(ranked[:3]).text, 0, "wrong passage", group)]
    if roll < 0.35:
        added = rng.choice([s for d, s in all_sentences if d != doc])
        if not _restates(added, evidence, 0.5):
            return [Pair(f"{base} {added}", evidence, 0, "unsupported addition", group)]
    for kind, edit in edits:
        changed = edit()
        if changed and changed != base and normalize(changed) not in normalize(evidence):
            return [Pair(changed, evidence, 0, kind, group)]
    return []
