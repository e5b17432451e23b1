"""The lesson screen: the step to do, a ladder of hints, and "Check my program" with kind,
specific feedback (which check, what was expected, what happened) and the next step.

It sits beside the build screen: "Build it" opens (or reopens) the lesson's project on the build
screen with the step's idea, and "Check my program" checks that project's current program. The
checks run in a worker thread (they start the sandbox), so the screen never freezes.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Markdown, Static

from vibecode.lessons.model import Lesson, StepReport
from vibecode.widgets.hint_ladder import HintLadder

log = logging.getLogger("vibecode.ui")


def find_lesson(lesson_id: str, extra_dirs: list[str] | None = None) -> Lesson | None:
    from vibecode.lessons.loader import load_library

    return load_library(extra_dirs or []).get(lesson_id)


def feedback_markdown(report: StepReport, lesson: Lesson, last_step: bool) -> str:
    """The check results as friendly Markdown: what passed, and for the first problem, exactly
    which check, what was expected, what happened and what to try."""
    passed = sum(1 for o in report.outcomes if o.passed)
    total = len(report.outcomes)
    parts: list[str] = []
    if report.passed:
        parts.append("## 🎉 Well done! Every check passed.")
        if last_step:
            parts.append("You finished the whole lesson!")
            if lesson.extension:
                parts.append(f"**Make it also…** {lesson.extension}")
        else:
            parts.append("Press **Next step** when you are ready.")
    else:
        parts.append(f"## Nearly there: {passed} of {total} checks passed.")
    for outcome in report.outcomes:
        if outcome.passed:
            line = f"✓ **{outcome.title}**"
            if outcome.happened:
                line += f" — {outcome.happened}"
            parts.append(line)
        else:
            parts.append(f"✗ **{outcome.title}** — not yet.")
            if outcome.expected:
                parts.append(f"- *The check wanted:* {outcome.expected}")
            if outcome.happened:
                parts.append(f"- *What happened:* {outcome.happened}")
            if outcome.advice:
                parts.append(f"- *Try this:* {outcome.advice}")
        if outcome.story:
            sentences, _, drawn = outcome.story.partition("\n\n")
            parts.append(f"**Market day.** {sentences}")
            if drawn:
                parts.append(f"```\n{drawn}\n```")
            if outcome.passed and outcome.advice:
                parts.append(f"*Tip:* {outcome.advice}")
    return "\n\n".join(parts)


class LessonScreen(Screen):
    """One lesson, one step at a time."""

    DEFAULT_CSS = """
    LessonScreen #lesson { height: 1fr; }
    LessonScreen #lesson-left { width: 1fr; min-width: 30; border: round $primary; padding: 0 1; }
    LessonScreen #lesson-right { width: 1fr; min-width: 30; border: round $secondary; padding: 0 1; }
    LessonScreen #lesson-title { text-style: bold; color: $accent; }
    LessonScreen #step-title { text-style: bold; margin: 1 0 0 0; }
    LessonScreen #step-text { margin: 0 0 1 0; }
    LessonScreen #idea-box { height: auto; border: dashed $primary-lighten-2; padding: 0 1; margin: 0 0 1 0; }
    LessonScreen #idea-text { margin: 0 0 1 0; }
    LessonScreen #lesson-actions { height: auto; }
    LessonScreen #lesson-actions Button { margin: 0 1 0 0; }
    LessonScreen #check-status { color: $text-muted; margin: 1 0 0 0; }
    LessonScreen #feedback-box { height: 1fr; }
    LessonScreen #missing { margin: 2 4; }
    """

    BINDINGS = [
        Binding("ctrl+k,f9", "check", "Check my program", priority=True),
        Binding("f3", "hint", "Hint"),
        Binding("ctrl+b", "build", "Build it"),
        Binding("ctrl+n", "next_step", "Next step"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        lesson: Lesson | str,
        *,
        child_name: str | None = None,
        get_program: Callable[[], str | None] | None = None,
        send_idea: Callable[[str], None] | None = None,
        progress: Any = None,
        step: int | None = None,
        project_id: Any = None,
    ) -> None:
        super().__init__()
        self._lesson_ref = lesson
        self.lesson: Lesson | None = lesson if isinstance(lesson, Lesson) else None
        self._child_name = child_name
        self._get_program = get_program
        self._send_idea = send_idea
        self._progress = progress
        self._wanted_step = step
        self.project_id = project_id
        self.step_index = 0
        self.last_report: StepReport | None = None
        self.checking = False
        self._mark = time.monotonic()
        self._showing = False  # True once a step is on screen (time is counted from then)

    # -- set-up ----------------------------------------------------------------------------
    @property
    def child(self) -> str | None:
        if self._child_name is not None:
            return self._child_name
        settings = getattr(self.app, "settings", None)
        return getattr(settings, "child_name", None)

    @property
    def progress(self) -> Any:
        if self._progress is None:
            try:
                from vibecode.lessons.progress import ProgressStore

                self._progress = ProgressStore()
            except Exception:  # progress must never stop a lesson
                log.exception("opening lesson progress failed")
                self._progress = False
        return self._progress or None

    def _resolve_lesson(self) -> None:
        if self.lesson is not None:
            return
        settings = getattr(self.app, "settings", None)
        dirs = list(getattr(settings, "lesson_dirs", []) or [])
        try:
            self.lesson = find_lesson(str(self._lesson_ref), dirs)
        except Exception:
            log.exception("loading lesson %s failed", self._lesson_ref)
            self.lesson = None

    def compose(self) -> ComposeResult:
        self._resolve_lesson()
        if self.lesson is None:
            yield Static("This lesson could not be opened. Ask your teacher to run: vibecode lessons check",
                         id="missing")
            yield Footer()
            return
        with Horizontal(id="lesson"):
            with VerticalScroll(id="lesson-left"):
                yield Label(self.lesson.title, id="lesson-title")
                yield Label("", id="step-title")
                yield Markdown("", id="step-text")
                with Vertical(id="idea-box"):
                    yield Label("An idea to start from:")
                    yield Static("", id="idea-text")
                    yield Button("Use this idea", id="use-idea", variant="primary")
                yield HintLadder([], id="hints")
            with Vertical(id="lesson-right"):
                with Horizontal(id="lesson-actions"):
                    yield Button("Check my program", id="check", variant="success")
                    yield Button("Build it", id="build")
                    yield Button("Next step", id="next", disabled=True)
                yield Label("Build your program, then press Check my program.", id="check-status")
                with VerticalScroll(id="feedback-box"):
                    yield Markdown("", id="feedback")
        yield Footer()

    def on_mount(self) -> None:
        if self.lesson is None:
            return
        self.sub_title = self.lesson.title
        self.query_one("#lesson-left").border_title = "Lesson"
        self.query_one("#lesson-right").border_title = "Checks"
        start = self._wanted_step
        if start is None:
            start = 0
            store = self.progress
            if store is not None:
                try:
                    start = store.lesson(self.child, self.lesson.id, len(self.lesson.steps)).first_open_step()
                except Exception:
                    log.exception("reading lesson progress failed")
        self.show_step(start)

    # -- steps -----------------------------------------------------------------------------
    @property
    def step(self):
        assert self.lesson is not None
        return self.lesson.steps[self.step_index]

    def show_step(self, index: int) -> None:
        assert self.lesson is not None
        self._save_time()
        self.step_index = max(0, min(index, len(self.lesson.steps) - 1))
        step = self.step
        total = len(self.lesson.steps)
        self.query_one("#step-title", Label).update(f"Step {self.step_index + 1} of {total}: {step.title}")
        self.query_one("#step-text", Markdown).update(step.text.strip())
        self.query_one("#idea-text", Static).update(step.idea or "Describe your own idea in the chat.")
        self.query_one("#use-idea", Button).display = bool(step.idea)
        shown = 0
        store = self.progress
        if store is not None:
            try:
                store.start(self.child, self.lesson.id, self.step_index, title=self.lesson.title, steps_total=total)
                saved = store.lesson(self.child, self.lesson.id).steps.get(self.step_index)
                shown = saved.hints_used if saved else 0
            except Exception:
                log.exception("saving lesson progress failed")
        self.query_one("#hints", HintLadder).set_hints(step.hints, shown)
        self.query_one("#feedback", Markdown).update("")
        self.query_one("#check-status", Label).update("Build your program, then press Check my program.")
        self.query_one("#next", Button).disabled = True
        self.last_report = None
        self._showing = True

    def _save_time(self) -> None:
        now = time.monotonic()
        spent, self._mark = now - self._mark, now
        if not self._showing:
            return
        store = self.progress
        if self.lesson is not None and store is not None and spent > 0:
            try:
                store.add_time(self.child, self.lesson.id, self.step_index, spent)
            except Exception:
                log.exception("saving lesson time failed")

    # -- the program -----------------------------------------------------------------------
    def current_program(self) -> str | None:
        """The program to check: from the caller, the lesson's project, or a build screen below."""
        if self._get_program is not None:
            return self._get_program()
        store = getattr(getattr(self.app, "services", None), "store", None)
        if store is not None and self.project_id is None:
            self.project_id = self._find_project(store)
        if store is not None and self.project_id is not None:
            checkpoint = store.current(self.project_id)
            if checkpoint is not None:
                return checkpoint.program
        for screen in reversed(self.app.screen_stack):
            editor = getattr(screen, "editor", None)
            if screen is not self and editor is not None:
                return getattr(editor, "text", None)
        return None

    def _project_name(self) -> str:
        assert self.lesson is not None
        return f"Lesson: {self.lesson.title}"

    def _find_project(self, store: Any) -> Any:
        try:
            for project in store.list_projects(owner=self.child or None, limit=None):
                if project.name == self._project_name():
                    return project.id
        except Exception:
            log.exception("looking for the lesson's project failed")
        return None

    def open_build(self, idea: str | None) -> None:
        """Send an idea to the build screen: the caller's hook, else the lesson's own project."""
        assert self.lesson is not None
        if self._send_idea is not None:
            if idea:
                self._send_idea(idea)
            return
        services = getattr(self.app, "services", None)
        store = getattr(services, "store", None)
        if store is None:
            self.notify("Open a project to build your program.", timeout=4)
            return
        if self.project_id is None:
            self.project_id = self._find_project(store)
        if self.project_id is None:
            project = store.create_project(self._project_name(), owner=self.child or None, idea=idea)
            self.project_id = project.id
        from vibecode.screens.build import BuildScreen

        self.app.push_screen(BuildScreen(self.project_id, first_idea=idea, contract=self.lesson.contract_text,
                                         allow_files=self.lesson.allow_files, trial_inputs=self.step.trial_inputs))

    # -- actions ---------------------------------------------------------------------------
    @on(Button.Pressed, "#use-idea")
    def use_idea(self) -> None:
        self.open_build(self.step.idea or None)

    @on(Button.Pressed, "#build")
    def action_build(self) -> None:
        if self.lesson is not None:
            self.open_build(None if self.current_program() else (self.step.idea or None))

    @on(HintLadder.HintShown)
    def hint_shown(self, event: HintLadder.HintShown) -> None:
        store = self.progress
        if store is not None and self.lesson is not None:
            try:
                store.hint_used(self.child, self.lesson.id, self.step_index, event.shown)
            except Exception:
                log.exception("saving hint progress failed")

    def action_hint(self) -> None:
        if self.lesson is not None and not self.query_one("#hints", HintLadder).show_next():
            self.notify("That was the last hint. Try asking in the chat, or ask your teacher.", timeout=4)

    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        if self.lesson is None or self.checking:
            return
        try:
            program = self.current_program()
        except Exception:
            log.exception("reading the program failed")
            program = None
        self.checking = True
        self.query_one("#check", Button).disabled = True
        self.query_one("#check-status", Label).update("Checking… your program runs in the safe box.")
        self.run_checks(self.step_index, program or "")

    @work(thread=True, exclusive=True, group="lesson-check")
    def run_checks(self, step_index: int, program: str) -> None:
        from vibecode.lessons.checks import check_step

        assert self.lesson is not None
        report = check_step(self.lesson, step_index, program)
        self.app.call_from_thread(self.show_report, report, program)

    def show_report(self, report: StepReport, program: str = "") -> None:
        assert self.lesson is not None
        self.checking = False
        self.last_report = report
        self.query_one("#check", Button).disabled = False
        last = self.step_index == len(self.lesson.steps) - 1
        self.query_one("#feedback", Markdown).update(feedback_markdown(report, self.lesson, last))
        passed = sum(1 for o in report.outcomes if o.passed)
        status = (f"All {len(report.outcomes)} checks passed!" if report.passed
                  else f"{passed} of {len(report.outcomes)} checks passed. Read below what to try.")
        self.query_one("#check-status", Label).update(status)
        self.query_one("#next", Button).disabled = not report.passed or last
        store = self.progress
        if store is not None:
            failure = report.first_failure
            try:
                self._save_time()
                store.check_tried(self.child, self.lesson.id, report.step_index, passed=report.passed,
                                  failed_check=failure.title if failure else "", program=program)
            except Exception:
                log.exception("saving check progress failed")

    @on(Button.Pressed, "#next")
    def action_next_step(self) -> None:
        if self.lesson is None:
            return
        if self.last_report is None or not self.last_report.passed:
            self.notify("Pass this step's checks first. Press Check my program.", timeout=4)
            return
        if self.step_index < len(self.lesson.steps) - 1:
            self.show_step(self.step_index + 1)

    def action_back(self) -> None:
        self._save_time()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._save_time()


