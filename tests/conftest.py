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
    # the exact kernel ("quantized"), not "auto" (which is "fast" on a CPU with VNNI): tests compare its
    # answers with float32's and transformers' own
    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(home), "VIBECODE_PRECISION": "quantized"}
    backend = WorkerBackend("tiny", env=env)
    backend.prepare()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def tiny_float32_folder(session_cache_dir, tmp_path_factory):
    """The REAL tiny model converted to plain float32 transformers weights (what `transformers serve` and a
    teacher's own model folder look like); the engine itself runs the quantized form by default."""
    from vibecode.lm.client import WorkerBackend

    home = tmp_path_factory.mktemp("tiny-f32-home")
    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(home), "VIBECODE_PRECISION": "float32"}
    backend = WorkerBackend("tiny", env=env)
    try:
        backend.prepare()
        info = backend.info()
        assert info["precision"] == "float32"
        return info["folder"]
    finally:
        backend.close()
