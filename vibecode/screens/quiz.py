"""The "explain it back" puzzle: guess what the program shows first. Optional, never a block:
a wrong guess gets a hint, Escape or Skip leaves at any time."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from vibecode.widgets.code_view import code_content


def _norm(text: str) -> str:
    return " ".join(text.lower().replace('"', "").replace("'", "").split()).rstrip(".!?:")


def is_right(guess: str, first_line: str) -> bool:
    """Close enough counts: same words, ignoring case, quotes and end punctuation."""
    return bool(_norm(guess)) and (_norm(guess) == _norm(first_line) or
                                   (len(_norm(guess)) >= 4 and _norm(guess) in _norm(first_line)))


def hint_for(program: str, first_line: str, tries: int) -> str:
    if tries == 1:
        for number, line in enumerate(program.splitlines(), start=1):
            if "print(" in line or "input(" in line:
                return f"Not quite! Look at line {number}: what does it put on the screen?"
    if tries >= 2 and first_line:
        return f"Almost! It starts with \"{first_line[:3]}\"... One more go, or press Show me."
    return "Not quite! Read the program from the top, one line at a time."


class QuizScreen(ModalScreen[None]):
    """Shows the program, asks for the first line it will show, and checks the guess."""

    BINDINGS = [Binding("escape", "dismiss_quiz", "Skip")]

    def __init__(self, program: str) -> None:
        super().__init__()
        self.program = program
        self.first_line: str | None = None
        self.tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="quiz", classes="dialog"):
            yield Label("Puzzle time! (you can skip it)", classes="dialog-title")
            yield Static(code_content(self.program), id="quiz-code")
            yield Label("What is the first thing this program will show on the screen?")
            yield Input(placeholder="Type your guess and press Enter", id="guess")
            yield Static("", id="quiz-feedback")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Show me", id="show")
                yield Button("Skip", id="skip")

    def on_mount(self) -> None:
        self.query_one("#guess").focus()
        self.find_answer()

    @work(thread=True, exit_on_error=False)
    def find_answer(self) -> None:
        """Run the program once in the sandbox (no typing) to learn the right answer."""
        from sandbox import run_program

        result = run_program(self.program, stdin_lines=[])
        lines = [line for line in result.output.splitlines() if line.strip()]
        self.first_line = lines[0].strip() if lines else ""

    @on(Input.Submitted, "#guess")
    def check(self, event: Input.Submitted) -> None:
        feedback = self.query_one("#quiz-feedback", Static)
        if self.first_line is None:
            feedback.update("Hold on, I'm still checking... press Enter again in a second.")
            return
        if not self.first_line:
            feedback.update("Trick question: this program doesn't show anything when it starts!")
            return
        self.tries += 1
        if is_right(event.value, self.first_line):
            feedback.update(f"Yes! It shows: {self.first_line}  Well done! (press Escape to go back)")
            feedback.set_class(True, "-right")
        else:
            feedback.update(hint_for(self.program, self.first_line, self.tries))

    @on(Button.Pressed, "#show")
    def show(self) -> None:
        answer = self.first_line if self.first_line else "(nothing at first)"
        self.query_one("#quiz-feedback", Static).update(f"It shows: {answer}")

    @on(Button.Pressed, "#skip")
    def action_dismiss_quiz(self) -> None:
        self.dismiss(None)
