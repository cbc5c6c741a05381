"""Who starts first when more runs are due than `max_concurrent_runs` allows.

A plain semaphore wakes waiters in the order they arrived, so a burst of low-priority digests
due a moment earlier would hold back the one the server cares about. Waiters here queue in a
heap keyed (priority, due, arrival): a freed slot goes to the highest priority, then to the
run due earliest, then to whoever came first. A slot is handed to the next waiter directly
(never put back and taken again), so nobody arriving meanwhile can jump the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Priority = Literal["high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}


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
        self._free = capacity
        self._heap: list[_Waiter] = []
        self._arrivals = itertools.count()
        self.waiting = 0

    async def acquire(self, priority: str | None, due: datetime) -> None:
        """Take a slot, waiting for one when all are busy."""
        # While a slot is free nobody is waiting: `release` hands slots straight to waiters.
        if self._free > 0:
            self._free -= 1
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
        while self._heap:
            waiter = heapq.heappop(self._heap)
            if not waiter.future.done():  # a cancelled waiter leaves its entry behind
                waiter.future.set_result(None)
                return
        self._free += 1


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
