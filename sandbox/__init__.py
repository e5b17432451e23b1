"""vibecode's restricted runner for untrusted kid-written Python programs (stdlib only).

    from sandbox import Limits, Verdict, RunResult, start_run, run_program, probe, lint

Layers: a supervisor (every OS), rlimits (POSIX), and on Linux seccomp + Landlock, switched on
inside the child before the program starts. See ``sandbox/README.md``.
"""

from __future__ import annotations

from .api import Run, run_program, start_run
from .lint import LintNote, lint
from .probe import Protections, probe
from .results import Event, Finished, InputWanted, Limits, OutputEvent, RunResult, Verdict
from .verdicts import MESSAGES

__all__ = [
    "Event",
    "Finished",
    "InputWanted",
    "Limits",
    "LintNote",
    "MESSAGES",
    "OutputEvent",
    "Protections",
    "Run",
    "RunResult",
    "Verdict",
    "lint",
    "probe",
    "run_program",
    "start_run",
]
