"""Progress per child and lesson, in the local SQLite database: steps done, hints used, checks
tried, time spent. No server: a teacher collects the database files and ``vibecode report``
merges them by child name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone

from vibecode.store.db import connect, ensure_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS lesson_progress (
    child TEXT NOT NULL,
    lesson_id TEXT NOT NULL,
    lesson_title TEXT NOT NULL DEFAULT '',
    step INTEGER NOT NULL,
    steps_total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    hints_used INTEGER NOT NULL DEFAULT 0,
    checks_tried INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    last_failed TEXT NOT NULL DEFAULT '',
    last_program TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    done_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (child, lesson_id, step)
);
CREATE INDEX IF NOT EXISTS lesson_progress_child ON lesson_progress(child);
"""

NO_NAME = "(no name)"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def child_key(name: str | None) -> str:
    """A child's name with extra spaces removed; the class report also ignores upper/lower case."""
    cleaned = " ".join((name or "").split())
    return cleaned or NO_NAME


@dataclass
class StepProgress:
    step: int  # 0-based
    done: bool = False
    hints_used: int = 0
    checks_tried: int = 0
    seconds: float = 0.0
    last_failed: str = ""


@dataclass
class LessonProgress:
    child: str
    lesson_id: str
    lesson_title: str = ""
    steps_total: int = 0
    steps: dict[int, StepProgress] = field(default_factory=dict)
    updated_at: str = ""

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps.values() if s.done)

    @property
    def hints_used(self) -> int:
        return sum(s.hints_used for s in self.steps.values())

    @property
    def checks_tried(self) -> int:
        return sum(s.checks_tried for s in self.steps.values())

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps.values())

    @property
    def finished(self) -> bool:
        return self.steps_total > 0 and self.steps_done >= self.steps_total

    def first_open_step(self) -> int:
        """Where to carry on: the first step not done yet (or the last step)."""
        for index in range(self.steps_total):
            if not (index in self.steps and self.steps[index].done):
                return index
        return max(0, self.steps_total - 1)


class ProgressStore:
    """Reads and writes lesson progress. One connection; safe to share with the app's thread."""

    def __init__(self, conn: sqlite3.Connection | None = None) -> None:
        self.conn = conn if conn is not None else connect()
        ensure_schema(self.conn, SCHEMA)

    def _touch(self, child: str, lesson_id: str, step: int, title: str = "", total: int = 0) -> None:
        now = _now()
        self.conn.execute(
            "INSERT INTO lesson_progress (child, lesson_id, lesson_title, step, steps_total, started_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(child, lesson_id, step) DO UPDATE SET"
            " lesson_title = CASE WHEN excluded.lesson_title != '' THEN excluded.lesson_title ELSE lesson_title END,"
            " steps_total = MAX(steps_total, excluded.steps_total), updated_at = excluded.updated_at",
            (child_key(child), lesson_id, title, step, total, now, now),
        )

    def start(self, child: str | None, lesson_id: str, step: int, *, title: str = "", steps_total: int = 0) -> None:
        """Note that a child opened a step (so the teacher sees it was started)."""
        with self.conn:
            self._touch(child_key(child), lesson_id, step, title, steps_total)

    def hint_used(self, child: str | None, lesson_id: str, step: int, count: int) -> None:
        """Record how many hints of this step have been shown (the most ever shown)."""
        with self.conn:
            self._touch(child_key(child), lesson_id, step)
            self.conn.execute(
                "UPDATE lesson_progress SET hints_used = MAX(hints_used, ?) WHERE child = ? AND lesson_id = ? AND step = ?",
                (count, child_key(child), lesson_id, step),
            )

    def check_tried(self, child: str | None, lesson_id: str, step: int, *, passed: bool,
                    failed_check: str = "", program: str = "") -> None:
        with self.conn:
            self._touch(child_key(child), lesson_id, step)
            now = _now()
            self.conn.execute(
                "UPDATE lesson_progress SET checks_tried = checks_tried + 1, last_failed = ?, last_program = ?,"
                " done = MAX(done, ?), done_at = CASE WHEN ? AND done_at IS NULL THEN ? ELSE done_at END"
                " WHERE child = ? AND lesson_id = ? AND step = ?",
                ("" if passed else failed_check, program, int(passed), int(passed), now,
                 child_key(child), lesson_id, step),
            )

    def add_time(self, child: str | None, lesson_id: str, step: int, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.conn:
            self._touch(child_key(child), lesson_id, step)
            self.conn.execute(
                "UPDATE lesson_progress SET seconds = seconds + ? WHERE child = ? AND lesson_id = ? AND step = ?",
                (float(seconds), child_key(child), lesson_id, step),
            )

    def lesson(self, child: str | None, lesson_id: str, steps_total: int = 0) -> LessonProgress:
        rows = self.conn.execute(
            "SELECT * FROM lesson_progress WHERE child = ? AND lesson_id = ? ORDER BY step",
            (child_key(child), lesson_id),
        ).fetchall()
        progress = LessonProgress(child_key(child), lesson_id, steps_total=steps_total)
        for row in rows:
            progress.lesson_title = row["lesson_title"] or progress.lesson_title
            progress.steps_total = max(progress.steps_total, row["steps_total"])
            progress.updated_at = max(progress.updated_at, row["updated_at"])
            progress.steps[row["step"]] = StepProgress(
                row["step"], bool(row["done"]), row["hints_used"], row["checks_tried"], row["seconds"], row["last_failed"]
            )
        return progress

    def rows(self) -> list[dict]:
        """Every stored row, as plain dicts (for the report)."""
        return [dict(row) for row in self.conn.execute("SELECT * FROM lesson_progress ORDER BY child, lesson_id, step")]
