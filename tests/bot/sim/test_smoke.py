import discord
import pytest

from bot.app import create_bot
from bot.config import Settings


@pytest.fixture
def simcord_bot(tmp_path):
    settings = Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "db.sqlite")},
            "delivery": {"file_root": str(tmp_path / "files")},
        }
    )
    bot = create_bot(settings, shard_count=1, start_scheduler=False)

    @bot.tree.command(name="count")
    async def count(interaction: discord.Interaction) -> None:
        n = len(await bot.require_scheduler().list(interaction.guild_id))
        await interaction.response.send_message(f"{n} schedules", ephemeral=True)

    return bot


async def test_starts(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "count")
    assert result.response.content == "0 schedules"
