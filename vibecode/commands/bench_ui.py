"""``vibecode bench ui``: how fast the app shows its first frame, and how long the screen ever freezes.

Prints these figures (targets from the design, on 2 cores):

1. launch -> first frame: ``python -m vibecode`` started in a real terminal (tmux) until the home
   screen's words are on screen (target <= 1 s). The FAKE scripted model is used there so that only
   the app's own start-up is timed (a real model warms up in its own process after the first frame).
2. the worst and p99 UI stall (target <= 50 ms): the app runs headless (Textual's Pilot) with a 10 ms
   timer on its event loop; a stall is how late a tick comes. Measured while the model gets ready and
   while it writes a program: once with the FAKE scripted model (``ScriptedBackend``), once with a
   REAL model in its worker process (the app's default model unless ``--model`` says otherwise).
3. the same while a program floods output (``while True: print(i)``) for 3 s, and how long Stop takes
   to end it. The sandbox's output cap ends a real flood after 200 KB (well under a second); for a
   sustained 3 s flood the cap is raised for this measurement only, and the time a real flood runs
   before the cap stops it is printed too.
4. with the REAL model: ``vibecode bench speed``'s change requests to its 38-line program, made in the app
   (the program read ahead while the child types, as the app does): seconds from Enter to the changed
   program on screen, the model's own answer time (what ``bench speed`` counts, without the app), and the
   app's CPU meanwhile. On 2 cores every bit of drawing the app does is taken from the model: drawing what
   the model wrote 10 times a second (and a new layout of the whole screen each time) made a change 8.2 s
   in the app against 5.5 s in ``bench speed`` (see model_jobs.DRAIN_SECONDS).
5. with the REAL model: the child edits that program by hand (a name on its welcome line), then types a change
   with no pause in typing and presses Enter ``--typing`` seconds after their last key in the program: seconds
   from Enter to the changed program, and how much of the prompt was read before Enter (the app reads the
   program once an edit is saved, model_jobs.read_program_ahead; before it did, only a pause in typing the
   change did, and a quick typist's change read the whole ~500-token prompt after Enter).

Projects go to a throw-away folder (``VIBECODE_HOME``); the model cache is the usual one, so a model
that is already converted is not converted again. ``benchmarks/ui_bench.py`` runs the same code.
Textual is imported only when the benchmark runs (``vibecode --help`` stays instant).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]  # the folder holding this vibecode (run from a checkout)
IDEA = "a program that asks my name and says hello"
GREETING = 'name = input("What is your name? ")\nprint("Hello " + name + "!")\n'
FLOOD = "i = 0\nwhile True:\n    print(i)\n    i = i + 1\n"
HOME_WORDS = "What do you want to make today?"  # on the home screen once it is drawn
TICK = 0.01
FLOOD_SECONDS = 3.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    ui = sub.add_parser("ui", help="the app's speed: first frame, and the worst UI stall while the model "
                                   "writes and while a program floods output")
    ui.add_argument("--model", metavar="NAME|URL",
                    help="the REAL model to measure (default: the app's default model)")
    ui.add_argument("--fake-only", action="store_true",
                    help="only the FAKE scripted model (quick; no real model is loaded)")
    ui.add_argument("--runs", type=int, default=3, help="launches to time for the first frame (default 3)")
    ui.add_argument("--tokens", type=int, default=200,
                    help="most tokens the real model may write for the program (default 200; with --changes "
                         "the app's own limit)")
    ui.add_argument("--changes", type=int, default=4,
                    help="change requests to make with the real model (bench speed's, default 4; 0: none)")
    ui.add_argument("--typing", type=float, default=6.0,
                    help="figure 5: seconds from the child's last key in their own edit to Enter on a change typed "
                         "with no pause (default 6; 0: skip figure 5)")
    ui.add_argument("--json", metavar="OUT", help="also write the figures to this JSON file")
    ui.set_defaults(func=run_ui)


# ---------------------------------------------------------------------------- 1. first frame
def first_frame_seconds(runs: int) -> list[float]:
    """Start the real app in tmux, runs times, and time until the home screen's words show."""
    times = []
    folder = Path(tempfile.mkdtemp(prefix="vibecode-bench-"))
    answers = folder / "answers.json"
    answers.write_text(json.dumps([f"Here.\n```python\n{GREETING}```\n"]))
    try:
        for n in range(runs):
            home = folder / f"home-{n}"
            sock = f"vibe-bench-{os.getpid()}-{n}"
            cmd = (f"env -u COLUMNS -u LINES TERM=xterm-256color VIBECODE_HOME={home} PYTHONPATH={ROOT} "
                   f"VIBECODE_MODEL=scripted:{answers} {sys.executable} -m vibecode")
            t0 = time.perf_counter()
            subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-c", str(ROOT),
                            "-x", "120", "-y", "36", cmd], check=True)
            try:
                while time.perf_counter() - t0 < 20:
                    pane = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"],
                                          capture_output=True, text=True).stdout
                    if HOME_WORDS in pane:
                        times.append(time.perf_counter() - t0)
                        break
                    time.sleep(0.01)
            finally:
                subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return times


