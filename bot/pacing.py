"""A global pace for the bot's own REST requests, kept under Discord's 50 requests/s.

discord.py waits out a 429 once it has one, but it does not pace itself under the global
limit: a burst of digests (many schedules due the same minute) would collect 429s, and enough
invalid requests get the IP banned by Cloudflare. So every request discord.py's HTTP client
makes first takes a token from one bucket. Interaction responses and Discord webhook posts go
through discord.py's webhook adapter instead; Discord exempts those from the bot's global limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

# Discord's global limit is 50/s; a margin absorbs clock skew between us and Discord. A token
# bucket lets `burst + rate` requests into one second (a full bucket, then a second's refill),
# so the two together stay under 50: a burst of 45 let 90 through and earned 429s.
GLOBAL_RATE = 45.0
GLOBAL_BURST = 5


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
        return await original(route, **kwargs)

    http.request = request  # type: ignore[method-assign]
    return pacer
