"""The one small interface every model backend shares.

A backend takes chat messages and yields text chunks as they are made, can be cancelled from another
thread, and reports tokens in/out and timing. This module is imported by the UI, so it must never import
torch or transformers (a test checks that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

# on_progress(what is happening, in plain words; fraction done 0..1, or None when unknown)
ProgressCallback = Callable[[str, float | None], None]

LOCATION_LOCAL = "on this computer"
LOCATION_SERVER = "on the class server"


@dataclass
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}

    @classmethod
    def from_dict(cls, data: dict) -> ChatMessage:
        return cls(role=str(data["role"]), content=str(data["content"]))


@dataclass
class GenerateOptions:
    max_new_tokens: int = 700
    temperature: float = 0.0  # 0 = greedy (the same answer every time)
    seed: int | None = None  # only used when sampling (temperature > 0)
    stop: list[str] = field(default_factory=list)  # stop (and cut) at the first of these strings
    stop_at_code_end: bool = True  # stop right after the first closed ```python block
    # Greedy decoding of these small models can loop on one line until the token cap cuts the program
    # into a syntax error; 1.1 is the Qwen2.5-Coder instruct models' own generation setting.
    repetition_penalty: float = 1.1
    top_p: float = 0.9  # only used when sampling
    # Prompt-lookup decoding (local engine, greedy only): draft this many tokens by copying what followed
    # the same words earlier in the prompt or the answer, and let the model check them in one pass: the same
    # text in fewer passes. 0 = off. The first draft's length; drafts the model takes whole grow
    # (decode.Draft, where the replayed measurements are). A change request's answer mostly repeats the old
    # program (about 2x faster); a new program repeats lines of the prompt's example and of itself (16 kid
    # ideas each twice, 1.5B fast on 2 cores, alternating with and without: 229 -> 180 s, the same texts).
    prompt_lookup: int = 3
    # The fewest last words that must match earlier text before what followed it is a draft: 1 for an answer
    # that repeats a program from the prompt (any match points into it), 2 for new text, where drafts after
    # one matching word were taken less often (benchmarks/draft_policy.py: 16 new programs 2 % slower).
    prompt_lookup_words: int = 2
    # The answer starts with this text (the local engine reads it as the first words of the answer and
    # goes on from there; the answer's text includes it). "```python\n" makes a change request's answer
    # a program: without it the 1.5B sometimes described the program instead (bench speed, fast).
    # Engines that cannot continue an answer (the HTTP backend) leave it out.
    answer_start: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> GenerateOptions:
        data = dict(data or {})
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class GenerationStats:
    prompt_tokens: int
    completion_tokens: int
    seconds: float  # whole request, from asking to the last chunk
    first_token_seconds: float  # from asking to the first chunk
    tokens_per_second: float  # decode speed: completion tokens after the first one / time after the first one
    cancelled: bool
    # model passes after the prompt; fewer than completion_tokens when prompt lookup's drafts were accepted
    decode_steps: int = 0
    # prompt tokens the model remembered from an earlier prompt that started the same way (not read again)
    cached_prompt_tokens: int = 0
    # answer tokens written ahead while the child paused before Enter (Backend.prefill's answer), not now
    written_ahead: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GenerationStats:
        return cls(
            prompt_tokens=int(data.get("prompt_tokens", 0)),
            completion_tokens=int(data.get("completion_tokens", 0)),
            seconds=float(data.get("seconds", 0.0)),
            first_token_seconds=float(data.get("first_token_seconds", 0.0)),
            tokens_per_second=float(data.get("tokens_per_second", 0.0)),
            cancelled=bool(data.get("cancelled", False)),
            decode_steps=int(data.get("decode_steps", 0)),
            cached_prompt_tokens=int(data.get("cached_prompt_tokens", 0)),
            written_ahead=int(data.get("written_ahead", 0)),
        )


class EngineError(RuntimeError):
    """A problem with the model that a person can act on. ``str(error)`` is a plain-words message that is
    safe to show a child; ``details`` is for the log."""

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Backend:
    """Base class of all backends. Subclasses implement ``_prepare``, ``_stream`` and ``_cancel``."""

    name: str = "model"
    location: str = LOCATION_LOCAL

    def __init__(self) -> None:
        self.last_stats: GenerationStats | None = None
        # Tokens the model has written so far in the answer being streamed: set before each chunk is
        # yielded, so a reader of stream() can show a live count (a chunk can hold several tokens, or none
        # of a held-back one). After the answer, last_stats.completion_tokens is the final word.
        self.tokens_so_far = 0
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._prepared

    def prepare(self, on_progress: ProgressCallback | None = None) -> None:
        """Block until the model can answer. The first start of a local model converts it to a fast cache,
        which takes a minute or more; ``on_progress`` hears what is going on."""
        with self._prepare_lock:
            if self._prepared:
                return
            self._prepare(on_progress)
            self._prepared = True

    def stream(self, messages: list[ChatMessage], options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield text chunks as they are made. Sets ``last_stats`` when the answer ends (also when cancelled)."""
        if not self._prepared:
            self.prepare()
        self.tokens_so_far = 0
        return self._stream(list(messages), options or GenerateOptions())

    def complete(self, messages: list[ChatMessage], options: GenerateOptions | None = None) -> str:
        """The whole answer at once (convenience for scripts and benchmarks)."""
        return "".join(self.stream(messages, options))

    def prefill(self, messages: list[ChatMessage], tentative: bool = False,
                answer: GenerateOptions | None = None) -> None:
        """Read the start of a conversation ahead of time (the pipeline's system prompt, at warm-up), so an
        answer that starts the same way begins sooner. Only a local model remembers; others ignore it.
        ``tentative``: it ends with words the child may still change (the model keeps one such start).
        ``answer``: then write the answer with these options until the next request, so an answer to these
        very messages starts with what was written (a local model; the call itself returns at once). A
        newer request from another thread cuts a long read short after its current piece (a local model
        remembers what it read)."""

    def cancel(self) -> None:
        """Thread-safe: make the running ``stream()`` end soon."""
        self._cancel()

    def close(self) -> None:
        """Free the model (ends the worker process, closes connections)."""

    def info(self) -> dict:
        """Facts for 'vibecode model info' and the teacher's screen (memory, load time...)."""
        return {"name": self.name, "location": self.location}

    # --- for subclasses
    def _prepare(self, on_progress: ProgressCallback | None) -> None:
        raise EngineError("This helper cannot be started.")

    def _stream(self, messages: list[ChatMessage], options: GenerateOptions) -> Iterator[str]:
        raise EngineError("This helper cannot write answers.")

    def _cancel(self) -> None:
        return None

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
