"""The two ways the app runs a program: interactive (asyncio, for the TUI) and scripted (sync).

Both use the same supervisor thread (``runner.Supervisor``); this module only moves its events
onto an asyncio queue, or waits for its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from .results import Event, Finished, Limits, RunResult
from .runner import Supervisor, run_blocking


class Run:
    """One interactive run. Iterate ``events()``; answer ``InputWanted`` with ``send_input``."""

    def __init__(self, supervisor: Supervisor, queue: asyncio.Queue[Event], finished: asyncio.Future[RunResult]):
        self._sup = supervisor
        self._queue = queue
        self._finished = finished

    async def events(self) -> AsyncIterator[Event]:
        """OutputEvent / InputWanted as they happen, ending with Finished(result)."""
        while True:
            event = await self._queue.get()
            yield event
            if isinstance(event, Finished):
                return

    async def send_input(self, line: str) -> None:
        """One line for input() (a newline is added)."""
        self._sup.send_input(line)

    async def close_input(self) -> None:
        """No more input: the program's next input() sees end-of-file."""
        self._sup.close_input()

    async def stop(self) -> None:
        """Stop the program now (verdict STOPPED) and wait until it is gone."""
        self._sup.stop()
        await asyncio.shield(self._finished)

    async def wait(self) -> RunResult:
        return await asyncio.shield(self._finished)

    @property
    def done(self) -> bool:
        return self._finished.done()

    @property
    def result(self) -> RunResult | None:
        return self._finished.result() if self._finished.done() else None


async def start_run(
    source: str,
    *,
    limits: Limits = Limits(),
    project_files: dict[str, str | bytes] | None = None,
    allow_unprotected: bool = False,
    extra_walls: bool = False,
) -> Run:
    """Start an interactive run of ``source`` (saved as main.py in a fresh folder).

    ``extra_walls`` adds bubblewrap namespaces on Linux when it works here (never instead of
    Landlock and seccomp; ``result.layers`` says what was on).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event] = asyncio.Queue()
    finished: asyncio.Future[RunResult] = loop.create_future()

    def deliver(event: Event) -> None:
        queue.put_nowait(event)
        if isinstance(event, Finished) and not finished.done():
            finished.set_result(event.result)

    def on_event(event: Event) -> None:
        try:
            loop.call_soon_threadsafe(deliver, event)
        except RuntimeError:
            pass  # the app's loop is closed; nobody is listening any more

    sup = Supervisor(source, limits=limits, project_files=project_files, allow_unprotected=allow_unprotected,
                     on_event=on_event, interactive=True, extra_walls=extra_walls)
    await loop.run_in_executor(None, sup.start)
    return Run(sup, queue, finished)


def run_program(
    source: str,
    stdin_lines: list[str] | None = None,
    *,
    limits: Limits = Limits(),
    project_files: dict[str, str | bytes] | None = None,
    allow_unprotected: bool = False,
    on_event: Callable[[Event], None] | None = None,
    extra_walls: bool = False,
) -> RunResult:
    """Run to the end, feeding ``stdin_lines`` one per input() request, then end-of-file.

    Blocking; safe from any thread, including one whose asyncio loop is running (no loop is used).
    ``on_event`` (optional) is called from the runner's thread with each event.
    """
    return run_blocking(source, stdin_lines, limits=limits, project_files=project_files,
                        allow_unprotected=allow_unprotected, on_event=on_event, extra_walls=extra_walls)
