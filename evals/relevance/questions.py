"""Questions the local LLM writes for corpus sentences: training data for the relevance model.

    .venv/bin/python evals/relevance/questions.py --count 650   # ~3 s a sentence on 2 cores

The InPars / Promptagator recipe: for a seeded sample of English corpus sentences the packaged
Qwen2.5-Coder-1.5B writes two questions, one the sentence answers and one on the same topic that
it does not (a near miss: the detail asked for is not in it). The first makes a relevant pair,
the second an unanswered one; evals/relevance/relevance_data.py adds BM25 hard negatives. No dev
or holdout question is read. Output goes to evals/relevance/generated_questions.jsonl (appended,
so an interrupted run resumes).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "judge"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judge_data import ROOT, corpus_passages
from relevance_data import titles_by_document

from assistant.llm.local_llamacpp import shared_server
from assistant.llm.weights import resolve_gguf
from assistant.settings import Settings

OUT_QUESTIONS = ROOT / "evals" / "relevance" / "generated_questions.jsonl"
PROMPT = (
    "Document: {title}\n"
    "Sentence: {sentence}\n\n"
    "Write two short questions a member of the public might type into a search box.\n"
    "Q1 must be answered by the sentence. Use your own everyday words, not the sentence's phrasing.\n"
    "Q2 must be about the same topic but ask for a detail the sentence does NOT give "
    "(for example a different number, date, person, place, reason or consequence).\n"
    "Reply in exactly this form:\nQ1: ...\nQ2: ...")
_LINE = re.compile(r"^\s*Q([12])\s*[:.)-]\s*(.+?)\s*$", re.M)


def parse(reply: str) -> dict[str, str]:
    """The two questions of a reply, keyed "answered" and "unanswered"; a missing one is left out."""
    found = {}
    for number, text in _LINE.findall(reply):
        text = text.strip().strip('"')
        if text.endswith("?") and 3 <= len(text.split()) <= 30:
            found.setdefault("answered" if number == "1" else "unanswered", text)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=650)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    done = set()
    if OUT_QUESTIONS.exists():
        done = {json.loads(line)["sentence"] for line in OUT_QUESTIONS.read_text(encoding="utf-8").splitlines()}
    titles = titles_by_document()
    sentences = sorted({(doc, s) for doc, passages in corpus_passages().items() for p in passages
                        for s in p.sentences if len(s.split()) >= 6})
    random.Random(args.seed).shuffle(sentences)
    model = str(resolve_gguf("qwen2.5-coder-1.5b", Settings.load().llm.model_cache_dir, progress=False))
    server = shared_server(model, 2048, 2)
    with OUT_QUESTIONS.open("a", encoding="utf-8") as out:
        for index, (doc, sentence) in enumerate(sentences[:args.count]):
            if sentence in done:
                continue
            reply = server.handle_chat_completions({
                "messages": [{"role": "user", "content": PROMPT.format(title=titles[doc], sentence=sentence)}],
                "max_tokens": 90, "temperature": 0.6, "seed": args.seed + index})
            questions = parse(reply["choices"][0]["message"]["content"])
            out.write(json.dumps({"doc": doc, "sentence": sentence, **questions}, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{index + 1}/{args.count} {sorted(questions)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
