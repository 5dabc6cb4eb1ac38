"""OCR of PDF pages with Debian's tesseract (pages rendered by poppler's pdftoppm), cached.

Nothing here touches the network: both are local programs (`make ocr` installs them). Results
are cached on disk by a hash of the page's own content plus the languages, the resolution and
the tesseract version, so re-reading a file, or the same scanned page inside another file,
never runs OCR twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

INSTALL_HINT = "run `make ocr` (installs Debian's tesseract-ocr and poppler-utils)"
# A page this many pixels on its long side is already sharper than OCR needs; a hostile PDF
# with a 200-inch page would otherwise make pdftoppm allocate gigabytes.
_MAX_PIXELS = 6000
_PAGE_TIMEOUT_S = 180


@dataclass(frozen=True)
class OcrRequest:
    """One page to OCR: its 1-based number, a hash of its content, its size in points."""

    number: int
    fingerprint: str
    width_pt: float
    height_pt: float


def missing_tools() -> list[str]:
    return [tool for tool in ("tesseract", "pdftoppm") if shutil.which(tool) is None]


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    result = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30,
                            check=False)
    first = (result.stdout or result.stderr).strip().splitlines()
    return first[0] if first else "tesseract"


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    result = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30,
                            check=False)
    return frozenset(line.strip() for line in result.stdout.splitlines()[1:] if line.strip())


def missing_languages(languages: str) -> list[str]:
    return [lang for lang in languages.split("+") if lang not in installed_languages()]


class OcrCache:
    """page text by key, one small file each; writes are atomic so a killed ingest leaves none
    half-written."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.txt" if self.folder else None

    def get(self, key: str) -> str | None:
        path = self._path(key)
        try:
            return path.read_text(encoding="utf-8") if path and path.is_file() else None
        except OSError:
            return None

    def put(self, key: str, text: str) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                             suffix=".tmp") as handle:
                handle.write(text)
            os.replace(handle.name, path)
        except OSError:
            pass  # a cache that cannot be written only costs time on the next run


def cache_key(fingerprint: str, languages: str, dpi: int) -> str:
    return hashlib.sha256(f"{fingerprint}|{languages}|{dpi}|{tesseract_version()}".encode()).hexdigest()


def _dpi_for(request: OcrRequest, dpi: int) -> int:
    longest = max(request.width_pt, request.height_pt, 1.0) / 72.0
    return max(1, min(dpi, int(_MAX_PIXELS / longest)))


def ocr_page(pdf: Path, request: OcrRequest, languages: str, dpi: int) -> str:
    """Render one page to a grey PNG and read it; raises RuntimeError with a short reason."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread per page; pages run in parallel
    page = str(request.number)
    try:
        image = subprocess.run(["pdftoppm", "-f", page, "-l", page, "-r", str(_dpi_for(request, dpi)),
                                "-gray", "-png", str(pdf)], capture_output=True, timeout=_PAGE_TIMEOUT_S,
                               check=False)
        if image.returncode != 0 or not image.stdout:
            raise RuntimeError(f"pdftoppm could not render page {page}")
        text = subprocess.run(["tesseract", "stdin", "stdout", "-l", languages, "--psm", "3"],
                              input=image.stdout, capture_output=True, timeout=_PAGE_TIMEOUT_S,
                              env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"OCR of page {page} took over {_PAGE_TIMEOUT_S} s") from exc
    if text.returncode != 0:
        raise RuntimeError(f"tesseract failed on page {page}")
    return text.stdout.decode("utf-8", errors="replace")


@dataclass
class OcrOutcome:
    texts: dict[int, str]
    from_cache: int
    failures: list[str]


def ocr_pages(pdf: Path, requests: list[OcrRequest], languages: str, dpi: int, cache: OcrCache,
              on_page: Callable[[], None] = lambda: None) -> OcrOutcome:
    """OCR every requested page (cached ones are read back), two or more pages at a time."""
    outcome = OcrOutcome({}, 0, [])
    todo: list[tuple[OcrRequest, str]] = []
    for request in requests:
        key = cache_key(request.fingerprint, languages, dpi)
        cached = cache.get(key)
        if cached is None:
            todo.append((request, key))
        else:
            outcome.texts[request.number] = cached
            outcome.from_cache += 1
            on_page()

    def run(item: tuple[OcrRequest, str]) -> tuple[int, str | None, str]:
        request, key = item
        try:
            text = ocr_page(pdf, request, languages, dpi)
        except (RuntimeError, OSError) as exc:
            return request.number, None, str(exc)
        cache.put(key, text)
        return request.number, text, ""

    workers = max(1, min(len(todo), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for number, text, error in pool.map(run, todo):
            if text is None:
                outcome.failures.append(error)
            else:
                outcome.texts[number] = text
            on_page()
    return outcome
