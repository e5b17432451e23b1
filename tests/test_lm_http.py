"""The OpenAI-compatible HTTP backend against a REAL server on loopback: ``transformers serve`` running the
tiny model from the session's converted cache folder (offline)."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading

import pytest

from e2e.server_support import running_server
from vibecode.lm import ChatMessage, EngineError, GenerateOptions, open_backend
from vibecode.lm.http import UNREACHABLE, HttpBackend

pytestmark = pytest.mark.model

ASK = [ChatMessage("user", "Write a Python program that counts from 1 to 100, one number per line.")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_tiny(tiny_float32_folder, tmp_path_factory):
    """URL of `transformers serve` pinned to the tiny model's converted float32 folder."""
    port = _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(tmp_path_factory.mktemp("hf-cache")))
    code = "import sys; from transformers.cli.transformers import main; sys.argv[0] = 'transformers'; main()"
    command = [sys.executable, "-c", code, "serve", tiny_float32_folder, "--host", "127.0.0.1", "--port", str(port),
               "--device", "cpu"]
    url = f"http://127.0.0.1:{port}"
    with running_server(command, url + "/health", tmp_path_factory.mktemp("serve") / "serve.log",
                        ready=lambda body: json.loads(body).get("status") == "ok", timeout=240, env=env):
        yield url + "/v1"


def test_http_streams_from_real_server(served_tiny):
    backend = open_backend(served_tiny)
    assert isinstance(backend, HttpBackend) and backend.location == "on the class server"
    backend.prepare()
    chunks, counts = [], []
    for chunk in backend.stream(ASK, GenerateOptions(max_new_tokens=24, stop_at_code_end=False)):
        chunks.append(chunk)
        counts.append(backend.tokens_so_far)  # the live count the app shows ("words so far")
    assert len(chunks) > 1 and "".join(chunks).strip()
    stats = backend.last_stats
    assert stats is not None and not stats.cancelled
    assert stats.prompt_tokens > 5 and 1 <= stats.completion_tokens <= 24
    assert counts == sorted(counts) and 1 <= counts[0] and counts[-1] <= stats.completion_tokens


def test_http_cancel_closes_the_stream(served_tiny):
    backend = HttpBackend(served_tiny)
    got: list[str] = []
    for chunk in backend.stream(ASK, GenerateOptions(max_new_tokens=400, stop_at_code_end=False)):
        got.append(chunk)
        if len(got) == 3:
            threading.Thread(target=backend.cancel).start()
    assert backend.last_stats is not None and backend.last_stats.cancelled
    assert len(got) < 200
    # the server is still fine afterwards
    assert backend.complete(ASK, GenerateOptions(max_new_tokens=4, stop_at_code_end=False))


def test_http_wrong_model_name_is_a_friendly_error(served_tiny):
    backend = open_backend(served_tiny + "#no-such-model")
    with pytest.raises(EngineError) as info:
        backend.complete(ASK, GenerateOptions(max_new_tokens=4))
    assert "class computer" in str(info.value) and "HTTP 400" in (info.value.details or "")


def test_http_unreachable_server_says_ask_teacher():
    backend = open_backend(f"http://127.0.0.1:{_free_port()}/v1")
    with pytest.raises(EngineError) as info:
        backend.prepare()
    assert str(info.value) == UNREACHABLE
    with pytest.raises(EngineError) as info:
        backend.complete(ASK)
    assert str(info.value) == UNREACHABLE
