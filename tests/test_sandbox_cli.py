"""``python -m sandbox run|probe|bench`` and ``vibecode run``: output, verdict on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _protected_or_not_linux() -> bool:
    import sandbox

    return not sys.platform.startswith("linux") or sandbox.probe().protected


runs_programs = pytest.mark.skipif(not _protected_or_not_linux(),
                                   reason="this Linux lacks Landlock or seccomp, so the runner refuses to run")


def _sandbox(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=120)


@runs_programs
def test_run_with_input_file_and_json(tmp_path: Path) -> None:
    prog = tmp_path / "kid.py"
    prog.write_text("n = input('Name? ')\nprint('Hi', n)\n")
    lines = tmp_path / "in.txt"
    lines.write_text("Ana\n")
    done = _sandbox("run", str(prog), "--input", str(lines), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["verdict"] == "ok" and data["output"] == "Name? Ana\nHi Ana\n"


@runs_programs
def test_run_passes_its_own_stdin_through(tmp_path: Path) -> None:
    prog = tmp_path / "kid.py"
    prog.write_text("a = int(input('a? '))\nb = int(input('b? '))\nprint(a * b)\n")
    done = _sandbox("run", str(prog), stdin="6\n7\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "a? 6\nb? 7\n42\n"
    assert "finished" in done.stderr


@runs_programs
def test_mistake_gives_friendly_words_and_the_exit_status(tmp_path: Path) -> None:
    prog = tmp_path / "kid.py"
    prog.write_text("import os\nprint('start')\nprint(1 / 0)\n")
    done = _sandbox("run", str(prog))
    assert done.returncode == 1
    assert done.stdout == "start\n"
    assert 'File "main.py", line 3' in done.stderr
    assert "line 3" in done.stderr and "divide by zero" in done.stderr
    assert "Note: Line 1 uses \"os\"" in done.stderr  # the teaching lint, before the run


@runs_programs
def test_timeout_option(tmp_path: Path) -> None:
    prog = tmp_path / "kid.py"
    prog.write_text("import time\ntime.sleep(60)\n")
    done = _sandbox("run", str(prog), "--timeout", "0.5", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] == "too_long"


def test_probe_prints_the_short_list() -> None:
    done = _sandbox("probe")
    assert done.stdout.startswith("Safety: time ✓ memory")
    assert "other programs" in done.stdout


@runs_programs
def test_bench_prints_the_overhead() -> None:
    done = _sandbox("bench", "--runs", "3")
    assert done.returncode == 0, done.stderr
    assert "overhead per run" in done.stdout


@runs_programs
def test_vibecode_run_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vibecode.cli import main

    prog = tmp_path / "kid.py"
    prog.write_text("print('lemonade', int(input()) * 2)\nimport sys\nsys.exit(int(input()))\n")
    lines = tmp_path / "in.txt"
    lines.write_text("3\n4\n")
    code = main(["run", str(prog), "--input", str(lines)])
    out, err = capsys.readouterr()
    assert code == 4
    assert "lemonade 6" in out
    assert "exit code 4" in err
