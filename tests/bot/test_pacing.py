"""The global pacer keeps the bot under Discord's 50 requests in any one second."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.pacing import (
    GLOBAL_BURST,
    GLOBAL_RATE,
    LATENCY_SAMPLES,
    GlobalPacer,
    install_pacer,
)


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


async def test_the_pace_leaves_jitter_room_under_discords_limit():
    """51 requests at the pace span over a second by more than 40 ms of squeezed arrivals."""
    clock = Clock()
    pacer = GlobalPacer(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(200):
        await pacer.acquire()
        times.append(clock.now)

    tightest = min(times[k + 50] - times[k] for k in range(len(times) - 50))
    assert tightest > 1.04


def test_latency_is_the_median_of_recent_round_trips():
    pacer = GlobalPacer()
    assert pacer.latency_seconds is None
    for seconds in (0.1, 0.1, 0.12, 9.0, 0.09):  # one request waited out a 429
        pacer.observe(seconds)
    assert pacer.latency_seconds == 0.1
    for _ in range(LATENCY_SAMPLES):
        pacer.observe(0.2)
    assert pacer.latency_seconds == 0.2  # only the recent ones count


async def test_the_installed_pacer_times_requests_after_their_token():
    clock = Clock()
    client = discord.Client(intents=discord.Intents.none())

    async def answer(route, **kwargs):
        clock.now += 0.1  # Discord's round trip
        return {"ok": True}

    client.http.request = answer  # type: ignore[method-assign]
    pacer = install_pacer(client, GlobalPacer(rate=1, burst=1, clock=clock, sleep=clock.sleep))
    route = discord.http.Route("GET", "/users/@me")
    for _ in range(3):  # the 2nd and 3rd wait for a token: that is not latency
        assert await client.http.request(route) == {"ok": True}

    assert pacer is not None
    assert pacer.waited_seconds > 1
    assert pacer.latency_seconds == pytest.approx(0.1)
    await client.close()
