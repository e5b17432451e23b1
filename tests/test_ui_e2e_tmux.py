"""The real app in a real terminal (tmux): tests/e2e/tmux_e2e.sh types an idea, waits for the
program, runs it, answers its question, sees the output, changes it by chat, undoes and redoes,
kills the app and reopens the project. The model is the FAKE ScriptedBackend
(VIBECODE_MODEL=scripted:tests/e2e/scripted_greeting.json) so the run is deterministic; Textual,
the terminal, the sandbox and SQLite are real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "e2e" / "tmux_e2e.sh"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (scripts/install.sh --test installs it)")
def test_app_in_a_real_terminal():
    """FAKE model (scripted). The whole newcomer path through the real `python -m vibecode`."""
    done = subprocess.run(["bash", str(SCRIPT), sys.executable], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and "E2E PASS" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
