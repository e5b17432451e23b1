"""UI benchmark: how fast the app shows its first frame, and how long the UI ever freezes.

    .venv/bin/python benchmarks/ui_bench.py [--model NAME] [--fake-only] [--runs 3] [--json OUT]

The same as ``vibecode bench ui``: the code lives in ``vibecode/commands/bench_ui.py`` (its docstring
says what each figure means). This script only runs it from a checkout.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vibecode.commands.bench_ui import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
