"""Shared fixtures. Every test gets its own empty vibecode home (database, settings, logs), so
tests never touch a real user's files. The model cache is shared for the whole session, because
converting even the tiny model takes a while."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("vibecode-cache")


@pytest.fixture(autouse=True)
def vibecode_home(tmp_path, monkeypatch, session_cache_dir):
    home = tmp_path / "vibecode-home"
    monkeypatch.setenv("VIBECODE_HOME", str(home))
    monkeypatch.setenv("VIBECODE_CACHE", str(session_cache_dir))
    return home
