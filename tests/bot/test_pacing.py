"""The global pacer keeps the bot under Discord's 50 requests in any one second."""

from __future__ import annotations

import asyncio

from bot.pacing import GLOBAL_BURST, GLOBAL_RATE, GlobalPacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_no_second_sees_more_than_discords_global_limit():
    clock = Clock()
    pacer = GlobalPacer(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(500):
        await pacer.acquire()
        times.append(clock.now)

    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 50
    assert GLOBAL_BURST + GLOBAL_RATE <= 50
    # ...while the long-run rate is the configured one.
    assert abs(len(times) / times[-1] - GLOBAL_RATE) < 1


async def test_callers_are_served_in_arrival_order():
    clock = Clock()
    pacer = GlobalPacer(rate=10, burst=1, clock=clock, sleep=clock.sleep)
    served = []

    async def caller(number):
        await pacer.acquire()
        served.append(number)

    await asyncio.gather(*(caller(n) for n in range(20)))
    assert served == list(range(20))
