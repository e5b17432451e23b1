"""``python -m vibecode.serve.launcher``: the command textual-serve runs for each browser tab.

It ties the app process to the server before anything else happens (PDEATHSIG plus a parent watchdog), so
that a server that is killed takes every tab's app with it, gives the tab its own session in the class line
(``/c/<session>`` on the proxy URL) and runs the classroom version of the app.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid

from vibecode.serve import procs

ENV_CHILD = "VIBECODE_CHILD"


def model_spec(model: str | None, proxy: str | None, session: str) -> str | None:
    """The app's model: the class proxy with this tab's session, or a given spec (e.g. the scripted FAKE)."""
    if proxy:
        return f"{proxy.rstrip('/')}/c/{session}/v1"  # no model name: the proxy fills in the engine's
    return model


def _errors_to_log() -> None:
    """Send this process's stderr to the log folder: textual-serve would print it on the teacher's console."""
    from vibecode.paths import log_dir

    try:
        fd = os.open(log_dir() / "class-apps.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    os.dup2(fd, 2)
    os.close(fd)


def main(argv: list[str] | None = None) -> int:
    expected_parent = os.getppid()
    procs.die_with_parent()
    if os.getppid() != expected_parent:  # the server died before we could tie ourselves to it
        return 0
    procs.parent_watchdog()

    parser = argparse.ArgumentParser(prog="vibecode.serve.launcher")
    parser.add_argument("--proxy", help="the class proxy, e.g. http://127.0.0.1:8123")
    parser.add_argument("--model", help="a model spec instead of the proxy (tests: scripted:FILE)")
    parser.add_argument("--child", default=os.environ.get(ENV_CHILD), help="the child's name (else asked)")
    args = parser.parse_args(argv)

    session = uuid.uuid4().hex[:12]
    spec = model_spec(args.model, args.proxy, session)
    if spec:
        os.environ["VIBECODE_MODEL"] = spec
    os.environ["VIBECODE_SESSION"] = session

    _errors_to_log()
    from vibecode.screens.services import setup_logging
    from vibecode.serve.classroom_app import ClassroomApp

    setup_logging()
    app = ClassroomApp(child=args.child, model=spec)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
