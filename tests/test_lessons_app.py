"""The lesson inside the real app: home -> lesson -> "Use this idea" -> the build screen writes the
program -> back to the lesson -> "Check my program" passes.

The model is the FAKE ScriptedBackend (canned answers through the real Backend interface and the
real Maker), because a real model cannot be relied on to write the same program every time; the
sandbox, the SQLite store, the lesson files and Textual are real.
"""

from __future__ import annotations

from e2e.ui_support import answer, click_when_still, make_app, scripted, wait_for, wait_model_idle
from textual.widgets import Markdown, OptionList

from vibecode.lessons.loader import builtin_lessons_dir, read_lesson

SIZE = (140, 45)


async def test_lesson_from_home_build_and_check():
    lesson, _ = read_lesson(builtin_lessons_dir() / "01-lemonade-stand")
    program = lesson.solution_source()
    backend = scripted([answer("Here is your lemonade stand.", program)])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lessons = app.screen.query_one("#lessons", OptionList)
        index = next(i for i in range(lessons.option_count) if lessons.get_option_at_index(i).id == "l01-lemonade-stand")
        lessons.focus()
        lessons.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LessonScreen", what="the lesson screen")
        lesson_screen = app.screen

        await click_when_still(pilot, "#use-idea")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen", what="the build screen")
        await wait_model_idle(pilot)
        assert "def profit(made, sold, price, cost):" in app.screen.editor.text
        system = backend.calls[0][0].content
        assert "def profit(made, sold, price, cost):" in system  # the lesson's contract reached the model
        assert "read and write its own files" not in system  # lesson 01 does not allow files
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is lesson_screen, what="back to the lesson")

        await click_when_still(pilot, "#check")
        await wait_for(pilot, lambda: not lesson_screen.checking and lesson_screen.last_report is not None,
                       timeout=60, what="the checks")
        feedback = lesson_screen.query_one("#feedback", Markdown).source
        assert "Every check passed" in feedback, feedback
        project = app.services.store.get(lesson_screen.project_id)
        assert project.name == "Lesson: My first lemonade stand"


async def test_a_lesson_that_allows_files_tells_the_model():
    from vibecode.screens.lesson import LessonScreen

    lesson, _ = read_lesson(builtin_lessons_dir() / "12-weekly-report")
    assert lesson.allow_files
    backend = scripted([answer("Here is your ledger.", lesson.solution_source())])
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = LessonScreen(lesson, step=4)
        app.push_screen(screen)
        await wait_for(pilot, lambda: app.screen is screen and screen.query("#use-idea"), what="the lesson screen")
        await click_when_still(pilot, "#use-idea")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen", what="the build screen")
        await wait_model_idle(pilot)
        assert app.screen.allow_files
        assert app.screen.trial_inputs == ["Mon in 500", "Mon out 200", "Tue in 300", ""]  # the step's own answers
        assert "report.csv" in app.screen.editor.text  # open() was not refused by the static check
        assert "read and write its own files" in backend.calls[0][0].content
