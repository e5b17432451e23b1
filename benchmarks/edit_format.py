"""Can the local model send only the changed lines of a program (an edit format) instead of the whole program?
(a benchmark, not a test)

A change request's answer repeats the child's whole program (~320 tokens for the 38-line pet shop of
`vibecode bench speed`), and checking those copied tokens is most of a change's time. If the model wrote only
SEARCH/REPLACE blocks (aider's format) we would apply them ourselves and the answer would be a few dozen
tokens. This asks the same eight changes three ways, with the real model, and checks each resulting program:

- whole:       the app's way (the whole new program, prompt lookup);
- edit:        SEARCH/REPLACE blocks, with one example in the request;
- edit-lines:  the same, but every SEARCH line is held to lines of the child's program (the model picks which
               lines; it cannot write lines that are not there). No drafts, so its seconds are pessimistic.

A change counts as made when the blocks apply (each SEARCH found in the program), the asked-for words are in
the result, the program still compiles, and the lines the change should not touch are still there.

    .venv/bin/python benchmarks/edit_format.py [--precision fast] [--modes whole,edit,edit-lines]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's vibecode

# (ask, any of these words must be in the new program)
ASKS = [
    ("make it also say thank you at the end", ["thank"]),
    ("make the dog bone cost 5 coins", ['"dog bone": 5']),
    ("add a hamster wheel for 6 coins", ['"hamster wheel": 6']),
    ("start with 30 coins instead of 20", ["money = 30"]),
    ("make the prices twice as big", ['"fish food": 4']),
    ("add a goodbye message at the end", ["bye", "see you", "thank you for visiting"]),
    ("make it also count how many things I bought", ["len(basket)", "count"]),
    ("add a 10 percent discount on everything", ["0.9", "discount"]),
]
# what none of the changes should lose
KEEP = ['print("Your basket:")', "for item in basket:", 'if choice == "q":', "basket.append(choice)"]

EDIT_ASK = (
    "Do not send the whole program: send only the lines that change, as SEARCH/REPLACE blocks. SEARCH has "
    "lines copied exactly from my program; REPLACE has what they become. To add new lines, SEARCH for the line "
    "just before them and put it back in REPLACE with the new lines after it. Example:\n"
    '<<<<<<< SEARCH\nprint("Bye!")\n=======\nprint("Bye!")\nprint("See you soon!")\n>>>>>>> REPLACE\n'
    "Change it:"
)
SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH\n", "=======\n", ">>>>>>> REPLACE"
BLOCK = re.compile(r"<<<<<<< SEARCH\n(.*?)=======\n(.*?)>>>>>>> REPLACE", re.DOTALL)


@dataclass
class Result:
    mode: str
    ask: str
    seconds: float
    tokens: int
    applied: bool
    why_not: str
    program: str

    @property
    def made(self) -> bool:
        return not self.why_not


def apply_edits(program: str, answer: str) -> str | None:
    """The program with every block applied, or None when a block's SEARCH text is not in it."""
    blocks = BLOCK.findall(answer)
    if not blocks:
        return None
    for search, replace in blocks:
        if not search or search not in program:
            return None
        program = program.replace(search, replace, 1)
    return program


def missing(program: str | None, words: list[str]) -> str:
    """Why the change is not made ("" when it is)."""
    if program is None:
        return "no program (a SEARCH not in the program, or no blocks)"
    try:
        compile(program, "<change>", "exec")
    except SyntaxError:
        return "does not compile"
    if not any(w.lower() in program.lower() for w in words):
        return f"none of {words} in it"
    lost = [k for k in KEEP if k not in program]
    return f"lost {lost}" if lost else ""


