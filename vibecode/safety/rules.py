"""The teacher's safety file: extra blocked and allowed words and topics for one class.

It is plain TOML a teacher edits in any text editor (see :data:`EXAMPLE`). Mistakes come back
as :class:`RulesError` listing each problem with the file, the line and what to change, in
plain words — never a Python traceback.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vibecode.paths import config_dir

RULES_FILENAME = "safety.toml"
MAX_ENTRY_CHARS = 60
MAX_KEEP_DAYS = 3650

log = logging.getLogger(__name__)

EXAMPLE = """\
# Safety settings for one class. vibecode reads this file from its settings folder
# (see `vibecode safety where`). Check it with:  vibecode safety check safety.toml

name = "Class 4B"               # optional: shown in `vibecode safety log`

[words]
# Words the helper must never show in this class (besides the built-in list).
blocked = ["poopyhead", "dummy"]
# Built-in words this class is fine with (for example "hell" for a myths project).
allowed = []

[topics]
# Ideas about these are kindly turned down in this class.
blocked = ["zombies"]
# Phrases that are fine here even if they sound risky (for a cyber-safety lesson).
allowed = ["phishing quiz"]

[log]
# Keep a list of turned-down ideas for the teacher (never the children's other text).
flagged_ideas = false
keep_days = 30
"""

SCHEMA: dict[str, dict[str, type]] = {
    "words": {"blocked": list, "allowed": list},
    "topics": {"blocked": list, "allowed": list},
    "log": {"flagged_ideas": bool, "keep_days": int},
}
TOP_LEVEL = {"name": str}


@dataclass(frozen=True)
class SafetyRules:
    """One class's settings on top of the built-in rules. The default is built-in only."""

    blocked_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()
    blocked_topics: tuple[str, ...] = ()
    allowed_topics: tuple[str, ...] = ()
    log_flagged: bool = False
    keep_days: int = 30
    class_name: str | None = None
    source: str | None = None  # the file these came from, if any


@dataclass(frozen=True)
class Problem:
    """One mistake in a teacher's file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class RulesError(Exception):
    """The teacher's file has mistakes; ``problems`` lists each one."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def default_rules_path() -> Path:
    """Where the class's safety file lives: the settings folder."""
    return config_dir() / RULES_FILENAME


# -- finding line numbers -----------------------------------------------------------------

