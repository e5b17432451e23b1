"""Rule-based hardening: ``int(input(...))`` crashes when a child types a word, and small models
write it all the time (also after being told not to). We rewrite those calls to a small, readable
``ask_number`` helper that asks again, instead of spending another model round on it."""

from __future__ import annotations

import ast

HELPER_NAME = "ask_number"
HELPER = '''def ask_number(question, kind=int):
    """Ask until the player types a number."""
    while True:
        answer = input(question)
        try:
            return kind(answer)
        except ValueError:
            print("Please type a number.")
'''

_TEXT_METHODS = {"strip", "lower", "upper", "title", "lstrip", "rstrip", "casefold"}


def _input_call(node: ast.expr) -> ast.Call | None:
    """The input(...) call inside int(...)/float(...), allowing input(...).strip() and the like."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_METHODS and not node.args:
        node = node.func.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "input" and len(node.args) <= 1 and not node.keywords:
        return node
    return None


def harden_number_input(source: str) -> str:
    """Replace ``int(input(q))`` / ``float(input(q))`` with ``ask_number(q)`` / ``ask_number(q, float)``
    and add the helper. Returns the source unchanged when there is nothing to do or it can't be done
    safely (a syntax error, a name clash)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    }
    if HELPER_NAME in names:
        return source
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:  # ast columns count UTF-8 bytes
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "float")):
            continue
        if len(node.args) != 1 or node.keywords:
            continue
        inner = _input_call(node.args[0])
        if inner is None:
            continue
        question = ast.get_source_segment(source, inner.args[0]) if inner.args else '""'
        if question is None:
            continue
        kind = "" if node.func.id == "int" else ", float"
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        edits.append((start, end, f"{HELPER_NAME}({question}{kind})"))
    if not edits:
        return source
    edits.sort()
    kept: list[tuple[int, int, str]] = []
    for edit in edits:  # outermost only
        if kept and edit[0] < kept[-1][1]:
            continue
        kept.append(edit)
    out = source
    for start, end, text in reversed(kept):
        out = out[:start] + text + out[end:]
    out = _insert_helper(out)
    try:
        ast.parse(out)
    except SyntaxError:
        return source
    return out


def _insert_helper(source: str) -> str:
    """Put the helper after the imports (and any docstring) at the top."""
    tree = ast.parse(source)
    after = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        ):
            after = node.end_lineno or node.lineno
        else:
            break
    lines = source.splitlines(keepends=True)
    head, tail = lines[:after], lines[after:]
    while tail and not tail[0].strip():
        tail.pop(0)
    block = ("\n" if head else "") + HELPER + "\n\n"
    if head and not head[-1].endswith("\n"):
        head[-1] += "\n"
    return "".join(head) + block + "".join(tail)
