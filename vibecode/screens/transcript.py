"""A plain transcript: the chat and the last run's output as plain text, one line after another.
No boxes or colours, so screen readers can read it from top to bottom."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, TextArea

WHO = {"user": "You said", "assistant": "vibecode said"}


def transcript_text(messages: list[Any], program: str, output: str) -> str:
    lines: list[str] = []
    for message in messages:
        who = WHO.get(message.role)
        if who:
            lines.append(f"{who}: {message.text}")
            lines.append("")
    lines.append("Your program:")
    lines.extend(program.splitlines() or ["(empty)"])
    lines.append("")
    lines.append("Last run output:")
    lines.extend(output.splitlines() or ["(not run yet)"])
    return "\n".join(lines)


class TranscriptScreen(Screen):
    """Read-only text; arrow keys move through it; Escape goes back."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, project_id: Any, output: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.output = output

    def compose(self) -> ComposeResult:
        store = self.app.services.store
        current = store.current(self.project_id)
        text = transcript_text(store.messages(self.project_id), current.program if current else "", self.output)
        yield TextArea(text, read_only=True, soft_wrap=True, show_line_numbers=False, id="transcript")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#transcript").focus()
