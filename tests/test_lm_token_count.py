"""The running token count while an answer streams (``Backend.tokens_so_far``), which the app's
"words so far" and model meter show: the REAL tiny model through the worker protocol, an older worker
without the count, the scripted FAKE, and the Maker passing it on."""

from __future__ import annotations

import queue

import pytest

from vibecode.lm import ChatMessage, GenerateOptions
from vibecode.lm.base import Backend, GenerationStats
from vibecode.lm.client import WorkerBackend
from vibecode.lm.scripted import ScriptedBackend

COUNT = [ChatMessage("user", "Count from 1 to 50, one number per line.")]


@pytest.mark.model
def test_the_worker_sends_the_models_own_token_count(tiny_backend):
    """REAL tiny model: every chunk event carries the tokens written so far; the count grows by at least
    one a chunk and ends at the answer's completion_tokens."""
    counts, chunks = [], []
    options = GenerateOptions(max_new_tokens=40, stop_at_code_end=False, repetition_penalty=1.0)
    for chunk in tiny_backend.stream(COUNT, options):
        chunks.append(chunk)
        counts.append(tiny_backend.tokens_so_far)
    stats = tiny_backend.last_stats
    assert chunks and counts[0] >= 1
    assert all(b > a for a, b in zip(counts, counts[1:])), counts
    # the last token may add no text (end of answer, or half a character), so no chunk carries it
    assert stats.completion_tokens - 2 <= counts[-1] <= stats.completion_tokens
    # a new answer starts counting from zero
    stream = tiny_backend.stream(COUNT, GenerateOptions(max_new_tokens=3, stop_at_code_end=False))
    assert tiny_backend.tokens_so_far == 0
    list(stream)
    assert 1 <= tiny_backend.tokens_so_far <= 3


class _Alive:
    def poll(self):
        return None


def test_an_older_worker_without_the_count_still_counts_one_a_chunk():
    """Protocol compatibility: chunk events without "tokens" (a worker from before) count one a chunk."""
    backend = WorkerBackend("tiny")
    backend._prepared, backend.process = True, _Alive()
    backend._send = lambda **request: None  # nothing to send to: the events are already queued
    backend.events = queue.Queue()
    for text in ("Hel", "lo", "!"):
        backend.events.put({"event": "chunk", "id": 1, "text": text})
    backend.events.put({"event": "done", "id": 1, "stats": {"completion_tokens": 3}})
    counts = []
    for _chunk in backend.stream([ChatMessage("user", "hi")]):
        counts.append(backend.tokens_so_far)
    assert counts == [1, 2, 3]
    backend.events.put({"event": "chunk", "id": 2, "text": "Hi", "tokens": 2})
    backend.events.put({"event": "chunk", "id": 2, "text": " there", "tokens": 5})
    backend.events.put({"event": "done", "id": 2, "stats": {"completion_tokens": 5}})
    counts = []
    for _chunk in backend.stream([ChatMessage("user", "hi")]):
        counts.append(backend.tokens_so_far)
    assert counts == [2, 5]
    backend.process = None


def test_the_scripted_fake_counts_a_token_a_piece_like_its_stats():
    backend = ScriptedBackend(["print('hello there')"], chunk_chars=4, delay=0)
    counts = [backend.tokens_so_far for _ in backend.stream(COUNT, GenerateOptions(stop_at_code_end=False))]
    assert counts == list(range(1, len(counts) + 1))
    assert counts[-1] == backend.last_stats.completion_tokens


class _ThreeAChunk(Backend):
    """A backend whose chunks hold three tokens each (as when prompt lookup accepts a draft)."""

    name = "three"

    def _prepare(self, on_progress):
        return None

    def _stream(self, messages, options):
        for n, piece in enumerate(["This ", "program ", "says ", "hello."], 1):
            self.tokens_so_far = 3 * n
            yield piece
        self.last_stats = GenerationStats(1, 12, 0.1, 0.01, 100.0, False)


def test_the_maker_passes_the_backends_count_on():
    from vibecode.make import Maker

    events = []
    Maker(_ThreeAChunk()).explain("print('hello')", None, events.append)
    assert [e.tokens for e in events if e.kind == "chunk"] == [3, 6, 9, 12]
