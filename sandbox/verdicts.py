"""Turns what happened in a run into a Verdict and a message a 9-year-old understands.

Every message says what happened in plain words and what to try next. The program's own error
text is quoted only for ordinary mistakes (the child needs it to fix the line).
"""

from __future__ import annotations

import errno
import signal
from dataclasses import dataclass

from .results import Verdict

MESSAGES: dict[Verdict, str] = {
    Verdict.OK: "Your program finished. Well done!",
    Verdict.MISTAKE: "Your program stopped because of a mistake. Look at the line it points to and try to fix it.",
    Verdict.SYNTAX_ERROR: "Python could not read your program: something is written in a way Python does not "
    "understand. Check the line it points to for a missing bracket, quote or colon.",
    Verdict.TOO_LONG: "Your program took too long, so I stopped it. Is there a loop that never ends, "
    "or a very long sleep? Try making the loop stop.",
    Verdict.TOO_MUCH_THINKING: "Your program did too much thinking (it kept the computer busy too long), so I "
    "stopped it. Is there a loop that never ends, or a really huge number? Try smaller numbers.",
    Verdict.TOO_MUCH_OUTPUT: "Your program printed too much, so I stopped it. Is there a print inside a loop "
    "that never ends? Try printing less.",
    Verdict.TOO_MUCH_MEMORY: "Your program tried to use too much memory, so I stopped it. Is a list growing "
    "forever, or a number getting gigantic? Try using smaller things.",
    Verdict.TOO_MUCH_DISK: "Your program wrote too much into files, so I stopped it. Try writing smaller files.",
    Verdict.CRASHED: "Python crashed while running your program. This can happen when a function calls itself "
    "forever. Try running it again, or make it simpler.",
    Verdict.TOO_DEEP: "A function in your program called itself too many times, so Python stopped it. Make "
    "sure the function has a way to stop calling itself.",
    Verdict.NEEDED_INPUT: "Your program wanted you to type something, but nothing more was typed. Run it again "
    "and type an answer when it asks.",
    Verdict.NETWORK: "Your program tried to use the internet or the network. Programs here can't do that, to "
    "keep everyone safe. Try making it work without the internet.",
    Verdict.OTHER_PROGRAM: "Your program tried to start another program. Programs here can't do that, to keep "
    "the computer safe. Try doing the job inside your own program.",
    Verdict.CONTROL_OTHER: "Your program tried to control or stop another program. Programs here can't do that, "
    "to keep the computer safe.",
    Verdict.FILE_OUTSIDE: "Your program tried to open a file outside its own folder. Programs here can only use "
    "files in their own project folder. Try a simple name like \"notes.txt\".",
    Verdict.STOPPED: "You stopped the program.",
    Verdict.NOT_PROTECTED: "This computer can't run programs safely right now, so I did not run it. Ask your "
    "teacher to look at the safety settings.",
}

_TRIED_VERDICT = {"network": Verdict.NETWORK, "program": Verdict.OTHER_PROGRAM, "control": Verdict.CONTROL_OTHER}
# Library files whose OSErrors mean a blocked attempt of that kind.
_WHERE = {
    "socket.py": "network", "ssl.py": "network", "request.py": "network", "client.py": "network",
    "connection.py": "network", "subprocess.py": "program", "popen_fork.py": "program", "pty.py": "program",
}
_CRASH_SIGNALS = {
    getattr(signal, name) for name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE", "SIGSYS") if hasattr(signal, name)
}
_FILE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EXDEV, errno.EROFS}


@dataclass
class Outcome:
    """Everything the supervisor saw, before it is judged."""

    exit_code: int | None  # negative: killed by that signal (like subprocess)
    killed_for: Verdict | None  # the supervisor stopped it (TOO_LONG, TOO_MUCH_OUTPUT, STOPPED, ...)
    error: dict | None  # the bootstrap's error record
    tried: list[str]
    input_closed: bool
    cpu_seconds: float
    cpu_limit: float
    refused: str | None  # a protection failed inside the child
    outside: bool = False  # the error's file name points outside the program's folder


@dataclass
class Judgement:
    verdict: Verdict
    message: str
    ran_out_of_input: bool = False


def judge(o: Outcome) -> Judgement:
    """Pick the verdict: the supervisor's own stops first, then signals, then the error record."""
    if o.refused is not None:
        return Judgement(Verdict.NOT_PROTECTED, MESSAGES[Verdict.NOT_PROTECTED])
    if o.killed_for is not None:
        if o.killed_for is Verdict.NEEDED_INPUT:
            return Judgement(Verdict.NEEDED_INPUT, "Your program waited a very long time for you to type something, "
                             "so I stopped it. Run it again when you are ready to answer.")
        return Judgement(o.killed_for, MESSAGES[o.killed_for])
    code = o.exit_code
    if code is not None and code < 0:
        sig = -code
        if sig == getattr(signal, "SIGXCPU", -1) or (sig == signal.SIGKILL and o.cpu_seconds >= o.cpu_limit - 0.05):
            return Judgement(Verdict.TOO_MUCH_THINKING, MESSAGES[Verdict.TOO_MUCH_THINKING])
        if sig in _CRASH_SIGNALS:
            return Judgement(Verdict.CRASHED, MESSAGES[Verdict.CRASHED])
        return Judgement(Verdict.CRASHED, "Your program was stopped suddenly. Try running it again.")
    err = o.error
    if err is not None:
        return _judge_error(err, o)
    if o.tried:
        verdict = _TRIED_VERDICT.get(o.tried[0], Verdict.OTHER_PROGRAM)
        return Judgement(verdict, MESSAGES[verdict])
    if code == 0:
        return Judgement(Verdict.OK, MESSAGES[Verdict.OK])
    if code == 1:
        return Judgement(Verdict.MISTAKE, MESSAGES[Verdict.MISTAKE])
    return Judgement(Verdict.MISTAKE, f"Your program stopped itself with exit code {code}. If that was not on "
                     "purpose, look for sys.exit or exit in your program.")


