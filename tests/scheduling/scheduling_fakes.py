"""Fakes for scheduling tests: a settable clock, a message source, a deliverer, a harness."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import asyncpg

from delivery.models import ChannelDestination, FileDestination
from scheduling.models import Daily, Delivery, DeliveryStatus, Run, Schedule, utc_now
from scheduling.scheduler import TaskScheduler
from scheduling.settings import RetentionSettings, SchedulingSettings
from scheduling.store import Store
from summarizer import summarize
from summarizer.models import Author, ChannelRef, ChatMessage
from summarizer.sources import FetchResult

DAY0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC


class FakeClock:
    """The time every scheduling decision reads; tests move it."""

    def __init__(self, now: datetime = DAY0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakeSource:
    """One message every `every` minutes, always; records each window asked for."""

    every: timedelta = timedelta(minutes=10)
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    fail_next: int = 0
    block: bool = False
    fetching: asyncio.Event = field(default_factory=asyncio.Event)

    async def fetch(
        self, channel_ids, start, end, *, limit, include_threads=True, private_threads=None
    ):
        self.windows.append((start, end))
        self.fetching.set()
        if self.block:
            await asyncio.Event().wait()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the source is down")
        first = DAY0 - timedelta(days=400)
        steps = max(0, int((start - first) / self.every))
        moment = first + steps * self.every
        found = []
        while moment < end:
            if moment >= start:
                found.append(_message(moment))
            moment += self.every
        left_out = max(0, len(found) - limit)
        return FetchResult(messages=found[left_out:], truncated=left_out > 0, left_out=left_out)


TOPICS = ("release", "deploy", "docs", "tests")


def _message(moment: datetime) -> ChatMessage:
    number = int(moment.timestamp())
    return ChatMessage(
        id=number,
        channel=ChannelRef(id=100, name="general"),
        author=Author(id=1 + number % 3, name=f"member{number % 3}"),
        content=f"Update on the {TOPICS[number % 4]}: step {number % 7} is done, next is review.",
        created_at=moment,
    )


fake_summarize = summarize


@dataclass
class FakeDeliver:
    """Delivers to every destination unless its id is in `failing` (then records a failure)."""

    store: Store
    failing: set[str] = field(default_factory=set)
    # Destination ids Discord refuses with 403 (a member's closed DMs).
    refusing: set[str] = field(default_factory=set)
    calls: list[int] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    async def __call__(self, schedule, run: Run, summary, deliveries: list[Delivery]):
        self.calls.append(run.id)
        final = []
        for delivery in deliveries:
            if delivery.status is DeliveryStatus.DELIVERED:
                final.append(delivery)
                continue
            refused = delivery.destination.id in self.refusing
            failed = refused or delivery.destination.id in self.failing
            self.sent.append(delivery.destination.id)
            done = delivery.model_copy(
                update={
                    "status": DeliveryStatus.FAILED if failed else DeliveryStatus.DELIVERED,
                    "attempts": delivery.attempts + 1,
                    "last_error": ("HTTP 403" if refused else "HTTP 500") if failed else None,
                    "http_status": 403 if refused else None,
                    "updated_at": utc_now(),
                }
            )
            await self.store.update_delivery(done)
            final.append(done)
        return final


def make_schedule(**changes) -> Schedule:
    fields = {
        "guild_id": 1,
        "created_by": 7,
        "channel_ids": (100,),
        "recurrence": Daily(time=time(9, 0)),
        "timezone": "UTC",
        "destinations": (
            ChannelDestination(id="d_chan", channel_id=200),
            FileDestination(id="d_file"),
        ),
    }
    fields.update(changes)
    return Schedule(**fields)


@dataclass
class Harness:
    """A TaskScheduler over a real database with fakes around it; `restart()` rebuilds it."""

    path: Path
    clock: FakeClock
    settings: SchedulingSettings
    source: FakeSource = field(default_factory=FakeSource)
    store: Store | None = None
    deliver: FakeDeliver | None = None
    scheduler: TaskScheduler | None = None
    notices: list = field(default_factory=list)
    # A PostgreSQL database to use instead of the SQLite file at `path`.
    url: str | None = None

    async def open(self, start: bool = False) -> TaskScheduler:
        self.store = await open_store(self.path, self.url)
        self.deliver = FakeDeliver(
            self.store, failing=self.deliver.failing if self.deliver else set()
        )

        async def notify(notice):
            self.notices.append(notice)

        self.scheduler = TaskScheduler(
            self.store,
            self.settings,
            RetentionSettings(),
            source=self.source,
            summarize=fake_summarize,
            deliver=self.deliver,
            file_root=self.path.parent / "digests",
            max_messages=5000,
            min_messages=3,
            clock=self.clock,
            notify=notify,
        )
        if start:
            await self.scheduler.start()
            await self.scheduler.wait_idle()
        return self.scheduler

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop(timeout=5)
        if self.store is not None:
            await self.store.close()
        self.scheduler = self.store = None

    async def restart(self, start: bool = True) -> TaskScheduler:
        await self.close()
        return await self.open(start=start)


async def open_store(path: Path, url: str | None) -> Store:
    """The test's database: PostgreSQL at `url` on that leg, else the SQLite file at `path`."""
    return await (Store.open_url(url) if url else Store.open(path))


async def raw_sql(harness: Harness, sql: str) -> None:
    """Run `sql` on the harness's database behind the store's back (as an old release would)."""
    if harness.url is None:
        with closing(sqlite3.connect(harness.path)) as raw:
            raw.execute(sql)
            raw.commit()
        return
    raw = await asyncpg.connect(harness.url)
    try:
        await raw.execute(sql)
    finally:
        await raw.close()
