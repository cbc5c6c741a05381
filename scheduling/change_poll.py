"""Keeping this process's jobs in step with the store: the change poll.

Other processes change schedules too (the `summarybot schedules` CLI; other bot processes over
PostgreSQL). This process learns of it by a short poll over `updated_at`, or at once when the
database tells it (PostgreSQL's notifications), and every poll also refills the horizon from
the store's next-fire index. A notification asks for one poll per burst: an import or a
guild-wide pause sends one per schedule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from scheduling.horizon import Horizon
from scheduling.store import ScheduleTiming, Store


class ChangePoll:
    """The poll's state: how far changes were read, whether one is asked for or running."""

    def __init__(
        self,
        store: Store,
        horizon: Horizon,
        clock: Callable[[], datetime],
        recover: Callable[[list[ScheduleTiming]], Awaitable[None]],
    ) -> None:
        self._store = store
        self._horizon = horizon
        self._clock = clock
        self._recover = recover
        self._watermark: datetime | None = None
        # A poll asked for (not yet begun), one to run again (a change came while it ran), a
        # stop under way; and the poll running, if one is.
        self._asked = self._again = self._stopping = False
        self.task: asyncio.Task[Any] | None = None

    async def begin(self) -> None:
        """Mark where changes are read from; before the jobs load, so none falls between."""
        self._stopping = False
        self._watermark = await self._store.latest_update() or self._clock()

    def wanted(self) -> bool:
        """A change was notified: whether a poll should be asked for now.

        Not while one is asked for already; while one runs, it goes round once more instead.
        """
        if self.task is not None:
            self._again = True
            return False
        if self._asked:
            return False
        self._asked = True
        return True

    async def run(self) -> None:
        """Pick up changes made by another process, then refill the horizon from the store.

        The refill reads every schedule due before now + horizon + two polls, so each one gets
        its job at least an hour ahead however the polls fall; reading one twice is harmless.
        """
        self._asked, self.task = False, asyncio.current_task()
        try:
            while True:
                self._again = False
                await self._once()
                if not self._again:
                    return
        except asyncio.CancelledError:
            if self._stopping:
                # `stop` cut it short: it only reads, and the next start reads afresh. Ended
                # quietly, or APScheduler logs an error with a traceback at every such stop.
                return
            raise
        finally:
            self.task = None

    def stop(self) -> set[asyncio.Task[Any]]:
        """The poll in flight, to wait for before the store it reads is closed."""
        self._stopping = True
        return {self.task} if self.task is not None else set()

    async def _once(self) -> None:
        since = self._watermark or self._clock()
        for timing in await self._store.schedule_timings(status=None, changed_since=since):
            self._horizon.sync(timing)
            if self._watermark is None or timing.updated_at > self._watermark:
                self._watermark = timing.updated_at
        missed = await self._horizon.fill()
        if missed:  # written past-due by another process, or a next fire left unknown
            await self._recover(missed)
