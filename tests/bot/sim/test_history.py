"""The bot's history source: channel and thread messages of a window, as digests read them."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

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


async def fetch(
    world, channel, *, since_minutes=120, limit=100, include_threads=True, private_threads=None
):
    now = world.env.now()
    return await world.env.bot.history.fetch(
        [channel.id],
        now - timedelta(minutes=since_minutes),
        now,
        limit=limit,
        include_threads=include_threads,
        private_threads=private_threads,
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


async def test_forum_posts_are_read_as_threads(world):
    forum = world.guild.create_forum_channel("ideas")
    post = thread(world, forum, "dark mode")
    await world.say(post, "please add a dark mode", "seconded, my eyes hurt")

    result = await fetch(world, forum)

    assert [m.content for m in result.messages] == [
        "please add a dark mode",
        "seconded, my eyes hurt",
    ]
    assert {m.thread.name for m in result.messages} == {"dark mode"}


async def test_voice_channel_chat_is_read(world):
    lounge = world.guild.create_voice_channel("lounge")
    await world.say(lounge, "can everyone hear me?", "yes, loud and clear")

    result = await fetch(world, lounge)

    assert [m.content for m in result.messages] == ["can everyone hear me?", "yes, loud and clear"]


async def test_private_threads_are_read_only_when_the_caller_allows_each(world):
    await world.say(world.general, "in the channel")
    private = thread(world, world.general, "hiring", private=True)
    world.env.backend.channels[private.id].thread_members[world.env.bot.user.id] = (
        world.env.backend.now_iso()
    )
    await world.say(private, "the candidate accepted", who=world.admin)
    now = world.env.now()
    asked = []

    async def allow(candidate):
        asked.append(candidate.id)
        return True

    allowed = await world.env.bot.history.fetch(
        [world.general.id], now - timedelta(hours=2), now, limit=100, private_threads=allow
    )
    unasked = await fetch(world, world.general)

    assert {m.content for m in allowed.messages} == {"in the channel", "the candidate accepted"}
    assert asked == [private.id]
    # The bot can read the thread, but nobody said its readers may: it is left out.
    assert [m.content for m in unasked.messages] == ["in the channel"]


async def test_threads_archived_before_the_window_are_not_read(world):
    old = thread(world, world.general, "last year")
    await world.say(old, "ancient history")
    archive(world, old)
    await world.env.advance_time(3 * 3600)
    await world.say(world.general, "today")

    result = await fetch(world, world.general, since_minutes=60)

    assert [m.content for m in result.messages] == ["today"]
    reads = [r.path for r in world.env.http_requests if r.path.endswith("/messages")]
    assert f"/channels/{old.id}/messages" not in reads


async def test_a_message_at_the_window_start_belongs_to_it_and_one_at_the_end_does_not(world):
    start = world.env.now()
    await world.say(world.general, "exactly at the start")  # posted at `start`, then +60 s
    end = world.env.now()
    await world.say(world.general, "exactly at the end")

    result = await world.env.bot.history.fetch([world.general.id], start, end, limit=10)
    following = await world.env.bot.history.fetch(
        [world.general.id], end, world.env.now(), limit=10
    )

    assert [m.content for m in result.messages] == ["exactly at the start"]
    assert [m.content for m in following.messages] == ["exactly at the end"]


async def test_archived_private_threads_are_listed_only_with_manage_threads(world):
    private = thread(world, world.general, "hiring", private=True)
    await world.say(private, "the offer went out", who=world.admin)
    archive(world, private)

    async def everyone_may(_thread):
        return True

    allowed = await fetch(world, world.general, private_threads=everyone_may)

    assert [m.content for m in allowed.messages] == ["the offer went out"]
    world.env.backend.set_overwrite(
        world.general.id,
        Overwrite(
            target_id=world.env.bot.user.id,
            type=OverwriteType.MEMBER,
            allow=0,
            deny=discord.Permissions(manage_threads=True).value,
        ),
    )
    await world.env.settle()
    world.env.http_requests.clear()

    denied = await fetch(world, world.general, private_threads=everyone_may)

    # The thread listed before is not read without Manage Threads, nor listed again; the
    # public list is known since the first read (bot.threads), so nothing is listed at all.
    assert denied.messages == []
    paths = [r.path for r in world.env.http_requests]
    assert not any("/threads/archived/" in path for path in paths)
    assert f"/channels/{private.id}/messages" not in paths
