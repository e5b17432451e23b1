"""Prompt-lookup decoding for change requests: the same greedy text, fewer model passes.

The real tiny model checks the whole path (client -> worker -> engine -> transformers' prompt lookup with
our streamer, stop rules, cancel and repetition penalty); a recording stand-in for the loaded model checks
that the option crosses the JSON-lines protocol.
"""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from vibecode.lm import GenerateOptions
from vibecode.lm.base import GenerationStats
from vibecode.lm.client import WorkerBackend
from vibecode.lm.worker import Worker
from vibecode.make import prompts

PROGRAM = """name = input("What is your name? ")
print("Hello, " + name + "!")
apples = 3
price = 2
total = apples * price
print("You bought", apples, "apples.")
print("That costs", total, "coins.")
"""
# the pipeline's own change request (system prompt, the child's program, the wish)
CHANGE = prompts.make_messages("make it also say thank you at the end", current_program=PROGRAM)


def _run(backend, messages, options):
    text = "".join(backend.stream(messages, options))
    return text, backend.last_stats


@pytest.mark.model
def test_prompt_lookup_gives_the_same_change_in_fewer_passes(tiny_backend):
    plain = GenerateOptions(max_new_tokens=40, prompt_lookup=0)  # greedy, penalty 1.1, stop at the code end
    lookup = dataclasses.replace(plain, prompt_lookup=10)
    off_text, off = _run(tiny_backend, CHANGE, plain)
    on_text, on = _run(tiny_backend, CHANGE, lookup)
    print(
        f"\ntiny, change request, {on.prompt_tokens} prompt tokens: "
        f"off {off.completion_tokens} tokens in {off.decode_steps} passes, {off.seconds:.1f} s; "
        f"on {on.completion_tokens} tokens in {on.decode_steps} passes, {on.seconds:.1f} s"
    )
    assert on_text == off_text
    assert on.completion_tokens == off.completion_tokens
    assert off.decode_steps == off.completion_tokens  # one token per pass without lookup
    assert on.decode_steps < on.completion_tokens, "no drafted token was accepted: prompt lookup did not run"

    # Several tokens arrive per pass under prompt lookup; a stop string still cuts exactly where it would
    # in the plain answer (the stop rule looks at the tokens one by one).
    words = off_text.split()
    assert len(words) > 4, off_text
    marker = words[len(words) // 2]
    cut_text, cut = _run(tiny_backend, CHANGE, dataclasses.replace(lookup, stop=[marker]))
    assert cut_text == off_text[: off_text.find(marker)]
    assert cut.completion_tokens < on.completion_tokens


@pytest.mark.model
def test_a_new_program_drafts_from_repeated_words_with_the_same_text(tiny_backend):
    """REAL tiny model. A new program's answer has no program to copy, but it repeats words of its prompt's
    example and of itself: with the default options (drafts after two matching words) it is the same text
    as without drafts, in fewer passes."""
    messages = prompts.make_messages("a times table quiz")
    off = GenerateOptions(max_new_tokens=150, prompt_lookup=0)
    off_text, off_stats = _run(tiny_backend, messages, off)
    on_text, on_stats = _run(tiny_backend, messages, GenerateOptions(max_new_tokens=150))
    print(f"\ntiny, new program: off {off_stats.decode_steps} passes, on {on_stats.decode_steps} passes "
          f"for {on_stats.completion_tokens} tokens")
    assert on_text == off_text and on_stats.completion_tokens == off_stats.completion_tokens
    assert off_stats.decode_steps == off_stats.completion_tokens
    assert on_stats.decode_steps < on_stats.completion_tokens, "no drafted token was accepted"


@pytest.mark.model
def test_cancel_still_stops_a_prompt_lookup_answer(tiny_backend):
    options = GenerateOptions(max_new_tokens=300, stop_at_code_end=False, prompt_lookup=10)
    got: list[str] = []
    for chunk in tiny_backend.stream(CHANGE, options):
        got.append(chunk)
        if len(got) == 3:
            threading.Thread(target=tiny_backend.cancel).start()
    stats = tiny_backend.last_stats
    assert stats is not None and stats.cancelled and stats.completion_tokens < 300


class _RecordingChannel:
    """Stands in for the worker's stdout pipe (FAKE: records the events instead of writing JSON lines)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def send(self, **event: object) -> None:
        self.events.append(json.loads(json.dumps(event)))


class _RecordingModel:
    """Stands in for the loaded model (FAKE: records the options it was given, answers one chunk)."""

    def __init__(self) -> None:
        self.options: GenerateOptions | None = None

    def generate(self, messages, options, cancel, emit) -> GenerationStats:
        self.options = options
        emit("ok")
        return GenerationStats(12, 7, 0.5, 0.1, 14.0, False, decode_steps=2)


def test_prompt_lookup_travels_through_the_worker_protocol(monkeypatch):
    """What the client writes is what the worker reads; the pass count comes back in the stats."""
    backend = WorkerBackend("tiny")
    sent: list[dict] = []
    monkeypatch.setattr(backend, "_prepare", lambda on_progress: None)
    monkeypatch.setattr(backend, "_send", lambda **request: sent.append(json.loads(json.dumps(request))))
    worker = Worker(_RecordingChannel())
    worker.model = _RecordingModel()

    backend.events.put({"event": "chunk", "id": 1, "text": "ok"})
    backend.events.put({"event": "done", "id": 1, "stats": {}})
    assert backend.complete(CHANGE, GenerateOptions(prompt_lookup=10)) == "ok"
    request = sent[0]
    assert request["op"] == "generate" and request["options"]["prompt_lookup"] == 10

    worker.do_generate(request)
    assert worker.model.options is not None and worker.model.options.prompt_lookup == 10
    done = worker.channel.events[-1]
    assert done["event"] == "done" and done["stats"]["decode_steps"] == 2
    assert GenerationStats.from_dict(done["stats"]).decode_steps == 2
    # an older client that does not know the options: the defaults (drafts never change a greedy answer)
    older = GenerateOptions.from_dict({"max_new_tokens": 5})
    assert (older.prompt_lookup, older.prompt_lookup_words) == (GenerateOptions().prompt_lookup, 2)
    backend.close()


@pytest.mark.model
def test_an_answer_can_be_begun_for_the_model(tiny_backend):
    """REAL tiny model. answer_start is read as the answer's first words (a change answer begins as a
    program): the answer's text starts with it, the model goes on from there, and those words count as
    prompt, not as words the model wrote."""
    plain = GenerateOptions(max_new_tokens=12, stop_at_code_end=False, prompt_lookup=10)
    begun = dataclasses.replace(plain, answer_start="```python\nname = ")
    _, before = _run(tiny_backend, CHANGE, plain)
    text, stats = _run(tiny_backend, CHANGE, begun)
    assert text.startswith("```python\nname = ") and len(text) > len("```python\nname = ")
    assert stats.prompt_tokens > before.prompt_tokens and stats.completion_tokens <= 12
