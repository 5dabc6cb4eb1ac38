"""`assistant eval`: run the assistant over a question set, compute every metric overall and
per question type, write `evals/reports/<name>.md/.json/.png`, and print the change against
the previous report and any metric below its minimum in `evals/thresholds.toml`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from assistant.errors import UserError
from assistant.evaluate import metrics
from assistant.evaluate.jsonl import read_jsonl
from assistant.retrieve.language import follow_up_query
from assistant.settings import Settings
from assistant.types import Answer, RemovedSentence
from assistant.verify.check import parse_payload
from assistant.verify.evidence import evidence_text
from assistant.verify.markers import strip_markers
from assistant.verify.scorer import SupportScorer, make_judge, shared_scorer

if TYPE_CHECKING:
    from assistant.assistant import Assistant

# The question sets, reports and quality gate live in the source tree's evals/, not in the
# package: `assistant eval` is run from a checkout (or given --set).
EVALS = Path("evals")
DEFAULT_SET = EVALS / "dev_questions.jsonl"
REPORTS_DIR = EVALS / "reports"
THRESHOLDS = EVALS / "thresholds.toml"
RECALL_AT = (1, 3, 5, 10)
RANK_CUTOFF = 10
# The metrics the chart and the delta lines lead with; every metric is in the JSON.
KEY_METRICS = ("recall@5", "mrr@10", "ndcg@10", "fact_recall", "citation_recall",
               "citation_precision", "refused_f1", "answered_f1", "f1_gr")
LOWER_IS_BETTER = ("latency_p50_ms", "latency_p95_ms")
_REQUIRED_KEYS = ("id", "question", "answerable")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Question:
    id: str
    question: str
    answerable: bool
    type: str = "other"
    history: list[str] = field(default_factory=list)
    gold_doc_ids: list[str] = field(default_factory=list)
    required_facts: list[str] = field(default_factory=list)
    language: str = "en"  # the question's, which the answer should be in


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    answerable: bool
    abstained: bool
    latency_ms: float
    answer: str
    ranked_docs: list[str]  # the top documents retrieval returned, best first
    cited_docs: list[str]  # the documents the answer cites, in citation order
    retrieval: dict[str, float] | None  # None without gold documents
    fact_recall: float | None  # None for unanswerable questions
    missing_facts: list[str]
    citation_recall: float | None  # None when the assistant refused; graded by the product's own scorer
    citation_precision: float | None
    unsupported_sentences: list[str]
    # Generated sentences the verifier kept from the user (LLM answers), with the reason for each.
    withheld: list[RemovedSentence] = field(default_factory=list)
    # What the user was shown, sentence by sentence with the quotes cited, for auditing by hand.
    shown: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    language: str = "en"
    # Whether the first thing shown (the lead, an abstention or the first sentence) is in the
    # question's language.
    in_language: bool = True
    # Citation recall and precision graded by a judge that did not filter the answer (`eval --grader llm`).
    citation_recall_independent: float | None = None
    citation_precision_independent: float | None = None
    # The answer judge's P(the answer gives what was asked), when it ran: its threshold is swept
    # from these (evals/relevance/answer_judge.py).
    answerability: float | None = None


@dataclass
class EvalResult:
    overall: dict[str, Any]
    by_type: dict[str, dict[str, Any]]
    questions: list[QuestionResult]
    by_language: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question set; a bad line is named with the fix."""
    questions = []
    for _, row in read_jsonl(path, _REQUIRED_KEYS, "pass a JSONL question set with --set"):
        known = {k: row[k] for k in Question.__dataclass_fields__ if k in row}
        questions.append(Question(**{**known, "type": row.get("type") or "other"}))
    if not questions:
        raise UserError(f"{path}: no questions in the file")
    return questions


# --- Running ------------------------------------------------------------------------------

