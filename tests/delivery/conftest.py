"""Delivery tests may run against the wire-level fake Discord."""

from tests.fakediscord.plugin import discord_py_at_fake, fake_discord  # noqa: F401
