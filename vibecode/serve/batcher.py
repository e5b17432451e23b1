"""Continuous batching for the class server: many children's answers share each step of one model.

One thread owns the model. Each turn of its loop it
1. drops answers whose child went away (their KV cache is freed at once);
2. lets one waiting answer in, if there is room, and reads its prompt (the prefill, alone: the same pass
   the single-child engine makes, and new children do not pile their prompts onto one slow step), except
   the start it shares with the prompt read before (the system prompt), whose keys and values it copies;
3. runs one decode step for every answer in progress together (``ragged.step``: the weights are read once
   for the whole class) and gives each answer its next token.
Answers join and leave between steps. Each answer keeps its own settings (greedy or sampled with its own
temperature, top-p and seed, repetition penalty, stop strings, code-block end, token limit), chosen and
applied exactly as ``LocalModel.generate`` does (``vibecode.lm.decode``'s penalty and sampling), so an
answer (greedy, or sampled with a seed) is the same text as on the child's own computer.

transformers' own continuous batching (``ContinuousBatchingManager``) does run on the CPU with our
quantized model, but it drops the repetition penalty (not supported there) and shares one temperature
between all requests, so its answers would differ from the local engine's; hence this small loop.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from vibecode.lm.base import GenerateOptions
from vibecode.lm.decode import Sampling, penalize
from vibecode.lm.engine import _Tracker
from vibecode.lm.prompt_cache import MIN_REUSE, common_prefix
from vibecode.serve import ragged

log = logging.getLogger("vibecode.serve.batcher")

STOP, LENGTH, CANCELLED, ERROR = "stop", "length", "cancelled", "error"


@dataclass
class Event:
    """What an answer's listener hears: a piece of text, or the end (with why and the token counts)."""

    text: str = ""
    finish: str | None = None  # None while the answer goes on; STOP, LENGTH, CANCELLED or ERROR at the end
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str = ""


Listener = Callable[[Event], None]  # called on the batch thread: must be quick and must not raise


@dataclass(eq=False)
class Job:
    """One answer in the making."""

    number: int
    prompt_ids: list[int]
    options: GenerateOptions
    listener: Listener
    created: float = field(default_factory=time.monotonic)
    cancel: threading.Event = field(default_factory=threading.Event)
    ids: list[int] = field(default_factory=list)  # prompt + answer so far (what the repetition penalty sees)
    generated: int = 0
    finish: str | None = None
    cache: ragged.SequenceCache | None = None  # the answer's own KV cache while it is in progress
    tracker: _Tracker | None = None  # turns tokens into text and applies the stop rules, as the local engine does
    sample: Sampling | None = None  # sampled answers: how (with the answer's own random numbers), else greedy
    first_token_at: float | None = None

    def tell(self, event: Event) -> None:
        try:
            self.listener(event)
        except Exception:  # noqa: BLE001 - a listener's trouble is not the class's trouble
            log.exception("listener failed")

    @property
    def done(self) -> bool:
        return self.finish is not None


@dataclass
class BatchStats:
    active: int
    waiting: int
    finished: int
    cancelled: int
    failed: int
    steps: int  # decode steps
    tokens: int  # answer tokens made
    prefills: int
    remembered: int  # prompt tokens not read again (the start shared with the prompt read before)
    mean_batch: float  # answers per decode step, on average
    busy_seconds: float


