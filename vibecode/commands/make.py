"""``vibecode make "IDEA"``: write a program from the command line.

Writes the program to ``-o FILE`` (or prints it on stdout) and exits 0; says kindly why and exits
1 when no program could be made. ``--change FILE`` changes an existing program instead. While the
model writes, stderr shows how many tokens have arrived (only when stderr is a terminal).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "make",
        help="write a program from your idea",
        description="Describe a program in your own words; vibecode writes it, checks it and tries it.",
    )
    parser.add_argument("idea", nargs="?", default="", help='your idea, in quotes: "a game where I guess a number"')
    parser.add_argument("-o", "--output", metavar="FILE", help="save the program to this file (else it is printed)")
    parser.add_argument("--model", metavar="NAME|URL", help="which model writes it (default: the app's model)")
    parser.add_argument("--change", metavar="FILE", help="change this program instead of starting a new one")
    parser.set_defaults(func=run)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from vibecode.make.words import idea_problem

    idea = (args.idea or "").strip()
    trouble = idea_problem(idea)
    if trouble:
        _say(trouble)
        return 1
    from vibecode.safety import check_idea

    verdict = check_idea(idea)
    if not verdict.allowed:
        _say(verdict.message or "Let's make something else. How about a game or a shop?")
        return 1
    current = None
    if args.change:
        try:
            current = Path(args.change).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            _say(f"I couldn't open {args.change}. Check the file name and try again.")
            return 1

    from vibecode.lm.base import EngineError
    from vibecode.make import Maker, MakeRequest

    progress = _Progress(enabled=sys.stderr.isatty())
    backend = None
    try:
        backend = _open_backend(args.model or getattr(args, "app_model", None))
        backend.prepare(on_progress=progress.loading)
        result = Maker(backend).make(MakeRequest(idea=idea, current_program=current), on_event=progress.event)
    except EngineError as exc:
        progress.clear()
        _say(exc.message)
        return 1
    except Exception:
        progress.clear()
        logging.getLogger("vibecode.make").exception("vibecode make failed")
        _say("Something went wrong inside vibecode. Please try again; a grown-up can look in the log.")
        return 1
    finally:
        if backend is not None:
            backend.close()
    progress.clear()
    if not result.program:
        _say(result.message)
        return 1
    if args.output:
        try:
            Path(args.output).write_text(result.program, encoding="utf-8")
        except OSError:
            _say(f"I couldn't save the program to {args.output}. Try another file name.")
            return 1
    else:
        sys.stdout.write(result.program)
        sys.stdout.flush()
    if result.explanation:
        _say(result.explanation)
    if result.ok:
        where = args.output or "program.py"
        saved = f"Saved to {args.output}. " if args.output else ""
        _say(f"{saved}Try it with: vibecode run {where}")
    else:
        _say(result.message.replace("press Help me fix it", "ask me to fix it"))
        if args.output:
            _say(f"The program is saved in {args.output}.")
    return 0


def _open_backend(spec: str | None):
    from vibecode.lm import open_backend

    if spec is None:
        try:
            from vibecode.settings import load_settings

            spec = load_settings().model
        except Exception:  # broken settings must not stop the command; the default model is fine
            logging.getLogger("vibecode.make").exception("could not read settings")
    return open_backend(spec)


class _Progress:
    """One status line on stderr, rewritten in place (only on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def _show(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K" + text[:78])
            sys.stderr.flush()
            self.shown = True

    def loading(self, what: str, fraction: float | None) -> None:
        self._show(what + (f" {fraction:.0%}" if fraction is not None else ""))

    def event(self, event) -> None:
        if event.kind == "chunk":
            if event.tokens % 4 == 0:
                self._show(f"Writing (try {event.attempt})... {event.tokens} tokens so far")
        elif event.kind in ("attempt", "checking", "trial", "status"):
            self._show(event.text)

    def clear(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown = False
