"""The child's projects: programs, their timeline of checkpoints, the chat and model usage.

Everything is written to SQLite and committed at once (one transaction per call), so killing
the app at any moment loses nothing the child has already seen.

Checkpoints form a tree, not a line: each one records its ``parent_id`` and each project has a
"current" pointer. Undo moves the pointer to the parent, redo to the child visited most
recently. Making a new checkpoint after an undo starts a new branch; the old branch stays in
the database, listed by :meth:`ProjectStore.checkpoints` and reachable with
:meth:`ProjectStore.restore`, which copies an old checkpoint into a new one. Nothing is ever
dropped silently; even :meth:`ProjectStore.delete` only moves a project to the bin.

One connection is shared by all threads and guarded by a lock, so the TUI may call the store
from worker threads.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from vibecode.store.db import connect, ensure_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    owner TEXT,
    idea TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    current_checkpoint_id INTEGER,
    draft TEXT,
    draft_updated REAL,
    deleted REAL
);
CREATE INDEX IF NOT EXISTS projects_by_owner ON projects(owner, updated);
CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
    restored_from INTEGER,
    number INTEGER NOT NULL,
    program TEXT NOT NULL,
    summary TEXT NOT NULL,
    kind TEXT NOT NULL,
    created REAL NOT NULL,
    visited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS checkpoints_by_project ON checkpoints(project_id, id);
CREATE INDEX IF NOT EXISTS checkpoints_by_parent ON checkpoints(parent_id);
CREATE TABLE IF NOT EXISTS project_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS project_messages_by_project ON project_messages(project_id, id);
CREATE TABLE IF NOT EXISTS project_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    seconds REAL NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS project_usage_by_project ON project_usage(project_id);
"""

# What made a checkpoint. "start": the first program of a project; "ai": the model changed it
# after the child asked; "edit": the child edited the code; "fix": "Help me fix it";
# "restore": the child went back to an older checkpoint.
KINDS = ("start", "ai", "edit", "fix", "restore")

SUMMARY_LIMIT = 120
NAME_LIMIT = 40
DEFAULT_NAME = "My project"


class ProjectNotFound(KeyError):
    """Raised when a project or checkpoint id does not exist (a programming mistake)."""


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts).astimezone()


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    owner: str | None
    idea: str | None
    created: float  # seconds since the epoch
    updated: float
    current_checkpoint_id: int | None
    deleted: float | None = None  # when it went to the bin; None while it is in use

    @property
    def created_at(self) -> datetime:
        return _local(self.created)

    @property
    def updated_at(self) -> datetime:
        return _local(self.updated)


@dataclass(frozen=True)
class Checkpoint:
    id: int
    project_id: int
    parent_id: int | None
    number: int  # 1, 2, 3... in the order they were made within the project ("step 3")
    program: str
    summary: str  # one line in the child's words: "You asked: make cookies cheaper"
    kind: str  # one of KINDS
    created: float
    restored_from: int | None = None  # for kind "restore": the checkpoint that was copied

    @property
    def created_at(self) -> datetime:
        return _local(self.created)


@dataclass(frozen=True)
class Message:
    id: int
    project_id: int
    role: str  # "user" (the child), "assistant" (the helper model) or "note" (from vibecode)
    text: str
    created: float

    @property
    def created_at(self) -> datetime:
        return _local(self.created)


