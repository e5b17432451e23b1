"""Where an answer should end: right after the first closed Python code block, or at a stop string.

Pure text logic (no torch), shared by the local engine and the HTTP backend, so both stop the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"(?m)^[ \t]*```[ \t]*([A-Za-z0-9_+.-]*)[^\n`]*\n")
_CLOSE = re.compile(r"(?m)^[ \t]*```")
PYTHON_TAGS = {"", "python", "py", "python3", "pycon"}


def code_end(text: str) -> int | None:
    """Index just after the closing fence of the first closed Python block (``` with no tag counts), or
    None if there is none yet. Blocks in other languages (```bash ...) are skipped."""
    pos = 0
    while True:
        opening = _OPEN.search(text, pos)
        if opening is None:
            return None
        closing = _CLOSE.search(text, opening.end())
        if closing is None:
            return None
        if opening.group(1).lower() in PYTHON_TAGS:
            return closing.end()
        pos = closing.end()


@dataclass
class Cut:
    text: str  # the part of the answer that may be shown now
    stop: bool  # True when the answer is complete and generation should end


class StopScanner:
    """Decides, for the answer so far, how much can be shown and whether to stop."""

    def __init__(self, stop: list[str] | None, stop_at_code_end: bool) -> None:
        self.stop = [s for s in (stop or []) if s]
        self.stop_at_code_end = stop_at_code_end
        self.hold = max((len(s) for s in self.stop), default=1) - 1

    def scan(self, text: str, final: bool = False) -> Cut:
        end: int | None = None
        for marker in self.stop:
            index = text.find(marker)
            if index >= 0 and (end is None or index < end):
                end = index
        if self.stop_at_code_end:
            index = code_end(text)
            if index is not None and (end is None or index < end):
                end = index
        if end is not None:
            return Cut(text[:end], True)
        if final or not self.hold:
            return Cut(text, False)
        # keep back a tail that could be the start of a stop string
        return Cut(text[: max(0, len(text) - self.hold)], False)
