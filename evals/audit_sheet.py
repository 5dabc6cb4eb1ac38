"""An audit sheet for an LLM eval run: every generated sentence the user was shown, with the
quote it cites, and every sentence the verifier withheld, for people to judge by hand.

    .venv/bin/python evals/audit_sheet.py evals/reports/llm-local-dev.json > /tmp/audit.md

Answers that fell back to quoted sentences (the model refused, failed, or too little of it was
verified) are listed by id only: their sentences are the sources' own words.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.prompts import load_messages
from assistant.settings import Settings

# Notices that mean the answer shown is the extractive fallback, not the model's text.
FALLBACK_NOTICES = ("llm_timeout", "llm_unreachable", "llm_failed", "llm_refused", "llm_unverified", "llm_unanswered")


def fell_back(question: dict[str, Any], messages: dict[str, str]) -> bool:
    prefixes = [messages[key].split("{")[0] for key in FALLBACK_NOTICES]
    return any(notice.startswith(prefix) for notice in question.get("notices", []) for prefix in prefixes)


def sheet(record: dict[str, Any], messages: dict[str, str]) -> str:
    questions = record["questions"]
    fallback = [q["id"] for q in questions if fell_back(q, messages)]
    abstained = [q["id"] for q in questions if q["abstained"] and q["id"] not in fallback]
    generated = [q for q in questions if q["id"] not in fallback and q["id"] not in abstained]
    withheld = Counter(w["reason"] for q in questions for w in q.get("withheld", []))
    lines = [f"# Audit sheet: {record['name']}", "",
             f"{len(questions)} questions; {len(generated)} answered with the model's own sentences; "
             f"{len(fallback)} fell back to the extractive answer ({', '.join(fallback) or 'none'}); "
             f"{len(abstained)} abstained on the model's sentences ({', '.join(abstained) or 'none'}).",
             f"Withheld sentences by reason: {dict(sorted(withheld.items()))}.", "",
             "Judge each shown sentence against its quote: S (supported), M (misleading: true words, "
             "changed meaning), U (unsupported), G (garbled).", ""]
    number = 0
    for q in generated:
        lines += [f"## {q['id']}: {q['question']}", ""]
        for sentence in q.get("shown", []):
            number += 1
            lines.append(f"{number}. **{sentence['text']}**")
            lines += [f"   - quote: \"{' '.join(quote.split())}\"" for quote in sentence["quotes"]]
        lines.append("")
    lines += ["## Withheld", ""]
    for q in questions:
        for item in q.get("withheld", []):
            lines.append(f"- {q['id']} ({item['reason']}): {item['text']}")
    return "\n".join(lines) + "\n"


def main(path: str) -> None:
    messages = load_messages(Settings.load().answer.prompts_dir)
    print(sheet(json.loads(Path(path).read_text(encoding="utf-8")), messages), end="")


if __name__ == "__main__":
    main(sys.argv[1])
