"""Runs one corpus case through the sandbox, as the unprivileged test user, and reports as JSON.

Started by tests/test_sandbox_corpus.py (never imported by the product). It is the "runner" seen
from outside: a child subreaper, so any process the sandboxed program leaves behind (even a
double-forked daemon) comes back to it and is counted, then killed. It keeps a secret in its
environment and in an inheritable file descriptor, and when its stdin is a terminal it makes that
terminal its controlling TTY and afterwards reports any bytes a program typed into it (TIOCSTI).

usage: python driver.py RUNNER_DIR CASE_JSON_FILE
"""

import json
import os
import signal
import sys
import time


def _prctl_subreaper() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_zombies() -> None:
    """Dead children (e.g. bubblewrap's helpers, reparented to us) are not left-behind processes."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def _children(pid: int) -> list[int]:
    _reap_zombies()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != b"Z":
            found.append(int(entry))
    return found


def _setup_tty():
    """Make our stdin terminal our controlling terminal, in raw mode; None if it is not a tty."""
    if not os.isatty(0):
        return None
    import fcntl
    import termios
    import tty

    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        tty.setraw(0)
    except OSError:
        return None
    return True


def _read_tty_queue() -> str:
    os.set_blocking(0, False)
    data = b""
    try:
        while True:
            chunk = os.read(0, 4096)
            if not chunk:
                break
            data += chunk
    except (BlockingIOError, OSError):
        pass
    return data.decode("latin-1")


def main() -> int:
    runner_dir, case_file = sys.argv[1], sys.argv[2]
    sys.path.insert(0, runner_dir)
    with open(case_file) as f:
        case = json.load(f)
    _prctl_subreaper()
    has_tty = _setup_tty()
    tty_control = ""
    if has_tty and case.get("tty_self_test"):
        import fcntl
        import termios

        try:
            fcntl.ioctl(0, termios.TIOCSTI, b"Z")
        except OSError as exc:
            tty_control = f"refused: {exc}"
    secret_fd = os.open(case["secret_file"], os.O_RDONLY)
    os.set_inheritable(secret_fd, True)

    from sandbox import Limits, run_program

    limits = Limits(**case.get("limits", {}))
    files = {k: v for k, v in case.get("project_files", {}).items()}
    started = time.monotonic()
    result = run_program(case["source"], case.get("stdin_lines"), limits=limits, project_files=files or None,
                         extra_walls=bool(case.get("extra_walls")))
    elapsed = time.monotonic() - started
    time.sleep(0.05)  # let any orphan reach us
    leftover = []
    for _ in range(3):
        kids = _children(os.getpid())
        leftover.extend(k for k in kids if k not in leftover)
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not kids:
            break
        time.sleep(0.05)
    import resource

    report = {
        "result": result.to_dict(),
        "files": {name: data.decode("latin-1") for name, data in result.files.items()},
        "leftover": leftover,
        "elapsed": elapsed,
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "tty": bool(has_tty),
        "tty_injected": _read_tty_queue() if has_tty else "",
        "tty_control": tty_control,
        "uid": os.getuid(),
    }
    sys.stdout.write(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
