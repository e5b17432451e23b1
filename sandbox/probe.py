"""Finds out, cheaply, which protections this computer gives a sandboxed program.

The answer is shown to children and teachers as a short line ("time ✓ memory ✓ files ✓ internet ✓
other programs ✓") plus plain sentences for anything missing. Each run proves it again: the child
process refuses to start the program when a protection the probe promised cannot be switched on.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from . import _boot

MARK_OK = "✓"
MARK_NO = "✗"


@dataclass(frozen=True)
class Protections:
    """Which protections runs get on this machine, and what is missing, in plain words."""

    platform: str  # "linux", "darwin", "win32", ...
    time: bool  # wall clock + CPU limit
    memory: bool
    files: bool  # only its own folder (Landlock)
    internet: bool  # no sockets (seccomp)
    other_programs: bool  # no new processes, no signals (seccomp)
    output: bool = True  # output cap + escape cleaning (the supervisor, everywhere)
    landlock_abi: int = 0
    seccomp: bool = False
    rlimits: bool = False
    bubblewrap: str = "not used"  # "works (not used yet)", "installed but blocked here", "not installed"
    missing: tuple[str, ...] = field(default_factory=tuple)  # plain sentences

    @property
    def protected(self) -> bool:
        """All of time, memory, files, internet and other programs are covered."""
        return self.time and self.memory and self.files and self.internet and self.other_programs

    @property
    def required_on_this_os(self) -> bool:
        """On Linux the runner refuses to run without full protection (unless a teacher allows it)."""
        return self.platform.startswith("linux")

    def summary(self) -> str:
        parts = [
            ("time", self.time),
            ("memory", self.memory),
            ("files", self.files),
            ("internet", self.internet),
            ("other programs", self.other_programs),
        ]
        return " ".join(f"{name} {MARK_OK if ok else MARK_NO}" for name, ok in parts)

    def details(self) -> list[str]:
        """Longer lines for a teacher (`python -m sandbox probe`)."""
        lines = [f"Safety: {self.summary()}"]
        if self.platform.startswith("linux"):
            abi = f"ABI {self.landlock_abi}" if self.landlock_abi else "missing"
            lines.append(f"  Landlock (files, TCP, signals): {abi}")
            lines.append(f"  seccomp (programs, sockets, signals): {'on' if self.seccomp else 'missing'}")
            lines.append(f"  limits (CPU, memory, file size): {'on' if self.rlimits else 'missing'}")
            lines.append(f"  bubblewrap (extra walls): {self.bubblewrap}")
        lines.extend(f"  - {sentence}" for sentence in self.missing)
        if self.protected:
            lines.append("  Programs run with every protection on.")
        elif self.required_on_this_os:
            lines.append("  Programs will NOT run until this is fixed (a teacher can allow unprotected mode).")
        else:
            lines.append("  Programs still run, with a warning.")
        return lines


@functools.lru_cache(maxsize=2)
def probe(check_bubblewrap: bool = False) -> Protections:
    """Which layers this machine gives (cached: the kernel does not change while we run).

    ``check_bubblewrap`` also tries a bubblewrap start (about 20 ms), for the teacher's report.
    """
    platform = sys.platform
    if platform.startswith("linux"):
        return _probe_linux(check_bubblewrap)
    rlimits = _has_resource()
    missing = [
        "On this computer, programs you run could read your files and use the internet.",
        "They could also start other programs.",
    ]
    if platform == "darwin":
        missing.append("Memory use is not limited on macOS.")
    elif platform == "win32":
        missing.append("Memory and thinking time are not limited on Windows; only the clock is.")
    return Protections(
        platform=platform,
        time=True,
        memory=False,
        files=False,
        internet=False,
        other_programs=False,
        rlimits=rlimits,
        missing=tuple(missing),
    )


def _has_resource() -> bool:
    try:
        import resource  # noqa: F401 - only checking it exists
    except ImportError:
        return False
    return True


def _probe_linux(check_bubblewrap: bool) -> Protections:
    from . import seccomp as sc

    abi = _boot.landlock_abi()
    seccomp_ok = False
    seccomp_why = ""
    if sc.kernel_has_seccomp():
        try:
            sc.build_filter()
            seccomp_ok = True
        except sc.SeccompUnavailable as exc:
            seccomp_why = str(exc)
    else:
        seccomp_why = "this Linux kernel has no seccomp"
    missing: list[str] = []
    if abi < 1:
        missing.append(
            "Files are not protected: this Linux has no Landlock (needs Linux 5.13 or newer with Landlock "
            "switched on, e.g. lsm=landlock,... on the kernel command line)."
        )
    if not seccomp_ok:
        missing.append(
            f"Internet and other programs are not blocked: seccomp is missing ({seccomp_why or 'unknown'})."
        )
    return Protections(
        platform=sys.platform,
        time=True,
        memory=True,
        files=abi >= 1,
        internet=seccomp_ok,
        other_programs=seccomp_ok,
        landlock_abi=abi,
        seccomp=seccomp_ok,
        rlimits=True,
        bubblewrap=_bubblewrap_state() if check_bubblewrap else "not checked",
        missing=tuple(missing),
    )


# The walls bubblewrap adds when asked for (``extra_walls=True``): private network, process ids,
# IPC and host name; no new user namespaces inside; a read-only view of the machine; the run's
# folder read-write. Landlock and seccomp are still switched on inside.
def bubblewrap_command(scratch: str) -> list[str] | None:
    """The bwrap prefix for one run, or None when bubblewrap does not work here."""
    path = bubblewrap_path()
    if path is None:
        return None
    return [path, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--cap-drop", "ALL",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", scratch, scratch,
            "--chdir", scratch, "--"]


@functools.lru_cache(maxsize=1)
def bubblewrap_path() -> str | None:
    """bwrap's path if it starts a sandbox with our options on this machine (tried once)."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    try:
        done = subprocess.run(
            [path, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--cap-drop", "ALL",
             "--ro-bind", "/", "/", "--dev", "/dev", "--", sys.executable, "-I", "-S", "-c", "pass"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path if done.returncode == 0 else None


def _bubblewrap_state() -> str:
    """Reports bubblewrap honestly: it is an optional extra, used only when asked for."""
    if shutil.which("bwrap") is None:
        return "not installed (optional)"
    if bubblewrap_path() is None:
        return "installed but blocked here (optional; user namespaces may be off)"
    return "works here (optional extra walls, used when asked for)"
