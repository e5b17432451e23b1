"""The worker process: cancel, abandoned answers, stop rules, the parent going away; plus import hygiene,
the installer, the scripted fake and open_backend's spec parsing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vibecode.lm import ChatMessage, EngineError, GenerateOptions, open_backend
from vibecode.lm.textstop import StopScanner, code_end

REPO = Path(__file__).resolve().parents[1]
COUNT = [ChatMessage("user", "Count from 1 to 500, one number per line. Do not stop early.")]


@pytest.mark.model
def test_cancel_interrupts_a_long_answer(tiny_backend):
    options = GenerateOptions(max_new_tokens=600, stop_at_code_end=False, repetition_penalty=1.0)
    got: list[str] = []
    for chunk in tiny_backend.stream(COUNT, options):
        got.append(chunk)
        if len(got) == 3:
            threading.Thread(target=tiny_backend.cancel).start()
    stats = tiny_backend.last_stats
    assert stats is not None and stats.cancelled
    assert stats.completion_tokens < 600
    # the worker is still usable after a cancel
    assert tiny_backend.complete(COUNT, GenerateOptions(max_new_tokens=5, stop_at_code_end=False))
    assert not tiny_backend.last_stats.cancelled


@pytest.mark.model
def test_leaving_a_stream_early_stops_the_worker(tiny_backend):
    stream = tiny_backend.stream(COUNT, GenerateOptions(max_new_tokens=600, stop_at_code_end=False))
    next(stream)
    stream.close()  # the caller walked away
    assert tiny_backend.last_stats is not None and tiny_backend.last_stats.completion_tokens < 600
    text = tiny_backend.complete(COUNT, GenerateOptions(max_new_tokens=6, stop_at_code_end=False))
    assert text and tiny_backend.last_stats.completion_tokens <= 6


@pytest.mark.model
def test_stop_string_cuts_the_answer(tiny_backend):
    full = tiny_backend.complete(COUNT, GenerateOptions(max_new_tokens=16, stop_at_code_end=False))
    marker = full.strip().split()[1] if len(full.split()) > 2 else full.strip()[-1]
    cut = tiny_backend.complete(COUNT, GenerateOptions(max_new_tokens=16, stop=[marker], stop_at_code_end=False))
    assert marker not in cut and full.startswith(cut)
    assert tiny_backend.last_stats.completion_tokens < 16


@pytest.mark.model
def test_unknown_model_folder_is_a_friendly_error(tmp_path):
    backend = open_backend(str(tmp_path / "no-such-model"))
    try:
        with pytest.raises(EngineError) as info:
            backend.prepare()
        assert "Traceback" not in str(info.value)
    finally:
        backend.close()


def test_worker_exits_when_its_parent_goes_away(tmp_path):
    """Closing stdin (what happens when the app dies) ends the worker."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vibecode.lm.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=env, text=True,
    )
    hello = json.loads(proc.stdout.readline())
    assert hello["event"] == "hello" and hello["pid"] == proc.pid
    proc.stdin.write(json.dumps({"op": "stats"}) + "\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["event"] == "stats"
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize("module", ["vibecode.lm", "vibecode.lm.base", "vibecode.lm.client"])
def test_ui_side_imports_do_not_load_torch(module):
    code = (
        f"import sys, {module}; from vibecode.lm import open_backend; open_backend('tiny'); "
        "open_backend('http://127.0.0.1:1/v1'); "
        "bad = [m for m in ('torch', 'transformers', 'textual') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_install_when_already_installed_is_quick_and_idempotent():
    out = subprocess.run(
        [sys.executable, "-m", "vibecode.lm.install", "--tiny"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "already installed" in out.stdout
    assert "pip" not in out.stdout.lower()


def test_install_rejects_unknown_model():
    out = subprocess.run(
        [sys.executable, "-m", "vibecode.lm.install", "--model", "gpt-99"], capture_output=True, text=True,
        cwd=REPO, timeout=60,
    )
    assert out.returncode != 0 and "unknown model" in out.stderr


def test_code_end_stops_after_first_python_block():
    text = "Here you go:\n```python\nprint('hi')\n```\nHave fun!"
    assert text[: code_end(text)] == "Here you go:\n```python\nprint('hi')\n```"
    assert code_end("```python\nprint('hi')\n") is None  # not closed yet
    shell_first = "```bash\npip install x\n```\n```python\nprint(1)\n```\nmore"
    assert shell_first[: code_end(shell_first)].endswith("print(1)\n```")


def test_stop_scanner_holds_back_a_possible_stop_string():
    scanner = StopScanner(["END"], stop_at_code_end=False)
    assert scanner.scan("abcEN").text == "abc" and not scanner.scan("abcEN").stop
    done = scanner.scan("abcEND more")
    assert done.stop and done.text == "abc"


def test_scripted_fake_replays_answers_in_chunks(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": ["```python\nprint('one')\n```\nextra", "two"], "delay": 0}))
    backend = open_backend(f"scripted:{answers}")
    backend.prepare()
    first = list(backend.stream([ChatMessage("user", "hi")]))
    assert len(first) > 1 and "".join(first) == "```python\nprint('one')\n```"
    assert backend.complete([ChatMessage("user", "again")]) == "two"
    assert backend.complete([ChatMessage("user", "and again")]) == "two"  # the last answer repeats
    assert backend.last_stats is not None and backend.last_stats.completion_tokens >= 1
    assert len(backend.calls) == 3


def test_scripted_fake_can_be_cancelled(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": ["x" * 600], "chunk_chars": 2, "delay": 0.001}))
    backend = open_backend(f"scripted:{answers}")
    got = []
    for chunk in backend.stream([ChatMessage("user", "hi")], GenerateOptions(stop_at_code_end=False)):
        got.append(chunk)
        if len(got) == 5:
            backend.cancel()
    assert len(got) == 5 and backend.last_stats.cancelled


def test_open_backend_reads_the_environment(monkeypatch, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text('["hello"]')
    monkeypatch.setenv("VIBECODE_MODEL", f"scripted:{answers}")
    assert open_backend().complete([ChatMessage("user", "hi")]) == "hello"
    monkeypatch.setenv("VIBECODE_MODEL", "http://10.0.0.5:8000/v1#coder")
    http = open_backend(None)
    assert http.location == "on the class server" and http.model == "coder" and http.port == 8000
    monkeypatch.delenv("VIBECODE_MODEL")
    local = open_backend()
    assert local.location == "on this computer" and "1.5B" in local.name


def test_model_info_command_lists_the_models():
    out = subprocess.run(
        [sys.executable, "-m", "vibecode", "model", "info"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0, out.stderr
    for key in ("tiny", "qwen-0.5b", "qwen-1.5b"):
        assert key in out.stdout
    assert "torch" not in out.stderr


@pytest.mark.model
def test_a_crashed_worker_is_restarted_on_the_next_answer(tiny_backend, session_cache_dir, tmp_path):
    from vibecode.lm.client import WorkerBackend

    backend = WorkerBackend("tiny", env={"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path)})
    try:
        backend.prepare()
        first_pid = backend.process.pid
        backend.process.kill()  # like the system running out of memory
        backend.process.wait()
        text = backend.complete(COUNT, GenerateOptions(max_new_tokens=3, stop_at_code_end=False))
        assert text and backend.process.pid != first_pid
    finally:
        backend.close()


@pytest.mark.model
def test_a_local_model_folder_loads_through_plain_transformers(tiny_float32_folder, tmp_path):
    """A teacher can name any transformers model folder; here: the tiny model's converted float32 folder."""
    folder = tiny_float32_folder
    backend = open_backend(folder)
    try:
        assert backend.location == "on this computer"
        text = backend.complete(COUNT, GenerateOptions(max_new_tokens=3, stop_at_code_end=False))
        info = backend.info()
        assert text and info["kind"] == "folder" and info["folder"] is None and info["precision"] == "float32"
    finally:
        process = backend.process
        backend.close()
    assert process.returncode == 0  # a clean goodbye, even with torch loaded
