"""The UI-side backend for a local model: starts ``python -m vibecode.lm.worker`` and talks JSON lines to it.

No torch or transformers here (the UI imports this). The worker's stderr goes to the engine log in
``vibecode.paths.log_dir()``. One request runs at a time; ``cancel()`` may be called from any thread.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from vibecode import paths
from vibecode.lm import catalog
from vibecode.lm.base import (
    LOCATION_LOCAL,
    Backend,
    ChatMessage,
    EngineError,
    GenerateOptions,
    GenerationStats,
    ProgressCallback,
)

WORKER_GONE = "The helper stopped unexpectedly. Try again; if it keeps happening, ask your teacher."
_EOF = {"event": "_eof"}


def _display_name(spec: str | None) -> str:
    key = catalog.resolve_key(spec)
    if key is not None:
        return catalog.MODELS[key].display_name
    assert spec is not None
    return Path(spec).name or spec


class WorkerBackend(Backend):
    """A model on this computer, run in its own worker process."""

    location = LOCATION_LOCAL

    def __init__(
        self, spec: str | None = None, *, full_check: bool = False, env: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.env_overrides = dict(env or {})
        self.spec = spec
        self.name = _display_name(spec)
        self.full_check = full_check
        self.process: subprocess.Popen | None = None
        self.events: queue.Queue[dict] = queue.Queue()
        self._write_lock = threading.Lock()
        self._request_lock = threading.Lock()  # one request at a time
        self._ids = itertools.count(1)
        self._active_id: int | None = None
        self._reading_id: int | None = None  # a prefill the worker is reading now (see _newer_request)
        self._log_handle = None
        self.worker_info: dict = {}

    # process ------------------------------------------------------------------------------------
    def _start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.events = queue.Queue()
        env = dict(os.environ)
        env.update(self.env_overrides)
        # the worker must find this same vibecode, even when it is not installed (running from the repo)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        self._log_handle = open(self._log_dir() / "engine.log", "ab", buffering=0)
        self._log_handle.write(f"\n=== worker start {time.strftime('%Y-%m-%d %H:%M:%S')} model={self.spec}\n".encode())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vibecode.lm.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_handle,
            env=env,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        threading.Thread(target=self._read, args=(self.process, self.events), name="lm-client-reader", daemon=True).start()

    def _log_dir(self) -> Path:
        home = self.env_overrides.get("VIBECODE_HOME")
        if home:
            folder = Path(home) / "data" / "logs"
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        return paths.log_dir()

    def _read(self, process: subprocess.Popen, events: queue.Queue) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                events.put(json.loads(line))
            except ValueError:
                continue
        events.put(_EOF)

    def _send(self, **request: object) -> None:
        process = self.process
        if process is None or process.stdin is None or process.poll() is not None:
            raise EngineError(WORKER_GONE, details="worker not running")
        with self._write_lock:
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:
                raise EngineError(WORKER_GONE, details=repr(exc)) from exc

    def _next_event(self, timeout: float | None = None) -> dict:
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return {"event": "_timeout"}
        if event is _EOF:
            code = self.process.wait(timeout=5) if self.process is not None else None
            raise EngineError(WORKER_GONE, details=f"worker exited with code {code}; see engine.log")
        return event

    # Backend ------------------------------------------------------------------------------------
    def _prepare(self, on_progress: ProgressCallback | None) -> None:
        with self._request_lock:
            self._start()
            self._send(op="load", model=self.spec, full_check=self.full_check)
            while True:
                event = self._next_event()
                kind = event.get("event")
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(str(event.get("message", "")), event.get("fraction"))
                elif kind == "ready":
                    self.worker_info = dict(event.get("info") or {})
                    self.name = self.worker_info.get("name") or self.name
                    if on_progress is not None:
                        on_progress("Ready!", 1.0)
                    return
                elif kind == "error":
                    raise EngineError(str(event.get("message")), details=event.get("details"))

    def stream(self, messages: list[ChatMessage], options: GenerateOptions | None = None) -> Iterator[str]:
        if self._prepared and (self.process is None or self.process.poll() is not None):
            self._prepared = False  # the worker died (e.g. out of memory): the next answer starts a new one
        return super().stream(messages, options)

    def _newer_request(self) -> None:
        """A request is coming: a prompt still being read ahead stops after its current piece (what it read
        is remembered), so Enter never waits for a whole read that the words or an edit have made stale."""
        reading = self._reading_id
        if reading is not None:
            try:
                self._send(op="stop_reading", id=reading)
            except EngineError:
                pass

    def _stream(self, messages: list[ChatMessage], options: GenerateOptions) -> Iterator[str]:
        self._newer_request()
        with self._request_lock:
            rid = next(self._ids)
            self._active_id = rid
            self.last_stats = None
            self._send(
                op="generate", id=rid, messages=[m.to_dict() for m in messages], options=options.to_dict()
            )
            finished = False
            try:
                while True:
                    event = self._next_event()
                    if event.get("id") not in (rid, None):
                        continue  # left over from an earlier, abandoned request
                    kind = event.get("event")
                    if kind == "chunk":
                        tokens = event.get("tokens")
                        self.tokens_so_far = tokens if isinstance(tokens, int) else self.tokens_so_far + 1
                        yield str(event.get("text", ""))
                    elif kind == "done":
                        self.last_stats = GenerationStats.from_dict(event.get("stats") or {})
                        finished = True
                        return
                    elif kind == "error":
                        finished = True
                        raise EngineError(str(event.get("message")), details=event.get("details"))
            finally:
                self._active_id = None
                if not finished:
                    # the caller stopped reading early: stop the worker and wait for its "done"
                    self._abandon(rid)

    def prefill(self, messages: list[ChatMessage], tentative: bool = False,
                answer: GenerateOptions | None = None) -> None:
        if not self._prepared:
            return
        self._newer_request()
        with self._request_lock:
            rid = next(self._ids)
            self._reading_id = rid
            try:
                self._send(op="prefill", id=rid, messages=[m.to_dict() for m in messages], tentative=tentative,
                           answer=answer.to_dict() if answer is not None else None)
                while True:
                    event = self._next_event(timeout=300)
                    if event.get("event") == "_timeout" or (
                        event.get("id") == rid and event.get("event") in ("done", "error")
                    ):
                        return
            except EngineError:
                return  # only a head start; the next answer reports a dead worker kindly
            finally:
                self._reading_id = None

    def _abandon(self, rid: int) -> None:
        try:
            self._send(op="cancel", id=rid)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                event = self._next_event(timeout=1.0)
                if event.get("id") == rid and event.get("event") in ("done", "error"):
                    if event.get("event") == "done":
                        self.last_stats = GenerationStats.from_dict(event.get("stats") or {})
                    return
        except EngineError:
            return

    def _cancel(self) -> None:
        rid = self._active_id
        if rid is None:
            return
        try:
            self._send(op="cancel", id=rid)
        except EngineError:
            pass

    def info(self) -> dict:
        data = {"name": self.name, "location": self.location, "spec": self.spec}
        data.update(self.worker_info)
        if self._prepared and not self._request_lock.locked():
            with self._request_lock:
                try:
                    self._send(op="stats")
                    while True:
                        event = self._next_event(timeout=10)
                        if event.get("event") in ("stats", "_timeout"):
                            data.update(event.get("info") or {})
                            break
                except EngineError:
                    pass
        return data

    def close(self) -> None:
        process = self.process
        self.process = None
        self._prepared = False
        if process is not None:
            if process.poll() is None:
                try:
                    with self._write_lock:
                        process.stdin.write(json.dumps({"op": "cancel"}) + "\n")
                        process.stdin.write(json.dumps({"op": "shutdown"}) + "\n")
                        process.stdin.flush()
                except (BrokenPipeError, OSError, ValueError):
                    pass
                try:
                    process.stdin.close()
                except (BrokenPipeError, OSError, ValueError):
                    pass
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def __del__(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
        except Exception:
            pass