class Batcher:
    """The model's one thread, and the line of answers waiting for it."""

    def __init__(self, model, tokenizer, eos_ids: list[int], max_batch: int = 8) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.eos_ids = list(eos_ids)
        self._eos_set = set(eos_ids)
        self.max_batch = max(1, max_batch)
        self._waiting: deque[Job] = deque()
        self._active: list[Job] = []
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._numbers = itertools.count(1)
        self._counts = dict(finished=0, cancelled=0, failed=0, steps=0, tokens=0, prefills=0, batch_sum=0,
                            remembered=0)
        self._busy = 0.0
        # The last prompt read, as (token ids, keys, values): the class's prompts all start with the same
        # system prompt, and a child's next request repeats the chat so far, so a new prompt copies the
        # keys and values of the start it shares with it instead of reading it again (prefill is most of a
        # child's wait on 2 cores).
        self._last_prompt: tuple[list[int], list[torch.Tensor], list[torch.Tensor]] | None = None
        ragged.use_ragged_attention(model)

    # --- for the server (any thread)
    def submit(self, prompt_ids: list[int], options: GenerateOptions, listener: Listener) -> Job:
        job = Job(next(self._numbers), list(prompt_ids), options, listener)
        with self._wake:
            self._waiting.append(job)
            self._wake.notify()
        return job

    def cancel(self, job: Job) -> None:
        """The child went away: stop working on this answer at the next step."""
        job.cancel.set()
        with self._wake:
            self._wake.notify()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="class-batcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def stats(self) -> BatchStats:
        counts = self._counts
        with self._wake:
            active, waiting = len(self._active), len(self._waiting)
        return BatchStats(active=active, waiting=waiting, finished=counts["finished"], cancelled=counts["cancelled"],
                          failed=counts["failed"], steps=counts["steps"], tokens=counts["tokens"],
                          prefills=counts["prefills"], remembered=counts["remembered"],
                          mean_batch=round(counts["batch_sum"] / counts["steps"], 2) if counts["steps"] else 0.0,
                          busy_seconds=round(self._busy, 1))

    # --- the model's thread
    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and not self._waiting and not self._active:
                    self._wake.wait()
                if self._stopping:
                    break
                joining = self._waiting.popleft() if self._waiting and len(self._active) < self.max_batch else None
            started = time.monotonic()
            try:
                self._drop_cancelled()
                if joining is not None:
                    self._prefill(joining)
                if self._active:
                    self._decode()
            except Exception as exc:  # noqa: BLE001 - the loop must go on for the next children
                log.exception("batch step failed")
                for job in [job for job in (joining, *self._active) if job is not None]:
                    self._end(job, ERROR, str(exc))
            self._busy += time.monotonic() - started
        for job in [*self._active, *self._waiting]:
            self._end(job, CANCELLED)

    def _drop_cancelled(self) -> None:
        with self._wake:
            gone = [job for job in [*self._active, *self._waiting] if job.cancel.is_set()]
            self._active = [job for job in self._active if not job.cancel.is_set()]
            self._waiting = deque(job for job in self._waiting if not job.cancel.is_set())
        for job in gone:
            self._end(job, CANCELLED)

    def _prefill(self, job: Job) -> None:
        if job.cancel.is_set():
            self._end(job, CANCELLED)
            return
        job.cache = ragged.new_cache(self.model, len(job.prompt_ids) + max(1, int(job.options.max_new_tokens)))
        job.ids = list(job.prompt_ids)
        job.tracker = _Tracker(self.tokenizer, job.options, lambda chunk, _tokens: job.tell(Event(text=chunk)), job.created)
        seed = job.options.seed if job.options.seed is not None else random.getrandbits(63)
        job.sample = Sampling.for_options(dataclasses.replace(job.options, seed=seed),
                                          getattr(self.model, "generation_config", None))
        try:
            shared = self._shared_start(job.prompt_ids)
            if shared:
                _, keys, values = self._last_prompt
                job.cache.start_from(keys, values, shared)
            logits = ragged.step(self.model, [ragged.Piece(job.ids[shared:], shared, job.cache)])
            self._last_prompt = (list(job.prompt_ids), *job.cache.snapshot(len(job.prompt_ids)))
        except Exception as exc:  # noqa: BLE001 - one bad prompt must not stop the class
            log.exception("prefill failed")
            self._end(job, ERROR, str(exc))
            return
        self._counts["prefills"] += 1
        self._counts["remembered"] += shared
        self._take(job, logits[0])
        if not job.done:
            with self._wake:
                self._active.append(job)

    def _shared_start(self, prompt_ids: list[int]) -> int:
        """How many tokens at the start of this prompt the last prompt read had too (at least one token is
        always read, for its logits)."""
        if self._last_prompt is None:
            return 0
        shared = min(common_prefix(self._last_prompt[0], prompt_ids), len(prompt_ids) - 1)
        return shared if shared >= MIN_REUSE else 0

    def _decode(self) -> None:
        jobs = list(self._active)
        pieces = [ragged.Piece([job.ids[-1]], len(job.ids) - 1, job.cache) for job in jobs]
        try:
            logits = ragged.step(self.model, pieces)
        except Exception as exc:  # noqa: BLE001
            log.exception("decode step failed")
            for job in jobs:
                self._end(job, ERROR, str(exc))
            return
        self._counts["steps"] += 1
        self._counts["batch_sum"] += len(jobs)
        for job, row in zip(jobs, logits):
            self._take(job, row)

    def _take(self, job: Job, row: torch.Tensor) -> None:
        """Choose the answer's next token from its logits, pass on the new text, and see whether it ends."""
        scores = penalize(row, torch.tensor(job.ids, dtype=torch.long), float(job.options.repetition_penalty or 1.0))
        token = job.sample(scores) if job.sample is not None else int(scores.argmax())
        job.ids.append(token)
        job.generated += 1
        self._counts["tokens"] += 1
        if job.first_token_at is None:
            job.first_token_at = time.monotonic()
        if token in self._eos_set:
            self._end(job, STOP)
            return
        job.tracker.take([token])
        if job.tracker.stop:
            self._end(job, STOP)
        elif job.generated >= max(1, int(job.options.max_new_tokens)):
            self._end(job, LENGTH)

    def _end(self, job: Job, finish: str, error: str = "") -> None:
        if job.done:
            return
        job.finish = finish
        if finish in (STOP, LENGTH):
            if job.tracker is not None:
                job.tracker.end()  # the held-back tail, if any
            self._counts["finished"] += 1
        elif finish == CANCELLED:
            self._counts["cancelled"] += 1
        else:
            self._counts["failed"] += 1
        with self._wake:
            if job in self._active:
                self._active.remove(job)
        job.cache = None
        job.tell(Event(finish=finish, prompt_tokens=len(job.prompt_ids), completion_tokens=job.generated, error=error))
