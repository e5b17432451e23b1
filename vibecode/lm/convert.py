"""The one-time conversion of a GGUF model into a quick-start cache folder (safetensors + tokenizer).

Two forms (``vibecode.lm.precision``): ``quantized`` keeps the file's own 4/6-bit weights for vibecode's
kernels (``vibecode.lm.quantized.build_from_gguf``: tensor by tensor, about 2.5 GB peak for the 1.5B model,
40 s); ``float32`` is what plain transformers and ``transformers serve`` load, made as follows.

transformers reads GGUF (``from_pretrained(dir, gguf_file=...)``) but de-quantises every tensor to float32
in Python: about a minute for the 1.5B model, with ~9 GB peak memory. We do that once, ``save_pretrained``
the result into ``vibecode.paths.cache_dir()/models/<key>`` and write a manifest last (see
``vibecode.lm.cache``), so later starts load memory-mapped safetensors in seconds. A file lock makes a second
app window wait for the first one's conversion instead of doing it again.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import logging
import os
import time
import traceback
from pathlib import Path

from vibecode.lm import cache, catalog
from vibecode.lm.base import EngineError
from vibecode.lm.progress import Progress, StagedProgress, TqdmToStage, install_tqdm_hook
from vibecode.lm.sources import FLOAT32, QUANTIZED, Source, cache_key

install_tqdm_hook()  # before transformers is imported, so its bars report to us

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

log = logging.getLogger("vibecode.lm.convert")


def rss_mb() -> float:
    """Current resident memory of this process in MiB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _dead_pid(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clean_dead_builds() -> None:
    """Remove half-built cache folders whose conversion process is gone (e.g. the app was closed)."""
    for work in cache.models_root().glob("*.building-*"):
        try:
            pid = int(work.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if _dead_pid(pid):
            cache.remove(work)


def ensure_cache(
    source: Source, on_progress: Progress | None = None, full_check: bool = False, form: str = FLOAT32
) -> Path:
    """Return a verified converted-model folder for a GGUF source in ``form`` (float32 or quantized),
    converting it first if needed."""
    final = cache.folder_for(cache_key(source, form))
    result = cache.check(final, full=full_check)
    if result.ok:
        return final
    lock_path = final.with_name(final.name + ".lock")
    with open(lock_path, "a+") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_progress:
                on_progress("Another window is getting the model ready. Waiting for it...", None)
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            result = cache.check(final, full=full_check)
            if result.ok:
                return final
            log.warning("model cache %s not usable (%s); converting", final, result.reason)
            clean_dead_builds()
            if final.exists():
                cache.remove(final)
            _convert(source, final, on_progress, form)
            return final
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _needed_gb(source: Source, form: str) -> int:
    """Rough free disk space a conversion needs: float32 weights are ~7x the 4-bit file, quantized ones
    ~1.5x; plus the file itself."""
    size = source.model.size if source.model else (source.path.stat().st_size if source.path else 2**30)
    return max(1, round(size * (2.5 if form == QUANTIZED else 8) / 2**30))


class _FasterGguf:
    """Speed-ups for transformers' GGUF reading, active only during a conversion.

    transformers 5.23 parses the GGUF file (tens of thousands of vocabulary strings, slow in Python) once
    for the tokenizer, once for the config and once for the weights, and rebuilds gguf's tensor-name map for
    every module of the model (hundreds of times). Both are pure functions of their arguments, so we
    memoise them for the duration of the conversion. Measured on the tiny model: most of the load time."""

    def __enter__(self) -> _FasterGguf:
        import functools

        import gguf

        self.gguf = gguf
        self.saved = {name: getattr(gguf, name) for name in ("GGUFReader", "get_tensor_name_map")}
        original_reader = self.saved["GGUFReader"]
        readers: dict[tuple[str, str], object] = {}

        def cached_reader(path, mode="r"):
            key = (os.path.realpath(str(path)), mode)
            if key not in readers:
                readers[key] = original_reader(path, mode)
            return readers[key]

        self.readers = readers
        gguf.GGUFReader = cached_reader
        gguf.get_tensor_name_map = functools.lru_cache(maxsize=None)(self.saved["get_tensor_name_map"])
        return self

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            setattr(self.gguf, name, value)
        self.readers.clear()


def _convert(source: Source, final: Path, on_progress: Progress | None, form: str) -> None:
    expected = source.model.expected_convert_seconds if source.model else 60.0
    if form == QUANTIZED:
        expected *= 0.5  # measured: 38 s against 87 s for the 1.5B model on an idle 2-core machine
    stages = {
        "files": ("Checking the model files...", 0.06, expected * 0.05),
        "words": ("Teaching the helper its words (first start only)...", 0.14, expected * 0.15),
        "unpack": ("Unpacking the model (first start only, about a minute)...", 0.55, expected * 0.55),
        "save": ("Saving a quick-start copy...", 0.17, expected * 0.17),
        "verify": ("Checking the quick-start copy...", 0.08, expected * 0.08),
    }
    work = cache.new_work_folder(final)
    temporary_gguf: Path | None = None
    started = time.monotonic()
    try:
        with StagedProgress(on_progress, stages) as progress:
            progress.stage("files")
            if source.kind == "embedded":
                assert source.model is not None
                gguf_path, is_temp = catalog.assemble_gguf(
                    source.model, cache.models_root() / "gguf", progress.fraction_in_stage
                )
                temporary_gguf = gguf_path if is_temp else None
            else:
                assert source.path is not None
                gguf_path = source.path
            with _FasterGguf():
                progress.stage("words")
                tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
                progress.stage("unpack")
                if form == QUANTIZED:
                    from vibecode.lm import quantized

                    def tensors_done(stage: str, fraction: float) -> None:
                        if stage == "save":
                            progress.stage("save")
                        else:
                            progress.fraction_in_stage(fraction)

                    details = quantized.build_from_gguf(gguf_path, work, tensors_done)
                    tokenizer.save_pretrained(work)
                    _finish(source, gguf_path, work, final, progress, started, details)
                    return
                with TqdmToStage(progress, "gguf"):
                    model = AutoModelForCausalLM.from_pretrained(
                        gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32
                    )
            log.info("GGUF loaded in %.1f s, rss %.0f MiB", time.monotonic() - started, rss_mb())
            # A GGUF-loaded model refuses save_pretrained ("quantized with gguf"); once de-quantised it is
            # a plain float32 model, so drop the quantizer marker.
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.config.name_or_path = source.name
            progress.stage("save")
            with TqdmToStage(progress, "shard"):
                model.save_pretrained(work)
            tokenizer.save_pretrained(work)
            del model
            gc.collect()
            _finish(source, gguf_path, work, final, progress, started, {"format": FLOAT32})
    except OSError as exc:
        cache.remove(work)
        if exc.errno == errno.ENOSPC:
            raise EngineError(
                "The computer's disk is too full to get the helper ready "
                f"(it needs about {_needed_gb(source, form)} GB free). Ask your teacher to make some room.",
                details=traceback.format_exc(),
            ) from exc
        raise
    except BaseException:
        cache.remove(work)
        raise
    finally:
        if temporary_gguf is not None:
            temporary_gguf.unlink(missing_ok=True)


def _finish(source: Source, gguf_path: Path, work: Path, final: Path, progress: StagedProgress, started: float,
            details: dict) -> None:
    """Write the manifest (last, so a half-made folder never looks finished) and move the folder in place."""
    progress.stage("verify")
    cache.write_manifest(
        work,
        {
            "name": source.name,
            "kind": source.kind,
            "sha256": source.model.sha256 if source.model else None,
            "gguf": str(gguf_path.name),
            "seconds": round(time.monotonic() - started, 1),
            **details,
        },
    )
    os.replace(work, final)
    cache._fsync_dir(final.parent)
    log.info("converted %s into %s in %.1f s", source.name, final, time.monotonic() - started)