@dataclass(frozen=True)
class Usage:
    """What the model spent on a project: the numbers behind the "model meter"."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def one_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Squash whitespace so a summary fits one line, cutting with an ellipsis when too long."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


_WENT_BACK = "Went back to: "


def summary_for(kind: str, text: str | None = None) -> str:
    """The usual one-line summary for a checkpoint, in the child's words.

    ``text`` is what the child asked (kinds "start" and "ai") or the old checkpoint's summary
    (kind "restore").
    """
    said = one_line(text or "")
    if kind == "start":
        return one_line(f"You started: {said}") if said else "You started a new project"
    if kind == "ai":
        return one_line(f"You asked: {said}") if said else "You asked for a change"
    if kind == "edit":
        return "You changed the code"
    if kind == "fix":
        return "Help me fix it"
    if kind == "restore":
        while said.startswith(_WENT_BACK):
            said = said[len(_WENT_BACK) :]
        return one_line(_WENT_BACK + said) if said else "Went back to an earlier version"
    raise ValueError(f"unknown checkpoint kind {kind!r}; expected one of {KINDS}")


# --- project names -------------------------------------------------------------------------

_LEAD_PHRASES = [
    "please",
    "can you",
    "could you",
    "will you",
    "would you",
    "i want to make",
    "i want to build",
    "i want to create",
    "i want to",
    "i want",
    "i would like to make",
    "i would like",
    "i'd like to make",
    "i'd like",
    "let's make",
    "lets make",
    "let's build",
    "let's",
    "lets",
    "help me make",
    "help me",
    "make me",
    "build me",
    "write me",
    "give me",
    "tell me",
    "show me",
    "make",
    "build",
    "create",
    "write",
    "code",
    "program that",
    "program which",
    "program to",
    "app that",
    "app to",
    "game where",
    "game that",
    "i",
    "a",
    "an",
    "the",
    "my",
    "some",
]
_STOP_WORDS = {
    "that", "which", "who", "where", "when", "while", "with", "if", "until", "so", "because",
    "for", "from", "and", "but", "then", "made", "using", "by", "how", "what",
}  # fmt: skip
_MAX_NAME_WORDS = 5
# Verbs that say little alone ("Check", "Show"): keep reading past a stop word after them.
_WEAK_VERBS = {"check", "show", "see", "find", "tell", "count", "print", "draw", "say", "ask"}
_TRAILING = _STOP_WORDS | {"a", "an", "the", "my", "your", "of", "in", "on", "at", "against", "between",
                          "to", "is", "are"}


def name_from_idea(idea: str) -> str:
    """A short, friendly project name from the child's idea.

    "make a lemonade stand game where I pick the price" -> "Lemonade stand game".
    Falls back to "My project" when nothing usable is left.
    """
    text = " ".join(str(idea).split()).strip()
    # Only the first clause: stop at sentence or clause punctuation.
    text = re.split(r"[.!?:;,()\[\]{}\"\n]", text, maxsplit=1)[0].strip()
    lowered = text.lower()
    changed = True
    while changed and lowered:
        changed = False
        for phrase in _LEAD_PHRASES:
            if lowered == phrase or lowered.startswith(phrase + " "):
                text = text[len(phrase) :].lstrip()
                lowered = text.lower()
                changed = True
                break
    words: list[str] = []
    for word in text.split():
        bare = word.lower().strip("'-")
        if words and bare in _STOP_WORDS and not (len(words) == 1 and words[0].lower() in _WEAK_VERBS):
            break
        words.append(word)
        if len(words) >= _MAX_NAME_WORDS:
            break
    while words and words[-1].lower() in _TRAILING:
        words.pop()
    if not words:
        return DEFAULT_NAME
    name = " ".join(words)
    name = re.sub(r"[^\w' +&-]", "", name).strip()
    if not name:
        return DEFAULT_NAME
    name = name[0].upper() + name[1:]
    return one_line(name, NAME_LIMIT)


def clean_name(name: str) -> str:
    """A project name as stored: one line, not empty, not too long."""
    cleaned = one_line(name or "", NAME_LIMIT)
    return cleaned or DEFAULT_NAME


# --- the store -----------------------------------------------------------------------------


class ProjectStore:
    """Projects, checkpoints, chat messages and model usage in the shared SQLite database."""

    def __init__(self, conn: sqlite3.Connection | None = None) -> None:
        self._conn = conn if conn is not None else connect()
        if self._conn.row_factory is None:
            self._conn.row_factory = sqlite3.Row  # rows are read by column name
        self._lock = threading.RLock()
        with self._lock:
            ensure_schema(self._conn, SCHEMA)

    # -- plumbing --

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> _Transaction:
        """A locked transaction that commits when the block ends (or rolls back on error)."""
        return _Transaction(self._lock, self._conn)

    def _one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._conn.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _require_project(self, project_id: int) -> sqlite3.Row:
        row = self._one("SELECT * FROM projects WHERE id = ?", (project_id,))
        if row is None:
            raise ProjectNotFound(f"no project with id {project_id}")
        return row

    def _touch(self, project_id: int, now: float) -> None:
        self._conn.execute("UPDATE projects SET updated = ? WHERE id = ?", (now, project_id))

    def _next_visit(self, project_id: int) -> int:
        row = self._conn.execute(
            "SELECT COALESCE(MAX(visited), 0) + 1 FROM checkpoints WHERE project_id = ?",
            (project_id,),
        ).fetchone()
        return int(row[0])

    def _move_to(self, project_id: int, checkpoint_id: int) -> None:
        visit = self._next_visit(project_id)
        self._conn.execute("UPDATE checkpoints SET visited = ? WHERE id = ?", (visit, checkpoint_id))
        self._conn.execute(
            "UPDATE projects SET current_checkpoint_id = ?, updated = ? WHERE id = ?",
            (checkpoint_id, time.time(), project_id),
        )

    # -- projects --

    def create_project(self, name: str, owner: str | None = None, idea: str | None = None) -> Project:
        """Make a new, empty project (no checkpoint yet). ``idea`` is the child's first idea."""
        now = time.time()
        owner = one_line(owner, NAME_LIMIT) if owner and owner.strip() else None
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO projects (name, owner, idea, created, updated) VALUES (?, ?, ?, ?, ?)",
                (clean_name(name), owner, idea, now, now),
            )
            project_id = int(cur.lastrowid)
        project = self.get(project_id)
        assert project is not None
        return project

    def get(self, project_id: int) -> Project | None:
        """The project, or None if there is no such project (a project in the bin is returned)."""
        row = self._one("SELECT * FROM projects WHERE id = ?", (project_id,))
        return _project(row) if row is not None else None

    def list_projects(self, owner: str | None = None, limit: int | None = 20) -> list[Project]:
        """Projects not in the bin, most recently changed first; only ``owner``'s when given.

        Owner names match without caring about capitals ("mia" finds Mia's projects).
        """
        sql = "SELECT * FROM projects WHERE deleted IS NULL"
        args: list[object] = []
        if owner is not None:
            sql += " AND owner = ? COLLATE NOCASE"
            args.append(owner)
        sql += " ORDER BY updated DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [_project(row) for row in self._all(sql, tuple(args))]

    def owners(self) -> list[str]:
        """Every child name that owns a project, for a "who are you?" picker."""
        rows = self._all(
            "SELECT owner FROM projects WHERE owner IS NOT NULL AND deleted IS NULL "
            "GROUP BY owner COLLATE NOCASE ORDER BY MAX(updated) DESC"
        )
        return [row["owner"] for row in rows]

    def unique_name(self, name: str, owner: str | None = None) -> str:
        """``name``, or "name 2", "name 3"... so it does not clash with the owner's projects."""
        base = clean_name(name)
        taken = {p.name.lower() for p in self.list_projects(owner=owner, limit=None)}
        if base.lower() not in taken:
            return base
        n = 2
        while f"{base} {n}".lower() in taken:
            n += 1
        return f"{base} {n}"

    def rename(self, project_id: int, name: str) -> Project:
        self._require_project(project_id)
        with self._write() as conn:
            conn.execute(
                "UPDATE projects SET name = ?, updated = ? WHERE id = ?",
                (clean_name(name), time.time(), project_id),
            )
        return self._get_existing(project_id)

    def set_owner(self, project_id: int, owner: str | None) -> Project:
        self._require_project(project_id)
        owner = one_line(owner, NAME_LIMIT) if owner and owner.strip() else None
        with self._write() as conn:
            conn.execute("UPDATE projects SET owner = ? WHERE id = ?", (owner, project_id))
        return self._get_existing(project_id)

    def delete(self, project_id: int) -> None:
        """Move the project to the bin: hidden from lists, but :meth:`undelete` brings it back."""
        self._require_project(project_id)
        with self._write() as conn:
            conn.execute("UPDATE projects SET deleted = ? WHERE id = ?", (time.time(), project_id))

    def undelete(self, project_id: int) -> Project:
        self._require_project(project_id)
        with self._write() as conn:
            conn.execute(
                "UPDATE projects SET deleted = NULL, updated = ? WHERE id = ?", (time.time(), project_id)
            )
        return self._get_existing(project_id)

    def deleted_projects(self, owner: str | None = None) -> list[Project]:
        sql = "SELECT * FROM projects WHERE deleted IS NOT NULL"
        args: tuple = ()
        if owner is not None:
            sql += " AND owner = ? COLLATE NOCASE"
            args = (owner,)
        return [_project(row) for row in self._all(sql + " ORDER BY deleted DESC", args)]

    def purge(self, project_id: int) -> None:
        """Really remove a project and everything in it (for a teacher emptying the bin)."""
        with self._write() as conn:
            conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))

    def _get_existing(self, project_id: int) -> Project:
        project = self.get(project_id)
        if project is None:
            raise ProjectNotFound(f"no project with id {project_id}")
        return project

    # -- checkpoints --

    def add_checkpoint(
        self,
        project_id: int,
        program: str,
        summary: str | None = None,
        kind: str = "ai",
        *,
        only_if_changed: bool = False,
    ) -> Checkpoint:
        """Save ``program`` as a new checkpoint after the current one and make it current.

        ``summary`` defaults to :func:`summary_for(kind) <summary_for>`. With
        ``only_if_changed`` an identical program returns the current checkpoint instead of
        adding one (handy for saving edits). Clears the project's editor draft.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown checkpoint kind {kind!r}; expected one of {KINDS}")
        text = one_line(summary) if summary and summary.strip() else summary_for(kind)
        return self._add(project_id, program, text, kind, None, only_if_changed)

    def _add(
        self,
        project_id: int,
        program: str,
        summary: str,
        kind: str,
        restored_from: int | None,
        only_if_changed: bool,
    ) -> Checkpoint:
        with self._write() as conn:
            row = conn.execute(
                "SELECT current_checkpoint_id FROM projects WHERE id = ?", (project_id,)
            ).fetchone()
            if row is None:
                raise ProjectNotFound(f"no project with id {project_id}")
            parent_id = row["current_checkpoint_id"]
            if only_if_changed and parent_id is not None:
                parent = conn.execute("SELECT * FROM checkpoints WHERE id = ?", (parent_id,)).fetchone()
                if parent is not None and parent["program"] == program:
                    return _checkpoint(parent)
            now = time.time()
            number = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM checkpoints WHERE project_id = ?",
                (project_id,),
            ).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO checkpoints (project_id, parent_id, restored_from, number, program, "
                "summary, kind, created, visited) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    project_id,
                    parent_id,
                    restored_from,
                    number,
                    program,
                    summary,
                    kind,
                    now,
                    self._next_visit(project_id),
                ),
            )
            checkpoint_id = int(cur.lastrowid)
            conn.execute(
                "UPDATE projects SET current_checkpoint_id = ?, updated = ?, draft = NULL, "
                "draft_updated = NULL WHERE id = ?",
                (checkpoint_id, now, project_id),
            )
            new = conn.execute("SELECT * FROM checkpoints WHERE id = ?", (checkpoint_id,)).fetchone()
        return _checkpoint(new)

    def checkpoint(self, checkpoint_id: int) -> Checkpoint | None:
        row = self._one("SELECT * FROM checkpoints WHERE id = ?", (checkpoint_id,))
        return _checkpoint(row) if row is not None else None

    def checkpoints(self, project_id: int) -> list[Checkpoint]:
        """Every checkpoint of the project, on every branch, oldest first."""
        rows = self._all("SELECT * FROM checkpoints WHERE project_id = ? ORDER BY id", (project_id,))
        return [_checkpoint(row) for row in rows]

    def current(self, project_id: int) -> Checkpoint | None:
        """The checkpoint the child is looking at, or None before the first program."""
        row = self._one(
            "SELECT c.* FROM projects p JOIN checkpoints c ON c.id = p.current_checkpoint_id "
            "WHERE p.id = ?",
            (project_id,),
        )
        return _checkpoint(row) if row is not None else None

    def history(self, project_id: int) -> list[Checkpoint]:
        """The line undo walks: the current checkpoint and its ancestors, oldest first."""
        rows = self._all(
            "WITH RECURSIVE line(id, depth) AS ("
            " SELECT current_checkpoint_id, 0 FROM projects"
            " WHERE id = ? AND current_checkpoint_id IS NOT NULL"
            " UNION ALL SELECT c.parent_id, line.depth + 1 FROM checkpoints c JOIN line ON c.id = line.id"
            " WHERE c.parent_id IS NOT NULL AND line.depth < 1000000)"
            " SELECT c.* FROM line JOIN checkpoints c ON c.id = line.id ORDER BY line.depth DESC",
            (project_id,),
        )
        return [_checkpoint(row) for row in rows]

    def _undo_target(self, project_id: int) -> int | None:
        row = self._one(
            "SELECT c.parent_id FROM projects p JOIN checkpoints c ON c.id = p.current_checkpoint_id "
            "WHERE p.id = ?",
            (project_id,),
        )
        return row["parent_id"] if row is not None else None

    def _redo_target(self, project_id: int) -> int | None:
        row = self._one(
            "SELECT c.id FROM projects p JOIN checkpoints c ON c.parent_id = p.current_checkpoint_id "
            "WHERE p.id = ? ORDER BY c.visited DESC, c.id DESC LIMIT 1",
            (project_id,),
        )
        return row["id"] if row is not None else None

    def can_undo(self, project_id: int) -> bool:
        return self._undo_target(project_id) is not None

    def can_redo(self, project_id: int) -> bool:
        return self._redo_target(project_id) is not None

    def undo(self, project_id: int) -> Checkpoint | None:
        """Step back to the previous checkpoint; None (and no change) when at the start."""
        self._require_project(project_id)
        with self._write():
            target = self._undo_target(project_id)
            if target is None:
                return None
            self._move_to(project_id, target)
        return self.checkpoint(target)

    def redo(self, project_id: int) -> Checkpoint | None:
        """Step forward again to the checkpoint undo left (the most recently visited child)."""
        self._require_project(project_id)
        with self._write():
            target = self._redo_target(project_id)
            if target is None:
                return None
            self._move_to(project_id, target)
        return self.checkpoint(target)

    def restore(self, project_id: int, checkpoint_id: int) -> Checkpoint:
        """Go back to any old checkpoint by copying it into a new one ("Went back to: ...").

        The copy comes after the current checkpoint, so undo returns to where the child was.
        """
        old = self.checkpoint(checkpoint_id)
        if old is None or old.project_id != project_id:
            raise ProjectNotFound(f"project {project_id} has no checkpoint {checkpoint_id}")
        return self._add(
            project_id, old.program, summary_for("restore", old.summary), "restore", old.id, False
        )

    # -- the editor draft (unsaved edits survive a crash) --

    def save_draft(self, project_id: int, text: str) -> None:
        """Keep what is in the editor right now, without making a checkpoint."""
        self._require_project(project_id)
        with self._write() as conn:
            conn.execute(
                "UPDATE projects SET draft = ?, draft_updated = ? WHERE id = ?",
                (text, time.time(), project_id),
            )

    def draft(self, project_id: int) -> str | None:
        """The unsaved editor text, if any (cleared by the next checkpoint)."""
        row = self._require_project(project_id)
        return row["draft"]

    def clear_draft(self, project_id: int) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE projects SET draft = NULL, draft_updated = NULL WHERE id = ?", (project_id,)
            )

    # -- chat messages --

    def add_message(self, project_id: int, role: str, text: str) -> Message:
        """Save one line of the chat transcript ("user", "assistant" or "note")."""
        if not role or not role.strip():
            raise ValueError("a message needs a role")
        now = time.time()
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone() is None:
                raise ProjectNotFound(f"no project with id {project_id}")
            cur = conn.execute(
                "INSERT INTO project_messages (project_id, role, text, created) VALUES (?, ?, ?, ?)",
                (project_id, role.strip(), text, now),
            )
            self._touch(project_id, now)
        return Message(int(cur.lastrowid), project_id, role.strip(), text, now)

    def messages(self, project_id: int, limit: int | None = None) -> list[Message]:
        """The transcript, oldest first; with ``limit`` only the last ``limit`` messages."""
        if limit is None:
            rows = self._all(
                "SELECT * FROM project_messages WHERE project_id = ? ORDER BY id", (project_id,)
            )
        else:
            rows = self._all(
                "SELECT * FROM (SELECT * FROM project_messages WHERE project_id = ? "
                "ORDER BY id DESC LIMIT ?) ORDER BY id",
                (project_id, int(limit)),
            )
        return [
            Message(row["id"], row["project_id"], row["role"], row["text"], row["created"])
            for row in rows
        ]

    # -- model usage --

    def add_usage(
        self, project_id: int, prompt_tokens: int, completion_tokens: int, seconds: float
    ) -> None:
        """Record one model call for the project's "model meter"."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone() is None:
                raise ProjectNotFound(f"no project with id {project_id}")
            conn.execute(
                "INSERT INTO project_usage (project_id, prompt_tokens, completion_tokens, seconds, "
                "created) VALUES (?, ?, ?, ?, ?)",
                (project_id, int(prompt_tokens), int(completion_tokens), float(seconds), time.time()),
            )

    def usage(self, project_id: int | None = None) -> Usage:
        """Model usage of one project, or of all projects when ``project_id`` is None."""
        sql = (
            "SELECT COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
            "COALESCE(SUM(seconds), 0.0), COUNT(*) FROM project_usage"
        )
        args: tuple = ()
        if project_id is not None:
            sql += " WHERE project_id = ?"
            args = (project_id,)
        row = self._one(sql, args)
        assert row is not None
        return Usage(int(row[0]), int(row[1]), float(row[2]), int(row[3]))


