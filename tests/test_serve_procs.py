"""``vibecode serve`` never leaves app processes behind: tabs that leave during start-up, server shutdown,
and a server that is killed outright. Runs the real command with the scripted FAKE model (no model needed:
these tests are about processes, not answers)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp
import psutil
import pytest

from vibecode.serve.engine import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ANSWER = "Here you go!\n\n```python\nprint('hi')\n```\n"


def start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": [ANSWER]}), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "vibecode", "serve", "--port", str(port), "--model", f"scripted:{answers}", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("vibecode serve did not start")


def app_processes(server_pid: int) -> list[psutil.Process]:
    """Every app process of this server, including ones that were re-parented after their parent died."""
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = proc.info["cmdline"] or []
            if "vibecode.serve.launcher" in cmdline and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            pass
    return found


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


async def open_tab(port: int) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
    session = aiohttp.ClientSession()
    socket = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
    return session, socket


async def test_tabs_that_leave_during_start_up_leave_nothing_behind(tmp_path):
    assert wait_until(lambda: not app_processes(0), 15), "another test left app processes running"
    server, port = start_serve(tmp_path)
    try:
        async def early(delay: float) -> None:
            session, socket = await open_tab(port)
            await asyncio.sleep(delay)
            await socket.close()
            await session.close()

        await asyncio.gather(*(early(d) for d in (0.0, 0.2, 0.6, 1.0, 1.5, 2.5)))
        chromium = shutil.which("chromium")
        if chromium:  # the original reproducer: Chromium's CLI screenshot leaves ~1.5 s after loading
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={tmp_path / 'cli.png'}",
                                "--window-size=1000,700", f"http://127.0.0.1:{port}/"],
                               capture_output=True, timeout=60)
        assert wait_until(lambda: not app_processes(server.pid), 20), [p.pid for p in app_processes(server.pid)]
        assert server.poll() is None  # the server itself is fine
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


async def test_shutdown_ends_every_app(tmp_path):
    server, port = start_serve(tmp_path)
    tabs = [await open_tab(port) for _ in range(3)]
    try:
        assert wait_until(lambda: len(app_processes(server.pid)) == 3, 30)
        await asyncio.sleep(1.0)  # let the apps get going
        pids = [p.pid for p in app_processes(server.pid)]
        server.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(server.wait, 30)
        assert code == 0
        assert "Stopped" in server.stdout.read()
        assert wait_until(lambda: not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
                                          for pid in pids), 10)
        assert not app_processes(server.pid)
    finally:
        for session, socket in tabs:
            await socket.close()
            await session.close()
        if server.poll() is None:
            server.kill()


async def test_a_killed_server_takes_its_apps_with_it(tmp_path):
    server, port = start_serve(tmp_path)
    session, socket = await open_tab(port)
    try:
        assert wait_until(lambda: len(app_processes(server.pid)) == 1, 30)
        os.kill(server.pid, signal.SIGKILL)  # no clean-up code runs: only PDEATHSIG can save us
        server.wait(timeout=10)
        assert wait_until(lambda: not app_processes(server.pid), 10)
    finally:
        await socket.close()
        await session.close()


STUBBORN = r"""
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)   # like the orphans seen with textual-serve: deaf to SIGTERM
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
print(child.pid, flush=True)                      # a kid program in its own session
print("__GANGLION__", flush=True)
sys.stdin.close()                                 # and it does not listen for 'quit' either
while True:
    time.sleep(0.05)
"""


async def test_an_app_that_ignores_quit_and_sigterm_is_killed_with_its_children(tmp_path):
    from textual_serve.download_manager import DownloadManager

    from vibecode.serve.web import ReapingAppService

    async def ignore(*args) -> None:
        return None

    registry: set = set()
    service = ReapingAppService([sys.executable, "-c", STUBBORN], registry, write_bytes=ignore, write_str=ignore,
                                close=ignore, download_manager=DownloadManager())
    await service.start(80, 24)
    assert service.pid is not None and registry == {service}
    root = psutil.Process(service.pid)
    assert await asyncio.to_thread(wait_until, lambda: len(root.children()) == 1, 10)
    kid = root.children()[0].pid
    await service.stop()  # the tab went away
    assert not psutil.pid_exists(service.pid) or psutil.Process(service.pid).status() == psutil.STATUS_ZOMBIE
    assert await asyncio.to_thread(wait_until, lambda: not psutil.pid_exists(kid)
                                   or psutil.Process(kid).status() == psutil.STATUS_ZOMBIE, 5)
    assert registry == set()
