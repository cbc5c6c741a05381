"""History paging exactly as Discord does it: newest first, exclusive bounds, `after` oldest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.state import snowflake_time

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def seed(fake: FakeDiscord, count: int = 10) -> tuple[int, list[int]]:
    guild = fake.add_guild()
    channel = fake.add_channel(guild.id, "general")
    alice = fake.add_member(guild.id, "alice").user
    ids = [
        fake.add_message(channel.id, alice, f"m{n}", at=START + timedelta(minutes=n)).id
        for n in range(count)
    ]
    return channel.id, ids


def ids_of(body: list[dict]) -> list[int]:
    return [int(m["id"]) for m in body]


async def test_no_bound_returns_newest_first(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?limit=3")
    assert ids_of(reply.body) == ids[:-4:-1]


async def test_default_limit_is_fifty(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel, ids = seed(fake_discord, 60)
    reply = await api.call("GET", f"/channels/{channel}/messages")
    assert ids_of(reply.body) == list(reversed(ids[10:]))


async def test_before_is_exclusive_and_takes_the_newest(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?before={ids[5]}&limit=2")
    assert ids_of(reply.body) == [ids[4], ids[3]]


async def test_after_takes_the_oldest_still_newest_first(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?after={ids[2]}&limit=3")
    assert ids_of(reply.body) == [ids[5], ids[4], ids[3]]


async def test_after_the_newest_is_empty(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?after={ids[-1]}")
    assert reply.body == []


async def test_around_with_limit_one_is_the_message_itself(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?around={ids[4]}&limit=1")
    assert ids_of(reply.body) == [ids[4]]


async def test_around_splits_older_and_newer(fake_discord: FakeDiscord, api: RawApi) -> None:
    channel, ids = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?around={ids[4]}&limit=4")
    assert ids_of(reply.body) == [ids[5], ids[4], ids[3], ids[2]]


@pytest.mark.parametrize("limit", ["0", "101"])
async def test_limit_outside_1_to_100_is_invalid(
    fake_discord: FakeDiscord, api: RawApi, limit: str
) -> None:
    channel, _ = seed(fake_discord)
    reply = await api.call("GET", f"/channels/{channel}/messages?limit={limit}")
    assert reply.status == 400
    assert reply.body["code"] == 50035
    assert "limit" in reply.body["errors"]


async def test_seeded_ids_encode_their_time(fake_discord: FakeDiscord) -> None:
    _, ids = seed(fake_discord, 2)
    assert snowflake_time(ids[1]) == START + timedelta(minutes=1)


async def test_history_without_read_history_is_denied(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel, _ = seed(fake_discord)
    guild_id = fake_discord.channels[channel].guild_id
    fake_discord.set_overwrite(channel, fake_discord.bot_role(guild_id).id, deny=1 << 16)
    reply = await api.call("GET", f"/channels/{channel}/messages")
    assert (reply.status, reply.body["code"]) == (403, 50013)


async def test_without_message_content_others_text_is_blank(
    fake_discord: FakeDiscord, api: RawApi
) -> None:
    channel, _ = seed(fake_discord, 1)
    fake_discord.message_content_granted = False
    reply = await api.call("GET", f"/channels/{channel}/messages")
    assert reply.body[0]["content"] == ""
