"""The runner's interface for the app: scripted runs, the interactive asyncio API, results and policy.

These run the real sandbox (as whoever runs the tests); the hostile corpus under an unprivileged
user is in test_sandbox_corpus.py.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading

import pytest

import sandbox
from sandbox import Finished, InputWanted, Limits, OutputEvent, Verdict, run_program, start_run
from sandbox.probe import Protections

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs the Linux protections")
# On a Linux without Landlock or seccomp the runner refuses to run at all (tested below), so
# tests that need a program to actually run are skipped there, with the reason the probe gives.
_PROBE = sandbox.probe()
pytestmark = pytest.mark.skipif(
    sys.platform.startswith("linux") and not _PROBE.protected,
    reason="this Linux lacks Landlock or seccomp, so the runner refuses to run programs: " + " ".join(_PROBE.missing),
)


def test_scripted_input_is_fed_as_asked_and_echoed() -> None:
    result = run_program("a = input('First? ')\nb = input('Second? ')\nprint(a + b)\n", ["3", "4"])
    assert result.ok, result.message
    assert result.output == "First? 3\nSecond? 4\n34\n"
    assert result.stdout == "First? Second? 34\n"
    assert result.exit_code == 0 and not result.ran_out_of_input


def test_running_out_of_input_is_reported() -> None:
    result = run_program("a = input('First? ')\nb = input('Second? ')\n", ["1"])
    assert result.verdict is Verdict.NEEDED_INPUT
    assert result.ran_out_of_input
    assert result.error_type == "EOFError"


def test_mistake_has_trimmed_traceback_and_line() -> None:
    result = run_program("def f(x):\n    return 10 / x\n\nprint(f(0))\n")
    assert result.verdict is Verdict.MISTAKE
    assert result.error_line == 2 and result.error_type == "ZeroDivisionError"
    assert result.error_message == "division by zero"
    assert 'File "main.py", line 4' in result.traceback and 'File "main.py", line 2' in result.traceback
    assert "_boot" not in result.traceback and "sandbox" not in result.traceback
    assert "line 2" in result.message and "divide by zero" in result.message


def test_syntax_error_points_at_the_line() -> None:
    result = run_program("print('hi')\nif True\n    print('x')\n")
    assert result.verdict is Verdict.SYNTAX_ERROR
    assert result.error_line == 2
    assert result.output == ""


def test_files_are_read_back_and_project_files_are_there() -> None:
    source = "import shop\nopen('notes.txt', 'w').write(shop.greeting())\nprint(open('data/prices.txt').read())\n"
    result = run_program(source, project_files={"shop.py": "def greeting():\n    return 'hi'\n",
                                                "data/prices.txt": b"lemonade 2"})
    assert result.ok, result.message
    assert result.output == "lemonade 2\n"
    assert result.files["notes.txt"] == b"hi"
    assert "main.py" not in result.files


def test_bad_project_file_name_is_refused() -> None:
    result = run_program("print(1)\n", project_files={"../escape.py": "x"})
    assert result.verdict is Verdict.MISTAKE
    assert "name" in result.message


def test_output_cap_truncates_and_stops() -> None:
    result = run_program("while True:\n    print('x' * 99)\n", limits=Limits(output_bytes=5000))
    assert result.verdict is Verdict.TOO_MUCH_OUTPUT
    assert result.truncated and result.output_bytes == 5000
    assert len(result.output) <= 5000


def test_measurements_are_filled_in() -> None:
    result = run_program("x = bytearray(150 * 1024 * 1024)\ns = sum(range(200000))\nprint('done')\n")
    assert result.ok, result.message
    assert result.peak_memory_mb >= 150
    assert result.cpu_seconds > 0 and result.wall_seconds > 0
    assert result.output_bytes == len("done\n")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["verdict"] == "ok" and data["ok"] is True


@linux_only
def test_protections_are_reported_with_the_result() -> None:
    result = run_program("print(1)\n")
    assert result.protections == sandbox.probe().summary()
    assert result.warning is None


async def test_run_program_works_inside_a_running_loop_and_in_threads() -> None:
    """The pipeline and lessons call run_program from worker threads and from async code."""
    direct = run_program("print('direct')\n")
    in_thread = await asyncio.to_thread(run_program, "print('thread')\n")
    results: list = []
    workers = [threading.Thread(target=lambda i=i: results.append(run_program(f"print({i})\n"))) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert direct.output == "direct\n" and in_thread.output == "thread\n"
    assert sorted(r.output for r in results) == ["0\n", "1\n", "2\n"]


async def test_interactive_run_streams_and_takes_input() -> None:
    run = await start_run("name = input('Name? ')\nprint('Hello', name)\nprint('bye')\n")
    seen: list = []
    async for event in run.events():
        seen.append(event)
        if isinstance(event, InputWanted):
            assert event.prompt == "Name? "
            await run.send_input("Ana")
    result = await run.wait()
    assert result.ok, result.message
    kinds = [type(e).__name__ for e in seen]
    # the prompt is shown before the program asks, and the result comes last
    assert kinds.index("OutputEvent") < kinds.index("InputWanted") < len(kinds) - 1
    assert isinstance(seen[-1], Finished)
    texts = "".join(e.text for e in seen if isinstance(e, OutputEvent))
    assert texts == "Name? Ana\nHello Ana\nbye\n"
    assert any(isinstance(e, OutputEvent) and e.stream == "input" for e in seen)


async def test_waiting_for_typing_does_not_count_on_the_wall_clock() -> None:
    """A slow typist is not an infinite loop: 3 s of waiting with a 2 s wall clock is fine."""
    run = await start_run("x = input('? ')\nprint('got', x)\n", limits=Limits(wall_seconds=2.0))
    async for event in run.events():
        if isinstance(event, InputWanted):
            await asyncio.sleep(3.0)
            await run.send_input("late")
    result = await run.wait()
    assert result.verdict is Verdict.OK, result.message
    assert "got late" in result.output
    assert result.wall_seconds >= 3.0


async def test_waiting_forever_ends_with_needed_input() -> None:
    run = await start_run("input('? ')\n", limits=Limits(input_wait_seconds=0.5))
    result = await asyncio.wait_for(run.wait(), timeout=30)
    assert result.verdict is Verdict.NEEDED_INPUT


async def test_close_input_gives_end_of_file() -> None:
    run = await start_run("print(input('? '))\n")
    async for event in run.events():
        if isinstance(event, InputWanted):
            await run.close_input()
    result = await run.wait()
    assert result.verdict is Verdict.NEEDED_INPUT and result.ran_out_of_input


async def test_stop_ends_a_run_at_once() -> None:
    run = await start_run("print('go')\nwhile True:\n    pass\n", limits=Limits(wall_seconds=60, cpu_seconds=60))
    async for event in run.events():
        if isinstance(event, OutputEvent):
            await run.stop()
            break
    result = await asyncio.wait_for(run.wait(), timeout=30)
    assert result.verdict is Verdict.STOPPED
    assert result.message == sandbox.MESSAGES[Verdict.STOPPED]


async def test_typeahead_before_the_program_asks() -> None:
    run = await start_run("import time\ntime.sleep(0.2)\nprint(input() + input())\n")
    await run.send_input("ab")
    await run.send_input("cd")
    result = await asyncio.wait_for(run.wait(), timeout=30)
    assert result.ok, result.message
    assert result.stdout == "abcd\n"


def _unprotected_linux() -> Protections:
    return Protections(platform="linux", time=True, memory=True, files=False, internet=False, other_programs=False,
                       missing=("Files are not protected: this Linux has no Landlock.",))


def test_linux_without_protection_refuses_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox import runner

    monkeypatch.setattr(runner, "probe", _unprotected_linux)
    refused = run_program("print('ran')\n")
    assert refused.verdict is Verdict.NOT_PROTECTED
    assert refused.output == "" and "Landlock" in refused.message
    allowed = run_program("print('ran')\n", allow_unprotected=True)
    assert allowed.ok and allowed.output == "ran\n"
    assert allowed.warning and "not fully protected" in allowed.warning


def test_thread_watcher_used_on_windows_also_works_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows cannot poll pipes or pass a control pipe; its thread-based watcher is exercised here."""
    from sandbox import runner

    monkeypatch.setattr(runner, "IS_POSIX", False)
    result = run_program("a = input('a? ')\nprint('got', a)\nprint(1 / 0)\n", ["7"])
    assert result.output.startswith("7\n") or "got 7" in result.output
    assert "got 7" in result.stdout
    assert result.verdict is Verdict.MISTAKE  # read from the printed error, no control pipe
    assert result.error_type == "ZeroDivisionError" and result.error_line == 3
    flood = run_program("while True:\n    print('x' * 50)\n", limits=Limits(output_bytes=3000))
    assert flood.verdict is Verdict.TOO_MUCH_OUTPUT and flood.output_bytes == 3000
    slow = run_program("import time\ntime.sleep(30)\n", limits=Limits(wall_seconds=0.5))
    assert slow.verdict is Verdict.TOO_LONG
