"""The gateway protocol on raw websockets: HELLO, heartbeats, IDENTIFY refusals, RESUME replay."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.fakediscord.fakediscord_client import identify, send_identify
from tests.fakediscord.gateway import GUILD_MEMBERS
from tests.fakediscord.server import FakeDiscord


async def test_ready_then_guild_create(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    guild = fake_discord.add_guild()
    async with session.ws_connect(fake_discord.gateway_url + "?v=10&compress=zlib-stream") as ws:
        ready = await identify(ws, fake_discord.token)
        guild_create = await ws.receive_json(timeout=5)
    assert ready["t"] == "READY"
    assert ready["d"]["shard"] == [0, 1]
    assert ready["d"]["resume_gateway_url"] == fake_discord.gateway_url
    assert (guild_create["t"], guild_create["d"]["id"]) == ("GUILD_CREATE", str(guild.id))


async def test_heartbeat_is_acknowledged(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 1, "d": None})
        ack = await ws.receive_json(timeout=5)
    assert ack["op"] == 11


async def test_wait_for_wakes_on_a_heartbeat(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await ws.receive_json(timeout=5)
        waiting = asyncio.ensure_future(
            fake_discord.wait_for(lambda: fake_discord.gateway.heartbeats == 1, timeout=5)
        )
        await asyncio.sleep(0)  # let the waiter check once and park before the heartbeat
        await ws.send_json({"op": 1, "d": None})
        await waiting
    assert fake_discord.gateway.heartbeats == 1


async def test_wrong_token_closes_4004(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await send_identify(ws, "wrong")
        closed = await ws.receive(timeout=5)
    assert closed.data == 4004


async def test_denied_intent_closes_4014(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    fake_discord.gateway.denied_intents = GUILD_MEMBERS
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await send_identify(ws, fake_discord.token, intents=GUILD_MEMBERS | 1)
        closed = await ws.receive(timeout=5)
    assert closed.data == 4014


async def test_resume_replays_missed_events(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        ready = await identify(ws, fake_discord.token)
        await fake_discord.drop_websocket()
        dropped = await ws.receive(timeout=5)
    await fake_discord.dispatch("TYPING_START", {"channel_id": "1"})
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await ws.receive_json(timeout=5)
        resume = {"token": fake_discord.token, "session_id": ready["d"]["session_id"], "seq": 1}
        await ws.send_json({"op": 6, "d": resume})
        replayed = [await ws.receive_json(timeout=5) for _ in range(2)]
    assert [e["t"] for e in replayed] == ["TYPING_START", "RESUMED"]
    assert dropped.data == 4000


async def test_invalid_session_on_demand(
    fake_discord: FakeDiscord, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(fake_discord.gateway_url) as ws:
        await identify(ws, fake_discord.token)
        await fake_discord.invalidate_session()
        invalid = await ws.receive_json(timeout=5)
    assert invalid == {"op": 9, "d": False}