# ---------------------------------------------------------------------------- 2 + 3. stalls
class StallMeter:
    """How late each tick of a 10 ms timer on the app's event loop comes."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last: float | None = None

    def tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(max(0.0, now - self._last - TICK))
        self._last = now

    def reset(self) -> None:
        self.gaps, self._last = [], None

    def worst_ms(self) -> float:
        return max(self.gaps, default=0.0) * 1000

    def p99_ms(self) -> float:
        if not self.gaps:
            return 0.0
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    def figures(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_worst_stall_ms": round(self.worst_ms(), 1), f"{prefix}_p99_stall_ms": round(self.p99_ms(), 1)}


async def _wait_for(pilot: Any, condition: Callable[[], Any], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def fake_backend() -> Any:
    """The FAKE model: canned answers through the real Backend interface (2 characters a chunk,
    100 chunks a second: a faster stream than the real models write)."""
    from vibecode.lm.scripted import ScriptedBackend

    answer = f"Here is your program.\n```python\n{GREETING}```\n"
    return ScriptedBackend([answer], delay=0.01, chunk_chars=2)


async def measure_app(backend: Any, *, flood: bool, max_new_tokens: int, changes: int = 0,
                      typing: float = 0.0) -> dict:
    """One app session: the model gets ready, writes a program; then (``flood``) a program floods output;
    then the first ``changes`` of bench speed's change requests are made to its pet shop.

    The backend is handed to the app unprepared, so the app gets it ready the way it does for a child
    (a worker thread, after the first frame) and the meter sees that too."""
    from vibecode.app import VibecodeApp

    meter = StallMeter()
    # changes keep the app's own answer length (a whole 38-line program is ~330 tokens)
    options = {"max_attempts": 1} | ({} if changes else {"max_new_tokens": max_new_tokens})
    app = VibecodeApp(backend=backend, warm_up=True, maker_options=options)
    result: dict = {}
    async with app.run_test(size=(120, 36)) as pilot:
        app.set_interval(TICK, meter.tick)
        t0 = time.perf_counter()
        await _wait_for(pilot, lambda: backend.ready, 3600, "the model to get ready")
        result["ready_seconds"] = round(time.perf_counter() - t0, 2)
        result.update(meter.figures("ready"))
        await pilot.press("ctrl+n")  # an empty project: the build screen opens
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen" and app.screen.query("#idea"),
                        30, "the build screen")
        screen = app.screen
        screen.query_one("#idea").value = IDEA
        await pilot.pause(0.3)
        meter.reset()
        t0 = time.perf_counter()
        await pilot.press("enter")
        await pilot.pause(0.05)
        await _wait_for(pilot, lambda: screen.job is None, 1800, "the model to finish")
        result["generate_seconds"] = round(time.perf_counter() - t0, 2)
        usage = app.services.store.usage(screen.project_id)
        result["generate_tokens"] = int(usage.completion_tokens)
        result["prompt_tokens"] = int(usage.prompt_tokens)
        stats = getattr(backend, "last_stats", None)
        result["tokens_per_second"] = round(stats.tokens_per_second, 1) if stats else None
        result.update(meter.figures("generate"))
        result["meter"] = str(screen.query_one("#meter").content)
        if flood:
            result.update(await _flood(pilot, screen, meter))
        if changes:
            result.update(await _changes(pilot, screen, backend, changes))
        if changes and typing > 0:
            result.update(await _changes_after_an_edit(pilot, screen, backend, min(changes, 2), typing))
    return result


async def _read_ahead_done(app: Any) -> None:
    while any(w.group == "read-ahead" and not w.is_finished for w in app.workers):
        await asyncio.sleep(0.05)


async def _changes_after_an_edit(pilot: Any, screen: Any, backend: Any, count: int, typing: float) -> dict:
    """Figure 5: the child's own edit to the pet shop, then a change typed with no pause (no read-ahead of
    the words), Enter ``typing`` seconds after the edit's last key."""
    from vibecode.commands.bench_speed import CHANGES, pet_shop

    walls, answers = [], []
    for index, ask in enumerate(CHANGES[:count]):
        screen.set_program(pet_shop())
        await asyncio.sleep(0.3)
        await _read_ahead_done(screen.app)
        name = ("Ada", "Ben", "Cleo", "Dev")[index % 4]  # a new edit each time: never read before
        editor = screen.editor
        line = next(i for i, text in enumerate(editor.text.splitlines()) if "Welcome to the Pet Shop" in text)
        column = editor.document.get_line(line).index("the Pet Shop")
        editor.replace(f"{name}'s", (line, column), (line, column + 3), maintain_selection_offset=False)
        await asyncio.sleep(typing)
        box = screen.query_one("#idea")
        box.focus()
        box.value = ask  # typed with no pause: Enter comes before the app would read the words
        started = time.perf_counter()
        await pilot.press("enter")
        while screen.job is not None:
            await asyncio.sleep(0.02)
        walls.append(time.perf_counter() - started)
        stats = getattr(backend, "last_stats", None)
        answers.append(stats.to_dict() if stats else {})
    return {"edit_change_seconds": [round(t, 2) for t in walls], "edit_change_answers": answers,
            "edit_typing_seconds": typing}


