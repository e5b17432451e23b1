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


@pytest.fixture(scope="session")
def tiny_backend(session_cache_dir, tmp_path_factory):
    """The REAL tiny model (SmolLM2-135M) in its own worker process, prepared once and shared by the whole
    session (the first run converts it into the session cache). Owner: the engine (vibecode/lm)."""
    from vibecode.lm.client import WorkerBackend

    home = tmp_path_factory.mktemp("tiny-home")
    backend = WorkerBackend("tiny", env={"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(home)})
    backend.prepare()
    yield backend
    backend.close()
