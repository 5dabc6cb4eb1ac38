"""Training, dev and test data for the support judge (evals/judge/train.py, evals/judge/bench.py).

Sources, each with a SOURCE note in ../shared/data/:
- AttributionBench dev (Apache-2.0): real claims from generative search engines against their
  references. A fixed, seeded, stratified 25% is the test split (attributionbench_test.jsonl).
- WiCE claim dev: Wikipedia claims against their cited web pages (partial support counts as not).
- ExpertQA: chatbot answers with expert support labels. rand_val trains; domain_val only tests.
- Our corpus, in the style of FactCC (Kryscinski et al. 2020): an LLM paraphrase of a sentence
  (evals/judge/paraphrases.py), a light rewording or a shortening is supported; a copy with an
  altered number, date, name, actor, quantifier, hedge or negation, swapped entities, an
  unrelated addition, or the sentence against the wrong passage is not.
- Hand-labelled corpus pairs: corpus_labelled.jsonl trains, corpus_tuning.jsonl is dev.

Never read for training or tuning: evals/attribution/corpus_holdout.jsonl (frozen, written by a
writer who saw no code; see its HOLDOUT.md). Its evidence sentences are corpus sentences, which
the synthetic pairs also use: the judge is meant to know this corpus; what it must not have seen
are the holdout's claims and labels.
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

from assistant.ingest.chunker import ChunkerConfig, chunk_document
from assistant.ingest.loaders import load_document
from assistant.retrieve.rewrite import content_words
from assistant.text import display_text, normalize
from assistant.verify.facts import claim_names, claim_numbers

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
ATTRIBUTIONBENCH = SHARED / "attributionbench" / "dev_all_subset_balanced.jsonl"
WICE = SHARED / "wice" / "claim_dev.jsonl"
EXPERTQA = SHARED / "expertqa"
OUT_PARAPHRASES = ROOT / "evals" / "attribution" / "corpus_paraphrases.jsonl"

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


def corpus_passages(corpus_dir: Path = ROOT / "corpus") -> dict[str, list[_Passage]]:
    """Every English document cut the way the product cuts it, as display text."""
    by_doc: dict[str, list[_Passage]] = {}
    for path in sorted(corpus_dir.glob("*.md")):
        document = load_document(path, max_bytes=20_000_000)
        if document.meta.get("language", "en") != "en":
            continue
        passages = []
        for chunk in chunk_document(document, ChunkerConfig()):
            sentences = [display_text(document.text[s:e]) for s, e in chunk.sentences]
            sentences = [s for s in sentences if len(s.split()) >= 4]
            if sentences:
                passages.append(_Passage(document.doc_id, " ".join(sentences), sentences))
        by_doc[document.doc_id] = passages
    return by_doc


def _content(text: str) -> set[str]:
    return set(content_words(normalize(text)))


def restates(sentence: str, other: str, share: float = 0.6) -> bool:
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


_QUANTIFIERS = [
    ("all", "some"), ("every", "some"), ("most", "a few"), ("many", "few"), ("always", "sometimes"),
    ("at least", "at most"), ("more than", "fewer than"), ("fewer than", "more than"), ("none", "some"),
    ("both", "one of the"), ("only", "also"), ("some", "all"), ("several", "all"), ("any", "every"),
    ("often", "rarely"), ("rarely", "often"), ("majority", "minority"), ("no one", "everyone"),
]
_HEDGE_DROPS = [
    (r"^According to [^,]{3,80}, ", ""), (r", according to [^,.;]{3,80}(?=[.;])", ""),
    (r"^[A-Z][^,;]{2,60}? (?:said|says|reported|found|argued|argues|claimed|claims|wrote) (?:that )?", ""),
    (r"\bwould\s+(\w+)", r"\1s"), (r"\bmay\b", "will"), (r"\bmight\b", "will"), (r"\bcould\b", "will"),
    (r"\breportedly\s+", ""), (r"\bappears? to be\b", "is"), (r"\bappears? to\s+", ""),
    (r"\bprobably\s+", ""), (r"\blikely\s+", ""), (r"\bproposed\s+", ""), (r"\babout\s+(?=\d)", ""),
    (r"\bat least\s+(?=\d)", ""), (r"\bnearly\s+(?=\d)", ""), (r"\bmore than\s+(?=\d)", ""),
    (r"\ballegedly\s+", ""), (r"\bcan\b", "must"),
]
# People and bodies that act in this domain: swapping one for another is an "actor" error.
_ACTORS = [
    "ICE", "police", "the sheriff", "sheriffs", "court officers", "judges", "prosecutors", "the governor",
    "the Legislature", "lawmakers", "the mayor", "State Police", "the FBI", "school officials", "the city council",
    "the Trial Court", "jail staff", "probation officers", "defense lawyers", "advocates", "the SJC",
    "the Department of Correction", "federal agents", "the attorney general", "the district attorney",
    "Boston police", "school resource officers", "the Boston Regional Intelligence Center",
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

    def quantifier(self, sentence: str) -> str | None:
        """A quantifier or frequency changed: "all" -> "some", "at least" -> "at most"."""
        options = [(a, b) for a, b in _QUANTIFIERS if re.search(rf"\b{a}\b", sentence)]
        if not options:
            return None
        a, b = self.rng.choice(options)
        return re.sub(rf"\b{a}\b", b, sentence, count=1)

    def drop_hedge(self, sentence: str) -> str | None:
        """A hedge or attribution removed, so a report, a proposal or a guess reads as settled fact."""
        for pattern, replacement in self.rng.sample(_HEDGE_DROPS, len(_HEDGE_DROPS)):
            if re.search(pattern, sentence):
                changed = re.sub(pattern, replacement, sentence, count=1).strip()
                return changed[0].upper() + changed[1:] if changed else None
        return None

    def actor(self, sentence: str, evidence: str) -> str | None:
        """Who did it changed to another actor of this domain that the evidence does not name."""
        present = [a for a in _ACTORS if re.search(rf"\b{re.escape(a)}\b", sentence)]
        if not present:
            return None
        target = self.rng.choice(present)
        pool = [a for a in _ACTORS if a != target and a.lower() not in evidence.lower()]
        return re.sub(rf"\b{re.escape(target)}\b", self.rng.choice(pool), sentence, count=1) if pool else None

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


def faithful_enough(sentence: str, paraphrase: str) -> bool:
    """A paraphrase that keeps the sentence's numbers and its count of negations, and says
    something in other words: a cheap screen of the LLM's rewrites, not a judge."""
    if not paraphrase or normalize(paraphrase) == normalize(sentence):
        return False
    ratio = len(paraphrase.split()) / max(1, len(sentence.split()))
    negations = re.compile(r"\b(?:not|no|never|none|cannot|nor|without|\w+n't)\b", re.IGNORECASE)
    return 0.5 <= ratio <= 1.8 and sorted(map(normalize, claim_numbers(sentence))) == sorted(
        map(normalize, claim_numbers(paraphrase))) and \
        len(negations.findall(sentence)) == len(negations.findall(paraphrase))


