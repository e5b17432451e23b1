"""The change timeline: every checkpoint with its one-line summary and a small coloured diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, ListItem, ListView, Static

from vibecode.widgets.code_view import diff_content

# One narrow symbol per kind of change (emoji widths differ between terminals, these do not).
KIND_MARK = {"ai": "★", "edit": "✎", "fix": "✚", "restore": "↺", "start": "•"}


class CheckpointItem(ListItem):
    """One row: number, a mark for who made the change, and the summary."""

    def __init__(self, checkpoint: Any, is_current: bool) -> None:
        mark = KIND_MARK.get(getattr(checkpoint, "kind", ""), "•")
        here = " ◀ now" if is_current else ""
        super().__init__(Label(f"{checkpoint.number}. {mark} {checkpoint.summary}{here}"))
        self.checkpoint = checkpoint
        self.set_class(is_current, "-current")


class Timeline(Vertical):
    """Checkpoints, newest at the bottom. Enter (or a click) on one brings it back."""

    @dataclass
    class RestoreRequested(Message):
        checkpoint_id: Any

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._checkpoints: list[Any] = []

    def compose(self) -> ComposeResult:
        yield ListView(id="checkpoints")
        with VerticalScroll(id="diff-box"):
            yield Static("", id="diff")

    def show(self, checkpoints: list[Any], current_id: Any) -> None:
        """Rebuild the list from the store's checkpoints."""
        self._checkpoints = list(checkpoints)
        view = self.query_one("#checkpoints", ListView)
        view.clear()
        items = [
            CheckpointItem(cp, cp.id == current_id) for cp in self._checkpoints
        ]
        if items:
            view.extend(items)
            index = next((i for i, cp in enumerate(self._checkpoints) if cp.id == current_id), len(items) - 1)
            view.index = index
            self._show_diff(index)
        else:
            self.query_one("#diff", Static).update("No changes yet.")

    def _show_diff(self, index: int | None) -> None:
        if index is None or not (0 <= index < len(self._checkpoints)):
            return
        checkpoint = self._checkpoints[index]
        parent = next((cp for cp in self._checkpoints if cp.id == checkpoint.parent_id), None)
        new, old = checkpoint.program, parent.program if parent is not None else ""
        self.query_one("#diff", Static).update(diff_content(old, new))

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()
        self._show_diff(event.list_view.index)

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        item = event.item
        if isinstance(item, CheckpointItem):
            self.post_message(self.RestoreRequested(item.checkpoint.id))