async def _changes(pilot: Any, screen: Any, backend: Any, count: int) -> dict:
    """Change requests to bench speed's pet shop through the app. Waits with asyncio.sleep, not Pilot's
    pause (which makes every widget process its messages 20 times a second: CPU the app would not use)."""
    from vibecode.commands.bench_speed import CHANGES, pet_shop
    from vibecode.screens.model_jobs import READ_AHEAD_PAUSE

    app = screen.app
    walls, models, cpus, answers = [], [], [], []
    for ask in CHANGES[:count]:
        screen.set_program(pet_shop())
        screen.save_edit()
        box = screen.query_one("#idea")
        box.focus()
        box.value = ask  # the child types: after a pause the app reads the program ahead
        await asyncio.sleep(READ_AHEAD_PAUSE + 0.3)
        await _read_ahead_done(app)
        cpu, started = time.process_time(), time.perf_counter()
        await pilot.press("enter")
        while screen.job is not None:
            await asyncio.sleep(0.02)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        stats = getattr(backend, "last_stats", None)
        models.append(stats.seconds if stats else 0.0)
        answers.append(stats.to_dict() if stats else {})
    return {"change_seconds": [round(t, 2) for t in walls], "change_model_seconds": [round(t, 2) for t in models],
            "change_app_cpu_seconds": [round(t, 2) for t in cpus], "change_answers": answers}