class ClassProgressScreen(Screen):
    """The teacher view on this computer: every child's lesson progress, and an export button
    that writes the same CSV and HTML as ``vibecode report`` into the data folder."""

    DEFAULT_CSS = """
    ClassProgressScreen #progress-table { height: 1fr; }
    ClassProgressScreen #progress-actions { height: auto; padding: 0 1; }
    ClassProgressScreen #progress-actions Button { margin: 0 1 0 0; }
    ClassProgressScreen #progress-note { padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+e", "export", "Export CSV + HTML")]

    def __init__(self, databases: list[Any] | None = None) -> None:
        super().__init__()
        self.databases = databases
        self.rows: list[Any] = []
        self.last_export: tuple[Any, Any] | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import DataTable

        yield Label("", id="progress-note")
        yield DataTable(id="progress-table", zebra_stripes=True, cursor_type="row")
        with Horizontal(id="progress-actions"):
            yield Button("Export CSV + HTML", id="export", variant="primary")
            yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        from textual.widgets import DataTable

        from vibecode.lessons.report import build_report
        from vibecode.store.db import default_db_path

        self.sub_title = "Class progress"
        databases = self.databases or [default_db_path()]
        settings = getattr(self.app, "settings", None)
        try:
            self.rows = build_report([d for d in databases if d.is_file()], list(getattr(settings, "lesson_dirs", []) or []))
        except Exception:
            log.exception("building the class report failed")
            self.rows = []
        table = self.query_one("#progress-table", DataTable)
        table.add_columns("Child", "Lesson", "Steps", "Hints", "Checks", "Minutes", "Last activity")
        for row in self.rows:
            table.add_row(row.child, row.lesson_title, f"{row.steps_done}/{row.steps_total}", row.hints_used,
                          row.checks_tried, row.minutes, row.last_activity)
        children = len({row.child.casefold() for row in self.rows})
        self.query_one("#progress-note", Label).update(
            f"{children} children, {len(self.rows)} lesson rows on this computer. "
            "To merge a whole room: vibecode report FILE1 FILE2 ... --html class.html"
            if self.rows else "No lesson progress on this computer yet.")

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        from vibecode.lessons.report import to_csv, to_html
        from vibecode.paths import data_dir

        folder = data_dir() / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        csv_path, html_path = folder / f"class-{stamp}.csv", folder / f"class-{stamp}.html"
        csv_path.write_text(to_csv(self.rows), encoding="utf-8")
        html_path.write_text(to_html(self.rows), encoding="utf-8")
        self.notify(f"Saved {csv_path.name} and {html_path.name} in {folder}", timeout=8)
        self.last_export = (csv_path, html_path)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
