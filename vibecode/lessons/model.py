"""The lesson format as plain data: what a teacher's ``lesson.toml`` turns into once loaded.

Lessons are data, not Python classes, so a teacher can write and share them as files. The
loader (``loader.py``) builds these dataclasses; the checks (``checks.py``) read them.
Money is always whole cents (ints), so float rounding never decides whether a check passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Check kinds a teacher can write.
CHECK_KINDS = ("run", "call", "property", "shape", "market", "file")

# Words a "shape" check understands in ``uses = [...]``: word -> what a child reads.
SHAPE_WORDS: dict[str, str] = {
    "loop": "a loop (for or while)",
    "for": "a for loop",
    "while": "a while loop",
    "if": "an if",
    "function": "a function you made with def",
    "return": "a return",
    "input": "input() to ask a question",
    "print": "print() to show something",
    "list": "a list [ ]",
    "dict": "a dictionary { }",
    "fstring": 'an f-string like f"..."',
    "random": "the random module",
    "division": "division (/ or //)",
    "remainder": "the remainder sign %",
    "file": "writing a file with open()",
}

# Named rules for property checks: rule -> short description used in feedback.
PROPERTY_RULES = (
    "never_negative",  # target (result or an argument) is never below zero (every number inside it)
    "adds_up_to",  # the numbers in the result add up to this argument
    "at_most",  # result <= argument or number
    "at_least",  # result >= argument or number
    "whole_number",  # result is a whole number (int)
    "one_of",  # result is one of these values
    "same_as_solution",  # result matches the lesson's reference solution
    "rule",  # an expression, for teachers who know a little Python
)


@dataclass
class ContractFunction:
    """One function the child's program must define, e.g. ``profit(made, sold, price, cost)``."""

    name: str
    params: list[str]
    doc: str = ""

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


@dataclass
class Contract:
    """The functions a lesson asks for. ``text`` is passed to the model as is."""

    text: str
    functions: dict[str, ContractFunction] = field(default_factory=dict)


@dataclass
class CallCase:
    """One call of a contract function and the value it should give back."""

    args: list[Any]
    expect: Any = None
    expect_none: bool = False
    has_expect: bool = True
    prints: list[str] = field(default_factory=list)
    why: str = ""
    line: int | None = None


@dataclass
class Check:
    """One check of a step. Which fields matter depends on ``kind``."""

    kind: str
    name: str
    line: int | None = None
    feedback: str = ""  # the teacher's own words, shown when the check does not pass
    time_limit: float = 3.0
    # run (and file: the same run, then ``expect`` looks in the saved file instead of the screen)
    input: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    expect_not: list[str] = field(default_factory=list)
    # file
    file: str = ""  # the file the program saves in its own folder, e.g. "report.csv"
    rows: list[list[str]] = field(default_factory=list)  # the file read as CSV has exactly these rows
    # call / property / market
    function: str = ""
    cases: list[CallCase] = field(default_factory=list)
    # property
    inputs: dict[str, Any] = field(default_factory=dict)
    keep: list[str] = field(default_factory=list)
    trials: int = 100
    seed: int = 1
    rules: dict[str, Any] = field(default_factory=dict)
    # shape
    uses: list[str] = field(default_factory=list)
    avoids: list[str] = field(default_factory=list)
    not_literals: list[Any] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    # market
    market: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    title: str
    text: str  # Markdown shown to the child
    idea: str = ""  # a suggested idea the child may start from
    hints: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    line: int | None = None

    @property
    def trial_inputs(self) -> list[str] | None:
        """Answers for the model's trial run of a program made for this step: the first run or
        file check's answers (the program is then tried the way the step will check it), or None
        (the pipeline's generic answers) when no check types anything."""
        for check in self.checks:
            if check.kind in ("run", "file") and check.input:
                return list(check.input)
        return None


@dataclass
class Lesson:
    id: str
    title: str
    ages: tuple[int, int]
    concept: str
    python_ideas: list[str]
    steps: list[Step]
    folder: Path
    file: Path
    summary: str = ""
    extension: str = ""  # "Make it also..." idea for children who finish
    contract: Contract | None = None
    solution_file: Path | None = None
    order: int = 0
    allow_files: bool = False  # the program may save and read files in its own folder (file checks need it)

    @property
    def contract_text(self) -> str | None:
        """What the pipeline's ``MakeRequest.contract`` should get."""
        return self.contract.text.strip() if self.contract else None

    @property
    def ages_text(self) -> str:
        low, high = self.ages
        return f"{low}–{high}" if low != high else str(low)

    def solution_source(self) -> str | None:
        if self.solution_file and self.solution_file.is_file():
            return self.solution_file.read_text(encoding="utf-8")
        return None


@dataclass
class Problem:
    """Something wrong in a lesson file, in plain words, naming the file, line and field."""

    file: Path
    line: int | None
    field: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = str(self.file)
        if self.line:
            where += f", line {self.line}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


@dataclass
class BrokenLesson:
    """A lesson folder that could not be loaded; the app lists it with its problem and skips it."""

    folder: Path
    problems: list[Problem]

    @property
    def name(self) -> str:
        return self.folder.name


@dataclass
class LessonLibrary:
    lessons: list[Lesson]
    broken: list[BrokenLesson]

    def get(self, lesson_id: str) -> Lesson | None:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        return None


@dataclass
class CheckOutcome:
    """What one check found, in words for the child."""

    check: Check
    passed: bool
    title: str  # e.g. 'Check 2: "profit on a good day"'
    expected: str = ""
    happened: str = ""
    advice: str = ""
    story: str = ""  # market day: the profit-and-loss story and chart


@dataclass
class StepReport:
    """All checks of a step, run on one program."""

    step_index: int
    outcomes: list[CheckOutcome]

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def first_failure(self) -> CheckOutcome | None:
        return next((o for o in self.outcomes if not o.passed), None)
