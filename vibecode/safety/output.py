"""Clean what the model says before a child sees it: explanations and generated programs.

Rude words are replaced with "****". In a program only string literals and comments are
changed (so the program still runs); a rude *name* in the code can't be safely replaced, so it
is reported in ``needs_new_answer`` and the caller asks the model again.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field

from vibecode.safety.profanity import detector
from vibecode.safety.rules import SafetyRules, active_rules

REPLACEMENT = "****"


@dataclass(frozen=True)
class Cleaned:
    """The text to show, and the rude words that were taken out (empty when it was fine)."""

    text: str
    flagged: list[str] = field(default_factory=list)
    needs_new_answer: bool = False  # a rude word could not be replaced (a name in code)

    @property
    def changed(self) -> bool:
        return bool(self.flagged)


def _replace(text: str, rules: SafetyRules) -> tuple[str, list[str]]:
    hits = detector(rules.blocked_words, rules.allowed_words).find(text)
    if not hits:
        return text, []
    out: list[str] = []
    last = 0
    for hit in hits:
        out.append(text[last:hit.start])
        out.append(REPLACEMENT)
        last = hit.end
    out.append(text[last:])
    return "".join(out), [hit.found for hit in hits]


def clean_output(text: str, rules: SafetyRules | None = None) -> Cleaned:
    """Replace rude words in any text the model wrote (an explanation, a chat answer)."""
    active = rules if rules is not None else active_rules()
    cleaned, flagged = _replace(text or "", active)
    return Cleaned(cleaned, flagged)


def clean_program(source: str, rules: SafetyRules | None = None) -> Cleaned:
    """Replace rude words inside a program's strings and comments, keeping it runnable.

    If the program can't be read as Python, the whole text is cleaned like prose.
    """
    active = rules if rules is not None else active_rules()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return clean_output(source, active)

    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    edits: list[tuple[int, int, str]] = []
    flagged: list[str] = []
    needs_new = False
    for token in tokens:
        if token.type not in (tokenize.STRING, tokenize.COMMENT, tokenize.NAME):
            continue
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        text = source[start:end]
        if token.type == tokenize.NAME:
            found = detector(active.blocked_words, active.allowed_words).find(text.replace("_", " "))
            if found:
                flagged.extend(h.found for h in found)
                needs_new = True
            continue
        new, hits = _replace(text, active)
        if hits:
            edits.append((start, end, new))
            flagged.extend(hits)

    if not flagged:
        return Cleaned(source, [])
    out = source
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    return Cleaned(out, flagged, needs_new_answer=needs_new)
