"""Line diffs shared by the TUI and the exports."""

from __future__ import annotations

import ast
import subprocess
import sys

from vibecode.store import diff as diff_module
from vibecode.store.diff import diff_counts, diff_hunks, diff_lines, diff_summary

OLD = "price = 2\nprint('Lemonade')\nprint(price)\n"
NEW = "price = 1\nprint('Lemonade')\nprint(price)\nprint('Cheap Friday!')\nprint('Bye')\n"


def test_diff_lines_tags_and_numbers():
    lines = diff_lines(OLD, NEW)
    assert [(d.tag, d.text) for d in lines] == [
        ("removed", "price = 2"),
        ("added", "price = 1"),
        ("same", "print('Lemonade')"),
        ("same", "print(price)"),
        ("added", "print('Cheap Friday!')"),
        ("added", "print('Bye')"),
    ]
    assert (lines[0].old_number, lines[0].new_number) == (1, None)
    assert (lines[1].old_number, lines[1].new_number) == (None, 1)
    assert (lines[3].old_number, lines[3].new_number) == (3, 3)
    assert (lines[5].old_number, lines[5].new_number) == (None, 5)


def test_summary_words():
    assert diff_summary(OLD, NEW) == "2 lines added, 1 changed"
    assert diff_summary(OLD, OLD) == "No changes"
    assert diff_summary("a\n", "a\nb\n") == "1 line added"
    assert diff_summary("a\nb\nc\n", "a\n") == "2 lines removed"
    assert diff_summary("a\nb\n", "x\n") == "1 line changed, 1 removed"
    assert diff_summary(None, "a\nb\nc\n") == "3 lines added"
    counts = diff_counts("a\nb\nc\n", "a\nB\nc\nd\n")
    assert (counts.added, counts.changed, counts.removed) == (1, 1, 0)


def test_trailing_newline_and_crlf_do_not_count():
    assert diff_summary("a\nb", "a\nb\n") == "No changes"
    assert diff_summary("a\r\nb\r\n", "a\nb\n") == "No changes"


def test_hunks_keep_only_context_around_changes():
    old = "\n".join(f"line {i}" for i in range(1, 31))
    new = old.replace("line 5\n", "line five\n").replace("line 25", "line twenty-five")
    hunks = diff_hunks(old, new, context=2)
    assert len(hunks) == 2
    assert [d.text for d in hunks[0]] == ["line 3", "line 4", "line 5", "line five", "line 6", "line 7"]
    assert hunks[1][0].text == "line 23" and hunks[1][-1].text == "line 27"
    assert diff_hunks(old, old) == []
    # changes close together share one hunk
    near = old.replace("line 5\n", "X\n").replace("line 8\n", "Y\n")
    assert len(diff_hunks(old, near, context=2)) == 1


def test_no_ui_imports():
    tree = ast.parse(open(diff_module.__file__, encoding="utf-8").read())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in {"textual", "rich"}}


def test_store_and_export_load_without_textual():
    """The CLI and exports must work without pulling in the UI toolkit."""
    code = (
        "import sys, vibecode.store.diff, vibecode.store.export, vibecode.settings;"
        "print(sorted(m for m in ('textual', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
