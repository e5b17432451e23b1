"""``vibecode lessons check``: find every problem in lesson files, for teachers.

Reading finds missing fields, wrong types and checks that call unknown functions; then each
lesson's reference solution is run against the lesson's own checks in the sandbox, so a lesson
whose checks are wrong (or whose solution is) is caught before a child meets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vibecode.lessons.loader import LESSON_FILE, lesson_folders, read_lesson
from vibecode.lessons.model import Lesson, Problem


@dataclass
class LessonCheck:
    folder: Path
    lesson: Lesson | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.lesson is not None and not self.errors


def solution_problems(lesson: Lesson) -> list[Problem]:
    """Run the reference solution through every step's checks; each failure is a problem."""
    from vibecode.lessons.checks import check_step

    source = lesson.solution_source()
    if source is None:
        return [Problem(lesson.file, None, "field 'solution'",
                        "this lesson has no reference solution (solution.py), so its checks cannot be tested.",
                        severity="warning")]
    problems: list[Problem] = []
    for index in range(len(lesson.steps)):
        report = check_step(lesson, index, source, solution_source=source)
        for number, outcome in enumerate(report.outcomes, start=1):
            if outcome.passed:
                continue
            detail = outcome.happened
            if outcome.expected:
                detail += f" (expected {outcome.expected})"
            problems.append(Problem(
                lesson.file, outcome.check.line, f"step {index + 1}, check {number}",
                f"the reference solution fails this check: {detail}",
            ))
    return problems


def style_problems(lesson: Lesson) -> list[Problem]:
    """Gentle warnings: things a lesson for children should have."""
    problems = []
    for index, step in enumerate(lesson.steps, start=1):
        if not step.hints:
            problems.append(Problem(lesson.file, step.line, f"step {index}, field 'hints'",
                                    "this step has no hints; children who are stuck need at least one.", "warning"))
        if not step.idea:
            problems.append(Problem(lesson.file, step.line, f"step {index}, field 'idea'",
                                    "this step has no suggested idea to start from.", "warning"))
    if not lesson.extension:
        problems.append(Problem(lesson.file, 1, "field 'extension'",
                                "there is no \"make it also…\" extension for children who finish early.", "warning"))
    return problems


def check_folder(folder: Path, *, run_solutions: bool = True) -> LessonCheck:
    lesson, problems = read_lesson(folder)
    result = LessonCheck(Path(folder), lesson, list(problems))
    if lesson is not None:
        result.problems += style_problems(lesson)
        if run_solutions:
            result.problems += solution_problems(lesson)
    return result


def check_path(path: Path, *, run_solutions: bool = True) -> list[LessonCheck]:
    """A lesson folder, a lesson.toml, or a folder of lesson folders."""
    path = Path(path)
    if path.is_file() and path.name == LESSON_FILE:
        path = path.parent
    folders = lesson_folders(path)
    if not folders:
        return [LessonCheck(path, None, [Problem(path, None, "", f"no {LESSON_FILE} was found here.")])]
    return [check_folder(folder, run_solutions=run_solutions) for folder in folders]
