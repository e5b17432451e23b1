"""The generation pipeline: a child's idea becomes a checked, trial-run Python program.

    from vibecode.make import Maker, MakeRequest
    result = Maker(backend).make(MakeRequest(idea="a piggy bank that adds coins"))

``Maker`` (which pulls in the sandbox and the safety filter) is loaded on first use, so the light
parts (``extract_code``, ``static_check``, the data classes) import instantly.
"""

from __future__ import annotations

from typing import Any

from .check import Problem, keeps_old, static_check
from .extract import extract_code
from .types import AttemptRecord, MakeEvent, MakeRequest, MakeResult

__all__ = [
    "AttemptRecord",
    "MakeEvent",
    "MakeRequest",
    "MakeResult",
    "Maker",
    "Problem",
    "extract_code",
    "keeps_old",
    "static_check",
    "trial_fine",
]


def __getattr__(name: str) -> Any:
    if name in ("Maker", "trial_fine"):
        from . import maker

        return getattr(maker, name)
    raise AttributeError(name)
