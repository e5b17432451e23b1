"""Small checks of the UI parts: import hygiene (no torch in the UI process), Python colouring in
the editor, the words the screens use, the puzzle's checking."""

from __future__ import annotations

import json
import subprocess
import sys

from textual.app import App, ComposeResult

from vibecode.screens import words
from vibecode.screens.quiz import hint_for, is_right
from vibecode.widgets.code_view import CodeEditor, diff_text


def test_app_module_never_imports_torch_or_transformers():
    """Start the app module (and build the app object) in a fresh interpreter: no torch, no
    transformers in sys.modules, so start-up stays fast and light."""
    code = (
        "import sys, json\n"
        "from vibecode.app import VibecodeApp\n"
        "import vibecode.screens.build, vibecode.screens.home, vibecode.screens.model_jobs\n"
        "from vibecode.lm.scripted import ScriptedBackend\n"
        "app = VibecodeApp(backend=ScriptedBackend(['x']), warm_up=False)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))\n"
        "print(json.dumps(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_engine_pipeline_store_and_sandbox_never_import_textual():
    """The other direction: the parts the UI calls stay free of Textual (and of torch)."""
    code = (
        "import sys, json\n"
        "import vibecode.make.maker, vibecode.lm, vibecode.lm.client, vibecode.store.projects, sandbox\n"
        "import vibecode.screens.services, vibecode.screens.words\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch', 'transformers'))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def _count_calls(monkeypatch, owner: type, name: str) -> list[int]:
    """A list that grows by one each time ``owner.name`` is called (the method still runs)."""
    calls: list[int] = []
    method = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda self, *args, **kwargs: (calls.append(1), method(self, *args, **kwargs))[1])
    return calls


class EditorApp(App):
    def compose(self) -> ComposeResult:
        yield CodeEditor('# hi\nfor n in range(3):\n    print("n is", n)\n', id="code")


async def test_editor_colours_python():
    """tree-sitter highlighting is really on (without it TextArea silently shows plain text)."""
    app = EditorApp()
    async with app.run_test(size=(60, 10)):
        names = app.query_one(CodeEditor).highlight_names()
        assert {"repeat", "string", "comment", "number", "function.builtin"} <= names


class EditorAndBoxApp(App):
    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        yield Input(id="idea")
        yield CodeEditor("", id="code")


async def test_a_growing_program_moves_the_editors_scrollbar_without_laying_out_the_screen(monkeypatch):
    """While the model writes, each new line of code made the editor's virtual size change, and Textual
    laid out the whole screen for it (CPU taken from the model). Now only the editor's own scrollbar
    follows: its size is the program's length and the end stays reachable."""
    from textual.widget import Widget

    app = EditorAndBoxApp()
    async with app.run_test(size=(60, 12)) as pilot:
        editor = app.query_one(CodeEditor)
        editor.insert("".join(f"print({i})\n" for i in range(20)))
        await pilot.pause()
        assert editor.show_vertical_scrollbar
        layouts: list[str] = []
        refresh = Widget.refresh
        monkeypatch.setattr(Widget, "refresh", lambda self, *regions, layout=False, **kw: (
            layout and layouts.append(type(self).__name__), refresh(self, *regions, layout=layout, **kw))[1])
        for i in range(20, 40):
            editor.insert(f"print({i})\n", editor.document.end, maintain_selection_offset=False)
            editor.scroll_end(animate=False)
            await pilot.pause()
        assert "CodeEditor" not in layouts
        assert editor.virtual_size.height == 41
        assert editor.vertical_scrollbar.window_virtual_size == 41
        assert editor.scroll_y == editor.max_scroll_y > 0
        assert "print(39)" in "".join(str(line.text) for line in editor.render_lines(editor.size.region))


async def test_the_editor_cursor_blinks_only_with_the_focus(monkeypatch):
    """TextArea restarts its blink timer on any edit, so after the model wrote into the editor while the
    child's focus was in the idea box, the editor's cursor line was drawn twice a second from then on."""
    import asyncio

    ticks = _count_calls(monkeypatch, CodeEditor, "_toggle_cursor_blink_visible")
    app = EditorAndBoxApp()
    async with app.run_test(size=(60, 12)) as pilot:
        editor = app.query_one(CodeEditor)
        app.query_one("#idea").focus()
        await pilot.pause()
        editor.insert("print('the model wrote this')\n")
        await asyncio.sleep(1.3)
        assert ticks == [], "no blinking without the focus"
        editor.focus()
        await asyncio.sleep(1.3)
        assert ticks, "the focused editor's cursor still blinks"


def test_edit_summaries_say_what_changed():
    old = "a = 1\nprint(a)\n"
    assert words.summary_for_edit(old, old + "print(2)\n") == "You added 1 line yourself (line 3)"
    assert words.summary_for_edit(old, "a = 5\nprint(a)\n") == "You changed line 1 yourself"
    assert words.summary_for_edit(old, "print(a)\n").startswith("You removed 1 line yourself")


def test_split_answer_while_streaming():
    assert words.split_answer("Sure! Here it is") == ("Sure! Here it is", None)
    prose, code = words.split_answer("Sure!\n```python\nprint(1)\npri")
    assert prose == "Sure!" and code == "print(1)\npri"
    prose, code = words.split_answer("Sure!\n```python\nprint(1)\n```\nHave fun.")
    assert code == "print(1)\n" and prose.split() == ["Sure!", "Have", "fun."]


def test_diff_text_is_small():
    diff = diff_text("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 5\nc = 3\n")
    assert "-b = 2" in diff and "+b = 5" in diff and "---" not in diff


def test_puzzle_checks_kindly():
    assert is_right("hello ada", "Hello Ada!")
    assert is_right('"Lemonade: 2 dollars"', "Lemonade: 2 dollars")
    assert not is_right("goodbye", "Hello Ada!")
    assert not is_right("", "Hello")
    assert "line 1" in hint_for('print("hi")\n', "hi", 1)


class PanelApp(App):
    def compose(self) -> ComposeResult:
        from vibecode.widgets.run_panel import RunPanel

        yield RunPanel(id="run-panel")


async def test_a_flood_lays_out_only_the_lines_that_stay_on_screen():
    """A flooding program's output is cut to the last MAX_LINES lines before it reaches the log (laying out
    5,000 lines to keep 1,000 took 8 ms of every 50 ms tick), with a note that lines went by."""
    from vibecode.widgets.run_panel import MAX_LINES, OutputLog, RunPanel

    app = PanelApp()
    async with app.run_test(size=(80, 20)):
        panel = app.query_one(RunPanel)
        panel.feed("".join(f"{i}\n" for i in range(5000)))
        panel.feed("last words")
        panel.flush()
        lines = app.query_one(OutputLog).lines
        assert len(lines) <= MAX_LINES + 2
        assert "lots of lines went by too fast" in "\n".join(lines[:3])
        assert lines[-2:] == ["4999", "last words"]
        assert lines[-3] == "4998"


async def test_the_run_panel_ticks_only_while_it_has_output_to_write(monkeypatch):
    """Its 20-a-second flush timer sleeps while the panel is idle (the model writes changes then, on the same
    2 cores) and wakes for new output, which still reaches the log."""
    import asyncio

    from vibecode.widgets.run_panel import OutputLog, RunPanel

    ticks = _count_calls(monkeypatch, RunPanel, "flush")
    app = PanelApp()
    async with app.run_test(size=(80, 20)) as pilot:
        panel = app.query_one(RunPanel)
        await asyncio.sleep(0.5)
        assert len(ticks) <= 1, "no ticks while there is nothing to write"
        panel.feed("hello\n")
        await pilot.pause(0.3)
        assert app.query_one(OutputLog).lines[0] == "hello", "new output wakes the timer"
        woke = len(ticks)
        await asyncio.sleep(0.5)
        assert len(ticks) <= woke + 1, "asleep again once the output is written"
        panel.feed("again\n")
        await pilot.pause(0.3)
        assert app.query_one(OutputLog).lines[1] == "again"


class ChatApp(App):
    def compose(self) -> ComposeResult:
        from vibecode.widgets.chat import ChatPanel

        yield ChatPanel()


async def test_the_progress_line_is_laid_out_again_only_when_its_length_changes(monkeypatch):
    """The progress line changes with every look at the model (the spinner, the count); a new layout of the
    whole screen each time took CPU from the model. Same length: repainted only; the spinner still turns;
    the same answer text again: not even repainted."""
    from textual.widgets import Static

    from vibecode.widgets.chat import SPINNER, ChatPanel

    updates: list[tuple[str, bool]] = []
    update = Static.update
    monkeypatch.setattr(Static, "update", lambda self, content="", *, layout=True: (
        updates.append((self.id or "", layout)), update(self, content, layout=layout))[1])
    app = ChatApp()
    async with app.run_test(size=(80, 20)) as pilot:
        chat = app.query_one(ChatPanel)
        chat.start_stream("Writing your program...")
        updates.clear()
        for _ in range(5):
            chat.show_progress(12, "Writing")
        progress = [layout for who, layout in updates if who == "progress"]
        assert len(progress) == 5 and not any(progress), "the spinner turns without a new layout"
        shown = str(app.query_one("#progress", Static).render())
        assert shown[0] in SPINNER and "12 words so far" in shown
        chat.show_progress(123, "Writing")
        assert updates[-1] == ("progress", True), "a longer line may wrap: laid out again"
        updates.clear()
        chat.stream_text("Writing the code...")
        chat.stream_text("Writing the code...")
        chat.stream_text("Writing the code...")
        assert len([1 for who, _ in updates if who != "progress"]) == 1, "the same text is not drawn again"
        await pilot.pause()
