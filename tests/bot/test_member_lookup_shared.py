"""Runs that look up the same member at the same moment share one request (a guild's burst)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from unittest import mock

import discord
import pytest

from bot.members import MemberLookup


def clock() -> datetime:
    return datetime(2026, 12, 1, tzinfo=UTC)


class Discord:
    """`guild.fetch_member` that answers only when the test says so."""

    def __init__(self) -> None:
        self.asked = 0
        self.answers: list[asyncio.Future] = []
        self.guild = mock.Mock(spec_set=discord.Guild)
        self.guild.id = 1
        self.guild.get_member.return_value = None
        self.guild.fetch_member = self.fetch_member

    async def fetch_member(self, user_id: int):
        self.asked += 1
        answer = asyncio.get_running_loop().create_future()
        self.answers.append(answer)
        return await answer


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_ten_runs_asking_at_once_send_one_request():
    fake, lookup = Discord(), MemberLookup(clock)
    member = mock.Mock(spec_set=discord.Member)

    asks = [asyncio.create_task(lookup.get(fake.guild, 7)) for _ in range(10)]
    await settle()
    fake.answers[0].set_result(member)

    assert await asyncio.gather(*asks) == [member] * 10
    assert fake.asked == 1
    assert await lookup.get(fake.guild, 7) is member  # and remembered
    assert fake.asked == 1


async def test_an_error_reaches_everyone_waiting_and_is_not_remembered():
    fake, lookup = Discord(), MemberLookup(clock)

    asks = [asyncio.create_task(lookup.get(fake.guild, 7)) for _ in range(3)]
    await settle()
    fake.answers[0].set_exception(discord.HTTPException(mock.Mock(status=503), "down"))

    results = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(r, discord.HTTPException) for r in results)
    again = asyncio.create_task(lookup.get(fake.guild, 7))
    await settle()
    assert fake.asked == 2
    fake.answers[1].set_result(None)
    assert await again is None


async def test_when_the_asking_run_is_cancelled_the_others_ask_themselves():
    fake, lookup = Discord(), MemberLookup(clock)
    member = mock.Mock(spec_set=discord.Member)
    first = asyncio.create_task(lookup.get(fake.guild, 7))
    await settle()
    waiting = asyncio.create_task(lookup.get(fake.guild, 7))
    await settle()

    first.cancel()  # its run timed out
    await settle()
    assert fake.asked == 2  # the waiter asked on its own
    fake.answers[1].set_result(member)

    assert await waiting is member
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_forget_does_not_let_a_lookup_from_before_answer_after():
    fake, lookup = Discord(), MemberLookup(clock)
    before, after = mock.Mock(spec_set=discord.Member), mock.Mock(spec_set=discord.Member)
    old = asyncio.create_task(lookup.get(fake.guild, 7))
    await settle()

    lookup.forget(1, 7)  # they just clicked a button: judge them as they are now
    fresh = asyncio.create_task(lookup.get(fake.guild, 7))
    await settle()
    assert fake.asked == 2
    fake.answers[1].set_result(after)
    fake.answers[0].set_result(before)

    assert await fresh is after
    assert await old is before
    assert await lookup.get(fake.guild, 7) is after  # the older answer did not overwrite it
