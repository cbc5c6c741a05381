"""The archived-thread tracker on its own: what it lists, when, and what events change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from unittest import mock

import discord

from bot.threads import RETAIN, ThreadTracker

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


@dataclass
class Thread:
    id: int
    archive_timestamp: datetime | None
    archived: bool = True
    private: bool = False
    parent_id: int = 1

    def is_private(self) -> bool:
        return self.private


@dataclass
class Channel:
    """A parent channel whose archived threads are listed newest archived first."""

    threads: list[Thread]
    id: int = 1
    asked: list[bool] = field(default_factory=list)
    # Awaited between two listed threads: a test can let gateway events happen meanwhile.
    between: asyncio.Event | None = None
    paused: asyncio.Event = field(default_factory=asyncio.Event)
    error: Exception | None = None

    async def archived_threads(self, *, limit=None, private: bool = False):
        self.asked.append(private)
        if self.error is not None:
            raise self.error
        listed = sorted(
            (t for t in self.threads if t.archived and t.private == private),
            key=lambda t: t.archive_timestamp,
            reverse=True,
        )
        for number, thread in enumerate(listed):
            if number and self.between is not None:
                self.paused.set()
                await self.between.wait()
            yield thread


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def ids(threads) -> list[int]:
    return [t.id for t in threads]


async def test_a_channel_is_listed_once_then_answered_from_what_is_known():
    channel = Channel([Thread(10, T0 - timedelta(minutes=5)), Thread(11, T0 - timedelta(hours=3))])
    tracker = ThreadTracker(Clock())

    first = await tracker.archived(channel, T0 - timedelta(hours=1), private=False)
    again = await tracker.archived(channel, T0 - timedelta(minutes=30), private=False)

    assert ids(first) == ids(again) == [10]
    assert channel.asked == [False]
    assert tracker.is_known(1)
    assert not tracker.is_known(1, private=True)


async def test_a_window_reaching_before_the_listing_lists_again():
    channel = Channel([Thread(10, T0 - timedelta(minutes=5)), Thread(11, T0 - timedelta(hours=3))])
    tracker = ThreadTracker(Clock())

    await tracker.archived(channel, T0 - timedelta(hours=1), private=False)
    wider = await tracker.archived(channel, T0 - timedelta(hours=6), private=False)

    assert ids(wider) == [10, 11]
    assert channel.asked == [False, False]


async def test_runs_reading_one_unknown_channel_at_once_share_one_listing():
    channel = Channel([Thread(10, T0 - timedelta(minutes=5))])
    tracker = ThreadTracker(Clock())
    start = T0 - timedelta(hours=1)

    results = await asyncio.gather(
        *(tracker.archived(channel, start, private=False) for _ in range(5))
    )

    assert [ids(r) for r in results] == [[10]] * 5
    assert channel.asked == [False]


async def test_events_keep_a_known_channel_current():
    channel = Channel([Thread(10, T0 - timedelta(minutes=5))])
    tracker = ThreadTracker(Clock())
    start = T0 - timedelta(hours=1)
    await tracker.archived(channel, start, private=False)

    tracker.note(Thread(20, T0))  # archived after start-up (THREAD_UPDATE)
    tracker.note(Thread(10, None, archived=False))  # unarchived: discord.py caches it again
    tracker.note(Thread(30, T0, parent_id=2))  # a channel nobody reads is not followed

    assert ids(await tracker.archived(channel, start, private=False)) == [20]
    tracker.drop(1, 20)  # deleted
    assert await tracker.archived(channel, start, private=False) == []
    assert channel.asked == [False]
    assert not tracker.is_known(2)


async def test_an_event_during_a_listing_wins_over_the_listing():
    unarchived = Thread(10, T0 - timedelta(minutes=1))
    channel = Channel([unarchived, Thread(11, T0 - timedelta(minutes=2))], between=asyncio.Event())
    tracker = ThreadTracker(Clock())

    listing = asyncio.create_task(tracker.archived(channel, T0 - timedelta(hours=1), private=False))
    await channel.paused.wait()
    # Thread 10 was listed as archived, then unarchived before the listing ended.
    tracker.note(Thread(10, None, archived=False))
    channel.between.set()
    found = await listing

    assert ids(found) == [11]


async def test_a_refused_listing_leaves_the_channel_unknown():
    response = mock.Mock(status=403, reason="Forbidden")
    channel = Channel([], error=discord.Forbidden(response, "Missing Access"))
    tracker = ThreadTracker(Clock())

    assert await tracker.archived(channel, T0, private=True) == []
    assert not tracker.is_known(1, private=True)
    channel.error = None
    await tracker.archived(channel, T0, private=True)
    assert channel.asked == [True, True]
    assert tracker.is_known(1, private=True)


async def test_public_and_private_lists_are_known_apart():
    channel = Channel([Thread(10, T0, private=True), Thread(11, T0)])
    tracker = ThreadTracker(Clock())

    public = await tracker.archived(channel, T0 - timedelta(hours=1), private=False)
    private = await tracker.archived(channel, T0 - timedelta(hours=1), private=True)

    assert (ids(public), ids(private)) == ([11], [10])
    assert channel.asked == [False, True]


async def test_what_may_have_been_missed_is_forgotten():
    channel = Channel([Thread(10, T0)])
    tracker = ThreadTracker(Clock())
    start = T0 - timedelta(hours=1)

    for forget in (
        tracker.forget_all,  # a disconnect, a resume, a new session
        lambda: tracker.on_socket_event_type("THREAD_LIST_SYNC"),  # access gained
    ):
        await tracker.archived(channel, start, private=False)
        assert tracker.is_known(1)
        await forget()
        assert not tracker.is_known(1)
    await tracker.on_socket_event_type("MESSAGE_CREATE")
    assert channel.asked == [False, False]


async def test_old_threads_are_pruned_and_knowledge_shrinks_with_them():
    clock = Clock()
    channel = Channel([Thread(10, T0 - timedelta(days=1))])
    tracker = ThreadTracker(clock)
    await tracker.archived(channel, T0 - timedelta(days=2), private=False)

    clock.now = T0 + RETAIN
    # Within the horizon: answered from memory, and the day-old thread is gone from it.
    assert await tracker.archived(channel, clock.now - timedelta(hours=1), private=False) == []
    assert channel.asked == [False]
    # Reaching past the horizon lists again.
    await tracker.archived(channel, T0 - timedelta(days=2), private=False)
    assert channel.asked == [False, False]
