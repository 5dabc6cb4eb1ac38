"""Bring primary documents into the corpus: `assistant fetch-sources` downloads the public
documents listed in corpus/sources.yaml, and `assistant add FILE` files a local one (such as the
full ICE Out report PDF). Both write a `.meta.yaml` sidecar so citations keep title and URL.

These are the only commands that use the network, and only when a person runs them.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.errors import UserError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, doc_id_for

_SUFFIX_BY_TYPE = {"application/pdf": ".pdf", "text/html": ".html", "text/plain": ".txt",
                   "text/markdown": ".md",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}


@dataclass
class FetchReport:
    saved: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def read_sources(path: Path) -> list[dict]:
    try:
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", [])
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read the source list ({exc})") from exc
    return [e for e in entries if isinstance(e, dict) and e.get("id") and e.get("url")]


def write_sidecar(path: Path, title: str, url: str, kind: str, ocr: str = "auto", language: str = "en") -> None:
    meta = {"title": title, "source_url": url, "kind": kind, "jurisdiction": "Massachusetts", "language": language}
    if ocr != "auto":  # "force": this file's text layer is bad OCR; read its pages again
        meta["ocr"] = ocr
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(meta, sort_keys=False),
                                                         encoding="utf-8")


def fetch_sources(sources_file: Path, target: Path, timeout_s: float = 30.0,
                  max_bytes: int = 50_000_000) -> FetchReport:
    report = FetchReport()
    target.mkdir(parents=True, exist_ok=True)
    for entry in read_sources(sources_file):
        request = urllib.request.Request(entry["url"], headers={"User-Agent": "ice-out-assistant"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                content_type = response.headers.get_content_type()
                body = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            report.failed.append(f"{entry['id']}: {entry['url']} answered HTTP {exc.code} ({exc.reason})")
            continue
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            report.failed.append(f"{entry['id']}: {entry['url']} could not be fetched "
                                 f"({getattr(exc, 'reason', exc)})")
            continue
        suffix = _SUFFIX_BY_TYPE.get(content_type)
        if suffix is None or len(body) > max_bytes:
            report.failed.append(f"{entry['id']}: {entry['url']} returned "
                                 f"{content_type if suffix is None else 'more than the size limit'}")
            continue
        path = target / f"{entry['id']}{suffix}"
        path.write_bytes(body)
        write_sidecar(path, entry.get("title") or entry["id"], entry["url"], entry.get("kind") or "document")
        report.saved.append(path)
    return report


def add_document(source: Path, documents_dir: Path, title: str, url: str, kind: str,
                 ocr: str = "auto", language: str = "en") -> Path:
    """Copy one file into <documents_dir>/added/ with its metadata; the caller then ingests.
    `ocr` ("auto", "force", "off") is kept in the sidecar, so every later ingest honours it."""
    if ocr not in ("auto", "force", "off"):
        raise UserError(f"--ocr must be auto, force or off, not {ocr!r}")
    if not source.is_file():
        raise UserError(f"{source}: no such file")
    if source.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UserError(f"{source}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    target = documents_dir / "added" / f"{doc_id_for(source)}{source.suffix.lower()}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    write_sidecar(target, title or source.stem, url, kind, ocr, language)
    return target