def evaluate(assistant: Assistant, questions: list[Question], scorer: SupportScorer | None = None,
             progress: bool = False, grader: SupportScorer | None = None) -> EvalResult:
    """Every question asked once. `grader`: a second, independent judge of the citations."""
    judge = metrics.SupportJudge(scorer or shared_scorer(assistant.settings))
    independent = metrics.SupportJudge(grader) if grader else None
    results = [evaluate_question(assistant, judge, question, independent)
               for question in tqdm(questions, desc="Evaluating", unit="q", disable=not progress)]
    return EvalResult(summarize(results), summarize_by(results, "type"), results,
                      summarize_by(results, "language"))


def evaluate_question(assistant: Assistant, judge: metrics.SupportJudge, question: Question,
                      independent: metrics.SupportJudge | None = None) -> QuestionResult:
    started = time.perf_counter()
    answer = assistant.ask(question.question, history=question.history or None)  # language detected
    latency_ms = 1000 * (time.perf_counter() - started)
    # Retrieval is deterministic, so asking again for a deeper list ranks the same passages
    # the answer saw first, and more after them.
    # An English answer's search_query is the query itself; another language's holds both of its
    # searches, so the question is rewritten again (by the deterministic rewriter) and re-split.
    query = answer.search_query if answer.language == "en" else follow_up_query(question.question,
                                                                                question.history, answer.language)
    retrieval = assistant.crosslingual.retrieve(assistant.reader.snapshot(), query, answer.language, None,
                                                max(assistant.settings.retrieve.candidates, RANK_CUTOFF)).retrieval
    ranked = metrics.unique_in_order(p.chunk.doc_id for p in retrieval.passages)[:RANK_CUTOFF]
    scores = None
    if question.gold_doc_ids:
        gold = question.gold_doc_ids
        scores = {f"recall@{k}": metrics.recall_at_k(ranked, gold, k) for k in RECALL_AT}
        scores["mrr@10"] = metrics.mrr_at_k(ranked, gold, 10)
        scores["ndcg@10"] = metrics.ndcg_at_k(ranked, gold, 10)
    stated = "" if answer.abstained else strip_markers(answer.answer)
    citation = graded = None
    unsupported: list[str] = []
    if not answer.abstained:
        # The same reading of an Answer as `assistant check` makes of its JSON.
        submission = parse_payload(answer.to_dict())
        evidence = {n: evidence_text(p.text) for n, p in (submission.passages or {}).items()}
        citation = metrics.citation_scores(submission.sentences, evidence, judge)
        if independent:
            graded = metrics.citation_scores(submission.sentences, evidence, independent)
        unsupported = [s.text for s, ok in zip(submission.sentences, citation.supported,
                                               strict=True) if not ok]
    quotes = {c.n: c.quote for c in answer.citations}
    return QuestionResult(
        id=question.id, type=question.type, question=question.question,
        answerable=question.answerable, abstained=answer.abstained,
        latency_ms=round(latency_ms, 1), answer=answer.answer, ranked_docs=ranked,
        cited_docs=metrics.unique_in_order(c.doc_id for c in answer.citations),
        retrieval=scores,
        fact_recall=None if not question.answerable
        else 0.0 if answer.abstained else metrics.fact_recall(question.required_facts, stated),
        missing_facts=[f for f in question.required_facts if not metrics.fact_found(f, stated)]
        if question.answerable else [],
        citation_recall=citation.recall if citation else None,
        citation_precision=citation.precision if citation else None,
        citation_recall_independent=graded.recall if graded else None,
        citation_precision_independent=graded.precision if graded else None,
        unsupported_sentences=unsupported, withheld=answer.removed,
        shown=[{"text": s.text, "verdict": s.verdict, "quotes": [quotes[n] for n in s.citations]}
               for s in answer.sentences],
        notices=answer.notices, language=question.language, answerability=answer.answerability,
        in_language=metrics.in_language(question.language, answer.language, _first_shown(answer)))


def _first_shown(answer: Answer) -> str:
    if answer.abstained or not answer.sentences:
        return answer.answer
    return answer.lead or answer.sentences[0].text


