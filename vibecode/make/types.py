"""The data that goes into and comes out of the pipeline (see interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the sandbox and engine types are only needed for annotations here
    from sandbox import RunResult
    from vibecode.lm.base import ChatMessage


@dataclass
class MakeRequest:
    """What the child asked for, plus what they already have."""

    idea: str
    current_program: str | None = None
    conversation: list["ChatMessage"] = field(default_factory=list)
    contract: str | None = None  # what the lesson asks the program to do (from the lesson file)
    allow_files: bool = False  # the lesson lets the program read or write its own files
    trial_inputs: list[str] | None = None  # lines typed into the trial run; None -> a generic script


@dataclass
class MakeResult:
    """What came out: the program (or why there is none) and how the trial run went."""

    ok: bool
    program: str | None
    explanation: str
    message: str
    attempts: int = 0
    trial: "RunResult | None" = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    refused: bool = False
    # extra detail for benchmarks and logs (not shown to the child)
    attempt_log: list["AttemptRecord"] = field(default_factory=list)


@dataclass
class AttemptRecord:
    """One try at writing the program, kept for the benchmark and the log."""

    number: int
    kind: str  # "first" | "repair" | "fresh"
    answer: str
    program: str | None
    problems: list[str]
    trial_ok: bool | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    tokens_per_second: float


@dataclass
class MakeEvent:
    """Progress for the screen: kind is one of status, chunk, attempt, checking, trial, done."""

    kind: str
    text: str = ""
    attempt: int = 0
    tokens: int = 0  # tokens received so far in this attempt
    data: Any = None  # the MakeResult on "done"
