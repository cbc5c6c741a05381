"""Archived threads are listed once per channel, then followed through gateway events."""

from __future__ import annotations

from datetime import timedelta

import discord


def thread(world, parent, name: str):
    backend = world.env.backend
    kind = discord.ChannelType.public_thread.value
    created = backend.create_thread(parent.id, name, world.admin.id, type=kind)
    return next(t for t in parent.threads if t.id == created.id)


async def archive(world, handle) -> None:
    backend = world.env.backend
    channel = backend.channels[handle.id]
    channel.thread_metadata.archived = True
    channel.thread_metadata.archive_timestamp = backend.now_iso()
    backend.announce_channel_update(channel.id)  # THREAD_UPDATE
    await world.env.settle()


async def read(world, channel, *, since_minutes=120):
    now = world.env.now()
    return await world.env.bot.history.fetch(
        [channel.id], now - timedelta(minutes=since_minutes), now, limit=100
    )


def listings(world, channel) -> int:
    path = f"/channels/{channel.id}/threads/archived/public"
    return sum(1 for r in world.env.http_requests if r.path == path)


def texts(result) -> set[str]:
    return {m.content for m in result.messages}


async def test_an_archived_listing_happens_once_per_channel_not_per_run(world):
    await world.say(world.general, "hello")

    for _ in range(3):
        assert texts(await read(world, world.general)) == {"hello"}

    assert listings(world, world.general) == 1


async def test_a_thread_created_and_archived_after_start_is_read_without_a_listing(world):
    await read(world, world.general)  # the channel's archived threads are known from here on
    venue = thread(world, world.general, "venue")
    await world.say(venue, "the venue is booked")

    assert "the venue is booked" in texts(await read(world, world.general))  # active, cached
    await archive(world, venue)
    assert "the venue is booked" in texts(await read(world, world.general))  # archived, tracked

    assert listings(world, world.general) == 1


async def test_a_thread_archived_before_start_and_inside_the_window_is_still_read(world, build_bot):
    food = thread(world, world.general, "food")
    await world.say(food, "pizza on friday")
    await archive(world, food)
    await world.env.restart_bot(build_bot())  # the new process saw no THREAD_UPDATE

    assert texts(await read(world, world.general)) == {"pizza on friday"}
    assert listings(world, world.general) == 1


async def test_a_deleted_thread_is_dropped(world):
    old = thread(world, world.general, "old")
    await world.say(old, "soon gone")
    await archive(world, old)
    assert texts(await read(world, world.general)) == {"soon gone"}

    world.env.backend.delete_channel(old.id)  # THREAD_DELETE
    await world.env.settle()
    world.env.http_requests.clear()

    assert texts(await read(world, world.general)) == set()
    assert not any(r.path == f"/channels/{old.id}/messages" for r in world.env.http_requests)


async def test_after_a_resume_the_channel_is_listed_again(world):
    await read(world, world.general)

    world.env.bot.dispatch("resumed")  # events may have been missed meanwhile
    await world.env.settle()
    await read(world, world.general)

    assert listings(world, world.general) == 2


async def test_a_thread_unarchived_by_a_new_message_is_read_once(world):
    talk = thread(world, world.general, "talk")
    await world.say(talk, "first")
    await archive(world, talk)
    await read(world, world.general)
    backend = world.env.backend
    backend.channels[talk.id].thread_metadata.archived = False
    backend.announce_channel_update(talk.id)
    await world.env.settle()
    await world.say(talk, "second")

    result = await read(world, world.general)

    assert [m.content for m in result.messages] == ["first", "second"]
    assert listings(world, world.general) == 1
