"""The run panel: the program's output, an answer line when it asks a question, and the verdict.

Output is buffered and written on a timer (at most every 50 ms, at most 32 KB at a time) so a
program that prints forever cannot make the app lag: the sandbox caps the total, this caps the rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.geometry import Size
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Log, Static

FLUSH_SECONDS = 0.05
MAX_WRITE_CHARS = 32_000
MAX_LINES = 1_000


class OutputLog(Log):
    """A Log that adds many lines with one repaint. (``Log.write`` repaints once per line: 6,000
    short lines took 0.7 s there, which froze the app while a program printed in a loop.)"""

    def append(self, data: str) -> None:
        if not data:
            return
        if not self._lines:
            self._lines.append("")
        first = len(self._lines) - 1
        parts = data.split("\n")
        self._lines[-1] += parts[0]
        self._lines.extend(parts[1:])
        changed = self._lines[first:]
        self._width = max(self._width, max(cell_len(self._process_line(line)) for line in changed))
        if self.max_lines is not None and len(self._lines) > self.max_lines:
            self._prune_max_lines()
            self._render_line_cache.clear()
            self.virtual_size = Size(self._width, self.line_count)
            self.refresh()
        else:
            self.virtual_size = Size(self._width, self.line_count)
            self.refresh_lines(first, len(self._lines) - first)
        if self.auto_scroll:
            self.scroll_end(animate=False, immediate=True, x_axis=False)


class RunPanel(Vertical):
    """Shows one run of the program at a time."""

    @dataclass
    class AnswerGiven(Message):
        """The child typed an answer for the program's input()."""

        text: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pending: list[str] = []
        self._pending_chars = 0
        self._skipped_chars = 0
        self._flush_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield OutputLog(id="output", max_lines=MAX_LINES, auto_scroll=True)
        with Horizontal(id="ask"):
            yield Label("", id="ask-prompt")
            yield Input(placeholder="Type your answer and press Enter", id="stdin")
        yield Static("Press F5 to run your program.", id="verdict")
        with Horizontal(id="run-buttons"):
            yield Button("▶ Run (F5)", id="run", variant="success")
            yield Button("■ Stop (^T)", id="stop", variant="error", disabled=True)
            yield Button("Help me fix it (^F)", id="fix", variant="warning", classes="hidden")

    def on_mount(self) -> None:
        self.query_one("#ask").display = False
        # paused while there is nothing to write: a timer ticking 20 times a second for nothing takes CPU from
        # the model, which writes changes while the panel is idle
        self._flush_timer = self.set_interval(FLUSH_SECONDS, self.flush, pause=True)

    # -- output -------------------------------------------------------------------------------
    def start(self) -> None:
        """A new run: clear the old output and show that it is running."""
        self._pending.clear()
        self._pending_chars = self._skipped_chars = 0
        self.query_one("#output", Log).clear()
        self.set_verdict("Running... (Ctrl+T stops it)", "running")
        self.query_one("#run", Button).disabled = True
        self.query_one("#stop", Button).disabled = False
        self.show_fix(False)

    def feed(self, text: str) -> None:
        """Queue program output; it is written on the next tick."""
        if not self._pending and self._flush_timer is not None:
            self._flush_timer.resume()
        self._pending.append(text)
        self._pending_chars += len(text)
        while self._pending_chars > MAX_WRITE_CHARS * 4 and len(self._pending) > 1:
            dropped = self._pending.pop(0)  # far behind: keep the newest output only
            self._pending_chars -= len(dropped)
            self._skipped_chars += len(dropped)

    def flush(self) -> None:
        """Write queued output to the screen (called by the timer, and at the end of a run)."""
        if not self._pending:
            if self._flush_timer is not None:
                self._flush_timer.pause()
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._pending_chars = 0
        log = self.query_one("#output", OutputLog)
        if len(text) > MAX_WRITE_CHARS:
            self._skipped_chars += len(text) - MAX_WRITE_CHARS
            text = text[-MAX_WRITE_CHARS:]
        keep = MAX_LINES - 3  # only the last lines can stay on screen (with the note): don't lay out the rest
        if text.count("\n") > keep:
            cut = len(text)
            for _ in range(keep):
                cut = text.rfind("\n", 0, cut)
            self._skipped_chars += cut + 1
            text = text[cut + 1 :]
        if self._skipped_chars:
            text = "\n... (lots of lines went by too fast to show) ...\n" + text
            self._skipped_chars = 0
        log.append(text)

    @property
    def output_text(self) -> str:
        self.flush()
        return "\n".join(self.query_one("#output", Log).lines)

    # -- asking for input ---------------------------------------------------------------------
    def ask(self, prompt: str) -> None:
        """The program waits in input(): show the answer line and put the cursor there."""
        self.flush()
        self.query_one("#ask-prompt", Label).update(
            (prompt.strip() or "Your program is waiting for you to type something") + " →"
        )
        self.query_one("#ask").display = True
        stdin = self.query_one("#stdin", Input)
        stdin.value = ""
        stdin.focus()

    def stop_asking(self) -> None:
        self.query_one("#ask").display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "stdin":
            return
        event.stop()
        text = event.value
        event.input.value = ""
        self.stop_asking()
        self.post_message(self.AnswerGiven(text))  # the sandbox echoes it into the output

    # -- the end --------------------------------------------------------------------------
    def finish(self, message: str, ok: bool, can_fix: bool) -> None:
        self.flush()
        self.stop_asking()
        self.set_verdict(message, "ok" if ok else "mistake")
        self.query_one("#run", Button).disabled = False
        self.query_one("#stop", Button).disabled = True
        self.show_fix(can_fix)

    def set_verdict(self, message: str, kind: str) -> None:
        verdict = self.query_one("#verdict", Static)
        verdict.update(message)
        verdict.set_classes(f"-{kind}")

    def show_fix(self, show: bool) -> None:
        self.query_one("#fix", Button).set_class(not show, "hidden")
