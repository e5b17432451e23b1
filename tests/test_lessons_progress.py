"""Progress is saved in the real SQLite database and exported; several machines merge by name."""

from __future__ import annotations

import csv
import io

from vibecode.lessons.progress import ProgressStore
from vibecode.lessons.report import build_report, merge, read_database, to_csv, to_html
from vibecode.store.db import connect, default_db_path


def fill(store: ProgressStore, child: str, *, hints: int, done_steps: int, seconds: float) -> None:
    store.start(child, "01-lemonade-stand", 0, title="My first lemonade stand", steps_total=4)
    store.hint_used(child, "01-lemonade-stand", 0, hints)
    store.check_tried(child, "01-lemonade-stand", 0, passed=False, failed_check="Check 1: a good day", program="x = 1")
    for step in range(done_steps):
        store.check_tried(child, "01-lemonade-stand", step, passed=True, program="def profit(): ...")
    store.add_time(child, "01-lemonade-stand", 0, seconds)


def test_progress_is_saved_and_read_back():
    store = ProgressStore()
    fill(store, "Ana", hints=2, done_steps=2, seconds=90)
    store.hint_used("Ana", "01-lemonade-stand", 0, 1)  # showing hint 1 again doesn't lower the count
    again = ProgressStore(connect())  # a new connection: it really is in the file
    progress = again.lesson("Ana", "01-lemonade-stand")
    assert progress.steps_total == 4 and progress.lesson_title == "My first lemonade stand"
    assert progress.steps_done == 2 and progress.hints_used == 2
    assert progress.checks_tried == 3 and progress.seconds == 90
    assert progress.first_open_step() == 2 and not progress.finished
    assert progress.steps[0].last_failed == ""  # passed after failing


def test_report_merges_machines_by_child_name(tmp_path):
    room = []
    for machine, (name, hints, done, seconds) in enumerate([("Ana", 1, 1, 60), ("ana ", 3, 2, 120), ("Ben", 0, 4, 600)]):
        path = tmp_path / f"pc{machine}.sqlite3"
        fill(ProgressStore(connect(path)), name, hints=hints, done_steps=done, seconds=seconds)
        room.append(path)
    rows = build_report(room)
    by_child = {row.child.casefold(): row for row in rows}
    assert set(by_child) == {"ana", "ben"}
    ana = by_child["ana"]
    assert ana.steps_done == 2 and ana.steps_total == 4
    assert ana.checks_tried == (1 + 1) + (1 + 2)
    assert ana.minutes == 3 and ana.hints_used == 3
    assert by_child["ben"].finished

    table = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [r["child"] for r in table] == ["Ana", "Ben"]
    assert table[1]["finished"] == "yes" and table[0]["steps_done"] == "2"
    page = to_html(rows)
    assert "<table>" in page and "My first lemonade stand" in page and ">2/4<" in page and ">4/4<" in page


def test_report_of_a_database_without_lessons_is_empty(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    connect(path).close()
    assert read_database(path) == []
    assert merge([[]]) == []


def test_report_command_writes_csv_and_html(tmp_path, capsys):
    from vibecode.cli import main

    fill(ProgressStore(), "Cleo", hints=1, done_steps=1, seconds=30)
    assert default_db_path().is_file()
    out_csv, out_html = tmp_path / "class.csv", tmp_path / "class.html"
    assert main(["report", "--csv", str(out_csv), "--html", str(out_html)]) == 0
    printed = capsys.readouterr().out
    assert "Cleo" in printed and "My first lemonade stand" in printed
    assert "Cleo" in out_csv.read_text() and "Cleo" in out_html.read_text()
    assert main(["report", str(tmp_path / "missing.sqlite3")]) == 1
