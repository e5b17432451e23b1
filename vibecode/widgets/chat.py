"""The chat: the child's ideas and the model's answers, newest at the bottom.

The model's answer streams into one bubble while it is being written; a status line under it shows
progress (words so far, a spinner, how to stop). The spinner only moves while the model works, so
screenshots of a resting screen are always the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
WHO = {"user": "You", "assistant": "vibecode", "note": ""}


class Bubble(Static):
    """One message in the chat."""

    def __init__(self, role: str, text: str | Content) -> None:
        super().__init__(classes=f"bubble -{role}")
        self.role = role
        self.border_title = WHO.get(role, "") or None
        self.text = ""
        self.set_text(text)

    def set_text(self, text: str | Content) -> bool:
        """Show ``text``; False when it is the text already shown (the streamed answer's "Writing the
        code..." at every look at the model): then nothing is drawn or laid out again."""
        if isinstance(text, str) and text == self.text:
            return False
        self.text = str(text)
        self.update(text if isinstance(text, Content) else Content(text))
        return True


class ChatPanel(Vertical):
    """Messages, the idea box, and the progress line."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._live: Bubble | None = None
        self._spin = 0
        self._progress_line = ""

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="messages")
        yield Static("", id="progress")
        yield Input(placeholder="Type your idea here", id="idea")

    def on_mount(self) -> None:
        self.query_one("#progress").display = False

    @property
    def messages(self) -> VerticalScroll:
        return self.query_one("#messages", VerticalScroll)

    def add(self, role: str, text: str | Content) -> Bubble:
        """Add a finished message and scroll to it."""
        bubble = Bubble(role, text)
        self.messages.mount(bubble)
        self.messages.scroll_end(animate=False)
        return bubble

    def clear(self) -> None:
        self.messages.remove_children()
        self._live = None

    # -- streaming ---------------------------------------------------------------------------
    def start_stream(self, first_line: str) -> None:
        self._live = self.add("assistant", first_line)
        self._spin = 0
        progress = self.query_one("#progress", Static)
        progress.display = True
        self.show_progress(0, "Thinking")

    def stream_text(self, text: str) -> None:
        """Replace the live bubble's text (the last few lines of what the model wrote)."""
        if self._live is not None:
            lines = text.rstrip().splitlines()
            if self._live.set_text("\n".join(lines[-8:]) if lines else "..."):
                self.messages.scroll_end(animate=False)

    def show_progress(self, words: int | None, what: str) -> None:
        """The line under the chat: what is going on, and how many words the model wrote so far
        (``None``: no count, e.g. while the model is still getting ready). Each call moves the spinner: the
        screen calls it at every look at the model's progress (model_jobs.DRAIN_SECONDS), so the screen is
        drawn once per look rather than again for a spinner of its own."""
        spinner = SPINNER[self._spin % len(SPINNER)]
        self._spin += 1
        count = "" if words is None else f" {words} {'word' if words == 1 else 'words'} so far"
        line = f"{spinner} {what}...{count}  (Ctrl+T to stop)"
        if line == self._progress_line:
            return
        # Only a line of another length can wrap differently (the spinner's characters are all one cell wide),
        # so only that needs a new layout of the whole screen (CPU the model needs: model_jobs.DRAIN_SECONDS)
        resized = len(line) != len(self._progress_line)
        self._progress_line = line
        self.query_one("#progress", Static).update(line, layout=resized)

    def end_stream(self, final_text: str | Content | None) -> None:
        """Put the final answer in the live bubble (or drop it) and hide the progress line."""
        self.query_one("#progress").display = False
        if self._live is not None:
            if final_text is None:
                self._live.remove()
            else:
                self._live.set_text(final_text)
        self._live = None
        self.messages.scroll_end(animate=False)
