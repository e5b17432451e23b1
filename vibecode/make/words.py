"""Plain-words helpers: checking the child's idea, describing errors for the model, and turning
the model's chatter into one or two child-level sentences."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox import RunResult

    from .check import Problem

MAX_IDEA_CHARS = 1500


def idea_problem(idea: str) -> str | None:
    """A friendly message when the idea can't be used as it is; None when it is fine."""
    text = (idea or "").strip()
    if not text:
        return "Tell me your idea first! For example: \"a game where I guess a number\"."
    if len(text) > MAX_IDEA_CHARS:
        return (
            "Wow, that's a lot of words! Can you tell me your idea in one or two sentences? "
            "For example: \"a shop where I buy apples and see the total\"."
        )
    if looks_like_nonsense(text):
        return (
            "I couldn't understand that idea. Can you say it with a few words, like "
            "\"a quiz about animals\" or \"a piggy bank that adds coins\"?"
        )
    return None


def looks_like_nonsense(text: str) -> bool:
    """Keyboard mashing ("asdfgh qwerty zzzz") or only symbols. Any real language passes: we
    only look at the shape of words (vowels, long consonant runs), not at an English word list."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return not re.search(r"\d", text) or len(text) < 3 or not re.search(r"[a-z]", text.lower())
    if any(ord(ch) > 0x2E80 for ch in text):  # CJK and other scripts without Latin vowels
        return False

    def wordlike(w: str) -> bool:
        if len(w) > 20:
            return False
        if not re.search(r"[aeiouyàáâäãåèéêëìíîïòóôöõùúûüæøœ\u0400-\u04ff\u0370-\u03ff\u0590-\u06ff]", w):
            return len(w) <= 3  # "my", "hmm" ... short words are fine
        if re.search(r"[bcdfghjklmnpqrstvwxz]{5,}", w):
            return False
        if re.search(r"(.)\1\1", w):
            return False
        return True

    good = sum(1 for w in words if wordlike(w))
    return good / len(words) < 0.5


def child_explanation(prose: str, idea: str, change: bool = False) -> str:
    """One or two short sentences from the text the model wrote before its code (a change's answer starts
    with the code, so it usually has none: then the child's own words say what changed)."""
    text = re.sub(r"[*_`#>]+", "", prose or "")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(sure|certainly|of course|absolutely|okay|ok|great|here you go)[!,.]*\s*", "", text, flags=re.I)
    text = re.sub(
        r"^(here(')?s|here is|below is)\s+(a|an|the|your)\s+(simple\s+|short\s+|fun\s+|friendly\s+)*(python\s+)?(3\s+)?(program|code|script|game)\s*(that|which)?\s*",
        "This program ",
        text,
        flags=re.I,
    )
    text = text.rstrip(":").strip()
    sentences = re.split(r"(?<=[.!?])\s+", text)
    sentences = [s for s in sentences if s and not re.search(r"python|code block|```", s, re.I)] or []
    out = " ".join(sentences[:2]).strip()
    if out and not out.endswith((".", "!", "?")):
        out += "."
    if len(out) < 12 or len(out) > 280:
        short = idea.strip().rstrip(".!?")
        if len(short) > 80:
            short = short[:77].rsplit(" ", 1)[0] + "..."
        out = f"I changed your program: {short}." if change else f"Here is a program for your idea: {short}."
    return out[0].upper() + out[1:]


_HINTS = {
    "ValueError": "The player typed a word where a number was wanted. Check what they typed (try/except ValueError) and ask again.",
    "NameError": "A name is used before it is made, or it is spelled differently.",
    "TypeError": "Text and numbers got mixed up. Turn typed text into a number with int() or float() before doing maths.",
    "IndexError": "The program looked for an item past the end of a list.",
    "KeyError": "The program looked up something that is not in the dictionary.",
    "ZeroDivisionError": "The program divided by zero. Check for zero first.",
    "RecursionError": "A function keeps calling itself forever.",
    "UnboundLocalError": "A variable inside a function is used before it gets a value; pass it in or use a global.",
    "AttributeError": "The program used something that this kind of value doesn't have.",
}


def run_error_words(run: "RunResult", inputs: list[str], program: str) -> str:
    """What went wrong in the trial run, precisely enough for the model to fix it."""
    verdict = getattr(run.verdict, "name", str(run.verdict))
    lines = program.splitlines()
    where = ""
    if run.error_line and 0 < run.error_line <= len(lines):
        where = f" on line {run.error_line} (`{lines[run.error_line - 1].strip()}`)"
    typed = ", ".join(repr(x) for x in inputs[:6])
    if verdict in ("TOO_LONG", "TOO_MUCH_THINKING"):
        return "When I ran it, it kept running and never finished. Make sure every loop ends, for example when the player types q."
    if verdict == "TOO_MUCH_OUTPUT":
        return "When I ran it, it printed the same things again and again without stopping. Make every loop end."
    if verdict == "TOO_MUCH_MEMORY":
        return "When I ran it, it used far too much memory. Keep lists small."
    if verdict == "NETWORK":
        return "It tried to use the internet, which is not allowed. Use only input() and print()."
    if verdict in ("FILE_OUTSIDE",):
        return "It tried to use files, which is not allowed. Keep everything in variables."
    if verdict in ("OTHER_PROGRAM", "CONTROL_OTHER"):
        return "It tried to start other programs, which is not allowed. Use only input() and print()."
    last = ""
    if run.traceback:
        tail = [l for l in run.traceback.strip().splitlines() if l.strip()]
        last = tail[-1].strip() if tail else ""
    if not last and run.error_type:
        last = run.error_type
    if verdict == "SYNTAX_ERROR":
        return f"Python could not read it{where}: {last or run.message}"
    hint = _HINTS.get(run.error_type or "", "")
    start = f"When I ran it and typed {typed}, it" if typed else "When I ran it, it"
    return f"{start} crashed{where} with this error: {last or run.message}. {hint}".strip()


def problem_words(problems: list["Problem"]) -> str:
    """Static-check problems, for the repair turn."""
    return " ".join(p.detail if p.detail.endswith(".") else p.detail + "." for p in problems[:3])