def summarize(results: list[QuestionResult]) -> dict[str, Any]:
    """Every metric over a group of questions; None where it does not apply to the group."""
    with_gold = [r.retrieval for r in results if r.retrieval]
    answerable = [r for r in results if r.answerable]
    answered = [r for r in results if not r.abstained]
    summary: dict[str, Any] = {"questions": len(results), "answerable": len(answerable),
                               "answered": len(answered)}
    for key in [f"recall@{k}" for k in RECALL_AT] + ["mrr@10", "ndcg@10"]:
        summary[key] = metrics.mean(s[key] for s in with_gold)
    summary["fact_recall"] = metrics.mean(r.fact_recall for r in answerable)
    summary["facts_complete"] = metrics.mean(float(r.fact_recall == 1.0) for r in answerable)
    summary["citation_recall"] = metrics.mean(r.citation_recall for r in answered)
    summary["citation_precision"] = metrics.mean(r.citation_precision for r in answered)
    if any(r.citation_recall_independent is not None for r in answered):
        summary["citation_recall_independent"] = metrics.mean(r.citation_recall_independent for r in answered)
        summary["citation_precision_independent"] = metrics.mean(r.citation_precision_independent
                                                                 for r in answered)
    summary["decision_accuracy"] = metrics.mean(float(r.abstained != r.answerable)
                                                for r in results)
    summary.update(metrics.refusal_scores([r.answerable for r in results],
                                          [r.abstained for r in results]))
    summary["withheld_sentences"] = sum(len(r.withheld) for r in results)
    summary["in_language"] = metrics.mean(float(r.in_language) for r in results)
    latencies = [r.latency_ms for r in results]
    summary["latency_p50_ms"] = metrics.percentile(latencies, 50) if latencies else None
    summary["latency_p95_ms"] = metrics.percentile(latencies, 95) if latencies else None
    return summary


def summarize_by(results: list[QuestionResult], key: str) -> dict[str, dict[str, Any]]:
    """The summary of each group of results sharing a value of `key` ("type", "language")."""
    groups = sorted({getattr(r, key) for r in results})
    return {group: summarize([r for r in results if getattr(r, key) == group]) for group in groups}


def failures(results: Iterable[QuestionResult]) -> list[dict[str, str]]:
    """Answerable questions that lost facts, and unanswerable ones that were answered, with why."""
    found = []
    for r in results:
        reasons = []
        if r.answerable:
            if r.abstained:
                reasons.append("refused")
            if r.retrieval and r.retrieval["recall@5"] < 1:
                reasons.append(f"gold not all in top 5 (got {', '.join(r.ranked_docs[:5])})")
            if r.missing_facts and not r.abstained:
                reasons.append(f"missing facts: {'; '.join(r.missing_facts)} "
                               f"(cited {', '.join(r.cited_docs) or 'nothing'})")
            if r.fact_recall == 1.0 and not r.abstained:
                continue
        elif not r.abstained:
            reasons.append("answered an unanswerable question")
        else:
            continue
        if r.unsupported_sentences:
            reasons.append(f"{len(r.unsupported_sentences)} sentence(s) not supported by their "
                           "citation")
        found.append({"id": r.id, "type": r.type, "question": r.question,
                      "why": "; ".join(reasons)})
    return found


# --- Thresholds and deltas ----------------------------------------------------------------

def load_thresholds(path: Path = THRESHOLDS) -> dict[str, float]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the quality thresholds ({exc})") from exc
    return {key: float(value) for key, value in data.get("minimum", {}).items()}


