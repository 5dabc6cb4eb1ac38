"""Paraphrases of corpus sentences by the local LLM: supported training pairs for the support judge.

    .venv/bin/python evals/judge/paraphrases.py --count 700   # ~1.5 s a sentence on 2 cores

A faithful paraphrase is the hardest supported case for a judge (few shared words), and the
corpus has none of its own. The packaged Qwen2.5-Coder-1.5B rewrites a seeded sample of English
corpus sentences; a paraphrase that loses a number or changes the count of negations is dropped,
since it would teach the judge that a changed fact is still supported. Output goes to
evals/attribution/corpus_paraphrases.jsonl (appended, so an interrupted run resumes).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judge_data import OUT_PARAPHRASES, corpus_passages, faithful_enough

from assistant.llm.local_llamacpp import shared_server
from assistant.llm.weights import resolve_gguf
from assistant.settings import Settings

PROMPT = ("Rewrite this sentence in your own words, as one sentence. Keep every fact, number, name, "
          "date, hedge (such as 'would', 'may', 'according to') and negation. Reply with the sentence only.\n"
          "Sentence: {sentence}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=700)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    done = set()
    if OUT_PARAPHRASES.exists():
        done = {json.loads(line)["sentence"] for line in OUT_PARAPHRASES.read_text(encoding="utf-8").splitlines()}
    sentences = sorted({(doc, s) for doc, passages in corpus_passages().items() for p in passages
                        for s in p.sentences if len(s.split()) >= 8})
    random.Random(args.seed).shuffle(sentences)
    model = str(resolve_gguf("qwen2.5-coder-1.5b", Settings.load().llm.model_cache_dir, progress=False))
    server = shared_server(model, 2048, 2)
    with OUT_PARAPHRASES.open("a", encoding="utf-8") as out:
        for index, (doc, sentence) in enumerate(sentences[:args.count]):
            if sentence in done:
                continue
            reply = server.handle_chat_completions({
                "messages": [{"role": "user", "content": PROMPT.format(sentence=sentence)}],
                "max_tokens": 90, "temperature": 0.7, "seed": args.seed + index})
            text = reply["choices"][0]["message"]["content"].strip().strip('"').splitlines()[0].strip()
            kept = faithful_enough(sentence, text)
            out.write(json.dumps({"doc": doc, "sentence": sentence, "paraphrase": text, "kept": kept},
                                 ensure_ascii=False) + "\n")
            out.flush()
            print(f"{index + 1}/{args.count}", "kept" if kept else "dropped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
