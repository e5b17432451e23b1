"""The teacher's log of turned-down ideas, kept in vibecode's SQLite database.

Only ideas the safety layer turned down are kept (never personal details, never anything else
a child typed), and only while the teacher's file says so. Old entries are deleted every time
the log is written or read, so nothing outlives the teacher's ``keep_days``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vibecode.store.db import connect, ensure_schema

if TYPE_CHECKING:
    from vibecode.safety.ideas import IdeaCheck

SCHEMA = """
CREATE TABLE IF NOT EXISTS safety_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,          -- seconds since 1970 (UTC)
    kind TEXT NOT NULL,             -- harmful | adult | unkind | blocked
    category TEXT,                  -- finer reason, e.g. hack, password
    idea TEXT NOT NULL,             -- what the child typed (cut to MAX_IDEA_CHARS)
    matched TEXT                    -- the words that triggered it
);
CREATE INDEX IF NOT EXISTS safety_flags_created ON safety_flags(created);
"""
MAX_IDEA_CHARS = 500
DAY = 86_400.0


@dataclass(frozen=True)
class Flag:
    id: int
    created: float
    kind: str
    category: str | None
    idea: str
    matched: str | None


def _open(conn: sqlite3.Connection | None) -> sqlite3.Connection:
    conn = conn or connect()
    ensure_schema(conn, SCHEMA)
    return conn


def prune(conn: sqlite3.Connection, keep_days: int, now: float | None = None) -> int:
    """Delete entries older than ``keep_days``; returns how many went."""
    cutoff = (now if now is not None else time.time()) - keep_days * DAY
    cursor = conn.execute("DELETE FROM safety_flags WHERE created < ?", (cutoff,))
    conn.commit()
    return cursor.rowcount


def record_flag(
    idea: str,
    check: IdeaCheck,
    *,
    keep_days: int = 30,
    conn: sqlite3.Connection | None = None,
    now: float | None = None,
) -> None:
    """Keep one turned-down idea for the teacher. Never raises: a full disk must not stop a child."""
    if check.allowed or check.kind == "personal":
        return
    own = conn is None
    try:
        db = _open(conn)
        try:
            stamp = now if now is not None else time.time()
            prune(db, keep_days, now=stamp)
            db.execute(
                "INSERT INTO safety_flags (created, kind, category, idea, matched) VALUES (?, ?, ?, ?, ?)",
                (stamp, check.kind, check.category, idea[:MAX_IDEA_CHARS], "; ".join(check.matched) or None),
            )
            db.commit()
        finally:
            if own:
                db.close()
    except sqlite3.Error:
        import logging

        logging.getLogger(__name__).exception("Could not write the safety log")


def read_flags(
    *, keep_days: int = 30, conn: sqlite3.Connection | None = None, now: float | None = None, limit: int = 200
) -> list[Flag]:
    """The kept entries, newest first (after removing ones past ``keep_days``)."""
    own = conn is None
    db = _open(conn)
    try:
        prune(db, keep_days, now=now)
        rows = db.execute(
            "SELECT id, created, kind, category, idea, matched FROM safety_flags ORDER BY created DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [Flag(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
    finally:
        if own:
            db.close()


def clear_flags(conn: sqlite3.Connection | None = None) -> int:
    """Delete the whole log (the teacher's "start fresh")."""
    own = conn is None
    db = _open(conn)
    try:
        cursor = db.execute("DELETE FROM safety_flags")
        db.commit()
        return cursor.rowcount
    finally:
        if own:
            db.close()
