"""The build screen, the main place: chat on the left, the program and its runs in the middle,
the change timeline on the right.

The model works in a thread worker (it talks to its own process); its events go into a small
queue that a 0.1 s timer shows on screen, so the event loop never waits for the model. Program runs
are an async worker reading the sandbox's events. Every change is saved at once as a checkpoint.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, TextArea

from vibecode.screens import words
from vibecode.screens.model_jobs import ModelJobs
from vibecode.screens.run_jobs import RunJobs
from vibecode.widgets.chat import ChatPanel
from vibecode.widgets.code_view import CodeEditor
from vibecode.widgets.run_panel import RunPanel
from vibecode.widgets.status import ModelMeter
from vibecode.widgets.timeline import Timeline

EDIT_SAVE_SECONDS = 2.0


class BuildScreen(ModelJobs, RunJobs, Screen):
    """One project: make it, change it, run it, go back in time."""

    BINDINGS = [
        Binding("f5,ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+t", "stop", "Stop", priority=True),
        Binding("ctrl+z", "undo", "Undo", priority=True),
        Binding("ctrl+y", "redo", "Redo", priority=True),
        Binding("f2", "explain", "What does it do?"),
        Binding("ctrl+f", "fix", "Help me fix it", priority=True),
        Binding("f4", "quiz", "Puzzle"),
        Binding("escape", "back", "Back"),
        Binding("f7", "lesson", "Lesson"),
        Binding("f6", "toggle_timeline", "Timeline", show=False),
        Binding("f8", "transcript", "Transcript", show=False),
    ]

    def __init__(self, project_id: Any, first_idea: str | None = None, contract: str | None = None,
                 allow_files: bool = False, trial_inputs: list[str] | None = None) -> None:
        super().__init__()
        self.project_id = project_id
        self.first_idea = first_idea
        self.contract = contract  # a lesson's functions the program must have (from LessonScreen)
        self.allow_files = allow_files  # the lesson lets the program save files in its own folder
        self.trial_inputs = trial_inputs  # the lesson step's answers for the model's trial run
        self.saved_program = ""
        self.run_handle: Any = None
        self.last_result: Any = None
        self._edit_timer: Any = None
        self.init_model_jobs()

    @property
    def store(self) -> Any:
        return self.app.services.store

    def compose(self) -> ComposeResult:
        with Horizontal(id="build"):
            yield ChatPanel(id="chat")
            with Vertical(id="middle"):
                yield CodeEditor(id="code")
                yield RunPanel(id="run-panel")
            yield Timeline(id="timeline")
        yield ModelMeter(id="meter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#chat").border_title = "Chat"
        self.query_one("#code").border_title = "Your program"
        self.query_one("#run-panel").border_title = "Run"
        self.query_one("#timeline").border_title = "Changes"
        project = self.store.get(self.project_id)
        self.sub_title = getattr(project, "name", "")
        self.editor.use_app_theme(self.app.theme)
        self.app.theme_changed_signal.subscribe(self, lambda theme: self.editor.use_app_theme(theme.name))
        current = self.store.current(self.project_id)
        self.saved_program = current.program if current else ""
        draft = self.store.draft(self.project_id)
        self.editor.load_text(draft if draft is not None else self.saved_program)
        if draft is not None and draft != self.saved_program:  # typing from last time: keep it
            self._edit_timer = self.set_timer(EDIT_SAVE_SECONDS, self.save_edit)
        chat = self.query_one(ChatPanel)
        for message in self.store.messages(self.project_id):
            if message.role in ("user", "assistant"):
                chat.add(message.role, message.text)
        if not self.saved_program and not self.first_idea:
            chat.add("note", "Hi! Tell me what program you'd like to make, in your own words.")
        self.refresh_timeline()
        self.refresh_meter()
        self.query_one("#idea", Input).focus()
        if self.first_idea:
            self.submit_idea(self.first_idea)
        else:
            self.read_program_ahead()

    def on_resize(self, event) -> None:
        """Narrow terminals (under 100 columns) hide the timeline so the program has room (F6 shows it)."""
        self.set_class(event.size.width < 100, "-narrow")

    # -- small helpers -----------------------------------------------------------------------
    @property
    def editor(self) -> CodeEditor:
        return self.query_one("#code", CodeEditor)

    @property
    def run_panel(self) -> RunPanel:
        return self.query_one(RunPanel)

    def refresh_timeline(self) -> None:
        current = self.store.current(self.project_id)
        self.query_one(Timeline).show(self.store.checkpoints(self.project_id), current.id if current else None)

    def refresh_meter(self, writing: int = 0) -> None:
        """The meter's numbers from the store; ``writing``: tokens of the answer being written now."""
        usage = self.store.usage(self.project_id)
        read = int(getattr(usage, "prompt_tokens", 0) or 0)
        wrote = int(getattr(usage, "completion_tokens", 0) or 0)
        seconds = float(getattr(usage, "seconds", 0.0) or 0.0)
        label = self.app.services.label
        self.query_one(ModelMeter).show(label.name, words.where(label.location, label.precision), read,
                                        wrote + writing, wrote / seconds if seconds > 0 else None)

    def set_program(self, program: str) -> None:
        """Show a program that is already saved (no new checkpoint)."""
        self.saved_program = program
        if self.editor.text != program:
            self.editor.load_text(program)
        self.read_program_ahead()

    def apply_checkpoint(self, checkpoint: Any, note: str) -> None:
        self.set_program(checkpoint.program)
        self.refresh_timeline()
        self.notify(note, timeout=3)

    # -- the child's own edits ---------------------------------------------------------------
    @on(TextArea.Changed, "#code")
    def edited(self) -> None:
        if self.job is not None or self.editor.text == self.saved_program:
            return
        self.store.save_draft(self.project_id, self.editor.text)  # typing survives a crash at once
        if self._edit_timer is not None:
            self._edit_timer.stop()
        self._edit_timer = self.set_timer(EDIT_SAVE_SECONDS, self.save_edit)

    def save_edit(self) -> None:
        """Save the child's typing as a checkpoint (after a pause, or before anything else happens)."""
        if self._edit_timer is not None:
            self._edit_timer.stop()
            self._edit_timer = None
        text = self.editor.text
        if self.job is not None or text == self.saved_program:
            return
        summary = words.summary_for_edit(self.saved_program, text)
        self.store.add_checkpoint(self.project_id, text, summary, "edit")
        self.saved_program = text
        self.refresh_timeline()
        self.read_program_ahead()

    # -- chat --------------------------------------------------------------------------------
    @on(Input.Changed, "#idea")
    def idea_changed(self, event: Input.Changed) -> None:
        self.idea_changing(event.value)

    @on(Input.Submitted, "#idea")
    def idea_typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text and self.submit_idea(text):
            event.input.value = ""

    # -- timeline ----------------------------------------------------------------------------
    def _time_travel(self, step: str) -> None:
        self.save_edit()
        if self.job is not None:
            self.notify(words.BUSY, timeout=3)
            return
        checkpoint = getattr(self.store, step)(self.project_id)
        if checkpoint is None:
            self.notify(words.NOTHING_TO_UNDO if step == "undo" else words.NOTHING_TO_REDO, timeout=3)
        else:
            verb = "Went back to" if step == "undo" else "Went forward to"
            self.apply_checkpoint(checkpoint, f"{verb}: {checkpoint.summary}")

    def action_undo(self) -> None:
        self._time_travel("undo")

    def action_redo(self) -> None:
        self._time_travel("redo")

    @on(Timeline.RestoreRequested)
    def restore(self, event: Timeline.RestoreRequested) -> None:
        self.save_edit()
        if self.job is not None:
            self.notify(words.BUSY, timeout=3)
            return
        current = self.store.current(self.project_id)
        if current is not None and current.id == event.checkpoint_id:
            return
        checkpoint = self.store.restore(self.project_id, event.checkpoint_id)
        self.apply_checkpoint(checkpoint, f"Brought back: {checkpoint.summary}")

    def action_toggle_timeline(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.display = not timeline.display

    # -- other places ------------------------------------------------------------------------
    async def action_back(self) -> None:
        self.save_edit()
        await self.action_stop()
        self.app.pop_screen()

    async def action_lesson(self) -> None:
        """Back to the lesson this project belongs to (only when opened from a lesson)."""
        if self._from_lesson:
            await self.action_back()

    def action_transcript(self) -> None:
        from vibecode.screens.transcript import TranscriptScreen

        self.save_edit()
        self.app.push_screen(TranscriptScreen(self.project_id, self.run_panel.output_text))

    def action_quiz(self) -> None:
        from vibecode.screens.quiz import QuizScreen

        if not self.editor.text.strip():
            self.notify(words.NO_PROGRAM_YET, timeout=4)
            return
        self.app.push_screen(QuizScreen(self.editor.text))

    def action_export(self, kind: str) -> None:
        from vibecode.screens.export import export_project

        self.save_edit()
        self.notify(export_project(self.store, self.project_id, kind, self.run_panel.output_text), timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fix":
            return self.can_fix
        if action == "lesson":
            return self._from_lesson
        return True

    @property
    def _from_lesson(self) -> bool:
        stack = self.app.screen_stack
        return len(stack) > 1 and type(stack[-2]).__name__ == "LessonScreen"

    @property
    def can_fix(self) -> bool:
        return not self.run_panel.query_one("#fix").has_class("hidden") if self.is_mounted else False

    def palette_commands(self):
        yield SystemCommand("Run my program", "F5", self.action_run)
        yield SystemCommand("What does this do?", "Explain the program in simple words (F2)", self.action_explain)
        yield SystemCommand("Puzzle: guess what it prints", "F4", self.action_quiz)
        yield SystemCommand("Undo", "Go back one change (Ctrl+Z)", self.action_undo)
        yield SystemCommand("Redo", "Go forward one change (Ctrl+Y)", self.action_redo)
        yield SystemCommand("Show or hide the timeline", "F6", self.action_toggle_timeline)
        yield SystemCommand("Show the error details", "The full Python error message, for the curious",
                            self.action_details)
        yield SystemCommand("Plain transcript", "Chat and output as plain text (F8)", self.action_transcript)
        yield SystemCommand("Save as a Python file", "Export the program", lambda: self.action_export("py"))
        yield SystemCommand("Save as a web page", "The program and its story", lambda: self.action_export("html"))
        yield SystemCommand("Home", "Back to the start (Escape)", self.action_back)
