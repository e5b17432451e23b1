"""Short texts the screens show, and small pure helpers (no Textual): one place to keep the words kind."""

from __future__ import annotations

import difflib
import re

NO_PROGRAM_YET = "There's no program yet. Type your idea in the box on the left and press Enter!"
BUSY = "Wait a moment, I'm still working on it. Press Ctrl+T if you want me to stop."
MODEL_TROUBLE = (
    "I couldn't talk to the model just now. Try again in a moment. If it keeps happening, ask your "
    "teacher to check the model in Settings (Ctrl+P, then Settings)."
)
NO_CODE = (
    "Hmm, my answer didn't have a program in it. Try saying your idea another way, "
    "like \"make a program that asks my name and says hello\"."
)
STOPPED_MAKING = "Okay, I stopped. Your program is the same as before."
RUN_TROUBLE = "Something went wrong when starting your program. Try pressing F5 again."
AFTER_PROGRAM = "Press F5 to run it. Want a quick puzzle about it? Press F4."
NOTHING_TO_UNDO = "There is nothing to undo yet."
NOTHING_TO_REDO = "There is nothing to redo."

# How the model runs on this computer (vibecode.lm.precision), for the model meter. Teachers see the
# technical word in `vibecode model info`.
PRECISION_WORDS = {"fast": "quickest mode", "quantized": "quick mode", "float32": "full-size mode"}


def where(location: str | None, precision: str | None = None) -> str:
    """Where the model runs, and how: "on this computer, quick mode"."""
    mode = PRECISION_WORDS.get(precision or "")
    return ", ".join(part for part in (location, mode) if part)


FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n", re.IGNORECASE)


def trouble_words(exc: object) -> str:
    """What to tell the child when the model failed: the engine's own kind words if it has them."""
    message = getattr(exc, "message", None)  # vibecode.lm.EngineError carries a child-safe message
    return message if isinstance(message, str) and message.strip() else MODEL_TROUBLE


def short(text: str, limit: int = 60) -> str:
    """One line, cut with "..." when too long."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def summary_for_idea(idea: str) -> str:
    return f"You asked: {short(idea)}"


def summary_for_fix(error_type: str | None, line: int | None) -> str:
    where = f" on line {line}" if line else ""
    return f"Help me fix it: fixed a mistake{where}"


def summary_for_edit(old: str, new: str) -> str:
    """Say in words what the child changed: which lines, added or removed."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    changed: list[int] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changed.extend(range(j1 + 1, j2 + 1) or [j1 + 1])
        added += max(0, (j2 - j1) - (i2 - i1))
        removed += max(0, (i2 - i1) - (j2 - j1))
    if not changed:
        return "You changed the code yourself"
    first, last = min(changed), max(changed)
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    if added and not removed:
        return f"You added {added} line{'s' if added > 1 else ''} yourself ({where})"
    if removed and not added:
        return f"You removed {removed} line{'s' if removed > 1 else ''} yourself (near {where})"
    return f"You changed {where} yourself"


def split_answer(text: str) -> tuple[str, str | None]:
    """Split a model answer being written into (words outside the code, code so far or None)."""
    match = FENCE.search(text)
    if not match:
        return text, None
    rest = text[match.end():]
    end = rest.find("```")
    code = rest if end < 0 else rest[:end]
    after = "" if end < 0 else rest[end + 3:]
    return (text[: match.start()] + after).strip(), code


def project_name_from_idea(idea: str) -> str:
    return short(idea, 40) or "My program"
