"""Load test of the JSON API: N concurrent clients POST /api/ask on loopback.

    python evals/load_api.py [--url http://127.0.0.1:7860] [--clients 20] [--per-client 5]

Without --url it starts `assistant serve` on a free port over the configured index (Settings:
ASSISTANT_DATA_DIR etc.). The run is bounded twice: each client sends --per-client requests,
and everything stops after --max-seconds. Questions come from evals/dev_questions.jsonl.
Results (p50/p95 latency, throughput, errors) are printed and written to evals/reports/load.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.browser (server start-up shared with the browser tests)


@dataclass
class Result:
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty: int = 0  # 200 responses with neither an answer nor an abstention: must stay 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def questions(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def post(url: str, question: str, timeout: float) -> dict:
    request = urllib.request.Request(url + "/api/ask", data=json.dumps({"question": question}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def client(url: str, pool: list[str], offset: int, count: int, deadline: float, result: Result) -> None:
    for index in range(count):
        if time.monotonic() > deadline:
            return
        question = pool[(offset + index) % len(pool)]
        started = time.perf_counter()
        try:
            answer = post(url, question, timeout=max(1.0, deadline - time.monotonic()))
        except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
            with result.lock:
                result.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        with result.lock:
            result.latencies_s.append(elapsed)
            if not answer.get("answer") or not (answer.get("abstained") or answer.get("citations")):
                result.empty += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(url: str, clients: int, per_client: int, max_seconds: float, pool: list[str]) -> tuple[Result, float]:
    result = Result()
    deadline = time.monotonic() + max_seconds
    threads = [threading.Thread(target=client, args=(url, pool, i * per_client, per_client, deadline, result))
               for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result, time.perf_counter() - started


def report(result: Result, wall_s: float, clients: int, per_client: int) -> str:
    done = len(result.latencies_s)
    lines = [
        "# API load test", "",
        f"{clients} concurrent clients × {per_client} requests each, POST /api/ask on loopback "
        f"({time.strftime('%Y-%m-%d %H:%M')}).", "",
        "| requests ok | errors | empty answers | p50 s | p95 s | max s | wall s | answers/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    if done:
        lines.append(f"| {done} | {len(result.errors)} | {result.empty} | "
                     f"{statistics.median(result.latencies_s):.2f} | {percentile(result.latencies_s, 0.95):.2f} | "
                     f"{max(result.latencies_s):.2f} | {wall_s:.1f} | {done / wall_s:.2f} |")
    else:
        lines.append(f"| 0 | {len(result.errors)} | 0 | – | – | – | {wall_s:.1f} | 0 |")
    if result.errors:
        lines += ["", "First errors:", *(f"- {e}" for e in result.errors[:5])]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one on a free port)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev_questions.jsonl")
    parser.add_argument("--report", type=Path, default=ROOT / "evals" / "reports" / "load.md")
    args = parser.parse_args()
    pool = questions(args.questions)

    def measure(url: str) -> tuple[Result, float]:
        post(url, pool[0], timeout=120)  # one request first, so start-up is not counted
        return run(url, args.clients, args.per_client, args.max_seconds, pool)

    if args.url:
        result, wall_s = measure(args.url.rstrip("/"))
    else:
        from assistant.settings import Settings
        from tests.browser import running_server
        from tests.conftest import free_port

        settings = Settings.load()
        with tempfile.TemporaryDirectory() as folder, \
                running_server(settings.data_dir.resolve(), settings.corpus_dir.resolve(), free_port(),
                               Path(folder) / "server.log") as url:
            result, wall_s = measure(url)
    text = report(result, wall_s, args.clients, args.per_client)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    print(text)
    return 1 if result.errors or result.empty else 0


if __name__ == "__main__":
    sys.exit(main())
