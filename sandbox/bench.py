"""``python -m sandbox bench``: the runner's per-run overhead for print('hi') vs bare ``python -I -S``.

Prints medians and 90th percentiles (after warm-up runs). A figure, not a test: the machine may be
busy, so nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from .api import run_program
from .probe import probe


def _measure(fns, runs: int, warmup: int = 3) -> list[list[float]]:
    """Times each function ``runs`` times, alternating between them so a busy machine hits all alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return times


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def main(runs: int = 20) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "hi.py")
        with open(prog, "w") as f:
            f.write("print('hi')\n")

        def bare() -> None:
            subprocess.run([sys.executable, "-I", "-S", prog], stdout=subprocess.DEVNULL, check=True)

        def sandboxed() -> None:
            result = run_program("print('hi')\n")
            if result.stdout != "hi\n":
                raise SystemExit(f"the sandbox run failed: {result.verdict} {result.message}")

        raw, box = _measure([bare, sandboxed], runs)
        raw_cpu = _cpu_per_run(bare, runs)
        box_cpu = _cpu_per_run(sandboxed, runs)
    overhead = statistics.median(box) - statistics.median(raw)
    print(f"protections: {probe().summary()}")
    print(f"bare python -I -S     median {statistics.median(raw):6.1f} ms   p90 {_p90(raw):6.1f} ms")
    print(f"sandbox run_program   median {statistics.median(box):6.1f} ms   p90 {_p90(box):6.1f} ms")
    print(f"overhead per run      median {overhead:6.1f} ms   ({runs} runs each, {os.cpu_count()} cores)")
    print(f"CPU time per run      bare: python {raw_cpu[0]:5.1f} ms + starting it {raw_cpu[1]:4.1f} ms   "
          f"sandbox: python {box_cpu[0]:5.1f} ms + supervisor {box_cpu[1]:4.1f} ms")
    extra = box_cpu[0] + box_cpu[1] - raw_cpu[0] - raw_cpu[1]
    print(f"CPU overhead per run  {extra:6.1f} ms   (hardly changed by a busy machine, unlike the times above)")
    return 0


def _cpu_per_run(fn, runs: int) -> tuple[float, float]:
    """Mean CPU milliseconds per run: (in child processes, in this process's threads)."""
    import resource

    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_self = time.process_time()
    for _ in range(runs):
        fn()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after_children.ru_utime + after_children.ru_stime
                - before_children.ru_utime - before_children.ru_stime)
    return children * 1000 / runs, (time.process_time() - before_self) * 1000 / runs
