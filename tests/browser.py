"""Start the real server in a subprocess and drive Debian's headless Chromium through Playwright.

Shared by the browser tests and the UI benchmarks (evals/bench_ui.py, evals/load_api.py).
Playwright's own browser download is never used: `executable_path` is the system Chromium.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# No background traffic of Chromium's own (updates, sync, safe-browsing lists), so any request
# a test sees comes from the page.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
NETGUARD = ROOT / "tests" / "fixtures" / "netguard"


def launch_chromium(playwright: Any) -> Any:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing; install it with `apt-get install -y chromium` (make browser)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextlib.contextmanager
def running_server(data_dir: Path, corpus_dir: Path, port: int, log_path: Path,
                   netguard_log: Path | None = None, timeout: float = 240) -> Iterator[str]:
    """`assistant serve` on 127.0.0.1:`port`; yields its base URL once the UI answers.
    With `netguard_log`, every outbound connection the server attempts is refused and logged."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_INGEST_CORPUS_DIR": str(corpus_dir),
           "ASSISTANT_UI_HOST": "127.0.0.1", "ASSISTANT_UI_PORT": str(port), "PYTHONPATH": str(ROOT)}
    if netguard_log is not None:
        env.update(PYTHONPATH=f"{NETGUARD}{os.pathsep}{ROOT}", NETGUARD_LOG=str(netguard_log))
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log_path, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {timeout:.0f}s:\n{log_path.read_text()[-3000:]}")
