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
