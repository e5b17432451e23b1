"""The class line (FairScheduler) and the name check: real code, no server needed."""

from __future__ import annotations

import asyncio

from vibecode.serve.classroom_app import check_name
from vibecode.serve.fair import FairScheduler


async def test_one_child_cannot_starve_the_others():
    line = FairScheduler(max_active=1)
    first = line.enqueue("greedy")
    greedy_more = [line.enqueue("greedy") for _ in range(5)]
    others = [line.enqueue(name) for name in ("ada", "bo", "cy")]
    assert first.granted
    order = []
    current = first
    for _ in range(8):
        line.release(current)
        current = next(t for t in [*greedy_more, *others] if t.granted and not t.done)
        order.append(current.client)
    # after greedy's first turn, every other child goes before greedy's second request
    assert order[:3] == ["ada", "bo", "cy"]
    assert order[3:] == ["greedy"] * 5
    line.release(current)
    assert line.stats().active == 0 and line.stats().waiting == 0 and line.stats().served == 9


async def test_round_robin_alternates_between_busy_children():
    line = FairScheduler(max_active=1)
    holder = line.enqueue("teacher-demo")
    a = [line.enqueue("a") for _ in range(3)]
    b = [line.enqueue("b") for _ in range(3)]
    order = []
    current = holder
    for _ in range(6):
        line.release(current)
        current = next(t for t in a + b if t.granted and not t.done)
        order.append(current.client)
    assert order == ["a", "b", "a", "b", "a", "b"]


async def test_positions_and_waiting_time_are_reported():
    line = FairScheduler(max_active=2)
    t1, t2 = line.enqueue("a"), line.enqueue("b")
    t3, t4 = line.enqueue("c"), line.enqueue("d")
    assert (t1.granted, t2.granted, t3.granted, t4.granted) == (True, True, False, False)
    assert line.position(t1) == 0 and line.position(t3) == 1 and line.position(t4) == 2
    assert not await line.wait(t3, timeout=0.05)
    assert t3.waited >= 0.05
    line.release(t1)
    assert await line.wait(t3, timeout=1)
    assert line.position(t4) == 1
    waited = t3.waited
    await asyncio.sleep(0.02)
    assert t3.waited == waited  # the clock stops once the turn starts


async def test_a_child_who_leaves_the_line_frees_the_place():
    line = FairScheduler(max_active=1)
    t1, t2, t3 = line.enqueue("a"), line.enqueue("b"), line.enqueue("c")
    line.release(t2)  # b closed the tab while waiting
    line.release(t1)
    assert t3.granted and not t2.granted
    assert line.stats().waiting == 0


async def test_one_request_at_a_time_per_child():
    line = FairScheduler(max_active=4)
    t1, t2 = line.enqueue("a"), line.enqueue("a")
    assert t1.granted and not t2.granted  # room at the engine, but a already has a turn
    line.release(t1)
    assert t2.granted


def test_names():
    assert check_name("  Ada  ") == ("Ada", None)
    assert check_name("Mary Jane")[0] == "Mary Jane"
    assert check_name("Zoë-2")[0] == "Zoë-2"
    for bad in ("", "   ", "<script>", "x" * 30, "__init__"):
        name, problem = check_name(bad)
        assert name is None and problem
