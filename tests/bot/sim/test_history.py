"""The bot's history source: channel and thread messages of a window, as digests read them."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.history import SourceUnavailableError


def thread(world, parent, name: str, *, private: bool = False):
    backend = world.env.backend
    kind = discord.ChannelType.private_thread if private else discord.ChannelType.public_thread
    created = backend.create_thread(parent.id, name, world.admin.id, type=kind.value)
    for member in (world.admin, world.member):
        created.thread_members[member.id] = backend.now_iso()
    return next(t for t in parent.threads if t.id == created.id)


def archive(world, handle) -> None:
    backend = world.env.backend
    channel = backend.channels[handle.id]
    channel.thread_metadata.archived = True
    channel.thread_metadata.archive_timestamp = backend.now_iso()
    backend.announce_channel_update(channel.id)


async def fetch(world, channel, *, since_minutes=120, limit=100, include_threads=True):
    now = world.env.now()
    return await world.env.bot.history.fetch(
        [channel.id],
        now - timedelta(minutes=since_minutes),
        now,
        limit=limit,
        include_threads=include_threads,
    )


async def test_channel_window_is_oldest_first(world):
    await world.say(world.general, "first", "second", "third")
    result = await fetch(world, world.general)
    assert [m.content for m in result.messages] == ["first", "second", "third"]
    assert not result.truncated
    assert result.messages[0].jump_url


async def test_active_and_archived_threads_are_read(world):
    await world.say(world.general, "in the channel")
    active = thread(world, world.general, "venue")
    await world.say(active, "in the active thread")
    old = thread(world, world.general, "food")
    await world.say(old, "in the archived thread")
    archive(world, old)

    result = await fetch(world, world.general)

    by_text = {m.content: m for m in result.messages}
    assert set(by_text) == {"in the channel", "in the active thread", "in the archived thread"}
    assert by_text["in the active thread"].thread.name == "venue"
    assert by_text["in the archived thread"].channel.id == world.general.id
    without = await fetch(world, world.general, include_threads=False)
    assert [m.content for m in without.messages] == ["in the channel"]


async def test_limit_keeps_the_newest_and_marks_truncation(world):
    await world.say(world.general, *[f"message {i}" for i in range(8)])
    result = await fetch(world, world.general, since_minutes=600, limit=3)
    assert [m.content for m in result.messages] == ["message 5", "message 6", "message 7"]
    assert result.truncated


async def test_an_unknown_channel_is_a_readable_error(world):
    now = world.env.now()
    with pytest.raises(SourceUnavailableError, match="123456789"):
        await world.env.bot.history.fetch([123456789], now - timedelta(hours=1), now, limit=10)
