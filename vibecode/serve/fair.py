"""Fair turns at the shared model: round-robin between children, one request at a time per child.

The model server batches whatever it is given (continuous batching), so we let up to ``max_active`` requests
in at once. When more children ask than that, they wait here. Each child has its own queue and the children
take turns in turn (the waiting child who was served least recently goes first), so one child who keeps asking cannot
push the others back: a child who just had a turn goes to the end of the line. Every waiting request can ask for its place in line and how long it has waited,
which the proxy passes on so the app can show "You are next!".
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass
class Ticket:
    """One request's place in the class line."""

    client: str
    number: int
    created: float = field(default_factory=time.monotonic)
    granted_at: float | None = None
    done: bool = False
    event: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def granted(self) -> bool:
        return self.granted_at is not None

    @property
    def waited(self) -> float:
        """Seconds spent waiting for the turn (so far, or in total once granted)."""
        end = self.granted_at if self.granted_at is not None else time.monotonic()
        return max(0.0, end - self.created)


@dataclass
class SchedulerStats:
    active: int
    waiting: int
    served: int
    children: int
    max_wait: float
    mean_wait: float


class FairScheduler:
    """Round-robin over children; at most ``max_active`` requests at the engine, one per child."""

    def __init__(self, max_active: int = 8, per_child: int = 1) -> None:
        self.max_active = max(1, max_active)
        self.per_child = max(1, per_child)
        self._queues: OrderedDict[str, deque[Ticket]] = OrderedDict()  # each child's waiting requests
        self._last_served: dict[str, int] = {}  # child -> turn number of their latest turn
        self._turns = 0
        self._active: dict[str, int] = {}
        self._numbers = itertools.count(1)
        self._served = 0
        self._wait_total = 0.0
        self._wait_max = 0.0

    # --- the line
    def enqueue(self, client: str) -> Ticket:
        ticket = Ticket(client, next(self._numbers))
        queue = self._queues.get(client)
        if queue is None:
            queue = self._queues[client] = deque()
        queue.append(ticket)
        self._grant()
        return ticket

    async def wait(self, ticket: Ticket, timeout: float | None = None) -> bool:
        """Wait (up to ``timeout`` s) for the turn; True once granted."""
        if ticket.granted:
            return True
        try:
            await asyncio.wait_for(ticket.event.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def release(self, ticket: Ticket) -> None:
        """The request ended (finished, failed or the child left): free its place."""
        if ticket.done:
            return
        ticket.done = True
        if ticket.granted:
            left = self._active.get(ticket.client, 1) - 1
            if left > 0:
                self._active[ticket.client] = left
            else:
                self._active.pop(ticket.client, None)
        else:
            queue = self._queues.get(ticket.client)
            if queue is not None and ticket in queue:
                queue.remove(ticket)
                if not queue:
                    del self._queues[ticket.client]
        self._grant()

    def position(self, ticket: Ticket) -> int:
        """1 = next to go in, 0 = already in; counts the requests that will be let in before this one."""
        if ticket.granted or ticket.done:
            return 0
        ahead = 0
        for order in self._round_robin_order():
            ahead += 1
            if order is ticket:
                return ahead
        return ahead + 1

    # --- internals
    def _active_total(self) -> int:
        return sum(self._active.values())

    def _round_robin_order(self):
        """The order in which waiting tickets would be let in if nobody else came (least recently served first)."""
        queues = {client: list(queue) for client, queue in self._queues.items() if queue}
        last = dict(self._last_served)
        turn = self._turns
        while queues:
            client = min(queues, key=lambda c: (last.get(c, 0), queues[c][0].number))
            ticket = queues[client].pop(0)
            if not queues[client]:
                del queues[client]
            turn += 1
            last[client] = turn
            yield ticket

    def _grant(self) -> None:
        """Let requests in while the engine has room: the waiting child served least recently goes first."""
        while self._active_total() < self.max_active:
            eligible = [client for client, queue in self._queues.items()
                        if queue and self._active.get(client, 0) < self.per_child]
            if not eligible:
                return
            chosen = min(eligible, key=lambda c: (self._last_served.get(c, 0), self._queues[c][0].number))
            queue = self._queues[chosen]
            ticket = queue.popleft()
            if not queue:
                del self._queues[chosen]
            self._turns += 1
            self._last_served[chosen] = self._turns
            ticket.granted_at = time.monotonic()
            self._active[chosen] = self._active.get(chosen, 0) + 1
            self._served += 1
            self._wait_total += ticket.waited
            self._wait_max = max(self._wait_max, ticket.waited)
            ticket.event.set()

    def stats(self) -> SchedulerStats:
        served = self._served
        return SchedulerStats(
            active=self._active_total(),
            waiting=sum(len(q) for q in self._queues.values()),
            served=served,
            children=len(set(self._queues) | set(self._active)),
            max_wait=round(self._wait_max, 3),
            mean_wait=round(self._wait_total / served, 3) if served else 0.0,
        )
