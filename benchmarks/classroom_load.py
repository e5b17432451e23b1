"""Classroom load check (a benchmark, not a test): N simulated children share one model server.

Starts what ``vibecode serve`` starts (the shared model server: vibecode's own batching engine by default,
or ``--engine transformers`` for ``transformers serve --continuous-batching``; and the fair class line in
front of it; or uses ``--model-url``), then for N = 1, 4 and 10 children at once each child
makes a program through the class line with the app's own HttpBackend and the real Maker pipeline (idea ->
program -> checks -> trial run) and then runs it in the sandbox with scripted answers for input().

Prints p50/p95 time to first token (queue wait included) and to a finished program, aggregate tokens/s,
failures, the longest wait for a turn and the model server's peak memory (RSS of its process tree).

    python benchmarks/classroom_load.py                      # tiny model, N = 1, 4, 10
    python benchmarks/classroom_load.py --model qwen-0.5b --children 1,4
    python benchmarks/classroom_load.py --engine transformers              # the float32 fallback, to compare
    python benchmarks/classroom_load.py --model-url http://gpu-server:8000/v1 --model-name Qwen/...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vibecode.serve.engine import free_port  # noqa: E402
from vibecode.serve.room import ClassRoom, RoomConfig  # noqa: E402

IDEAS = [
    "make a lemonade stand game where I pick the price and see how many cups I sell",
    "a calculator that tells me how much money I make selling cookies",
    "a quiz about animals with 3 questions that keeps score",
    "a piggy bank that asks how much I save each week and shows the total after 4 weeks",
    "a shop where you can buy apples and bananas and it shows the total",
    "a program that asks my name and says hello in a fun way",
    "a times table for any number I type",
    "a guessing game where the computer picks a number from 1 to 10",
    "a bake sale price list that adds up what I buy",
    "draw a square made of stars",
]
ANSWERS = ["5", "3", "yes", "2", "10", "apple", "1", "no", "4", "q", "quit", "exit", "n", "0"]


@dataclass
class ChildResult:
    child: int
    ok: bool  # a program came out and ran without crashing
    made: bool
    ran: bool
    first_token_s: float | None
    program_s: float
    completion_tokens: int
    waited_s: float  # longest wait for a turn this child was told about
    note: str


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def one_child(number: int, url: str, max_tokens: int) -> ChildResult:
    from sandbox import run_program
    from vibecode.lm.http import HttpBackend
    from vibecode.make import Maker, MakeRequest

    backend = HttpBackend(url)
    waits: list[float] = []
    backend.on_wait = lambda position, waited: waits.append(waited)
    maker = Maker(backend, max_new_tokens=max_tokens)
    first: list[float] = []
    start = time.monotonic()

    def on_event(event) -> None:
        if event.kind == "chunk" and not first:
            first.append(time.monotonic() - start)

    idea = IDEAS[number % len(IDEAS)]
    try:
        result = maker.make(MakeRequest(idea=idea), on_event=on_event)
    except Exception as exc:  # a failure is a number here, not a crash of the benchmark
        return ChildResult(number, False, False, False, None, time.monotonic() - start, 0, max(waits, default=0.0),
                           f"make raised {exc!r}")
    program_s = time.monotonic() - start
    ran = False
    note = result.message[:80] if not result.ok else ""
    if result.program:
        run = run_program(result.program, list(ANSWERS))
        ran = run.ok or run.ran_out_of_input
        if not ran:
            note = f"run: {run.verdict.name}"
    return ChildResult(number, bool(result.program) and ran, bool(result.program), ran,
                       first[0] if first else None, program_s, result.completion_tokens,
                       max(waits, default=0.0), note)


def one_child_raw(number: int, url: str, max_tokens: int) -> ChildResult:
    """Server only: one streamed answer of ``max_tokens`` (no pipeline, no sandbox)."""
    from vibecode.lm.base import ChatMessage, GenerateOptions
    from vibecode.lm.http import HttpBackend

    backend = HttpBackend(url)
    waits: list[float] = []
    backend.on_wait = lambda position, waited: waits.append(waited)
    start = time.monotonic()
    first: float | None = None
    messages = [ChatMessage("system", "You write one short Python program for a child, in a ```python block."),
                ChatMessage("user", IDEAS[number % len(IDEAS)])]
    try:
        for _ in backend.stream(messages, GenerateOptions(max_new_tokens=max_tokens, stop_at_code_end=False)):
            first = first if first is not None else time.monotonic() - start
    except Exception as exc:
        return ChildResult(number, False, False, False, first, time.monotonic() - start, 0, max(waits, default=0.0),
                           f"stream raised {exc!r}")
    stats = backend.last_stats
    tokens = stats.completion_tokens if stats else 0
    return ChildResult(number, tokens > 0, tokens > 0, True, first, time.monotonic() - start, tokens,
                       max(waits, default=0.0), "")


def one_round(n: int, proxy: str, max_tokens: int, round_no: int, raw: bool = False) -> tuple[list[ChildResult], float]:
    results: list[ChildResult] = []
    lock = threading.Lock()

    def child(i: int) -> None:
        r = (one_child_raw if raw else one_child)(i, f"{proxy}/c/r{round_no}-child{i}/v1", max_tokens)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=child, args=(i,)) for i in range(n)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results, key=lambda r: r.child), time.monotonic() - started


def status(proxy: str) -> dict:
    with urllib.request.urlopen(f"{proxy}/status", timeout=10) as reply:
        return json.loads(reply.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="model for the shared server (default: tiny)")
    parser.add_argument("--model-url", help="use this OpenAI-compatible server instead of starting one")
    parser.add_argument("--model-name")
    parser.add_argument("--children", default="1,4,10", help="comma-separated class sizes (default 1,4,10)")
    parser.add_argument("--max-active", type=int, default=10, help="requests batched at once (default 10)")
    parser.add_argument("--max-tokens", type=int, default=400, help="new tokens per answer (default 400)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-batching", action="store_true", help="engine without continuous batching")
    parser.add_argument("--engine", choices=("auto", "vibecode", "transformers"), default="auto",
                        help="which model server to start (default: as vibecode serve chooses)")
    parser.add_argument("--server-only", action="store_true",
                        help="each child streams one answer of --max-tokens (no pipeline, no sandbox run)")
    args = parser.parse_args()

    sizes = [int(x) for x in args.children.split(",") if x.strip()]
    config = RoomConfig(port=free_port(), model=args.model, model_url=args.model_url, model_name=args.model_name,
                        max_active=args.max_active, batching=not args.no_batching, engine=args.engine)
    loop = asyncio.new_event_loop()
    room = ClassRoom(config, say=lambda text: print(f"  [serve] {text}", flush=True) if text else None)
    loop.run_until_complete(room.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    figures = []
    try:
        engine = room.engine.engine if room.engine else "(given URL)"
        print(f"\nmodel: {args.model_url or args.model}   engine: {engine}   batching: {not args.no_batching}   max active: {args.max_active}   "
              f"max new tokens: {args.max_tokens}   {'server only' if args.server_only else 'make + run'}   cpus: {os.cpu_count()}   load avg: {os.getloadavg()[0]:.1f}")
        header = (f"{'N':>3} {'TTFT p50':>9} {'p95':>7} {'program p50':>12} {'p95':>7} {'agg tok/s':>10} "
                  f"{'ok':>5} {'fail':>5} {'max wait':>9} {'peak MB':>8} {'wall s':>7}")
        print(header)
        for round_no, n in enumerate(sizes):
            results, wall = one_round(n, room.proxy_url, args.max_tokens, round_no, args.server_only)
            tokens = sum(r.completion_tokens for r in results)
            ttft = [r.first_token_s for r in results if r.first_token_s is not None]
            prog = [r.program_s for r in results]
            peak = status(room.proxy_url).get("engine", {}).get("peak_rss_mb", float("nan"))
            row = {
                "children": n, "ttft_p50": percentile(ttft, 0.5), "ttft_p95": percentile(ttft, 0.95),
                "program_p50": percentile(prog, 0.5), "program_p95": percentile(prog, 0.95),
                "aggregate_tokens_per_s": tokens / wall if wall else 0.0, "tokens": tokens,
                "ok": sum(r.ok for r in results), "failures": sum(not r.made for r in results),
                "did_not_run": sum(r.made and not r.ran for r in results),
                "max_wait_s": max((r.waited_s for r in results), default=0.0), "engine_peak_mb": peak,
                "wall_s": wall, "load_avg": os.getloadavg()[0], "children_detail": [asdict(r) for r in results],
            }
            figures.append(row)
            print(f"{n:>3} {row['ttft_p50']:>9.1f} {row['ttft_p95']:>7.1f} {row['program_p50']:>12.1f} "
                  f"{row['program_p95']:>7.1f} {row['aggregate_tokens_per_s']:>10.1f} {row['ok']:>5} "
                  f"{row['failures']:>5} {row['max_wait_s']:>9.1f} {peak:>8.0f} {wall:>7.1f}", flush=True)
            for r in results:
                if r.note:
                    print(f"      child {r.child}: {r.note}")
        print("failures = no program came out (server or pipeline trouble); ok = a program came out and ran.")
    finally:
        asyncio.run_coroutine_threadsafe(room.stop(), loop).result(timeout=120)
        loop.call_soon_threadsafe(loop.stop)
    if args.json:
        args.json.write_text(json.dumps({"model": args.model_url or args.model, "engine": args.engine,
                                         "rounds": figures}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
