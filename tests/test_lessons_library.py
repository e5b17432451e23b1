"""The shipped lesson library: every lesson reads cleanly and every reference solution passes
its own checks in the real sandbox (the same thing `vibecode lessons check` does in CI)."""

from __future__ import annotations

import pytest

from vibecode.lessons.loader import builtin_lessons_dir, load_library
from vibecode.lessons.validate import check_path

REQUIRED_TOPICS = [
    "lemonade", "weather", "bake", "save", "shop", "price", "sign", "break", "investor", "change", "survey", "report",
]


def test_library_has_twelve_complete_lessons():
    library = load_library()
    assert not library.broken, [str(p) for b in library.broken for p in b.problems]
    lessons = library.lessons
    assert len(lessons) >= 12
    joined = " ".join(f"{lesson.id} {lesson.title}".lower() for lesson in lessons)
    for topic in REQUIRED_TOPICS:
        assert topic in joined, f"no lesson about {topic}"
    for lesson in lessons:
        assert 3 <= len(lesson.steps) <= 6, lesson.id
        assert lesson.extension, lesson.id
        assert lesson.contract is not None and lesson.contract.functions, lesson.id
        assert lesson.solution_source(), lesson.id
        assert 9 <= lesson.ages[0] <= lesson.ages[1] <= 14, lesson.id
        for step in lesson.steps:
            assert step.hints and step.checks and step.idea, (lesson.id, step.title)
    kinds = {check.kind for lesson in lessons for step in lesson.steps for check in step.checks}
    assert kinds == {"run", "call", "property", "shape", "market", "file"}


@pytest.mark.slow
def test_every_reference_solution_passes_its_own_checks():
    results = check_path(builtin_lessons_dir())
    assert len(results) >= 12
    problems = [str(p) for r in results for p in r.problems]
    assert all(r.ok for r in results), problems
    assert not problems, problems  # not even a note: the shipped lessons are the example to copy


def test_lessons_are_found_through_the_package():
    import lessons

    folder = builtin_lessons_dir()
    assert (folder / "01-lemonade-stand" / "lesson.toml").is_file()
    assert str(folder) in [str(p) for p in lessons.__path__]


def test_a_step_tries_the_model_program_with_its_own_answers():
    lesson = load_library().get("01-lemonade-stand")
    assert lesson.steps[0].trial_inputs is None  # only calls: the pipeline's generic answers
    assert lesson.steps[1].trial_inputs == ["20", "15", "50", "20"]  # the first run check's answers
