"""``vibecode bench speed``: the configurations side by side, with the REAL tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.model
def test_bench_speed_prints_every_configuration_side_by_side(tiny_backend, session_cache_dir, tmp_path):
    """The REAL tiny model in two configurations; the table has a row for each with load, memory and times."""
    report = tmp_path / "speed.json"
    env = dict(os.environ, VIBECODE_CACHE=str(session_cache_dir), VIBECODE_HOME=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "vibecode", "bench", "speed", "--model", "tiny", "--configs", "quantized,quantized-lookup0",
         "--programs", "1", "--changes", "1", "--humaneval", "0", "--json", str(report)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout.split("-" * 100)[-1]
    assert "quantized-lookup0" in table and "quantized " in table
    results = json.loads(report.read_text())
    assert [r["name"] for r in results] == ["quantized", "quantized-lookup0"]
    for r in results:
        assert r["precision"] == "quantized" and r["load_seconds"] > 0 and r["peak_memory_mb"] > 0
        assert [a["kind"] for a in r["answers"]] == ["new", "change"]
        # timed from Enter, as in the app: the prompt with the words was read at the "child's" pause before
        # Enter, and the model had begun the answer (its first pass)
        assert all(a["prompt_tokens"] == a["cached_prompt_tokens"] and a["written_ahead"] >= 1
                   for a in r["answers"]), r["answers"]
    # prompt lookup changes the speed, never the words
    assert results[0]["answers"][1]["text"] == results[1]["answers"][1]["text"]
