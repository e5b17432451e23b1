"""Pilot tests of the lesson screen with the real lessons, the real sandbox and real SQLite."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Button, Label, Markdown

from e2e.ui_support import click_when_still, wait_for
from vibecode.lessons.loader import builtin_lessons_dir, read_lesson
from vibecode.lessons.progress import ProgressStore
from vibecode.screens.lesson import LessonScreen
from vibecode.widgets.hint_ladder import HintLadder


def lemonade():
    lesson, _ = read_lesson(builtin_lessons_dir() / "01-lemonade-stand")
    return lesson


class LessonApp(App):
    """A bare app that shows only the lesson screen (the real app adds the build screen)."""

    def __init__(self, screen: LessonScreen) -> None:
        super().__init__()
        self.lesson_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.lesson_screen)


def markdown_text(widget: Markdown) -> str:
    return widget.source


async def wait_for_check(pilot, screen: LessonScreen) -> None:
    for _ in range(300):
        await pilot.pause(0.05)
        if not screen.checking:
            return
    raise AssertionError("the check never finished")


async def test_step_text_hints_and_progress():
    program = {"text": ""}
    sent: list[str] = []
    screen = LessonScreen(lemonade(), child_name="Mia", get_program=lambda: program["text"], send_idea=sent.append)
    async with LessonApp(screen).run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        assert "Step 1 of 4: Money in, money out" in str(screen.query_one("#step-title", Label).content)
        ladder = screen.query_one("#hints", HintLadder)
        count = ladder.query_one("#hint-count", Label)
        await click_when_still(pilot, "#next-hint")
        await wait_for(pilot, lambda: "Hint 1 of 4" in str(count.content), 10, "the first hint")
        await click_when_still(pilot, "#next-hint")  # the first hint re-lays the panel out
        await wait_for(pilot, lambda: "Hint 2 of 4" in str(count.content), 10, "the second hint")
        assert "Money out is" in markdown_text(ladder.query_one("#hint-list", Markdown))
        await click_when_still(pilot, "#use-idea")
        assert sent and "profit(made, sold, price, cost)" in sent[0]
    saved = ProgressStore().lesson("Mia", "01-lemonade-stand")
    assert saved.hints_used == 2 and saved.steps_total == 4


async def test_wrong_program_gets_specific_feedback_then_right_one_moves_on():
    program = {"text": "def profit(made, sold, price, cost):\n    return sold * price\n"}
    screen = LessonScreen(lemonade(), child_name="Mia", get_program=lambda: program["text"])
    async with LessonApp(screen).run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await click_when_still(pilot, "#check")
        await wait_for_check(pilot, screen)
        feedback = markdown_text(screen.query_one("#feedback", Markdown))
        assert "Nearly there" in feedback
        assert "Check 1: a good day" in feedback
        assert "profit(20, 15, 50, 20) gives 350" in feedback and "gave 750" in feedback
        assert screen.query_one("#next", Button).disabled

        program["text"] = lemonade().solution_source()
        await pilot.press("ctrl+k")
        await wait_for_check(pilot, screen)
        feedback = markdown_text(screen.query_one("#feedback", Markdown))
        assert "Every check passed" in feedback
        assert not screen.query_one("#next", Button).disabled
        await click_when_still(pilot, "#next")
        await pilot.pause()
        assert screen.step_index == 1
        assert "Step 2 of 4" in str(screen.query_one("#step-title", Label).content)
    progress = ProgressStore().lesson("Mia", "01-lemonade-stand")
    assert progress.steps_done == 1 and progress.checks_tried == 2
    assert progress.seconds > 0  # time spent on the lesson is counted
    assert progress.steps[0].done


async def test_market_day_story_and_extension_on_the_last_step():
    lesson = lemonade()
    screen = LessonScreen(lesson, child_name="Zed", get_program=lesson.solution_source, step=3)
    async with LessonApp(screen).run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await click_when_still(pilot, "#check")
        await wait_for_check(pilot, screen)
        feedback = markdown_text(screen.query_one("#feedback", Markdown))
        assert "Market day." in feedback and "In 7 days you took" in feedback
        assert "Day 1" in feedback and "█" in feedback
        assert "finished the whole lesson" in feedback and "Make it also" in feedback


async def test_lesson_by_id_and_unknown_lesson():
    screen = LessonScreen("02-weather-and-demand", child_name="Ana", get_program=lambda: "")
    async with LessonApp(screen).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert screen.lesson is not None and screen.lesson.title == "Weather and customers"
        await click_when_still(pilot, "#check")
        await wait_for_check(pilot, screen)
        assert "no program yet" in markdown_text(screen.query_one("#feedback", Markdown))
    missing = LessonScreen("no-such-lesson", get_program=lambda: "")
    async with LessonApp(missing).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert missing.query_one("#missing")


async def test_teacher_view_lists_progress_and_exports():
    from textual.widgets import DataTable

    from vibecode.screens.lesson import ClassProgressScreen

    store = ProgressStore()
    store.start("Mia", "01-lemonade-stand", 0, title="My first lemonade stand", steps_total=4)
    store.check_tried("Mia", "01-lemonade-stand", 0, passed=True)
    screen = ClassProgressScreen()

    class TeacherApp(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async with TeacherApp().run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = screen.query_one("#progress-table", DataTable)
        assert table.row_count == 1
        assert list(table.get_row_at(0))[:3] == ["Mia", "My first lemonade stand", "1/4"]
        await click_when_still(pilot, "#export")
        await pilot.pause()
        csv_path, html_path = screen.last_export
        assert "Mia" in csv_path.read_text() and "Mia" in html_path.read_text()
