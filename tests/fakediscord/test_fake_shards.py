"""Several shards of one bot on raw websockets: each gets its own guilds and their events."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
import pytest

from tests.fakediscord.fakediscord_client import identify, send_identify
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.state import shard_of


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as opened:
        yield opened


async def connect(
    stack: AsyncExitStack,
    session: aiohttp.ClientSession,
    fake: FakeDiscord,
    shard: tuple[int, int] | None,
) -> tuple[aiohttp.ClientWebSocketResponse, dict]:
    """A socket identified as `shard`, its READY, and every GUILD_CREATE it lists read."""
    ws = await stack.enter_async_context(session.ws_connect(fake.gateway_url))
    ready = await identify(ws, fake.token, shard)
    creates = [await ws.receive_json(timeout=5) for _ in ready["d"]["guilds"]]
    assert [c["t"] for c in creates] == ["GUILD_CREATE"] * len(creates)
    assert [c["d"]["id"] for c in creates] == [g["id"] for g in ready["d"]["guilds"]]
    return ws, ready


def history(fake: FakeDiscord, shard: tuple[int, int] | None) -> list[str]:
    """The events the fake sent (or keeps for RESUME) to the session of `shard`."""
    wanted = list(shard) if shard is not None else None
    [session] = [s for s in fake.gateway.sessions.values() if s.shard == wanted]
    return [event["t"] for event in session.history]


def ids(ready: dict) -> set[int]:
    return {int(g["id"]) for g in ready["d"]["guilds"]}


def test_guilds_can_be_made_on_a_chosen_shard(fake_discord: FakeDiscord) -> None:
    made = [fake_discord.add_guild(f"g{n}", shard=(n % 4, 4)) for n in range(12)]
    assert [shard_of(g.id, 4) for g in made] == [n % 4 for n in range(12)]
    assert [g.id for g in made] == sorted({g.id for g in made})  # unique and increasing
    later = fake_discord.add_channel(made[-1].id, "general")
    assert later.id > made[-1].id


async def test_each_shard_gets_ready_and_guild_create_for_its_guilds_only(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession, stack: AsyncExitStack
) -> None:
    zero = fake_discord.add_guild("zero", shard=(0, 2))
    ones = [fake_discord.add_guild(f"one-{n}", shard=(1, 2)) for n in range(2)]

    _, ready_zero = await connect(stack, session, fake_discord, (0, 2))
    _, ready_one = await connect(stack, session, fake_discord, (1, 2))
    _, ready_all = await connect(stack, session, fake_discord, None)

    assert ids(ready_zero) == {zero.id}
    assert ids(ready_one) == {g.id for g in ones}
    assert ids(ready_all) == {zero.id, *(g.id for g in ones)}
    assert (ready_zero["d"]["shard"], ready_one["d"]["shard"]) == ([0, 2], [1, 2])
    assert "shard" not in ready_all["d"]
    assert fake_discord.gateway.shard_identifies == Counter({(0, 2): 1, (1, 2): 1})
    assert fake_discord.gateway.identifies == 3


async def test_guild_events_go_to_their_shard_and_dms_to_shard_zero(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession, stack: AsyncExitStack
) -> None:
    zero = fake_discord.add_guild("zero", shard=(0, 2))
    one = fake_discord.add_guild("one", shard=(1, 2))
    general = fake_discord.add_channel(one.id, "general")
    ws_zero, _ = await connect(stack, session, fake_discord, (0, 2))
    ws_one, _ = await connect(stack, session, fake_discord, (1, 2))
    await connect(stack, session, fake_discord, None)

    await fake_discord.say(general.id, fake_discord.owner, "in shard one's guild")
    await fake_discord.dispatch("GUILD_UPDATE", {"id": str(zero.id), "name": "renamed"})
    await fake_discord.dispatch("TYPING_START", {"channel_id": "1"})  # a DM: no guild

    received_one = await ws_one.receive_json(timeout=5)
    assert (received_one["t"], received_one["d"]["content"]) == (
        "MESSAGE_CREATE",
        "in shard one's guild",
    )
    assert [(await ws_zero.receive_json(timeout=5))["t"] for _ in range(2)] == [
        "GUILD_UPDATE",
        "TYPING_START",
    ]
    assert history(fake_discord, (0, 2))[2:] == ["GUILD_UPDATE", "TYPING_START"]
    assert history(fake_discord, (1, 2))[2:] == ["MESSAGE_CREATE"]
    assert history(fake_discord, None)[3:] == ["MESSAGE_CREATE", "GUILD_UPDATE", "TYPING_START"]
    assert fake_discord.gateway.serving(one.id) == [
        s for s in fake_discord.gateway.sessions.values() if s.shard != [0, 2]
    ]


async def test_an_invalid_shard_is_closed_4010(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await send_identify(ws, fake_discord.token, shard=(2, 2))
        closed = await ws.receive(timeout=5)
    assert closed.data == 4010
    assert fake_discord.gateway.identifies == 0
    assert not fake_discord.gateway.shard_identifies
