"""Exports: the .py file and the self-contained HTML story page."""

from __future__ import annotations

import html.parser
import os
import re

import pytest

from vibecode.store.export import (
    default_export_path,
    export_html,
    export_py,
    suggested_filename,
    write_export,
)
from vibecode.store.projects import ProjectStore, summary_for

EVIL = "<script>alert('hi')</script>"


@pytest.fixture
def store():
    s = ProjectStore()
    yield s
    s.close()


def _story(store: ProjectStore):
    p = store.create_project("Lemonade <b>stand</b>", owner="Mia & Co", idea="a lemonade stand " + EVIL)
    store.add_checkpoint(p.id, "price = 2\nprint('Lemonade')\n", summary_for("start", "a lemonade stand"), "start")
    store.add_checkpoint(
        p.id,
        f"price = 1\nprint('Lemonade')\nprint(\"{EVIL}\")\n",
        summary_for("ai", "make it cheaper " + EVIL),
        "ai",
    )
    store.add_checkpoint(p.id, "price = 5\nprint('Expensive')\n", None, "edit")
    store.undo(p.id)
    store.add_checkpoint(
        p.id, f"price = 1\nprint('Lemonade')\nprint(\"{EVIL}\")\nprint('Friday!')\n", summary_for("fix"), "fix"
    )
    store.add_message(p.id, "user", "make it cheaper " + EVIL)
    store.add_message(p.id, "assistant", "Done! </details><script>x()</script>")
    store.add_usage(p.id, 1200, 340, 12.5)
    return p


class _TagCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_export_py_has_header_and_program(store):
    p = store.create_project("Piggy bank", owner="Leo")
    cp = store.add_checkpoint(p.id, "coins = 0\nprint(coins)\n", None, "start")
    text = export_py(store.get(p.id), cp)
    lines = text.splitlines()
    assert lines[0] == "# Piggy bank"
    assert lines[1].startswith("# Made by Leo with vibecode on ")
    assert text.endswith("coins = 0\nprint(coins)\n")
    compile(text, "piggy.py", "exec")  # still a valid program
    shebang = store.add_checkpoint(p.id, "#!/usr/bin/env python3\nprint(1)\n", None, "edit")
    assert export_py(store.get(p.id), shebang).startswith("#!/usr/bin/env python3\n# Piggy bank\n")
    # a name with a newline cannot break out of the comment
    store.rename(p.id, "Bad\nname")
    assert export_py(store.get(p.id), cp).splitlines()[0] == "# Bad name"


def test_html_escapes_child_text_and_program(store):
    p = _story(store)
    page = export_html(store, p.id, output="Lemonade costs 1\n" + EVIL + "\x1b[31mred\x1b[0m")
    collector = _TagCollector()
    collector.feed(page)
    assert "script" not in collector.tags  # nothing became markup
    assert "b" not in collector.tags
    assert not any(name.startswith("on") for name, _ in collector.attrs)
    assert EVIL not in page and "<b>stand</b>" not in page
    assert "&lt;script&gt;" in page
    assert "Mia &amp; Co" in page
    assert "\x1b" not in page
    # self-contained: no links, no external resources, and scripts forbidden anyway
    assert not re.search(r"https?://", page)
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_tells_the_story_in_order(store):
    p = _story(store)
    page = export_html(store, p.id)
    steps = [page.index(f'id="step-{n}"') for n in (1, 2, 3, 4)]
    assert steps == sorted(steps)
    assert "You started: a lemonade stand" in page
    assert "You asked: make it cheaper &lt;script&gt;" in page
    assert "You changed the code" in page and "Help me fix it" in page
    assert "Later undone" in page  # step 3 was undone, and the page says so
    assert "Built on step 2" in page  # step 4 came after undoing step 3
    assert "1 line added, 1 changed" in page  # step 2's diff summary
    assert 'class="added"' in page and 'class="removed"' in page
    assert "Friday!" in page  # the final program, highlighted
    assert 'class="code"' in page
    assert "1,200 tokens" in page  # the model meter
    assert "2 messages" in page and "Done! &lt;/details&gt;" in page


def test_html_for_an_empty_project(store):
    p = store.create_project("Nothing yet")
    page = export_html(store, p.id)
    assert "There is no program yet." in page
    assert "How it was made" not in page


def test_write_export_and_file_names(store, vibecode_home):
    p = store.create_project("Lemonade stand!")
    assert suggested_filename(p, ".html") == "lemonade-stand.html"
    assert suggested_filename(store.create_project("???"), ".py") == "my-project.py"
    first = default_export_path(p, ".html")
    assert first.parent == vibecode_home / "exports"
    written = write_export(first, "<p>hello ✓</p>")
    assert written.read_text(encoding="utf-8") == "<p>hello ✓</p>"
    assert oct(os.stat(written).st_mode & 0o777) == oct(0o644)
    second = default_export_path(p, ".html")
    assert second != first and second.name == "lemonade-stand-2.html"
    write_export(first, "again")  # overwriting an explicit path works, leaves no temp files
    assert first.read_text() == "again"
    assert sorted(x.name for x in first.parent.iterdir()) == ["lemonade-stand.html"]
