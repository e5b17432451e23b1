"""The pipeline: idea -> prompt -> stream -> extract -> static check -> trial run -> retry -> result.

A first answer is greedy. When it fails (no code, a check problem, or an error in the trial run)
up to two more attempts follow, each either a repair turn (the program and the error in plain
words go back to the model) or a fresh sample (the same prompt, sampled with a little
temperature). Which one is used is ``retry``: "fresh", "repair" or "mixed" (see
``DEFAULT_RETRY`` for the measured reason behind the default).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from typing import Callable

from sandbox import Limits, RunResult, run_program
from vibecode.lm.base import LOCATION_LOCAL, Backend, ChatMessage, EngineError, GenerateOptions
from vibecode.safety import check_idea, clean_output, clean_program

from . import prompts
from .check import Problem, add_missing_call, contract_problems, keeps_old, static_check
from .harden import harden_number_input
from .extract import cut_repetition, is_cut_off, repeating, split_answer
from .types import AttemptRecord, MakeEvent, MakeRequest, MakeResult
from .words import child_explanation, idea_problem, problem_words, run_error_words

log = logging.getLogger("vibecode.make")

MAX_ATTEMPTS = 3
# "mixed": a runtime error (precise message + our hint) gets one repair turn, everything else (no
# code, syntax error, cut-off or looping answer) and the third try get a fresh sample. Why: models.md
# measured plain repair turns fixing 0 of 12 failures while a fresh sample with repetition_penalty
# fixed its one case; on the 0.5B (see the report) one repair turn with our hints fixed the quiz it
# was tried on, as did a fresh sample. Trying both kinds covers both.
DEFAULT_RETRY = "mixed"
DEFAULT_EXAMPLES = 1
FRESH_TEMPERATURE = 0.7
MAX_NEW_TOKENS = 700
# Answers that repeat a program from the prompt (changes, fixes, repair turns) draft after a match of a single
# word: any match points into the program they copy (GenerateOptions.prompt_lookup_words; replay of 10 recorded
# change answers: 41.6 s with 1 word against 41.7 s with 2, and the four bench speed changes 4.85-5.17 s
# against 4.8-5.2 s).
COPY_LOOKUP_WORDS = 1
# They get no repetition penalty: the penalty counts every token of the prompt, so it
# pushes the model away from copying the child's program. With 1.1 the real 1.5B answered both change
# requests of `vibecode bench speed` (and most lesson change requests) with a description and no
# program, in quantized and float32 alike; with 1.0 it sent back the whole changed program, both times.
COPY_PENALTY = 1.0
# ... and start as a program: the local engine reads this as the answer's first words. In fast mode the
# 1.5B answered bench speed's "make it also say thank you at the end" with a description of the program
# in 1 of 3 runs (kernel and draft changes moved it); begun with the fence it sent the program, and the
# answer is a few tokens shorter.
CODE_START = "```python\n"
# A change continues the conversation that wrote the program (see prompts.continue_messages) while the
# whole conversation stays shorter than this; a longer one starts afresh with the program in the request.
MAX_CONTINUED_CHARS = 8000

EventSink = Callable[[MakeEvent], None] | None


class Cancelled(Exception):
    """The child pressed stop."""


@dataclasses.dataclass
class _Exchange:
    """The prompt and answer that gave the child's current program, to continue from on a change."""

    messages: list[ChatMessage]
    answer: str
    program: str
    contract: str | None
    allow_files: bool


RUNNABLE_PROBLEMS = ("forgot", "contract")  # the program still gets its trial run; a retry may do better


@dataclasses.dataclass
class _Attempt:
    answer: str
    prose: str
    program: str | None
    problems: list[Problem]
    trial: RunResult | None
    stats_prompt: int
    stats_completion: int
    seconds: float
    tokens_per_second: float
    messages: list[ChatMessage] = dataclasses.field(default_factory=list)  # the prompt of this attempt

    @property
    def trial_ok(self) -> bool:
        return self.trial is not None and trial_fine(self.trial)

    def rank(self) -> int:
        """How good this attempt is: 0 no code, 1 check problems, 2 trial failed, 3 ran fine."""
        if not self.program:
            return 0
        if any(p.kind not in RUNNABLE_PROBLEMS for p in self.problems):
            return 1
        if not self.trial_ok:
            return 2
        return 3 if not self.problems else 2


def trial_fine(run: RunResult) -> bool:
    """A trial run is fine when it ended normally, or only because the scripted input ran out."""
    return bool(run.ok or getattr(run, "ran_out_of_input", False))


