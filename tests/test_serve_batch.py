"""vibecode's own class model server, for real: the REAL tiny model (SmolLM2-135M) on its quantized weights
and vibecode's kernels, the continuous-batching loop, and the OpenAI-compatible server in its own process,
asked by the app's own HttpBackend.

The promise checked here: a child's greedy answer is the same text whether the child asks alone, together
with others (joining and leaving mid-answer, prompts of very different lengths: nothing is padded, each
answer attends only to its own cache), or on their own computer's engine; a sampled answer with a seed is
the same too; and a child who goes away stops costing the class anything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from e2e.server_support import running_server
from vibecode.lm.base import ChatMessage, GenerateOptions
from vibecode.lm.http import HttpBackend
from vibecode.serve.engine import free_port

pytestmark = [pytest.mark.model, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SYSTEM = ChatMessage("system", "You write short Python programs for children.")
# Very different prompt lengths on purpose: a padded batch would change the short ones' numbers.
ASKS = [
    ("Say hello in Python.", GenerateOptions(max_new_tokens=40, stop_at_code_end=False)),
    ("Make a lemonade stand game where I pick the price of a cup, the weather changes every day, and the "
     "game tells me how many cups I sold and how much money I made after five days. Use input() and keep it "
     "short.", GenerateOptions(max_new_tokens=60)),
    ("A quiz about cats.", GenerateOptions(max_new_tokens=50, temperature=0.8, top_p=0.9, seed=11,
                                           stop_at_code_end=False)),
    ("Count to five.", GenerateOptions(max_new_tokens=30, stop=["5"], stop_at_code_end=False)),
]


def _messages(idea: str) -> list[ChatMessage]:
    return [SYSTEM, ChatMessage("user", idea)]


@pytest.fixture(scope="module")
def quantized_folder(tiny_backend) -> str:
    info = tiny_backend.info()
    if info["precision"] != "quantized":
        pytest.skip(f"vibecode's kernels do not run here ({info.get('precision_reason')})")
    return info["folder"]


def test_batched_answers_are_the_single_child_engines_answers(quantized_folder):
    """In one process: the local engine's answers first (vibecode.lm.lean's model, as on a child's
    computer), then the same asks through the batcher at once (transformers' class, as the class server
    loads it), each joining a little after the one before (so answers join and leave between steps)."""
    from vibecode.lm.engine import LocalModel
    from vibecode.serve.batcher import LENGTH, STOP, Batcher
    from vibecode.serve.model_server import ModelServer

    model = LocalModel(quantized_folder)
    model.load()
    alone = []
    for idea, options in ASKS:
        pieces: list[str] = []
        model.generate(_messages(idea), options, threading.Event(), lambda chunk, _tokens: pieces.append(chunk))
        alone.append("".join(pieces))

    served = LocalModel(quantized_folder, lean=False)
    served.load()
    batcher = Batcher(served.model, served.tokenizer, served._eos_ids(), max_batch=8)
    batcher.start()
    server = ModelServer(batcher, "tiny")
    texts: list[list[str]] = [[] for _ in ASKS]
    ends: list = [None] * len(ASKS)
    try:
        for i, (idea, options) in enumerate(ASKS):
            def listener(event, i=i):
                texts[i].append(event.text)
                if event.finish:
                    ends[i] = event
            batcher.submit(server.encode([m.to_dict() for m in _messages(idea)]), options, listener)
            time.sleep(0.3)
        deadline = time.monotonic() + 300
        while any(end is None for end in ends) and time.monotonic() < deadline:
            time.sleep(0.05)
        stats = batcher.stats()
    finally:
        batcher.stop()
    assert all(end is not None for end in ends), "every answer ends"
    for (idea, options), text, want, end in zip(ASKS, texts, alone, ends):
        assert "".join(text) == want, f"batched answer differs for {idea!r}"
        assert end.finish in (STOP, LENGTH) and 1 <= end.completion_tokens <= options.max_new_tokens
        assert (end.finish == LENGTH) == (end.completion_tokens == options.max_new_tokens) or end.finish == STOP
    assert stats.mean_batch > 1.5, "the answers really shared steps"
    assert stats.finished == len(ASKS) and stats.failed == 0
    # every ask after the first started from the keys and values of the system prompt the one before read,
    # and still wrote exactly what the child's own engine wrote
    system_tokens = len(server.encode([SYSTEM.to_dict()]))
    assert stats.remembered >= (len(ASKS) - 1) * (system_tokens - 5)


@pytest.fixture(scope="module")
def class_server(quantized_folder, tmp_path_factory):
    """``python -m vibecode.serve.model_server`` on the tiny model, as ``vibecode serve`` starts it."""
    port = free_port()
    command = [sys.executable, "-m", "vibecode.serve.model_server", "--folder", quantized_folder, "--port", str(port),
               "--max-batch", "4"]
    url = f"http://127.0.0.1:{port}"
    with running_server(command, url + "/health", tmp_path_factory.mktemp("model-server") / "server.log",
                        ready=lambda body: True, timeout=180, cwd=REPO):
        yield url


def _status(url: str) -> dict:
    with urllib.request.urlopen(url + "/status", timeout=10) as reply:
        return json.loads(reply.read())["batch"]


def test_server_streams_an_answer_in_openai_events(class_server):
    body = {"messages": [m.to_dict() for m in _messages("Say hi.")], "stream": True, "max_tokens": 20,
            "temperature": 0}
    request = urllib.request.Request(class_server + "/v1/chat/completions", json.dumps(body).encode(),
                                     {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")
        events = [line[5:].strip() for line in reply.read().decode().splitlines() if line.startswith("data:")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.strip() and len(chunks) > 3
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")
    assert 1 <= chunks[-1]["usage"]["completion_tokens"] <= 20


def test_same_text_alone_together_and_on_the_childs_own_computer(class_server, tiny_backend):
    asks = [ASKS[0], ASKS[1]]
    own = [tiny_backend.complete(_messages(idea), options) for idea, options in asks]
    alone = [HttpBackend(class_server + "/v1").complete(_messages(idea), options) for idea, options in asks]
    together: list[str | None] = [None, None]

    def ask(i: int) -> None:
        idea, options = asks[i]
        together[i] = HttpBackend(class_server + "/v1").complete(_messages(idea), options)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(asks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert alone == own, "the class server answers what the child's own engine answers"
    assert together == alone, "answering together changes nothing"


def _ask_raw(url: str, header: dict | None) -> tuple[str, dict]:
    body = {"messages": [{"role": "user", "content": "Write a python program that says hi"}], "max_tokens": 120}
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["X-Vibecode-Options"] = json.dumps(header)
    request = urllib.request.Request(url + "/v1/chat/completions", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=120) as reply:
        answer = json.loads(reply.read())
    return answer["choices"][0]["message"]["content"], answer["usage"]


def test_the_server_itself_stops_after_the_code_block_when_vibecode_asks(class_server):
    text, usage = _ask_raw(class_server, {"stop_at_code_end": True, "repetition_penalty": 1.1})
    assert text.rstrip().endswith("```") and text.count("```") == 2
    longer, longer_usage = _ask_raw(class_server, {"repetition_penalty": 1.1})  # plain OpenAI: no such rule
    assert longer.startswith(text) and longer_usage["completion_tokens"] > usage["completion_tokens"]


def test_a_child_who_leaves_stops_costing_anything(class_server):
    before = _status(class_server)
    backend = HttpBackend(class_server + "/v1")
    got: list[str] = []
    for chunk in backend.stream(_messages("Write a very long story."),
                                GenerateOptions(max_new_tokens=2000, stop_at_code_end=False)):
        got.append(chunk)
        if len(got) == 3:
            threading.Thread(target=backend.cancel).start()
    assert backend.last_stats is not None and backend.last_stats.cancelled
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = _status(class_server)
        if status["cancelled"] > before["cancelled"] and status["active"] == 0:
            break
        time.sleep(0.1)
    assert status["cancelled"] == before["cancelled"] + 1 and status["active"] == 0
    tokens = status["tokens"]
    time.sleep(1.0)
    assert _status(class_server)["tokens"] == tokens, "no more work on the answer of a child who left"
    assert status["tokens"] - before["tokens"] < 200


def _model_servers() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "vibecode.serve.model_server" in (proc.info["cmdline"] or []) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            pass
    return found


@pytest.mark.parametrize("how", ["ctrl-c", "killed"])
def test_vibecode_serve_leaves_no_model_server_behind(quantized_folder, how):
    """The real command with the real engine: Ctrl+C (or SIGKILL, when no clean-up code runs) ends the
    model server too."""
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "vibecode", "serve", "--port", str(port), "--model", "tiny"],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            mine = [p for p in _model_servers() if serve.pid in [a.pid for a in p.parents()]]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                pass
            assert serve.poll() is None and time.monotonic() < deadline, serve.stdout.read()
            time.sleep(0.3)
        assert len(mine) == 1, "vibecode serve started its own model server"
        server_pid = mine[0].pid
        if how == "ctrl-c":
            serve.send_signal(signal.SIGINT)
            assert serve.wait(timeout=60) == 0
            output = serve.stdout.read()
            assert "vibecode's engine" in output and "Stopped" in output
        else:
            os.kill(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)
        deadline = time.monotonic() + 10
        while psutil.pid_exists(server_pid) and psutil.Process(server_pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the model server outlived vibecode serve"
            time.sleep(0.1)
    finally:
        if serve.poll() is None:
            serve.kill()
