"""Who starts first when more runs are due than `max_concurrent_runs` allows.

A plain semaphore wakes waiters in the order they arrived, so a burst of low-priority digests
due a moment earlier would hold back the one the server cares about. Waiters here queue in a
heap keyed (priority, due, arrival): a freed slot goes to the highest priority, then to the
run due earliest, then to whoever came first. A slot is handed to the next waiter directly
(never put back and taken again), so nobody arriving meanwhile can jump the queue.

How many slots there are is `scheduling.max_concurrent_runs`: a fixed number, or `auto`, sized
by Little's law to keep Discord's global rate limit busy. A run spends most of its time waiting
on REST round trips, one after another (the check, the read, the posts), so the runs needed to
send `rate` requests a second are about `rate x latency` with a margin for the rest of a run
(the database, summarizing, the exempt webhook post): `HEADROOM x rate x latency`, between
`AUTO_MIN` (the old fixed default, which loopback latencies fall back to) and `AUTO_MAX` (each
run holds up to `summarizer.max_messages` messages in memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from scheduling.models import PRIORITIES

log = logging.getLogger(__name__)

_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}

AUTO_MIN = 4
AUTO_MAX = 16
HEADROOM = 2.0


class Pace(Protocol):
    """The REST budget runs share: requests a second, and the measured round trip."""

    @property
    def rate(self) -> float:
        """Requests a second the bot allows itself."""
        ...

    @property
    def latency_seconds(self) -> float | None:
        """A typical round trip lately (None before any was measured)."""
        ...


def auto_capacity(rate: float, latency_seconds: float | None) -> int:
    """Runs at once that keep `rate` requests a second busy at this latency (Little's law)."""
    if latency_seconds is None or latency_seconds <= 0 or rate <= 0:
        return AUTO_MIN
    wanted = math.ceil(HEADROOM * rate * latency_seconds)
    return max(AUTO_MIN, min(AUTO_MAX, wanted))


def run_capacity(setting: int | Literal["auto"], pace: Pace | None) -> int:
    """A fixed `max_concurrent_runs` as it is; `auto` from the pace (AUTO_MIN without one)."""
    if setting != "auto":
        return setting
    if pace is None:
        return AUTO_MIN
    return auto_capacity(pace.rate, pace.latency_seconds)


def rank(priority: str | None) -> int:
    """0 for high, 1 for normal, 2 for low; anything unknown waits as normal."""
    return _RANK.get(priority or "normal", _RANK["normal"])


@dataclass(order=True)
class _Waiter:
    rank: int
    due: datetime
    sequence: int
    future: asyncio.Future[None] = field(compare=False)


class PrioritySlots:
    """`capacity` run slots; waiters are served by (priority, due, arrival)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._heap: list[_Waiter] = []
        self._arrivals = itertools.count()
        self.waiting = 0

    @property
    def free(self) -> int:
        """Slots a run arriving now would take without waiting."""
        return max(0, self.capacity - self.in_use)

    def resize(self, capacity: int) -> None:
        """More slots are handed to waiters at once; fewer take effect as runs end."""
        capacity = max(1, capacity)
        if capacity != self.capacity:
            log.debug("run slots: %d -> %d", self.capacity, capacity)
            self.capacity = capacity
        self._hand_out()

    async def acquire(self, priority: str | None, due: datetime) -> None:
        """Take a slot, waiting for one when all are busy."""
        # While a slot is free nobody is waiting: free slots are handed straight to waiters.
        if self.in_use < self.capacity:
            self.in_use += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, _Waiter(rank(priority), due, next(self._arrivals), future))
        self.waiting += 1
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            raise
        finally:
            self.waiting -= 1

    def release(self) -> None:
        """Give the slot to the first waiter still waiting, else free it."""
        self.in_use -= 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self.in_use < self.capacity and self._heap:
            waiter = heapq.heappop(self._heap)
            if not waiter.future.done():  # a cancelled waiter leaves its entry behind
                waiter.future.set_result(None)
                self.in_use += 1


@contextlib.asynccontextmanager
async def run_slot(
    slots: PrioritySlots, running: set[asyncio.Task[object]], priority: str | None, due: datetime
) -> AsyncIterator[None]:
    """Hold one slot for the body; the task is tracked meanwhile so a stop can wait for it."""
    task = asyncio.current_task()
    if task is not None:
        running.add(task)
    try:
        await slots.acquire(priority, due)
        try:
            yield
        finally:
            slots.release()
    finally:
        if task is not None:
            running.discard(task)
