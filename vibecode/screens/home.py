"""The home screen: type an idea to start a new project, open a recent one, or start a lesson."""

from __future__ import annotations

import logging
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option


log = logging.getLogger("vibecode.ui")

LOGO = "★  v i b e c o d e  ★"


class HomeScreen(Screen):
    """Where every visit starts."""

    BINDINGS = [
        Binding("ctrl+n", "new_project", "New project"),
        Binding("f3", "settings", "Settings"),
        Binding("escape", "focus_idea", "Back", show=False),
    ]

    lessons_loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static(LOGO, id="logo")
            yield Label(self._greeting(), id="greeting")
            yield Input(placeholder="e.g. a lemonade stand that asks how many cups you want", id="new-idea")
            with Horizontal(id="home-lists"):
                with Vertical(id="projects-box"):
                    yield Label("Your projects", classes="list-title")
                    yield OptionList(id="projects")
                with Vertical(id="lessons-box"):
                    yield Label("Lessons", classes="list-title")
                    yield OptionList(id="lessons")
            with Horizontal(id="home-buttons"):
                yield Button("New project", id="new", variant="primary")
                yield Button("Settings", id="settings")
                yield Button("Quit", id="quit", variant="error")
        yield Footer()

    def _greeting(self) -> str:
        name = getattr(self.app.settings, "child_name", None)
        hello = f"Hi {name}! " if name else "Hi! "
        return hello + "What do you want to make today? Type it and press Enter."

    def on_mount(self) -> None:
        self.query_one("#new-idea", Input).focus()
        self.fill_projects()
        self.load_lessons()

    def on_screen_resume(self) -> None:
        self.fill_projects()
        self.query_one("#greeting", Label).update(self._greeting())

    def fill_projects(self) -> None:
        projects = self.query_one("#projects", OptionList)
        projects.clear_options()
        for project in self.app.services.store.list_projects(limit=20):
            projects.add_option(Option(project.name, id=f"p{project.id}"))
        if projects.option_count == 0:
            projects.add_option(Option("(none yet: type an idea above!)", id="none", disabled=True))
        else:
            projects.highlighted = 0  # Tab then Enter opens the latest project

    @work(thread=True, exclusive=True, group="lessons", exit_on_error=False)
    def load_lessons(self) -> None:
        """Lessons are files to read: load them after the first frame, off the event loop."""
        found = self._lessons()
        self.app.call_from_thread(self._show_lessons, found)

    def _show_lessons(self, found: list[tuple[str, str]]) -> None:
        lessons = self.query_one("#lessons", OptionList)
        lessons.clear_options()
        for lesson_id, title in found:
            lessons.add_option(Option(title, id=f"l{lesson_id}"))
        if lessons.option_count == 0:
            lessons.add_option(Option("(no lessons here)", id="none", disabled=True))
        else:
            lessons.highlighted = 0
        self.lessons_loaded = True

    def _lessons(self) -> list[tuple[str, str]]:
        from vibecode.screens.lesson_link import list_lessons

        return list_lessons()

    # -- actions ---------------------------------------------------------------------------
    @on(Input.Changed, "#new-idea")
    def idea_changed(self, event: Input.Changed) -> None:
        """After a pause in typing, let the model read the start of the new program's prompt."""
        from vibecode.screens.model_jobs import READ_AHEAD_PAUSE

        timer = getattr(self, "_read_ahead_timer", None)
        if timer is not None:
            timer.stop()
        idea = event.value.strip()
        self._read_ahead_timer = self.set_timer(READ_AHEAD_PAUSE, lambda: self._read_ahead(idea))

    def _read_ahead(self, idea: str) -> None:
        """Only while the home screen shows: Enter clears the box (a change, so a timer) as the project
        opens, and that timer's read (a new program's prompt, for no idea) is stale by then: it would
        follow the project's own read ahead, the prompt its next change gets."""
        if self.app.screen is self:  # (Screen.is_current: also the screen just beneath)
            self.read_ahead_worker(idea)

    @work(thread=True, exclusive=True, group="read-ahead", exit_on_error=False, description="Reading ahead")
    def read_ahead_worker(self, idea: str) -> None:
        from vibecode.make import MakeRequest

        self.app.services.read_ahead(MakeRequest(idea=idea))

    @on(Input.Submitted, "#new-idea")
    def idea_typed(self, event: Input.Submitted) -> None:
        idea = event.value.strip()
        event.input.value = ""
        self.start_project(idea or None)

    def start_project(self, idea: str | None) -> None:
        from vibecode.screens.build import BuildScreen

        from vibecode.store.projects import name_from_idea

        name = name_from_idea(idea) if idea else "My new program"
        owner = getattr(self.app.settings, "child_name", None)
        project = self.app.services.store.create_project(name, owner=owner, idea=idea)
        self.app.push_screen(BuildScreen(project.id, first_idea=idea))

    def open_project(self, project_id: Any) -> None:
        from vibecode.screens.build import BuildScreen

        self.app.push_screen(BuildScreen(project_id))

    @on(OptionList.OptionSelected, "#projects")
    def project_chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("p"):
            self.open_project(_parse_id(option_id[1:]))

    @on(OptionList.OptionSelected, "#lessons")
    def lesson_chosen(self, event: OptionList.OptionSelected) -> None:
        from vibecode.screens.lesson_link import open_lesson

        option_id = event.option.id or ""
        if option_id.startswith("l"):
            open_lesson(self.app, option_id[1:])

    @on(Button.Pressed, "#new")
    def action_new_project(self) -> None:
        self.start_project(None)

    @on(Button.Pressed, "#settings")
    def action_settings(self) -> None:
        self.app.open_settings()

    @on(Button.Pressed, "#quit")
    def quit_pressed(self) -> None:
        self.app.exit()

    def action_focus_idea(self) -> None:
        self.query_one("#new-idea", Input).focus()

    def palette_commands(self):
        yield SystemCommand("New project", "Start a new program (Ctrl+N)", self.action_new_project)
        for project in self.app.services.store.list_projects(limit=10):
            yield SystemCommand(f"Open: {project.name}", "One of your projects",
                                lambda pid=project.id: self.open_project(pid))


def _parse_id(text: str) -> Any:
    return int(text) if text.isdigit() else text
