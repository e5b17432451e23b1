"""Progress for the one-time model conversion, in plain words, for the app's progress bar.

transformers reports GGUF de-quantisation, weight loading and shard writing through tqdm bars.
``install_tqdm_hook`` swaps in a silent tqdm subclass (it must run before transformers is imported) that forwards the counts to
the current listener; ``StagedProgress`` turns stages into one overall fraction that never goes back.
No torch here.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("vibecode.lm.progress")

Progress = Callable[[str, float | None], None]

_listener_lock = threading.Lock()
_listener: Callable[[str, int, int | None], None] | None = None


def install_tqdm_hook() -> None:
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


class TqdmToStage:
    """While active, tqdm bars whose description contains ``match`` drive the current stage's fraction."""

    def __init__(self, progress: StagedProgress, match: str) -> None:
        self.progress, self.match = progress, match.lower()

    def __enter__(self) -> TqdmToStage:
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