class Maker:
    """Turns a child's idea into a checked, trial-run program using one model backend."""

    def __init__(
        self,
        backend: Backend,
        *,
        limits: Limits | None = None,
        retry: str = DEFAULT_RETRY,
        examples: int = DEFAULT_EXAMPLES,
        max_attempts: int = MAX_ATTEMPTS,
        max_new_tokens: int = MAX_NEW_TOKENS,
        harden: bool = True,
    ) -> None:
        if retry not in ("fresh", "repair", "mixed", "none"):
            raise ValueError(f"unknown retry strategy {retry!r}")
        self.backend = backend
        self.limits = limits or Limits()
        self.retry = retry
        self.examples = examples
        self.max_attempts = 1 if retry == "none" else max_attempts
        self.max_new_tokens = max_new_tokens
        self.harden = harden
        self._cancel = threading.Event()
        self._last: _Exchange | None = None  # how the latest program was made

    # ----------------------------------------------------------------- public
    def cancel(self) -> None:
        """Stop whatever is running now; the call in progress returns a kind 'stopped' result."""
        self._cancel.set()
        try:
            self.backend.cancel()
        except Exception:  # the backend may already be gone; stopping must never fail
            log.exception("backend.cancel failed")

    def make(self, request: MakeRequest, on_event: EventSink = None) -> MakeResult:
        """Write (or change) a program for the child's idea. Never raises for bad input."""
        self._cancel.clear()
        started = time.monotonic()
        emit = _emitter(on_event)
        trouble = idea_problem(request.idea)
        if trouble:
            return self._finish(emit, _empty_result(trouble), started)
        verdict = check_idea(request.idea)
        if not verdict.allowed:
            result = _empty_result(verdict.message or "Let's make something else. How about a game or a shop?")
            result.refused = True
            return self._finish(emit, result, started)
        notice = verdict.message  # e.g. a gentle warning about personal details
        base = self._messages(request)
        inputs = list(request.trial_inputs) if request.trial_inputs is not None else list(prompts.GENERIC_TRIAL_INPUTS)
        try:
            result = self._attempts(base, request, inputs, emit)
        except Cancelled:
            result = _empty_result("Stopped. Change your idea or press Make to try again.")
        except EngineError as exc:
            log.error("make: engine error: %s (%s)", exc.message, exc.details)
            result = _empty_result(exc.message)
        except Exception:
            log.exception("make failed")
            result = _empty_result(
                "Something went wrong inside vibecode while writing your program. Please try again in a moment."
            )
        if notice and not result.refused:
            result.message = f"{notice} {result.message}".strip()
        return self._finish(emit, result, started)

    def read_ahead(self, request: MakeRequest) -> None:
        """Have the model read the prompt ``make(request)`` will send, while the child is still typing the
        idea (the app calls this at each pause): the example the idea so far picks, or the child's program
        for a change, and the words typed so far. After Enter only the chat template's last few tokens, and
        any words typed since, are left to read (about 15 ms a token on 2 cores: a new program's example is
        2-3 s, a 40-line program 5 s, a change's words ~0.2 s).

        With the words read, the model then writes the first attempt's answer until its next request
        (Enter, or the next pause): if Enter sends the same words, the answer starts with what it wrote
        while the child paused (the same text, greedy).

        The words themselves are read only by a model on this computer (they stay in its memory; a server
        would get words the child has not sent), and only words ``make`` would take as they are: not ones
        it refuses, nor ones it warns about (personal details wait for the child's Enter)."""
        try:
            messages = self._messages(request)
            if self.backend.location == LOCATION_LOCAL and _words_to_read_ahead(request.idea):
                self.backend.prefill(messages, tentative=True, answer=self._first_options(request))
            else:
                self.backend.prefill(prompts.before_idea(messages))
        except Exception:  # only a head start
            log.exception("reading ahead failed")

    def _first_options(self, request: MakeRequest) -> GenerateOptions:
        """How make's first answer is written: greedy, copying the child's program for a change."""
        options = _options(self.max_new_tokens)
        return copying(options) if request.current_program else options

    def _messages(self, request: MakeRequest) -> list[ChatMessage]:
        """The prompt of a request's first answer."""
        return self._continued(request) or prompts.make_messages(
            request.idea[: 1500],
            current_program=request.current_program,
            conversation=request.conversation,
            contract=request.contract,
            allow_files=request.allow_files,
            examples=self.examples,
        )

    def repair(self, program: str, run: RunResult, on_event: EventSink = None) -> MakeResult:
        """"Help me fix it": send the child's program and what went wrong, get a fixed program."""
        self._cancel.clear()
        started = time.monotonic()
        emit = _emitter(on_event)
        error = run_error_words(run, [], program) if not trial_fine(run) else (
            "It runs, but it doesn't do what I wanted. Please check it for mistakes."
        )
        base = prompts.fix_request_messages(program, error)
        request = MakeRequest(idea="fix my program", current_program=program)
        try:
            result = self._attempts(base, request, list(prompts.GENERIC_TRIAL_INPUTS), emit, first_kind="repair")
        except Cancelled:
            result = _empty_result("Stopped. Press Help me fix it to try again.")
        except EngineError as exc:
            log.error("repair: engine error: %s (%s)", exc.message, exc.details)
            result = _empty_result(exc.message)
        except Exception:
            log.exception("repair failed")
            result = _empty_result("Something went wrong inside vibecode while fixing your program. Please try again.")
        return self._finish(emit, result, started)

    def explain(self, program: str, part: str | None = None, on_event: EventSink = None) -> str:
        """"What does this do?": a few short, simple sentences about the program (or one part)."""
        self._cancel.clear()
        emit = _emitter(on_event)
        if not program or not program.strip():
            return "There is no program yet. Tell me your idea and I'll help you make one!"
        emit(MakeEvent("status", "Reading your program..."))
        options = _options(max_new_tokens=160, stop_at_code_end=False)
        try:
            text, _ = self._stream(prompts.explain_messages(program[:6000], part), options, emit, attempt=1)
        except Cancelled:
            return "Stopped."
        except EngineError as exc:
            return exc.message
        except Exception:
            log.exception("explain failed")
            return "I couldn't read the program just now. Please try again in a moment."
        text = re.sub(r"```.*?(```|$)", "", text, flags=re.S)
        text = re.sub(r"[*_`#]+", "", text)
        text = re.sub(r"\s+", " ", text).strip()
        sentences = re.split(r"(?<=[.!?])\s+", text)
        short = " ".join(sentences[:4]).strip()
        if short and not short.endswith((".", "!", "?")):
            short = short.rsplit(".", 1)[0] + "." if "." in short else short + "."
        short = clean_output(short).text if short else ""
        result = short or "This program asks you things and prints answers. Try running it to see!"
        emit(MakeEvent("done", result))
        return result

    # ---------------------------------------------------------------- helpers
    def _continued(self, request: MakeRequest) -> list[ChatMessage] | None:
        """The change as the next turn of the conversation that made the current program, when the child
        has not edited it since (and the lesson rules are the same)."""
        last = self._last
        if not (request.current_program and last) or last.program.strip() != request.current_program.strip():
            return None
        if (last.contract, last.allow_files) != (request.contract, request.allow_files):
            return None
        messages = prompts.continue_messages(last.messages, last.answer, request.idea[:1500])
        if sum(len(m.content) for m in messages) > MAX_CONTINUED_CHARS:
            return None
        return messages

    def _finish(self, emit, result: MakeResult, started: float) -> MakeResult:
        result.seconds = time.monotonic() - started
        emit(MakeEvent("done", result.message, attempt=result.attempts, data=result))
        return result

    def _attempts(
        self,
        base: list[ChatMessage],
        request: MakeRequest,
        inputs: list[str],
        emit,
        first_kind: str = "first",
    ) -> MakeResult:
        attempts: list[_Attempt] = []
        records: list[AttemptRecord] = []
        prompt_tokens = completion_tokens = 0
        for number in range(1, self.max_attempts + 1):
            if self._cancel.is_set():
                raise Cancelled
            kind = first_kind if number == 1 else self._retry_kind(
                attempts[-1], number, change=bool(request.current_program))
            messages, options = self._plan(kind, number, base, attempts, inputs)
            if number == 1 and kind == "first":
                options = self._first_options(request)  # (what read_ahead wrote ahead with)
            elif request.current_program or kind == "repair":
                options = copying(options)
            emit(MakeEvent("attempt", _attempt_words(number, kind), attempt=number))
            t0 = time.monotonic()
            answer, stats = self._stream(messages, options, emit, attempt=number)
            attempt = self._check(answer, request, inputs, emit, number)
            attempt.messages = messages
            attempt.seconds = time.monotonic() - t0
            if stats is not None:
                attempt.stats_prompt, attempt.stats_completion = stats.prompt_tokens, stats.completion_tokens
                attempt.tokens_per_second = stats.tokens_per_second
            prompt_tokens += attempt.stats_prompt
            completion_tokens += attempt.stats_completion
            attempts.append(attempt)
            records.append(
                AttemptRecord(
                    number=number, kind=kind, answer=answer, program=attempt.program,
                    problems=[str(p) for p in attempt.problems],
                    trial_ok=None if attempt.trial is None else attempt.trial_ok,
                    prompt_tokens=attempt.stats_prompt, completion_tokens=attempt.stats_completion,
                    seconds=attempt.seconds, tokens_per_second=attempt.tokens_per_second,
                )
            )
            if attempt.rank() == 3:
                break
        best = max(attempts, key=lambda a: (a.rank(), -attempts.index(a)))
        result = self._result(best, request)
        if result.program:
            self._last = _Exchange(best.messages, best.answer, result.program, request.contract, request.allow_files)
        result.attempts = len(attempts)
        result.prompt_tokens, result.completion_tokens = prompt_tokens, completion_tokens
        result.attempt_log = records
        return result

    def _retry_kind(self, last: _Attempt, number: int, change: bool = False) -> str:
        if self.retry in ("fresh", "repair"):
            return self.retry
        # mixed: a runtime error has a precise message the model can act on; no code, a cut-off
        # or repeating answer, or a syntax error is better answered by a new sample
        if last.program and last.trial is not None and not last.trial_ok and number == 2:
            return "repair"
        if last.program and last.problems and all(p.kind == "contract" for p in last.problems):
            return "repair"  # the check says exactly what is wrong with the lesson's function; the rest can stay
        if change and number == 2 and _only_prose(last.answer):
            # A change request answered with a complete description and no program: the real 1.5B
            # does this to most lesson change requests (lesson_with_model.py, lesson 01 steps 3-4),
            # greedy and sampled alike. Asking for the program in a follow-up turn got it back in
            # 2 of 2 tries; a new program is better served by a fresh sample (the follow-up
            # turn there returned the few-shot example instead).
            return "repair"
        return "fresh"

    def _plan(self, kind: str, number: int, base: list[ChatMessage], attempts: list[_Attempt], inputs: list[str]):
        if kind == "repair" and attempts and not attempts[-1].program:
            last = attempts[-1]
            said = last.answer.strip()[:600] or "(nothing)"
            return base + [
                ChatMessage("assistant", said),
                ChatMessage("user", f"{problem_words(last.problems)} Please send the whole program in one ```python block."),
            ], _options(self.max_new_tokens)
        if kind == "repair" and attempts and attempts[-1].program:
            last = attempts[-1]
            if last.problems:
                words = problem_words(last.problems)
            else:
                words = run_error_words(last.trial, inputs, last.program) if last.trial else "It did not work."
            return prompts.repair_messages(base, last.program, words), _options(self.max_new_tokens)
        if kind == "fresh" and number > 1:
            if _no_program(attempts[-1].answer):
                base = prompts.ask_for_program(base)
            return base, _options(self.max_new_tokens, temperature=FRESH_TEMPERATURE, seed=number, fresh=True)
        return base, _options(self.max_new_tokens)

    def _stream(self, messages: list[ChatMessage], options: GenerateOptions, emit, attempt: int):
        """Run the model, passing chunks on; stop early on a repetition loop."""
        pieces: list[str] = []
        looping = False
        for chunk in self.backend.stream(messages, options):
            if self._cancel.is_set():
                self.backend.cancel()
                continue  # drain, so the backend ends cleanly
            if looping:
                continue
            pieces.append(chunk)
            # the backend's own running count of tokens; a backend without one: a token a chunk
            tokens = getattr(self.backend, "tokens_so_far", 0) or len(pieces)
            emit(MakeEvent("chunk", chunk, attempt=attempt, tokens=tokens))
            if chunk.count("\n") or len(pieces) % 16 == 0:
                if repeating("".join(pieces)):
                    looping = True
                    self.backend.cancel()
        if self._cancel.is_set():
            raise Cancelled
        return "".join(pieces), getattr(self.backend, "last_stats", None)

    def _check(self, answer: str, request: MakeRequest, inputs: list[str], emit, number: int) -> _Attempt:
        prose, program = split_answer(answer)
        if program and repeating(program):
            program = cut_repetition(program)
        if program:
            program = add_missing_call(program)
            if self.harden:
                program = harden_number_input(program)
        attempt = _Attempt(answer, prose, program, [], None, 0, 0, 0.0, 0.0)
        emit(MakeEvent("checking", "Checking the program...", attempt=number))
        if not program:
            attempt.problems = [
                Problem("empty", "The answer had no program in it.", "Your answer had no ```python code block.")
            ]
            if is_cut_off(answer):
                attempt.problems[0].detail = "The answer was cut off before the program was finished."
            return attempt
        attempt.problems = static_check(
            program, allow_files=request.allow_files, needs_output=not request.contract
        )
        if attempt.problems:
            return attempt
        if request.current_program and not keeps_old(request.current_program, program):
            attempt.problems = [Problem(
                "forgot", "The new program forgot parts of your old one.",
                "The new program dropped most of my old program. Keep all of my old program and add the change.",
            )]
        attempt.problems += contract_problems(program, request.contract, request.idea, request.current_program)
        emit(MakeEvent("trial", "Trying the program...", attempt=number))
        attempt.trial = run_program(program, inputs, limits=self.limits)
        return attempt

    def _result(self, best: _Attempt, request: MakeRequest) -> MakeResult:
        if not best.program:
            return _empty_result(
                "I couldn't write a program for that this time. Try saying your idea in a different way, "
                "like \"a game where I guess a number\"."
            )
        program = clean_program(best.program).text
        explanation = clean_output(child_explanation(best.prose, request.idea, change=bool(request.current_program))).text
        rank = best.rank()
        if rank == 3:
            message = "Here is your program! Press Run to try it."
            if request.current_program:
                message = "I changed your program! Press Run to try it."
        elif rank == 2 and best.trial is not None and not best.trial_ok:
            message = (
                "I wrote a program, but it ran into a problem when I tried it: "
                f"{best.trial.message} You can press Help me fix it, or change the code yourself."
            )
        elif rank == 2:  # it runs, but forgot parts of the old program
            message = "I changed your program, but some of your old program is missing. Check it, or press Undo."
        else:
            return MakeResult(
                ok=False, program=None, explanation="",
                message=best.problems[0].message + " Try asking again, maybe with different words.",
                trial=None, prompt_tokens=0, completion_tokens=0, seconds=0.0,
            )
        return MakeResult(
            ok=rank == 3, program=program, explanation=explanation, message=message,
            trial=best.trial, prompt_tokens=0, completion_tokens=0, seconds=0.0,
        )