def below_thresholds(overall: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """One line per metric under its minimum (a metric that could not be computed fails too)."""
    problems = []
    for key, minimum in thresholds.items():
        value = overall.get(key)
        if value is None or value < minimum:
            shown = "missing" if value is None else f"{value:.3f}"
            problems.append(f"{key} = {shown}, below the minimum {minimum:.3f}")
    return problems


def previous_report(reports_dir: Path, name: str, question_set: str | None = None) -> dict[str, Any] | None:
    """What a new report is compared with: the report of that name it replaces, else the most
    recent other eval report; on `question_set` when given (a change is only a change on the same
    questions), else on any set (the committed baseline.json when it is the only one). Other JSON
    files there, such as the attribution report, are not eval reports and are passed over."""
    replaced = reports_dir / f"{name}.json"
    others = sorted((p for p in reports_dir.glob("*.json") if p.stem != name),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for path in [replaced, *others] if question_set else others:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(record, dict) and isinstance(record.get("overall"), dict) and \
                question_set in (None, record.get("question_set")):
            return record
    return None


def deltas(current: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    if not previous:
        return ["No previous report to compare with."]
    before = previous.get("overall", {})
    lines = [f"Change against {previous.get('name', 'the previous report')}:"]
    for key, value in current.items():
        old = before.get(key)
        if not isinstance(value, float) or not isinstance(old, int | float):
            continue
        change = value - old
        better = change < 0 if key in LOWER_IS_BETTER else change > 0
        mark = "" if abs(change) < 1e-9 else (" better" if better else " WORSE")
        lines.append(f"  {key:<20} {_fmt(old, key):>8} -> {_fmt(value, key):>8}  ({change:+.3f}){mark}")
    return lines


def _fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.0f}" if key.endswith("_ms") else f"{value:.3f}"
    return str(value)


# --- Writing ------------------------------------------------------------------------------

def write_report(result: EvalResult, name: str, question_set: Path, settings: Settings,
                 previous: dict[str, Any] | None, reports_dir: Path = REPORTS_DIR) -> dict[str, Path]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "name": name,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "question_set": _relative(question_set),
        # Every setting but paths, secrets and server addresses, which say nothing about quality
        # and may be private.
        "settings": {info.key: info.value for info in settings.describe()
                     if info.kind is not Path and info.key not in ("llm.api_key", "llm.base_url")},
        "overall": result.overall,
        "by_type": result.by_type,
        "by_language": result.by_language,
        "failures": failures(result.questions),
        "questions": [asdict(q) for q in result.questions],
    }
    paths = {suffix: reports_dir / f"{name}.{suffix}" for suffix in ("json", "md", "png")}
    paths["json"].write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    paths["md"].write_text(markdown_report(record, previous), encoding="utf-8")
    draw_chart(record, previous, paths["png"])
    return paths


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def markdown_report(record: dict[str, Any], previous: dict[str, Any] | None) -> str:
    overall = record["overall"]
    before = (previous or {}).get("overall", {})
    lines = [f"# Evaluation report: {record['name']}", "",
             f"{record['created']} · question set `{record['question_set']}` · "
             f"{overall['questions']} questions ({overall['answerable']} answerable)", "",
             f"![metrics]({record['name']}.png)", "", "## Overall", "",
             f"| metric | value | previous ({(previous or {}).get('name', 'none')}) | change |",
             "|---|---|---|---|"]
    for key, value in overall.items():
        old = before.get(key)
        change = f"{value - old:+.3f}" if isinstance(value, float) and \
            isinstance(old, int | float) else ""
        lines.append(f"| {key} | {_fmt(value, key)} | {_fmt(old, key)} | {change} |")
    columns = ["questions", "recall@5", "mrr@10", "ndcg@10", "fact_recall", "citation_recall",
               "citation_precision", "decision_accuracy", "latency_p50_ms"]
    lines += ["", "## By question type", "", "| type | " + " | ".join(columns) + " |",
              "|---" * (len(columns) + 1) + "|"]
    for kind, summary in record["by_type"].items():
        lines.append(f"| {kind} | " + " | ".join(_fmt(summary[c], c) for c in columns) + " |")
    by_language = record.get("by_language", {})
    if len(by_language) > 1:
        columns = ["questions", "facts_complete", "refused_f1", "in_language", "latency_p50_ms", "latency_p95_ms"]
        lines += ["", "## By language", "", "| language | " + " | ".join(columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]
        for language, summary in by_language.items():
            lines.append(f"| {language} | " + " | ".join(_fmt(summary[c], c) for c in columns) + " |")
    lines += ["", "## Failures", "", "Answerable questions missing a required fact, and "
              "unanswerable questions that were answered.", ""]
    lines += [f"- **{f['id']}** ({f['type']}) {f['question']} — {f['why']}"
              for f in record["failures"]] or ["None."]
    lines += ["", "## Settings", "", *(f"- {k}: {v}" for k, v in record["settings"].items())]
    return "\n".join(lines) + "\n"


def draw_chart(record: dict[str, Any], previous: dict[str, Any] | None, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server or in CI
    import matplotlib.pyplot as plt
    import numpy as np

    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    positions = np.arange(len(KEY_METRICS))
    now = [record["overall"].get(k) or 0.0 for k in KEY_METRICS]
    if previous:
        old = [previous.get("overall", {}).get(k) or 0.0 for k in KEY_METRICS]
        left.bar(positions - 0.2, old, 0.4, label=previous.get("name", "previous"), color="#bbbbbb")
        left.bar(positions + 0.2, now, 0.4, label=record["name"], color="#2b6cb0")
        left.legend(loc="upper center", ncol=2)
    else:
        left.bar(positions, now, 0.6, color="#2b6cb0")
    left.set_xticks(positions, KEY_METRICS, rotation=35, ha="right")
    left.set_ylim(0, 1.2)  # headroom for the legend
    left.set_title("Overall")
    kinds = list(record["by_type"])
    per_type = ("recall@5", "fact_recall", "citation_recall", "decision_accuracy")
    spots = np.arange(len(kinds))
    width = 0.8 / len(per_type)
    for index, key in enumerate(per_type):
        values = [record["by_type"][k].get(key) or 0.0 for k in kinds]
        right.bar(spots + (index - (len(per_type) - 1) / 2) * width, values, width, label=key)
    right.set_xticks(spots, kinds, rotation=35, ha="right")
    right.set_ylim(0, 1.2)
    right.set_title("By question type")
    right.legend(loc="upper center", ncol=len(per_type), fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# --- Command line -------------------------------------------------------------------------

def _independent(overall: dict[str, Any]) -> str:
    if "citation_recall_independent" not in overall:
        return ""
    return (f" (independent grader: recall {_fmt(overall['citation_recall_independent'])}, "
            f"precision {_fmt(overall['citation_precision_independent'])})")


def eval_command(settings: Settings, args: argparse.Namespace) -> int:
    """`assistant eval [--set FILE] [--name NAME]` or `assistant eval --beir DIR [--json]`."""
    if getattr(args, "beir", None):
        from assistant.evaluate.beir import beir_command

        return beir_command(settings, args.beir, as_json=args.json)
    from assistant.assistant import Assistant

    name = args.name or time.strftime("%Y%m%d-%H%M%S")
    if not _NAME.match(name):
        raise UserError(f"report name {name!r}: use letters, digits, '.', '_' or '-'")
    questions = load_questions(args.set)
    assistant = Assistant.from_settings(settings)
    grader = None
    if getattr(args, "grader", None):
        # No exact checks: the grader's judge reads every sentence, so a quote the filter passed
        # by its own rule is graded too.
        grader = SupportScorer(make_judge(args.grader, settings), ())
    result = evaluate(assistant, questions, progress=sys.stderr.isatty(), grader=grader)
    previous = previous_report(REPORTS_DIR, name, _relative(args.set))
    paths = write_report(result, name, args.set, settings, previous)
    overall = result.overall
    print(f"{overall['questions']} questions: recall@5 {_fmt(overall['recall@5'])}, "
          f"nDCG@10 {_fmt(overall['ndcg@10'])}, fact recall {_fmt(overall['fact_recall'])}, "
          f"citation recall {_fmt(overall['citation_recall'])}, precision "
          f"{_fmt(overall['citation_precision'])}{_independent(overall)}, F1_GR {_fmt(overall['f1_gr'])}, "
          f"p50 {overall['latency_p50_ms']:.0f} ms, p95 {overall['latency_p95_ms']:.0f} ms")
    print("\n".join(deltas(overall, previous)))
    problems = below_thresholds(overall, load_thresholds()) if THRESHOLDS.is_file() else []
    for line in problems:
        print(f"below threshold: {line}")
    print(f"Report: {paths['md']} (+ .json, .png)")
    return 1 if problems else 0
