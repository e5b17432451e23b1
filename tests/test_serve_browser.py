"""A real browser in a served classroom: Debian's Chromium driven by Playwright (no downloaded browser).

The child opens the page, types a name, types an idea, sees the program, runs it, answers input() and sees
the output; we keep a screenshot. The model is the ScriptedBackend FAKE (``scripted:FILE``) so the answer is
known: this test is about serving, the shared-model path has its own test with the real tiny model.
What the browser shows is read from the bytes the app sends it (the page draws on a canvas).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from vibecode.serve.engine import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROGRAM = 'name = input("What is your name? ")\nfor i in range(3):\n    print("Hello " + name + "! #" + str(i))\n'
ANSWER = f"Here is your program!\n\n```python\n{PROGRAM}```\n\nIt asks your name and says hello three times."
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07")

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is a test extra: bash scripts/install.sh --test installs it")
if CHROMIUM is None:
    pytest.skip("Debian's chromium package is not installed (bash scripts/install.sh --test installs it)",
                allow_module_level=True)


class Screen:
    """Everything the app sent to the browser, as plain text (escape codes removed)."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self.page = None  # Playwright delivers frames only while we are inside one of its calls

    def on_frame(self, payload) -> None:
        data = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        self.raw.append(data)

    @property
    def text(self) -> str:
        return ANSI.sub("", "".join(self.raw))

    def wait_for(self, needle: str, timeout: float = 30, since: int = 0, regex: bool = False) -> None:
        """Wait until ``needle`` shows up (in what was sent after character ``since``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text[since:]
            if (re.search(needle, text) if regex else needle in text):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the browser never showed {needle!r}")


@pytest.fixture
def served(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": [ANSWER], "chunk_chars": 8, "delay": 0.01}), encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vibecode", "serve", "--port", str(port), "--model", f"scripted:{answers}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "vibecode serve did not start"
            time.sleep(0.2)
    yield url
    server.send_signal(signal.SIGINT)
    server.wait(timeout=30)


def test_a_child_makes_and_runs_a_program_in_the_browser(served, tmp_path, vibecode_home):
    screen = Screen()
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 800})
        try:
            page = screen.page = browser.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", screen.on_frame))
            page.goto(served)
            page.wait_for_selector("body.-first-byte", state="attached", timeout=60_000)
            screen.wait_for("What is your first name or nickname?")
            page.mouse.click(640, 400)  # focus the terminal
            page.keyboard.type("Ada")
            page.keyboard.press("Enter")
            screen.wait_for("Hi Ada!")
            page.keyboard.type("a program that says hello to me")
            page.keyboard.press("Enter")
            screen.wait_for('input("What is your name? ")')
            screen.wait_for("range(3)")
            page.wait_for_timeout(1000)  # let the app finish checking the program before running it
            before = len(screen.text)
            page.keyboard.press("F5")
            # the program's question in the Run panel (not the code's `input("What is your name? ")`)
            screen.wait_for(r'What is your name\? (?!")', since=before, regex=True)
            before = len(screen.text)
            page.keyboard.type("Bob")
            page.keyboard.press("Enter")
            screen.wait_for("Hello Bob! #2")
            assert "Hello Bob! #0" in screen.text[before:]
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "classroom.png"))
        finally:
            browser.close()
    assert (tmp_path / "classroom.png").stat().st_size > 10_000
    artifacts = REPO / "tests" / "artifacts"
    if artifacts.is_dir():  # keep the picture for people to look at, when asked for
        shutil.copy(tmp_path / "classroom.png", artifacts / "serve_browser.png")

    # the project was filed under the child's name in this machine's database (the teacher's report reads it)
    from vibecode.store.projects import ProjectStore

    projects = ProjectStore().list_projects(owner="Ada")
    assert len(projects) == 1
