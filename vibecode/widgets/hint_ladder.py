"""A ladder of hints, revealed one at a time ("hint 2 of 4"), so help never arrives all at once."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Label, Markdown


class HintLadder(Vertical):
    """Shows the hints seen so far and a button for the next one."""

    DEFAULT_CSS = """
    HintLadder { height: auto; padding: 0 1; }
    HintLadder #hint-count { color: $text-muted; }
    HintLadder #hint-list { height: auto; margin: 0 0 1 0; }
    HintLadder #next-hint { width: auto; }
    """

    @dataclass
    class HintShown(Message):
        """The child asked for one more hint; ``shown`` is how many are now visible."""

        ladder: "HintLadder"
        shown: int

    def __init__(self, hints: list[str], shown: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints = list(hints)
        self.shown = max(0, min(shown, len(self.hints)))

    def compose(self) -> ComposeResult:
        yield Label(self._count_text(), id="hint-count")
        yield Markdown(self._list_text(), id="hint-list")
        yield Button(self._button_text(), id="next-hint", variant="default")

    def _count_text(self) -> str:
        total = len(self.hints)
        if total == 0:
            return "This step has no hints."
        if self.shown == 0:
            return f"Stuck? There {'is' if total == 1 else 'are'} {total} hint{'s' if total != 1 else ''}, one at a time."
        return f"Hint {self.shown} of {total}"

    def _list_text(self) -> str:
        return "\n\n".join(f"**Hint {i + 1}.** {hint}" for i, hint in enumerate(self.hints[: self.shown]))

    def _button_text(self) -> str:
        return "Show a hint" if self.shown == 0 else f"Show hint {self.shown + 1} of {len(self.hints)}"

    def set_hints(self, hints: list[str], shown: int = 0) -> None:
        """Switch to another step's hints."""
        self.hints = list(hints)
        self.shown = max(0, min(shown, len(self.hints)))
        self._refresh()

    def show_next(self) -> bool:
        """Reveal one more hint; False when there are no more."""
        if self.shown >= len(self.hints):
            return False
        self.shown += 1
        self._refresh()
        self.post_message(self.HintShown(self, self.shown))
        return True

    def _refresh(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#hint-count", Label).update(self._count_text())
        self.query_one("#hint-list", Markdown).update(self._list_text())
        button = self.query_one("#next-hint", Button)
        button.label = self._button_text()
        button.display = self.shown < len(self.hints)

    def on_mount(self) -> None:
        self.query_one("#next-hint", Button).display = self.shown < len(self.hints)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next-hint":
            event.stop()
            self.show_next()
