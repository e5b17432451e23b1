"""Where vibecode keeps its files: the user's data, cache and config folders.

Setting ``VIBECODE_HOME`` puts everything under one folder instead (tests, portable installs,
a teacher who wants one folder per class).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "vibecode"


def _home_override() -> Path | None:
    value = os.environ.get("VIBECODE_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Projects, progress (the SQLite database) and logs."""
    home = _home_override()
    return _ensure(home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME)))


def cache_dir() -> Path:
    """Things that can be rebuilt: converted model weights, assembled GGUF files."""
    override = os.environ.get("VIBECODE_CACHE")
    if override:
        return _ensure(Path(override).expanduser())
    home = _home_override()
    return _ensure(home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME)))


def config_dir() -> Path:
    """Settings and the teacher's files (word lists, lesson folders)."""
    home = _home_override()
    return _ensure(home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME)))


def log_dir() -> Path:
    """Tracebacks and engine logs: for grown-ups, never shown to a child unless asked."""
    return _ensure(data_dir() / "logs")
