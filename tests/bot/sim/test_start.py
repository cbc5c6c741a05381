"""The bot simcord runs is the one `create_bot` builds: set up, store open, commands synced."""

from __future__ import annotations

from bot.app import SummaryBot


async def test_the_bot_starts_and_syncs_its_command_tree(simcord_env):
    bot = simcord_env.bot
    assert isinstance(bot, SummaryBot)
    assert await bot.require_scheduler().list(None) == []

    synced = simcord_env.backend.commands.get(None, {}).values()
    names = {command["name"] for command in synced}
    assert {"schedule", "summary"} <= names
    schedule = next(command for command in synced if command["name"] == "schedule")
    # Hidden by default from members without Manage Server (0x20); the runtime check stays.
    assert int(schedule["default_member_permissions"]) == 32
