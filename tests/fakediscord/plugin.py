"""Pytest fixtures for the fake Discord; other test directories import them from here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import discord
import pytest

from tests.fakediscord.server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord on 127.0.0.1 (ephemeral port); `.api_base` is the REST base."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def discord_py_at_fake(fake_discord: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point in-process discord.py at the fake, restoring Discord's addresses afterwards.

    The default gateway matters too: after a non-resumable INVALID_SESSION discord.py
    reconnects to `DEFAULT_GATEWAY`, which would otherwise be the real Discord.
    """
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake_discord.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = discord.gateway.yarl.URL(
        fake_discord.gateway_url
    )
    try:
        yield fake_discord
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
