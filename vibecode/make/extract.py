"""Pull the program out of a model's answer.

Small models wrap code in prose, use several fences, forget to close a fence, indent the fence
inside a list, or send no fence at all. ``extract_code`` copes with all of these and returns
the program text (or ``None`` when there is no code at all). ``split_answer`` also returns the
prose before the code, which the pipeline uses as the child-level explanation.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

# An opening fence: up to 3 spaces or any indentation (lists), 3+ backticks or tildes, a tag.
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<tag>[\w+#.-]*)[^\n]*$")
_PY_TAGS = {"python", "py", "python3", "py3", "pycon", "ipython", ""}
_CODE_START = re.compile(
    r"^(import |from \w|def |class |print\(|input\(|for |while |if |try:|with |#|@|[A-Za-z_]\w*(\[.*\])?\s*[-+*/]?=|[A-Za-z_][\w.]*\()"
)


REPEAT_LINES_LIMIT = 6  # the same line this many times in a row: a greedy repetition loop


@dataclass
class Block:
    tag: str
    code: str
    closed: bool
    start: int  # index of the fence line in the answer's lines


def _blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, tag = m.group("fence"), m.group("tag").lower()
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * 3) and stripped.strip(fence[0]) == "":
                closed = True
                break
            body.append(lines[j])
            j += 1
        blocks.append(Block(tag=tag, code=textwrap.dedent("\n".join(body)), closed=closed, start=i))
        i = j + 1
    return blocks


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _looks_like_code(code: str) -> bool:
    return any(_CODE_START.match(line.strip()) for line in code.splitlines() if line.strip())


def tidy(code: str) -> str:
    """Small, safe clean-ups of what the model wrote (never changes what the program does)."""
    lines = code.replace("\r\n", "\n").replace("\t", "    ").split("\n")
    # a stray language name as the first line ("```python\npython\n...") is a NameError
    while lines and lines[0].strip().lower() in {"python", "py", "python3", "copy code", "copy"}:
        lines.pop(0)
    # an interactive-session paste (>>> prompts)
    if lines and all(l.startswith((">>> ", "... ")) or not l.strip() for l in lines if l.strip()):
        if any(l.startswith(">>> ") for l in lines):
            lines = [l[4:] for l in lines if l.startswith((">>> ", "... "))]
    # stray fences left inside the code
    lines = [l for l in lines if not re.fullmatch(r"\s*(`{3,}|~{3,})\w*\s*", l)]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(l.rstrip() for l in lines) + "\n" if lines else ""


def _code_without_fences(text: str) -> str | None:
    """No fence at all: find the longest stretch of lines that is valid Python and looks like code."""
    lines = text.splitlines()
    if _parses(text) and _looks_like_code(text) and not _is_prose(text):
        return text
    starts = [i for i, l in enumerate(lines) if l.strip() and not l[0].isspace() and _CODE_START.match(l.strip())]
    best: tuple[int, int] | None = None
    for s in starts:
        for e in range(len(lines), s, -1):
            if best and e - s <= best[1] - best[0]:
                break
            chunk = "\n".join(lines[s:e])
            if _looks_like_code(chunk) and _parses(chunk) and not _is_prose(chunk):
                best = (s, e)
                break
    if not best:
        return None
    chunk = lines[best[0] : best[1]]
    # trailing bare words ("Enjoy", "Done.") parse as expressions but are prose
    while chunk and re.fullmatch(r"[A-Za-z]+[.!]?", chunk[-1].strip() or "x"):
        chunk.pop()
    code = "\n".join(chunk)
    return code if code.strip() else None


def _is_prose(code: str) -> bool:
    """Valid Python can still be a sentence ("Hello" or "print is fun" fails, but "Enjoy" parses)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return True
    if not tree.body:
        return True
    return all(isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name, ast.Constant)) for node in tree.body)


def split_answer(answer: str) -> tuple[str, str | None]:
    """Return (prose before the code, the code) from a model answer."""
    text = answer.replace("\r\n", "\n")
    blocks = _blocks(text)
    code_blocks = [b for b in blocks if b.tag in _PY_TAGS and b.code.strip() and _looks_like_code(tidy(b.code))]
    if code_blocks:
        tagged = [b for b in code_blocks if b.tag]
        pool = tagged or code_blocks
        # The first block that parses wins; else the longest (a cut-off program still beats a fragment).
        chosen = next((b for b in pool if _parses(tidy(b.code))), None)
        if chosen is None:
            chosen = max(pool, key=lambda b: len(b.code))
        prose = "\n".join(text.splitlines()[: chosen.start])
        return prose.strip(), tidy(chosen.code) or None
    if blocks:  # fences, but none with code: maybe prose only, or code outside the fences
        outside = "\n".join(l for l in text.splitlines() if not _OPEN.match(l))
        code = _code_without_fences(outside)
    else:
        code = _code_without_fences(text)
    if code is None:
        return text.strip(), None
    prose = text.split(code.splitlines()[0], 1)[0] if code.splitlines() else ""
    return prose.strip(), tidy(code) or None


def extract_code(answer: str) -> str | None:
    """The program in a model answer, tidied; None when the answer holds no code."""
    return split_answer(answer)[1]


def is_cut_off(answer: str) -> bool:
    """True when the answer opened a code block and never closed it (ran out of tokens)."""
    blocks = _blocks(answer.replace("\r\n", "\n"))
    return bool(blocks) and not blocks[-1].closed


def repeating(text: str) -> bool:
    """True when the tail of the text is one line repeated many times (a greedy loop)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if len(lines) < REPEAT_LINES_LIMIT:
        return False
    tail = lines[-REPEAT_LINES_LIMIT:]
    if len(set(tail)) == 1:
        return True
    # two-line cycles ("print('ha')", "print('ho')", ...)
    return len(lines) >= 2 * REPEAT_LINES_LIMIT and len(set(lines[-2 * REPEAT_LINES_LIMIT:])) <= 2


def cut_repetition(program: str) -> str:
    """Drop a repeated tail so that what is left can be read (it is checked again anyway)."""
    lines = program.splitlines()
    while len(lines) > 2 and lines[-1].strip() == lines[-2].strip():
        lines.pop()
    return "\n".join(lines) + "\n"
