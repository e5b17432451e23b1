"""ScriptedBackend: a FAKE model for UI tests and demos. It replays canned answers instead of thinking.

It implements the same Backend interface as the real engines (chunks with a tiny delay, cancel, stats), so
screens can be tested quickly without loading a model. Never used unless asked for by name
(``open_backend("scripted:answers.json")``).

The JSON file holds either a list of answer strings, or ``{"answers": [...], "chunk_chars": 6,
"delay": 0.01}``. Answers are used in order and the last one repeats.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from vibecode.lm.base import (
    LOCATION_LOCAL,
    Backend,
    ChatMessage,
    EngineError,
    GenerateOptions,
    GenerationStats,
    ProgressCallback,
)
from vibecode.lm.textstop import StopScanner


class ScriptedBackend(Backend):
    """FAKE backend: replays canned answers in small chunks."""

    location = LOCATION_LOCAL

    def __init__(
        self,
        answers: list[str] | None = None,
        *,
        file: str | Path | None = None,
        chunk_chars: int = 6,
        delay: float = 0.01,
        name: str = "Scripted (fake) model",
    ) -> None:
        super().__init__()
        self.name = name
        self.file = Path(file) if file is not None else None
        self.answers = list(answers or [])
        self.chunk_chars = max(1, chunk_chars)
        self.delay = max(0.0, delay)
        self.calls: list[list[ChatMessage]] = []  # what was asked, for tests to inspect
        self.prefills: list[list[ChatMessage]] = []  # what it was given to read ahead (nothing to remember)
        self.tentative_prefills: list[bool] = []  # ... and whether with words the child may still change
        self.answers_ahead: list[GenerateOptions | None] = []  # ... and the options to write the answer ahead with
        self.options: list[GenerateOptions] = []  # and how
        self._cancel_event = threading.Event()
        self._next = 0

    def _prepare(self, on_progress: ProgressCallback | None) -> None:
        if self.file is not None:
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise EngineError("The practice answers file could not be read.", details=repr(exc)) from exc
            if isinstance(data, dict):
                self.chunk_chars = max(1, int(data.get("chunk_chars", self.chunk_chars)))
                self.delay = max(0.0, float(data.get("delay", self.delay)))
                data = data.get("answers", [])
            self.answers = [str(a) for a in data]
        if not self.answers:
            raise EngineError("The practice answers file has no answers in it.")
        if on_progress is not None:
            on_progress("Ready!", 1.0)

    def prefill(self, messages: list[ChatMessage], tentative: bool = False,
                answer: GenerateOptions | None = None) -> None:
        self.prefills.append(list(messages))
        self.tentative_prefills.append(tentative)
        self.answers_ahead.append(answer)

    def _stream(self, messages: list[ChatMessage], options: GenerateOptions) -> Iterator[str]:
        self._cancel_event.clear()
        self.calls.append(list(messages))
        self.options.append(options)
        answer = self.answers[min(self._next, len(self.answers) - 1)]
        self._next += 1
        cut = StopScanner(options.stop, options.stop_at_code_end).scan(answer, final=True).text
        words = cut.split(" ")
        limit = max(1, options.max_new_tokens)
        if len(words) > limit:  # count "tokens" as words, roughly
            cut = " ".join(words[:limit])
        t0 = time.monotonic()
        first: float | None = None
        sent = 0
        pieces = 0
        for start in range(0, len(cut), self.chunk_chars):
            if self._cancel_event.is_set():
                break
            if self.delay:
                time.sleep(self.delay)
            piece = cut[start : start + self.chunk_chars]
            first = first or time.monotonic()
            sent += len(piece)
            pieces += 1
            self.tokens_so_far = pieces  # one "token" a piece, the same count as its stats
            yield piece
        end = time.monotonic()
        self.last_stats = GenerationStats(
            prompt_tokens=sum(len(m.content.split()) for m in messages),
            completion_tokens=pieces,
            seconds=end - t0,
            first_token_seconds=(first or end) - t0,
            tokens_per_second=(pieces - 1) / (end - first) if first and pieces > 1 and end > first else 0.0,
            cancelled=self._cancel_event.is_set(),
        )

    def _cancel(self) -> None:
        self._cancel_event.set()