class _Transaction:
    """Hold the store's lock for one transaction; commit at the end, roll back on error."""

    def __init__(self, lock: threading.RLock, conn: sqlite3.Connection) -> None:
        self._lock = lock
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            if not self._conn.in_transaction:
                # Take the write lock now, so reads inside the transaction (the next step
                # number, the current pointer) cannot race another vibecode process.
                self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._lock.release()


def _project(row: sqlite3.Row) -> Project:
    return Project(
        id=row["id"],
        name=row["name"],
        owner=row["owner"],
        idea=row["idea"],
        created=row["created"],
        updated=row["updated"],
        current_checkpoint_id=row["current_checkpoint_id"],
        deleted=row["deleted"],
    )


def _checkpoint(row: sqlite3.Row) -> Checkpoint:
    return Checkpoint(
        id=row["id"],
        project_id=row["project_id"],
        parent_id=row["parent_id"],
        number=row["number"],
        program=row["program"],
        summary=row["summary"],
        kind=row["kind"],
        created=row["created"],
        restored_from=row["restored_from"],
    )


def iter_branch_tips(checkpoints: list[Checkpoint]) -> Iterator[Checkpoint]:
    """Checkpoints nothing was built on: the ends of every branch (old ones included)."""
    parents = {c.parent_id for c in checkpoints if c.parent_id is not None}
    return (c for c in checkpoints if c.id not in parents)
