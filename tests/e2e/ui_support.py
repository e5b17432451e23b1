"""Helpers shared by the UI tests (tests/test_ui_*.py): a scripted FAKE model, waiting helpers."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

GREETING = 'name = input("What is your name? ")\nprint("Hello " + name + "!")\n'
THANKS = GREETING + 'print("Thank you for visiting!")\n'
LEMONADE = 'cups = int(input("How many cups? "))\nprint("That costs", cups * 2, "dollars")\n'
BROKEN = 'print("Counting")\nprint(totl)\n'
FIXED = 'total = 3\nprint("Counting")\nprint(total)\n'


def answer(words: str, program: str) -> str:
    """A model answer the way the real model writes it: a sentence, then a python block."""
    return f"{words}\n```python\n{program}```\n"


def scripted(answers: list[str], delay: float = 0.002, chunk_chars: int = 6) -> Any:
    """The FAKE model: vibecode's ScriptedBackend replaying canned answers through the real Backend API."""
    from vibecode.lm.scripted import ScriptedBackend

    return ScriptedBackend(answers, delay=delay, chunk_chars=chunk_chars)


def make_app(backend: Any, **kwargs: Any) -> Any:
    from vibecode.app import VibecodeApp

    return VibecodeApp(backend=backend, warm_up=False, **kwargs)


async def wait_for(pilot: Any, condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> None:
    """Poll the app until ``condition()`` is true (async output, workers)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def click_when_still(pilot: Any, selector: str, timeout: float = 10.0) -> None:
    """Click a widget once the layout has stopped moving it.

    A click lands on screen coordinates: right after a Markdown above the widget is updated, the widget can
    still move down while the Markdown re-renders, and a click at its old place hits something else."""
    widget = pilot.app.screen.query_one(selector)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    still, last = 0, None
    while still < 3:
        if loop.time() > end:
            raise AssertionError(f"{selector} kept moving for {timeout} s")
        await pilot.pause(0.05)
        region = widget.region
        still = still + 1 if region == last and region.area else 0
        last = region
    assert await pilot.click(selector), f"the click missed {selector}"


async def type_idea(pilot: Any, text: str) -> None:
    """Type into the idea box on the build screen and press Enter."""
    box = pilot.app.screen.query_one("#idea")
    box.focus()
    box.value = text  # typing key by key is tested once; here it only slows the suite
    await pilot.press("enter")


async def wait_model_idle(pilot: Any, timeout: float = 30.0) -> None:
    screen = pilot.app.screen
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: screen.job is None, timeout, "the model to finish")


async def start_from_home(pilot: Any, idea: str, timeout: float = 30.0) -> Any:
    """Type an idea on the home screen: a new project opens and the model starts."""
    pilot.app.screen.query_one("#new-idea").value = idea
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "BuildScreen" and pilot.app.screen.query("#idea"),
                   10, "the build screen")
    await wait_model_idle(pilot, timeout)
    return pilot.app.screen


async def run_and_wait_question(pilot: Any) -> None:
    screen = pilot.app.screen
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.query_one("#ask").display, 30, "the program's question")


async def wait_run_done(pilot: Any, timeout: float = 30.0) -> None:
    screen = pilot.app.screen
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: screen.run_handle is None and not screen.query_one("#run").disabled,
                   timeout, "the run to end")


def chat_texts(screen: Any) -> list[str]:
    return [getattr(bubble, "text", "") for bubble in screen.chat.messages.children]
