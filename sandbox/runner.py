"""The supervisor: starts one sandboxed run and watches it until it ends.

It works the same on every OS: a fresh scratch folder holding only the project's files, a clean
environment, no inherited file descriptors, a new session (no controlling terminal), pipes for
stdin/stdout/stderr plus a control pipe, an output cap, a wall clock that pauses while the
program waits for typing, a disk quota, and killing the whole process group at the end. The OS
layers (rlimits, Landlock, seccomp) are switched on by ``_boot.py`` inside the child.

One background thread per run does all the watching (a selector over the pipes on POSIX), and
reports events through a callback, so the same core serves the async API and ``run_program``.
"""

from __future__ import annotations

import ast
import atexit
import functools
import logging
import marshal
import math
import os
import queue
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import PurePosixPath

from . import _boot
from .clean import OutputCleaner
from .probe import Protections, probe
from .results import Event, Finished, InputWanted, Limits, OutputEvent, RunResult, Verdict
from .verdicts import MESSAGES, Outcome, judge

log = logging.getLogger(__name__)
BOOT_PATH = os.path.abspath(_boot.__file__)
IS_POSIX = os.name == "posix"
CTRL_CAP = 256 * 1024  # bytes the control pipe may carry in one run
FILES_BACK_TOTAL = 1024 * 1024  # regular files read back from the folder, in total
FILES_BACK_EACH = 256 * 1024
DISK_POLL_SECONDS = 0.1
# Read-only places the interpreter may need after lock-down (besides its own stdlib folders).
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache", "/etc/localtime",
                     "/dev/urandom", "/dev/random", "/dev/zero")
SYSTEM_WRITE_PATHS = ("/dev/null",)


# The child runs the bootstrap from marshalled code read from a pipe: loading it takes ~0.3 ms,
# compiling it in every child took ~5 ms (and passing it in argv ~2 ms).
LAUNCHER = "import marshal,os,sys;f=int(sys.argv.pop(1));c=os.read(f,1<<20);os.close(f);exec(marshal.loads(c))"
PIPE_CAPACITY = 60_000  # below the smallest pipe buffer, so writing it before the child starts never blocks


@functools.lru_cache(maxsize=1)
def boot_code() -> bytes:
    """The bootstrap compiled for this interpreter (the child is the same ``sys.executable``)."""
    with open(BOOT_PATH, "rb") as f:
        source = f.read()
    return marshal.dumps(compile(source, _boot.BOOT_NAME, "exec", dont_inherit=True, optimize=2))


class ProjectFileError(ValueError):
    """A project file name that would land outside the scratch folder."""


def interpreter_read_paths() -> list[str]:
    """The standard library folders of this Python (read-only inside the sandbox).

    Only the stdlib itself: the interpreter binary and libpython are already loaded when the
    lock-down happens, and a whole install prefix could be a home folder.
    """
    paths: list[str] = []
    stdlib = os.path.dirname(os.path.realpath(os.__file__))
    for candidate in [stdlib] + [p for p in sys.path if p.endswith(("lib-dynload", ".zip"))]:
        real = os.path.realpath(candidate)
        if real not in paths and real != os.sep:
            paths.append(real)
    return paths


def _safe_relative(name: str) -> str:
    if not name or "\x00" in name or "\\" in name:
        raise ProjectFileError(f"bad file name: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        raise ProjectFileError(f"bad file name: {name!r}")
    return str(path)


def make_scratch(source: str, project_files: dict[str, str | bytes] | None) -> str:
    """A fresh private folder with main.py and the project's own files (nothing else)."""
    files: dict[str, bytes] = {}
    for name, content in (project_files or {}).items():
        files[_safe_relative(name)] = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    files["main.py"] = source.encode("utf-8", "surrogatepass")
    scratch = os.path.realpath(tempfile.mkdtemp(prefix="vibecode-run-"))
    try:
        for rel, data in files.items():
            target = os.path.join(scratch, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
    except BaseException:
        remove_scratch(scratch)
        raise
    return scratch


def read_back_files(scratch: str) -> dict[str, bytes]:
    """Regular files the program left in its folder, never following links out of it."""
    found: dict[str, bytes] = {}
    total = 0
    stack = [""]
    while stack and len(found) < 200:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(scratch, rel_dir)), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = os.path.join(rel_dir, entry.name) if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(rel)
                    continue
                if not entry.is_file(follow_symlinks=False) or rel == "main.py":
                    continue
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode) or info.st_size > FILES_BACK_EACH:
                    continue
                if total + info.st_size > FILES_BACK_TOTAL:
                    continue
                data = os.read(fd, FILES_BACK_EACH + 1)[:FILES_BACK_EACH]
            except OSError:
                continue
            finally:
                os.close(fd)
            found[rel] = data
            total += len(data)
    return found


