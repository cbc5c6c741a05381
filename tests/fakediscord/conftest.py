"""The fake Discord's fixtures for its own tests."""

from tests.fakediscord.plugin import discord_py_at_fake, fake_discord

__all__ = ["discord_py_at_fake", "fake_discord"]
