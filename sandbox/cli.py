"""``python -m sandbox run FILE`` / ``probe`` / ``bench`` — the runner from a terminal.

``vibecode run FILE`` uses :func:`run_file` too, so both print the same things: the program's
output as it comes, then the friendly verdict on stderr.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from dataclasses import replace

from .lint import lint
from .probe import probe
from .results import Finished, InputWanted, Limits, OutputEvent, RunResult, Verdict
from .runner import Supervisor


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the Python program to run")
    parser.add_argument("--input", metavar="FILE", help="lines to type into the program (default: this terminal's input)")
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds the program may run (default 10)")


def run_file(
    path: str,
    *,
    input_file: str | None = None,
    limits: Limits = Limits(),
    allow_unprotected: bool = False,
    as_json: bool = False,
    quiet_lint: bool = False,
    extra_walls: bool = False,
) -> int:
    """Run one program file and print what it shows; returns the exit code for the shell."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            source = f.read()
    except OSError as exc:
        print(f"I could not open {path}: {exc.strerror}.", file=sys.stderr)
        return 2
    lines: list[str] | None = None
    if input_file is not None:
        try:
            with open(input_file, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as exc:
            print(f"I could not open the input file {input_file}: {exc.strerror}.", file=sys.stderr)
            return 2
    if not as_json and not quiet_lint:
        for note in lint(source):
            print(f"Note: {note.message}", file=sys.stderr)
    result = _run(source, lines, limits, allow_unprotected, echo=not as_json, extra_walls=extra_walls)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        if result.warning:
            print(result.warning, file=sys.stderr)
        if result.output and not result.output.endswith("\n"):
            print()
        if result.traceback and result.verdict in (Verdict.MISTAKE, Verdict.SYNTAX_ERROR):
            print(result.traceback.rstrip("\n"), file=sys.stderr)
        print(result.message, file=sys.stderr)
    return exit_code_for(result)


def exit_code_for(result: RunResult) -> int:
    """0 when the program ran fine; its own exit status otherwise (1 if it had none)."""
    if result.ok:
        return 0
    code = result.exit_code
    return code if isinstance(code, int) and 0 < code < 256 else 1


def _run(source: str, lines: list[str] | None, limits: Limits, allow_unprotected: bool, echo: bool,
         extra_walls: bool = False) -> RunResult:
    """Scripted when lines are given; otherwise pass this process's stdin through, line by line."""
    events: queue.Queue = queue.Queue()
    interactive = lines is None
    sup = Supervisor(source, limits=limits, project_files=None, allow_unprotected=allow_unprotected,
                     on_event=events.put, stdin_lines=lines, interactive=interactive, extra_walls=extra_walls)
    sup.start()
    typed_on_terminal = interactive and _stdin_is_tty()
    while True:
        try:
            event = events.get()
        except KeyboardInterrupt:  # Ctrl+C stops the program, not the runner
            sup.stop()
            continue
        if isinstance(event, Finished):
            return event.result
        if isinstance(event, OutputEvent):
            if echo and not (event.stream == "input" and typed_on_terminal):
                out = sys.stderr if event.stream == "stderr" else sys.stdout
                out.write(event.text)
                out.flush()
        elif isinstance(event, InputWanted) and interactive:
            try:
                line = sys.stdin.readline()
            except KeyboardInterrupt:
                sup.stop()
                continue
            except (OSError, ValueError):
                line = ""
            if line:
                sup.send_input(line)
            else:
                sup.close_input()


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Run an untrusted Python program safely.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a program with limits and protections")
    add_run_arguments(run)
    run.add_argument("--json", action="store_true", help="print the structured result as JSON")
    run.add_argument("--cpu", type=float, metavar="S", help="seconds of computer thinking time (default 5)")
    run.add_argument("--memory", type=int, metavar="MB", help="memory limit in MiB (default 512)")
    run.add_argument("--output-bytes", type=int, metavar="N", help="most output bytes (default 200000)")
    run.add_argument("--bubblewrap", action="store_true",
                     help="also put the program behind bubblewrap's walls when it works here (Linux)")
    run.add_argument("--allow-unprotected", action="store_true",
                     help="run even when this computer lacks protections (teachers only)")
    sub.add_parser("probe", help="show which protections this computer gives")
    bench = sub.add_parser("bench", help="measure the runner's overhead against bare Python")
    bench.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    if args.command == "probe":
        protections = probe(check_bubblewrap=True)
        print("\n".join(protections.details()))
        return 0 if protections.protected or not protections.required_on_this_os else 1
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main(args.runs)
    limits = Limits()
    changes = {
        "wall_seconds": args.timeout, "cpu_seconds": args.cpu, "memory_mb": args.memory,
        "output_bytes": args.output_bytes,
    }
    limits = replace(limits, **{k: v for k, v in changes.items() if v is not None})
    return run_file(args.file, input_file=args.input, limits=limits, allow_unprotected=args.allow_unprotected,
                    as_json=args.json, extra_walls=args.bubblewrap)
