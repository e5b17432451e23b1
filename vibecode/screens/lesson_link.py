"""The bridge to the lessons engineer's parts: list lessons and open one, kindly if missing."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("vibecode.ui")


def list_lessons() -> list[tuple[str, str]]:
    """(id, title) of every lesson found; empty if lessons are not installed or fail to load."""
    try:
        from vibecode import lessons
    except ImportError:
        return []
    try:
        found = lessons.load_lessons()
    except Exception:
        log.exception("loading lessons failed")
        return []
    return [(str(lesson.id), str(lesson.title)) for lesson in found]


def open_lesson(app: Any, lesson_id: str) -> None:
    try:
        from vibecode.screens.lesson import LessonScreen
    except ImportError:
        app.notify("Lessons are not ready on this computer yet.", timeout=4)
        return
    app.push_screen(LessonScreen(lesson_id))
