"""Take a project home: the program as a ``.py`` file, or a web page telling how it was made.

The HTML page is one self-contained file (inline CSS, no scripts, no links to the internet) that
a parent or teacher can open in any browser. Every piece of text from the child, the model or a
program is escaped, and a Content-Security-Policy forbids scripts even if something slipped by.
"""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path

import platformdirs
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from vibecode.fileio import write_text_atomic
from vibecode.store.diff import ADDED, REMOVED, diff_hunks, diff_summary
from vibecode.store.projects import (
    Checkpoint,
    Message,
    Project,
    ProjectNotFound,
    ProjectStore,
    Usage,
    one_line,
)

STORY_DIFF_LINES = 40  # at most this many diff lines per step in the story; the rest is counted
PYGMENTS_STYLE = "friendly"  # a light style: the page is for reading and printing

KIND_LABELS = {
    "start": "first idea",
    "ai": "idea",
    "edit": "own change",
    "fix": "fix",
    "restore": "went back",
}
ROLE_LABELS = {"user": "You", "assistant": "Helper", "note": "vibecode", "system": "vibecode"}

# C0/C1 control characters (terminal escapes and the like), except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str | None) -> str:
    """Text safe to show: control characters replaced, so terminal escapes cannot hide anything."""
    return _CONTROL.sub("\ufffd", text or "").replace("\r\n", "\n").replace("\r", "\n")


def _esc(text: str | None) -> str:
    return html.escape(_clean(text), quote=True)


def _date(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}"


def _when(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}, {dt:%H:%M}"


# --- the program as a .py file ---------------------------------------------------------------


def export_py(project: Project, checkpoint: Checkpoint | None) -> str:
    """The program with a short header comment (project name, who made it, date)."""
    program = checkpoint.program if checkpoint is not None else ""
    when = checkpoint.created_at if checkpoint is not None else project.updated_at
    name = one_line(_clean(project.name), 80)
    made = f"Made by {one_line(_clean(project.owner), 40)} with vibecode" if project.owner else "Made with vibecode"
    header = [f"# {name}", f"# {made} on {_date(when)}."]
    if checkpoint is not None:
        header.append(f"# This is step {checkpoint.number}: {one_line(_clean(checkpoint.summary), 90)}")
    lines = program.splitlines()
    first: list[str] = []
    if lines and lines[0].startswith("#!"):  # a shebang must stay the first line
        first = [lines.pop(0)]
    body = "\n".join(lines).rstrip()
    parts = first + header + ([""] + [body] if body else [])
    return "\n".join(parts) + "\n"


# --- the story as a web page -----------------------------------------------------------------

PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #fafaf7; color: #1f2328; line-height: 1.5; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { margin: 0 0 .25rem; font-size: 2rem; }
h2 { margin-top: 2rem; border-bottom: 2px solid #e4e4dc; padding-bottom: .25rem; }
.meta { color: #57606a; margin: 0; }
pre { white-space: pre-wrap; word-wrap: break-word; margin: 0; }
.code, .output, .diff { border-radius: 8px; padding: .75rem 1rem; overflow-x: auto;
        font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .95rem; }
.output { background: #1f2328; color: #f0f0f0; }
ol.story { list-style: none; padding: 0; }
ol.story > li { background: #fff; border: 1px solid #e4e4dc; border-radius: 10px; padding: .75rem 1rem;
        margin: .75rem 0; }
ol.story > li.undone { opacity: .75; border-style: dashed; }
.step-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.num { font-weight: 700; }
.when { color: #57606a; font-size: .9rem; }
.summary { font-weight: 600; }
.kind { font-size: .8rem; border-radius: 999px; padding: 0 .6rem; background: #eef1f4; color: #3b4149; }
.kind-ai .kind, .kind-start .kind { background: #dff3e4; color: #1a5c2c; }
.kind-edit .kind { background: #e3ecfb; color: #1d4f91; }
.kind-fix .kind { background: #fdf0d5; color: #7a4b00; }
.kind-restore .kind { background: #efe5fb; color: #5b2b91; }
.note { color: #57606a; font-size: .9rem; margin: .25rem 0; }
.diff { background: #f6f8fa; margin-top: .5rem; font-size: .85rem; }
.diff span { display: block; }
.diff .added { background: #dafbe1; color: #116329; }
.diff .removed { background: #ffebe9; color: #82071e; }
.diff .same { color: #57606a; }
.diff .gap { color: #8c959f; }
.chat p { margin: .35rem 0; }
summary { cursor: pointer; color: #57606a; }
@media print { body { background: #fff; } ol.story > li { break-inside: avoid; } }
.chat .who { font-weight: 700; }
footer { margin-top: 3rem; color: #57606a; font-size: .85rem; }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def _highlight(program: str) -> str:
    formatter = HtmlFormatter(style=PYGMENTS_STYLE, cssclass="code", linenos="inline")
    return highlight(_clean(program), PythonLexer(stripnl=False, ensurenl=True), formatter)


def _style_css() -> str:
    return HtmlFormatter(style=PYGMENTS_STYLE, cssclass="code").get_style_defs(".code")


def _diff_html(old: str, new: str) -> str:
    hunks = diff_hunks(old, new, context=2)
    if not hunks:
        return ""
    rows: list[str] = []
    shown = 0
    hidden = 0
    for index, hunk in enumerate(hunks):
        if index > 0 and shown < STORY_DIFF_LINES:
            rows.append('<span class="gap">…\n</span>')
        for line in hunk:
            if shown >= STORY_DIFF_LINES:
                hidden += line.tag != "same"
                continue
            sign = "+" if line.tag == ADDED else "-" if line.tag == REMOVED else " "
            rows.append(f'<span class="{line.tag}">{sign} {_esc(line.text)}\n</span>')
            shown += 1
    if hidden:
        word = "line" if hidden == 1 else "lines"
        rows.append(f'<span class="gap">… and {hidden} more changed {word}\n</span>')
    return '<pre class="diff">' + "".join(rows) + "</pre>"


def _story_item(cp: Checkpoint, by_id: dict[int, Checkpoint], on_line: set[int], previous_id: int | None) -> str:
    parent = by_id.get(cp.parent_id) if cp.parent_id is not None else None
    old_program = parent.program if parent is not None else ""
    classes = f"kind-{_esc(cp.kind)}" + ("" if cp.id in on_line else " undone")
    label = KIND_LABELS.get(cp.kind, cp.kind)
    parts = [
        f'<li class="{classes}" id="step-{cp.number}">',
        '<div class="step-head">',
        f'<span class="num">Step {cp.number}</span>',
        f'<span class="summary">{_esc(cp.summary)}</span>',
        f'<span class="kind">{_esc(label)}</span>',
        f'<span class="when">{_esc(_when(cp.created_at))}</span>',
        "</div>",
    ]
    notes: list[str] = []
    if parent is not None and parent.id != previous_id:
        notes.append(f"Built on step {parent.number}.")
    if cp.restored_from is not None and cp.restored_from in by_id:
        notes.append(f"A copy of step {by_id[cp.restored_from].number}.")
    if cp.id not in on_line:
        notes.append("Later undone: the final program does not build on this step.")
    if parent is None:
        lines = len(cp.program.splitlines())
        notes.append(f"The first version: {lines} line{'s' if lines != 1 else ''}.")
    else:
        notes.append(diff_summary(old_program, cp.program) + ".")
    parts.append(f'<p class="note">{_esc(" ".join(notes))}</p>')
    parts.append(_diff_html(old_program, cp.program))
    parts.append("</li>")
    return "".join(parts)


def _chat_html(messages: list[Message]) -> str:
    rows = []
    for msg in messages:
        who = ROLE_LABELS.get(msg.role, msg.role.capitalize())
        text = _esc(msg.text).replace("\n", "<br>")
        rows.append(f'<p><span class="who">{_esc(who)}:</span> {text}</p>')
    return '<div class="chat">' + "".join(rows) + "</div>"


def _usage_html(usage: Usage) -> str:
    if usage.calls == 0:
        return ""
    calls = "once" if usage.calls == 1 else f"{usage.calls} times"
    text = (
        f"The helper model worked {calls} for this project: it read "
        f"{usage.prompt_tokens:,} tokens (pieces of words), wrote {usage.completion_tokens:,} tokens "
        f"and thought for {usage.seconds:,.0f} seconds, on this computer or the class server, "
        "never on the internet."
    )
    return f"<h2>Model meter</h2><p>{_esc(text)}</p>"


def export_html(store: ProjectStore, project_id: int, *, output: str | None = None) -> str:
    """One self-contained web page: the program, highlighted, and the story of how it was made.

    ``output`` is what the program printed last (optional); it is shown as plain text.
    """
    project = store.get(project_id)
    if project is None:
        raise ProjectNotFound(f"no project with id {project_id}")
    checkpoints = store.checkpoints(project_id)
    current = store.current(project_id)
    on_line = {cp.id for cp in store.history(project_id)}
    by_id = {cp.id: cp for cp in checkpoints}
    name = _esc(project.name)

    meta = []
    if project.owner:
        meta.append(f"Made by {_esc(project.owner)}")
    meta.append(f"started {_esc(_date(project.created_at))}")
    meta.append(f"last changed {_esc(_date(project.updated_at))}")
    steps = len(checkpoints)
    meta.append(f"{steps} step{'s' if steps != 1 else ''}")

    body: list[str] = [
        f"<header><h1>{name}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if project.idea:
        body.append(f'<p class="meta">The first idea: “{_esc(project.idea)}”</p>')
    body.append("</header>")

    body.append("<h2>The program</h2>")
    if current is not None:
        body.append(f'<p class="note">Step {current.number}: {_esc(current.summary)}</p>')
        body.append(_highlight(current.program))
    else:
        body.append("<p>There is no program yet.</p>")

    if output is not None:
        body.append("<h2>What it printed</h2>")
        body.append(f'<pre class="output">{_esc(output)}</pre>')

    if checkpoints:
        body.append("<h2>How it was made</h2>")
        body.append('<ol class="story">')
        previous_id: int | None = None
        for cp in checkpoints:
            body.append(_story_item(cp, by_id, on_line, previous_id))
            previous_id = cp.id
        body.append("</ol>")

    messages = store.messages(project_id)
    if messages:
        count = len(messages)
        body.append("<h2>The conversation</h2>")
        # open, so a printed page shows it too; a reader can fold it away
        body.append(f"<details open><summary>{count} message{'s' if count != 1 else ''}</summary>")
        body.append(_chat_html(messages))
        body.append("</details>")

    body.append(_usage_html(store.usage(project_id)))
    now = datetime.now().astimezone()
    body.append(
        f"<footer>Made with vibecode. Saved on {_esc(_when(now))}. "
        "This page works without the internet.</footer>"
    )

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name} · made with vibecode</title>\n"
        f"<style>{PAGE_CSS}\n{_style_css()}\n</style>\n"
        "</head>\n<body>\n<main>\n" + "\n".join(part for part in body if part) + "\n</main>\n</body>\n</html>\n"
    )


# --- files -----------------------------------------------------------------------------------


def suggested_filename(project: Project, suffix: str) -> str:
    """A safe file name from the project name: "Lemonade stand" -> "lemonade-stand.html"."""
    stem = re.sub(r"[^a-z0-9]+", "-", project.name.lower()).strip("-")[:40].strip("-")
    return f"{stem or 'my-project'}{suffix}"


def export_dir() -> Path:
    """Where exports go by default: a "vibecode" folder in the user's Documents."""
    home = os.environ.get("VIBECODE_HOME")
    if home:
        return Path(home).expanduser() / "exports"
    return Path(platformdirs.user_documents_dir()) / "vibecode"


def default_export_path(project: Project, suffix: str) -> Path:
    """A path in :func:`export_dir` that does not overwrite an earlier export."""
    folder = export_dir()
    name = suggested_filename(project, suffix)
    path = folder / name
    n = 2
    while path.exists():
        path = folder / f"{name[: -len(suffix)] if suffix else name}-{n}{suffix}"
        n += 1
    return path


def write_export(path: str | os.PathLike[str], text: str) -> Path:
    """Write an export so that a crash never leaves half a file."""
    return write_text_atomic(path, text)
