"""The class progress report: one or several machines' databases merged by child name, as a CSV
file and an HTML page a teacher can open in a browser or print. No server needed: collect the
database files from the room's terminals (USB stick, shared folder) and run ``vibecode report``.
"""

from __future__ import annotations

import csv
import html
import io
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

COLUMNS = ["child", "lesson", "lesson_title", "steps_done", "steps_total", "finished",
           "hints_used", "checks_tried", "minutes", "last_activity"]


@dataclass
class ReportRow:
    child: str
    lesson: str
    lesson_title: str
    steps_done: int
    steps_total: int
    hints_used: int
    checks_tried: int
    seconds: float
    last_activity: str

    @property
    def finished(self) -> bool:
        return self.steps_total > 0 and self.steps_done >= self.steps_total

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)

    def as_dict(self) -> dict:
        return {
            "child": self.child, "lesson": self.lesson, "lesson_title": self.lesson_title,
            "steps_done": self.steps_done, "steps_total": self.steps_total,
            "finished": "yes" if self.finished else "no", "hints_used": self.hints_used,
            "checks_tried": self.checks_tried, "minutes": self.minutes, "last_activity": self.last_activity,
        }


def read_database(path: Path) -> list[dict]:
    """The progress rows of one database file, opened read-only; [] if it has no lessons yet."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM lesson_progress")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def merge(rows_per_machine: list[list[dict]], lesson_info: dict[str, tuple[str, int]] | None = None) -> list[ReportRow]:
    """Merge step rows from several machines: a child is the same child whatever the case of
    their name. A step is done if it was done anywhere; checks and time add up; hints take the most."""
    lesson_info = lesson_info or {}
    steps: dict[tuple[str, str, int], dict] = {}
    names: dict[str, str] = {}
    for rows in rows_per_machine:
        for row in rows:
            child = " ".join(str(row["child"]).split())
            key = (child.casefold(), row["lesson_id"], int(row["step"]))
            names.setdefault(child.casefold(), child)
            merged = steps.setdefault(key, {"done": 0, "hints": 0, "checks": 0, "seconds": 0.0, "updated": "",
                                             "title": "", "total": 0})
            merged["done"] = max(merged["done"], int(row["done"]))
            merged["hints"] = max(merged["hints"], int(row["hints_used"]))
            merged["checks"] += int(row["checks_tried"])
            merged["seconds"] += float(row["seconds"])
            merged["updated"] = max(merged["updated"], str(row["updated_at"] or ""))
            merged["title"] = merged["title"] or str(row.get("lesson_title") or "")
            merged["total"] = max(merged["total"], int(row.get("steps_total") or 0))
    per_lesson: dict[tuple[str, str], ReportRow] = {}
    for (child, lesson_id, _step), data in sorted(steps.items()):
        title, total = lesson_info.get(lesson_id, (data["title"], data["total"]))
        row = per_lesson.setdefault((child, lesson_id), ReportRow(
            names[child], lesson_id, title or data["title"] or lesson_id, 0, max(total, data["total"]), 0, 0, 0.0, ""))
        row.steps_done += data["done"]
        row.hints_used += data["hints"]
        row.checks_tried += data["checks"]
        row.seconds += data["seconds"]
        row.last_activity = max(row.last_activity, data["updated"])
    return sorted(per_lesson.values(), key=lambda r: (r.child.casefold(), r.lesson))


def to_csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict())
    return out.getvalue()


def to_html(rows: list[ReportRow], title: str = "Class progress") -> str:
    """A page with a children × lessons overview and the full table; prints well too."""
    esc = html.escape
    children = sorted({r.child for r in rows}, key=str.casefold)
    lessons = sorted({(r.lesson, r.lesson_title) for r in rows})
    cell = {(r.child, r.lesson): r for r in rows}
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{esc(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:center}"
        "th{background:#f0f0f0}td.name{text-align:left;font-weight:bold}.done{background:#d9f2d9}"
        ".some{background:#fff4cc}.none{color:#999}</style></head><body>",
        f"<h1>{esc(title)}</h1>", f"<p>{len(children)} children, {len(lessons)} lessons. Made {esc(made)}.</p>",
        "<h2>Overview</h2><p>Steps done out of the lesson's steps. Green: finished.</p>",
        "<table><tr><th>Child</th>" + "".join(f"<th>{esc(t)}</th>" for _, t in lessons) + "</tr>",
    ]
    for child in children:
        tds = []
        for lesson_id, _ in lessons:
            r = cell.get((child, lesson_id))
            if r is None:
                tds.append('<td class="none">–</td>')
            else:
                css = "done" if r.finished else "some"
                tds.append(f'<td class="{css}">{r.steps_done}/{r.steps_total or "?"}</td>')
        parts.append(f'<tr><td class="name">{esc(child)}</td>{"".join(tds)}</tr>')
    parts.append("</table><h2>Details</h2><table><tr>" + "".join(
        f"<th>{esc(h)}</th>" for h in ["Child", "Lesson", "Steps done", "Hints used", "Checks tried", "Minutes", "Last activity"]
    ) + "</tr>")
    for r in rows:
        parts.append(
            f'<tr><td class="name">{esc(r.child)}</td><td>{esc(r.lesson_title)}</td>'
            f"<td>{r.steps_done}/{r.steps_total or '?'}</td><td>{r.hints_used}</td><td>{r.checks_tried}</td>"
            f"<td>{r.minutes}</td><td>{esc(r.last_activity)}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts)


def to_text(rows: list[ReportRow]) -> str:
    """A plain table for the terminal (the teacher view in the CLI)."""
    if not rows:
        return "No lesson progress yet."
    header = f"{'Child':<16} {'Lesson':<30} {'Steps':>6} {'Hints':>6} {'Checks':>7} {'Min':>5}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r.child[:16]:<16} {r.lesson_title[:30]:<30} {f'{r.steps_done}/{r.steps_total}':>6} "
                     f"{r.hints_used:>6} {r.checks_tried:>7} {r.minutes:>5}")
    return "\n".join(lines)


def build_report(databases: list[Path], lesson_dirs: list[str] | None = None) -> list[ReportRow]:
    """Read every database and merge; lesson titles and step counts come from the lesson files."""
    from vibecode.lessons.loader import load_library

    library = load_library(lesson_dirs or [])
    info = {lesson.id: (lesson.title, len(lesson.steps)) for lesson in library.lessons}
    return merge([read_database(path) for path in databases], info)