_TABLE_LINE = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-\"' ]+?)\s*\]\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """Map (table, key) to the first line number where it is set."""
    table = ""
    found: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _TABLE_LINE.match(line)
        if m:
            table = m.group(1).strip().strip("\"'")
            found.setdefault((table, ""), number)
            continue
        m = _KEY_LINE.match(line)
        if m:
            found.setdefault((table, m.group(1).strip("\"'")), number)
    return found


def _line_of_value(text: str, start_line: int | None, value: str) -> int | None:
    """The first line at or after ``start_line`` that mentions ``value`` (for list items)."""
    if start_line is None:
        return None
    lines = text.splitlines()
    for number in range(start_line, len(lines) + 1):
        if value and value in lines[number - 1]:
            return number
    return start_line


def _open_bracket_line(text: str) -> int | None:
    """The line where a [ or a quote was opened and never closed."""
    stack: list[int] = []
    quote: str | None = None
    quote_line = 0
    for number, line in enumerate(text.splitlines(), start=1):
        i = 0
        while i < len(line):
            c = line[i]
            if quote:
                if c == "\\" and quote == '"':
                    i += 2
                    continue
                if c == quote:
                    quote = None
            elif c == "#":
                break
            elif c in "\"'":
                quote, quote_line = c, number
            elif c == "[":
                stack.append(number)
            elif c == "]" and stack:
                stack.pop()
            i += 1
        if quote:  # TOML basic strings end at the line's end
            return quote_line
    return stack[-1] if stack else None


def _duplicate_line(text: str) -> int | None:
    table = ""
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        m = _TABLE_LINE.match(line)
        if m:
            table = m.group(1).strip()
            if (table, "") in seen:
                return number
            seen.add((table, ""))
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = (table, m.group(1))
            if key in seen:
                return number
            seen.add(key)
    return None


_SYNTAX_HELP = [
    ("Expected '=' after a key", 'a setting needs an "=" sign, like:  blocked = ["word"]'),
    ("Expected ']' at the end of a table", 'a section name needs a closing bracket, like:  [words]'),
    ("Unclosed array", 'a list was opened with "[" but never closed with "]"'),
    ("Unterminated string", "a word in quotes is missing its closing quote"),
    ("Found invalid character '\\n'", "a word in quotes is missing its closing quote on this line"),
    ("Illegal character '\\n'", "a word in quotes is missing its closing quote on this line"),
    ("Found invalid character", "this line has a character the file can't use here; put words in quotes"),
    ("Illegal character", "this line has a character the file can't use here; put words in quotes"),
    ("Invalid value", 'words must be in quotes, like:  blocked = ["word", "another word"]'),
    ("Cannot overwrite a value", "the same setting is written twice; keep just one"),
    ("Cannot declare", "the same section is written twice; keep just one"),
    ("Expected newline or end of document", "there is something extra after the value on this line"),
    ("Unclosed table", 'a section name needs a closing bracket, like:  [words]'),
]


def _syntax_problem(path_label: str, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    m = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(m.group(1)) if m else None
    plain = None
    for start, help_text in _SYNTAX_HELP:
        if message.startswith(start):
            plain = help_text
            break
    if message.startswith(("Unclosed", "Unterminated")):
        line = _open_bracket_line(text) or line  # where it was opened, not where TOML noticed
    elif line is None:
        line = _duplicate_line(text) if "Cannot" in message else None
        line = line or _open_bracket_line(text)
    if plain is None:
        detail = re.sub(r"\s*\(at .*?\)$", "", message)
        plain = f"this line isn't written the way the file needs ({detail})"
    return Problem(path_label, line, plain)


# -- checking the values ------------------------------------------------------------------


def _check_entries(
    path_label: str, text: str, lines: dict[tuple[str, str], int], table: str, key: str, value: object
) -> tuple[list[str], list[Problem]]:
    line = lines.get((table, key))
    if not isinstance(value, list):
        example = f'{key} = ["{value}"]' if isinstance(value, str) else f'{key} = ["word"]'
        return [], [Problem(path_label, line, f"[{table}] {key} must be a list in square brackets, like:  {example}")]
    entries: list[str] = []
    problems: list[Problem] = []
    for item in value:
        if not isinstance(item, str):
            item_line = _line_of_value(text, line, str(item))
            problems.append(Problem(path_label, item_line,
                                    f"[{table}] {key}: {item!r} is not in quotes; write it as \"{item}\""))
            continue
        cleaned = item.strip()
        item_line = _line_of_value(text, line, item)
        if not cleaned:
            problems.append(Problem(path_label, item_line, f"[{table}] {key} has an empty entry \"\"; remove it"))
        elif len(cleaned) > MAX_ENTRY_CHARS:
            problems.append(Problem(path_label, item_line,
                                    f"[{table}] {key}: \"{cleaned[:20]}...\" is too long; "
                                    f"use a word or a short phrase (at most {MAX_ENTRY_CHARS} letters)"))
        elif not any(c.isalpha() for c in cleaned):
            problems.append(Problem(path_label, item_line,
                                    f"[{table}] {key}: \"{cleaned}\" has no letters; use words"))
        else:
            entries.append(cleaned)
    return entries, problems


def parse_rules(text: str, path_label: str = RULES_FILENAME) -> SafetyRules:
    """Read a teacher's file from text; raise :class:`RulesError` listing every mistake."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError([_syntax_problem(path_label, text, error)]) from None

    lines = _key_lines(text)
    problems: list[Problem] = []
    values: dict[tuple[str, str], object] = {}

    for key, value in data.items():
        if key in SCHEMA:
            if not isinstance(value, dict):
                problems.append(Problem(path_label, lines.get(("", key)),
                                        f"{key} must be a section, written on its own line as [{key}]"))
                continue
            for sub, sub_value in value.items():
                if sub not in SCHEMA[key]:
                    hint = difflib.get_close_matches(sub, list(SCHEMA[key]), n=1)
                    known = ", ".join(SCHEMA[key])
                    tip = f'did you mean "{hint[0]}"?' if hint else f"this section knows: {known}"
                    problems.append(Problem(path_label, lines.get((key, sub)),
                                            f'[{key}] has an unknown setting "{sub}"; {tip}'))
                    continue
                values[(key, sub)] = sub_value
        elif key in TOP_LEVEL:
            if not isinstance(value, str):
                problems.append(Problem(path_label, lines.get(("", key)),
                                        f'{key} must be text in quotes, like:  {key} = "Class 4B"'))
            else:
                values[("", key)] = value
        else:
            hint = difflib.get_close_matches(key, list(SCHEMA) + list(TOP_LEVEL), n=1)
            tip = f'did you mean "{hint[0]}"?' if hint else "the file knows [words], [topics], [log] and name"
            where = lines.get((key, "")) or lines.get(("", key))
            problems.append(Problem(path_label, where, f'unknown setting or section "{key}"; {tip}'))

    lists: dict[tuple[str, str], list[str]] = {}
    for table in ("words", "topics"):
        for key in ("blocked", "allowed"):
            if (table, key) in values:
                entries, found = _check_entries(path_label, text, lines, table, key, values[(table, key)])
                lists[(table, key)] = entries
                problems.extend(found)
        both = {e.casefold() for e in lists.get((table, "blocked"), [])} & {
            e.casefold() for e in lists.get((table, "allowed"), [])
        }
        for entry in sorted(both):
            problems.append(Problem(path_label, lines.get((table, "allowed")),
                                    f'[{table}] "{entry}" is both blocked and allowed; keep it in only one list'))

    log_flagged = False
    if ("log", "flagged_ideas") in values:
        flag = values[("log", "flagged_ideas")]
        if isinstance(flag, bool):
            log_flagged = flag
        else:
            problems.append(Problem(path_label, lines.get(("log", "flagged_ideas")),
                                    "[log] flagged_ideas must be true or false (no quotes)"))
    keep_days = 30
    if ("log", "keep_days") in values:
        days = values[("log", "keep_days")]
        if isinstance(days, bool) or not isinstance(days, int):
            problems.append(Problem(path_label, lines.get(("log", "keep_days")),
                                    "[log] keep_days must be a whole number of days, like:  keep_days = 30"))
        elif not 1 <= days <= MAX_KEEP_DAYS:
            problems.append(Problem(path_label, lines.get(("log", "keep_days")),
                                    f"[log] keep_days must be between 1 and {MAX_KEEP_DAYS} days"))
        else:
            keep_days = days

    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise RulesError(problems)
    name = values.get(("", "name"))
    return SafetyRules(
        blocked_words=tuple(lists.get(("words", "blocked"), [])),
        allowed_words=tuple(lists.get(("words", "allowed"), [])),
        blocked_topics=tuple(lists.get(("topics", "blocked"), [])),
        allowed_topics=tuple(lists.get(("topics", "allowed"), [])),
        log_flagged=log_flagged,
        keep_days=keep_days,
        class_name=name if isinstance(name, str) and name.strip() else None,
        source=path_label,
    )


def load_rules(path: str | Path | None = None) -> SafetyRules:
    """Read the teacher's file (default: ``safety.toml`` in the settings folder).

    With no file there, the built-in rules alone apply. A file with mistakes raises
    :class:`RulesError`; use :func:`active_rules` where a child is waiting.
    """
    explicit = path is not None
    file = Path(path) if explicit else default_rules_path()
    if not file.exists():
        if explicit:
            raise RulesError([Problem(str(file), None, "there is no file here; check the name and folder")])
        return SafetyRules()
    try:
        text = file.read_text(encoding="utf-8-sig")  # Notepad adds a BOM
    except UnicodeDecodeError:
        raise RulesError([Problem(str(file), None, "the file isn't plain text; save it as UTF-8 text")]) from None
    except OSError as error:
        raise RulesError([Problem(str(file), None, f"the file can't be read ({error.strerror})")]) from None
    return parse_rules(text, str(file))


_cache: dict[str, tuple[tuple[int, int], SafetyRules]] = {}


def active_rules() -> SafetyRules:
    """The class's rules for live use: re-read when the file changes; never raises.

    A broken teacher file falls back to the built-in rules (which are always on) and the
    problems go to the log; `vibecode safety check` shows them to the teacher.
    """
    file = default_rules_path()
    try:
        stat = file.stat()
    except OSError:
        return SafetyRules()
    mtime = (stat.st_mtime_ns, stat.st_size)
    key = str(file)
    cached = _cache.get(key)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        rules = load_rules(file)
    except RulesError as error:
        log.warning("Teacher safety file ignored until fixed:\n%s", error)
        rules = SafetyRules(source=str(file))
    _cache[key] = (mtime, rules)
    return rules
