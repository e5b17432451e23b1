"""Line differences between two versions of a program, in plain data.

No UI imports here: the TUI colours these lines with Textual, the HTML export with CSS, and both
show the same thing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

SAME = "same"
ADDED = "added"
REMOVED = "removed"


@dataclass(frozen=True)
class DiffLine:
    tag: str  # "same" | "added" | "removed"
    text: str  # the line without its newline
    old_number: int | None  # 1-based line number in the old program (None for added lines)
    new_number: int | None  # 1-based line number in the new program (None for removed lines)


@dataclass(frozen=True)
class DiffCounts:
    added: int = 0  # lines that are new
    removed: int = 0  # lines that are gone
    changed: int = 0  # lines replaced by another line

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


def diff_lines(old: str | None, new: str | None) -> list[DiffLine]:
    """Every line of both programs in order, tagged same/added/removed.

    A changed line shows as the old line removed followed by the new line added.
    """
    a, b = _lines(old), _lines(new)
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                out.append(DiffLine(SAME, a[i1 + k], i1 + k + 1, j1 + k + 1))
            continue
        for i in range(i1, i2):
            out.append(DiffLine(REMOVED, a[i], i + 1, None))
        for j in range(j1, j2):
            out.append(DiffLine(ADDED, b[j], None, j + 1))
    return out


def diff_counts(old: str | None, new: str | None) -> DiffCounts:
    """How many lines were added, removed and changed (a replaced line counts as changed)."""
    a, b = _lines(old), _lines(new)
    added = removed = changed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "insert":
            added += j2 - j1
        elif op == "delete":
            removed += i2 - i1
        elif op == "replace":
            pairs = min(i2 - i1, j2 - j1)
            changed += pairs
            added += (j2 - j1) - pairs
            removed += (i2 - i1) - pairs
    return DiffCounts(added=added, removed=removed, changed=changed)


def _lines_word(n: int, what: str) -> str:
    return f"{n} line {what}" if n == 1 else f"{n} lines {what}"


def diff_summary(old: str | None, new: str | None) -> str:
    """A short sentence for people: "3 lines added, 1 changed" or "No changes"."""
    counts = diff_counts(old, new)
    if not counts.any:
        return "No changes"
    parts: list[tuple[int, str]] = [
        (n, what)
        for n, what in ((counts.added, "added"), (counts.changed, "changed"), (counts.removed, "removed"))
        if n
    ]
    words = [_lines_word(*parts[0])] + [f"{n} {what}" for n, what in parts[1:]]
    return ", ".join(words)


def diff_hunks(old: str | None, new: str | None, context: int = 2) -> list[list[DiffLine]]:
    """Only the changed parts, each with up to ``context`` unchanged lines around it.

    Used for small diffs (the export's story, the timeline preview); empty when nothing changed.
    """
    lines = diff_lines(old, new)
    changed_at = [i for i, line in enumerate(lines) if line.tag != SAME]
    if not changed_at:
        return []
    hunks: list[list[DiffLine]] = []
    start = max(0, changed_at[0] - context)
    end = min(len(lines), changed_at[0] + context + 1)
    for i in changed_at[1:]:
        if i - context <= end:
            end = min(len(lines), i + context + 1)
        else:
            hunks.append(lines[start:end])
            start, end = max(0, i - context), min(len(lines), i + context + 1)
    hunks.append(lines[start:end])
    return hunks