async def _flood(pilot: Any, screen: Any, meter: StallMeter) -> dict:
    import sandbox
    from sandbox import Limits

    result: dict = {}
    screen.set_program(FLOOD)
    await pilot.pause(0.2)
    # a real flood: the output cap ends it; how long does it run?
    before = screen.last_result
    meter.reset()
    t0 = time.perf_counter()
    await pilot.press("f5")  # (it can be over before the first look: the wait is for its result)
    await _wait_for(pilot, lambda: screen.last_result is not before and screen.run_handle is None, 60,
                    "the output cap to end the flood")
    result["capped_flood_seconds"] = round(time.perf_counter() - t0, 2)
    result["capped_flood_verdict"] = screen.last_result.verdict.name if screen.last_result else None
    result.update(meter.figures("capped_flood"))
    await pilot.pause(0.3)

    # a sustained flood (the cap raised for this measurement only), then Stop
    original = sandbox.start_run

    async def start_run_big_cap(source: str, **kwargs: Any) -> Any:
        kwargs["limits"] = Limits(output_bytes=1 << 30, wall_seconds=60.0, cpu_seconds=60.0)
        return await original(source, **kwargs)

    sandbox.start_run = start_run_big_cap
    try:
        meter.reset()
        await pilot.press("f5")
        await _wait_for(pilot, lambda: screen.run_handle is not None, 30, "the flood to start")
        await asyncio.sleep(FLOOD_SECONDS)
        still_running = screen.run_handle is not None
        lines = len(screen.run_panel.query_one("#output").lines)
        panel = screen.run_panel
        finished_at: list[float] = []
        finish = panel.finish

        def timed_finish(*a: Any, **k: Any) -> Any:  # the verdict shows: Stop has done its job
            finished_at.append(time.perf_counter())
            return finish(*a, **k)

        panel.finish = timed_finish
        t_stop = time.perf_counter()
        await pilot.press("ctrl+t")
        await _wait_for(pilot, lambda: finished_at and screen.run_handle is None, 30, "Stop to end the flood")
        result["stop_ms"] = round((finished_at[0] - t_stop) * 1000, 1)
    finally:
        sandbox.start_run = original
        screen.run_panel.__dict__.pop("finish", None)
    result.update(meter.figures("flood"))
    result["flood_running_at_stop"] = still_running
    result["flood_lines_shown"] = lines
    result["flood_verdict"] = screen.last_result.verdict.name if screen.last_result else None
    return result


# ---------------------------------------------------------------------------- the command
def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _stalls(r: dict, prefix: str) -> str:
    return f"worst UI stall {r[f'{prefix}_worst_stall_ms']:.0f} ms, p99 {r[f'{prefix}_p99_stall_ms']:.0f} ms"


def _print_model(r: dict, label: str) -> None:
    speed = f", {r['tokens_per_second']} tokens/s" if r.get("tokens_per_second") else ""
    print(f"   {label}: ready in {r['ready_seconds']:.1f} s ({_stalls(r, 'ready')})")
    print(f"2. while {label} writes ({r['generate_tokens']} tokens in {r['generate_seconds']:.1f} s{speed}): "
          f"{_stalls(r, 'generate')}  target <= 50 ms")


