"""Process helpers for classroom serving: children that die with their parent, and killing whole trees.

textual-serve starts one app process per browser tab. A tab that disconnects while its app is starting used
to leave that app running (about 33% CPU, deaf to SIGTERM). So every process we start here (app processes,
the model server) is tied to us with ``PR_SET_PDEATHSIG`` and is ended together with everything it started
(kid programs run in their own sessions, so a process-group kill alone would miss them).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import time

import psutil

log = logging.getLogger("vibecode.serve")

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent ends. Safe to call in ``preexec_fn``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (parents first); empty when it is already gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def kill_tree(pid: int, *, grace: float = 0.0) -> int:
    """End ``pid`` and everything under it. With ``grace`` > 0, SIGTERM first and SIGKILL what is left.

    Returns how many processes had to be ended. Descendants are collected before anything is signalled, so
    children that get re-parented to init while we work are still found.
    """
    procs = tree(pid)
    if not procs:
        return 0
    if grace > 0:
        for proc in procs:
            _signal(proc, signal.SIGTERM)
        _, procs = psutil.wait_procs(procs, timeout=grace)
    for proc in procs:
        _signal(proc, signal.SIGKILL)
    psutil.wait_procs(procs, timeout=5)
    return len(procs)


def _signal(proc: psutil.Process, sig: int) -> None:
    try:
        proc.send_signal(sig)
    except psutil.Error:
        pass


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MiB (0 when gone)."""
    total = 0
    for proc in tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` is alive (zombies count as gone); returns those still alive."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if is_alive(pid)]
        if alive:
            time.sleep(0.05)
    return alive


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def parent_watchdog(interval: float = 1.0) -> None:
    """Start a daemon thread that ends this process when its parent changes (belt and braces for
    PDEATHSIG, which Linux ties to the parent *thread*)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                log.warning("parent %s is gone; this app process ends", parent)
                os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
