"""Member lookups by REST are remembered for a minute: a burst of runs asks Discord once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import discord
import pytest

from bot.members import MEMBER_TTL_SECONDS, MemberLookup


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def guild_with(fetch) -> mock.Mock:
    guild = mock.Mock(spec_set=discord.Guild)
    guild.id = 1
    guild.get_member.return_value = None
    guild.fetch_member = mock.AsyncMock(side_effect=fetch)
    return guild


def not_found() -> discord.NotFound:
    response = mock.Mock(status=404, reason="Not Found")
    return discord.NotFound(response, {"code": 10007, "message": "Unknown Member"})


async def test_a_lookup_is_remembered_until_the_ttl_passes():
    clock = Clock()
    member = mock.Mock(spec_set=discord.Member)
    guild = guild_with(lambda user_id: member)
    lookup = MemberLookup(clock)

    assert await lookup.get(guild, 7) is member
    clock.now += timedelta(seconds=MEMBER_TTL_SECONDS - 1)
    assert await lookup.get(guild, 7) is member
    assert guild.fetch_member.await_count == 1
    clock.now += timedelta(seconds=2)
    assert await lookup.get(guild, 7) is member
    assert guild.fetch_member.await_count == 2


async def test_someone_who_left_is_remembered_as_none_and_other_errors_raise():
    clock = Clock()

    def fetch(user_id):
        if user_id == 7:
            raise not_found()
        raise discord.HTTPException(mock.Mock(status=503, reason="down"), "down")

    guild = guild_with(fetch)
    lookup = MemberLookup(clock)

    assert await lookup.get(guild, 7) is None
    assert await lookup.get(guild, 7) is None
    assert guild.fetch_member.await_count == 1
    with pytest.raises(discord.HTTPException):
        await lookup.get(guild, 8)
    lookup.forget(1, 7)
    assert await lookup.get(guild, 7) is None
    assert guild.fetch_member.await_count == 3
