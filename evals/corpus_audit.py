"""Draw a reproducible random sample of corpus sentences for a hand audit against the sources.

    .venv/bin/python evals/corpus_audit.py --seed 20261201 --n 25

Every sentence of every corpus/*.md body is a candidate: headings are left out, list items count
as sentences, and a sentence needs at least five words. The sample is random.Random(seed).sample
over the candidates in a fixed order (file name, then position), so the same seed and the same
corpus always give the same sentences. For each one the script prints its document, the sentence
and the document's listed sources (the registry id from corpus/sources.yaml, then the title), so a
reviewer can trace it to ../shared/facts.md or the seed article. evals/reports/corpus-audit.md
records the method and the results.

Pure standard library plus yaml; no index, no model.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT))  # the corpus lint's text helpers (tests/test_corpus_sources.py)

from tests.test_corpus_sources import sentences, split_doc  # noqa: E402


def registry_ids(corpus: Path) -> dict[str, str]:
    data = yaml.safe_load((corpus / "sources.yaml").read_text(encoding="utf-8")) or {}
    ids = {}
    for group in ("sources", "also_cited"):
        for entry in data.get(group) or []:
            url = str(entry.get("url", "")).lower().rstrip("/")
            ids[re.sub(r"^https?://(www\.)?", "", url)] = entry.get("id", "?")
    return ids


def candidates(corpus: Path) -> list[tuple[str, str, list[str]]]:
    ids = registry_ids(corpus)
    out = []
    for path in sorted(corpus.glob("*.md")):
        meta, body = split_doc(path.read_text(encoding="utf-8"))
        if meta.get("translation_of"):
            continue  # translations are checked against their originals (tests/test_translations.py)
        srcs = []
        for s in meta.get("sources") or []:
            url = re.sub(r"^https?://(www\.)?", "", str(s.get("url", "")).lower().rstrip("/"))
            srcs.append(f"{ids.get(url, 'UNREGISTERED')}: {s.get('title', '')}")
        # The lint's own sentence splitter; a sentence of under five words states no fact to trace.
        out += [(path.name, sent, srcs) for sent in sentences(body) if len(sent.split()) >= 5]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--n", type=int, default=25)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-sources", action="store_true", help="print only document and sentence")
    args = parser.parse_args()
    pool = candidates(args.corpus)
    sample = random.Random(args.seed).sample(range(len(pool)), args.n)
    print(f"# seed {args.seed}: {args.n} of {len(pool)} candidate sentences in {args.corpus}")
    for k, i in enumerate(sample, 1):
        doc, sent, srcs = pool[i]
        print(f"\n[{k}] {doc} (candidate #{i})\n    {sent}")
        if not args.no_sources:
            for s in srcs:
                print(f"      - {s}")


if __name__ == "__main__":
    main()