def run_ui(args: argparse.Namespace) -> int:
    from vibecode.paths import cache_dir
    from vibecode.settings import load_settings

    settings = load_settings()  # the real settings: which model, which precision (before HOME moves)
    spec = args.model or os.environ.get("VIBECODE_MODEL") or settings.model
    os.environ.setdefault("VIBECODE_CACHE", str(cache_dir()))  # reuse the converted model
    os.environ.setdefault("VIBECODE_PRECISION", settings.model_precision or "auto")
    home = tempfile.mkdtemp(prefix="vibecode-bench-home-")
    os.environ["VIBECODE_HOME"] = home  # never touch real projects
    figures: dict = {"cores": os.cpu_count(), "python": sys.version.split()[0], "load_before": os.getloadavg()}
    print(f"vibecode UI benchmark  (cores: {os.cpu_count()}, python {sys.version.split()[0]}, load average "
          f"{_load()}: stalls grow with other work on the machine)", flush=True)
    try:
        if shutil.which("tmux"):
            times = first_frame_seconds(max(1, args.runs))
            figures["first_frame_seconds"] = [round(t, 3) for t in times]
            if times:
                print(f"1. launch -> first frame (real terminal, tmux): median {statistics.median(times):.2f} s "
                      f"[{', '.join(f'{t:.2f}' for t in times)}]  target <= 1 s", flush=True)
            else:
                print("1. launch -> first frame: the home screen did not show within 20 s", flush=True)
        else:
            print("1. launch -> first frame: skipped (tmux is not installed)", flush=True)

        fake = asyncio.run(measure_app(fake_backend(), flood=True, max_new_tokens=args.tokens))
        figures["fake"] = fake
        _print_model(fake, "the FAKE scripted model")
        print(f"3. while a program floods output (while True: print(i)), until the sandbox's output cap ends it "
              f"after {fake['capped_flood_seconds']:.2f} s ({fake['capped_flood_verdict']}): "
              f"{_stalls(fake, 'capped_flood')}  target <= 50 ms", flush=True)
        print(f"   the same flood for {FLOOD_SECONDS:.0f} s (cap raised for the bench; {fake['flood_lines_shown']} "
              f"lines kept on screen): {_stalls(fake, 'flood')}  target <= 50 ms", flush=True)
        print(f"   Stop during that flood: {fake['stop_ms']:.0f} ms to the verdict"
              + ("" if fake["flood_running_at_stop"] else " (the flood had already ended!)"), flush=True)

        if not args.fake_only:
            from vibecode.lm import open_backend

            backend = open_backend(spec)
            try:
                real = asyncio.run(measure_app(backend, flood=False, max_new_tokens=args.tokens,
                                               changes=max(0, args.changes), typing=max(0.0, args.typing)))
                try:
                    real["info"] = {k: v for k, v in (backend.info() or {}).items()
                                    if k in ("name", "location", "precision", "precision_reason", "threads")}
                except Exception:
                    real["info"] = {}
            finally:
                backend.close()
            figures["real"] = real
            info = real["info"]
            label = f"the REAL {info.get('name', spec)} ({info.get('location', '?')}, {info.get('precision', '?')})"
            _print_model(real, label)
            print(f"   meter: {real['meter']}", flush=True)
            if real.get("change_seconds"):
                print(f"4. a change to bench speed's 38-line program, in the app (median of {len(real['change_seconds'])}): "
                      f"{statistics.median(real['change_seconds']):.1f} s from Enter to the new program on screen; "
                      f"the model's answer {statistics.median(real['change_model_seconds']):.1f} s; the app's CPU "
                      f"meanwhile {statistics.median(real['change_app_cpu_seconds']):.2f} s  "
                      f"[{', '.join(f'{t:.1f}' for t in real['change_seconds'])}]", flush=True)
                for answer in real.get("change_answers", []):
                    if answer:  # as bench speed prints them, to compare the app's answers with the engine's
                        print(f"   prompt {answer['prompt_tokens']} ({answer['cached_prompt_tokens']} remembered), "
                              f"first word {answer['first_token_seconds']:.1f} s, {answer['completion_tokens']} "
                              f"tokens in {answer['decode_steps']} passes ({answer.get('written_ahead', 0)} written "
                              f"ahead while the child paused), {answer['seconds']:.1f} s", flush=True)
            if real.get("edit_change_seconds"):
                seconds = real["edit_change_seconds"]
                print(f"5. the child edits that program, then types a change with no pause, Enter "
                      f"{real['edit_typing_seconds']:.0f} s after the edit's last key (median of {len(seconds)}): "
                      f"{statistics.median(seconds):.1f} s from Enter to the new program on screen  "
                      f"[{', '.join(f'{t:.1f}' for t in seconds)}]", flush=True)
                for answer in real.get("edit_change_answers", []):
                    if answer:
                        print(f"   prompt {answer['prompt_tokens']} ({answer['cached_prompt_tokens']} read before "
                              f"Enter), {answer['completion_tokens']} tokens, {answer['seconds']:.1f} s", flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    figures["load_after"] = os.getloadavg()
    print(f"load average now {_load()}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vibecode bench", description=__doc__.splitlines()[0])
    add_parser(parser.add_subparsers(dest="bench_kind", required=True))
    args = parser.parse_args(["ui", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
