"""The words we send to the model. Kept short on purpose: on 2 CPU cores every prompt token costs
prefill time before the first word appears."""

from __future__ import annotations

import ast

from vibecode.lm.base import ChatMessage

from .fewshot import Example, load_examples, pick_examples

SYSTEM = """You write Python 3 programs for children aged 9 to 14.
Answer with one short friendly sentence saying what the program does, then the whole program in one ```python block.
Rules:
- A short, complete program that runs as it is, top to bottom. Use input() and print(); no `if __name__` needed.
- Only the standard library (random, math, time are fine). No files, internet, windows or extra packages.
- If the child types a word where a number was wanted, say so kindly and ask again. Never crash.
- A loop that keeps asking must stop when the child types q.
- Simple names, friendly messages, fewer than 40 lines."""

SYSTEM_FILES = "\n- This lesson lets the program read and write its own files."

EXPLAIN_SYSTEM = """You explain Python programs to children aged 9 to 14.
Use two or three short, simple sentences. Say what the program does for the person using it. No code."""

# Lines typed into a trial run when the request gives none: numbers, yes/no, words, then ways to
# quit; after that the input runs out (EOF), which counts as a fine ending.
GENERIC_TRIAL_INPUTS = ["5", "3", "yes", "2", "10", "apple", "1", "no", "4", "q", "quit", "exit", "n", "0"]

MAX_HISTORY_MESSAGES = 4
MAX_HISTORY_CHARS = 300


def fence(code: str) -> str:
    return "```python\n" + code.rstrip("\n") + "\n```"


def example_turns(examples: list[Example]) -> list[ChatMessage]:
    turns: list[ChatMessage] = []
    for ex in examples:
        turns.append(ChatMessage("user", ex.idea))
        turns.append(ChatMessage("assistant", f"{ex.about}\n{fence(ex.program)}"))
    return turns


# A lesson's contract (Python def lines with docstrings) is shown as code to WRITE. Given as a bare
# "The lesson asks for this: def profit(...): ..." line, the real 1.5B took it for code to explain and
# answered lesson 01 step 1 with a description and no program (3 of 3 greedy runs); with this wording
# and a code block, it wrote the function at once (lessons engineer, lesson_with_model.py probes).
CONTRACT_INTRO = "The lesson's checks call these functions, so write them with exactly these names and arguments:"


def contract_text(contract: str) -> str:
    try:
        is_code = any(isinstance(n, ast.FunctionDef) for n in ast.parse(contract.strip()).body)
    except SyntaxError:
        is_code = False
    if is_code:
        return f"\n{CONTRACT_INTRO}\n{fence(contract.strip())}"
    return f"\nThe lesson asks for this: {contract.strip()}"


def system_prompt(contract: str | None, allow_files: bool) -> str:
    text = SYSTEM + (SYSTEM_FILES if allow_files else "")
    if contract:
        text += contract_text(contract)
    return text


def history(conversation: list[ChatMessage]) -> list[ChatMessage]:
    """The last few chat turns, trimmed (the current program already carries what was built)."""
    out: list[ChatMessage] = []
    for msg in conversation[-MAX_HISTORY_MESSAGES:]:
        if msg.role not in ("user", "assistant"):
            continue
        text = msg.content.strip()
        if "```" in text:  # old programs are replaced by the current one
            text = text.split("```", 1)[0].strip() or "(a program)"
        if len(text) > MAX_HISTORY_CHARS:
            text = text[:MAX_HISTORY_CHARS] + "..."
        out.append(ChatMessage(msg.role, text))
    # the chat template wants user/assistant turns to alternate, starting with the user
    while out and out[0].role != "user":
        out.pop(0)
    merged: list[ChatMessage] = []
    for msg in out:
        if merged and merged[-1].role == msg.role:
            merged[-1] = ChatMessage(msg.role, merged[-1].content + "\n" + msg.content)
        else:
            merged.append(msg)
    if merged and merged[-1].role == "user":  # the new request is the next user turn
        merged.append(ChatMessage("assistant", "OK!"))
    return merged


def make_messages(
    idea: str,
    *,
    current_program: str | None = None,
    conversation: list[ChatMessage] | None = None,
    contract: str | None = None,
    allow_files: bool = False,
    examples: int = 1,
) -> list[ChatMessage]:
    """Messages for a new program, or for changing the child's current one."""
    messages = [ChatMessage("system", system_prompt(contract, allow_files))]
    if current_program and current_program.strip():
        # A change: the example would only distract; the child's own program is the example.
        messages += history(conversation or [])
        messages.append(ChatMessage("user", change_request(idea, current_program)))
    else:
        messages += example_turns(pick_examples(idea, examples))
        messages += history(conversation or [])
        messages.append(ChatMessage("user", idea.strip()))
    return messages