def folder_size(scratch: str, cap_entries: int = 5000) -> int:
    """Bytes used under the folder (links are not followed); counts at most ``cap_entries`` entries."""
    total, seen = 0, 0
    stack = [scratch]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for entry in it:
                seen += 1
                if seen > cap_entries:
                    return 1 << 62  # a folder with thousands of entries counts as full
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    stack.append(entry.path)
                total += getattr(info, "st_blocks", 0) * 512 or info.st_size
    return total


def remove_scratch(scratch: str) -> None:
    """Delete the folder even if the program made parts of it unreadable; never follows links.

    Only called after the program and its whole process group are gone, so nothing changes the
    folder while we walk it.
    """
    stack = [scratch]
    while stack:
        path = stack.pop()
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
            os.chmod(path, 0o700)
            with os.scandir(path) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
    shutil.rmtree(scratch, ignore_errors=True)


def clean_env(scratch: str) -> dict[str, str]:
    env = {
        "PATH": os.defpath,
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "MALLOC_ARENA_MAX": "2",  # threads would otherwise reserve 64 MiB of address space each
    }
    if os.name == "nt":
        for key in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP"):
            if key in os.environ:
                env[key] = os.environ[key]
        env["TEMP"] = env["TMP"] = scratch
    return env


class Supervisor:
    """One run. ``start()`` launches it; events go to ``on_event`` from the watcher thread.

    ``stdin_lines`` (scripted mode) are fed one per input() request, then input is closed; with
    ``interactive=True`` lines come from ``send_input`` and the wall clock pauses while waiting.
    """

    def __init__(
        self,
        source: str,
        *,
        limits: Limits,
        project_files: dict[str, str | bytes] | None,
        allow_unprotected: bool,
        on_event: Callable[[Event], None] | None = None,
        stdin_lines: list[str] | None = None,
        interactive: bool = False,
        python: str | None = None,
        extra_walls: bool = False,
    ) -> None:
        self.source = source
        self.extra_walls = extra_walls
        self.limits = limits
        self.project_files = project_files
        self.allow_unprotected = allow_unprotected
        self.on_event = on_event or (lambda event: None)
        self.script = list(stdin_lines or [])
        self.interactive = interactive
        self.python = python or sys.executable
        self.result: RunResult | None = None
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._pending_input = bytearray()
        self._close_input_requested = False
        self._stop_requested = False
        self._wake_r, self._wake_w = -1, -1
        self._proc: subprocess.Popen | None = None
        self._echo_queue: list[str] = []
        self.warning: str | None = None
        self.scratch = ""
        self._start_time = time.monotonic()
        # what the watcher saw
        self._files: dict[int, object] = {}  # fd -> file object owning it (None: ours to os.close)
        self._fds: dict[int, str] = {}
        self._output: list[str] = []
        self._stdout: list[str] = []
        self._stderr_tail: list[str] = []
        self._bytes_out = 0
        self._truncated = False
        self._killed_for: Verdict | None = None
        self._ctrl_fd = -1
        self._ctrl_buf = bytearray()
        self._ctrl_total = 0
        self._error: dict | None = None
        self._tried: list[str] = []
        self._refused: str | None = None
        self._flags = ""
        self._ready = False
        self._input_closed = False
        self._waiting_since: float | None = None
        self._waited = 0.0
        self._line_tail = ""
        self._exit_status: int | None = None
        self._rusage = None
        self._stdin_fd = -1
        self._stdin_registered = False
        self._sel: selectors.BaseSelector | None = None
        self._bwrap: list[str] | None = None
        self._layers: list[str] = ["supervisor"]
        self._sampled_cpu = 0.0
        self._sampled_peak_mb = 0.0

    # --- public, thread-safe -------------------------------------------------------------------
    def send_input(self, line: str) -> None:
        """Queue one line for input(); it is echoed into the output like a terminal would."""
        text = line.rstrip("\r\n")
        with self._lock:
            if self._close_input_requested:
                return
            self._pending_input += (text + "\n").encode("utf-8")
            self._echo_queue.append(text)
        self._wake()

    def close_input(self) -> None:
        with self._lock:
            self._close_input_requested = True
        self._wake()

    def stop(self) -> None:
        with self._lock:
            self._stop_requested = True
        self._wake()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        self.done.wait(timeout)
        return self.result

    # --- start ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Check protections, build the folder, launch the child and the watcher thread."""
        self.protections = probe()
        flags = "r" if IS_POSIX else ""
        bpf_hex = ""
        if sys.platform.startswith("linux"):
            if self.protections.files:
                flags += "l"
            if self.protections.seccomp:
                from .seccomp import build_filter

                flags += "s"
                bpf_hex = build_filter().hex()
        if not self.protections.protected:
            why = " ".join(self.protections.missing)
            if self.protections.required_on_this_os and not self.allow_unprotected:
                self._finish_early(Verdict.NOT_PROTECTED, MESSAGES[Verdict.NOT_PROTECTED] + " (" + why + ")")
                return
            self.warning = "Careful: this run is not fully protected. " + why
        try:
            self.scratch = make_scratch(self.source, self.project_files)
        except ProjectFileError as exc:
            self._finish_early(Verdict.MISTAKE, f"One of the project's files has a name I can't use ({exc}).")
            return
        except OSError as exc:
            log.exception("could not make the run's folder")
            self._finish_early(Verdict.CRASHED, f"I could not make a folder to run your program in ({exc}).")
            return
        if self.extra_walls and sys.platform.startswith("linux"):
            from .probe import bubblewrap_command

            self._bwrap = bubblewrap_command(self.scratch)
            if self._bwrap is None:
                self._layers.append("bubblewrap unavailable")
        self._start_time = time.monotonic()
        self._wake_r, self._wake_w = os.pipe()
        thread = threading.Thread(target=self._launch_and_watch, args=(flags, bpf_hex), name="sandbox-run",
                                  daemon=True)
        thread.start()

    def _launch_and_watch(self, flags: str, bpf_hex: str) -> None:
        """Runs in the watcher thread: the child's parent-death signal is tied to this thread,
        which lives exactly as long as the run."""
        try:
            self._launch(flags, bpf_hex)
        except OSError as exc:
            remove_scratch(self.scratch)
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)
            self._wake_r = self._wake_w = -1
            self._finish_early(Verdict.CRASHED, f"I could not start Python to run your program ({exc}).")
            return
        _ACTIVE.add(self)
        try:
            self._watch_safely()
        finally:
            _ACTIVE.discard(self)

    def _finish_early(self, verdict: Verdict, message: str) -> None:
        self.result = RunResult(
            verdict=verdict, message=message, exit_code=None, output="", stdout="",
            protections=self.protections.summary(), warning=getattr(self, "warning", None),
        )
        self.on_event(Finished(self.result))
        self.done.set()

    def _launch(self, flags: str, bpf_hex: str) -> None:
        self._flags = flags
        lim = self.limits
        cpu = max(1, math.ceil(lim.cpu_seconds))
        # Under bubblewrap the child's parent is bwrap's own init (it dies with us: --die-with-parent).
        parent = 0 if self._bwrap else os.getpid()
        nums = ",".join(str(int(x)) for x in (
            cpu, lim.memory_mb * 1024 * 1024, lim.file_size_mb * 1024 * 1024, lim.open_files, parent))
        read_paths = interpreter_read_paths() + [p for p in SYSTEM_READ_PATHS if os.path.exists(p)]
        write_paths = [self.scratch] + [p for p in SYSTEM_WRITE_PATHS if os.path.exists(p)]
        ctrl_r, ctrl_w = os.pipe() if IS_POSIX else (-1, -1)  # Windows: no control pipe (no pass_fds)
        self._ctrl_fd = ctrl_r
        # Marshalled code only fits the interpreter that made it; another one compiles the file.
        code_r = -1
        boot = [BOOT_PATH]
        if IS_POSIX and self.python == sys.executable and len(boot_code()) < PIPE_CAPACITY:
            code_r, code_w = os.pipe()
            try:
                os.write(code_w, boot_code())
            finally:
                os.close(code_w)
            boot = ["-c", LAUNCHER, str(code_r)]
        cmd = [*(self._bwrap or []), self.python, "-I", "-S", "-u", "-B", "-X", "utf8", *boot, self.scratch,
               str(ctrl_w), nums, flags, bpf_hex or "-", *read_paths, "--rw", *write_paths]
        kwargs: dict = {}
        if IS_POSIX:
            kwargs.update(start_new_session=True, pass_fds=tuple(fd for fd in (ctrl_w, code_r) if fd >= 0))
        else:
            kwargs.update(creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.scratch,
                env=clean_env(self.scratch), close_fds=True, bufsize=0, **kwargs,
            )
        finally:
            for fd in (ctrl_w, code_r):
                if fd >= 0:
                    os.close(fd)

    # --- watching --------------------------------------------------------------------------------
    def _watch_safely(self) -> None:
        try:
            if IS_POSIX:
                self._watch()
            else:
                self._watch_threads()
        except BaseException as exc:  # noqa: BLE001 - never leave a run half-finished
            log.exception("the sandbox supervisor failed; the run was stopped")
            self._kill()
            self._reap(block=True)
            self._result_from_state(internal_error=exc)
        finally:
            for fd in (self._wake_r, self._wake_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._remove_scratch()
            self.done.set()

    def _watch(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout and proc.stderr and proc.stdin
        self._cleaners = {"stdout": OutputCleaner(), "stderr": OutputCleaner()}
        self._stdin_fd = proc.stdin.fileno()
        self._files = {self._stdin_fd: proc.stdin, proc.stdout.fileno(): proc.stdout,
                       proc.stderr.fileno(): proc.stderr, self._ctrl_fd: None}
        os.set_blocking(self._stdin_fd, False)
        fds = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr", self._ctrl_fd: "ctrl"}
        for fd in fds:
            os.set_blocking(fd, False)
        self._fds = fds
        sel = selectors.DefaultSelector()
        self._sel = sel
        for fd, name in fds.items():
            sel.register(fd, selectors.EVENT_READ, name)
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        pidfd = -1
        if hasattr(os, "pidfd_open"):
            try:
                pidfd = os.pidfd_open(proc.pid)
                sel.register(pidfd, selectors.EVENT_READ, "exit")
            except OSError:
                pidfd = -1
        self._stdin_registered = False
        next_disk = time.monotonic() + DISK_POLL_SECONDS
        exited = False
        try:
            while not exited:
                now = time.monotonic()
                timeout = self._next_timeout(now, pidfd >= 0)
                for key, _ in sel.select(timeout):
                    name = key.data
                    if name in ("stdout", "stderr"):
                        self._read_output(key.fd, name)
                    elif name == "ctrl":
                        self._read_ctrl()
                    elif name == "wake":
                        try:
                            os.read(self._wake_r, 4096)
                        except OSError:
                            pass
                    elif name == "stdin":
                        self._flush_input()
                    elif name == "exit":
                        exited = True
                next_disk = self._tick(next_disk)
                if self._bwrap and not exited:
                    self._sample_descendants()
                if pidfd < 0 and not exited:
                    exited = self._reap(block=False)
                if not self._fds and not exited:
                    # every pipe is closed: the program has ended (or hid its pipes); wait a moment
                    exited = self._reap(block=False) or self._reap_soon()
        finally:
            # The group is killed before reaping, so the process-group id cannot be reused yet.
            self._kill()
            self._drain_all()
            self._reap(block=True)
            sel.close()
            if pidfd >= 0:
                os.close(pidfd)
            for fd in list(self._fds) + [self._stdin_fd]:
                self._release_fd(fd)
        self._result_from_state()

    def _watch_threads(self) -> None:
        """Windows: pipes cannot be polled, so a thread reads each one. There is no control pipe,
        so scripted input is written up front and the wall clock never pauses."""
        proc = self._proc
        assert proc is not None and proc.stdout and proc.stderr and proc.stdin
        self._cleaners = {"stdout": OutputCleaner(), "stderr": OutputCleaner()}
        self._ready = True  # no control pipe to say so
        self._stdin_fd = proc.stdin.fileno()
        self._files = {self._stdin_fd: proc.stdin}
        chunks: queue.Queue[tuple[str, bytes]] = queue.Queue()

        def pump(stream: str, pipe) -> None:
            while True:
                try:
                    data = pipe.read(65536)
                except (OSError, ValueError):
                    data = b""
                chunks.put((stream, data))
                if not data:
                    return

        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            threading.Thread(target=pump, args=(stream, pipe), daemon=True).start()
        if not self.interactive:
            for line in self.script:
                self.send_input(line)
            self.script = []
            self.close_input()
        open_streams = 2
        next_disk = time.monotonic() + DISK_POLL_SECONDS
        try:
            while True:
                try:
                    stream, data = chunks.get(timeout=0.05)
                except queue.Empty:
                    pass
                else:
                    if data:
                        self._on_output(stream, data)
                    else:
                        open_streams -= 1
                        self._emit_text(stream, self._cleaners[stream].flush())
                next_disk = self._tick(next_disk)
                if proc.poll() is not None and (open_streams == 0 or self._killed_for is not None):
                    break
        finally:
            self._kill()
            self._reap(block=True)
            self._release_fd(self._stdin_fd)
            for pipe in (proc.stdout, proc.stderr):
                try:
                    pipe.close()
                except OSError:
                    pass
        self._result_from_state()

    def _next_timeout(self, now: float, have_pidfd: bool) -> float:
        timeout = 0.25
        if self._killed_for is None:
            if self._waiting_since is None or not self.interactive:
                remaining = self.limits.wall_seconds - self._running_seconds(now)
                timeout = min(timeout, max(remaining, 0.0) + 0.001)
        if not have_pidfd:
            timeout = min(timeout, 0.02)
        return timeout

    def _running_seconds(self, now: float) -> float:
        waited = self._waited
        if self._waiting_since is not None and self.interactive:
            waited += now - self._waiting_since
        return now - self._start_time - waited

    def _tick(self, next_disk: float) -> float:
        """The checks every pass of a supervisor loop makes: requests, clocks, the disk quota.
        Returns when the disk is next due to be measured."""
        self._apply_requests()
        now = time.monotonic()
        if self._killed_for is None:
            self._check_clocks(now)
        if now >= next_disk and self._killed_for is None:
            next_disk = now + DISK_POLL_SECONDS
            if folder_size(self.scratch) > self.limits.disk_mb * 1024 * 1024:
                self._kill(Verdict.TOO_MUCH_DISK)
        return next_disk

    def _check_clocks(self, now: float) -> None:
        if self._running_seconds(now) >= self.limits.wall_seconds:
            self._kill(Verdict.TOO_LONG)
        elif self._waiting_since is not None and self.interactive and \
                now - self._waiting_since >= self.limits.input_wait_seconds:
            self._kill(Verdict.NEEDED_INPUT)

    # --- output --------------------------------------------------------------------------------
    def _read_output(self, fd: int, stream: str) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close_fd(fd)
            self._emit_text(stream, self._cleaners[stream].flush())
            return
        self._on_output(stream, data)

    def _on_output(self, stream: str, data: bytes) -> None:
        if self._truncated:
            return
        room = self.limits.output_bytes - self._bytes_out
        if len(data) > room:
            data = data[: max(room, 0)]
            self._truncated = True
        self._bytes_out += len(data)
        self._emit_text(stream, self._cleaners[stream].feed(data))
        if self._truncated and self._killed_for is None:
            self._kill(Verdict.TOO_MUCH_OUTPUT)
            for out_fd, name in list(self._fds.items()):
                if name != "ctrl":
                    self._close_fd(out_fd)

    def _emit_text(self, stream: str, text: str) -> None:
        if not text:
            return
        self._output.append(text)
        if stream == "stdout":
            self._stdout.append(text)
        elif stream == "stderr" and sum(map(len, self._stderr_tail)) < 64_000:
            self._stderr_tail.append(text)
        if stream != "input":
            cut = text.rfind("\n")
            self._line_tail = text[cut + 1 :] if cut >= 0 else (self._line_tail + text)[-500:]
        else:
            self._line_tail = ""
        self.on_event(OutputEvent(text, stream))

    def _close_fd(self, fd: int) -> None:
        if fd in self._fds:
            del self._fds[fd]
            try:
                self._sel.unregister(fd)
            except (KeyError, ValueError):
                pass
            self._release_fd(fd)

    def _release_fd(self, fd: int) -> None:
        """Close an fd exactly once, through the file object that owns it when there is one."""
        if fd < 0 or fd not in self._files:
            return
        owner = self._files.pop(fd)
        try:
            if owner is None:
                os.close(fd)
            else:
                owner.close()
        except OSError:
            pass

    def _drain_all(self) -> None:
        """Read what is still in the pipes after the end (non-blocking, bounded by the caps)."""
        for fd, name in list(self._fds.items()):
            for _ in range(64):
                if fd not in self._fds:
                    break
                if name == "ctrl":
                    if not self._read_ctrl():
                        break
                else:
                    before = self._bytes_out
                    self._read_output(fd, name)
                    if fd in self._fds and self._bytes_out == before:
                        break

    # --- control channel ---------------------------------------------------------------------------
    def _read_ctrl(self) -> bool:
        try:
            data = os.read(self._ctrl_fd, 65536)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:
            self._close_fd(self._ctrl_fd)
            return False
        self._ctrl_total += len(data)
        if self._ctrl_total > CTRL_CAP:
            self._kill(Verdict.TOO_MUCH_OUTPUT)
            self._close_fd(self._ctrl_fd)
            return False
        self._ctrl_buf += data
        while b"\n" in self._ctrl_buf:
            line, _, rest = bytes(self._ctrl_buf).partition(b"\n")
            self._ctrl_buf = bytearray(rest)
            self._on_ctrl(line)
        return True

    def _on_ctrl(self, line: bytes) -> None:
        if not line:
            return
        kind, body = line[:1], line[1:]
        now = time.monotonic()
        if kind == b"W":
            if self._waiting_since is None:
                self._waiting_since = now
            # The prompt was written to stdout before this message: show all of it first.
            for fd, name in list(self._fds.items()):
                for _ in range(32):
                    if name == "ctrl" or fd not in self._fds:
                        break
                    before = self._bytes_out
                    self._read_output(fd, name)
                    if self._bytes_out == before:
                        break
            self._on_input_wanted()
        elif kind == b"G":
            if self._waiting_since is not None:
                self._waited += now - self._waiting_since
                self._waiting_since = None
        elif kind == b"B":
            tried = body.decode("ascii", "replace")
            if tried in ("network", "program", "control") and tried not in self._tried:
                self._tried.append(tried)
        elif kind == b"E" and self._error is None:
            try:
                record = ast.literal_eval(body.decode("utf-8", "replace"))
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                record = None
            if isinstance(record, dict):
                self._error = record
        elif kind == b"X" and not self._ready:
            self._refused = body.decode("utf-8", "replace")[:300]
        elif kind == b"R" and not self._ready:
            self._ready = True  # protections are on; from now on the program could write here too
            abi, _, sc = body.partition(b",")
            if "r" in self._flags:
                self._layers.append("limits")
            if abi.isdigit() and int(abi) > 0:
                self._layers.append(f"landlock ABI {int(abi)}")
            if sc == b"1":
                self._layers.append("seccomp")
            if self._bwrap:
                self._layers.append("bubblewrap")

    def _on_input_wanted(self) -> None:
        if self.interactive:
            self.on_event(InputWanted(self._line_tail))
            return
        if self.script:
            line = self.script.pop(0).rstrip("\r\n")
            with self._lock:
                self._pending_input += (line + "\n").encode("utf-8")
            self._emit_text("input", line + "\n")
            self._flush_input()
        elif not self._input_closed:
            with self._lock:
                self._close_input_requested = True

    # --- input -------------------------------------------------------------------------------------
    def _apply_requests(self) -> None:
        with self._lock:
            stop = self._stop_requested
            echoes, self._echo_queue = self._echo_queue, []
        for text in echoes:
            self._emit_text("input", text + "\n")
        if stop and self._killed_for is None:
            self._kill(Verdict.STOPPED)
        self._flush_input()

    def _flush_input(self) -> None:
        if self._input_closed:
            return
        with self._lock:
            pending = bytes(self._pending_input)
            close = self._close_input_requested
        written = 0
        if pending and not IS_POSIX:
            try:
                os.write(self._stdin_fd, pending)  # blocking; lines are small
            except OSError:
                pass
            with self._lock:
                del self._pending_input[: len(pending)]
            pending = b""
        if pending:
            try:
                written = os.write(self._stdin_fd, pending)
            except BlockingIOError:
                written = 0
            except OSError:  # the program closed its input or ended
                written = len(pending)
        with self._lock:
            del self._pending_input[:written]
            left = len(self._pending_input)
        if left and not self._stdin_registered and self._sel is not None:
            self._sel.register(self._stdin_fd, selectors.EVENT_WRITE, "stdin")
            self._stdin_registered = True
        elif not left and self._stdin_registered:
            self._sel.unregister(self._stdin_fd)
            self._stdin_registered = False
        if close and not left:
            self._input_closed = True
            if self._stdin_registered:
                self._sel.unregister(self._stdin_fd)
                self._stdin_registered = False
            self._release_fd(self._stdin_fd)
            self._stdin_fd = -1

    # --- ending ------------------------------------------------------------------------------------
    def _kill(self, reason: Verdict | None = None) -> None:
        if reason is not None and self._killed_for is None and self._exit_status is None:
            self._killed_for = reason
        proc = self._proc
        if proc is None or self._exit_status is not None:
            return
        try:
            if IS_POSIX:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def _reap(self, block: bool) -> bool:
        proc = self._proc
        if proc is None:
            return True
        if self._exit_status is not None:
            return True
        if not IS_POSIX:
            try:
                code = proc.wait(timeout=None if block else 0)
            except subprocess.TimeoutExpired:
                return False
            self._exit_status = code
            return True
        try:
            if not block and hasattr(os, "waitid") and hasattr(os, "WNOWAIT"):
                # Look without reaping, then kill the rest of the group while its id is still ours.
                if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                    return False
                self._kill()
                pid, status, usage = os.wait4(proc.pid, 0)
            else:
                pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self._exit_status = proc.returncode if proc.returncode is not None else -1
            return True
        if pid == 0:
            return False
        self._exit_status = os.waitstatus_to_exitcode(status)
        self._rusage = usage
        proc.returncode = self._exit_status  # so Popen never waits for it again
        return True

    def _reap_soon(self) -> bool:
        for _ in range(50):
            if self._reap(block=False):
                return True
            time.sleep(0.002)
        return False

    def _result_from_state(self, internal_error: BaseException | None = None) -> None:
        end = time.monotonic()
        if self._waiting_since is not None:
            self._waited += end - self._waiting_since
            self._waiting_since = None
        usage = self._rusage
        cpu = (usage.ru_utime + usage.ru_stime) if usage else 0.0
        peak = 0.0
        if usage:
            peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        cpu_limit = float(max(1, math.ceil(self.limits.cpu_seconds)))
        if self._bwrap:
            # bwrap's own rusage hides the program's; use what was sampled, and read 128+N as signal N.
            cpu, peak = max(cpu, self._sampled_cpu), max(peak, self._sampled_peak_mb)
            code = self._exit_status
            if code is not None and 128 < code < 128 + 65 and self._error is None:
                self._exit_status = -(code - 128)
                if code - 128 == signal.SIGKILL and self._killed_for is None:
                    cpu = max(cpu, cpu_limit)  # only the CPU hard limit kills it that way
        error = self._error
        if error is None and self._exit_status == 1:
            error = _error_from_stderr("".join(self._stderr_tail))
        outside = False
        if error and isinstance(error.get("filename"), str):
            outside = self._points_outside(error["filename"])
        if internal_error is not None and self._killed_for is None:
            self._killed_for = Verdict.CRASHED
        never_started = not self._ready and self._refused is None and self._killed_for is None
        judgement = judge(Outcome(
            exit_code=self._exit_status,
            killed_for=self._killed_for,
            error=error,
            tried=list(self._tried),
            input_closed=self._input_closed,
            cpu_seconds=cpu,
            cpu_limit=cpu_limit,
            refused=self._refused,
            outside=outside,
        ))
        if never_started:
            judgement.verdict = Verdict.CRASHED
            judgement.message = ("I could not start Python to run your program. Try again; if it keeps "
                                 "happening, ask your teacher.")
        if (judgement.verdict is Verdict.OK and self.scratch
                and folder_size(self.scratch) > self.limits.disk_mb * 1024 * 1024):
            judgement.verdict = Verdict.TOO_MUCH_DISK  # finished between two checks, but still too much
            judgement.message = MESSAGES[Verdict.TOO_MUCH_DISK]
        files = read_back_files(self.scratch) if self._refused is None and self.scratch else {}
        output = "".join(self._output)
        self.result = RunResult(
            verdict=judgement.verdict,
            message=judgement.message,
            exit_code=self._exit_status,
            output=output,
            stdout="".join(self._stdout),
            traceback=_text(error, "traceback"),
            error_line=error.get("line") if error and isinstance(error.get("line"), int) else None,
            error_type=_text(error, "type"),
            error_message=_text(error, "message"),
            cpu_seconds=round(cpu, 3),
            wall_seconds=round(end - self._start_time, 3),
            peak_memory_mb=round(peak, 1),
            output_bytes=self._bytes_out,
            truncated=self._truncated,
            ran_out_of_input=judgement.ran_out_of_input,
            tried=list(self._tried),
            files=files,
            protections=self.protections.summary(),
            warning=self.warning,
            layers=list(self._layers),
        )
        # Clean up before telling anyone: an app that exits right after the result leaves nothing behind.
        self._remove_scratch()
        self.on_event(Finished(self.result))

    def _remove_scratch(self) -> None:
        with self._lock:
            scratch, self.scratch = self.scratch, ""
        if scratch:
            remove_scratch(scratch)

    def _sample_descendants(self) -> None:
        """CPU time and peak memory of the processes under bwrap (their rusage never reaches us)."""
        proc = self._proc
        if proc is None:
            return
        cpu, peak = 0.0, 0.0
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        stack, seen = [proc.pid], set()
        while stack and len(seen) < 16:
            pid = stack.pop()
            seen.add(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    stack.extend(int(c) for c in f.read().split() if int(c) not in seen)
                if pid == proc.pid:
                    continue
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                cpu += (int(fields[11]) + int(fields[12])) / tick
                with open(f"/proc/{pid}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"VmHWM:"):
                            peak = max(peak, int(line.split()[1]) / 1024)
            except (OSError, ValueError, IndexError):
                continue
        self._sampled_cpu = max(self._sampled_cpu, cpu)
        self._sampled_peak_mb = max(self._sampled_peak_mb, peak)

    def _points_outside(self, filename: str) -> bool:
        path = filename if os.path.isabs(filename) else os.path.join(self.scratch, filename)
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            return True
        return not (real == self.scratch or real.startswith(self.scratch + os.sep))

    def _wake(self) -> None:
        if self._wake_w >= 0:
            try:
                os.write(self._wake_w, b"x")
            except OSError:
                pass


# Runs in progress, so they can be killed if the app exits in the middle of one.
_ACTIVE: "weakref.WeakSet[Supervisor]" = weakref.WeakSet()


@atexit.register
def _kill_active_runs() -> None:
    for sup in list(_ACTIVE):
        sup._kill(Verdict.STOPPED)
        try:
            sup._reap(block=True)
        except OSError:
            pass
        sup._remove_scratch()


def _error_from_stderr(text: str) -> dict | None:
    """Rebuild an error record from a printed traceback (no control pipe, e.g. on Windows)."""
    start = text.rfind("Traceback (most recent call last):")
    if start < 0:
        return None
    tb = text[start:]
    last = tb.rstrip("\n").rsplit("\n", 1)[-1]
    kind, _, message = last.partition(": ")
    if not kind.replace(".", "").replace("_", "").isalnum():
        return None
    lines = re.findall(r'File "([^"]+)", line (\d+)', tb)
    mine = [(f, int(n)) for f, n in lines if not os.path.isabs(f) and f.endswith(".py")]
    return {"type": kind.rsplit(".", 1)[-1], "message": message.strip(), "traceback": tb,
            "line": mine[-1][1] if mine else None, "file": mine[-1][0] if mine else None}


def _text(record: dict | None, key: str) -> str | None:
    if not record:
        return None
    value = record.get(key)
    return value if isinstance(value, str) else None


def run_blocking(source: str, stdin_lines: list[str] | None, *, limits: Limits,
                 project_files: dict[str, str | bytes] | None, allow_unprotected: bool,
                 on_event: Callable[[Event], None] | None = None, python: str | None = None,
                 extra_walls: bool = False) -> RunResult:
    """Run to the end in this thread (the watcher runs beside it). Safe from any thread."""
    sup = Supervisor(source, limits=limits, project_files=project_files, allow_unprotected=allow_unprotected,
                     on_event=on_event, stdin_lines=stdin_lines if stdin_lines is not None else [],
                     python=python, extra_walls=extra_walls)
    sup.start()
    sup.done.wait()
    assert sup.result is not None
    return sup.result


__all__ = ["Supervisor", "run_blocking", "Protections"]
