"""Find the line of a key or table in a TOML file, so every problem can name its line.

``tomllib`` gives values but no positions, so we scan the text: table headers like ``[[steps]]``
and ``[[steps.checks]]`` are counted, and ``key =`` lines are remembered under the table they
belong to. Good enough to point a teacher at the right line.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")



class LineFinder:
    """Maps table paths and keys to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple, int] = {(): 1}
        self.keys: dict[tuple, int] = {}
        self.lines = text.splitlines()
        self._scan()

    def _scan(self) -> None:
        counters: dict[tuple, int] = {}
        current: tuple = ()
        in_multiline: str | None = None
        for number, raw in enumerate(self.lines, start=1):
            line = raw
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header and not line.lstrip().startswith("#"):
                names = [part.strip() for part in header.group(2).split(".")]
                is_array = header.group(1) == "[["
                current = self._resolve(names, is_array, counters, current)
                self.tables.setdefault(current, number)
                continue
            key = _KEY.match(line)
            if key:
                self.keys.setdefault(current + (key.group(1),), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_multiline = quote
                        break

    def _resolve(self, names: list[str], is_array: bool, counters: dict[tuple, int], current: tuple) -> tuple:
        """Turn ``steps.checks`` into ``("steps", 2, "checks", 0)`` using the arrays seen so far."""
        path: tuple = ()
        for position, name in enumerate(names):
            path = path + (name,)
            last = position == len(names) - 1
            if last and is_array:
                index = counters.get(path, -1) + 1
                counters[path] = index
                # a new element starts: forget the counters of arrays nested in the old one
                for other in list(counters):
                    if len(other) > len(path) + 1 and other[: len(path) + 1] == path + (index - 1,):
                        del counters[other]
                path = path + (index,)
            elif path in counters:
                path = path + (counters[path],)
        return path

    def line_of(self, path: tuple) -> int | None:
        """The line of a key (or table) at ``path``; falls back to the nearest enclosing table."""
        if path in self.keys:
            return self.keys[path]
        if path in self.tables:
            return self.tables[path]
        for cut in range(len(path) - 1, -1, -1):
            prefix = path[:cut]
            if prefix in self.tables and prefix != ():
                return self.tables[prefix]
            if prefix in self.keys:
                return self.keys[prefix]
        return None

    def nth_item_line(self, key_path: tuple, index: int) -> int | None:
        """Line of the ``index``-th ``{ ... }`` item of an array written over several lines."""
        start = self.keys.get(key_path)
        if start is None:
            return None
        seen = -1
        depth = 0
        for number in range(start, len(self.lines) + 1):
            text = self.lines[number - 1]
            if number == start:
                text = text.split("=", 1)[1] if "=" in text else text
            for char in text:
                if char == "{":
                    if depth == 0:
                        seen += 1
                        if seen == index:
                            return number
                    depth += 1
                elif char == "}":
                    depth -= 1
            if number > start and _KEY.match(self.lines[number - 1]) and depth == 0:
                break
        return start
