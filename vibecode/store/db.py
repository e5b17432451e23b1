"""The one place that opens vibecode's SQLite database.

Each storage module (projects, progress, ...) creates its own tables with
``CREATE TABLE IF NOT EXISTS`` through :func:`ensure_schema`, so modules stay independent.
WAL mode plus ``synchronous=NORMAL`` means a killed app loses nothing that was committed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vibecode.paths import data_dir

DB_FILENAME = "vibecode.sqlite3"


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the database; rows come back as ``sqlite3.Row``."""
    db_path = Path(path) if path is not None else default_db_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def ensure_schema(conn: sqlite3.Connection, statements: str) -> None:
    """Run a module's ``CREATE TABLE IF NOT EXISTS ...`` script."""
    conn.executescript(statements)
    conn.commit()
