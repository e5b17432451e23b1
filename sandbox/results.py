"""The data the runner shares with the app, the CLI and lessons: limits, verdicts, results, events."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """What one run may use. Time spent waiting in input() for the child does not count."""

    wall_seconds: float = 10.0  # not counting time blocked in input() waiting for the child
    cpu_seconds: float = 5.0
    memory_mb: int = 512
    output_bytes: int = 200_000
    file_size_mb: int = 8
    open_files: int = 64
    disk_mb: int = 32  # everything the program writes into its folder, together
    input_wait_seconds: float = 900.0  # waiting for typing longer than this ends the run


class Verdict(enum.Enum):
    """How a run ended, as data: the TUI, the CLI and lessons all use the same words."""

    OK = "ok"
    MISTAKE = "mistake"
    SYNTAX_ERROR = "syntax_error"
    TOO_LONG = "too_long"
    TOO_MUCH_THINKING = "too_much_thinking"
    TOO_MUCH_OUTPUT = "too_much_output"
    TOO_MUCH_MEMORY = "too_much_memory"
    TOO_MUCH_DISK = "too_much_disk"
    CRASHED = "crashed"
    TOO_DEEP = "too_deep"
    NEEDED_INPUT = "needed_input"
    NETWORK = "network"
    OTHER_PROGRAM = "other_program"
    CONTROL_OTHER = "control_other"
    FILE_OUTSIDE = "file_outside"
    STOPPED = "stopped"
    NOT_PROTECTED = "not_protected"


@dataclass
class RunResult:
    """The structured end of one run. ``output`` is sanitised text: show it as plain text, never markup."""

    verdict: Verdict
    message: str  # friendly, 9-year-old words, says what to try next
    exit_code: int | None
    output: str  # everything shown (stdout + stderr + echoed input, interleaved), sanitised, capped
    stdout: str  # sanitised stdout only
    traceback: str | None = None  # runner frames removed
    error_line: int | None = None  # line in the kid's program
    error_type: str | None = None  # e.g. "ValueError"
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    output_bytes: int = 0
    truncated: bool = False
    ran_out_of_input: bool = False  # ended because input ran out (EOF at input())
    error_message: str | None = None  # the exception's own text, e.g. "division by zero"
    tried: list[str] = field(default_factory=list)  # blocked attempts: "network", "program", "control"
    files: dict[str, bytes] = field(default_factory=dict)  # regular files left in the folder (capped)
    protections: str = ""  # e.g. "time ✓ memory ✓ files ✓ internet ✓ other programs ✓"
    warning: str | None = None  # set when the run was not fully protected
    layers: list[str] = field(default_factory=list)  # what was on: "supervisor", "limits", "landlock ABI 7", ...

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    def to_dict(self) -> dict:
        """JSON-ready form (file contents are left out; their names and sizes are kept)."""
        data = {k: v for k, v in self.__dict__.items() if k != "files"}
        data["verdict"] = self.verdict.value
        data["ok"] = self.ok
        data["files"] = {name: len(content) for name, content in self.files.items()}
        return data


@dataclass(frozen=True)
class OutputEvent:
    """Sanitised text the program printed (stream "stdout"/"stderr"), or a typed line echoed back ("input")."""

    text: str
    stream: str


@dataclass(frozen=True)
class InputWanted:
    """The program is waiting in input(); ``prompt`` is the unfinished last line it printed."""

    prompt: str


@dataclass(frozen=True)
class Finished:
    result: RunResult


Event = OutputEvent | InputWanted | Finished
