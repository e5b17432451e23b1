"""The app as one child sees it in a classroom served by ``vibecode serve``.

It is the ordinary ``VibecodeApp`` with three changes: it first asks the child's first name or nickname (no
accounts, no passwords) unless one was given, it files the child's projects under that name in the machine's
database, and it never writes the shared settings file (every tab of the class uses the same computer, so one
child's colours or name must not become the next child's).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

import vibecode.app
from vibecode.app import VibecodeApp

MAX_NAME = 20
_NAME_OK = re.compile(r"^[^\W_][\w .'\-]*$")


def check_name(text: str) -> tuple[str | None, str | None]:
    """(clean name, None) when fine, else (None, a kind message saying what to change)."""
    name = " ".join(text.split())
    if not name:
        return None, "Type your first name or a nickname, then press Enter."
    if len(name) > MAX_NAME:
        return None, f"That is a long name! Please use at most {MAX_NAME} letters."
    if not _NAME_OK.match(name):
        return None, "Please use letters and numbers for your name (a space or - is fine too)."
    return name, None


class NameScreen(Screen[str]):
    """'Hi! What is your name?' The answer is the child's name for this visit."""

    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    #name-box { width: 60; height: auto; padding: 1 3; border: round $primary; background: $surface; }
    #name-title { text-style: bold; color: $accent; width: 100%; content-align: center middle; margin-bottom: 1; }
    #name-box Label { width: 100%; }
    #name-box Input { margin: 1 0; }
    #name-hint { color: $text-muted; }
    #name-problem { color: $warning; height: auto; }
    #name-box Button { width: 100%; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="name-box"):
            yield Label("Welcome to vibecode!", id="name-title")
            yield Label("What is your first name or nickname?")
            yield Input(placeholder="Your name", id="child-name", max_length=MAX_NAME + 10)
            yield Label("", id="name-problem")
            yield Label("Use the same name every time, so you find your projects again.", id="name-hint")
            yield Button("Start", id="name-start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#child-name", Input).focus()

    @on(Input.Submitted, "#child-name")
    @on(Button.Pressed, "#name-start")
    def submit(self, event: events.Event | None = None) -> None:
        name, problem = check_name(self.query_one("#child-name", Input).value)
        if name is None:
            self.query_one("#name-problem", Label).update(problem or "")
            self.query_one("#child-name", Input).focus()
            return
        self.dismiss(name)


def waiting_words(position: int, waited: float) -> str:
    """What the waiting bar says: where the child is in the class line, and for how long."""
    seconds = int(waited)
    wait = f"waiting {seconds} second{'s' if seconds != 1 else ''}"
    if position <= 1:
        return f"You are next! The class computer is finishing someone else's idea ({wait})."
    return (f"Lots of ideas at once! The class computer takes turns. You are number {position} in line "
            f"({wait}). You can keep reading your program meanwhile.")


class WaitingBar(Static):
    """Shown at the bottom of the screen while this child waits for a turn at the shared model."""

    DEFAULT_CSS = """
    WaitingBar { dock: bottom; height: auto; padding: 0 2; margin-bottom: 1; background: $warning 30%;
                 color: $text; text-style: bold; }
    """


class ChildStore:
    """The machine's project store as one child sees it: only their own projects are listed (the whole class
    shares one database, so the teacher's ``vibecode report`` sees everyone)."""

    def __init__(self, store: Any, child: Callable[[], str | None]) -> None:
        self._store = store
        self._child = child

    def list_projects(self, owner: str | None = None, limit: int | None = 20) -> list:
        return self._store.list_projects(owner=owner or self._child() or "", limit=limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class ClassroomApp(VibecodeApp):
    """``VibecodeApp`` for one browser tab of a served classroom."""

    CSS_PATH = str(Path(vibecode.app.__file__).with_name(VibecodeApp.CSS_PATH))  # relative paths follow the module

    def __init__(self, *, child: str | None = None, store: Any = None, **kwargs: Any) -> None:
        if store is None:
            from vibecode.store.projects import ProjectStore

            store = ProjectStore()
        super().__init__(store=ChildStore(store, lambda: self.settings.child_name), **kwargs)
        # Ignore any name saved in the shared settings file: it belongs to whoever used this computer last.
        self.settings.child_name, _ = check_name(child) if child else (None, None)
        self.title = "vibecode (class)"

    def on_mount(self, event: events.Mount) -> None:
        self._wait_heard = 0.0
        self._hooked: object | None = None
        self.set_interval(0.5, self._watch_line)
        if self.settings.child_name:
            self.sub_title = self.settings.child_name
            return  # VibecodeApp.on_mount runs next and opens the home screen
        event.prevent_default()  # wait with the home screen until we know the name
        self.push_screen(NameScreen(), self._got_name)

    def _got_name(self, name: str | None) -> None:
        if not name:
            self.exit()
            return
        self.settings.child_name = name
        self.sub_title = name
        VibecodeApp.on_mount(self)

    # --- waiting for a turn at the shared model
    def _watch_line(self) -> None:
        """Hook the class line's news into the backend once it exists; hide the bar when the news stops."""
        backend = getattr(self.services, "_backend", None)
        if backend is not None and backend is not self._hooked and hasattr(backend, "on_wait"):
            backend.on_wait = self._heard_from_line
            self._hooked = backend
        if self._wait_heard and time.monotonic() - self._wait_heard > 3.0:
            self._show_wait(0, 0.0)

    def _heard_from_line(self, position: int, waited: float) -> None:
        """Called from the model thread."""
        try:
            self.call_from_thread(self._show_wait, position, waited)
        except RuntimeError:  # already on the app's thread
            self._show_wait(position, waited)

    def _show_wait(self, position: int, waited: float) -> None:
        bars = list(self.screen.query(WaitingBar))
        if position <= 0:
            self._wait_heard = 0.0
            for bar in bars:
                bar.remove()
            return
        self._wait_heard = time.monotonic()
        if bars:
            bars[0].update(waiting_words(position, waited))
        else:
            self.screen.mount(WaitingBar(waiting_words(position, waited), id="waiting-bar"))

    def set_look(self, theme: str | None = None, big: bool | None = None) -> None:
        """Change the look for this tab only (the settings file is shared by the whole class)."""
        if theme is not None:
            self.theme = self.settings.theme = theme
        if big is not None:
            self.settings.big_mode = big
            self.set_class(big, "-big")

    def open_settings(self) -> None:
        self.notify(f"You are {self.settings.child_name}. In class, your teacher's computer looks after the "
                    "settings. You can still change the colours from this menu.", timeout=6)
