"""Teaching notes before a run (not a security layer: the sandbox blocks these things anyway).

The notes tell a child, in plain words, why a program will be stopped before it runs, e.g. that
``import socket`` means "talk over the internet", which programs here can't do.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# module -> (kind, what it is for, in a child's words)
_MODULES: dict[str, tuple[str, str]] = {
    "os": ("files", "works with the computer's files and programs"),
    "subprocess": ("program", "starts other programs"),
    "pty": ("program", "starts other programs"),
    "multiprocessing": ("program", "starts more copies of Python"),
    "socket": ("network", "talks over the internet or the network"),
    "socketserver": ("network", "talks over the internet or the network"),
    "ssl": ("network", "talks over the internet"),
    "http": ("network", "talks over the internet"),
    "urllib": ("network", "fetches things from the internet"),
    "ftplib": ("network", "talks over the internet"),
    "smtplib": ("network", "sends e-mail over the internet"),
    "telnetlib": ("network", "talks over the internet"),
    "webbrowser": ("program", "opens a web browser"),
    "requests": ("network", "fetches things from the internet"),
    "ctypes": ("system", "reaches deep inside the computer"),
    "cffi": ("system", "reaches deep inside the computer"),
    "signal": ("control", "sends signals to programs"),
    "shutil": ("files", "copies and deletes files"),
    "pickle": ("system", "can run hidden code when it loads data"),
    "marshal": ("system", "reaches deep inside Python"),
    "importlib": ("system", "loads code in tricky ways"),
    "glob": ("files", "looks through the computer's files"),
    "tempfile": ("files", "makes files in hidden places"),
}
_CALLS = {
    "eval": "runs text as code, which makes mistakes hard to find",
    "exec": "runs text as code, which makes mistakes hard to find",
    "__import__": "loads modules in a tricky way",
    "compile": "turns text into code",
}
_ADVICE = {
    "network": "Programs here can't use the internet, so it will be stopped.",
    "program": "Programs here can't start other programs, so it will be stopped.",
    "control": "Programs here can't control other programs, so it will be stopped.",
    "files": "Programs here can only use files in their own folder.",
    "system": "Kid programs don't need it, and most of what it does is blocked here.",
}


@dataclass(frozen=True)
class LintNote:
    """One teaching note: where, what kind ("network", "program", ...), and the plain-words text."""

    line: int
    kind: str
    module: str
    message: str


def lint(source: str) -> list[LintNote]:
    """Notes about imports and calls kid programs don't need. A syntax error gives no notes."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    notes: list[LintNote] = []
    seen: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        for full in names:
            top = full.split(".")[0]
            if top in _MODULES and top not in seen:
                seen.add(top)
                kind, what = _MODULES[top]
                notes.append(LintNote(node.lineno, kind, top,
                                      f"Line {node.lineno} uses \"{top}\", which {what}. {_ADVICE[kind]}"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
            name = node.func.id
            if name not in seen:
                seen.add(name)
                notes.append(LintNote(node.lineno, "tricky", name,
                                      f"Line {node.lineno} uses {name}(), which {_CALLS[name]}."))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            path = node.args[0].value
            if path.startswith(("/", "~", "\\")) or ".." in path.replace("\\", "/").split("/") or path[1:3] == ":\\":
                if "open-outside" not in seen:
                    seen.add("open-outside")
                    notes.append(LintNote(node.lineno, "files", "open",
                                          f"Line {node.lineno} opens \"{path[:40]}\", which is outside the program's "
                                          f"own folder. {_ADVICE['files']} Try a simple name like \"notes.txt\"."))
        if isinstance(node, ast.Attribute) and node.attr in ("__subclasses__", "__globals__", "__builtins__",
                                                             "__code__", "gi_frame", "f_back", "__reduce__"):
            if node.attr not in seen:
                seen.add(node.attr)
                notes.append(LintNote(node.lineno, "tricky", node.attr,
                                      f"Line {node.lineno} looks inside Python's hidden parts ({node.attr}). "
                                      "Kid programs don't need that, and it won't get around the safety walls."))
    notes.sort(key=lambda n: n.line)
    return notes
