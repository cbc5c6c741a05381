"""A global pace for the bot's own REST requests, kept under Discord's 50 requests/s.

discord.py waits out a 429 once it has one, but it does not pace itself under the global
limit: a burst of digests (many schedules due the same minute) would collect 429s, and enough
invalid requests get the IP banned by Cloudflare. So every request discord.py's HTTP client
makes first takes a token from one bucket. Interaction responses and Discord webhook posts go
through discord.py's webhook adapter instead; Discord exempts those from the bot's global limit.

The pacer also measures how long requests take once they leave it (the round trip, with
discord.py's own per-route waits): `scheduling.max_concurrent_runs = "auto"` sizes the number
of runs at once from it (`scheduling.slots`).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import discord

# Discord's global limit is 50/s. A token bucket lets `burst + rate` requests into any one
# second (a full bucket, then a second's refill), so the two together stay under 50: a burst
# of 45 let 90 through and earned 429s. The margin is for requests that arrive at Discord
# closer together than they left (network jitter, a stalled loop): at 48/s, one at a time, 51
# requests leave over 50/48 s, so only arrivals squeezed by more than 40 ms could make 51 in a
# second (45/s with a burst of 5 tolerated 22 ms after an idle spell, and spent 10 % of the
# limit for it).
GLOBAL_RATE = 48.0
GLOBAL_BURST = 1
# Round trips remembered for the latency figure; the median ignores a few slow ones (a 429
# waited out, a route bucket queued behind).
LATENCY_SAMPLES = 64
# One sample counts at most this much: beyond it `auto` concurrency is at its cap anyway.
LATENCY_CAP_SECONDS = 1.0


class GlobalPacer:
    """A token bucket: `acquire()` returns at once while tokens last, then spaces callers."""

    def __init__(
        self,
        rate: float = GLOBAL_RATE,
        burst: int = GLOBAL_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0
        self._round_trips: deque[float] = deque(maxlen=LATENCY_SAMPLES)

    def observe(self, seconds: float) -> None:
        """Remember one request's round trip (from leaving the pacer to its answer)."""
        self._round_trips.append(min(max(seconds, 0.0), LATENCY_CAP_SECONDS))

    @property
    def latency_seconds(self) -> float | None:
        """The median of the recent round trips; None before the first request."""
        if not self._round_trips:
            return None
        return statistics.median(self._round_trips)

    async def acquire(self) -> None:
        """Take one token, waiting (in arrival order) until one is available."""
        async with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                self.waited_seconds += wait
                await self.sleep(wait)
                self._tokens = 1.0
                self._updated = self.clock()
            self._tokens -= 1


def install_pacer(client: discord.Client, pacer: GlobalPacer | None = None) -> GlobalPacer | None:
    """Wrap discord.py's HTTP client; leaves simulators (which replace it) untouched."""
    http = client.http
    if type(http) is not discord.http.HTTPClient:
        return None
    pacer = pacer or GlobalPacer()
    original = http.request

    async def request(route: discord.http.Route, **kwargs: Any) -> Any:
        await pacer.acquire()
        started = pacer.clock()
        try:
            return await original(route, **kwargs)
        finally:
            pacer.observe(pacer.clock() - started)

    http.request = request  # type: ignore[method-assign]
    return pacer
