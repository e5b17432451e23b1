"""The model engine: ``open_backend(spec)`` gives a Backend that turns chat messages into streamed text.

Importing this package (or ``vibecode.lm.base`` / ``vibecode.lm.client``) never imports torch or
transformers: the local model runs in its own worker process (``vibecode.lm.worker``).

Specs:
    None / "default"        the embedded default model (Qwen2.5-Coder-1.5B), or $VIBECODE_MODEL if set
    "tiny"                  SmolLM2-135M, a very small model for tests
    "qwen-0.5b", "qwen-1.5b" the embedded models by name
    a folder / a .gguf file a transformers model folder (config.json + weights) or a GGUF file
    "org/name"              a Hugging Face model id (needs internet the first time)
    "http://host:port/v1#model"  an OpenAI-compatible server (the class server)
    "scripted:FILE.json"    ScriptedBackend, a FAKE that replays canned answers (UI tests)
"""

from __future__ import annotations

import os

from vibecode.lm.base import (
    Backend,
    ChatMessage,
    EngineError,
    GenerateOptions,
    GenerationStats,
    ProgressCallback,
)

__all__ = [
    "Backend",
    "ChatMessage",
    "EngineError",
    "GenerateOptions",
    "GenerationStats",
    "ProgressCallback",
    "open_backend",
]

ENV_MODEL = "VIBECODE_MODEL"


def open_backend(spec: str | None = None) -> Backend:
    """Make (but do not start) the backend named by ``spec``; call ``prepare()`` to load it."""
    if spec is None or not spec.strip():
        spec = os.environ.get(ENV_MODEL, "").strip() or None
    if spec is not None:
        spec = spec.strip()
        if spec.startswith("scripted:"):
            from vibecode.lm.scripted import ScriptedBackend

            return ScriptedBackend(file=spec[len("scripted:") :])
        if spec.startswith(("http://", "https://")):
            from vibecode.lm.http import HttpBackend

            return HttpBackend.from_spec(spec)
    from vibecode.lm.client import WorkerBackend

    return WorkerBackend(spec)