def paraphrases(path: Path = OUT_PARAPHRASES) -> dict[str, str]:
    """sentence -> the LLM paraphrase that passed the screen (evals/judge/paraphrases.py)."""
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["sentence"]: r["paraphrase"] for r in rows if r["kept"]}


def synthetic_pairs(doc_ids: Iterable[str] | None, seed: int, corpus_dir: Path = ROOT / "corpus") -> list[Pair]:
    """About one supported and one unsupported pair per sentence of the given documents (all: None)."""
    rng = random.Random(seed)
    by_doc = corpus_passages(corpus_dir)
    names = sorted({n for passages in by_doc.values() for p in passages for s in p.sentences
                    for n in claim_names(s) if n in s and len(n) > 3})
    rewrites = paraphrases()
    mutate = _Mutator(rng, names)
    all_sentences = [(doc, s) for doc, passages in by_doc.items() for p in passages for s in p.sentences]
    pairs: list[Pair] = []
    for doc in sorted(by_doc) if doc_ids is None else doc_ids:
        passages = by_doc[doc]
        for index, passage in enumerate(passages):
            for position, sentence in enumerate(passage.sentences):
                # Evidence as the product cites it: usually the whole passage, sometimes just a
                # sentence or two, as a quote.
                if rng.random() < 0.4:
                    near = passage.sentences[max(0, position - 1):position + 2]
                    evidence = " ".join(near) if rng.random() < 0.5 else sentence
                else:
                    evidence = passage.text
                group = f"synthetic/{doc}"
                rewrite = rewrites.get(sentence)
                pairs.extend(_supported(mutate, rng, sentence, rewrite, passage, position, evidence, group))
                pairs.extend(_unsupported(mutate, rng, rewrite or sentence, passages, index, evidence, group,
                                          all_sentences, doc))
    return pairs


