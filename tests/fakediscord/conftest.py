"""The fake Discord's fixtures for its own tests."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakediscord.fakediscord_client import RawApi
from tests.fakediscord.plugin import discord_py_at_fake, fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["discord_py_at_fake", "fake_discord"]


@pytest.fixture
async def api(fake_discord: FakeDiscord) -> AsyncIterator[RawApi]:
    """Raw requests to the fake, authorised as the bot."""
    async with aiohttp.ClientSession() as session:
        yield RawApi(fake_discord, session)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session (raw gateway connections)."""
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
async def identified(fake_discord: FakeDiscord) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A raw gateway connection that has identified as the bot (so events can be injected)."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(fake_discord.gateway_url) as ws,
    ):
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": fake_discord.token, "intents": 513}})
        await fake_discord.wait_for(lambda: bool(fake_discord.gateway.sessions))
        yield ws
