"""Static check of a generated program before it is run: does it parse, does it use only the
standard library, and does it stay away from files, the internet and other programs.

Each problem has a child-level ``message`` and a technical ``detail`` that the repair turn
sends back to the model.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from dataclasses import dataclass

# Standard-library modules a kid program has no business importing in this app.
NETWORK_MODULES = {
    "socket", "ssl", "urllib", "http", "ftplib", "smtplib", "poplib", "imaplib", "telnetlib",
    "xmlrpc", "socketserver", "webbrowser",
}
WINDOW_MODULES = {"tkinter", "turtle", "turtledemo", "idlelib", "curses"}
PROGRAM_MODULES = {"subprocess", "multiprocessing", "ctypes", "pty", "signal", "threading", "concurrent", "_thread"}
FILE_MODULES = {"shutil", "tempfile", "glob", "sqlite3", "pickle", "shelve", "dbm", "zipfile", "tarfile", "fileinput", "pathlib"}
# os is fine for os.name or clearing the screen text, but not for these
OS_PROGRAM_CALLS = {"system", "popen", "fork", "kill", "killpg", "startfile", "spawnl", "spawnv", "execv", "execl", "execvp", "execlp"}
OS_FILE_CALLS = {"remove", "unlink", "rmdir", "removedirs", "rename", "replace", "mkdir", "makedirs", "listdir", "scandir", "walk", "chdir", "chmod", "truncate", "open"}
PATH_FILE_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes", "unlink", "mkdir", "rmdir", "touch", "iterdir", "glob", "rglob"}
BUILTIN_DANGER = {"exec", "eval", "compile", "__import__", "breakpoint"}

_STDLIB = set(sys.stdlib_module_names)


@dataclass
class Problem:
    """One reason the program is not ready to run."""

    kind: str  # "empty" | "syntax" | "import" | "network" | "window" | "programs" | "files" | "danger" | "nothing" | "contract"
    message: str  # for the child: plain words, what happens next
    detail: str  # for the model's repair turn: precise and technical
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.kind}{where}: {self.detail}"


def static_check(source: str, allow_files: bool = False, needs_output: bool = True) -> list[Problem]:
    """All the problems found in ``source``; an empty list means it may be trial-run.

    ``needs_output=False`` is for lesson steps with a contract: a program that only defines the
    lesson's functions is complete, because the lesson's checks call them."""
    if not source or not source.strip():
        return [Problem("empty", "There was no program in the answer.", "The answer contained no Python code.")]
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        line = exc.lineno
        text = (exc.text or "").strip()
        detail = f"SyntaxError: {exc.msg} on line {line}" + (f": {text}" if text else "")
        return [Problem("syntax", "The program has a typing mistake, so Python can't read it.", detail, line)]
    except ValueError as exc:  # e.g. null bytes
        return [Problem("syntax", "The program has strange characters in it.", f"ValueError: {exc}")]
    problems: list[Problem] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                problems.append(Problem("import", "The program wants a file that isn't there.",
                                        "Relative imports are not possible: the program is a single file.", node.lineno))
                continue
            for name in names:
                problems.extend(_check_module(name.split(".")[0], node.lineno, allow_files))
        elif isinstance(node, ast.Call):
            problems.extend(_check_call(node, allow_files))
    if needs_output and not _does_something(tree):
        problems.append(Problem(
            "nothing", "The program doesn't show anything when it runs.",
            "The program never prints or asks anything at the top level: its functions are never called.",
        ))
    return _dedupe(problems)


def _check_module(top: str, line: int, allow_files: bool) -> list[Problem]:
    if top in NETWORK_MODULES:
        return [Problem("network", "The program tries to use the internet, which isn't allowed here.",
                        f"It imports {top}, which uses the network. Programs here must not use the internet.", line)]
    if top in WINDOW_MODULES:
        return [Problem("window", "The program wants to open a window, but programs here use text only.",
                        f"It imports {top}, which needs a graphics window. Use print() and input() only.", line)]
    if top in PROGRAM_MODULES:
        return [Problem("programs", "The program tries to start other programs, which isn't allowed here.",
                        f"It imports {top}. Programs here must not start other programs or threads.", line)]
    if top in FILE_MODULES and not allow_files:
        return [Problem("files", "The program tries to use files, which this project doesn't need.",
                        f"It imports {top}, which works with files. Keep everything in variables.", line)]
    if top not in _STDLIB and top != "__future__":
        return [Problem("import", f"The program needs an extra package called '{top}' that isn't installed.",
                        f"It imports {top}, which is not in the Python standard library. Use only the standard library.", line)]
    return []


def _call_name(func: ast.expr) -> tuple[str | None, str | None]:
    """(object name, attribute) for calls like os.system(...); (None, name) for plain calls."""
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name):
            return owner.id, func.attr
        return "", func.attr
    return None, None


def _check_call(node: ast.Call, allow_files: bool) -> list[Problem]:
    owner, name = _call_name(node.func)
    line = node.lineno
    if owner is None and name == "open" and not allow_files:
        return [Problem("files", "The program tries to open a file, which this project doesn't need.",
                        "It calls open(). Programs here must not read or write files; keep data in variables.", line)]
    if owner is None and name in BUILTIN_DANGER:
        return [Problem("danger", "The program uses a tricky command that runs hidden code.",
                        f"It calls {name}(). Do not use {name}; write the code directly.", line)]
    if owner == "os" and name in OS_PROGRAM_CALLS:
        if name == "system" and _clears_screen(node):
            return []
        return [Problem("programs", "The program tries to start other programs, which isn't allowed here.",
                        f"It calls os.{name}(). Programs here must not start other programs.", line)]
    if owner == "os" and name in OS_FILE_CALLS and not allow_files:
        return [Problem("files", "The program tries to change files, which this project doesn't need.",
                        f"It calls os.{name}(). Programs here must not use files.", line)]
    if owner is not None and name in PATH_FILE_METHODS and owner not in {"str", "re"} and not allow_files:
        return [Problem("files", "The program tries to use files, which this project doesn't need.",
                        f"It calls .{name}(), which works with files. Keep data in variables.", line)]
    return []


def _clears_screen(node: ast.Call) -> bool:
    """os.system('cls'/'clear') is harmless and common; the sandbox blocks it anyway."""
    return bool(node.args) and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).strip() in {"cls", "clear"}


def _does_something(tree: ast.Module) -> bool:
    """True when running the module would do more than define things."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(isinstance(n, ast.Call) for n in ast.walk(node)):
            continue  # plain data
        return True
    return False


