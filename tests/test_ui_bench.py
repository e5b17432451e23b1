"""``vibecode bench ui`` runs end to end (FAKE scripted model only, one launch): every figure is there.
The figures themselves depend on the machine, so only their presence and sanity are checked here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the first-frame figure needs tmux")
def test_bench_ui_prints_every_figure(tmp_path):
    out = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, "-m", "vibecode", "bench", "ui", "--fake-only", "--runs", "1", "--json", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for words in ("load average", "1. launch -> first frame", "2. while the FAKE scripted model writes",
                  "3. while a program floods output", "Stop during that flood"):
        assert words in run.stdout, run.stdout
    figures = json.loads(out.read_text())
    assert len(figures["first_frame_seconds"]) == 1 and 0 < figures["first_frame_seconds"][0] < 20
    fake = figures["fake"]
    assert fake["generate_tokens"] > 10 and fake["generate_worst_stall_ms"] >= fake["generate_p99_stall_ms"] >= 0
    assert fake["capped_flood_verdict"] == "TOO_MUCH_OUTPUT"  # the sandbox's cap ends a real flood
    assert fake["flood_running_at_stop"] and fake["flood_verdict"] == "STOPPED" and fake["stop_ms"] > 0
    assert "real" not in figures


@pytest.mark.model
async def test_bench_ui_times_a_change_in_the_app(tiny_backend):
    """REAL tiny model. Figure 4 (a change to bench speed's pet shop made in the app): the time from Enter,
    the model's own part of it and the app's CPU meanwhile. Figure 5 (the child's own edit, then a change
    typed with no pause): the edited program was read before Enter, only the words and the chat template's
    last tokens after it."""
    from vibecode.commands.bench_ui import measure_app

    figures = await measure_app(tiny_backend, flood=False, max_new_tokens=32, changes=1, typing=3.0)
    assert len(figures["edit_change_seconds"]) == 1 and figures["edit_change_seconds"][0] > 0
    typed = figures["edit_change_answers"][0]
    assert typed["prompt_tokens"] > 400 and typed["prompt_tokens"] - typed["cached_prompt_tokens"] <= 30, typed
    walls, models, cpus = figures["change_seconds"], figures["change_model_seconds"], figures["change_app_cpu_seconds"]
    assert len(walls) == len(models) == len(cpus) == 1
    assert all(0 < model <= wall + 0.05 for model, wall in zip(models, walls)), (models, walls)
    assert all(0 <= cpu < 60 for cpu in cpus)
