"""Guided lessons: entrepreneurial mini-projects written by teachers as TOML files, checked for real.

    from vibecode.lessons import load_library, read_lesson, check_step
    library = load_library(settings.lesson_dirs)      # broken lessons are listed, never raised
    report = check_step(lesson, step_index, program)  # runs the checks in the sandbox
"""

from vibecode.lessons.loader import builtin_lessons_dir, load_library, read_lesson
from vibecode.lessons.model import (
    BrokenLesson,
    Check,
    CheckOutcome,
    Lesson,
    LessonLibrary,
    Problem,
    Step,
    StepReport,
)


def check_step(lesson: Lesson, step_index: int, program: str, **kwargs) -> StepReport:
    """Run one step's checks on a program (imports the sandbox only when called)."""
    from vibecode.lessons.checks import check_step as _check_step

    return _check_step(lesson, step_index, program, **kwargs)


__all__ = [
    "BrokenLesson", "Check", "CheckOutcome", "Lesson", "LessonLibrary", "Problem", "Step", "StepReport",
    "builtin_lessons_dir", "check_step", "load_library", "read_lesson",
]


def load_lessons(extra_dirs: list[str] | None = None) -> list[Lesson]:
    """The usable lessons (shipped + the teacher's folders from settings); broken ones are skipped."""
    dirs = list(extra_dirs or [])
    if extra_dirs is None:
        try:
            from vibecode.settings import load_settings

            dirs = list(load_settings().lesson_dirs)
        except Exception:
            dirs = []
    return load_library(dirs).lessons


__all__.append("load_lessons")