def contract_problems(source: str, contract: str | None, idea: str, current_program: str | None = None) -> list[Problem]:
    """The lesson's functions this program should have and does not (or with another number of inputs).

    A lesson's contract lists the functions of all its steps, so only those the request is about count:
    the ones the idea names, and the ones the child's current program already has (a change must keep
    them). The real 1.5B sometimes wrote a lesson step's program without the function the step asked for
    (lesson_with_model.py, lesson 01 step 1, fast kernel), and every later step failed on it."""
    wanted = _functions(contract or "")
    if not wanted:
        return []
    have = _functions(source)
    kept = _functions(current_program or "")
    problems = []
    for name, inputs in wanted.items():
        if not (re.search(rf"\b{re.escape(name)}\b", idea) or name in kept):
            continue
        signature = f"def {name}({', '.join(inputs)}):"
        if name in have and len(have[name]) == len(inputs):
            line = function_replaced(source, name)
            if line is not None:
                message, advice = replaced_words(name, line)
                problems.append(Problem("contract", message, f"Line {line} assigns to {name}, which replaces the "
                                        f"function {name}. {advice}", line))
            continue
        message = (f"The program doesn't have the function {name} that this step needs yet."
                   if name not in have else f"The function {name} needs {len(inputs)} inputs for this step.")
        problems.append(Problem("contract", message, f"The lesson needs a function written exactly like this: "
                                f"{signature} Keep the rest of the program as it is and add or fix that function."))
    return problems


def replaced_words(name: str, line: int) -> tuple[str, str]:
    """What happened and what to try, in a child's words, when line ``line`` replaced the function ``name``
    (the Maker's repair turn and the lesson checks say it the same way)."""
    return (f"Line {line} gives the name {name} a new value, so your function {name} is gone after it.",
            f"Keep the function and store its answer in another name, like: result = {name}(...)")


def function_replaced(source: str, name: str) -> int | None:
    """The line where a top-level statement gives ``name``, a function of the program, another value (as in
    ``profit = profit(made, sold, price, cost)``): after that line the function is gone, and anything
    that calls it later (a lesson's checks) finds a number instead. None when that does not happen."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    defined = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            defined = True
            continue
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if defined and name in names:
            return node.lineno
    return None


def _functions(source: str) -> dict[str, list[str]]:
    """Top-level functions of ``source`` and the names of their inputs."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    return {node.name: [a.arg for a in node.args.args] for node in tree.body if isinstance(node, ast.FunctionDef)}


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out: list[Problem] = []
    for p in problems:
        key = (p.kind, p.detail)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def add_missing_call(source: str) -> str:
    """A program that defines ``main()`` (or one game function) but never calls it does nothing;
    add the call. This is the most common slip of small models and costs nothing to fix."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    if _does_something(tree):
        return source
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    callable_funcs = [f for f in funcs if not f.args.args or len(f.args.defaults) == len(f.args.args)]
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    candidates = [f for f in callable_funcs if f.name not in called]
    preferred = [f for f in candidates if f.name in {"main", "play", "game", "start", "run", "play_game", "start_game"}]
    pick = preferred[0] if preferred else (candidates[-1] if len(candidates) >= 1 and not preferred else None)
    if pick is None:
        return source
    return source.rstrip("\n") + f"\n\n{pick.name}()\n"


def keeps_old(old: str, new: str) -> bool:
    """Did a change keep most of what the child already had? (Lines compared without spaces.)"""
    def norm(src: str) -> list[str]:
        return [re.sub(r"\s+", "", l) for l in src.splitlines() if l.strip() and not l.strip().startswith("#")]

    old_lines, new_lines = norm(old), norm(new)
    if not old_lines:
        return True
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    similar = sum(1 for l in old_lines if difflib.get_close_matches(l, new_lines, n=1, cutoff=0.8))
    return max(kept, similar) >= 0.5 * len(old_lines)
