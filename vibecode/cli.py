"""The ``vibecode`` command. With no arguments it opens the app; sub-commands do one job each.

Each sub-command lives in ``vibecode/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (returning the exit code). Heavy imports (the model,
Textual) happen inside ``func``, so ``vibecode --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-command modules, in the order they appear in --help.
COMMAND_MODULES = [
    "vibecode.commands.make",
    "vibecode.commands.run",
    "vibecode.commands.bench",
    "vibecode.commands.lessons",
    "vibecode.commands.report",
    "vibecode.commands.serve",
    "vibecode.commands.model",
    "vibecode.commands.safety",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vibecode",
        description="Describe a program in your own words, and vibecode helps you build it.",
    )
    parser.add_argument(
        "--model", dest="app_model", help="which model the app uses: a name, a folder, or a class server URL"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that part of vibecode is not installed in this build
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    if not (sys.argv[1:] if argv is None else argv):  # plain `vibecode`: open the app without
        from vibecode.app import run_app  # loading every sub-command first (faster first frame)

        return run_app()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from vibecode.app import run_app

        return run_app(model=args.app_model)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
