"""vibecode's settings: a small TOML file in the config folder that a teacher can also edit by hand.

Loading never crashes the app. A broken file, or a setting with the wrong kind of value, falls
back to the usual value and the problem is kept in ``Settings.problem`` (plain words, for the
app to show). Saving over a broken file first keeps a copy of it, so a teacher's hand edits are
never thrown away.
"""

from __future__ import annotations

import logging
import math
import os
import time
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from vibecode.fileio import write_text_atomic
from vibecode.paths import config_dir

SETTINGS_FILENAME = "settings.toml"
THEMES = ("vibecode-dark", "vibecode-light", "vibecode-contrast")
DEFAULT_THEME = THEMES[0]
PRECISIONS = ("auto", "fast", "quantized", "float32")  # see vibecode.lm.precision

log = logging.getLogger(__name__)

# One line of help per setting, written above it in the file for whoever edits it by hand.
_HELP = {
    "model": 'Which model writes the programs: "qwen-1.5b", "qwen-0.5b", "tiny" or a folder. Empty = the usual one.',
    "model_precision": (
        'How the model runs on this computer: "auto", "fast" (4-bit weights, 8-bit sums: fastest), '
        '"quantized" (4-bit weights, same answers as float32) or "float32" (slow, the reference).'
    ),
    "server_url": 'A class server instead, e.g. "http://10.0.0.5:8080/v1". Empty = use this computer.',
    "child_name": "The name of the child using this computer (shown on projects).",
    "theme": "Colours: " + ", ".join(f'"{t}"' for t in THEMES) + ".",
    "big_mode": "Bigger, easier-to-read screen layout: true or false.",
    "allow_unprotected_sandbox": (
        "TEACHER ONLY: let programs run even when this computer cannot fully protect itself."
    ),
    "lesson_dirs": 'Extra folders with lessons, e.g. ["~/class-lessons"] (others are found next to this file).',
    "safety_file": "A teacher's extra word list for the safety check (a file; found like lesson_dirs).",
}


@dataclass
class Settings:
    model: str | None = None
    model_precision: str = "auto"
    server_url: str | None = None
    child_name: str | None = None
    theme: str = DEFAULT_THEME
    big_mode: bool = False
    allow_unprotected_sandbox: bool = False
    lesson_dirs: list[str] = field(default_factory=list)
    safety_file: str | None = None
    # Not a setting and never saved: what went wrong while loading, in plain words, or None.
    problem: str | None = field(default=None, compare=False, repr=False)

    def lesson_paths(self) -> list[Path]:
        """``lesson_dirs`` as folders: "~" expanded, relative ones taken from the config folder."""
        return [_resolve(item) for item in self.lesson_dirs]

    def safety_path(self) -> Path | None:
        """``safety_file`` as a path, found the same way as the lesson folders."""
        return _resolve(self.safety_file) if self.safety_file else None

    def to_dict(self) -> dict[str, Any]:
        """The settings that are saved (no ``problem``), with None for "not set"."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "problem"}


def _resolve(item: str) -> Path:
    path = Path(item).expanduser()
    return path if path.is_absolute() else config_dir() / path


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILENAME


# --- reading -------------------------------------------------------------------------------

_OPTIONAL_STR = ("model", "server_url", "child_name", "safety_file")
_BOOL = ("big_mode", "allow_unprotected_sandbox")


def _problem_intro(path: Path) -> str:
    return f"There is a mistake in the settings file {path}."


def _fix_hint() -> str:
    return "A grown-up can fix the file, or delete it to start again with the usual settings."


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the settings file; a missing file means the usual settings.

    Never raises for a bad file: it returns the usual settings for whatever could not be read and
    explains the problem in ``Settings.problem``.
    """
    file = Path(path) if path is not None else settings_path()
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        problem = (
            f"vibecode could not open the settings file {file} ({exc.strerror or exc}), "
            "so it is using the usual settings for now. " + _fix_hint()
        )
        log.warning("settings: %s", problem)
        return Settings(problem=problem)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        problem = (
            f"{_problem_intro(file)} It is not a plain text file, so vibecode is using the usual "
            "settings for now. " + _fix_hint()
        )
        log.warning("settings: %s", problem)
        return Settings(problem=problem)
    except tomllib.TOMLDecodeError as exc:
        problem = (
            f"{_problem_intro(file)} vibecode is using the usual settings for now. "
            f"The mistake: {exc}. " + _fix_hint()
        )
        log.warning("settings: %s", problem)
        return Settings(problem=problem)
    settings, notes = _from_dict(data)
    if notes:
        settings.problem = (
            f"{_problem_intro(file)} " + " ".join(notes) + " Everything else was read fine."
        )
        log.warning("settings: %s", settings.problem)
    return settings


