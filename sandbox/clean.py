"""Makes program output safe to show: UTF-8 decoded incrementally, terminal controls removed.

A program could print escape sequences that recolour, move the cursor, set the window title,
copy to the clipboard (OSC 52), ring the bell, or use carriage returns and bidi overrides to hide
text. The cleaner removes all of them, across chunk boundaries, and never fails on bad bytes.
"""

from __future__ import annotations

import codecs
import re

# Complete escape sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by BEL or
# ST), two-byte ESC sequences, and the same introduced by 8-bit C1 codes.
_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                              # CSI
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)  # OSC DCS SOS PM APC
  | \x1b[ -/]*[0-~]                                              # other ESC sequences
    """,
    re.VERBOSE,
)
# An escape sequence that may still be completed by the next chunk.
_UNFINISHED = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*\Z|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*\x1b?\Z|\x1b[ -/]*\Z")
# Single characters never shown: C0 controls except tab and newline, DEL, C1, bidi controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NEEDS_WORK = _CONTROL
MAX_PENDING = 4096  # an unfinished sequence longer than this is dropped


class OutputCleaner:
    """Incremental UTF-8 decoder + control remover for one output stream."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._last_cr = False

    def feed(self, data: bytes, final: bool = False) -> str:
        text = self._pending + self._decoder.decode(data, final)
        self._pending = ""
        if self._last_cr and text.startswith("\n"):
            text = text[1:]  # the "\r" before it already became a newline
        self._last_cr = False
        if not _NEEDS_WORK.search(text):
            return text
        if not final:
            tail = _UNFINISHED.search(text)
            if tail is not None:
                held = text[tail.start() :]
                text = text[: tail.start()]
                if len(held) <= MAX_PENDING:
                    self._pending = held
        return self._clean(text)

    def flush(self) -> str:
        return self.feed(b"", final=True)

    def _clean(self, text: str) -> str:
        text = _SEQUENCE.sub("", text)
        # Carriage returns would let a program overwrite what it printed: "\r\n" -> "\n", "\r" -> "\n".
        self._last_cr = text.endswith("\r")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Clean a whole string at once (for text that did not come through a stream)."""
    cleaner = OutputCleaner()
    return cleaner.feed(text.encode("utf-8", "replace"), final=True)