CHANGE_ASK = "Keep everything it already does. Send the whole new program in one ```python block."


PROGRAM_ASK = "Write a Python program for this idea:"


def ask_for_program(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The same messages, with the child's idea said to be an idea for a program. The real 1.5B took
    "rate my day from 1 to 5 and show a smiley face" as a question to itself and answered "I rate my
    day as 4 out of 5" three times (vibecode bench ideas, emoji-rating); only retries use this, so first
    answers (and the prompt cache) stay as they were."""
    last = messages[-1]
    if last.role != "user" or last.content.startswith(PROGRAM_ASK):
        return messages
    return messages[:-1] + [ChatMessage("user", f"{PROGRAM_ASK} {last.content}")]


CHANGE_LEAD = "Change it:"  # a change request's words start after this

# What a change request says before the child's words. The fixed instructions come before them, so the
# model reads them ahead while the child types (17 tokens, ~0.2 s less after Enter on 2 cores). On 10 asks
# to the 38-line pet shop with the real 1.5B, the change was made 8 times this way, 7 with the instructions
# after the words; answers 0.1-0.2 s quicker.
CHANGE_START = f"{CHANGE_ASK}\n{CHANGE_LEAD}"


def before_idea(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The part of a first answer's prompt that comes before the child's words: what the app can have the
    model read while the child is still typing them. A new program's prompt is everything before the last
    message (the system prompt, the example the idea so far picks, the chat); a change's also has the
    start of its last message (the child's program, up to "Change it:")."""
    if not messages or messages[-1].role != "user":
        return list(messages)
    last = messages[-1].content
    after_program = "\n```\n" + CHANGE_START
    if last.startswith(CHANGE_START):
        keep = CHANGE_START
    elif (at := last.find(after_program)) >= 0:
        keep = last[: at + len(after_program)]
    else:
        keep = ""
    return list(messages[:-1]) + ([ChatMessage("user", keep)] if keep else [])


def change_request(idea: str, current_program: str) -> str:
    return f"Here is my program:\n{fence(current_program)}\n{CHANGE_START} {idea.strip()}"


def continue_messages(previous: list[ChatMessage], answer: str, idea: str) -> list[ChatMessage]:
    """A change as the next turn of the conversation that wrote the program: the earlier prompt without
    its example program, the model's answer exactly as it wrote it, then the change. The model still
    remembers the system prompt (its prompt cache), so it reads the idea, its answer and the change.
    The example goes, as in any change: with no repetition penalty (copying answers have none) the real
    1.5B copied the few-shot example's candle shop into lesson 01 step 2 instead of changing the
    child's program (benchmarks/lesson_with_model.py)."""
    example_ideas = {ex.idea for ex in load_examples()}
    kept: list[ChatMessage] = []
    skip_answer = False
    for msg in previous:
        if msg.role == "user" and msg.content in example_ideas:
            skip_answer = True
            continue
        if skip_answer and msg.role == "assistant":
            skip_answer = False
            continue
        skip_answer = False
        kept.append(msg)
    return kept + [ChatMessage("assistant", answer), ChatMessage("user", f"{CHANGE_START} {idea.strip()}")]


def repair_messages(
    base: list[ChatMessage], program: str, error_words: str
) -> list[ChatMessage]:
    """A repair turn: the model's program, then what went wrong in plain words."""
    return base + [
        ChatMessage("assistant", fence(program)),
        ChatMessage(
            "user",
            f"{error_words}\nPlease fix it and send the whole fixed program in one ```python block.",
        ),
    ]


def explain_messages(program: str, part: str | None = None) -> list[ChatMessage]:
    if part and part.strip():
        question = (
            f"In this program:\n{fence(program)}\nWhat does this part do?\n{fence(part)}\n"
            "Answer in two short, simple sentences."
        )
    else:
        question = f"{fence(program)}\nWhat does this program do? Answer in two or three short, simple sentences."
    return [ChatMessage("system", EXPLAIN_SYSTEM), ChatMessage("user", question)]


def fix_request_messages(program: str, error_words: str) -> list[ChatMessage]:
    """"Help me fix it": the child's program and what went wrong when they ran it."""
    return [
        ChatMessage("system", SYSTEM),
        ChatMessage(
            "user",
            f"Here is my program:\n{fence(program)}\n{error_words}\n"
            "Please fix it. Keep everything else the same. Send the whole fixed program in one ```python block.",
        ),
    ]