class SearchLines:
    """Greedy, except that inside a SEARCH block only words that keep it a run of the program's own lines
    (then the divider) are allowed. Stops after a block unless another SEARCH follows."""

    def __init__(self, tokenizer, program: str) -> None:
        self.lines = [line + "\n" for line in program.rstrip("\n").split("\n")]
        self.pieces = [tokenizer.decode([i]) for i in range(len(tokenizer))]
        self.by_text: dict[str, list[int]] = {}
        for index, piece in enumerate(self.pieces):
            self.by_text.setdefault(piece, []).append(index)
        self.text = ""  # the answer after its SEARCH start
        self.block = ""  # the text since the current block part began
        self.phase = "search"

    def allowed(self) -> list[int]:
        rests = set()
        for i in range(len(self.lines)):
            whole = "".join(self.lines[i:])
            if whole.startswith(self.block):
                rests.add(whole[len(self.block):])
            done = ""
            for line in self.lines[i:]:
                done += line
                if not self.block.startswith(done):
                    break
                tail = self.block[len(done):]
                if DIVIDER.startswith(tail):
                    rests.add(DIVIDER[len(tail):])
        found: set[int] = set()
        for rest in rests:
            for k in range(1, min(len(rest), 32) + 1):
                found.update(self.by_text.get(rest[:k], ()))
        return sorted(found)

    def __call__(self, scores) -> int:
        token = int(scores.argmax())
        if self.phase == "search":
            allowed = self.allowed()
            if allowed:
                token = allowed[int(scores[allowed].argmax())]
        piece = self.pieces[token]
        self.text += piece
        self.block += piece
        if self.phase == "search" and self.block.endswith(DIVIDER):
            self.phase, self.block = "replace", ""
        elif self.phase == "replace" and REPLACE in self.block:
            self.phase, self.block = "after", self.block.split(REPLACE, 1)[1]
        if self.phase == "after" and self.block.startswith("\n" + SEARCH):
            self.phase, self.block = "search", ""
        return token

    def finished(self) -> bool:
        after = self.block.lstrip("\n") if self.phase == "after" else ""
        return bool(after) and not SEARCH.startswith(after[: len(SEARCH)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--precision", default="fast")
    parser.add_argument("--modes", default="whole,edit,edit-lines")
    parser.add_argument("--asks", type=int, nargs="*", help="only these asks (numbers from 1)")
    args = parser.parse_args()
    os.environ["VIBECODE_PRECISION"] = args.precision
    import dataclasses

    import torch

    from vibecode.commands.bench_speed import pet_shop
    from vibecode.lm import ChatMessage, GenerateOptions
    from vibecode.lm.decode import greedy
    from vibecode.make import extract, prompts
    from vibecode.make.maker import copying
    from vibecode.lm.engine import LocalModel

    engine = LocalModel(None)
    engine.load()
    system = ChatMessage("system", prompts.system_prompt(None, allow_files=False))
    engine.prefill([system])
    program = pet_shop()
    results: list[Result] = []

    def edit_messages(ask: str) -> list[ChatMessage]:
        return [system, ChatMessage("user", f"Here is my program:\n{prompts.fence(program)}\n{EDIT_ASK} {ask}")]

    def read_ahead(messages: list[ChatMessage], lead: str) -> None:  # as the app does while the child types
        last = messages[-1].content
        engine.prefill(messages[:-1] + [ChatMessage("user", last[: last.rfind(lead) + len(lead)])])

    for mode in args.modes.split(","):
        for number, (ask, words) in enumerate(ASKS, 1):
            if args.asks and number not in args.asks:
                continue
            t0 = time.monotonic()
            if mode == "whole":
                messages = prompts.make_messages(ask, current_program=program)
                read_ahead(messages, prompts.CHANGE_LEAD)
                t0 = time.monotonic()
                chunks: list[str] = []
                stats = engine.generate(messages, copying(GenerateOptions(max_new_tokens=700)), threading.Event(),
                                        lambda c, _n: chunks.append(c))
                answer, tokens = "".join(chunks), stats.completion_tokens
                new = extract.extract_code(answer)
                applied = new is not None
            else:
                messages = edit_messages(ask)
                read_ahead(messages, "Change it:")
                t0 = time.monotonic()
                options = dataclasses.replace(copying(GenerateOptions(max_new_tokens=400)), answer_start=SEARCH,
                                              stop_at_code_end=False, stop=["Change it:", "```"])
                if mode == "edit":
                    chunks = []
                    stats = engine.generate(messages, options, threading.Event(), lambda c, _n: chunks.append(c))
                    answer, tokens = "".join(chunks), stats.completion_tokens
                else:
                    ids = engine._encode(messages, True, SEARCH)["input_ids"][0].tolist()
                    cache, cached = engine.prompt_cache.start(ids, engine._new_cache)
                    pick = SearchLines(engine.tokenizer, program)
                    eos = set(engine._eos_ids())
                    with torch.inference_mode():
                        out = greedy(engine.model, ids, cache, cached, max_new_tokens=400, eos=eos,
                                     repetition_penalty=1.0, draft=None, one_token=engine.one_token, sample=pick,
                                     on_tokens=lambda _t: pick.finished())
                    answer, tokens = SEARCH + pick.text, len(out) - len(ids) + 1
                new = apply_edits(program, answer if answer.startswith(SEARCH) else SEARCH + answer)
                applied = new is not None
            result = Result(mode, ask, time.monotonic() - t0, tokens, applied, missing(new, words), new or "")
            results.append(result)
            print(f"{mode:11} {result.seconds:5.1f} s {tokens:4} tokens  applied={applied!s:5} made={result.made!s:5} {ask}"
                  + (f"  ({result.why_not})" if result.why_not else ""), flush=True)
            if mode != "whole":
                print("    " + answer.strip().replace("\n", "\n    ")[:1200], flush=True)
            elif new and new != program:
                import difflib

                changed = difflib.unified_diff(program.splitlines(), new.splitlines(), lineterm="", n=0)
                print("    " + "\n    ".join(list(changed)[2:]), flush=True)

    print("-" * 80)
    print(f"{'mode':11} {'made':>5} {'applied':>8} {'median s':>9} {'median tokens':>14}   load average {os.getloadavg()[0]:.2f}")
    for mode in args.modes.split(","):
        rows = [r for r in results if r.mode == mode]
        print(f"{mode:11} {sum(r.made for r in rows):>2}/{len(rows):<2} {sum(r.applied for r in rows):>5}/{len(rows):<2} "
              f"{statistics.median(r.seconds for r in rows):>9.1f} {statistics.median(r.tokens for r in rows):>14.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