def _judge_error(err: dict, o: Outcome) -> Judgement:
    kind = str(err.get("type") or "")
    message = str(err.get("message") or "")
    line = err.get("line")
    where = f" on line {line}" if isinstance(line, int) else ""
    if kind == "MemoryError":
        return Judgement(Verdict.TOO_MUCH_MEMORY, MESSAGES[Verdict.TOO_MUCH_MEMORY])
    if kind == "RecursionError":
        return Judgement(Verdict.TOO_DEEP, MESSAGES[Verdict.TOO_DEEP])
    if kind == "EOFError":
        return Judgement(Verdict.NEEDED_INPUT, MESSAGES[Verdict.NEEDED_INPUT], ran_out_of_input=o.input_closed)
    if kind in ("SyntaxError", "IndentationError", "TabError"):
        return Judgement(Verdict.SYNTAX_ERROR, _syntax_message(kind, where))
    if kind == "RuntimeError" and "new thread" in message:
        return Judgement(Verdict.TOO_MUCH_MEMORY, "Your program started too many threads at once, so Python "
                         "could not make more. Try using fewer threads.")
    if kind == "OSError" and err.get("errno") == errno.EFBIG:
        return Judgement(Verdict.TOO_MUCH_DISK, "Your program tried to make a file that is too big. Try "
                         "writing less into it.")
    if err.get("oserror"):
        tried = _WHERE.get(str(err.get("where") or ""))
        if tried is None and o.tried and err.get("errno") in (errno.EPERM, errno.EACCES, errno.ENOSYS, None):
            tried = o.tried[-1]
        if tried is not None:
            verdict = _TRIED_VERDICT[tried]
            return Judgement(verdict, MESSAGES[verdict])
    if err.get("errno") in _FILE_ERRNOS and err.get("filename") and o.outside:
        return Judgement(Verdict.FILE_OUTSIDE, MESSAGES[Verdict.FILE_OUTSIDE])
    if kind == "ModuleNotFoundError":
        return Judgement(Verdict.MISTAKE, f"Your program tried to use a module that is not here{where}: "
                         f"{message}. Programs here can use Python's own modules only.")
    detail = f"{kind}: {message}" if message else kind
    hint = _hint(kind, message)
    return Judgement(Verdict.MISTAKE, f"Your program stopped because of a mistake{where}. {hint}"
                     f"(Python said: {detail})")


def _hint(kind: str, message: str) -> str:
    """A plain-words explanation of the most common beginner errors, with what to try."""
    if kind == "NameError":
        name = message.split("'")[1] if message.count("'") >= 2 else "that name"
        return (f"Python doesn't know what {name} is. Check the spelling, and give it a value before "
                "you use it. ")
    if kind == "UnboundLocalError":
        return "A variable inside a function is used before it gets a value there. "
    if kind == "ZeroDivisionError":
        return "It tried to divide by zero, which nobody can do. Check the number you divide by. "
    if kind == "ValueError" and ("invalid literal for int()" in message or "could not convert" in message):
        return "It wanted a number but got something else. Type a number like 7, or check the int(...) part. "
    if kind == "TypeError":
        return ("Two things that don't go together were mixed, like text and a number. Try str() or int() "
                "to change one of them. ")
    if kind == "IndexError":
        return ("It asked for a place in a list that isn't there. Lists start at 0, and the last place is "
                "one less than the length. ")
    if kind == "KeyError":
        return "It asked a dictionary for something it doesn't have. Check the spelling of the key. "
    if kind == "AttributeError":
        return "It used a name after a dot that this kind of thing doesn't have. Check the spelling. "
    if kind == "FileNotFoundError":
        return "It tried to open a file that isn't there. Check the name, or write the file first. "
    if kind == "PermissionError":
        return ("Programs here are not allowed to do that (for example change who may use a file). Try "
                "just reading and writing files in the program's folder. ")
    return "Look at that line and try to fix it. "


def _syntax_message(kind: str, where: str) -> str:
    if kind == "IndentationError":
        return (f"Python could not read your program: the spaces at the start of a line{where} are not "
                "right. Lines inside a loop, if or def need to line up.")
    if kind == "TabError":
        return (f"Python could not read your program: tabs and spaces are mixed{where}. Use only spaces "
                "at the start of lines.")
    return (f"Python could not read your program: something{where} is written in a way Python does not "
            "understand. Check it for a missing bracket, quote or colon.")
