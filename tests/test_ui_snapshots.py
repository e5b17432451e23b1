"""SVG snapshots of the main screens in each theme (pytest-textual-snapshot).

Deterministic on purpose: a fixed terminal size, a project written straight into the real store
(no model timing in view), cursor blinking off, no spinner (nothing is generating). The model is
the FAKE ScriptedBackend and is never asked anything. Update with ``pytest --snapshot-update``
after a deliberate change, and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from e2e.ui_support import GREETING, THANKS, make_app, scripted, wait_for, wait_run_done
from vibecode.settings import Settings

SIZE = (120, 36)
LESSONS = [("01-lemonade-stand", "My first lemonade stand"), ("02-piggy-bank", "Spend, save, share piggy bank")]


@pytest.fixture(autouse=True)
def fixed_lessons(monkeypatch):
    """The home screen lists lessons; pin the list so new shipped lessons don't change the pictures."""
    monkeypatch.setattr("vibecode.screens.lesson_link.list_lessons", lambda: list(LESSONS))
THEMES = ["vibecode-dark", "vibecode-contrast", "vibecode-light"]


def seeded_app(theme: str, big: bool = False):
    """An app whose store already holds one project with two checkpoints and a short chat."""
    from vibecode.store.projects import ProjectStore

    store = ProjectStore()
    project = store.create_project("Greeting program", idea="say hello to me")
    store.add_message(project.id, "user", "say hello to me")
    store.add_checkpoint(project.id, GREETING, "You asked: say hello to me", "ai")
    store.add_message(project.id, "assistant", "It asks your name and says hello.")
    store.add_message(project.id, "user", "make it also say thank you")
    store.add_checkpoint(project.id, THANKS, "You asked: make it also say thank you", "ai")
    store.add_message(project.id, "assistant", "Now it also says thank you.")
    store.add_usage(project.id, 1200, 300, 20.0)
    store.create_project("Lemonade stand", idea="a lemonade stand")
    settings = Settings(theme=theme, big_mode=big)
    return make_app(scripted(["unused"]), store=store, settings=settings), project.id


def still(app) -> None:
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False


async def open_build(pilot, project_id, run: bool = True) -> None:
    """Open the project from the home screen and run it once, answering its question."""
    app = pilot.app
    app.screen.open_project(project_id)
    await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen" and app.screen.query("#idea"))
    await pilot.pause(0.1)
    screen = app.screen
    if run:
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.query_one("#ask").display, what="the question")
        await pilot.press("A", "d", "a", "enter")
        await wait_run_done(pilot)
    screen.query_one("#idea").focus()
    still(app)
    await pilot.pause(0.1)


@pytest.mark.parametrize("theme", THEMES)
def test_home_screen(theme, snap_compare):
    """The home screen: idea box, recent projects, lessons, buttons, footer keys."""
    app, _ = seeded_app(theme)

    async def before(pilot):
        await wait_for(pilot, lambda: pilot.app.screen.lessons_loaded, what="the lessons list")
        still(pilot.app)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


@pytest.mark.parametrize("theme", THEMES)
def test_build_screen_after_a_run(theme, snap_compare):
    """The build screen: chat, highlighted program, a finished run with an answered question and
    its verdict, the timeline with a coloured diff, the model meter."""
    app, project_id = seeded_app(theme)

    async def before(pilot):
        await open_build(pilot, project_id)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_big_and_simple_mode(snap_compare):
    """Big and simple: no timeline, no meter, bigger chat and buttons."""
    app, project_id = seeded_app("vibecode-dark", big=True)

    async def before(pilot):
        await open_build(pilot, project_id, run=False)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_settings_dialog(snap_compare):
    """Settings: name, colours, big mode, which model."""
    app, _ = seeded_app("vibecode-dark")

    async def before(pilot):
        await wait_for(pilot, lambda: pilot.app.screen.lessons_loaded, what="the lessons list")
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "SettingsScreen")
        still(pilot.app)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_plain_transcript(snap_compare):
    """The plain transcript for screen readers: chat, program and output as plain lines."""
    app, project_id = seeded_app("vibecode-dark")

    async def before(pilot):
        await open_build(pilot, project_id)
        await pilot.press("f8")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "TranscriptScreen")
        still(pilot.app)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)