def _from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from parsed TOML; each unusable value gets the usual value and a note."""
    settings = Settings()
    notes: list[str] = []
    known = {f.name for f in fields(Settings)} - {"problem"}
    for key, value in data.items():
        if key not in known:
            notes.append(f'"{key}" is not a setting vibecode knows, so it was left out.')
            continue
        if key in _OPTIONAL_STR:
            if isinstance(value, str):
                setattr(settings, key, value.strip() or None)
            else:
                notes.append(f'"{key}" should be text in quotes, so the usual value is used.')
        elif key in _BOOL:
            if isinstance(value, bool):
                setattr(settings, key, value)
            else:
                notes.append(f'"{key}" should be true or false, so it is false for now.')
        elif key == "theme":
            if isinstance(value, str) and value.strip() in THEMES:
                settings.theme = value.strip()
            else:
                choices = ", ".join(f'"{t}"' for t in THEMES)
                notes.append(f'"theme" should be one of {choices}, so "{DEFAULT_THEME}" is used.')
        elif key == "model_precision":
            if isinstance(value, str) and value.strip().lower() in PRECISIONS:
                settings.model_precision = value.strip().lower()
            else:
                choices = ", ".join(f'"{p}"' for p in PRECISIONS)
                notes.append(f'"model_precision" should be one of {choices}, so "auto" is used.')
        elif key == "lesson_dirs":
            if isinstance(value, str):
                value = [value]
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                settings.lesson_dirs = [item for item in value if item.strip()]
            else:
                notes.append('"lesson_dirs" should be a list of folders in quotes, so it is empty for now.')
    if settings.server_url and not settings.server_url.startswith(("http://", "https://")):
        notes.append('"server_url" should start with http:// or https://, so it is not used.')
        settings.server_url = None
    return settings, notes


# --- writing -------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    """One value in TOML: text, true/false, whole or decimal numbers, and lists of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def settings_toml(settings: Settings) -> str:
    """The settings file's text, with a help comment above each setting."""
    lines = [
        "# vibecode settings. You can change them in the app, or edit this file carefully.",
        "# Text goes in \"quotes\"; yes/no settings are true or false.",
        "",
    ]
    for key, value in settings.to_dict().items():
        help_text = _HELP.get(key)
        if help_text:
            lines.append(f"# {help_text}")
        if value is None:
            lines.append(f'# {key} = ""')
        else:
            lines.append(f"{key} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def save_settings(settings: Settings, path: Path | str | None = None) -> Path:
    """Write the settings file safely (temp file, then rename); returns its path.

    If the file there cannot be read as settings, it is first kept as
    ``settings.toml.broken-<time>`` so nothing a teacher typed is lost. Raises ``OSError`` when
    the config folder cannot be written (the caller tells the user).
    """
    file = Path(path) if path is not None else settings_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.exists() and _is_broken(file):
        keep = file.with_name(f"{file.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(file, keep)
        log.warning("settings: kept the broken settings file as %s", keep)
    text = settings_toml(settings)
    write_text_atomic(file, text)
    return file


def try_save_settings(settings: Settings, path: Path | str | None = None) -> str | None:
    """Like :func:`save_settings`, but never raises: returns None, or what went wrong in plain words."""
    try:
        save_settings(settings, path)
    except OSError as exc:
        log.warning("settings: could not save: %r", exc)
        where = Path(path) if path is not None else settings_path()
        return (
            f"vibecode could not save your settings in {where} ({exc.strerror or exc}). "
            "They work until you close vibecode. A grown-up can check that folder."
        )
    return None


def _is_broken(file: Path) -> bool:
    """True when saving would lose something: the file does not parse, or has unusable values."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return bool(_from_dict(data)[1])