# -------------------------------------------------------------------- module helpers
def _only_prose(answer: str) -> bool:
    """An answer of words only: no code at all, not cut off, not a loop."""
    return "```" not in answer and _no_program(answer)


def _no_program(answer: str) -> bool:
    """An answer without a Python program: words only, or words in a ``` block (the real 1.5B wrote a
    poster's text in one for "make a poster for my lemonade stand with my name and price", in its greedy
    and its sampled answers); not a loop."""
    text = answer.strip()
    return bool(text) and not repeating(text) and split_answer(text)[1] is None


def _words_to_read_ahead(idea: str) -> bool:
    """Words ``make`` would send as they are: none it stops (idea_problem, check_idea) or warns about."""
    if idea_problem(idea):
        return False
    verdict = check_idea(idea)
    return verdict.allowed and not verdict.message


def _emitter(on_event: EventSink):
    def emit(event: MakeEvent) -> None:
        if on_event is None:
            return
        try:
            on_event(event)
        except Exception:  # a broken screen must not break the pipeline
            log.exception("on_event handler failed")

    return emit


def _empty_result(message: str) -> MakeResult:
    return MakeResult(
        ok=False, program=None, explanation="", message=message, attempts=0, trial=None,
        prompt_tokens=0, completion_tokens=0, seconds=0.0, refused=False,
    )


def _attempt_words(number: int, kind: str) -> str:
    if number == 1:
        return "Fixing your program..." if kind == "repair" else "Writing your program..."
    return "That one didn't work. Trying again..." if kind == "fresh" else "Fixing a mistake..."


def copying(options: GenerateOptions) -> GenerateOptions:
    """Options for an answer that mostly repeats a program from the prompt (a change, a fix): it starts as
    a program (CODE_START) and drafts from a single matching word (COPY_LOOKUP_WORDS)."""
    return dataclasses.replace(options, prompt_lookup_words=COPY_LOOKUP_WORDS, repetition_penalty=COPY_PENALTY,
                               answer_start=CODE_START)


def _options(max_new_tokens: int, *, temperature: float = 0.0, seed: int | None = None,
             stop_at_code_end: bool = True, fresh: bool = False) -> GenerateOptions:
    opts = GenerateOptions(max_new_tokens=max_new_tokens, temperature=temperature, seed=seed,
                           stop_at_code_end=stop_at_code_end)
    names = {f.name for f in dataclasses.fields(GenerateOptions)}
    if fresh and "repetition_penalty" in names:  # measured to break greedy loops (models.md)
        opts = dataclasses.replace(opts, repetition_penalty=1.1)
    return opts
