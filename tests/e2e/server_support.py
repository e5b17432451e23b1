"""Start a real model server for a test and always end it: the HTTP tests' one way to do that."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def running_server(command: list[str], health_url: str, log_path: Path, *, ready: Callable[[bytes], bool],
                   timeout: float, **popen) -> Iterator[subprocess.Popen]:
    """Run ``command`` until ``health_url`` answers 200 with a body ``ready`` accepts; fails the test
    (pointing at the log) if the server dies or takes longer than ``timeout``."""
    import pytest

    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(health_url, timeout=2) as reply:
                        if reply.status == 200 and ready(reply.read()):
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start; see {log_path}")
                time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
