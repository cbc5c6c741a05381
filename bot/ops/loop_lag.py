"""How late the event loop runs what is due: the bot's responsiveness, measured from inside.

A task asks to wake every `interval` seconds and records how much later it actually woke.
Everything the bot does (heartbeats, interactions, runs) shares that loop, so a lag of a few
hundred milliseconds is a bot that answers slowly and may miss gateway heartbeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.1


class LoopLagMonitor:
    """The latest and the worst lag since start; started and stopped with the bot."""

    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        self.interval = interval
        self.last_seconds = 0.0
        self.max_seconds = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin measuring on the running loop (kept referenced, so it is never collected)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._measure())

    async def stop(self) -> None:
        """Stop measuring."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _measure(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            lag = max(loop.time() - due, 0.0)
            self.last_seconds = lag
            if lag > self.max_seconds:
                self.max_seconds = lag
                if lag > 1:
                    log.warning("the event loop ran %.1f s late", lag)
