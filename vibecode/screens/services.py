"""The non-UI parts a screen needs, in one place: the project store, the model and the Maker.

The model is opened lazily, in a worker thread, the first time it is needed (or when the app
warms it up after the first frame); nothing here imports torch: the default model runs in its own
process behind ``vibecode.lm.open_backend``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from vibecode.paths import log_dir

log = logging.getLogger("vibecode.ui")


def setup_logging() -> None:
    """Send the app's log (tracebacks included) to a file for grown-ups, never to the screen."""
    root = logging.getLogger("vibecode")
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        handler = logging.FileHandler(log_dir() / "app.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


@dataclass
class ModelLabel:
    """What the model meter shows before and after the model is open."""

    name: str
    location: str
    precision: str | None = None  # "quantized" | "float32" once a model on this computer is ready


def describe_spec(spec: str | None) -> ModelLabel:
    """A guess at the label from the settings alone (the backend gives the real one once open)."""
    if spec and spec.startswith(("http://", "https://")):
        return ModelLabel("class model", "on the class server")
    if spec and spec.startswith("scripted:"):
        return ModelLabel("practice model (scripted)", "on this computer")
    return ModelLabel(spec or "built-in model", "on this computer")


class Services:
    """Store + model for the whole app. Thread-safe: model calls happen in worker threads."""

    def __init__(self, store: Any, backend: Any = None, model_spec: str | None = None,
                 maker_options: dict | None = None) -> None:
        self.store = store
        self.maker_options = dict(maker_options or {})  # e.g. fewer tries for the tiny test model
        self.model_spec = model_spec
        self._backend = backend
        self._owned = backend is None  # an injected backend (tests) is closed by its owner
        self._maker: Any = None
        self._lock = threading.Lock()
        self._prepare_lock = threading.Lock()
        self.last_speed: float | None = None
        self.getting_ready: str | None = None  # progress note while the model is being prepared

    @property
    def label(self) -> ModelLabel:
        backend = self._backend
        if backend is not None:
            info = getattr(backend, "worker_info", None) or {}  # from the worker's "ready" (no waiting)
            return ModelLabel(getattr(backend, "name", "model"), getattr(backend, "location", ""),
                              info.get("precision"))
        return describe_spec(self.model_spec)

    def backend(self, on_progress: Callable[[str, float | None], None] | None = None) -> Any:
        """The open backend, ready to generate; blocks (call from a worker thread)."""
        with self._lock:
            if self._backend is None:
                from vibecode.lm import open_backend

                self._backend = open_backend(self.model_spec)
            backend = self._backend

        def progress(what: str, fraction: float | None) -> None:
            percent = f" {fraction:.0%}" if fraction is not None else ""
            # the engine's words already say when a step happens only on the first start
            self.getting_ready = f"Getting ready: {what.rstrip('. ')}{percent}"
            if on_progress is not None:
                on_progress(what, fraction)

        with self._prepare_lock:  # one preparation at a time, whoever asks first
            try:
                backend.prepare(progress)
            finally:
                self.getting_ready = None
        return backend

    def preload(self) -> None:
        """Import and build now what the first answer and the first run need, so they don't pause the
        screen later (worker thread; the GIL is shared, but a thread lets the event loop keep ticking)."""
        import vibecode.make.maker  # noqa: F401  (imports once here, not during the first answer)

        try:  # what the first run loads, so the first Run doesn't pause the screen
            import ctypes  # noqa: F401

            import sandbox.seccomp  # noqa: F401
        except ImportError:
            pass
        try:  # the idea check compiles its word rules on first use: 130 ms that froze the first Enter
            from vibecode.safety import warm_up

            warm_up()
        except Exception:
            log.exception("the idea check could not warm up")

    def get_ready(self) -> None:
        """Open the model and wait until it can answer (worker thread); trouble goes to the log only."""
        try:
            backend = self.backend()
        except Exception:  # the child hears about it kindly when asking; grown-ups see the log
            log.exception("the model could not get ready")
            return
        from vibecode.lm.base import ChatMessage
        from vibecode.make import prompts

        try:  # every new program's prompt starts with this: read it now, not after the child presses Enter
            backend.prefill([ChatMessage("system", prompts.system_prompt(None, allow_files=False))])
        except Exception:
            log.exception("reading the system prompt ahead failed")

    def read_ahead(self, request: Any) -> None:
        """Have the model read the start of the prompt for ``request`` (a MakeRequest with the idea typed so
        far) while the child is still typing (worker thread). Skipped while the model is not ready yet: a
        head start must never make the child wait."""
        backend = self._backend
        if backend is None or not getattr(backend, "ready", False) or self.getting_ready is not None:
            return
        try:
            self.maker().read_ahead(request)
        except Exception:
            log.exception("reading ahead failed")

    def maker(self, on_progress: Callable[[str, float | None], None] | None = None) -> Any:
        backend = self.backend(on_progress)
        with self._lock:
            if self._maker is None:
                from vibecode.make import Maker

                self._maker = Maker(backend, **self.maker_options)
            return self._maker

    def cancel(self) -> None:
        """Stop whatever the model is doing now (thread-safe)."""
        maker, backend = self._maker, self._backend
        for part in (maker, backend):
            if part is not None:
                try:
                    part.cancel()
                except Exception:  # stopping must never crash the app
                    log.exception("cancel failed")

    def switch_model(self, spec: str | None) -> None:
        """Use another model from now on (settings changed); the old one is closed."""
        with self._lock:
            old, self._backend, self._maker = self._backend, None, None
            self.model_spec = spec
            owned, self._owned = self._owned, True
        if old is not None and owned:
            threading.Thread(target=_close_quietly, args=(old,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            backend, self._backend, self._maker = self._backend, None, None
        if backend is not None and self._owned:
            _close_quietly(backend)


def _close_quietly(backend: Any) -> None:
    try:
        backend.close()
    except Exception:
        log.exception("closing the model failed")