def _supported(mutate: _Mutator, rng: random.Random, sentence: str, rewrite: str | None, passage: _Passage,
               position: int, evidence: str, group: str) -> list[Pair]:
    roll = rng.random()
    if rewrite and roll < 0.7:
        return [Pair(rewrite, evidence, 1, "paraphrase", group)]
    if roll < 0.45 and (reworded := mutate.reword(sentence)):
        return [Pair(reworded, evidence, 1, "reworded", group)]
    if roll < 0.75 and (short := mutate.compress(sentence)):
        return [Pair(short, evidence, 1, "compressed", group)]
    if roll < 0.85 and position + 1 < len(passage.sentences) and evidence == passage.text:
        both = f"{sentence} {passage.sentences[position + 1]}"
        return [Pair(mutate.reword(both) or both, evidence, 1, "two sentences", group)]
    return [Pair(sentence, evidence, 1, "exact", group)]


def _unsupported(mutate: _Mutator, rng: random.Random, base: str, passages: list[_Passage],
                 index: int, evidence: str, group: str, all_sentences: list[tuple[str, str]],
                 doc: str) -> list[Pair]:
    edits = [("negation or antonym", lambda: mutate.flip(base)), ("swapped entities", lambda: mutate.swap(base)),
             ("quantifier", lambda: mutate.quantifier(base)), ("hedge dropped", lambda: mutate.drop_hedge(base)),
             ("actor", lambda: mutate.actor(base, evidence)),
             ("altered number", lambda: mutate.number(base, evidence)),
             ("altered name", lambda: mutate.name(base, evidence))]
    rng.shuffle(edits)
    roll = rng.random()
    if roll < 0.12:
        others = [p for i, p in enumerate(passages) if i != index
                  and not any(restates(base, s, 0.5) for s in p.sentences)]
        if others:
            ranked = sorted(others, key=lambda p: -len(_content(base) & _content(p.text)))
            return [Pair(base, rng.choice(ranked[:3]).text, 0, "wrong passage", group)]
    if roll < 0.24:
        added = rng.choice([s for d, s in all_sentences if d != doc])
        if not restates(added, evidence, 0.5):
            joined = f"{base.rstrip('.')}, and {added[0].lower()}{added[1:]}" if rng.random() < 0.5 \
                else f"{base} {added}"
            return [Pair(joined, evidence, 0, "unsupported addition", group)]
    for kind, edit in edits:
        changed = edit()
        if changed and changed != base and normalize(changed) not in normalize(evidence):
            return [Pair(changed, evidence, 0, kind, group)]
    return []


# --- Public attribution data ----------------------------------------------------------------

_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def wice_pairs(path: Path = WICE) -> list[Pair]:
    """WiCE claims against a window of their cited page: supported, or not (partial counts as not)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        sentences = [s for s in row["evidence"] if not s.startswith("(meta data)")]
        if not sentences:
            continue
        wanted = sorted({i for group in row.get("supporting_sentences") or [] for i in group})
        if wanted:
            first, last = max(0, wanted[0] - 2), min(len(row["evidence"]), wanted[-1] + 3)
            window = row["evidence"][first:last]
        else:
            claim_words = _content(row["claim"])
            best = max(range(len(sentences)), key=lambda i: len(claim_words & _content(" ".join(sentences[i:i + 5]))))
            window = sentences[best:best + 5]
        label = int(row["label"] == "supported")
        pairs.append(Pair(row["claim"].strip(), " ".join(window).strip(), label, row["label"], "wice"))
    return pairs


def expertqa_pairs(split: str) -> list[Pair]:
    """ExpertQA claims (real chatbot answers) with expert labels: Complete support or not."""
    pairs = []
    for line in (EXPERTQA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for answer in row["answers"].values():
            for claim in answer.get("claims") or []:
                evidence = [re.sub(r"^\[\d+\]\s*\S*\s*", "", e).strip() for e in claim.get("evidence") or []]
                evidence = [e for e in evidence if e]
                if not evidence or claim.get("support") not in {"Complete", "Partial", "Incomplete"}:
                    continue
                text = _CITATION.sub("", claim["claim_string"]).strip()
                pairs.append(Pair(text, "\n\n".join(evidence), int(claim["support"] == "Complete"),
                                  claim["support"], f"expertqa/{split}"))
    return pairs


def balanced_sample(pairs: list[Pair], size: int, seed: int) -> list[Pair]:
    """`size` pairs, half of each label (as far as they go), in a seeded order."""
    rng = random.Random(seed)
    by_label = {label: sorted((p for p in pairs if p.label == label), key=lambda p: (p.claim, p.evidence))
                for label in (0, 1)}
    for members in by_label.values():
        rng.shuffle(members)
    return by_label[0][:size // 2] + by_label[1][:size - size // 2]
