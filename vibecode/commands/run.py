"""``vibecode run FILE [--input FILE] [--timeout S]``: run a program in the sandbox from a terminal.

Prints the program's output as it comes, then the friendly verdict on stderr. The exit code is
the program's own exit status (0 when it ran fine). Uses the same code as ``python -m sandbox run``.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a Python program safely (with time, memory and safety limits)",
        description="Run a Python program in vibecode's sandbox and say in plain words how it went.",
    )
    from sandbox.cli import add_run_arguments

    add_run_arguments(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from sandbox import Limits
    from sandbox.cli import run_file

    limits = Limits() if args.timeout is None else replace(Limits(), wall_seconds=args.timeout)
    return run_file(args.file, input_file=args.input, limits=limits, allow_unprotected=_teacher_allows_unprotected())


def _teacher_allows_unprotected() -> bool:
    """The teacher's setting; a broken settings file never weakens protection."""
    try:
        from vibecode.settings import load_settings

        return bool(load_settings().allow_unprotected_sandbox)
    except Exception:  # noqa: BLE001 - unreadable settings: stay protected
        return False
