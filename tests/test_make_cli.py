"""``vibecode make`` and ``vibecode bench ideas``: exit codes and messages. The model is the
engine's ScriptedBackend, a FAKE that replays canned answers from a JSON file."""

from __future__ import annotations

import json
import subprocess
import sys

from vibecode.cli import main

F = "```"
GOOD = f"This program counts to three.\n{F}python\nfor n in range(1, 4):\n    print(n)\n{F}"


def scripted(tmp_path, *answers: str) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": list(answers), "delay": 0}), encoding="utf-8")
    return f"scripted:{path}"


def test_empty_idea_is_a_friendly_message_and_non_zero(capsys):
    assert main(["make", ""]) == 1
    err = capsys.readouterr().err
    assert "idea" in err and "Traceback" not in err


def test_empty_idea_through_the_real_command_line():
    done = subprocess.run([sys.executable, "-m", "vibecode", "make", "   "], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "idea" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_make_writes_the_program_with_o(tmp_path, capsys):
    out = tmp_path / "count.py"
    code = main(["make", "count to three", "-o", str(out), "--model", scripted(tmp_path, GOOD)])
    assert code == 0
    assert out.read_text() == "for n in range(1, 4):\n    print(n)\n"
    err = capsys.readouterr().err
    assert "counts to three" in err and str(out) in err


def test_make_prints_the_program_without_o(tmp_path, capsys):
    assert main(["make", "count to three", "--model", scripted(tmp_path, GOOD)]) == 0
    assert capsys.readouterr().out == "for n in range(1, 4):\n    print(n)\n"


def test_make_change_reads_the_old_program(tmp_path, capsys):
    old = tmp_path / "old.py"
    old.write_text("for n in range(1, 4):\n    print(n)\n")
    grown = f"{F}python\nfor n in range(1, 4):\n    print(n)\nprint('Go!')\n{F}"
    assert main(["make", "also say go", "--change", str(old), "--model", scripted(tmp_path, grown)]) == 0
    assert capsys.readouterr().out.endswith("print('Go!')\n")


def test_make_missing_change_file(tmp_path, capsys):
    assert main(["make", "also say go", "--change", str(tmp_path / "nope.py")]) == 1
    assert "couldn't open" in capsys.readouterr().err


def test_no_program_could_be_made_is_non_zero(tmp_path, capsys):
    assert main(["make", "count to three", "--model", scripted(tmp_path, "I like turtles.")]) == 1
    err = capsys.readouterr().err
    assert "program" in err and "Traceback" not in err


def test_bench_ideas_prints_per_idea_and_totals(tmp_path, capsys):
    ideas = tmp_path / "ideas.jsonl"
    rows = [
        {"id": "count", "idea": "count to three", "stdin": [], "output_matches": "3"},
        {"id": "nope", "idea": "count to ten", "stdin": [], "output_matches": "10"},
    ]
    ideas.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = tmp_path / "report.json"
    code = main(["bench", "ideas", str(ideas), "--model", scripted(tmp_path, GOOD), "--json", str(report)])
    assert code == 0
    out = capsys.readouterr().out
    assert "count" in out and "nope" in out
    assert "parsed 100%" in out and "ran without error 100%" in out and "output matched 50%" in out
    data = json.loads(report.read_text())
    assert [i["matched"] for i in data["ideas"]] == [True, False]
    assert [i["rounds"] for i in data["ideas"]] == [0, 0]  # both ran fine at once; the pattern is the bench's business

