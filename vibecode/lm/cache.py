"""The converted-model cache: a transformers folder (safetensors + tokenizer) per model, made once from the
GGUF file so later starts take seconds instead of a minute.

A cache folder is only trusted when its ``manifest.json`` is there and matches the files. The manifest is
written last, atomically, after every other file is complete, so a conversion that was interrupted (power
cut, full disk, killed process) never looks finished. Before loading we check every file's size and hash
the small files fully and the big weight files at sample points (hashing 6.8 GB would cost seconds on every
start); ``check(full=True)`` hashes everything (``vibecode model prepare --check``).

No torch here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vibecode import paths

MANIFEST = "manifest.json"
FORMAT = 1
SMALL_FILE = 64 * 2**20  # files up to this size are hashed completely on every check
SAMPLE = 2**20  # bytes hashed at each sample point of a big file
SAMPLES = 8  # sample points per big file


def models_root() -> Path:
    root = paths.cache_dir() / "models"
    root.mkdir(parents=True, exist_ok=True)
    return root


def folder_for(key: str) -> Path:
    """Where the converted model with this cache key lives."""
    return models_root() / key


def _sample_offsets(size: int) -> list[int]:
    if size <= SAMPLE * SAMPLES:
        return [0]
    step = (size - SAMPLE) // (SAMPLES - 1)
    return [i * step for i in range(SAMPLES)]


def _hashes(path: Path, full: bool) -> dict[str, str]:
    """{"sha256": ...} for a full hash, {"sample": ...} for a sampled one (small files always full)."""
    size = path.stat().st_size
    if full or size <= SMALL_FILE:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(8 * 2**20):
                digest.update(block)
        result = {"sha256": digest.hexdigest()}
        if size > SMALL_FILE:
            result["sample"] = _sample_hash(path, size)
        return result
    return {"sample": _sample_hash(path, size)}


def _sample_hash(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for offset in _sample_offsets(size):
            handle.seek(offset)
            digest.update(handle.read(SAMPLE))
    return digest.hexdigest()


@dataclass
class CacheCheck:
    ok: bool
    reason: str  # why not, for the log ("no manifest", "model.safetensors: size 12 != 34"...)
    size_bytes: int = 0


def write_manifest(folder: Path, source: dict) -> None:
    """Record every file's size and hashes, then atomically put the manifest in place (written last)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST and not path.name.startswith("."):
            rel = path.relative_to(folder).as_posix()
            entry = {"size": path.stat().st_size}
            entry.update(_hashes(path, full=True))
            files[rel] = entry
    data = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "source": source, "files": files}
    tmp = folder / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / MANIFEST)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_manifest(folder: Path) -> dict | None:
    try:
        with open(folder / MANIFEST, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def check(folder: Path, full: bool = False) -> CacheCheck:
    """Is this converted model complete and undamaged? (Cheap unless ``full``.)"""
    manifest = read_manifest(folder)
    if manifest is None:
        return CacheCheck(False, "no manifest" if folder.exists() else "not converted yet")
    files = manifest.get("files") or {}
    if "config.json" not in files or not any(name.endswith(".safetensors") for name in files):
        return CacheCheck(False, "manifest lists no weights")
    total = 0
    for rel, entry in files.items():
        path = folder / rel
        try:
            size = path.stat().st_size
        except OSError:
            return CacheCheck(False, f"{rel}: missing")
        if size != entry.get("size"):
            return CacheCheck(False, f"{rel}: size {size} != {entry.get('size')}")
        total += size
        got = _hashes(path, full=full)
        for kind, value in got.items():
            if kind in entry and entry[kind] != value:
                return CacheCheck(False, f"{rel}: {kind} hash differs")
    return CacheCheck(True, "ok", total)


def remove(folder: Path) -> None:
    """Delete a (bad) cache folder: the manifest first, so a half-deleted folder is never trusted."""
    (folder / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def new_work_folder(final: Path) -> Path:
    """A fresh temporary folder next to ``final`` for building a conversion."""
    work = final.with_name(final.name + f".building-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def clean_stale(root: Path | None = None, older_than: float = 6 * 3600) -> None:
    """Remove half-built folders left by conversions that died long ago."""
    root = root or models_root()
    now = time.time()
    for path in root.glob("*.building-*"):
        try:
            if now - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


ProgressFn = Callable[[str, float | None], None]
